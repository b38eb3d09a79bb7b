//! `cutover validate` on two simulated instances: a view whose definition changed is named
//! (whitespace alone is not a change unless asked), and `--sample` compares a seeded set of key
//! ranges — the same ranges for the same seed — and never reports a sample as a full pass.

mod common;

use common::{PASSWORD, TestServer, connect, sim};
use cutover_sim::server::TlsMode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Output;

async fn batch(server: &TestServer, sql: &str) {
    let mut c = connect(server).await;
    c.simple_query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Runs `cutover validate` with `--json`; returns the process output and the parsed report.
async fn validate(src: &TestServer, tgt: &TestServer, extra: &[&str]) -> (Output, Value) {
    let mut args: Vec<String> =
        vec!["validate".into(), "--source".into(), src.conn.clone(), "--target".into(), tgt.conn.clone()];
    args.extend(["--json".to_string(), "--leaf-rows".into(), "16".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(&args)
            .env("CUTOVER_PASSWORD", PASSWORD)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out, json)
}

fn database_check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["database"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == name))
        .unwrap_or_else(|| panic!("{name} in {report}"))
}

const ORDERS: &str = "CREATE TABLE dbo.orders (id int NOT NULL PRIMARY KEY, amount decimal(10,2) NOT NULL);";

#[tokio::test(flavor = "multi_thread")]
async fn a_view_whose_definition_changed_is_named_and_whitespace_alone_is_not_a_change() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    batch(&src, ORDERS).await;
    batch(&tgt, ORDERS).await;
    batch(&src, "CREATE VIEW dbo.big_orders AS SELECT id, amount FROM dbo.orders WHERE amount > 100").await;
    batch(&tgt, "CREATE VIEW dbo.big_orders AS SELECT id, amount FROM dbo.orders WHERE amount > 1000").await;
    batch(&src, "CREATE VIEW dbo.all_orders AS SELECT id FROM dbo.orders").await;
    batch(&tgt, "CREATE VIEW dbo.all_orders\n  AS   SELECT id\n  FROM dbo.orders").await;
    batch(&src, "CREATE VIEW dbo.only_in_source AS SELECT id FROM dbo.orders").await;

    let (out, report) = validate(&src, &tgt, &[]).await;
    assert_eq!(out.status.code(), Some(1), "{report}");
    let check = database_check(&report, "object_definitions");
    assert_eq!(check["status"], "fail");
    let details = check["details"].to_string();
    assert!(details.contains("view dbo.big_orders: definition differs"), "{details}");
    assert!(details.contains("view dbo.only_in_source missing in target"), "{details}");
    assert!(!details.contains("all_orders"), "re-indenting is not a change: {details}");
    assert!(details.contains("3 module(s)") && details.contains("collapsing whitespace"), "{details}");

    let (_, exact) = validate(&src, &tgt, &["--definitions", "exact"]).await;
    let details = database_check(&exact, "object_definitions")["details"].to_string();
    assert!(details.contains("view dbo.all_orders: definition differs"), "{details}");
}

/// 2,000 orders on both sides; the target's amounts differ on every 25th id.
async fn seed_orders(src: &TestServer, tgt: &TestServer, differing: bool) {
    for server in [src, tgt] {
        let rows: Vec<String> = (1..=2000).map(|i| format!("({i}, {i}.25)")).collect();
        let inserts: Vec<String> =
            rows.chunks(200).map(|c| format!("INSERT INTO dbo.orders VALUES {};", c.join(", "))).collect();
        batch(server, &format!("{ORDERS}\n{}", inserts.join("\n"))).await;
    }
    if differing {
        batch(tgt, "UPDATE dbo.orders SET amount = amount + 1 WHERE id % 25 = 0").await;
    }
}

fn differing_ids(report: &Value) -> BTreeSet<i64> {
    report["tables"][0]["differences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["key"]["id"].as_str().and_then(|v| v.parse().ok()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sample_is_deterministic_under_a_seed_and_is_never_reported_as_a_full_pass() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_orders(&src, &tgt, true).await;
    let sample = ["--sample", "10%", "--seed", "7"];
    let (out, first) = validate(&src, &tgt, &sample).await;
    assert_eq!(out.status.code(), Some(1), "every 25th row differs, so a 10% sample finds some: {first}");
    let found = differing_ids(&first);
    assert!(!found.is_empty() && found.len() < 80, "a sample, not the whole table: {found:?}");
    assert!(found.iter().all(|id| id % 25 == 0), "only planted rows: {found:?}");
    let (_, again) = validate(&src, &tgt, &sample).await;
    assert_eq!(differing_ids(&again), found, "the same seed compares the same key ranges");
    let (_, other) = validate(&src, &tgt, &["--sample", "10%", "--seed", "8"]).await;
    assert_ne!(differing_ids(&other), found, "another seed picks other ranges");
    let checksum = first["tables"][0]["checks"].to_string();
    assert!(checksum.contains("sampled: ") && checksum.contains("seed 7"), "{checksum}");
    assert!(first["relaxations"].to_string().contains("sampled: 10%"), "{first}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_matching_sample_exits_0_but_says_sampled() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_orders(&src, &tgt, false).await;
    let (out, report) = validate(&src, &tgt, &["--sample", "5%"]).await;
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["verdict"], "sample_identical");
    let table = &report["tables"][0];
    let checksum = table["checks"].as_array().unwrap().iter().find(|c| c["check"] == "checksum").unwrap();
    assert_eq!(checksum["status"], "sampled", "{checksum}");
    let (_, full) = validate(&src, &tgt, &[]).await;
    assert_eq!(full["verdict"], "identical", "without --sample the same data is a full pass");
}
