//! `cutover assess` run as the real binary against simulated sources: a clean SQL Server
//! passes, and every planted Managed Instance blocker is found with its reason and remediation.

mod common;

use common::cli::{args, cutover_async, text};
use common::{TestServer, batch, sim_named};
use cutover_sim::server::TlsMode;
use serde_json::Value;

async fn assess(server: &TestServer) -> (i32, Value, String) {
    let out = cutover_async(args(&["assess", "--server", &server.conn, "--format", "json"])).await;
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    common::schemas::check("assess.schema.json", "assess --format json", &report);
    (out.status.code().unwrap_or(-1), report, text(&out))
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect()
}

#[tokio::test]
async fn a_clean_source_passes() {
    let src = sim_named(TlsMode::Disabled, "sqlserver-2022").await;
    let (code, report, out) = assess(&src).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(report["unchecked"].as_array().unwrap().len(), 0, "every rule ran: {out}");
    let blockers: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["severity"] == "blocker").collect();
    assert!(blockers.is_empty(), "{blockers:?}");
    assert!(
        findings(&report, "windows-logins").is_empty(),
        "NT AUTHORITY / NT SERVICE logins are the instance's own"
    );
}

#[tokio::test]
async fn planted_blockers_are_found_with_reason_and_remediation() {
    let src = sim_named(TlsMode::Disabled, "sqlserver-2019").await;
    batch(
        &src,
        "ALTER DATABASE shop SET COMPATIBILITY_LEVEL = 90;
         ALTER DATABASE shop ADD FILEGROUP fs CONTAINS FILESTREAM;
         ALTER DATABASE shop ADD FILE (NAME = shop_fs, FILENAME = 'D:\\fs\\shop') TO FILEGROUP fs;
         ALTER DATABASE shop ADD LOG FILE (NAME = shop_log2, FILENAME = 'L:\\shop_log2.ldf');
         ALTER DATABASE shop SET ENCRYPTION ON;
         EXEC msdb.dbo.sp_add_job @job_name = N'nightly export';
         EXEC msdb.dbo.sp_add_jobstep @job_name = N'nightly export', @step_name = N'bcp out', @subsystem = N'CmdExec', @command = N'bcp shop.dbo.orders out D:\\x.dat';
         EXEC master.dbo.sp_addlinkedserver @server = N'ORACLE_HR', @srvproduct = N'Oracle', @provider = N'OraOLEDB.Oracle', @datasrc = N'hr';
         CREATE LOGIN [CORP\\alice] FROM WINDOWS;
         DBCC TRACEON(1117, -1);
         DBCC TRACEON(460, -1);",
    )
    .await;
    let (code, report, out) = assess(&src).await;
    assert_eq!(code, 1, "a blocker exits 1: {out}");
    let expect = [
        ("compatibility-level", "shop"),
        ("filestream-files", "shop.shop_fs"),
        ("multiple-log-files", "shop"),
        ("tde-certificate", "shop"),
        ("agent-job-subsystems", "nightly export / step 1 bcp out"),
        ("linked-server-providers", "ORACLE_HR"),
        ("windows-logins", "CORP\\alice"),
        ("trace-flags", "1117"),
    ];
    for (rule, object) in expect {
        let found = findings(&report, rule);
        assert!(found.iter().any(|f| f["object"] == object), "{rule} names {object}: {found:?}\n{out}");
        let f = found[0];
        assert!(!f["reason"].as_str().unwrap().is_empty() && !f["remediation"].as_str().unwrap().is_empty());
        assert!(f["source"].as_str().unwrap().starts_with("https://learn.microsoft.com/"));
    }
    assert!(findings(&report, "trace-flags").iter().all(|f| f["object"] != "460"), "460 is supported on MI");
    let terminal = cutover_async(args(&["assess", "--server", &src.conn])).await;
    let shown = String::from_utf8_lossy(&terminal.stdout);
    assert!(shown.contains("BLOCKER ORACLE_HR") && shown.contains("fix: "), "{shown}");
}

#[tokio::test]
async fn a_rule_that_cannot_be_read_makes_the_assessment_incomplete_even_with_blockers() {
    let src = sim_named(TlsMode::Disabled, "sqlserver-2019").await;
    batch(&src, "ALTER DATABASE shop SET COMPATIBILITY_LEVEL = 90;").await;
    // The server refuses one rule's query, as SQL Server does without VIEW ANY DEFINITION (229).
    src.instance().faults().fail_next("sys.configurations", 229);
    let out = cutover_async(args(&["assess", "--server", &src.conn, "--format", "json"])).await;
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert!(!report["unchecked"].as_array().unwrap().is_empty(), "{}", text(&out));
    assert!(
        !findings(&report, "compatibility-level").is_empty(),
        "the readable rules still ran: {}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(2), "a skipped rule is never a pass: {}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not be checked") && stderr.contains("failed among those that ran"),
        "{stderr}"
    );
}
