//! A recommendation you can test: `cutover size --confirm-gate` writes a gate file that
//! `cutover gate` accepts and runs against a new instance: on a simulated Business Critical
//! instance (1-2 ms storage) the Business Critical recommendation for a commit-heavy source
//! holds; on a simulated General Purpose instance (the log writes the recommendation steered
//! away from) the same gate fails on the log-write latency.

mod common;

use common::cli::{cutover_async, json, scratch_dir, text};
use common::synthetic::{SOURCE, Workload, write_baseline};
use common::{TestServer, sim_named};
use cutover_sim::server::TlsMode;
use std::path::{Path, PathBuf};

/// Served from the buffer pool, 400 commits a second at 0.3 ms log writes: Business Critical.
const COMMITS: Workload =
    Workload { data_reads_s: 0.0, commits_s: 400.0, log_latency_ms: 0.3, writing_ms: Some(2.0), ..SOURCE };

/// A simulated Managed Instance holding the order-entry workload's tables (the restored copy).
async fn new_instance(profile: &str) -> TestServer {
    let server = sim_named(TlsMode::Enabled, profile).await;
    let init = cutover_async(
        ["workload", "init", "--server", &server.conn, "--workload", "orders"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
    .await;
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    server
}

/// `cutover size --confirm-gate` for the commit-heavy source, aimed at `target`.
async fn confirm_gate(name: &str, target: &str) -> PathBuf {
    let dir = scratch_dir(name);
    write_baseline(&dir.join("baselines/src"), &COMMITS, &[]);
    let gate = dir.join("confirm.toml");
    let args: Vec<String> = [
        "size",
        "--baseline",
        &dir.join("baselines/src").display().to_string(),
        "--confirm-gate",
        &gate.display().to_string(),
        "--confirm-target",
        target,
        "--confirm-password-env",
        "CUTOVER_PASSWORD",
        "--confirm-duration",
        "12s",
        "--confirm-rate",
        "40/s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = cutover_async(args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("## Confirm it"), "{}", text(&out));
    gate
}

async fn run_gate(gate: &Path) -> (std::process::Output, serde_json::Value) {
    let out_dir = gate.parent().unwrap().join("report");
    let out = cutover_async(vec![
        "gate".into(),
        "--policy".into(),
        gate.display().to_string(),
        "--out".into(),
        out_dir.display().to_string(),
    ])
    .await;
    let report = json(&out_dir.join("gate.json"));
    (out, report)
}

fn check<'a>(report: &'a serde_json::Value, name_starts: &str) -> Vec<&'a serde_json::Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"].as_str().unwrap().starts_with(name_starts))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_confirm_gate_holds_on_the_recommended_tier_and_fails_on_the_one_it_steered_away_from() {
    let (bc, gp) = tokio::join!(new_instance("mi-bc"), new_instance("mi-gp"));

    let gate = confirm_gate("confirm-bc", &bc.conn).await;
    let text_of_gate = std::fs::read_to_string(&gate).unwrap();
    assert!(
        text_of_gate.contains("# 1. Create the instance the sizing recommends: Business Critical"),
        "{text_of_gate}"
    );
    assert!(
        text_of_gate.contains("baseline = \"baselines/src\""),
        "relative to the gate file: {text_of_gate}"
    );
    assert!(text_of_gate.contains("sides = [\"target\"]"));
    assert!(
        text_of_gate.contains(
            "match = \"io_write_latency_seconds{*file_type=LOG*}\"\nstat = \"avg\"\nmax_value = 0.002"
        ),
        "{text_of_gate}"
    );
    let (out, report) = run_gate(&gate).await;
    assert_eq!(out.status.code(), Some(0), "the size holds on a 1-2 ms instance: {}\n{report}", text(&out));
    let log_writes = check(&report, "io_write_latency_seconds{database=shop,file_type=LOG}");
    assert!(!log_writes.is_empty() && log_writes.iter().all(|c| c["status"] == "pass"), "{report}");
    assert!(report["files"]["runs/target"].is_string(), "the replay that made the load is kept: {report}");

    let gate = confirm_gate("confirm-gp", &gp.conn).await;
    let (out, report) = run_gate(&gate).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "General Purpose log writes fail the Business Critical gate: {}\n{report}",
        text(&out)
    );
    let failed: Vec<&serde_json::Value> =
        report["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "fail").collect();
    let log = failed
        .iter()
        .find(|c| {
            c["name"].as_str().unwrap().starts_with("io_write_latency_seconds{database=shop,file_type=LOG}")
        })
        .unwrap_or_else(|| panic!("the log-write latency fails: {report}"));
    let why = log["details"].to_string();
    assert!(why.contains("Business Critical documents 1-2 ms storage latency"), "{why}");
}
