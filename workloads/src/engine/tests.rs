//! Scheduling and latency maths with a fake executor on tokio's paused (virtual) clock.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::ProgressBar;
use tokio::sync::watch;

use super::*;
use crate::clock::TokioClock;
use crate::executor::{Connector, ExecError, Executor, Job};
use crate::report::Reporter;

const MS: Duration = Duration::from_millis(1);

/// A server that answers in `service`, except that everything sent during `[from, to)` waits
/// until `to` and then takes `service`.
#[derive(Clone)]
struct FakeServer {
    clock: TokioClock,
    service: Duration,
    stall: Option<(Duration, Duration)>,
    fail_sql_containing: Option<(&'static str, u32)>,
    calls: Arc<AtomicU64>,
    /// The first this-many calls fail with a deadlock (1205, transient).
    transient_failures: Arc<AtomicU64>,
}

impl Executor for FakeServer {
    async fn execute<'a>(&'a mut self, job: Job<'a>) -> Result<(), ExecError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let now = self.clock.now();
        let finish = match self.stall {
            Some((from, to)) if now >= from && now < to => to + self.service,
            _ => now + self.service,
        };
        self.clock.sleep_until(finish).await;
        if self
            .transient_failures
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(ExecError {
                number: Some(1205),
                kind: "transient".into(),
                message: "chosen as deadlock victim".into(),
                broken: false,
                retryable: true,
            });
        }
        if let Some((needle, number)) = self.fail_sql_containing
            && job.statements.iter().any(|s| s.sql.contains(needle))
        {
            return Err(ExecError {
                number: Some(number),
                kind: "invalid_object".into(),
                message: "Invalid object name".into(),
                broken: false,
                retryable: false,
            });
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), ExecError> {
        Ok(())
    }
}

impl Connector for FakeServer {
    type Exec = FakeServer;
    async fn open(&self, _worker: usize) -> Result<FakeServer, crate::Error> {
        Ok(self.clone())
    }
}

fn server(clock: TokioClock) -> FakeServer {
    FakeServer {
        clock,
        service: MS,
        stall: None,
        fail_sql_containing: None,
        calls: Arc::new(AtomicU64::new(0)),
        transient_failures: Arc::new(AtomicU64::new(0)),
    }
}

fn workload(load: &str, stop: &str, extra: &str) -> Workload {
    let text = format!(
        r#"
[workload]
name = "t"
seed = 7
{load}
{stop}
{extra}

[[template]]
name = "a"
weight = 3
sql = "SELECT 1 FROM a WHERE id = @id"
[template.params]
id = {{ type = "int", min = 1, max = 100 }}

[[template]]
name = "b"
weight = 1
sql = "SELECT 2 FROM b"
"#
    );
    Workload::parse("test.toml", &text, Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

async fn run(w: &Workload, shard: Shard, fake: &FakeServer, stop: watch::Receiver<bool>) -> RunResult {
    let clock = fake.clock;
    let reporter =
        Reporter::new(Duration::from_secs(1), None, ProgressBar::hidden(), std::time::SystemTime::now())
            .unwrap();
    run_workload(w, shard, fake, move || clock, stop, reporter).await.unwrap()
}

fn no_stop() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    std::mem::forget(tx);
    rx
}

fn merged(
    result: &RunResult,
    kind: fn(&crate::recorder::TagHistograms) -> &hdrhistogram::Histogram<u64>,
) -> hdrhistogram::Histogram<u64> {
    let mut all = crate::recorder::histogram();
    for h in &result.totals {
        all.add(kind(h)).unwrap();
    }
    all
}

/// The quantile of sorted values as HdrHistogram defines it (rank ⌈q·n⌉).
fn quantile(sorted: &[u64], q: f64) -> u64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
    sorted[rank - 1]
}

fn close(got: u64, expected: u64) -> bool {
    // HdrHistogram with 3 significant digits: within 0.1 %, plus a microsecond.
    got.abs_diff(expected) as f64 <= expected as f64 * 0.001 + 1.0
}

