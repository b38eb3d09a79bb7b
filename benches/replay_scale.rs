//! The replay engine at scale (issue 5): open-loop rate accuracy and schedule lag, memory over
//! 10M queries, and 1,000 templates.
//!
//! ```sh
//! cargo bench --bench replay_scale              # everything below
//! cargo bench --bench replay_scale -- open      # 2,000/s open loop against the simulator, 20 s
//! cargo bench --bench replay_scale -- memory    # RSS at 1M, 5M and 10M queries (fake executor)
//! cargo bench --bench replay_scale -- templates # 1 vs 1,000 templates: engine cost per unit,
//!                                               # and the reporter's interval (lock held)
//! ```
//!
//! `open` runs the whole engine (fixed arrivals, 8 connections, HdrHistograms, reporter) against
//! the in-process simulator with `SELECT 1`, 2 s warm-up then 20 s measured: achieved rate against
//! the target (goal within 1%) and the schedule-lag p99 (goal < 5 ms). `memory` and `templates`
//! use a fake executor that answers at once (no server), so the engine's own bookkeeping is all
//! that is measured: the planner, the recorder, the reporter building the histograms from
//! its samples. Its throughput is the engine's ceiling.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cutover_workloads::Workload;
use cutover_workloads::clock::SystemClock;
use cutover_workloads::engine::run_workload;
use cutover_workloads::executor::{Connector, ExecError, Executor, Job, MssqlConnector};
use cutover_workloads::histograms::Histograms;
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
    run_workload(w, Shard::ALL, connector, SystemClock::start, stop, reporter).await.expect("replay")
}

/// 2,000 queries/s open loop against the simulator. The simulator runs on its own runtime (its
/// own threads), as a server on another machine would: on the replay's runtime its query work
/// would delay the dispatcher's timer wake-ups, which is the simulator's cost, not the engine's.
fn open(rt: &tokio::runtime::Runtime) {
    let sim_rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let server = sim_rt.block_on(support::start_sim());
    let connector = MssqlConnector { target: support::bench_target(&server), database: None };
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
    sim_rt.block_on(async move { drop(server) });
}

