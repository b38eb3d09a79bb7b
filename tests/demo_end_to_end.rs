//! `cutover demo` end to end, as the README's first command runs it: the real binary, two
//! simulated instances in its process, the planted difference found and named, the baselines
//! and replays written, the compare report on disk, and the verdict the gate file decides.

mod common;

use common::cli::{cutover, json, out_dir, text};
use std::time::{Duration, Instant};

#[test]
fn the_demo_tells_the_whole_story_and_finds_the_planted_difference() {
    let out = out_dir("demo");
    let started = Instant::now();
    let result = cutover(&["demo", "--out", &out.display().to_string(), "--seconds", "4"]);
    let took = started.elapsed();
    assert_eq!(result.status.code(), Some(0), "the demo ran to the end: {}", text(&result));
    assert!(took < Duration::from_secs(120), "the demo took {took:?}, more than two minutes");

    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        stdout.contains(
            "Validation found it: dbo.customers: 1 differing row, first (customer_id=42) changed: email"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("Performance report (open in a browser):"), "{stdout}");
    // The sizing of the source, once: its commits wait on 0.3 ms log flushes (Business
    // Critical, with General Purpose's cost per commit), and the gate that would confirm it.
    assert!(stdout.contains("  Tier: Business Critical"), "{stdout}");
    assert!(
        stdout.contains("General Purpose (5-10 ms documented) would add +4.7-9.7 ms per commit"),
        "{stdout}"
    );
    let confirm = out.join("confirm-gate.toml");
    assert_eq!(stdout.matches("cutover gate --policy").count(), 1, "{stdout}");
    assert!(stdout.contains(&format!("cutover gate --policy {}", confirm.display())), "{stdout}");
    cutover_gate::GateFile::load(&confirm).unwrap_or_else(|e| panic!("{}: {e}", confirm.display()));

    // The gate it ran, and its verdict: the planted difference fails it.
    let gate = json(&out.join("gate.json"));
    assert_eq!(gate["verdict"], "fail", "{gate}");
    assert_eq!(gate["partial"], false);
    let checks = gate["checks"].as_array().unwrap();
    let failing: Vec<&str> = checks
        .iter()
        .filter(|c| c["phase"] == "validate" && c["status"] == "fail")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        failing,
        ["dbo.customers: checksum"],
        "only the planted difference differs in the data: {gate}"
    );
    assert!(
        checks.iter().all(|c| c["status"] != "error" && c["status"] != "skipped"),
        "every phase ran: {gate}"
    );
    for phase in ["validate", "collect", "replay", "compare"] {
        assert!(checks.iter().any(|c| c["phase"] == phase), "{phase} in {gate}");
    }
    assert!(out.join("gate.toml").is_file());
    assert!(
        !std::fs::read_to_string(out.join("gate.toml")).unwrap().contains("Passw0rd"),
        "no secret in the gate file"
    );

    // Each phase's files.
    let validate = json(&out.join("validate/report.json"));
    assert_eq!(validate["verdict"], "differences");
    for side in ["source", "target"] {
        let baseline = json(&out.join(format!("baselines/{side}/baseline.json")));
        assert!(!baseline["series_files"].as_array().unwrap().is_empty(), "{side} baseline has series");
        let summary = json(&out.join(format!("runs/{side}/summary.json")));
        assert!(summary["totals"]["ok"].as_u64().unwrap() > 100, "{side} replay ran: {summary}");
    }
    let html = gate["files"]["compare_html"].as_str().expect("the compare report is named");
    let page = std::fs::read_to_string(out.join(html)).unwrap();
    assert!(page.contains("<svg"), "charts inline");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), checks.len());

    // Every JSON file the demo wrote follows its published schema (docs/schemas).
    let files = [
        ("gate.schema.json", "gate.json"),
        ("validate-report.schema.json", "validate/report.json"),
        ("compare-report.schema.json", "compare/report.json"),
        ("baseline.schema.json", "baselines/source/baseline.json"),
        ("baseline.schema.json", "baselines/target/baseline.json"),
        ("replay-summary.schema.json", "runs/source/summary.json"),
        ("replay-summary.schema.json", "runs/target/summary.json"),
        ("replay-run.schema.json", "runs/source/run.json"),
        ("replay-run.schema.json", "runs/target/run.json"),
    ];
    for (schema, file) in files {
        common::schemas::check_file(schema, &out.join(file));
    }
    let _ = std::fs::remove_dir_all(&out);
}