/// The coordinated-omission test. Open loop at R = 100/s for D = 10 s over one connection
/// that normally answers in s = 1 ms; the server stalls for S = 2 s from t = 3 s. The
/// expected latencies come from a FIFO single-server model (Lindley's recursion) of the same
/// schedule: start_i = max(i/R, done_{i-1}), done_i = stall(start_i) + s.
#[tokio::test(start_paused = true)]
async fn a_stall_shows_in_response_time_and_not_in_service_time() {
    let (rate, duration, s) = (100u64, 10u64, MS);
    let (stall_from, stall_to) = (Duration::from_secs(3), Duration::from_secs(5));
    let mut fake = server(TokioClock::start());
    fake.stall = Some((stall_from, stall_to));
    let w = workload(
        &format!("rate = {rate}\narrival = \"fixed\"\nconnections = 1"),
        &format!("duration = \"{duration}s\""),
        "",
    );
    let result = run(&w, Shard::ALL, &fake, no_stop()).await;

    // The model.
    let n = rate * duration;
    let (mut response, mut service, mut done) = (Vec::new(), Vec::new(), Duration::ZERO);
    for i in 0..n {
        let arrival = Duration::from_secs_f64(i as f64 / rate as f64);
        let start = arrival.max(done);
        let finish = if start >= stall_from && start < stall_to { stall_to + s } else { start + s };
        done = finish;
        response.push((finish - arrival).as_micros() as u64);
        service.push((finish - start).as_micros() as u64);
    }
    response.sort_unstable();
    service.sort_unstable();

    let totals = result.totals();
    assert_eq!(totals.ok, n, "every scheduled unit ran: {totals:?}");
    assert_eq!(totals.skipped + totals.cancelled + totals.errors, 0);
    let got_response = merged(&result, |h| &h.response);
    let got_service = merged(&result, |h| &h.service);
    for q in [0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
        let (g, e) = (got_response.value_at_quantile(q), quantile(&response, q));
        assert!(close(g, e), "response p{q}: got {g} µs, model {e} µs");
        let (g, e) = (got_service.value_at_quantile(q), quantile(&service, q));
        assert!(close(g, e), "service p{q}: got {g} µs, model {e} µs");
    }
    // In words: about a fifth of the run waited behind the stall, so response p90 is near 1 s
    // and p99 near S; service time is the 1 ms the server took for every unit but the one
    // caught in the stall.
    assert!(got_response.value_at_quantile(0.99) > 1_800_000, "{}", got_response.value_at_quantile(0.99));
    assert!(got_response.value_at_quantile(0.90) > 900_000);
    assert!(got_service.value_at_quantile(0.999) <= 1_001, "{}", got_service.value_at_quantile(0.999));
    assert!(got_service.max() >= 2_000_000, "the one unit in flight at the stall saw it");
    // The schedule lag shows the stall too, and fidelity is below 1.
    assert!(result.lag.value_at_quantile(0.99) > 1_800_000);
    assert!(result.on_time < result.started && result.started == n);
}

/// The same stall in a closed loop hides: one worker stops sending while the server stalls, so
/// only one unit sees it (this is why closed-loop latency is service time).
#[tokio::test(start_paused = true)]
async fn a_closed_loop_omits_the_stall() {
    let mut fake = server(TokioClock::start());
    fake.stall = Some((Duration::from_secs(3), Duration::from_secs(5)));
    let w = workload("concurrency = 1", "duration = \"10s\"", "think_time = \"9ms\"");
    let result = run(&w, Shard::ALL, &fake, no_stop()).await;
    let response = merged(&result, |h| &h.response);
    assert_eq!(response.value_at_quantile(0.99), response.highest_equivalent(1_000));
    assert!(response.max() >= 2_000_000);
    // 8 s of 10 ms cycles, plus the one stalled unit.
    assert!((800..=802).contains(&result.totals().ok), "{:?}", result.totals());
}

#[tokio::test(start_paused = true)]
async fn a_fixed_rate_keeps_the_schedule_exactly_while_the_server_keeps_up() {
    let fake = server(TokioClock::start());
    let w = workload(
        "rate = \"2000/s\"\narrival = \"fixed\"\nconnections = 4",
        "duration = \"5s\"",
        "warmup = \"1s\"",
    );
    let result = run(&w, Shard::ALL, &fake, no_stop()).await;
    let totals = result.totals();
    assert_eq!(totals.ok, 8_000, "{totals:?}");
    assert_eq!(totals.warmup, 2_000);
    assert_eq!(result.on_time, result.started);
    // tokio's timers tick in whole milliseconds: a unit due at 0.5 ms is sent at 1 ms.
    assert!(result.lag.max() <= 1_000, "lag within the timer's resolution: {}", result.lag.max());
    assert!(merged(&result, |h| &h.response).max() <= 2_000);
    assert_eq!(
        merged(&result, |h| &h.service).max(),
        merged(&result, |h| &h.service).highest_equivalent(1_000)
    );
}

#[tokio::test(start_paused = true)]
async fn poisson_arrivals_average_the_rate() {
    let fake = server(TokioClock::start());
    let w = workload("rate = 500\narrival = \"poisson\"\nconnections = 4", "duration = \"20s\"", "");
    let result = run(&w, Shard::ALL, &fake, no_stop()).await;
    let n = result.totals().ok as f64;
    // Poisson count over 20 s at 500/s: mean 10 000, sd 100; allow 4 sd.
    assert!((n - 10_000.0).abs() < 400.0, "{n}");
}

