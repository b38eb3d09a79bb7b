//! Simulated instance behaviour over TDS: DMVs that move while another client runs load, the
//! Managed Instance profile, faults and restarts as a client sees them (sockets closed, error
//! numbers). Engine-level checks of every DMV's columns and the load model's arithmetic are in
//! `sim/src/engine/runtime/tests/dmv.rs`.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, USER, connect_str};
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::profile::Profile;
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};

async fn sim_profile(profile: &str) -> (SimServer, String) {
    common::init_logging();
    let profile = Profile::named(profile).expect("profile");
    let mut nostate = LoginDef::monitor("watcher", PASSWORD);
    nostate.server_permissions.retain(|p| !p.contains("STATE"));
    let config = InstanceConfig::for_profile(
        "SIM-DMV",
        profile,
        vec![LoginDef::sysadmin(USER, PASSWORD), LoginDef::monitor("monitor", PASSWORD), nostate],
    );
    let instance = Instance::start(config).expect("starts");
    instance.create_database("shop").expect("db");
    let server = SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() })
        .await
        .expect("server");
    let conn = format!(
        "Server=tcp:127.0.0.1,{};Database=shop;User Id={USER};TrustServerCertificate=true;Encrypt=not_supported",
        server.local_addr().port()
    );
    (server, conn)
}

