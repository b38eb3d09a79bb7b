//! The DMVs on every profile: documented columns and types, counters that move by the amounts
//! the load model computes, restarts, faults, MI-only views, and instances sharing nothing.

use std::time::{Duration, Instant};

use super::*;
use crate::engine::runtime::ManualClock;
use crate::engine::runtime::catalog::views::{Availability, CATALOG_VIEWS};
use crate::load::state::{INDEX_DEPTH, PAGES_PER_READ_IO, ROWS_PER_PAGE};
use crate::profile::{PROFILES, Profile};
use crate::types::Column;

fn start(profile: &'static Profile) -> Instance {
    let mut config =
        InstanceConfig::for_profile("SIM-DMV", profile, vec![LoginDef::sysadmin("sa", "Secret#1")]);
    config.logins.push(LoginDef::monitor("monitor", "m0n!tor"));
    let inst = Instance::start(config).expect("instance starts");
    inst.create_database("shop").unwrap();
    inst
}

fn exec(s: &mut Session, sql: &str) -> CollectSink {
    let mut sink = CollectSink::new();
    s.execute(sql, &[], &mut sink);
    sink
}

fn ok(s: &mut Session, sql: &str) -> CollectSink {
    let out = exec(s, sql);
    assert!(out.errors.is_empty(), "{sql}: {:?}", out.errors);
    out
}

fn scalar(s: &mut Session, sql: &str) -> i64 {
    let out = ok(s, sql);
    int(&out.results[0].rows[0][0])
}

/// How a view is read in a query (functions with NULL arguments).
fn from_clause(view: &str, params: usize) -> String {
    if params == 0 { view.to_string() } else { format!("{view}({})", vec!["NULL"; params].join(", ")) }
}

#[test]
fn every_dmv_has_its_documented_columns_and_types_on_every_profile() {
    for profile in PROFILES {
        let inst = start(profile);
        let mut s = sa(&inst, "shop");
        for view in CATALOG_VIEWS {
            let sql = format!("SELECT * FROM {}", from_clause(view.name, view.params.len()));
            let out = exec(&mut s, &sql);
            if view.availability == Availability::ManagedInstance && !profile.is_managed_instance() {
                assert_eq!(out.error_numbers(), vec![208], "{} on {}", view.name, profile.name);
                continue;
            }
            assert!(out.errors.is_empty(), "{} on {}: {:?}", view.name, profile.name, out.errors);
            let want: Vec<Column> = view
                .columns()
                .map(|(n, t, null)| Column::new(*n, SqlType::parse(t).unwrap(), *null))
                .collect();
            assert_eq!(out.single().columns, want, "{} on {}", view.name, profile.name);
        }
    }
}

#[test]
fn a_known_workload_moves_the_counters_by_the_computed_amounts() {
    let inst = start(Profile::named("sqlserver-2019").unwrap());
    inst.knobs().set_shaping(false);
    let mut s = sa(&inst, "shop");
    ok(&mut s, "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(20) NULL)");
    let load = inst.load();
    let c = &load.counters;
    let before = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
    let (batches0, reads0, commits0) =
        (before(&c.batch_requests), before(&c.logical_reads), before(&c.log_flushes));
    let writelog0 = load
        .waits
        .cell(crate::load::Wait::WriteLog as usize)
        .count
        .load(std::sync::atomic::Ordering::Relaxed);
    // 1 batch, 1 autocommit INSERT of 500 rows.
    let values: Vec<String> = (0..500).map(|i| format!("({i}, N'v{i}')")).collect();
    ok(&mut s, &format!("INSERT INTO dbo.t (id, v) VALUES {}", values.join(", ")));
    // 3 batches of SELECT * (full scans of 500 rows).
    for _ in 0..3 {
        assert_eq!(ok(&mut s, "SELECT id, v FROM dbo.t").single().rows.len(), 500);
    }
    let pages = 500u64.div_ceil(ROWS_PER_PAGE) + INDEX_DEPTH;
    assert_eq!(before(&c.batch_requests) - batches0, 4);
    assert_eq!(before(&c.logical_reads) - reads0, 4 * pages, "insert + 3 selects, each {pages} pages");
    assert_eq!(before(&c.log_flushes) - commits0, 1, "one autocommit");
    let writelog = load
        .waits
        .cell(crate::load::Wait::WriteLog as usize)
        .count
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(writelog - writelog0, 1);
    // The insert read the pages in (one IO), the selects found them cached.
    let phys = exec(
        &mut s,
        "SELECT num_of_reads, io_stall_read_ms FROM sys.dm_io_virtual_file_stats(DB_ID('shop'), 1)",
    );
    assert_eq!(int(&phys.single().rows[0][0]) as u64, pages.div_ceil(PAGES_PER_READ_IO));
    // Batch Requests/sec through the DMV: this read's own batch counts too.
    let sql =
        "SELECT cntr_value FROM sys.dm_os_performance_counters WHERE counter_name = 'Batch Requests/sec'";
    let a = scalar(&mut s, sql);
    ok(&mut s, "SELECT 1");
    ok(&mut s, "SELECT 2");
    assert_eq!(scalar(&mut s, sql) - a, 3);
}

