//! `cutover collect` as the real binary when things go wrong: a dropped connection marks a gap
//! and the collector reconnects; Ctrl-C (SIGINT) mid-run leaves a readable baseline.

mod common;

use common::sim;
use cutover_sim::server::TlsMode;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

fn out_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn spawn_collect(conn: &str, dir: &Path, extra: &[&str]) -> Child {
    let mut args = vec!["collect", "--server", conn, "--interval", "1s", "--flush", "1s", "--out"];
    args.push(dir.to_str().unwrap());
    args.extend_from_slice(extra);
    common::cli::spawn_cutover(&args)
}

fn read_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("baseline.json")).expect("baseline.json exists"))
        .expect("baseline.json is complete JSON")
}

/// Every Parquet part named in baseline.json, read back.
fn read_rows(dir: &Path, json: &serde_json::Value) -> Vec<cutover_baseline::StoredRow> {
    let mut rows = Vec::new();
    for part in json["series_files"].as_array().unwrap() {
        let path = dir.join(part.as_str().unwrap());
        rows.extend(cutover_baseline::read::read_part(&path).unwrap_or_else(|e| panic!("{e}")));
    }
    rows
}

/// Milliseconds since the epoch of a NaiveDateTime as serde writes it.
fn millis(text: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .and_utc()
        .timestamp_millis()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_marks_a_gap_and_reconnects() {
    let server = sim(TlsMode::Disabled).await;
    let dir = out_dir("collect-drop");
    let child = spawn_collect(&server.conn, &dir, &["--duration", "8s"]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let dropped = server.instance().faults().drop_all_connections();
    assert!(dropped >= 1, "the collector holds a kept connection");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let json = read_json(&dir);
    assert_eq!(json["complete"], true, "{json}");
    let lost: Vec<i64> = json["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["cause"] == "connection_lost")
        .map(|g| millis(g["at"].as_str().unwrap()))
        .collect();
    assert!(!lost.is_empty(), "a connection_lost gap: {}", json["gaps"]);
    // Samples continue after the gap: the collector reconnected.
    let rows = read_rows(&dir, &json);
    let first_gap = *lost.iter().min().unwrap();
    let mut after: Vec<i64> = rows
        .iter()
        .filter(|r| r.family == "perf_counters" && r.timestamp >= first_gap)
        .map(|r| r.timestamp)
        .collect();
    after.dedup();
    assert!(after.len() >= 2, "rounds after the reconnect: {after:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_mid_run_leaves_a_readable_baseline() {
    let server = sim(TlsMode::Disabled).await;
    let dir = out_dir("collect-sigint");
    let child = spawn_collect(&server.conn, &dir, &["--csv"]);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let pid = child.id().to_string();
    let status = Command::new("kill").args(["-INT", &pid]).status().expect("kill runs");
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("interrupted by Ctrl-C"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let json = read_json(&dir);
    assert_eq!(json["complete"], false, "an interrupted run says so");
    assert!(json["ended_at"].is_string(), "{json}");
    assert!(!dir.join("baseline.json.tmp").exists());
    let rows = read_rows(&dir, &json);
    assert!(!rows.is_empty());
    assert_eq!(rows.len() as u64, json["rows_written"].as_u64().unwrap());
    assert!(rows.iter().all(|r| r.value.is_finite()));
    let csv_lines = std::fs::read_to_string(dir.join("series.csv")).unwrap().lines().count();
    assert_eq!(csv_lines as u64, json["rows_written"].as_u64().unwrap() + 1, "CSV header + every row");
    assert!(!json["summary"].as_array().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
