//! The replay engine at scale (issue 5): open-loop rate accuracy and schedule lag, memory over
//! 10M queries, and 1,000 templates.
//!
//! ```sh
//! cargo bench --bench replay_scale              # everything below
//! cargo bench --bench replay_scale -- open      # 2,000/s open loop against the simulator, 20 s
//! cargo bench --bench replay_scale -- memory    # RSS at 1M, 5M and 10M queries (fake executor)
//! cargo bench --bench replay_scale -- templates # 1 vs 1,000 templates: engine cost per unit,
//!                                               # and the reporter's interval drain (lock held)
//! ```
//!
//! `open` runs the whole engine (fixed arrivals, 8 connections, HdrHistograms, reporter) against
//! the in-process simulator with `SELECT 1`, 2 s warm-up then 20 s measured: achieved rate against
//! the target (goal within 1%) and the schedule-lag p99 (goal < 5 ms). `memory` and `templates`
//! use a fake executor that answers at once (no server), so the engine's own bookkeeping is all
//! that is measured: the planner, the recorder's histograms, the reporter draining them each
//! second. Its throughput is the engine's ceiling.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cutover_mssql::{Encryption, Secret, ServerTarget};
use cutover_workloads::Workload;
use cutover_workloads::clock::TokioClock;
use cutover_workloads::engine::run_workload;
use cutover_workloads::executor::{Connector, ExecError, Executor, Job, MssqlConnector};
use cutover_workloads::recorder::{Recorder, Timing};
use cutover_workloads::report::{Reporter, RunResult};
use cutover_workloads::units::Shard;

fn workload(load: &str, stop: &str, templates: usize) -> Workload {
    let mut text = format!("[workload]\nname = \"scale\"\nseed = 1\n{load}\n{stop}\n");
    for i in 0..templates {
        text.push_str(&format!("\n[[template]]\nname = \"t{i}\"\nweight = 1\nsql = \"SELECT {i}\"\n"));
    }
    Workload::parse("replay_scale (bench)", &text, Path::new(".")).expect("valid workload")
}

async fn run(w: &Workload, connector: &impl Connector) -> RunResult {
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let reporter = Reporter::silent(Duration::from_secs(1));
    run_workload(w, Shard::ALL, connector, TokioClock::start, stop, reporter).await.expect("replay")
}

/// 2,000 queries/s open loop against the simulator.
fn open(rt: &tokio::runtime::Runtime) {
    let server = rt.block_on(support::start_sim());
    let mut target = ServerTarget::new("127.0.0.1", server.local_addr().port());
    target.database = Some("bench".into());
    target.user = Some("bench".into());
    target.password = Some(Secret::new(support::PASSWORD));
    target.encryption = Encryption::NotSupported;
    let connector = MssqlConnector { target, database: None };
    let w = workload(
        "rate = \"2000/s\"\narrival = \"fixed\"\nconnections = 8\nwarmup = \"2s\"",
        "duration = \"22s\"",
        1,
    );
    let r = rt.block_on(run(&w, &connector));
    let t = r.totals();
    let measured = r.elapsed.as_secs_f64() - 2.0;
    let achieved = (t.ok + t.errors) as f64 / measured;
    let lag = |q: f64| r.lag.value_at_quantile(q) as f64 / 1000.0;
    let resp = &r.totals[0].response;
    println!(
        "open_2000_per_s: achieved {achieved:.1}/s over {measured:.2} s ({:+.2}% of target; goal within 1%), \
         ok {}, errors {}, late {}, skipped {}",
        (achieved / 2000.0 - 1.0) * 100.0,
        t.ok,
        t.errors,
        t.late,
        t.skipped
    );
    println!(
        "open_2000_per_s: schedule lag p50 {:.3} ms, p99 {:.3} ms (goal < 5), p99.9 {:.3} ms, max {:.3} ms; \
         response p50 {:.3} ms, p99 {:.3} ms; fidelity {}/{}",
        lag(0.5),
        lag(0.99),
        lag(0.999),
        r.lag.max() as f64 / 1000.0,
        resp.value_at_quantile(0.5) as f64 / 1000.0,
        resp.value_at_quantile(0.99) as f64 / 1000.0,
        r.on_time,
        r.started
    );
    drop(server);
}

/// Answers at once; counts executions across the pool and notes the RSS at chosen counts.
#[derive(Clone)]
struct Fake {
    done: Arc<AtomicU64>,
    marks: Arc<Mutex<Vec<(u64, f64)>>>,
    at: &'static [u64],
}