async fn counter(conn: &mut cutover_mssql::Connection, name: &str) -> i64 {
    let sql = format!(
        "SELECT cntr_value, cntr_type FROM sys.dm_os_performance_counters WHERE RTRIM(counter_name) = '{name}' \
         AND RTRIM(instance_name) IN ('', '_Total')"
    );
    let rows = conn.query_rows(&sql, &[]).await.unwrap();
    let _type: i32 = rows[0].get::<i32, _>("cntr_type").unwrap();
    rows[0].get::<i64, _>("cntr_value").unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn counters_move_while_another_client_runs_load_on_mi_gp() {
    let (server, conn) = sim_profile("mi-gp").await;
    let mut watcher = connect_str(&conn).await;
    let batches0 = counter(&mut watcher, "Batch Requests/sec").await;
    let waits0: i64 = watcher
        .query_rows(
            "SELECT SUM(wait_time_ms) AS w FROM sys.dm_os_wait_stats WHERE wait_type = 'WRITELOG'",
            &[],
        )
        .await
        .unwrap()[0]
        .get::<i64, _>("w")
        .unwrap();
    let load_conn = conn.clone();
    let load = tokio::spawn(async move {
        let mut c = connect_str(&load_conn).await;
        c.simple_query("CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(20))").await.unwrap();
        for i in 0..20 {
            c.execute("INSERT INTO dbo.t VALUES (@P1, N'x')", &[&i]).await.unwrap();
            c.query_rows("SELECT COUNT(*) AS n FROM dbo.t", &[]).await.unwrap();
        }
    });
    load.await.unwrap();
    let batches1 = counter(&mut watcher, "Batch Requests/sec").await;
    assert!(batches1 - batches0 >= 41, "41 load batches + the watcher's: {batches0} → {batches1}");
    let rows = watcher
        .query_rows(
            "SELECT wait_type, waiting_tasks_count, wait_time_ms FROM sys.dm_os_wait_stats WHERE wait_type = 'WRITELOG'",
            &[],
        )
        .await
        .unwrap();
    let count: i64 = rows[0].get::<i64, _>("waiting_tasks_count").unwrap();
    let ms: i64 = rows[0].get::<i64, _>("wait_time_ms").unwrap();
    assert!(count >= 20, "one log flush per autocommit insert");
    assert!(ms - waits0 >= 20 * 4, "4 ms per flush on General Purpose");
    let stats = watcher
        .query_rows(
            "SELECT qs.execution_count, st.text FROM sys.dm_exec_query_stats qs \
             CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) st WHERE st.text LIKE 'INSERT INTO dbo.t%'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(stats[0].get::<i64, _>("execution_count"), Some(20));
    let files = watcher
        .query_rows(
            "SELECT DB_NAME(database_id) AS db, file_id, num_of_writes, io_stall_write_ms \
             FROM sys.dm_io_virtual_file_stats(DB_ID('shop'), 2)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert!(files[0].get::<i64, _>("num_of_writes").unwrap() >= 20);
    let names = watcher
        .query_rows("SELECT @@SERVICENAME AS s, SERVERPROPERTY('EngineEdition') AS e", &[])
        .await
        .unwrap();
    assert_eq!(names[0].get::<&str, _>("s"), None, "@@SERVICENAME is NULL on MI");
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn mi_only_views_are_invalid_objects_on_premises() {
    let (_server, conn) = sim_profile("sqlserver-2019").await;
    let mut c = connect_str(&conn).await;
    for view in ["sys.server_resource_stats", "sys.dm_instance_resource_governance", "sys.dm_os_job_object"] {
        let err = c.query_rows(&format!("SELECT * FROM {view}"), &[]).await.unwrap_err();
        assert_eq!(err.sql().map(|e| e.number), Some(208), "{view}: {err}");
    }
    let rows = c.query_rows("SELECT record FROM sys.dm_os_ring_buffers WHERE ring_buffer_type = N'RING_BUFFER_SCHEDULER_MONITOR'", &[]).await.unwrap();
    assert!(rows.is_empty(), "no whole minute has passed yet");
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_reach_the_client_as_sql_server_would_send_them() {
    let (server, conn) = sim_profile("sqlserver-2022").await;
    let faults = server.instance().faults();
    let mut c = connect_str(&conn).await;
    for number in [1205u32, 40613, 10928] {
        faults.fail_next("SELECT 42", number as i32);
        let err = c.query_rows("SELECT 42 AS n", &[]).await.unwrap_err();
        assert_eq!(err.sql().map(|e| e.number), Some(number), "{err}");
    }
    assert_eq!(c.query_rows("SELECT 42 AS n", &[]).await.unwrap().len(), 1);
    // A stall holds every statement until it ends.
    faults.stall(Duration::from_millis(200));
    let t = Instant::now();
    c.query_rows("SELECT 1 AS n", &[]).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(180));
    // VIEW SERVER STATE revoked and granted back.
    let monitor_conn = conn.replace(&format!("User Id={USER}"), "User Id=monitor");
    let mut m = connect_str(&monitor_conn).await;
    m.query_rows("SELECT * FROM sys.dm_os_wait_stats", &[]).await.unwrap();
    faults.set_view_server_state("monitor", false).unwrap();
    let err = m.query_rows("SELECT * FROM sys.dm_os_wait_stats", &[]).await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(300));
    faults.set_view_server_state("monitor", true).unwrap();
    m.query_rows("SELECT * FROM sys.dm_os_wait_stats", &[]).await.unwrap();
    // Dropping every connection closes the sockets: the next query fails.
    assert_eq!(faults.drop_all_connections(), 2);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(c.query_rows("SELECT 1 AS n", &[]).await.is_err());
    assert!(m.query_rows("SELECT 1 AS n", &[]).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_drops_connections_resets_counters_and_keeps_data() {
    let (server, conn) = sim_profile("mi-bc").await;
    let mut c = connect_str(&conn).await;
    c.simple_query("CREATE TABLE dbo.kept (id int); INSERT INTO dbo.kept VALUES (1)").await.unwrap();
    for _ in 0..5 {
        c.query_rows("SELECT * FROM dbo.kept", &[]).await.unwrap();
    }
    let before = counter(&mut c, "Batch Requests/sec").await;
    let started: chrono::NaiveDateTime =
        c.query_rows("SELECT sqlserver_start_time FROM sys.dm_os_sys_info", &[]).await.unwrap()[0]
            .get("sqlserver_start_time")
            .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    server.instance().faults().restart();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(c.query_rows("SELECT 1 AS n", &[]).await.is_err(), "the socket was closed");
    let mut c = connect_str(&conn).await;
    let after = counter(&mut c, "Batch Requests/sec").await;
    assert!(after < before, "{before} → {after}");
    let restarted: chrono::NaiveDateTime =
        c.query_rows("SELECT sqlserver_start_time FROM sys.dm_os_sys_info", &[]).await.unwrap()[0]
            .get("sqlserver_start_time")
            .unwrap();
    assert!(restarted > started);
    assert_eq!(c.query_rows("SELECT * FROM dbo.kept", &[]).await.unwrap().len(), 1);
}
