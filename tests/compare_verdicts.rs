//! `cutover compare`'s verdicts on synthetic inputs written by the real writers: known
//! regressions give exactly the expected verdicts (and say why); noise alone passes; queries
//! re-hashed on the target are matched by their text; shards merge losslessly.

use cutover_compare::model::{Area, Class, Verdict};
use cutover_compare::testdata::{scenario, write_replay};
use cutover_compare::{CompareOptions, compare};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cutover-compare-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn baselines(name: &str, target: cutover_compare::testdata::SynthBaseline) -> CompareOptions {
    let root = dir(name);
    scenario::source(1).write(&root.join("src")).unwrap();
    target.write(&root.join("tgt")).unwrap();
    CompareOptions {
        baseline: Some(root.join("src")),
        candidate: Some(root.join("tgt")),
        ..Default::default()
    }
}

/// (verdict, subject, measure) of every check that is not a pass.
fn findings(c: &cutover_compare::Comparison) -> BTreeSet<(Verdict, String, String)> {
    c.checks
        .iter()
        .filter(|k| k.verdict != Verdict::Pass)
        .map(|k| (k.verdict, k.subject.clone(), k.measure.clone()))
        .collect()
}

#[test]
fn known_regressions_give_exactly_the_expected_verdicts() {
    let c = compare(&baselines("known", scenario::target_regressed(2))).unwrap();
    let got = findings(&c);
    let s = |v: Verdict, subject: &str, measure: &str| (v, subject.to_string(), measure.to_string());
    let expected: BTreeSet<_> = [
        s(Verdict::Fail, "io_read_latency_seconds{database=shop,file_type=ROWS}", "p95"),
        s(Verdict::Warn, "io_read_latency_seconds{database=shop,file_type=ROWS}", "p95"),
        s(Verdict::Warn, "io_write_latency_seconds{database=shop,file_type=LOG}", "p95"),
        s(Verdict::Fail, "wait_category_seconds{category=Buffer IO}", "avg"),
        s(Verdict::Warn, "wait_category_seconds{category=Tran Log IO}", "avg"),
        s(Verdict::Fail, "log_flushed_bytes", "p95"),
        s(
            Verdict::Fail,
            "0x02 SELECT region, SUM(total) FROM dbo.orders GROUP BY region",
            "duration per execution",
        ),
        s(Verdict::Warn, "0x03 SELECT * FROM dbo.products WHERE price > 10", "cpu per execution"),
        s(Verdict::Indeterminate, "0x04 EXEC dbo.monthly_close", "duration per execution"),
        s(Verdict::Indeterminate, "0x04 EXEC dbo.monthly_close", "cpu per execution"),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, expected, "{}", cutover_compare::render(&c, cutover_compare::Format::Terminal));
    assert!(!c.passed());
    assert_eq!(c.failures(), 4);
    // Worst first, and every verdict says why in one sentence.
    assert_eq!(c.checks[0].verdict, Verdict::Fail);
    for k in &c.checks {
        assert!(
            !k.reason.is_empty() && !k.reason.contains('\n') && k.reason.matches(". ").count() == 0,
            "{}",
            k.reason
        );
    }
    let slow = c.checks.iter().find(|k| k.subject.starts_with("0x02") && k.verdict == Verdict::Fail).unwrap();
    assert!(
        slow.reason.starts_with("duration per execution rose ") && slow.reason.contains("outside noise"),
        "{}",
        slow.reason
    );
    // The log-rate ceiling comes from the candidate's own cap (a Managed Instance's
    // instance_max_log_rate, 25 MiB/s here): 90% of it.
    let log = c.checks.iter().find(|k| k.subject == "log_flushed_bytes").unwrap();
    assert!(log.threshold.contains("90% of the candidate's instance_max_log_rate"), "{}", log.threshold);
    assert!(log.reason.contains("above the limit of 23.6 MB/s"), "{}", log.reason);
    let few = c.checks.iter().find(|k| k.subject.starts_with("0x04")).unwrap();
    assert!(few.reason.contains("only 9 executions") && few.reason.contains("at least 15"), "{}", few.reason);
    // Classes as DEA: 0x02 degraded, 0x04 indeterminate, 0x01 unchanged, 0x05 matched by text.
    let class = |h: &str| c.queries.iter().find(|q| q.query_hash == h).unwrap().class;
    assert_eq!(
        (class("0x01"), class("0x02"), class("0x04")),
        (Class::Unchanged, Class::Degraded, Class::Indeterminate)
    );
    // The slower query changed plan; the unchanged one kept its plan.
    let plan = |h: &str| c.queries.iter().find(|q| q.query_hash == h).unwrap().plan_changed;
    assert_eq!((plan("0x01"), plan("0x02")), (Some(false), Some(true)));
    let rehashed = c.queries.iter().find(|q| q.query_hash == "0x05").unwrap();
    assert_eq!((rehashed.matched_by.as_str(), rehashed.candidate.is_some()), ("text", true));
    // CPU from the ring buffer (source) and sys.server_resource_stats (MI) is one series.
    let cpu = c.metrics.iter().find(|m| m.key == "cpu_percent").unwrap();
    assert!(cpu.baseline.is_some() && cpu.candidate.is_some());
    assert!(c.metrics.iter().all(|m| !m.key.contains("SLEEP_TASK")), "benign waits are dropped");
}

