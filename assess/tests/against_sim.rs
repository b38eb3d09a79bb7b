//! The assessment rules and the instance-object inventory, run by the library against
//! in-process simulators (the CLI tests in the workspace's tests/ run the same through the binary).

use cutover_assess::instance;
use cutover_assess::rules::{self, Severity};
use cutover_mssql::{Connection, Env};
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::profile::Profile;
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};

struct Pw;
impl Env for Pw {
    fn var(&self, name: &str) -> Option<String> {
        (name == "CUTOVER_PASSWORD").then(|| "Test-Passw0rd!".to_string())
    }
}

async fn sim(profile: &str) -> (SimServer, String) {
    let profile = Profile::named(profile).unwrap();
    let config = InstanceConfig::for_profile(
        "SIM-TEST",
        profile,
        vec![LoginDef::sysadmin("cutover", "Test-Passw0rd!")],
    );
    let instance = Instance::start(config).unwrap();
    instance.create_database("shop").unwrap();
    let server = SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() })
        .await
        .unwrap();
    let conn = format!(
        "Server=tcp:127.0.0.1,{};Database=shop;User Id=cutover;TrustServerCertificate=true;Encrypt=not_supported",
        server.local_addr().port()
    );
    (server, conn)
}

async fn connect(conn: &str) -> Connection {
    let target = cutover_mssql::resolve(conn, None, &Pw).unwrap().target;
    cutover_mssql::connect(&target).await.unwrap()
}

async fn run(conn: &mut Connection, sql: &str) {
    conn.simple_query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn clean_and_planted_sources() {
    let (_s, c) = sim("sqlserver-2019").await;
    let mut conn = connect(&c).await;
    let clean = rules::run::assess(&mut conn, &rules::bundled()).await;
    assert!(clean.unchecked.is_empty(), "{:?}", clean.unchecked);
    assert_eq!(clean.blockers(), 0, "{:?}", clean.findings);
    run(
        &mut conn,
        "ALTER DATABASE shop SET COMPATIBILITY_LEVEL = 90;
         ALTER DATABASE shop ADD FILEGROUP fs CONTAINS FILESTREAM;
         ALTER DATABASE shop ADD FILE (NAME = shop_fs, FILENAME = 'D:\\fs\\shop') TO FILEGROUP fs;
         ALTER DATABASE shop ADD LOG FILE (NAME = shop_log2, FILENAME = 'L:\\shop_log2.ldf');
         ALTER DATABASE shop SET ENCRYPTION ON;
         EXEC msdb.dbo.sp_add_job @job_name = N'nightly export';
         EXEC msdb.dbo.sp_add_jobstep @job_name = N'nightly export', @step_name = N'bcp out', @subsystem = N'CmdExec', @command = N'bcp';
         EXEC master.dbo.sp_addlinkedserver @server = N'ORACLE_HR', @srvproduct = N'Oracle', @provider = N'OraOLEDB.Oracle', @datasrc = N'hr';
         CREATE LOGIN [CORP\\alice] FROM WINDOWS;
         DBCC TRACEON(1117, -1);
         DBCC TRACEON(460, -1);",
    )
    .await;
    let r = rules::run::assess(&mut conn, &rules::bundled()).await;
    assert!(r.unchecked.is_empty(), "{:?}", r.unchecked);
    let has = |rule: &str, object: &str| r.findings.iter().any(|f| f.rule == rule && f.object == object);
    for (rule, object) in [
        ("compatibility-level", "shop"),
        ("filestream-files", "shop.shop_fs"),
        ("multiple-log-files", "shop"),
        ("tde-certificate", "shop"),
        ("agent-job-subsystems", "nightly export / step 1 bcp out"),
        ("linked-server-providers", "ORACLE_HR"),
        ("windows-logins", "CORP\\alice"),
        ("trace-flags", "1117"),
    ] {
        assert!(has(rule, object), "{rule} {object}: {:#?}", r.findings);
    }
    assert!(!has("trace-flags", "460"));
    assert!(r.findings.iter().any(|f| f.severity == Severity::Blocker));
}

#[tokio::test]
async fn drift_and_script_round_trip() {
    let (_a, src_c) = sim("sqlserver-2022").await;
    let (_b, tgt_c) = sim("mi-gp").await;
    let (mut src, mut tgt) = (connect(&src_c).await, connect(&tgt_c).await);
    run(&mut src, "CREATE LOGIN app_reader WITH PASSWORD = N'S3cret-Source!', DEFAULT_DATABASE = shop;
        ALTER SERVER ROLE dbcreator ADD MEMBER app_reader;
        CREATE CREDENTIAL blob_cred WITH IDENTITY = N'SHARED ACCESS SIGNATURE', SECRET = N'sv=2024-very-secret';
        EXEC master.dbo.sp_addlinkedserver @server = N'REPORTING', @srvproduct = N'', @provider = N'MSOLEDBSQL', @datasrc = N'rpt01';
        EXEC msdb.dbo.sp_add_operator @name = N'dba team', @email_address = N'dba@example.com';
        EXEC msdb.dbo.sp_add_schedule @schedule_name = N'nightly', @freq_type = 4, @freq_interval = 1, @active_start_time = 10000;
        EXEC msdb.dbo.sp_add_job @job_name = N'purge history', @description = N'keeps 30 days';
        EXEC msdb.dbo.sp_add_jobstep @job_name = N'purge history', @step_name = N'purge', @subsystem = N'TSQL', @database_name = N'shop', @command = N'DELETE FROM dbo.history';
        EXEC msdb.dbo.sp_attach_schedule @job_name = N'purge history', @schedule_name = N'nightly';
        EXEC sp_configure 'cost threshold for parallelism', 50;
        RECONFIGURE;").await;
    run(&mut src, "CREATE TRIGGER audit_logins ON ALL SERVER FOR CREATE_LOGIN AS PRINT 'login created'")
        .await;
    let (s, t) = (instance::read(&mut src).await, instance::read(&mut tgt).await);
    assert!(s.unreadable.is_empty() && t.unreadable.is_empty(), "{:?} {:?}", s.unreadable, t.unreadable);
    let d = instance::diff::diff(&s, &t);
    let missing: Vec<String> = d.missing.iter().map(|m| format!("{}: {}", m.section, m.key)).collect();
    for want in [
        "logins: app_reader",
        "server role members: dbcreator/app_reader",
        "credentials: blob_cred",
        "linked servers: REPORTING",
        "operators: dba team",
        "schedules: nightly",
        "jobs: purge history",
        "job steps: purge history/1",
        "job schedules: purge history/nightly",
        "server triggers: audit_logins",
    ] {
        assert!(missing.iter().any(|m| m == want), "{want} missing: {missing:?}");
    }
    assert!(d.different.iter().any(|x| x.key == "cost threshold for parallelism"), "{:?}", d.different);
    let sql = instance::script::script(&d, &s, &t);
    assert!(!sql.contains("S3cret-Source!") && !sql.contains("very-secret"), "{sql}");
    for b in
        sql.split("\nGO\n").map(str::trim).filter(|b| b.lines().any(|l| !l.trim_start().starts_with("--")))
    {
        run(&mut tgt, b).await;
    }
    let t2 = instance::read(&mut tgt).await;
    let d2 = instance::diff::diff(&s, &t2);
    assert!(!d2.has_differences(), "{}", instance::report::terminal(&d2));
}