#[tokio::test(start_paused = true)]
async fn max_lag_skips_and_counts_what_cannot_start_in_time() {
    let mut fake = server(TokioClock::start());
    fake.stall = Some((Duration::from_secs(1), Duration::from_secs(2)));
    let w =
        workload("rate = 100\narrival = \"fixed\"\nconnections = 1", "count = 400", "max_lag = \"100ms\"");
    let result = run(&w, Shard::ALL, &fake, no_stop()).await;
    let totals = result.totals();
    assert!(totals.skipped > 80, "{totals:?}");
    assert_eq!(totals.ok + totals.skipped, 400, "nothing dropped silently: {totals:?}");
    assert!(merged(&result, |h| &h.response).max() <= 1_100_000);
}

#[tokio::test(start_paused = true)]
async fn errors_are_counted_per_template_and_number() {
    let mut fake = server(TokioClock::start());
    fake.fail_sql_containing = Some(("FROM b", 208));
    let w = workload("concurrency = 2", "count = 400", "");
    let result = run(&w, Shard::ALL, &fake, no_stop()).await;
    let b = &result.counts[1];
    assert!(b.errors > 50 && b.ok == 0, "{b:?}");
    assert_eq!(b.errors_by_number.get("208"), Some(&b.errors));
    assert_eq!(result.counts[0].errors, 0);
    assert_eq!(result.totals().ok + result.totals().errors, 400);
}

#[tokio::test(start_paused = true)]
async fn shards_are_disjoint_and_merge_to_the_unsharded_totals() {
    for load in ["rate = 1000\nconnections = 2", "concurrency = 3"] {
        let w = workload(load, "count = 3000", "");
        let fake = server(TokioClock::start());
        let whole = run(&w, Shard::ALL, &fake, no_stop()).await;
        let mut per_template = vec![0u64; 2];
        let mut response = crate::recorder::histogram();
        for index in 0..3 {
            let fake = server(TokioClock::start());
            let part = run(&w, Shard { index, count: 3 }, &fake, no_stop()).await;
            assert_eq!(part.totals().ok, 1000, "{load}");
            for (i, c) in part.counts.iter().enumerate() {
                per_template[i] += c.ok;
            }
            response.add(merged(&part, |h| &h.response)).unwrap();
        }
        let whole_counts: Vec<u64> = whole.counts.iter().map(|c| c.ok).collect();
        assert_eq!(per_template, whole_counts, "{load}");
        assert_eq!(response.len(), merged(&whole, |h| &h.response).len());
    }
}

#[tokio::test(start_paused = true)]
async fn stopping_finishes_in_flight_work_and_counts_the_rest() {
    let mut fake = server(TokioClock::start());
    fake.service = Duration::from_millis(50);
    let w = workload("rate = 200\narrival = \"fixed\"\nconnections = 2", "duration = \"60s\"", "");
    let (tx, rx) = watch::channel(false);
    let clock = fake.clock;
    tokio::spawn(async move {
        clock.sleep_until(Duration::from_secs(2)).await;
        tx.send(true).unwrap();
        std::future::pending::<()>().await;
    });
    let result = run(&w, Shard::ALL, &fake, rx).await;
    assert!(result.interrupted);
    let totals = result.totals();
    assert!(result.elapsed < Duration::from_millis(2_100), "{:?}", result.elapsed);
    assert_eq!(totals.ok, fake.calls.load(Ordering::Relaxed), "every unit sent was recorded");
    assert!(totals.cancelled > 0, "queued units are counted as cancelled: {totals:?}");
}

