//! The load model's costs (issue 3):
//! - statement cost with the load model on vs off, in one run (target: < 10% added);
//! - a DMV query over every wait type (target: < 2 ms);
//! - 50 simulated instances in one process (target: < 2 GB resident).
//!
//! `cargo bench --bench sim_load_model` (criterion figures plus the ratio and memory lines).
//! Latency shaping is off here: it sleeps by design; what is measured is the bookkeeping.

use std::time::{Duration, Instant};

use criterion::Criterion;
use cutover_sim::engine::runtime::{CollectSink, Instance, InstanceConfig, LoginDef, Session};
use cutover_sim::profile::Profile;
use std::hint::black_box;

fn instance(profile: &str) -> Instance {
    let config = InstanceConfig::for_profile(
        "SIM-BENCH",
        Profile::named(profile).expect("profile"),
        vec![LoginDef::sysadmin("bench", "Bench-Passw0rd")],
    );
    let inst = Instance::start(config).expect("starts");
    inst.create_database("bench").expect("db");
    inst.knobs().set_shaping(false);
    inst
}

fn session(inst: &Instance) -> Session {
    inst.connect("bench", "Bench-Passw0rd", Some("bench"), "bench", "localhost").expect("connects")
}

fn run(s: &mut Session, sql: &str) {
    let mut sink = CollectSink::new();
    s.execute(sql, &[], &mut sink);
    assert!(sink.errors.is_empty(), "{sql}: {:?}", sink.errors);
    black_box(sink);
}

fn prepare(s: &mut Session) {
    run(s, "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(40) NOT NULL)");
    for chunk in 0..10 {
        let values: Vec<String> =
            (0..1000).map(|i| format!("({}, N'value {i}')", chunk * 1000 + i)).collect();
        run(s, &format!("INSERT INTO dbo.t (id, v) VALUES {}", values.join(", ")));
    }
}

/// A point lookup: the typical OLTP statement, where fixed per-statement cost matters most.
const STATEMENT: &str = "SELECT id, v FROM dbo.t WHERE id = 4242";
const WAITS: &str =
    "SELECT wait_type, waiting_tasks_count, wait_time_ms, signal_wait_time_ms FROM sys.dm_os_wait_stats";

/// Interleaved rounds of the statement with the model on and off; the ratio of the medians.
fn on_off_ratio(inst: &Instance, s: &mut Session) -> (f64, Duration, Duration) {
    let round = |s: &mut Session, on: bool| {
        inst.knobs().set_enabled(on);
        let t = Instant::now();
        for _ in 0..2000 {
            run(s, STATEMENT);
        }
        t.elapsed() / 2000
    };
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        off.push(round(s, false));
        on.push(round(s, true));
    }
    on.sort();
    off.sort();
    inst.knobs().set_enabled(true);
    let (m_on, m_off) = (on[on.len() / 2], off[off.len() / 2]);
    (m_on.as_secs_f64() / m_off.as_secs_f64(), m_on, m_off)
}

fn resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// 50 instances (each: a user database, a 1,000-row table, a session, DMV reads).
fn fifty_instances() {
    let before = resident_mb().unwrap_or(0.0);
    let mut kept = Vec::new();
    for i in 0..50 {
        let inst = instance(if i % 2 == 0 { "sqlserver-2022" } else { "mi-gp" });
        let mut s = session(&inst);
        run(&mut s, "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(40) NOT NULL)");
        let values: Vec<String> = (0..1000).map(|i| format!("({i}, N'value {i}')")).collect();
        run(&mut s, &format!("INSERT INTO dbo.t (id, v) VALUES {}", values.join(", ")));
        run(&mut s, WAITS);
        run(&mut s, "SELECT * FROM sys.dm_os_performance_counters");
        kept.push((inst, s));
    }
    let after = resident_mb().unwrap_or(0.0);
    println!(
        "sim_load_model/50_instances: resident {after:.0} MB ({:.1} MB per instance above the {before:.0} MB baseline; target < 2048 MB)",
        (after - before) / 50.0
    );
}

fn main() {
    let inst = instance("sqlserver-2022");
    let mut s = session(&inst);
    prepare(&mut s);
    let (ratio, on, off) = on_off_ratio(&inst, &mut s);
    println!(
        "sim_load_model/ratio: statement {on:?} with the load model, {off:?} without: {:+.1}% (target < 10%)",
        (ratio - 1.0) * 100.0
    );
    fifty_instances();

    let mut c = Criterion::default().configure_from_args().measurement_time(Duration::from_secs(3));
    let mut g = c.benchmark_group("sim_load_model");
    inst.knobs().set_enabled(true);
    g.bench_function("point_lookup_model_on", |b| b.iter(|| run(&mut s, STATEMENT)));
    inst.knobs().set_enabled(false);
    g.bench_function("point_lookup_model_off", |b| b.iter(|| run(&mut s, STATEMENT)));
    inst.knobs().set_enabled(true);
    g.bench_function("dm_os_wait_stats_all_rows", |b| b.iter(|| run(&mut s, WAITS)));
    g.bench_function("dm_os_performance_counters_all_rows", |b| {
        b.iter(|| run(&mut s, "SELECT * FROM sys.dm_os_performance_counters"))
    });
    g.finish();
    c.final_summary();
}