#[test]
fn noise_alone_passes() {
    for seed in [2, 3, 4] {
        let c = compare(&baselines(&format!("noise{seed}"), scenario::target_same(seed))).unwrap();
        let bad: Vec<_> =
            c.checks.iter().filter(|k| matches!(k.verdict, Verdict::Fail | Verdict::Warn)).collect();
        assert!(bad.is_empty(), "seed {seed}: {bad:#?}");
        assert!(c.passed(), "{}", c.headline());
        assert!(c.checks.iter().filter(|k| k.area == Area::Metric).count() >= 8);
    }
    let root = dir("noise-replay");
    write_replay(&root.join("a"), &scenario::templates(), 20, 11).unwrap();
    write_replay(&root.join("b"), &scenario::templates(), 20, 12).unwrap();
    let c = compare(&CompareOptions {
        replay_baseline: Some(root.join("a")),
        replay_candidate: Some(root.join("b")),
        ..Default::default()
    })
    .unwrap();
    assert!(
        c.passed() && c.count(Verdict::Warn) == 0,
        "{}",
        cutover_compare::render(&c, cutover_compare::Format::Terminal)
    );
}

#[test]
fn a_slower_template_with_new_errors_fails_and_is_classified() {
    let root = dir("replay");
    write_replay(&root.join("src"), &scenario::templates(), 20, 11).unwrap();
    write_replay(&root.join("tgt"), &scenario::templates_regressed(), 20, 12).unwrap();
    let c = compare(&CompareOptions {
        replay_baseline: Some(root.join("src")),
        replay_candidate: Some(root.join("tgt")),
        ..Default::default()
    })
    .unwrap();
    let got = findings(&c);
    let s = |v: Verdict, m: &str| (v, "new_order".to_string(), m.to_string());
    let expected: BTreeSet<_> =
        [s(Verdict::Fail, "response p95"), s(Verdict::Fail, "error rate"), s(Verdict::Warn, "new errors")]
            .into_iter()
            .collect();
    assert_eq!(got, expected, "{}", cutover_compare::render(&c, cutover_compare::Format::Terminal));
    let t = |n: &str| c.templates.iter().find(|t| t.name == n).unwrap();
    assert_eq!(t("new_order").class, Class::NewErrors);
    assert_eq!(t("new_order").new_errors, ["1205"]);
    assert_eq!(t("customer_by_id").class, Class::Unchanged);
    let resolved = compare(&CompareOptions {
        replay_baseline: Some(root.join("tgt")),
        replay_candidate: Some(root.join("src")),
        ..Default::default()
    })
    .unwrap();
    let n = resolved.templates.iter().find(|t| t.name == "new_order").unwrap();
    assert_eq!((n.class, n.resolved_errors.clone()), (Class::ResolvedErrors, vec!["1205".to_string()]));
}

#[test]
fn shards_merge_losslessly() {
    let root = dir("shards");
    for i in 0..4 {
        write_replay(&root.join(format!("sharded/shard-{i}")), &scenario::templates(), 10, 100 + i).unwrap();
    }
    let shards = cutover_compare::replay::hlog::shard_dirs(&root.join("sharded")).unwrap();
    assert_eq!(shards.len(), 4);
    let merged = cutover_compare::replay::hlog::merge(&shards).unwrap();
    let mut by_hand = cutover_compare::replay::hlog::empty();
    for s in &shards {
        let one = cutover_compare::replay::hlog::merge(std::slice::from_ref(s)).unwrap();
        by_hand.add(&one.totals["new_order.response"]).unwrap();
    }
    let all = &merged.totals["new_order.response"];
    assert_eq!(all.len(), 4 * 10 * 20);
    assert_eq!(all, &by_hand);
    let run = cutover_compare::replay::run::read(&shards).unwrap();
    assert_eq!(run.templates.iter().find(|t| t.0 == "new_order").unwrap().1.ok, 800);
}