fn one_template(retries: &str) -> Workload {
    let text = format!(
        "[workload]\nname = \"r\"\nseed = 1\nconcurrency = 1\ncount = 5\n\n\
         [[template]]\nname = \"q\"\nsql = \"SELECT 1 FROM missing_or_not\"\n{retries}\n"
    );
    Workload::parse("retry.toml", &text, Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

/// `retries = 2`: the first unit meets three deadlocks in a row, is sent three times and then
/// counted as one error; the rest succeed first time.
#[tokio::test(start_paused = true)]
async fn transient_errors_are_retried_only_where_configured() {
    let fake = server(TokioClock::start());
    fake.transient_failures.store(3, Ordering::Relaxed);
    let result = run(&one_template("retries = 2"), Shard::ALL, &fake, no_stop()).await;
    let totals = result.totals();
    assert_eq!((totals.ok, totals.errors, totals.retries), (4, 1, 2), "{totals:?}");
    assert_eq!(totals.errors_by_number["1205"], 1);
    assert_eq!(fake.calls.load(Ordering::Relaxed), 7);

    // Without `retries`, nothing is sent twice.
    let fake = server(TokioClock::start());
    fake.transient_failures.store(3, Ordering::Relaxed);
    let result = run(&one_template(""), Shard::ALL, &fake, no_stop()).await;
    let totals = result.totals();
    assert_eq!((totals.ok, totals.errors, totals.retries), (2, 3, 0), "{totals:?}");
    assert_eq!(fake.calls.load(Ordering::Relaxed), 5);

    // A retried unit that then succeeds counts once, with its time spanning both attempts.
    let fake = server(TokioClock::start());
    fake.transient_failures.store(1, Ordering::Relaxed);
    let result = run(&one_template("retries = 1"), Shard::ALL, &fake, no_stop()).await;
    let totals = result.totals();
    assert_eq!((totals.ok, totals.errors, totals.retries), (5, 0, 1), "{totals:?}");
    assert_eq!(
        merged(&result, |h| &h.service).max(),
        merged(&result, |h| &h.service).highest_equivalent(2_000)
    );

    // Errors that are not transient are never retried.
    let mut fake = server(TokioClock::start());
    fake.fail_sql_containing = Some(("missing", 208));
    let result = run(&one_template("retries = 3"), Shard::ALL, &fake, no_stop()).await;
    assert_eq!((result.totals().errors, result.totals().retries), (5, 0));
    assert_eq!(fake.calls.load(Ordering::Relaxed), 5);
}

#[test]
fn retries_out_of_range_fail_with_file_and_line() {
    let text = "[workload]\nname = \"r\"\nconcurrency = 1\ncount = 5\n\n\
                [[template]]\nname = \"q\"\nsql = \"SELECT 1\"\nretries = 99\n";
    let e = Workload::parse("retry.toml", text, Path::new(".")).unwrap_err().to_string();
    assert!(e.starts_with("retry.toml:9:") && e.contains("retries"), "{e}");
}

/// Answers at once and notes when each call came, on the real clock.
#[derive(Clone)]
struct Stopwatch {
    clock: crate::clock::SystemClock,
    calls: Arc<std::sync::Mutex<Vec<Duration>>>,
}

impl Executor for Stopwatch {
    async fn execute<'a>(&'a mut self, _job: Job<'a>) -> Result<(), ExecError> {
        self.calls.lock().unwrap().push(self.clock.now());
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), ExecError> {
        Ok(())
    }
}

impl Connector for Stopwatch {
    type Exec = Stopwatch;
    async fn open(&self, _worker: usize) -> Result<Stopwatch, crate::Error> {
        Ok(self.clone())
    }
}

async fn run_real(w: &Workload, fake: &Stopwatch, stop: watch::Receiver<bool>) -> RunResult {
    let clock = fake.clock.clone();
    run_workload(w, Shard::ALL, fake, move || clock, stop, Reporter::silent(Duration::from_secs(1)))
        .await
        .unwrap()
}

/// On the real clock the open loop's sleeps end on the clock's timer thread (precise sleeps):
/// every unit still runs, and none before it is due. By time t only the units due by t were handed
/// out, so the k-th call (in time order) comes no earlier than unit k's intended start k/R.
#[tokio::test(flavor = "multi_thread")]
async fn on_the_real_clock_every_unit_is_sent_and_none_early() {
    let clock = crate::clock::SystemClock::start();
    let fake = Stopwatch { clock, calls: Arc::default() };
    let (rate, n) = (2_000u64, 300u64);
    let w = workload(
        &format!("rate = {rate}\narrival = \"fixed\"\nconnections = 4"),
        &format!("count = {n}"),
        "",
    );
    let result = run_real(&w, &fake, no_stop()).await;
    assert_eq!(result.totals().ok, n, "{:?}", result.totals());
    let mut calls = fake.calls.lock().unwrap().clone();
    calls.sort_unstable();
    for (k, at) in calls.iter().enumerate() {
        let due = Duration::from_secs_f64(k as f64 / rate as f64);
        assert!(*at >= due, "call {k} at {at:?}, before unit {k} was due at {due:?}");
    }
}

/// A stop ends a real-clock open loop promptly even when the next arrival is far off: the
/// dispatcher stops waiting for the timer thread at once.
#[tokio::test(flavor = "multi_thread")]
async fn a_stop_ends_a_real_clock_open_loop_between_distant_arrivals() {
    let fake = Stopwatch { clock: crate::clock::SystemClock::start(), calls: Arc::default() };
    let w = workload("rate = \"1/s\"\narrival = \"fixed\"\nconnections = 1", "duration = \"60s\"", "");
    let (tx, rx) = watch::channel(false);
    let started = std::time::Instant::now();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.send(true).unwrap();
        tx
    });
    let result = run_real(&w, &fake, rx).await;
    let _tx = stopper.await.unwrap();
    assert!(result.interrupted);
    assert_eq!(result.totals().ok, 1, "the unit due at 0 ran, the next (at 1 s) did not");
    assert!(started.elapsed() < Duration::from_secs(1), "stopped after {:?}", started.elapsed());
}
