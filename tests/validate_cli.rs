//! `cutover validate` run as the real binary against two simulated instances: identical data
//! passes whatever the insert order; each planted difference is named by table, key and column.

mod common;

use common::{PASSWORD, TestServer, connect, sim};
use cutover_sim::server::TlsMode;
use serde_json::Value;
use std::process::{Command, Output};

fn cutover(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .env("CUTOVER_PASSWORD", PASSWORD)
        .output()
        .expect("the binary runs")
}

async fn batch(server: &TestServer, sql: &str) {
    let mut c = connect(server).await;
    c.simple_query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn run(
    src: &TestServer,
    tgt: &TestServer,
    extra: &[&str],
) -> (Output, Option<Value>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (out, json) = run_in(&dir, src, tgt, extra).await;
    (out, json, dir)
}

/// Runs with `--out dir` (the same folder across runs, for `--resume`).
async fn run_in(
    dir: &tempfile::TempDir,
    src: &TestServer,
    tgt: &TestServer,
    extra: &[&str],
) -> (Output, Option<Value>) {
    let mut args: Vec<String> =
        vec!["validate".into(), "--source".into(), src.conn.clone(), "--target".into(), tgt.conn.clone()];
    args.extend(["--out".to_string(), dir.path().display().to_string(), "--leaf-rows".into(), "16".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = tokio::task::spawn_blocking(move || cutover(&args)).await.unwrap();
    let json =
        std::fs::read(dir.path().join("report.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
    (out, json)
}

const ITEMS: &str = "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, name nvarchar(50) NULL, code varchar(20) NULL, \
note varchar(20) NULL, price decimal(12,4) NULL, ratio float NULL, at datetime2(7) NULL)";

fn item(id: i32) -> String {
    format!(
        "({id}, N'item{id}', 'c{id}', 'n{id}', {id}.1234, {id}.5, '2024-01-02 03:04:05.{:07}')",
        id * 1000 + 1
    )
}

/// `rows` in the given order, 50 per INSERT.
fn inserts(table: &str, rows: Vec<String>) -> String {
    rows.chunks(50)
        .map(|c| format!("INSERT INTO {table} VALUES {};", c.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn seed_identical(src: &TestServer, tgt: &TestServer) {
    let forward: Vec<String> = (1..=300).map(item).collect();
    let backward: Vec<String> = forward.iter().rev().cloned().collect();
    batch(src, &format!("{ITEMS};\n{}", inserts("dbo.items", forward))).await;
    batch(tgt, &format!("{ITEMS};\n{}", inserts("dbo.items", backward))).await;
    let bag = "CREATE TABLE dbo.bag (a int NULL, b varchar(10) NULL); INSERT INTO dbo.bag VALUES (1, 'x'), (1, 'x'), (2, NULL), (3, '');";
    batch(src, bag).await;
    batch(tgt, bag).await;
    let guids: Vec<String> = (0..60)
        .map(|i| format!("('{:08X}-1111-2222-3333-{:012X}', {i})", i * 7919, (59 - i) * 104729))
        .collect();
    let g = "CREATE TABLE dbo.guids (g uniqueidentifier NOT NULL PRIMARY KEY, v int NULL);";
    batch(src, &format!("{g}\n{}", inserts("dbo.guids", guids.clone()))).await;
    batch(tgt, &format!("{g}\n{}", inserts("dbo.guids", guids.into_iter().rev().collect()))).await;
    let comp: Vec<String> = (0..40).map(|i| format!("('r{}', {i}, N'v{i}')", i % 3)).collect();
    let c = "CREATE TABLE dbo.comp (region varchar(10) NOT NULL, n int NOT NULL, v nvarchar(20) NULL, PRIMARY KEY (region, n));";
    batch(src, &format!("{c}\n{}", inserts("dbo.comp", comp.clone()))).await;
    batch(tgt, &format!("{c}\n{}", inserts("dbo.comp", comp.into_iter().rev().collect()))).await;
}

fn table<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["table"] == name))
        .unwrap_or_else(|| panic!("{name} in {report}"))
}

fn diffs(report: &Value, name: &str) -> Vec<(String, String, Vec<String>)> {
    table(report, name)["differences"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|d| {
                    let key = d["key"]
                        .as_object()
                        .map(|k| {
                            k.values()
                                .map(|v| v.as_str().unwrap_or("").to_string())
                                .collect::<Vec<_>>()
                                .join("|")
                        })
                        .unwrap_or_default();
                    let cols = d["columns"]
                        .as_array()
                        .map(|c| c.iter().map(|c| c.as_str().unwrap_or("").to_string()).collect())
                        .unwrap_or_default();
                    (d["kind"].as_str().unwrap_or("").to_string(), key, cols)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn identical_data_in_different_orders_passes() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_identical(&src, &tgt).await;
    let (out, json, dir) = run(&src, &tgt, &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let json = json.expect("report.json written");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["verdict"], "identical");
    assert!(dir.path().join("report.md").exists() && dir.path().join("junit.xml").exists());
    assert!(stdout.contains("verdict: identical"), "{stdout}");
    assert!(!stdout.contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_planted_difference_is_named_by_table_key_and_column() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_identical(&src, &tgt).await;
    batch(&src, "INSERT INTO dbo.items VALUES (400, N'x中', 'ab', 'c', 1, 0.1, '2024-01-01'), (401, N'y', NULL, NULL, 1, 1, '2024-01-01');").await;
    batch(&tgt, "INSERT INTO dbo.items VALUES (400, N'x文', 'a', 'bc', 1, 0.1, '2024-01-01'), (401, N'y', '', NULL, 1, 1, '2024-01-01');").await;
    batch(
        &tgt,
        "UPDATE dbo.items SET name = N'item17 ' WHERE id = 17;
         UPDATE dbo.items SET name = N'ITEM42' WHERE id = 42;
         UPDATE dbo.items SET at = '2024-01-02 03:04:05.0007002' WHERE id = 7;
         UPDATE dbo.items SET price = 88.1235 WHERE id = 88;
         UPDATE dbo.items SET ratio = 99.50000000000001 WHERE id = 99;
         DELETE FROM dbo.items WHERE id = 200;
         INSERT INTO dbo.items VALUES (301, N'new', 'c', 'n', 1, 1, '2024-01-01');
         INSERT INTO dbo.bag VALUES (2, NULL);
         UPDATE dbo.guids SET v = -1 WHERE v = 33;
         UPDATE dbo.comp SET v = N'changed' WHERE region = 'r1' AND n = 7;",
    )
    .await;
    let (out, json, dir) = run(&src, &tgt, &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let json = json.expect("report.json");
    assert_eq!(json["verdict"], "differences");
    let d = diffs(&json, "dbo.items");
    let has = |kind: &str, key: &str, col: Option<&str>| {
        d.iter()
            .any(|(k, id, cols)| k == kind && id == key && col.is_none_or(|c| cols.iter().any(|x| x == c)))
    };
    for (key, col, what) in [
        ("17", "name", "trailing space"),
        ("42", "name", "case-only change"),
        ("400", "name", "NVARCHAR outside Latin-1"),
        ("7", "at", "datetime2 by 100 ns"),
        ("88", "price", "decimal last digit"),
        ("99", "ratio", "float last bit"),
        ("401", "code", "NULL vs empty string"),
        ("400", "code", "('ab','c') vs ('a','bc')"),
        ("400", "note", "('ab','c') vs ('a','bc')"),
    ] {
        assert!(has("changed", key, Some(col)), "{what}: id {key} column {col} in {d:?}");
    }
    assert!(has("missing_in_target", "200", None), "{d:?}");
    assert!(has("extra_in_target", "301", None), "{d:?}");
    assert_eq!(d.len(), 9, "exactly the planted rows: {d:?}");
    let bag = diffs(&json, "dbo.bag");
    assert_eq!(bag.len(), 1, "{bag:?}");
    assert_eq!(table(&json, "dbo.bag")["differences"][0]["target_count"], 2);
    let g = diffs(&json, "dbo.guids");
    assert_eq!(g.len(), 1, "{g:?}");
    assert_eq!(g[0].2, vec!["v".to_string()]);
    let c = diffs(&json, "dbo.comp");
    assert_eq!(c, vec![("changed".to_string(), "7|r1".to_string(), vec!["v".to_string()])]);
    assert!(
        stdout.contains("dbo.items") && stdout.contains("id=200") && stdout.contains("missing in target"),
        "{stdout}"
    );
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains(r#"classname="dbo.items" name="checksum"><failure"#), "{junit}");
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.contains("(id=17) changed: name"), "{md}");
}

#[tokio::test(flavor = "multi_thread")]
async fn relaxations_are_applied_and_named() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_identical(&src, &tgt).await;
    batch(
        &tgt,
        "UPDATE dbo.items SET name = N'ITEM17 ' WHERE id = 17; UPDATE dbo.items SET price = 0 WHERE id = 5;",
    )
    .await;
    let (out, json, _dir) =
        run(&src, &tgt, &["--trim-trailing-spaces", "--case-insensitive", "--ignore-column", "items.price"])
            .await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let relax = json.expect("report")["relaxations"].to_string();
    assert!(relax.contains("RTRIM") && relax.contains("UPPER") && relax.contains("items.price"), "{relax}");
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_drift_is_reported() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    batch(&src, "CREATE TABLE dbo.drift (id int NOT NULL PRIMARY KEY, amount int NULL, note varchar(10) NULL); CREATE INDEX ix_note ON dbo.drift (note);").await;
    batch(
        &tgt,
        "CREATE TABLE dbo.drift (id int NOT NULL PRIMARY KEY, amount bigint NULL, note varchar(10) NULL);",
    )
    .await;
    let (out, json, _dir) = run(&src, &tgt, &["--mode", "counts"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let schema = table(&json.expect("report"), "dbo.drift")["checks"][0].to_string();
    assert!(schema.contains("column amount") && schema.contains("bigint"), "{schema}");
    assert!(schema.contains("index ix_note missing in target"), "{schema}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_the_sql_and_a_bad_table_filter_exits_2() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_identical(&src, &tgt).await;
    let (out, _, _dir) = run(&src, &tgt, &["--dry-run", "--tables", "items"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("HASHBYTES('SHA2_256'")
            && stdout.contains("ROW_NUMBER()")
            && !stdout.contains("FORMAT("),
        "{stdout}"
    );
    let (out, _, _dir) = run(&src, &tgt, &["--tables", "nope*"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope*"));
}

/// The report's tables without timings, for comparing two runs.
fn tables_without_timings(report: &Value) -> Value {
    let mut tables = report["tables"].clone();
    for t in tables.as_array_mut().into_iter().flatten() {
        t.as_object_mut().map(|o| o.remove("seconds"));
    }
    tables
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_failed_part_way_resumes_with_the_remaining_tables() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_identical(&src, &tgt).await;
    batch(&tgt, "UPDATE dbo.items SET name = N'changed' WHERE id = 5; DELETE FROM dbo.guids WHERE v = 3;")
        .await;
    let (out, reference, _d0) = run(&src, &tgt, &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let reference = reference.expect("reference report");

    // The source's database fails over while dbo.comp is checked, beyond the retries.
    src.instance().faults().fail_next("[dbo].[comp]", 40613);
    let dir = tempfile::tempdir().unwrap();
    let (out, first) = run_in(&dir, &src, &tgt, &["--attempts", "1"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let first = first.expect("report of the failed run");
    assert_eq!(first["verdict"], "incomplete");
    let comp = table(&first, "dbo.comp").to_string();
    assert!(comp.contains("40613") && comp.contains("\"error\""), "{comp}");
    let checkpoint: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("checkpoint.json")).expect("checkpoint written"),
    )
    .expect("checkpoint is JSON");
    common::schemas::check("validate-checkpoint.schema.json", "checkpoint.json", &checkpoint);
    let mut done: Vec<&str> =
        checkpoint["done"].as_array().unwrap().iter().map(|t| t["table"].as_str().unwrap()).collect();
    done.sort();
    assert_eq!(done, ["dbo.bag", "dbo.guids", "dbo.items"], "the failed table is not checkpointed");

    // Were a finished table checked again, these would fail it.
    for t in ["[dbo].[bag]", "[dbo].[guids]", "[dbo].[items]"] {
        src.instance().faults().fail_next(t, 229);
    }
    let (out, resumed) = run_in(&dir, &src, &tgt, &["--attempts", "1", "--resume"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}\n{stderr}", String::from_utf8_lossy(&out.stdout));
    let resumed = resumed.expect("report of the resumed run");
    assert_eq!(resumed["verdict"], "differences");
    assert_eq!(tables_without_timings(&resumed), tables_without_timings(&reference));

    // Other settings cannot resume this checkpoint.
    let (out, _) = run_in(&dir, &src, &tgt, &["--resume", "--mode", "counts"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("different --mode"));
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_errors_are_retried_and_tables_run_in_parallel() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_identical(&src, &tgt).await;
    src.instance().faults().fail_next("[dbo].[items]", 1205);
    tgt.instance().faults().fail_next("[dbo].[guids]", 40613);
    let (out, json, _dir) = run(&src, &tgt, &["--parallel", "3"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json = json.expect("report");
    for (t, number) in [("dbo.items", "1205"), ("dbo.guids", "40613")] {
        let checks = table(&json, t)["checks"].to_string();
        assert!(checks.contains("retried after a transient error") && checks.contains(number), "{checks}");
    }
    // A table that cannot be checked is never a pass, even when the others are.
    src.instance().faults().fail_next("[dbo].[bag]", 229);
    let (out, json, _dir) = run(&src, &tgt, &["--parallel", "2"]).await;
    assert_eq!(out.status.code(), Some(2));
    let json = json.expect("report");
    assert_eq!(json["verdict"], "incomplete");
    assert_eq!(table(&json, "dbo.items")["checks"][1]["status"], "pass");
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_queries_are_compared_as_bags_of_typed_rows() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed_identical(&src, &tgt).await;
    batch(&tgt, "INSERT INTO dbo.bag VALUES (2, NULL);").await;
    let files = tempfile::tempdir().unwrap();
    let queries = files.path().join("queries.toml");
    std::fs::write(
        &queries,
        r#"
[[query]]
name = "item totals"
sql = "SELECT COUNT_BIG(*) AS n, SUM(price) AS total FROM dbo.items"

[[query]]
name = "bag rows"
sql = "SELECT a, b FROM dbo.bag"
"#,
    )
    .unwrap();
    let q = queries.display().to_string();
    let (out, json, dir) = run(&src, &tgt, &["--tables", "items", "--queries", &q]).await;
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json = json.expect("report");
    let entry = |name: &str| {
        json["queries"].as_array().and_then(|q| q.iter().find(|q| q["table"] == name)).cloned().expect(name)
    };
    assert_eq!(entry("query: item totals")["checks"][0]["status"], "pass");
    let bag = entry("query: bag rows");
    assert_eq!(bag["checks"][0]["status"], "fail");
    let d = &bag["differences"];
    assert_eq!(d.as_array().map(Vec::len), Some(1), "{d}");
    assert_eq!(d[0]["kind"], "count_differs");
    assert_eq!(d[0]["key"]["a"], "int 2");
    assert_eq!(d[0]["key"]["b"], "NULL");
    assert_eq!((d[0]["source_count"].clone(), d[0]["target_count"].clone()), (1.into(), 2.into()));
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains(r#"classname="query: bag rows" name="query"><failure"#), "{junit}");

    std::fs::write(&queries, "[[query]]\nname = \"no sql\"\n").unwrap();
    let (out, _, _dir) = run(&src, &tgt, &["--queries", &q]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("queries.toml"));
}
