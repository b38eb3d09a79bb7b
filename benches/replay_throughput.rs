//! Replay engine throughput against a raw tiberius loop: `SELECT 1` at concurrency 8 against
//! the in-process simulator, both on the same 8 connections, in one run.
//!
//! `cargo bench --bench replay_throughput` runs two criterion benches (`raw_tiberius_loop`,
//! `replay_engine`: a closed loop of 8 workers through `run_workload`, HdrHistograms and all),
//! then alternates the two for 48 fixed-size rounds and prints `replay_vs_raw_ratio`, the
//! median of the pairwise engine/raw throughput ratios (target ≥ 0.95, figures in
//! BENCHMARKS.md), with the process CPU per query of each side. Both sides send the query the
//! same way: tiberius `query` (RPC, `sp_executesql`) with every row drained and none kept.
//!
//! `REPLAY_BENCH_ONLY=raw|engine REPLAY_BENCH_N=20000` runs one side once and exits, for
//! `valgrind --tool=callgrind` (instruction counts per query, repeatable on a noisy machine).

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cutover_mssql::{Connection, Encryption, Secret, ServerTarget};
use cutover_sim::server::SimServer;
use cutover_workloads::Workload;
use cutover_workloads::clock::SystemClock;
use cutover_workloads::engine::run_workload;
use cutover_workloads::executor::{Connector, ExecError, Executor, Job, MssqlExecutor};
use cutover_workloads::report::Reporter;
use cutover_workloads::units::Shard;
use futures_util::TryStreamExt;

const CONCURRENCY: usize = 8;
/// 48 pairs: one pair's ratio varies ±8% on this 2-core machine, so the median of 24 still
/// moved ±3% run to run.
const ROUNDS: usize = 48;
const ROUND_QUERIES: u64 = 10_000;

/// The 8 connections, lent to one side at a time.
type Pool = Arc<Mutex<Vec<Connection>>>;

async fn open_pool(server: &SimServer) -> Pool {
    let mut target = ServerTarget::new("127.0.0.1", server.local_addr().port());
    target.database = Some("bench".into());
    target.user = Some("bench".into());
    target.password = Some(Secret::new(support::PASSWORD));
    target.encryption = Encryption::NotSupported;
    let mut conns = Vec::with_capacity(CONCURRENCY);
    for _ in 0..CONCURRENCY {
        conns.push(cutover_mssql::connect(&target).await.expect("connect to the simulator"));
    }
    Arc::new(Mutex::new(conns))
}

fn take_all(pool: &Pool) -> Vec<Connection> {
    std::mem::take(&mut *pool.lock().unwrap())
}

/// `n` queries over the pool's connections, one task per connection, raw tiberius.
async fn raw_loop(pool: &Pool, n: u64) -> Duration {
    let remaining = Arc::new(AtomicU64::new(n));
    let started = Instant::now();
    let tasks: Vec<_> = take_all(pool)
        .into_iter()
        .map(|mut conn| {
            let remaining = remaining.clone();
            tokio::spawn(async move {
                while remaining
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| r.checked_sub(1))
                    .is_ok()
                {
                    let client = conn.client_mut();
                    let mut rows = client.query("SELECT 1", &[]).await.expect("query").into_row_stream();
                    while rows.try_next().await.expect("rows").is_some() {}
                }
                conn
            })
        })
        .collect();
    let mut back = Vec::with_capacity(CONCURRENCY);
    for t in tasks {
        back.push(t.await.expect("raw worker"));
    }
    let elapsed = started.elapsed();
    pool.lock().unwrap().extend(back);
    elapsed
}

/// Hands the pool's connections to the engine and takes them back when it drops them.
struct Lender(Pool);

struct Lent {
    exec: Option<MssqlExecutor>,
    pool: Pool,
}

impl Connector for Lender {
    type Exec = Lent;
    async fn open(&self, _worker: usize) -> Result<Lent, cutover_workloads::Error> {
        let conn = self.0.lock().unwrap().pop().expect("one connection per worker");
        Ok(Lent { exec: Some(MssqlExecutor::new(conn)), pool: self.0.clone() })
    }
}

impl Executor for Lent {
    async fn execute<'a>(&'a mut self, job: Job<'a>) -> Result<(), ExecError> {
        self.exec.as_mut().expect("lent").execute(job).await
    }

    async fn reset(&mut self) -> Result<(), ExecError> {
        self.exec.as_mut().expect("lent").reset().await
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(exec) = self.exec.take() {
            self.pool.lock().unwrap().push(exec.into_inner());
        }
    }
}