#[test]
fn per_file_read_stalls_add_up_to_the_pageiolatch_waits() {
    let inst = start(Profile::named("mi-gp").unwrap());
    inst.knobs().set_shaping(false);
    let mut s = sa(&inst, "shop");
    ok(&mut s, "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY)");
    for chunk in 0..5 {
        let values: Vec<String> = (0..400).map(|i| format!("({})", chunk * 400 + i)).collect();
        ok(&mut s, &format!("INSERT INTO dbo.t (id) VALUES {}", values.join(", ")));
    }
    let stalls = scalar(&mut s, "SELECT SUM(io_stall_read_ms) FROM sys.dm_io_virtual_file_stats(NULL, NULL)");
    let waits = scalar(
        &mut s,
        "SELECT SUM(wait_time_ms) FROM sys.dm_os_wait_stats WHERE wait_type IN ('PAGEIOLATCH_SH', 'PAGEIOLATCH_EX')",
    );
    assert!(stalls > 0);
    assert_eq!(stalls, waits);
    let log_stalls =
        scalar(&mut s, "SELECT SUM(io_stall_write_ms) FROM sys.dm_io_virtual_file_stats(DB_ID('shop'), 2)");
    let writelog =
        scalar(&mut s, "SELECT wait_time_ms FROM sys.dm_os_wait_stats WHERE wait_type = 'WRITELOG'");
    assert_eq!(log_stalls, writelog, "5 commits x 4 ms");
    assert_eq!(writelog, 5 * 4);
}

#[test]
fn counters_are_monotonic_and_a_restart_resets_them_and_moves_the_start_time() {
    let inst = start(Profile::named("sqlserver-2022").unwrap());
    inst.knobs().set_shaping(false);
    let clock =
        ManualClock::new(chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(8, 0, 0).unwrap());
    inst.set_clock(clock.clone());
    let mut s = sa(&inst, "shop");
    let sql = "SELECT SUM(waiting_tasks_count) FROM sys.dm_os_wait_stats";
    let mut last = scalar(&mut s, sql);
    for _ in 0..3 {
        clock.advance(chrono::Duration::seconds(30));
        ok(&mut s, "CREATE TABLE dbo.x (id int); DROP TABLE dbo.x");
        let now = scalar(&mut s, sql);
        assert!(now >= last, "waits went down: {last} → {now}");
        last = now;
    }
    let started =
        ok(&mut s, "SELECT sqlserver_start_time FROM sys.dm_os_sys_info").single().rows[0][0].clone();
    clock.advance(chrono::Duration::minutes(5));
    inst.faults().restart();
    assert_eq!(exec(&mut s, "SELECT 1").error_numbers(), vec![596], "the old session was dropped");
    drop(s);
    let mut s = sa(&inst, "shop");
    let restarted =
        ok(&mut s, "SELECT sqlserver_start_time FROM sys.dm_os_sys_info").single().rows[0][0].clone();
    assert_ne!(started, restarted);
    assert!(scalar(&mut s, sql) < last, "waits reset");
    let batches = scalar(
        &mut s,
        "SELECT cntr_value FROM sys.dm_os_performance_counters WHERE counter_name = 'Batch Requests/sec'",
    );
    assert_eq!(batches, 3, "three batches since the restart (this one included)");
    assert_eq!(
        scalar(&mut s, "SELECT COUNT(*) FROM sys.tables"),
        0,
        "data persists (and the table was dropped)"
    );
}

#[test]
fn dbcc_sqlperf_clear_resets_wait_stats() {
    let inst = start(Profile::named("mi-bc").unwrap());
    inst.knobs().set_shaping(false);
    let mut s = sa(&inst, "shop");
    ok(&mut s, "CREATE TABLE dbo.t (id int); INSERT INTO dbo.t VALUES (1)");
    let writelog =
        "SELECT wait_time_ms + waiting_tasks_count FROM sys.dm_os_wait_stats WHERE wait_type = 'WRITELOG'";
    assert!(scalar(&mut s, writelog) > 0);
    let out = ok(&mut s, "DBCC SQLPERF('sys.dm_os_wait_stats', CLEAR)");
    assert_eq!(out.infos[0].0, 2528);
    // Idle waits keep growing with wall time after the clear (as on a real server); work waits
    // start again from zero.
    assert_eq!(scalar(&mut s, writelog), 0);
}

