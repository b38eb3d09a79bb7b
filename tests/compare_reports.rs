//! Snapshot tests for every report form (terminal, Markdown, JSON, JUnit XML, HTML), from one
//! comparison of synthetic baselines and replays with known regressions. The golden files are
//! in tests/fixtures/compare/; after an intended change, regenerate them with
//! `CUTOVER_BLESS=1 cargo test --test compare_reports` and review the diff.

mod compare_support;

use compare_support::regressed_comparison;
use cutover_compare::{Comparison, Format, render, write_reports};
use std::path::{Path, PathBuf};

/// One comparison, built in a folder of its own (`tag`): the tests run in parallel.
fn comparison(tag: &str) -> Comparison {
    let root = std::env::temp_dir().join(format!("cutover-compare-snap-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut c = regressed_comparison(&root);
    // Paths and the version vary by machine and release; the rest is deterministic.
    c.cutover_version = "VERSION".into();
    for (side, name) in [
        (&mut c.baseline, "baselines/src"),
        (&mut c.candidate, "baselines/mi"),
        (&mut c.replay_baseline, "runs/src"),
        (&mut c.replay_candidate, "runs/mi"),
    ] {
        if let Some(s) = side {
            s.path = name.into();
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    c
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compare").join(name);
    if std::env::var_os("CUTOVER_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e} (create it with CUTOVER_BLESS=1 cargo test --test compare_reports)", path.display())
    });
    if expected != actual {
        let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name} differs from its snapshot at line {}:\n  expected: {}\n  actual:   {}\n(if intended: CUTOVER_BLESS=1 cargo test --test compare_reports)",
            line + 1,
            expected.lines().nth(line).unwrap_or(""),
            actual.lines().nth(line).unwrap_or("")
        );
    }
}

#[test]
fn every_report_form_matches_its_snapshot() {
    let c = comparison("golden");
    for f in Format::ALL {
        golden(&format!("snapshot.{}", f.file_name()), &render(&c, f));
    }
}

#[test]
fn reports_are_written_where_asked_and_say_the_same_thing() {
    let c = comparison("written");
    let out = std::env::temp_dir().join(format!("cutover-compare-out-{}", std::process::id()));
    let written = write_reports(&c, &out, &Format::ALL).unwrap();
    let names: Vec<_> =
        written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["report.txt", "report.md", "report.json", "junit.xml", "report.html"]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "cutover.compare/1");
    assert_eq!(json["checks"].as_array().unwrap().len(), c.checks.len());
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), c.checks.len(), "one test case per check");
    assert_eq!(junit.matches("<failure ").count(), c.failures());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        !html.contains("http://")
            || html.matches("http://").count() == html.matches("http://www.w3.org/2000/svg").count(),
        "no network"
    );
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src="));
    assert!(html.matches("<svg").count() >= 4, "percentile curves, overlays and the regressed bars");
    let _ = std::fs::remove_dir_all(Path::new(&out));
}
