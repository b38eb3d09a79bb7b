//! The JSON Schemas in `docs/schemas/`: each is valid JSON Schema (draft 2020-12), and each
//! JSON output the product writes has one, checked against real output by the test that
//! produces it (the list below names where). The compare report's checked-in snapshot, which
//! `compare_reports` proves equal to real output, is checked here.

mod common;

use common::schemas;

/// Every schema and the test that checks real output against it.
const SCHEMAS: &[(&str, &str)] = &[
    ("gate.schema.json", "demo_end_to_end (gate.json)"),
    ("validate-report.schema.json", "demo_end_to_end (validate/report.json)"),
    ("compare-report.schema.json", "demo_end_to_end (compare/report.json), and the snapshot here"),
    ("baseline.schema.json", "demo_end_to_end (baselines/*/baseline.json)"),
    ("replay-summary.schema.json", "demo_end_to_end (runs/*/summary.json)"),
    ("replay-run.schema.json", "demo_end_to_end (runs/*/run.json)"),
    ("size.schema.json", "size_cli (size --format json)"),
    ("probe.schema.json", "cli_probe (probe --json)"),
    ("probe-deep.schema.json", "probe_deep (probe --deep --json and its --bundle)"),
    ("queries.schema.json", "queries_cli (queries --format json)"),
    ("assess.schema.json", "assess_cli (assess --format json)"),
    ("instance-objects.schema.json", "instance_objects_cli (validate --instance-objects --json)"),
    (
        "capture-header.schema.json",
        "capture_roundtrip, capture_cleanup, capture_query_store (each part's first line)",
    ),
    ("replay-error.schema.json", "replay_trace (errors.jsonl's lines)"),
    ("validate-checkpoint.schema.json", "validate_cli (checkpoint.json of a run that failed part-way)"),
];

#[test]
fn every_schema_is_valid_json_schema_and_none_is_unlisted() {
    let mut on_disk: Vec<String> = std::fs::read_dir(schemas::dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SCHEMAS.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "docs/schemas and the list in this test differ");
    for (name, _) in SCHEMAS {
        schemas::validator(name);
    }
}

#[test]
fn the_compare_reports_snapshot_follows_its_schema() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compare/snapshot.report.json");
    schemas::check_file("compare-report.schema.json", &path);
}

#[test]
fn a_document_that_breaks_the_schema_is_named_with_where() {
    let gate = serde_json::json!({"schema_version": 1, "verdict": "maybe"});
    let result =
        std::panic::catch_unwind(|| schemas::check("gate.schema.json", "a made-up gate.json", &gate));
    let message = *result.unwrap_err().downcast::<String>().unwrap();
    assert!(
        message.contains("a made-up gate.json does not follow docs/schemas/gate.schema.json"),
        "{message}"
    );
    assert!(message.contains("at /verdict"), "{message}");
}

#[test]
fn a_checkpoints_finished_tables_follow_the_reports_table_schema() {
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(schemas::dir().join(name)).unwrap()).unwrap()
    };
    let (report, checkpoint) = (read("validate-report.schema.json"), read("validate-checkpoint.schema.json"));
    assert_eq!(
        checkpoint["$defs"]["table"], report["properties"]["tables"]["items"],
        "validate-checkpoint.schema.json's $defs.table is a copy of the report's tables[] items"
    );
    assert_eq!(checkpoint["properties"]["stats"], report["properties"]["stats"]);
}