fn workload(n: u64) -> Workload {
    let text = format!(
        "[workload]\nname = \"trivial\"\nseed = 1\nconcurrency = {CONCURRENCY}\ncount = {n}\n\
         warmup = \"0s\"\n\n[[template]]\nname = \"one\"\nweight = 1\nsql = \"SELECT 1\"\n"
    );
    Workload::parse("replay_throughput (bench)", &text, Path::new(".")).expect("valid workload")
}

/// `n` queries through the replay engine (closed loop, 8 workers) on the pool's connections.
async fn engine(pool: &Pool, n: u64) -> Duration {
    let w = workload(n.max(1));
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let reporter = Reporter::silent(Duration::from_secs(1));
    let started = Instant::now();
    let result = run_workload(&w, Shard::ALL, &Lender(pool.clone()), SystemClock::start, stop, reporter)
        .await
        .expect("replay");
    let elapsed = started.elapsed();
    let totals = result.totals();
    assert_eq!(totals.ok, n.max(1), "every query succeeded: {totals:?}");
    assert_eq!(pool.lock().unwrap().len(), CONCURRENCY, "the engine gave every connection back");
    elapsed
}

/// One timed round: (queries per second, CPU µs per query).
fn timed(rt: &tokio::runtime::Runtime, f: impl std::future::Future<Output = Duration>) -> (f64, f64) {
    let cpu0 = support::process_cpu_secs();
    let wall = rt.block_on(f);
    let cpu = support::process_cpu_secs() - cpu0;
    (ROUND_QUERIES as f64 / wall.as_secs_f64(), cpu * 1e6 / ROUND_QUERIES as f64)
}

/// The ratio, measured in this run: alternating fixed-size rounds on the same connections (the
/// order flips each pair so neither side always runs first), the median of the pairwise ratios.
fn ratio(rt: &tokio::runtime::Runtime, pool: &Pool) {
    let (mut raw, mut replay, mut ratios, mut raw_cpu, mut replay_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let (r, e) = if i % 2 == 0 {
            let r = timed(rt, raw_loop(pool, ROUND_QUERIES));
            (r, timed(rt, engine(pool, ROUND_QUERIES)))
        } else {
            let e = timed(rt, engine(pool, ROUND_QUERIES));
            (timed(rt, raw_loop(pool, ROUND_QUERIES)), e)
        };
        ratios.push(e.0 / r.0);
        raw.push(r.0);
        replay.push(e.0);
        raw_cpu.push(r.1);
        replay_cpu.push(e.1);
    }
    println!(
        "raw_tiberius_queries_per_second {:.0} (SELECT 1, concurrency {CONCURRENCY})",
        support::median(raw)
    );
    println!("replay_engine_queries_per_second {:.0}", support::median(replay));
    println!(
        "cpu_us_per_query raw {:.2}, replay {:.2} (process CPU, simulator included)",
        support::median(raw_cpu),
        support::median(replay_cpu)
    );
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "replay_vs_raw_ratio {:.3} (median of {ROUNDS} alternating pairs of {ROUND_QUERIES}; quartiles {:.3}..{:.3}; \
         target >= 0.95)",
        support::median(ratios),
        sorted[ROUNDS / 4],
        sorted[ROUNDS * 3 / 4]
    );
}

/// `REPLAY_BENCH_ONLY=raw|engine [REPLAY_BENCH_N=20000]`: one side only, for a fixed count, then
/// exit (for `valgrind --tool=callgrind`, whose instruction counts repeat run to run).
fn only(rt: &tokio::runtime::Runtime, pool: &Pool, side: &str) {
    let n = std::env::var("REPLAY_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(ROUND_QUERIES);
    let took = match side {
        "raw" => rt.block_on(raw_loop(pool, n)),
        _ => rt.block_on(engine(pool, n)),
    };
    println!("{side}: {n} queries in {took:?}");
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = rt.block_on(support::start_sim());
    let pool = rt.block_on(open_pool(&server));
    if let Ok(side) = std::env::var("REPLAY_BENCH_ONLY") {
        only(&rt, &pool, &side);
        return;
    }

    let mut g = c.benchmark_group("replay_throughput");
    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    g.bench_function("raw_tiberius_loop", |b| b.iter_custom(|iters| rt.block_on(raw_loop(&pool, iters))));
    g.bench_function("replay_engine", |b| b.iter_custom(|iters| rt.block_on(engine(&pool, iters))));
    g.finish();

    if std::env::args().any(|a| a == "--bench") {
        ratio(&rt, &pool);
    }
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
