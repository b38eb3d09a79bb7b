//! `cutover validate --instance-objects` run as the real binary: objects planted on a simulated
//! SQL Server and missing on a simulated Managed Instance are reported; the generated script,
//! run on the target, recreates them (the re-run finds no difference) and carries no secret.

mod common;

use common::cli::{args, cutover_async, scratch_dir, text};
use common::{TestServer, batch, sim_named};
use cutover_sim::server::TlsMode;

const PLANT: &str = "CREATE LOGIN app_reader WITH PASSWORD = N'S3cret-Source!', DEFAULT_DATABASE = shop;
ALTER SERVER ROLE dbcreator ADD MEMBER app_reader;
CREATE CREDENTIAL blob_cred WITH IDENTITY = N'SHARED ACCESS SIGNATURE', SECRET = N'sv=2024-very-secret';
EXEC master.dbo.sp_addlinkedserver @server = N'REPORTING', @srvproduct = N'', @provider = N'MSOLEDBSQL', @datasrc = N'rpt01';
EXEC msdb.dbo.sp_add_operator @name = N'dba team', @email_address = N'dba@example.com';
EXEC msdb.dbo.sp_add_schedule @schedule_name = N'nightly', @freq_type = 4, @freq_interval = 1, @active_start_time = 10000;
EXEC msdb.dbo.sp_add_job @job_name = N'purge history', @description = N'keeps 30 days';
EXEC msdb.dbo.sp_add_jobstep @job_name = N'purge history', @step_name = N'purge', @subsystem = N'TSQL', @database_name = N'shop', @command = N'DELETE FROM dbo.history WHERE at < DATEADD(day, -30, GETDATE())';
EXEC msdb.dbo.sp_attach_schedule @job_name = N'purge history', @schedule_name = N'nightly';
EXEC sp_configure 'cost threshold for parallelism', 50;
RECONFIGURE;";

async fn diff(src: &TestServer, tgt: &TestServer, extra: &[&str]) -> (i32, String) {
    let mut a = args(&["validate", "--instance-objects", "--source", &src.conn, "--target", &tgt.conn]);
    a.extend(extra.iter().map(|s| s.to_string()));
    let out = cutover_async(a).await;
    (out.status.code().unwrap_or(-1), text(&out))
}

#[tokio::test]
async fn drift_is_reported_and_the_script_recreates_what_is_missing() {
    let src = sim_named(TlsMode::Disabled, "sqlserver-2022").await;
    let tgt = sim_named(TlsMode::Disabled, "mi-gp").await;
    batch(&src, PLANT).await;
    batch(&src, "CREATE TRIGGER audit_logins ON ALL SERVER FOR CREATE_LOGIN AS PRINT 'login created'").await;

    let dir = scratch_dir("instance-objects");
    let script = dir.join("create-missing.sql");
    let (code, out) = diff(&src, &tgt, &["--script", &script.display().to_string()]).await;
    assert_eq!(code, 1, "differences exit 1: {out}");
    for line in [
        "missing   logins: app_reader",
        "missing   server role members: dbcreator/app_reader",
        "missing   credentials: blob_cred",
        "missing   linked servers: REPORTING",
        "missing   operators: dba team",
        "missing   schedules: nightly",
        "missing   jobs: purge history",
        "missing   job steps: purge history/1",
        "missing   job schedules: purge history/nightly",
        "missing   server triggers: audit_logins",
        "different configuration: cost threshold for parallelism value = 50 on the source, 5 on the target",
    ] {
        assert!(out.contains(line), "expected `{line}` in\n{out}");
    }
    assert!(!out.contains("NT AUTHORITY"), "built-in principals are left out");

    let sql = std::fs::read_to_string(&script).unwrap();
    assert!(
        !sql.contains("S3cret-Source!") && !sql.contains("very-secret"),
        "no secret in the script:\n{sql}"
    );
    assert!(
        sql.contains("N'<password for app_reader>'") && sql.contains("-- The password is not carried over")
    );
    assert!(!out.contains("S3cret-Source!"), "nor in the report");

    // The same drift as JSON, for tools: it follows its published schema.
    let a = args(&["validate", "--instance-objects", "--source", &src.conn, "--target", &tgt.conn, "--json"]);
    let json = cutover_async(a).await;
    assert_eq!(json.status.code(), Some(1), "{}", text(&json));
    let report: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("--json prints one JSON document");
    common::schemas::check("instance-objects.schema.json", "validate --instance-objects --json", &report);
    let missing = report["missing"].as_array().unwrap();
    assert!(missing.iter().any(|i| i["section"] == "logins" && i["key"] == "app_reader"), "{report:#}");
    assert!(!String::from_utf8_lossy(&json.stdout).contains("S3cret-Source!"), "no secret in the JSON");

    for b in
        sql.split("\nGO\n").map(str::trim).filter(|b| b.lines().any(|l| !l.trim_start().starts_with("--")))
    {
        batch(&tgt, b).await;
    }
    let (code, out) = diff(&src, &tgt, &[]).await;
    assert_eq!(code, 0, "the re-run is clean: {out}");
    assert!(out.contains("no differences"), "{out}");
}
