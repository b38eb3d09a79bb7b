//! `cutover replay` as the real binary: Ctrl-C (SIGINT) mid-run leaves complete, readable
//! output, and `--shard i/N` runs add up to one unsharded run.

mod common;

use common::cli::{args, cutover_async, json, scratch_dir as out_dir, spawn_replay, text};
use common::sim;
use cutover_sim::server::TlsMode;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A read-only mix that needs no tables.
const TRIVIAL: &str = r#"[workload]
name = "trivial"
seed = 5
rate = "200/s"
connections = 2
duration = "60s"
warmup = "0s"

[[template]]
name = "one"
weight = 3
sql = "SELECT 1"

[[template]]
name = "two"
weight = 1
sql = "SELECT 2"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_mid_run_leaves_complete_readable_output() {
    let server = sim(TlsMode::Enabled).await;
    let dir = out_dir("ctrl-c");
    let file = dir.join("trivial.toml");
    std::fs::write(&file, TRIVIAL).unwrap();
    let results = dir.join("out");
    let child = spawn_replay(&server.conn, &file, &results, &["--json"]);
    // Wait until the run is under way (run.json says running), then let it send for a while.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !results.join("run.json").exists() {
        assert!(Instant::now() < deadline, "the replay never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(json(&results.join("run.json"))["status"], "running");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(kill.success());
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "Ctrl-C stopped the 60 s run promptly");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopping"), "{}", text(&out));

    let summary: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the summary is printed whole");
    assert_eq!(summary, json(&results.join("summary.json")), "summary.json matches what was printed");
    let ok = summary["totals"]["ok"].as_u64().unwrap();
    assert!(ok >= 100, "about 1.5 s at 200/s ran before the signal: {summary:#}");
    assert_eq!(summary["totals"]["errors"], 0, "{summary:#}");
    let run = json(&results.join("run.json"));
    assert_eq!(run["status"], "interrupted", "{run:#}");
    assert!(run["ended_at"].is_string() && run["elapsed_s"].as_f64().unwrap() < 30.0, "{run:#}");
    assert_eq!(run["totals"]["ok"].as_u64().unwrap(), ok);
    let hlog = std::fs::read_to_string(results.join("latency.hlog")).unwrap();
    assert!(hlog.contains("#[StartTime:") && hlog.contains("Tag=one.response,"), "{hlog}");
    for line in hlog.lines().filter(|l| l.starts_with("Tag=")) {
        assert_eq!(line.split(',').count(), 5, "every interval line is whole: {line}");
    }
    assert!(!results.join(".run.json.tmp").exists() && !results.join(".summary.json.tmp").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_add_up_to_one_unsharded_run() {
    let server = sim(TlsMode::Enabled).await;
    let dir = out_dir("shards");
    let file = dir.join("trivial.toml");
    std::fs::write(&file, TRIVIAL).unwrap();
    let run = |shard: &str, out: &Path| {
        args(&[
            "replay",
            "--server",
            &server.conn,
            "--workload",
            file.to_str().unwrap(),
            "--concurrency",
            "2",
            "--count",
            "300",
            "--seed",
            "11",
            "--shard",
            shard,
            "--json",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let mut per_template = std::collections::BTreeMap::<String, Vec<u64>>::new();
    for (i, shard) in ["0/1", "0/2", "1/2"].iter().enumerate() {
        let out = cutover_async(run(shard, &dir.join(format!("s{i}")))).await;
        assert_eq!(out.status.code(), Some(0), "{shard}: {}", text(&out));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["totals"]["errors"], 0, "{summary:#}");
        for t in summary["templates"].as_array().unwrap() {
            per_template
                .entry(t["name"].as_str().unwrap().to_string())
                .or_default()
                .push(t["ok"].as_u64().unwrap());
        }
    }
    let mut total = 0;
    for (name, counts) in &per_template {
        assert_eq!(counts.len(), 3, "{name}: {counts:?}");
        assert_eq!(
            counts[0],
            counts[1] + counts[2],
            "{name}: shards add up to the unsharded run: {counts:?}"
        );
        assert!(counts[1] > 0 && counts[2] > 0, "{name}: both shards ran some: {counts:?}");
        total += counts[0];
    }
    assert_eq!(total, 300);
    let _ = std::fs::remove_dir_all(&dir);
}
