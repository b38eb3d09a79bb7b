//! `cutover capture` as the real binary: a known workload run from other clients on one
//! simulated instance is captured, replayed on a second instance (itself captured), and the two
//! captures agree on statements, per-session order, typed parameters and relative timing. The
//! event session is gone afterwards.

mod common;

mod capture_support;

use capture_support::{
    assert_no_event_session, known_workload, prepare, spawn_capture, wait_for_event_session,
    workload_sessions,
};
use common::cli::{args, cutover_async, scratch_dir, text};
use common::sim;
use cutover_sim::server::TlsMode;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_captured_workload_replays_on_another_instance_with_the_same_statements_order_and_timing() {
    let source = sim(TlsMode::Enabled).await;
    let target = sim(TlsMode::Enabled).await;
    prepare(&source).await;
    prepare(&target).await;
    let dir = scratch_dir("capture-roundtrip");
    let captured = dir.join("src");

    // Capture the source while the known workload runs from three other connections.
    // Compressed, and cut into small files so that the replay reads a rotated capture.
    let capture = spawn_capture(
        &source,
        &captured,
        &[
            "--duration",
            "6s",
            "--poll",
            "200ms",
            "--database",
            "shop",
            "--compress",
            "zstd",
            "--max-file-size",
            "300B",
        ],
    );
    wait_for_event_session(&source).await;
    known_workload(&source).await;
    let out = tokio::task::spawn_blocking(move || capture.wait_with_output()).await.unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("captured"), "{}", text(&out));
    assert_no_event_session(&source).await;

    let parts: Vec<_> = std::fs::read_dir(&captured).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(parts.len() > 1, "the capture rotated: {parts:?}");
    assert!(parts.iter().all(|p| p.to_string_lossy().ends_with(".jsonl.zst")), "{parts:?}");
    capture_support::assert_strict_json_lines(&captured);
    // Each connection's login was captured with its database and SET options (replay restores
    // them before the session's first event).
    let states = capture_support::session_states(&captured);
    assert!(states.len() >= 3, "a state line per workload connection: {states:#?}");
    for s in &states {
        assert_eq!(s["database"], "shop", "{s}");
        assert_eq!(
            (s["set"]["QUOTED_IDENTIFIER"].as_str(), s["set"]["DATEFORMAT"].as_str()),
            (Some("ON"), Some("mdy")),
            "{s}"
        );
    }
    let src = workload_sessions(&captured);
    assert_eq!(src.len(), 3, "three sessions ran the workload: {src:#?}");
    let rpc = src.iter().find(|s| s.events[0].0.contains("WHERE id = @P1")).expect("the lookup session");
    assert_eq!(rpc.events.len(), 8);
    assert_eq!(rpc.events[3].1, "[Int(4)]", "typed int parameters in order");
    let mixed = src
        .iter()
        .find(|s| s.events.iter().any(|e| e.0.contains("price >= @P1")))
        .expect("the mixed session");
    assert!(
        mixed
            .events
            .iter()
            .any(|e| e.1.contains("Decimal(12.50)") && e.1.contains("DateTime(2026-01-02T03:04:05)")),
        "{mixed:#?}"
    );
    assert!(
        src.iter()
            .any(|s| s.events.iter().any(|e| e.0 == "SELECT COUNT(*) FROM dbo.items" && e.2 == "batch"))
    );

    // Replay the capture on the target while capturing the target.
    let replayed = dir.join("tgt");
    let capture =
        spawn_capture(&target, &replayed, &["--duration", "6s", "--poll", "200ms", "--database", "shop"]);
    wait_for_event_session(&target).await;
    let out = cutover_async(args(&[
        "replay",
        "--server",
        &target.conn,
        "--trace",
        captured.to_str().unwrap(),
        "--json",
        "--out",
        dir.join("replay").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["totals"]["errors"], 0, "{summary:#}");
    let out = tokio::task::spawn_blocking(move || capture.wait_with_output()).await.unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_no_event_session(&target).await;

    capture_support::assert_strict_json_lines(&replayed);
    let tgt = workload_sessions(&replayed);
    assert_eq!(tgt.len(), src.len(), "one replay session per captured session: {tgt:#?}");
    let origin = |s: &[capture_support::CapturedSession]| s.iter().map(|x| x.starts[0]).min().unwrap();
    let (src_origin, tgt_origin) = (origin(&src), origin(&tgt));
    for s in &src {
        let t = tgt
            .iter()
            .find(|t| t.events == s.events)
            .unwrap_or_else(|| panic!("no replayed session ran {:#?}\nreplayed: {tgt:#?}", s.events));
        for (a, b) in s.starts.iter().zip(&t.starts) {
            let (a, b) = (a - src_origin, b - tgt_origin);
            let drift = Duration::from_micros(a.abs_diff(b));
            assert!(drift < Duration::from_millis(150), "relative start {a} µs captured, {b} µs replayed");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