struct FakeExec(Fake, u32);

impl Connector for Fake {
    type Exec = FakeExec;
    async fn open(&self, _worker: usize) -> Result<FakeExec, cutover_workloads::Error> {
        Ok(FakeExec(self.clone(), 0))
    }
}

impl Executor for FakeExec {
    async fn execute<'a>(&'a mut self, _job: Job<'a>) -> Result<(), ExecError> {
        let n = self.0.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.0.at.contains(&n) {
            self.0.marks.lock().unwrap().push((n, rss_mb()));
        }
        // Let the other workers and the reporter run now and then, as a real reply would.
        self.1 = self.1.wrapping_add(1);
        if self.1.is_multiple_of(16) {
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), ExecError> {
        Ok(())
    }
}

fn fake(at: &'static [u64]) -> Fake {
    Fake { done: Arc::new(AtomicU64::new(0)), marks: Arc::new(Mutex::new(Vec::new())), at }
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// 10M queries, closed loop, 8 workers, 10 templates, fake executor: RSS along the way.
fn memory(rt: &tokio::runtime::Runtime) {
    const MARKS: &[u64] = &[1_000_000, 5_000_000, 10_000_000];
    let f = fake(MARKS);
    let w = workload("concurrency = 8\nwarmup = \"0s\"", "count = 10000000", 10);
    let before = rss_mb();
    let started = Instant::now();
    let r = rt.block_on(run(&w, &f));
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(r.totals().ok, 10_000_000);
    let marks = f.marks.lock().unwrap().clone();
    let shown: Vec<String> = marks.iter().map(|(n, mb)| format!("{}M: {mb:.1} MB", n / 1_000_000)).collect();
    println!(
        "memory_10m_queries (fake executor, 10 templates, closed loop 8): RSS before {before:.1} MB, {} \
         (goal: flat); {secs:.1} s, {:.0} units/s",
        shown.join(", "),
        10_000_000.0 / secs
    );
}

/// 1 vs 1,000 templates: engine throughput with the fake executor, and one interval's drain.
fn templates(rt: &tokio::runtime::Runtime) {
    const N: u64 = 2_000_000;
    let mut rates = Vec::new();
    for k in [1usize, 1000] {
        let w = workload("concurrency = 8\nwarmup = \"0s\"", &format!("count = {N}"), k);
        let f = fake(&[]);
        let started = Instant::now();
        let r = rt.block_on(run(&w, &f));
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(r.totals().ok, N);
        rates.push(N as f64 / secs);
        println!(
            "templates_{k}: {:.0} units/s ({:.2} µs per unit of engine time, 8 workers on 2 cores)",
            N as f64 / secs,
            secs * 1e6 / N as f64
        );
    }
    println!("templates_1000_vs_1: {:.3} of the 1-template rate (goal: no slowdown)", rates[1] / rates[0]);
    drain_1000();
}

/// One interval with 1,000 templates, each with 50 units spread from 100 µs to 100 ms.
fn fill_interval(rec: &mut Recorder) {
    for tag in 0..1000 {
        for j in 0..50u64 {
            let done = Duration::from_micros(100 + j * j * 40);
            let t = Timing { intended: Duration::ZERO, sent: Duration::from_micros(j), done };
            rec.record(tag, &j, t, Ok(()));
        }
    }
}

/// The reporter's drain with 1,000 templates: the part under the recorder's lock (recycle the
/// spares, swap), first interval and steady state, and the part outside it (empty for reuse).
fn drain_1000() {
    let tags: Vec<String> = (0..1000).map(|i| format!("t{i}")).collect();
    let mut rec = Recorder::new(tags, Duration::ZERO, Duration::from_millis(10));
    fill_interval(&mut rec);
    let started = Instant::now();
    let first = rec.drain();
    let first_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut spares = first.into_spares();
    let mut steady = Vec::new();
    let mut outside = Vec::new();
    for _ in 0..5 {
        fill_interval(&mut rec);
        let started = Instant::now();
        rec.recycle(spares);
        let drained = rec.drain();
        steady.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(drained.histograms.len(), 1000);
        let started = Instant::now();
        spares = drained.into_spares();
        outside.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "templates_1000_drain: under the recorder lock {:.3} ms per interval (median of 5; first interval \
         {first_ms:.2} ms, new histograms); emptying for reuse outside the lock {:.2} ms",
        median(&mut steady),
        median(&mut outside)
    );
}

fn main() {
    support::run_parts(&[("open", open), ("memory", memory), ("templates", templates)]);
}