#[test]
fn managed_instance_looks_like_one() {
    let inst = start(Profile::named("mi-gp").unwrap());
    let mut s = sa(&inst, "shop");
    let out = ok(&mut s, "SELECT @@SERVICENAME, SERVERPROPERTY('EngineEdition')");
    assert_eq!(out.single().rows[0][0], Value::Null);
    assert_eq!(int(&out.single().rows[0][1]), 8);
    assert_eq!(
        scalar(&mut s, "SELECT COUNT(*) FROM sys.master_files WHERE database_id = 2 AND type = 0"),
        12
    );
    let name = ok(&mut s, "SELECT name FROM sys.database_files WHERE file_id = 1");
    assert_eq!(text(&name.single().rows[0][0]), "data_0");
    assert_eq!(
        scalar(&mut s, "SELECT COUNT(*) FROM sys.dm_io_virtual_file_stats(NULL, NULL) WHERE database_id = 0"),
        2
    );
    let guid = ok(&mut s, "SELECT physical_database_name FROM sys.databases WHERE name = 'shop'");
    let guid = text(&guid.single().rows[0][0]);
    assert_eq!(guid.len(), 36);
    let n = scalar(
        &mut s,
        &format!(
            "SELECT COUNT(*) FROM sys.dm_os_performance_counters WHERE object_name LIKE '%:Databases%' AND RTRIM(instance_name) = '{guid}'"
        ),
    );
    assert!(n >= 8, "database counters carry the physical name");
    assert!(scalar(&mut s, "SELECT process_memory_limit_mb FROM sys.dm_os_job_object") > 0);
    assert_eq!(
        scalar(&mut s, "SELECT instance_max_log_rate FROM sys.dm_instance_resource_governance"),
        32 * 1024 * 1024
    );
}

#[test]
fn on_premises_counters_use_the_instance_prefix_and_pair_with_bases() {
    let inst = start(Profile::named("sqlserver-2019").unwrap());
    let mut s = sa(&inst, "master");
    let out = ok(&mut s, "SELECT DISTINCT RTRIM(object_name) FROM sys.dm_os_performance_counters");
    assert!(out.single().rows.iter().all(|r| text(&r[0]).starts_with("SQLServer:")));
    let n = scalar(
        &mut s,
        "SELECT COUNT(*) FROM sys.dm_os_performance_counters a JOIN sys.dm_os_performance_counters b \
         ON b.object_name = a.object_name AND b.instance_name = a.instance_name AND b.cntr_type = 1073939712 \
         WHERE a.cntr_type IN (537003264, 1073874176)",
    );
    assert!(n >= 4, "fractions and averages have base rows");
}

#[test]
fn query_stats_join_their_text_with_cross_apply() {
    let inst = start(Profile::named("sqlserver-2022").unwrap());
    let mut s = sa(&inst, "shop");
    for i in 0..3 {
        ok(&mut s, &format!("SELECT {i} AS n"));
    }
    let out = ok(
        &mut s,
        "SELECT qs.execution_count, st.text, qs.query_hash FROM sys.dm_exec_query_stats AS qs \
         CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) AS st WHERE st.text LIKE 'SELECT % AS n' ORDER BY st.text",
    );
    let rows = &out.single().rows;
    assert_eq!(rows.len(), 3, "one plan per text");
    assert_eq!(rows[0][2], rows[1][2], "same query_hash for queries differing in literals");
}

#[test]
fn mi_only_views_and_permissions() {
    let inst = start(Profile::named("sqlserver-2022").unwrap());
    let mut s = sa(&inst, "master");
    assert_eq!(exec(&mut s, "SELECT * FROM sys.server_resource_stats").error_numbers(), vec![208]);
    let mut m = inst.connect("monitor", "m0n!tor", None, "", "").unwrap();
    ok(&mut m, "SELECT * FROM sys.dm_os_wait_stats");
    inst.faults().set_view_server_state("monitor", false).unwrap();
    assert_eq!(exec(&mut m, "SELECT * FROM sys.dm_os_wait_stats").error_numbers(), vec![300]);
    inst.faults().set_view_server_state("monitor", true).unwrap();
    ok(&mut m, "SELECT * FROM sys.dm_os_wait_stats");
}

