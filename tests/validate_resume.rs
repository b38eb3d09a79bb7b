//! A connection dropped in the middle of a table, then `resume`: the library run in-process so
//! the drop lands while that table's first query is on the wire.

mod common;

use common::{TestServer, connect, sim};
use cutover_sim::server::TlsMode;
use cutover_validate::report::{Status, Verdict};
use cutover_validate::{Options, Report, validate};
use std::time::Duration;

async fn batch(server: &TestServer, sql: &str) {
    let mut c = connect(server).await;
    c.simple_query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn seed(server: &TestServer, changed: bool) {
    for t in ["a", "b", "c"] {
        let rows: Vec<String> = (1..=40).map(|i| format!("({i}, N'{t}{i}')")).collect();
        batch(
            server,
            &format!(
                "CREATE TABLE dbo.{t} (id int NOT NULL PRIMARY KEY, v nvarchar(20) NULL); INSERT INTO dbo.{t} VALUES {};",
                rows.join(", ")
            ),
        )
        .await;
    }
    if changed {
        batch(server, "UPDATE dbo.c SET v = N'changed' WHERE id = 7;").await;
    }
}

async fn run(src: &TestServer, tgt: &TestServer, opts: &Options, on_table: &dyn Fn(&str)) -> Report {
    let (mut a, mut b) = (connect(src).await, connect(tgt).await);
    let mut progress = |msg: &str| on_table(msg);
    validate(&mut a, &mut b, opts, &mut progress).await.expect("the run completes with a report")
}

fn without_timings(r: &Report) -> String {
    let mut v = serde_json::to_value(&r.tables).unwrap();
    for t in v.as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("seconds");
    }
    v.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_dropped_mid_table_then_resume_gives_the_uninterrupted_report() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed(&src, false).await;
    seed(&tgt, true).await;
    let dir = std::env::temp_dir().join(format!("cutover-validate-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let base = Options { leaf_rows: 8, parallel: 1, ..Options::default() };
    let reference = run(&src, &tgt, &base, &|_| {}).await;
    assert_eq!(reference.verdict, Verdict::Differences);

    // While dbo.b's first query waits on the source, every source connection drops.
    let opts = Options {
        checkpoint: Some(dir.join("checkpoint.json")),
        retry: cutover_mssql::RetryPolicy { max_attempts: 1, ..base.retry },
        ..base.clone()
    };
    let faults = src.instance().faults();
    let drop_during_b = |msg: &str| {
        if msg.ends_with("dbo.b") {
            faults.stall(Duration::from_secs(5));
            let f = faults.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                f.drop_all_connections();
                f.end_stall();
            });
        }
    };
    let first = run(&src, &tgt, &opts, &drop_during_b).await;
    assert_eq!(first.verdict, Verdict::Incomplete);
    let b = first.tables.iter().find(|t| t.table == "dbo.b").unwrap();
    assert_eq!(b.status(), Status::Error, "{b:?}");
    let c = first.tables.iter().find(|t| t.table == "dbo.c").unwrap();
    assert_eq!(c.status(), Status::Fail, "the worker reconnected and carried on: {c:?}");

    let resumed = run(&src, &tgt, &Options { resume: true, ..opts.clone() }, &|_| {}).await;
    assert_eq!(resumed.verdict, Verdict::Differences);
    assert_eq!(without_timings(&resumed), without_timings(&reference));

    // With retries (the default), the same drop costs a retry, not the table.
    let retried = run(&src, &tgt, &base, &drop_during_b).await;
    assert_eq!(retried.verdict, Verdict::Differences);
    let b = retried.tables.iter().find(|t| t.table == "dbo.b").unwrap();
    assert_eq!(b.status(), Status::Pass, "{b:?}");
    assert!(format!("{b:?}").contains("retried after a transient error"), "{b:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_past_its_timeout_is_abandoned_and_the_table_is_never_a_pass() {
    let (src, tgt) = (sim(TlsMode::Enabled).await, sim(TlsMode::Enabled).await);
    seed(&src, false).await;
    seed(&tgt, false).await;
    let faults = src.instance().faults();
    let stall_b = |msg: &str| {
        if msg.ends_with("dbo.b") {
            faults.stall(Duration::from_secs(3));
        }
    };
    let mut short = common::target(&src.conn);
    short.command_timeout = Some(Duration::from_millis(500));
    let mut a = cutover_mssql::connect(&short).await.expect("source");
    let mut b = connect(&tgt).await;
    let opts = Options {
        parallel: 1,
        retry: cutover_mssql::RetryPolicy { max_attempts: 1, ..Options::default().retry },
        ..Options::default()
    };
    let mut progress = |msg: &str| stall_b(msg);
    let started = std::time::Instant::now();
    let report = validate(&mut a, &mut b, &opts, &mut progress).await.expect("a report");
    faults.end_stall();
    assert!(started.elapsed() < Duration::from_secs(3), "abandoned, not waited out");
    assert_eq!(report.verdict, Verdict::Incomplete);
    let t = report.tables.iter().find(|t| t.table == "dbo.b").unwrap();
    assert_eq!(t.status(), Status::Error, "{t:?}");
    assert!(
        format!("{t:?}").to_lowercase().contains("timeout") || format!("{t:?}").contains("timed out"),
        "{t:?}"
    );
}
