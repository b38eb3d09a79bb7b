//! The user's story end to end: collect a baseline and replay the bundled `orders` workload on
//! a source (`sqlserver-2019`, local SSD: 0.3 ms log flushes) and on a target (`mi-gp`, remote
//! storage: 4 ms log flushes), at the same time so machine noise hits both alike; then
//! `cutover compare` flags the IO-bound regression (every commit waits on the slower log: the
//! writing templates and queries, WRITELOG, log write latency) and not the CPU-bound reads.
//!
//! The policy is the default one with templates judged on their median response time: a test
//! machine with two cores runs both servers, both collectors and both replays, and the tails
//! (p95 of ~80 executions) are its scheduling noise; the median carries the log's 4 ms.

mod common;

use common::cli::{args, cutover_async, json, out_dir, text};
use common::sim_named;
use cutover_sim::server::TlsMode;
use std::path::Path;

const READS: &[&str] = &["customer_by_id", "order_by_id", "recent_orders", "products_in_range"];
const WRITES: &[&str] = &["new_order", "update_status"];

async fn measure(conn: String, baseline: &Path, run: &Path) {
    let init = cutover_async(args(&["workload", "init", "--server", &conn, "--workload", "orders"])).await;
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    let collect = cutover_async(args(&[
        "collect",
        "--server",
        &conn,
        "--interval",
        "1s",
        "--query-interval",
        "2s",
        "--duration",
        "14s",
        "--out",
        baseline.to_str().unwrap(),
    ]));
    let replay = cutover_async(args(&[
        "replay",
        "--server",
        &conn,
        "--workload",
        "orders",
        "--rate",
        "60/s",
        "--duration",
        "11s",
        "--warmup",
        "1s",
        "--allow-writes",
        "--out",
        run.to_str().unwrap(),
    ]));
    let (c, r) = tokio::join!(collect, replay);
    assert_eq!(c.status.code(), Some(0), "collect: {}", text(&c));
    assert_eq!(r.status.code(), Some(0), "replay: {}", text(&r));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_flags_the_io_bound_regression_and_not_the_cpu_bound_reads() {
    let (src, tgt) =
        (sim_named(TlsMode::Disabled, "sqlserver-2019").await, sim_named(TlsMode::Disabled, "mi-gp").await);
    let dir = out_dir("compare-e2e");
    let (bs, bt, rs, rt) =
        (dir.join("base-src"), dir.join("base-mi"), dir.join("run-src"), dir.join("run-mi"));
    tokio::join!(measure(src.conn.clone(), &bs, &rs), measure(tgt.conn.clone(), &bt, &rt));
    let report = dir.join("report");
    let policy = dir.join("policy.toml");
    let medians = cutover_compare::policy::DEFAULT_POLICY.replace("\"response_p95\"", "\"response_p50\"");
    std::fs::write(&policy, medians).unwrap();
    let out = cutover_async(args(&[
        "compare",
        "--policy",
        policy.to_str().unwrap(),
        "--baseline",
        bs.to_str().unwrap(),
        "--candidate",
        bt.to_str().unwrap(),
        "--replay-baseline",
        rs.to_str().unwrap(),
        "--replay-candidate",
        rt.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1), "the regression fails the comparison: {}", text(&out));
    let r = json(&report.join("report.json"));
    let checks = r["checks"].as_array().unwrap();
    let verdict_of = |area: &str, subject: &str| -> Vec<String> {
        checks
            .iter()
            .filter(|c| c["area"] == area && c["subject"] == subject)
            .map(|c| c["verdict"].as_str().unwrap().to_string())
            .collect()
    };
    let summary = String::from_utf8_lossy(&out.stdout).into_owned();
    for t in WRITES {
        assert!(
            verdict_of("template", t).contains(&"fail".to_string()),
            "{t} is IO-bound and slower:\n{summary}"
        );
    }
    for t in READS {
        let v = verdict_of("template", t);
        assert!(
            !v.is_empty() && v.iter().all(|v| v == "pass" || v == "indeterminate"),
            "{t}: {v:?}\n{summary}"
        );
    }
    let class = |name: &str| {
        r["templates"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap()["class"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(WRITES.iter().all(|t| matches!(class(t).as_str(), "degraded" | "new_errors")), "{summary}");
    assert!(
        READS.iter().all(|t| matches!(class(t).as_str(), "unchanged" | "improved" | "indeterminate")),
        "{summary}"
    );
    // The baselines agree: the log's write latency and WRITELOG waits rose on the target;
    // no read query failed.
    let flagged: Vec<&str> = checks
        .iter()
        .filter(|c| c["area"] == "metric" && c["verdict"] != "pass")
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert!(
        flagged.iter().any(|s| s.starts_with("io_write_latency_seconds{database=shop,file_type=LOG")),
        "{flagged:?}\n{summary}"
    );
    // Every query judged is the workload's: its whole text (the subject shows 60 characters)
    // is in a baseline, and none is one of the collector's own queries (the workload's touch
    // no sys. view).
    let texts: Vec<serde_json::Value> = [&bs, &bt]
        .iter()
        .flat_map(|b| json(&b.join("baseline.json"))["instances"].as_array().unwrap().clone())
        .map(|i| i["query_text"].clone())
        .collect();
    let text_of = |hash: &str| texts.iter().find_map(|t| t[hash].as_str().map(str::to_string));
    let queries: Vec<&serde_json::Value> = checks.iter().filter(|c| c["area"] == "query").collect();
    assert!(!queries.is_empty(), "the workload's queries are compared:\n{summary}");
    for c in queries {
        let subject = c["subject"].as_str().unwrap();
        let hash = subject.split_whitespace().next().unwrap();
        let full = text_of(hash).unwrap_or_else(|| panic!("no baseline text for query {subject}"));
        assert!(
            !full.to_ascii_lowercase().contains("sys."),
            "the collector's own DMV queries are not the workload: {subject}\n{full}"
        );
    }
    // Plans are compared too: the simulator's plan depends on the statement alone, so every
    // query seen on both sides kept its plan.
    let both: Vec<&serde_json::Value> = r["queries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| !q["baseline"].is_null() && !q["candidate"].is_null())
        .collect();
    assert!(!both.is_empty() && both.iter().all(|q| q["plan_changed"] == false), "{both:#?}");
    for c in checks.iter().filter(|c| c["area"] == "query" && c["verdict"] == "fail") {
        let subject = c["subject"].as_str().unwrap().to_ascii_uppercase();
        let writes = ["INSERT", "UPDATE", "DELETE", "COMMIT"];
        assert!(writes.iter().any(|w| subject.contains(w)), "only writes (and their commits) regress: {c:#}");
    }
    assert!(report.join("report.html").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