#[test]
fn server_resource_stats_rows_arrive_late_every_15_seconds() {
    let inst = start(Profile::named("mi-gp").unwrap());
    let clock =
        ManualClock::new(chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(8, 0, 0).unwrap());
    inst.set_clock(clock.clone());
    let mut s = sa(&inst, "master");
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM sys.server_resource_stats"), 0);
    clock.advance(chrono::Duration::seconds(60));
    // 60 s minus 30 s of lateness = two complete 15 s windows.
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM sys.server_resource_stats"), 2);
}

#[test]
fn faults_stall_and_fail_the_next_matching_statement() {
    let inst = start(Profile::named("sqlserver-2022").unwrap());
    let mut s = sa(&inst, "shop");
    inst.faults().fail_next("orders", 1205);
    ok(&mut s, "SELECT 1");
    let out = exec(&mut s, "SELECT * FROM sys.tables WHERE name = 'orders'");
    assert_eq!(out.error_numbers(), vec![1205]);
    ok(&mut s, "SELECT * FROM sys.tables WHERE name = 'orders'");
    inst.faults().stall(Duration::from_millis(150));
    let t = Instant::now();
    ok(&mut s, "SELECT 1");
    assert!(t.elapsed() >= Duration::from_millis(140));
    assert!(inst.faults().drop_connection(s.spid()));
    assert_eq!(exec(&mut s, "SELECT 1").error_numbers(), vec![596]);
}

#[test]
fn general_purpose_is_slower_than_business_critical_by_its_io_latency() {
    let elapsed = |name: &str| {
        let inst = start(Profile::named(name).unwrap());
        let mut s = sa(&inst, "shop");
        ok(&mut s, "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY)");
        let t = Instant::now();
        for i in 0..10 {
            ok(&mut s, &format!("INSERT INTO dbo.t VALUES ({i})"));
        }
        t.elapsed()
    };
    // The fastest of three runs each, so CPU contention on a busy machine cannot hide the
    // latency the profile adds (it only ever adds time).
    let fastest = |name: &str| (0..3).map(|_| elapsed(name)).min().unwrap_or_default();
    let (gp, bc) = (fastest("mi-gp"), fastest("mi-bc"));
    // Each insert: one read IO on a cold table (first only) and one log flush.
    let gp_p = Profile::named("mi-gp").unwrap();
    let bc_p = Profile::named("mi-bc").unwrap();
    let added = |p: &Profile| 10.0 * p.log_latency_ms + p.io_latency_ms;
    let (gp_ms, bc_ms) = (gp.as_secs_f64() * 1000.0, bc.as_secs_f64() * 1000.0);
    // Sleeping only adds time, so General Purpose's run always holds its whole shaped latency;
    // the difference from Business Critical also holds SQLite's time on a busy machine (where
    // BC's fastest run can lose several ms to the scheduler), so it is checked at half.
    assert!(gp_ms >= added(gp_p) * 0.9, "gp {gp:?}: expected ≥ {} ms of shaped latency", added(gp_p));
    let expected_ms = added(gp_p) - added(bc_p);
    assert!(gp_ms - bc_ms >= expected_ms * 0.5, "gp {gp:?} vs bc {bc:?}: expected ≈ {expected_ms} ms more");
}

#[test]
fn the_knob_plants_a_regression_of_known_size() {
    let inst = start(Profile::named("sqlserver-2022").unwrap());
    let mut s = sa(&inst, "shop");
    // The fastest of five statements: a busy machine only ever adds time, so the knob's
    // 20 ms shows in full between the two minimums.
    let fastest = |s: &mut Session| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                ok(s, "SELECT 1");
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let base = fastest(&mut s);
    inst.knobs().set_extra(Duration::from_millis(20), Duration::ZERO);
    let slow = fastest(&mut s);
    assert!(slow >= base + Duration::from_millis(19), "{base:?} → {slow:?}");
}

#[test]
fn two_instances_share_no_state() {
    let a = start(Profile::named("sqlserver-2022").unwrap());
    let b = start(Profile::named("sqlserver-2022").unwrap());
    let mut sa_ = sa(&a, "shop");
    for _ in 0..5 {
        ok(&mut sa_, "SELECT 1");
    }
    let mut sb = sa(&b, "shop");
    let sql =
        "SELECT cntr_value FROM sys.dm_os_performance_counters WHERE counter_name = 'Batch Requests/sec'";
    assert_eq!(scalar(&mut sb, sql), 1);
    assert_eq!(scalar(&mut sa_, sql), 6);
    a.faults().stall(Duration::from_secs(5));
    let t = Instant::now();
    ok(&mut sb, "SELECT 1");
    assert!(t.elapsed() < Duration::from_secs(1), "b is not stalled by a");
    a.faults().end_stall();
}
