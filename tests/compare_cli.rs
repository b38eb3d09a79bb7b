//! `cutover compare` as the real binary: exit 0 on noise, 1 on a regression (with the worst
//! first in the terminal report and every report file written), and 2 with a message naming
//! the input and the fix for bad input — never a silent pass.

mod common;

use common::cli::{cutover, out_dir, scratch_dir, text};
use cutover_compare::testdata::{scenario, write_replay};
use std::path::Path;
use std::process::Output;

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `cutover compare --baseline <baseline> --candidate <candidate> --out <out>`, then `extra`.
fn compare(baseline: &Path, candidate: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args =
        vec!["compare", "--baseline", arg(baseline), "--candidate", arg(candidate), "--out", arg(out)];
    args.extend_from_slice(extra);
    cutover(&args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn noise_exits_0_and_a_regression_exits_1_with_every_report() {
    let dir = scratch_dir("compare-cli");
    scenario::source(1).write(&dir.join("src")).unwrap();
    scenario::target_same(2).write(&dir.join("same")).unwrap();
    scenario::target_regressed(2).write(&dir.join("slow")).unwrap();
    let report = out_dir("compare-cli-report");
    let out = compare(&dir.join("src"), &dir.join("same"), &report, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("cutover compare: PASS"), "{}", text(&out));

    let out = compare(&dir.join("src"), &dir.join("slow"), &report, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("cutover compare: FAIL: "), "{stdout}");
    let first = stdout.lines().find(|l| l.starts_with("FAIL") || l.starts_with("WARN")).unwrap();
    assert!(first.starts_with("FAIL"), "worst first: {stdout}");
    for f in ["report.txt", "report.md", "report.json", "junit.xml", "report.html"] {
        assert!(report.join(f).is_file(), "{f}");
    }
    // --format (or --json) picks what stdout shows; --out always gets every form.
    let out = compare(&dir.join("src"), &dir.join("slow"), &report, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(
        json,
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(report.join("report.json")).unwrap())
            .unwrap()
    );
    let out = compare(&dir.join("src"), &dir.join("slow"), &report, &["--format", "markdown"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(report.join("report.md")).unwrap()
    );
}

#[test]
fn bad_input_exits_2_naming_the_input_and_the_fix() {
    let dir = scratch_dir("compare-bad");
    scenario::source(1).write(&dir.join("src")).unwrap();
    let run = |cand: &Path| compare(&dir.join("src"), cand, &dir.join("r"), &[]);

    let out = run(&dir.join("nowhere"));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("nowhere/baseline.json") && stderr(&out).contains("cutover collect --out"),
        "{}",
        text(&out)
    );

    let corrupt = dir.join("corrupt");
    std::fs::create_dir_all(&corrupt).unwrap();
    std::fs::write(corrupt.join("baseline.json"), "{ not json").unwrap();
    let out = run(&corrupt);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a valid baseline.json"), "{}", text(&out));

    let newer = dir.join("newer");
    scenario::target_same(2).write(&newer).unwrap();
    let json = std::fs::read_to_string(newer.join("baseline.json"))
        .unwrap()
        .replace("\"format_version\": 1", "\"format_version\": 2");
    std::fs::write(newer.join("baseline.json"), json).unwrap();
    let out = run(&newer);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("format_version 2") && stderr(&out).contains("re-collect"),
        "{}",
        text(&out)
    );

    let torn = dir.join("torn");
    scenario::target_same(2).write(&torn).unwrap();
    std::fs::write(torn.join("series/part-00001.parquet"), b"PAR1 truncated").unwrap();
    let out = run(&torn);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Parquet"), "{}", text(&out));
    std::fs::remove_file(torn.join("series/part-00001.parquet")).unwrap();
    let out = run(&torn);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("part-00001.parquet but that file is missing"), "{}", text(&out));

    let mut other = scenario::target_same(2);
    for s in &mut other.series {
        s.metric = format!("other_{}", s.metric);
        s.family = "memory";
    }
    other.queries.clear();
    other.write(&dir.join("other")).unwrap();
    let out = run(&dir.join("other"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not comparable") && stderr(&out).contains("no metric or query in common"),
        "{}",
        text(&out)
    );

    let out = cutover(&["compare", "--baseline", arg(&dir.join("src"))]);
    assert_eq!(out.status.code(), Some(2), "one side only: {}", text(&out));
    let out = cutover(&["compare", "--out", arg(&dir.join("r"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nothing to compare"), "{}", text(&out));
}

#[test]
fn bad_replays_and_policies_exit_2() {
    let dir = scratch_dir("compare-bad-replay");
    write_replay(&dir.join("a"), &scenario::templates(), 5, 1).unwrap();
    write_replay(&dir.join("b"), &scenario::templates(), 5, 2).unwrap();
    let (a, b, r) = (dir.join("a"), dir.join("b"), dir.join("r"));
    let run = |extra: &[&str]| {
        let mut args =
            vec!["compare", "--replay-baseline", arg(&a), "--replay-candidate", arg(&b), "--out", arg(&r)];
        args.extend_from_slice(extra);
        cutover(&args)
    };
    assert_eq!(run(&[]).status.code(), Some(0), "{}", text(&run(&[])));
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, "[[template]]\nmeasure = \"response_p42\"\n").unwrap();
    let out = run(&["--policy", arg(&policy)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("response_p42") && stderr(&out).contains("docs/policy.md"),
        "{}",
        text(&out)
    );
    std::fs::write(
        dir.join("b/summary.json"),
        "{\"schema\": \"cutover.replay.summary/9\", \"templates\": []}",
    )
    .unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cutover.replay.summary/9"), "{}", text(&out));
    std::fs::write(dir.join("b/latency.hlog"), "Tag=x,0.0,1.0,1.0,@@@not-base64\n").unwrap();
    write_replay(&dir.join("c"), &scenario::templates(), 5, 3).unwrap();
    std::fs::copy(dir.join("c/summary.json"), dir.join("b/summary.json")).unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("latency.hlog"), "{}", text(&out));
}
