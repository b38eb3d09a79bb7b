//! Validation inside the cutover window: a full run records watermarks per table and side; the
//! application keeps writing; the changes are replayed on the target with one update, one
//! insert and one delete missed; `cutover validate --since` then names exactly those three per
//! table while reading only the rows that changed.

mod common;

use common::cli::{Cleanup, cutover_async};
use common::{TestServer, batch, sim};
use cutover_sim::server::TlsMode;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const ROWS: u32 = 2000;

async fn validate(src: &TestServer, tgt: &TestServer, out: &Path, extra: &[&str]) -> (Output, Value) {
    let mut args: Vec<String> =
        ["validate", "--source", &src.conn, "--target", &tgt.conn, "--out"].map(String::from).to_vec();
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = cutover_async(args).await;
    let json = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap_or_default())
        .unwrap_or(Value::Null);
    (output, json)
}

/// dbo.orders: rowversion and Change Tracking; dbo.stock: rowversion only; dbo.notes: neither.
async fn seed(server: &TestServer) {
    batch(
        server,
        "ALTER DATABASE shop SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 2 DAYS, AUTO_CLEANUP = ON)",
    )
    .await;
    batch(server, "CREATE TABLE dbo.orders (id int NOT NULL PRIMARY KEY, item nvarchar(30) NOT NULL, qty int NOT NULL, rv rowversion)").await;
    batch(server, "ALTER TABLE dbo.orders ENABLE CHANGE_TRACKING").await;
    batch(server, "CREATE TABLE dbo.stock (sku int NOT NULL PRIMARY KEY, qty int NOT NULL, rv rowversion)")
        .await;
    batch(server, "CREATE TABLE dbo.notes (id int NOT NULL PRIMARY KEY, body nvarchar(40) NULL)").await;
    let ids: Vec<u32> = (1..=ROWS).collect();
    for chunk in ids.chunks(200) {
        let orders: Vec<String> = chunk.iter().map(|i| format!("({i}, N'item {i}', {})", i % 9)).collect();
        let stock: Vec<String> = chunk.iter().map(|i| format!("({i}, {})", i * 3)).collect();
        let notes: Vec<String> = chunk.iter().map(|i| format!("({i}, N'note {i}')")).collect();
        batch(server, &format!("INSERT INTO dbo.orders (id, item, qty) VALUES {}", orders.join(", "))).await;
        batch(server, &format!("INSERT INTO dbo.stock (sku, qty) VALUES {}", stock.join(", "))).await;
        batch(server, &format!("INSERT INTO dbo.notes VALUES {}", notes.join(", "))).await;
    }
}

/// The window's writes: 5 updates, 5 inserts and 5 deletes per table; `miss` leaves out the
/// last of each (what the replication to the target lost).
async fn window(server: &TestServer, miss: bool) {
    let last = if miss { 4 } else { 5 };
    for n in 0..last {
        batch(server, &format!("UPDATE dbo.orders SET qty = qty + 100 WHERE id = {}", 10 + n)).await;
        batch(server, &format!("INSERT INTO dbo.orders (id, item, qty) VALUES ({}, N'new', 1)", 9001 + n))
            .await;
        batch(server, &format!("DELETE FROM dbo.orders WHERE id = {}", 20 + n)).await;
        batch(server, &format!("UPDATE dbo.stock SET qty = 0 WHERE sku = {}", 10 + n)).await;
        batch(server, &format!("INSERT INTO dbo.stock (sku, qty) VALUES ({}, 5)", 9001 + n)).await;
        batch(server, &format!("DELETE FROM dbo.stock WHERE sku = {}", 20 + n)).await;
    }
}

fn table<'v>(report: &'v Value, name: &str) -> &'v Value {
    report["tables"].as_array().unwrap().iter().find(|t| t["table"] == name).unwrap()
}

fn differences(t: &Value) -> Vec<String> {
    t["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["kind"].as_str().unwrap(),
                d["key"].as_object().unwrap().values().next().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incremental_run_names_exactly_the_missed_changes_and_reads_only_what_changed() {
    let (src, tgt) = (sim(TlsMode::Disabled).await, sim(TlsMode::Disabled).await);
    seed(&src).await;
    seed(&tgt).await;
    let root = Cleanup(std::env::temp_dir().join(format!("cutover-incremental-{}", std::process::id())));
    let (full_dir, window_dir) = (root.0.join("full"), root.0.join("window"));
    let (out, full) = validate(&src, &tgt, &full_dir, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let marks = &table(&full, "dbo.orders")["watermark"];
    assert_eq!(marks["source"]["rowversion_column"], "rv");
    assert!(marks["source"]["rowversion"].as_str().unwrap().starts_with("0x"), "{marks}");
    // One INSERT statement per 200 rows into dbo.orders, each its own transaction.
    assert_eq!(marks["source"]["change_tracking"], ROWS / 200, "{marks}");
    assert!(table(&full, "dbo.stock")["watermark"]["target"]["change_tracking"].is_null());
    assert!(table(&full, "dbo.notes")["watermark"].is_null(), "neither: no watermark");

    window(&src, false).await;
    window(&tgt, true).await;
    let (out, inc) = validate(&src, &tgt, &window_dir, &["--since", full_dir.to_str().unwrap()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(inc["since"], full_dir.display().to_string());
    // Change Tracking lists updates, inserts and deletes (15 keys); rowversion alone finds the
    // updated and inserted rows (10), the deletes come from the key-only sums.
    for (name, changed) in [("dbo.orders", 15), ("dbo.stock", 10)] {
        let t = table(&inc, name);
        assert_eq!(
            differences(t),
            ["missing_in_target \"9005\"", "extra_in_target \"24\"", "changed \"14\""],
            "{name}: exactly the missed insert, delete and update"
        );
        let how = &t["incremental"];
        assert_eq!(how["method"], "changes", "{name}: {how}");
        let compared = how["rows_compared"].as_u64().unwrap();
        assert_eq!(compared, changed, "{name}: the keys changed on either side: {how}");
    }
    let read = table(&inc, "dbo.orders")["incremental"]["rows_read"].as_u64().unwrap();
    // The changed keys from rowversion and CHANGETABLE on each side, then those keys' hashes on
    // both sides: under 5 % of the table's 2,000 rows.
    assert!(
        read < u64::from(ROWS) / 20,
        "Change Tracking on both sides: only changed rows are read ({read})"
    );
    let orders = table(&inc, "dbo.orders")["incremental"]["reason"].as_str().unwrap().to_string();
    assert!(orders.contains("deletions through Change Tracking on both sides"), "{orders}");
    let stock = table(&inc, "dbo.stock")["incremental"]["reason"].as_str().unwrap().to_string();
    assert!(stock.contains("key-hash sums"), "{stock}");
    let notes = table(&inc, "dbo.notes");
    assert_eq!(notes["incremental"]["method"], "whole");
    assert!(
        notes["incremental"]["reason"]
            .as_str()
            .unwrap()
            .contains("no rowversion column and no Change Tracking")
    );
    assert_eq!(notes["checks"].as_array().unwrap().last().unwrap()["status"], "pass");
    assert!(stdout.contains("incremental: only what changed since"), "{stdout}");
    // The window's run records new watermarks: a second window continues from it.
    let third = root.0.join("again");
    let (out, again) = validate(&src, &tgt, &third, &["--since", window_dir.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1), "the missed changes are still there");
    let how = &table(&again, "dbo.orders")["incremental"];
    assert_eq!(how["method"], "whole", "the window's run did not pass it: {how}");
}