/// Answers at once; counts executions across the pool and notes the RSS at chosen counts.
#[derive(Clone)]
struct Fake {
    done: Arc<AtomicU64>,
    marks: Arc<Mutex<Vec<(u64, f64)>>>,
    at: &'static [u64],
    /// Units at which to note the time (the steady-state window of `templates`).
    window: [u64; 2],
    times: Arc<Mutex<Vec<Instant>>>,
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
        if self.0.window.contains(&n) {
            self.0.times.lock().unwrap().push(Instant::now());
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
    Fake {
        done: Arc::new(AtomicU64::new(0)),
        marks: Arc::new(Mutex::new(Vec::new())),
        at,
        window: [0; 2],
        times: Arc::new(Mutex::new(Vec::new())),
    }
}

fn rss_mb() -> f64 {
    support::status_mb("VmRSS:")
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

/// Units per timed run of `templates` (about 1 s: short runs, many pairs, so that a change in
/// the machine's load hits both sides of a pair alike).
const TEMPLATE_RUN_UNITS: u64 = 3_000_000;
/// Alternating pairs of `templates` runs.
const TEMPLATE_PAIRS: usize = 15;

/// One `templates` run: units per second over the whole run (setup and teardown included)
/// and in the steady-state window (from the first quarter of the units to the last quarter:
/// setup and the last interval not included), and process CPU µs per unit over the whole run.
struct TemplateRun {
    whole: f64,
    steady: f64,
    cpu: f64,
}

/// One closed-loop run of `n` units over `k` templates with the fake executor.
fn template_run(rt: &tokio::runtime::Runtime, k: usize, n: u64) -> TemplateRun {
    let w = workload("concurrency = 8\nwarmup = \"0s\"", &format!("count = {n}"), k);
    let mut f = fake(&[]);
    f.window = [n / 4, n - n / 4];
    let cpu0 = support::process_cpu_secs();
    let started = Instant::now();
    let r = rt.block_on(run(&w, &f));
    let secs = started.elapsed().as_secs_f64();
    let cpu = support::process_cpu_secs() - cpu0;
    assert_eq!(r.totals().ok, n);
    let times = f.times.lock().unwrap().clone();
    let steady = (n - 2 * (n / 4)) as f64 / (times[1] - times[0]).as_secs_f64();
    TemplateRun { whole: n as f64 / secs, steady, cpu: cpu * 1e6 / n as f64 }
}

/// 1 vs 1,000 templates: engine throughput with the fake executor in alternating pairs (the
/// order flips each pair), the median of the pairwise rate ratios, steady state and whole run;
/// then one interval of 1,000 templates. `REPLAY_SCALE_TEMPLATES=K [REPLAY_SCALE_N=N]` runs K templates
/// once and exits (for `valgrind --tool=callgrind` or `perf record`).
fn templates(rt: &tokio::runtime::Runtime) {
    if let Some(k) = std::env::var("REPLAY_SCALE_TEMPLATES").ok().and_then(|v| v.parse().ok()) {
        let n =
            std::env::var("REPLAY_SCALE_N").ok().and_then(|v| v.parse().ok()).unwrap_or(TEMPLATE_RUN_UNITS);
        let r = template_run(rt, k, n);
        println!(
            "templates_{k}: {n} units, {:.0} units/s (steady state {:.0}), {:.3} µs CPU per unit",
            r.whole, r.steady, r.cpu
        );
        return;
    }
    let n = TEMPLATE_RUN_UNITS;
    let (mut one, mut many) = (Vec::new(), Vec::new());
    for i in 0..TEMPLATE_PAIRS {
        if i % 2 == 0 {
            one.push(template_run(rt, 1, n));
            many.push(template_run(rt, 1000, n));
        } else {
            many.push(template_run(rt, 1000, n));
            one.push(template_run(rt, 1, n));
        }
    }
    let pick = |v: &[TemplateRun], f: fn(&TemplateRun) -> f64| support::median(v.iter().map(f).collect());
    for (k, runs) in [(1, &one), (1000, &many)] {
        println!(
            "templates_{k}: steady state {:.0} units/s, whole run {:.0} units/s, {:.3} µs CPU per unit (median of \
             {TEMPLATE_PAIRS} runs of {n}; fake executor, 8 workers)",
            pick(runs, |r| r.steady),
            pick(runs, |r| r.whole),
            pick(runs, |r| r.cpu)
        );
    }
    for (name, f) in [
        ("steady state", (|r: &TemplateRun| r.steady) as fn(&TemplateRun) -> f64),
        ("whole run", |r| r.whole),
    ] {
        let mut ratios: Vec<f64> = one.iter().zip(&many).map(|(a, b)| f(b) / f(a)).collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "templates_1000_vs_1 ({name}): {:.3} of the 1-template rate (median of {TEMPLATE_PAIRS} alternating \
             pairs; range {:.3}..{:.3}; goal >= 0.9)",
            ratios[TEMPLATE_PAIRS / 2],
            ratios[0],
            ratios[TEMPLATE_PAIRS - 1]
        );
    }
    interval_1000();
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

/// The reporter's interval with 1,000 templates, as `Reporter::run` does it: under the
/// recorder's lock it swaps sample buffers; outside it, it records the samples into the
/// interval's histograms, adds them to the totals and empties them. The first interval
/// (histograms growing) and the median of the next 5.
fn interval_1000() {
    let tags: Vec<String> = (0..1000).map(|i| format!("t{i}")).collect();
    let mut rec = Recorder::new(tags, Duration::ZERO, Duration::from_millis(10));
    let (mut interval, mut totals) = (Histograms::new(1000), Histograms::new(1000));
    let mut spare = Vec::new();
    let (mut under, mut outside) = (Vec::new(), Vec::new());
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    for _ in 0..6 {
        fill_interval(&mut rec);
        let t = Instant::now();
        let taken = rec.take(std::mem::take(&mut spare));
        under.push(ms(t));
        let t = Instant::now();
        interval.absorb(&taken.samples);
        assert_eq!(interval.active().count(), 1000);
        totals.add(&interval);
        interval.clear();
        spare = taken.samples;
        spare.clear();
        outside.push(ms(t));
    }
    let (first_under, first_outside) = (under.remove(0), outside.remove(0));
    println!(
        "templates_1000_interval: under the recorder lock {:.4} ms per interval (median of 5; first interval \
         {first_under:.4} ms); outside the lock (record 50,000 samples, add to totals, empty) {:.2} ms (first \
         {first_outside:.2} ms)",
        support::median(under),
        support::median(outside)
    );
}

fn main() {
    support::run_parts(&[("open", open), ("memory", memory), ("templates", templates)]);
}
