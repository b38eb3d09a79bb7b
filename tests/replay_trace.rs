//! `cutover replay --trace` run as the real binary against the simulator.

mod common;

use common::cli::{args, cutover, cutover_async, json, scratch_dir as out_dir, text};
use common::sim;
use cutover_sim::server::TlsMode;
use std::path::Path;

/// Captured in database `prod`; replayed into `shop` at twice the captured speed.
const TRACE: &str = r#"{"session": 51, "database": "prod", "start_us": 0, "batch": "SELECT COUNT(*) FROM dbo.customers", "duration_us": 800}
{"session": 52, "database": "prod", "start_us": 50000, "rpc": {"sql": "SELECT customer_id, name FROM dbo.customers WHERE customer_id = @customer", "params": [{"name": "@customer", "type": "int", "value": 7}]}}
{"session": 51, "database": "prod", "start_us": 100000, "rpc": {"sql": "SELECT customer_id, name FROM dbo.customers WHERE customer_id = @customer", "params": [{"name": "@customer", "type": "int", "value": 9}]}}
{"session": 52, "database": "prod", "start_us": 150000, "batch": "SELECT * FROM dbo.no_such_table"}
{"session": 51, "database": "prod", "start_us": 200000, "batch": "SELECT TOP (5) order_id FROM dbo.orders ORDER BY order_id"}
"#;

/// `cutover replay --server CONN --trace TRACE --map-database prod=shop --out OUT EXTRA…`.
async fn replay_into_shop(conn: &str, trace: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut a = args(&[
        "replay",
        "--server",
        conn,
        "--trace",
        trace.to_str().unwrap(),
        "--map-database",
        "prod=shop",
    ]);
    a.extend(args(extra));
    a.extend(args(&["--out", out.to_str().unwrap()]));
    cutover_async(a).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trace_replays_per_session_at_a_speed_factor_with_database_mapping() {
    let server = sim(TlsMode::Enabled).await;
    let out =
        cutover_async(args(&["workload", "init", "--server", &server.conn, "--workload", "orders"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let dir = out_dir("replay");
    let trace = dir.join("capture.jsonl");
    std::fs::write(&trace, TRACE).unwrap();
    let results = dir.join("out");
    let out = replay_into_shop(&server.conn, &trace, &results, &["--speed", "2.0", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints the summary");
    let errors_log = std::fs::read_to_string(results.join("errors.jsonl")).unwrap();
    assert_eq!(summary["totals"]["ok"], 4, "{summary:#}\n{errors_log}");
    assert_eq!(summary["totals"]["errors"], 1, "{summary:#}");
    // Reconciled with the capture, in total and per captured session.
    assert_eq!(
        summary["reconciliation"]["text"],
        "replayed 5 of 5 captured events: 4 ok, 1 failed, 0 skipped, 0 cancelled",
        "{summary:#}"
    );
    let sessions = summary["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!((sessions[0]["session"].as_str(), sessions[0]["captured"].as_u64()), (Some("51"), Some(3)));
    assert_eq!(sessions[1]["errors_by_number"]["208"], 1, "{summary:#}");
    // One tag per distinct statement text, with the text beside it.
    let tags = summary["templates"].as_array().unwrap();
    assert_eq!(tags.len(), 4);
    assert_eq!(tags[1]["name"], "q2");
    assert!(tags[1]["text"].as_str().unwrap().contains("WHERE customer_id = @customer"));
    assert_eq!(tags[1]["ok"], 2);
    // The failed event is named by file and line.
    let error: serde_json::Value = serde_json::from_str(errors_log.lines().next().unwrap()).unwrap();
    for line in errors_log.lines() {
        let value = serde_json::from_str(line).expect("errors.jsonl is JSON Lines");
        common::schemas::check("replay-error.schema.json", "an errors.jsonl line", &value);
    }
    assert!(error["unit"].as_str().unwrap().ends_with("capture.jsonl:4"), "{error}");
    assert_eq!(error["tag"], "q3");

    let run = json(&results.join("run.json"));
    assert_eq!(run["status"], "complete");
    assert_eq!(run["workload"]["kind"], "trace");
    assert_eq!(run["settings"]["speed"], 2.0);
    assert_eq!(run["settings"]["map_database"]["prod"], "shop");
    // The capture spans 200 ms; at speed 2 the last event is due at 100 ms.
    let elapsed = run["elapsed_s"].as_f64().unwrap();
    assert!((0.1..2.0).contains(&elapsed), "elapsed {elapsed} s");
    let hlog = std::fs::read_to_string(results.join("latency.hlog")).unwrap();
    assert!(hlog.contains("Tag=q2.response,") && hlog.contains("Tag=lag,"), "{hlog}");

    // The terminal says the same: per query, per session, the reconciliation and each failure's
    // captured event with the server's error.
    let out = replay_into_shop(&server.conn, &trace, &dir.join("terminal"), &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("replayed 5 of 5 captured events: 4 ok, 1 failed"), "{table}");
    assert!(table.contains("failed by error number: 208 × 1"), "{table}");
    assert!(
        table.contains("capture.jsonl:4 (q3): error 208:")
            && table.contains("Invalid object name 'dbo.no_such_table'"),
        "{table}"
    );
    assert!(
        table.lines().any(|l| l.starts_with("51 ") && l.split_whitespace().nth(1) == Some("3")),
        "{table}"
    );

    // Two agents split the sessions (51 to the first, 52 to the second) and add up to the whole.
    let mut sum = [0u64; 2];
    for (i, shard) in ["0/2", "1/2"].iter().enumerate() {
        let out = replay_into_shop(
            &server.conn,
            &trace,
            &dir.join(format!("shard{i}")),
            &["--shard", shard, "--json"],
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        sum[0] += s["totals"]["ok"].as_u64().unwrap();
        sum[1] += s["totals"]["errors"].as_u64().unwrap();
        let expected = if i == 0 { (3, 0) } else { (1, 1) };
        assert_eq!((s["totals"]["ok"].as_u64().unwrap(), s["totals"]["errors"].as_u64().unwrap()), expected);
    }
    assert_eq!(sum, [4, 1]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_writing_trace_is_refused_without_the_flag_and_bad_lines_are_named() {
    let dir = out_dir("refused");
    let trace = dir.join("w.jsonl");
    std::fs::write(
        &trace,
        "{\"session\": 1, \"start_us\": 0, \"batch\": \"SELECT 1\"}\n{\"session\": 1, \"start_us\": 5, \"batch\": \"DELETE FROM dbo.orders\"}\n",
    )
    .unwrap();
    let base = |file: &Path| {
        args(&[
            "replay",
            "--server",
            "Server=tcp:127.0.0.1,1;User Id=x",
            "--trace",
            file.to_str().unwrap(),
            "--out",
            dir.join("o").to_str().unwrap(),
        ])
    };
    let out = cutover(&base(&trace));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--allow-writes") && stderr.contains("DELETE FROM dbo.orders"), "{stderr}");
    assert!(!dir.join("o").exists(), "nothing was written or run");

    std::fs::write(&trace, "{\"session\": 1, \"start_us\": 0, \"batch\": \"SELECT 1\"}\n{\"session\": 1}\n")
        .unwrap();
    let out = cutover(&base(&trace));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("w.jsonl:2:"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
