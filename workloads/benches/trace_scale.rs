//! Trace replay at real sizes (issue 17): synthetic captures written by the capture's own writer
//! (rotating parts, plain or zstd), streamed by the replay.
//!
//! ```sh
//! cargo bench -p cutover-workloads --bench trace_scale -- stream   # 1M and 10M events, plain and
//!                                                                 # zstd: peak RSS, events/s,
//!                                                                 # first event
//! cargo bench -p cutover-workloads --bench trace_scale -- read     # the reader alone
//! cargo bench -p cutover-workloads --bench trace_scale -- lag      # a 10-minute capture at 1x
//!                                                                 # against the simulator
//! ```
//!
//! A bench of `cutover-workloads`, not of the root package: it builds without the rest of the
//! workspace.
//!
//! `stream` replays with a fake executor that answers at once, at a speed factor so high that
//! every event is due at once: what is measured is the parse-and-schedule path (read, merge,
//! dispatch to one player per session, record), not a server. Peak RSS is the process's
//! high-water mark, reset before each run (`/proc/self/clear_refs`). `lag` runs the whole
//! replay (timer thread, connections, histograms) at 1x against the in-process simulator on a
//! runtime of its own. Files go to `TRACE_SCALE_DIR` (default: the system's temp folder) and are
//! deleted after each measurement. `TRACE_SCALE_EVENTS=N` replaces the 1M and 10M of `stream`;
//! `TRACE_SCALE_LAG_SECS=S` shortens `lag`.

#[path = "../../benches/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cutover_workloads::capture::convert::{ParamLine, RpcLine, TraceLine};
use cutover_workloads::capture::writer::{Identity, Rotation, TraceWriter};
use cutover_workloads::clock::SystemClock;
use cutover_workloads::executor::{Connector, ExecError, Executor, Job, MssqlConnector};
use cutover_workloads::report::Reporter;
use cutover_workloads::trace::engine::{TraceOutcome, TraceSettings, run_trace};
use cutover_workloads::trace::reading::Reading;
use cutover_workloads::trace::{Item, ReadOptions, Source, TraceStream};
use serde_json::json;

/// The capture's clock: 2026-03-01T09:00:00Z in µs since the epoch.
const EPOCH_US: i64 = 1_772_355_600_000_000;

fn dir(name: &str) -> PathBuf {
    let base = std::env::var("TRACE_SCALE_DIR").map(PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    let d = base.join(format!("cutover-trace-scale-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Event `i` of a synthetic application: `sessions` connections, `rate` events/s in total;
/// typed point lookups and range reads over 50 statement shapes, some batches with literals.
fn event(i: u64, sessions: u64, rate: u64) -> TraceLine {
    let session = (i % sessions) as i64 + 51;
    let start_us = EPOCH_US + (i * 1_000_000 / rate) as i64;
    let shape = i % 50;
    let mut line = TraceLine {
        session,
        start_us,
        database: Some("bench".into()),
        login: Some("bench".into()),
        duration_us: Some(200 + i % 900),
        cpu_us: Some(150 + i % 500),
        reads: Some(3 + i % 40),
        ..TraceLine::default()
    };
    match i % 10 {
        0..=6 => {
            line.rpc = Some(RpcLine {
                sql: format!(
                    "SELECT i.id, i.name, i.price, i.category FROM dbo.items AS i WHERE i.id = @P1 /* orders-api lookup {shape} */"
                ),
                params: vec![ParamLine {
                    name: "@P1".into(),
                    ty: "int".into(),
                    value: json!((i * 7919) % 1000 + 1),
                }],
            })
        }
        7 | 8 => {
            line.rpc = Some(RpcLine {
                sql: format!(
                    "SELECT TOP (20) id, name FROM dbo.items WHERE price >= @P1 AND name LIKE @P2 ORDER BY id /* range {shape} */"
                ),
                params: vec![
                    ParamLine {
                        name: "@P1".into(),
                        ty: "decimal(10,2)".into(),
                        value: json!(format!("{}.50", i % 90)),
                    },
                    ParamLine {
                        name: "@P2".into(),
                        ty: "nvarchar(40)".into(),
                        value: json!(format!("item {}%", i % 9)),
                    },
                ],
            })
        }
        _ => {
            line.batch =
                Some(format!("SELECT COUNT(*) FROM dbo.items WHERE price > {}.{:02}", i % 100, i % 97))
        }
    }
    line
}

/// Writes `events` events as `cutover capture` would: parts of `max_bytes`, plain or zstd.
/// Returns (files, bytes on disk, seconds).
fn generate(
    out: &Path,
    events: u64,
    sessions: u64,
    rate: u64,
    compress: bool,
    max_bytes: u64,
) -> (usize, u64, f64) {
    let started = Instant::now();
    let identity = Identity {
        capture: "cutover_capture_bench".into(),
        started_at: "2026-03-01T09:00:00Z".into(),
        source: Some("bench".into()),
    };
    let mut w =
        TraceWriter::create(out, Rotation { max_bytes, max_age: None, compress }, identity).expect("writer");
    for i in 0..events {
        w.write(&event(i, sessions, rate)).expect("write");
        if i % 100_000 == 99_999 {
            w.flush().expect("flush");
        }
    }
    w.finish().expect("finish");
    (w.files.len(), w.bytes_on_disk(), started.elapsed().as_secs_f64())
}

/// Resets the peak RSS (VmHWM) to the current RSS (Linux `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Answers at once; notes the time of the first event and the RSS at chosen counts.
#[derive(Clone)]
struct Fake {
    done: Arc<AtomicU64>,
    first: Arc<Mutex<Option<Instant>>>,
    marks: Arc<Mutex<Vec<(u64, f64)>>>,
    at: Vec<u64>,
}

struct FakeExec(Fake);

impl Connector for Fake {
    type Exec = FakeExec;
    async fn open(&self, _worker: usize) -> Result<FakeExec, cutover_workloads::Error> {
        Ok(FakeExec(self.clone()))
    }
}

impl Executor for FakeExec {
    async fn execute<'a>(&'a mut self, _job: Job<'a>) -> Result<(), ExecError> {
        let n = self.0.done.fetch_add(1, Ordering::Relaxed) + 1;
        if n == 1 {
            *self.0.first.lock().unwrap() = Some(Instant::now());
        }
        if self.0.at.contains(&n) {
            self.0.marks.lock().unwrap().push((n, support::status_mb("VmRSS:")));
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), ExecError> {
        Ok(())
    }
}

/// Replays `capture` with the fake executor, as fast as the path allows (no first pass).
fn replay_fake(rt: &tokio::runtime::Runtime, capture: &Path, fake: &Fake) -> (TraceOutcome, f64, f64) {
    let started = Instant::now();
    let out = rt.block_on(async {
        let source = Arc::new(Source::open(&[capture.to_path_buf()]).expect("capture"));
        let reading = Reading::spawn(TraceStream::new(source, ReadOptions::default()));
        let (_stop_tx, stop) = tokio::sync::watch::channel(false);
        let settings = TraceSettings::new(1e9);
        let reporter = Reporter::silent(Duration::from_secs(1));
        run_trace(reading, &settings, fake.clone(), SystemClock::start, stop, reporter, None)
            .await
            .expect("replay")
    });
    let secs = started.elapsed().as_secs_f64();
    let first = fake.first.lock().unwrap().map_or(f64::NAN, |t| (t - started).as_secs_f64());
    (out, secs, first)
}

/// 1M and 10M events, plain and zstd, 200 sessions: generate, replay with the fake executor,
/// note RSS along the way and the peak, delete.
fn stream(rt: &tokio::runtime::Runtime) {
    let sizes: Vec<u64> = match std::env::var("TRACE_SCALE_EVENTS").ok().and_then(|v| v.parse().ok()) {
        Some(n) => vec![n],
        None => vec![1_000_000, 10_000_000],
    };
    for &n in &sizes {
        for compress in [false, true] {
            let d = dir(&format!("stream-{n}-{compress}"));
            let max_bytes = if compress { 32_000_000 } else { 256_000_000 };
            let (files, bytes, gen_secs) = generate(&d, n, 200, 5_000, compress, max_bytes);
            let at = vec![n / 10, n / 2, n];
            let fake = Fake { done: Arc::default(), first: Arc::default(), marks: Arc::default(), at };
            let before = support::status_mb("VmRSS:");
            reset_peak();
            let cpu0 = support::cpu_secs_of("/proc/self/stat");
            let (out, secs, first) = replay_fake(rt, &d, &fake);
            let cpu_us = (support::cpu_secs_of("/proc/self/stat") - cpu0) * 1e6 / n as f64;
            let peak = support::status_mb("VmHWM:");
            let t = out.run.totals();
            assert_eq!((t.captured, t.ok), (n, n), "every event replayed");
            let marks: Vec<String> = fake
                .marks
                .lock()
                .unwrap()
                .iter()
                .map(|(k, mb)| format!("{:.1}M {mb:.0} MB", *k as f64 / 1e6))
                .collect();
            println!(
                "stream_{}_{}: {files} files, {:.2} GB on disk (written in {gen_secs:.0} s); replayed (fake executor, \
                 200 sessions) in {secs:.1} s = {:.0} events/s, {cpu_us:.2} µs CPU per event (process); first \
                 event sent {:.3} s after start; RSS before {before:.0} MB, at {}; peak {peak:.0} MB",
                human(n),
                if compress { "zstd" } else { "plain" },
                bytes as f64 / 1e9,
                n as f64 / secs,
                first,
                marks.join(", ")
            );
            let _ = std::fs::remove_dir_all(&d);
        }
    }
}

/// The reader alone on 1M events: lines parsed, merged and released per second.
fn read(_rt: &tokio::runtime::Runtime) {
    for compress in [false, true] {
        let d = dir(&format!("read-{compress}"));
        let (_, bytes, _) = generate(&d, 1_000_000, 200, 5_000, compress, 256_000_000);
        let started = Instant::now();
        let cpu0 = support::cpu_secs_of("/proc/self/stat");
        let source = Arc::new(Source::open(std::slice::from_ref(&d)).expect("capture"));
        let events =
            TraceStream::new(source, ReadOptions::default()).filter(|i| matches!(i, Item::Event(_))).count();
        let secs = started.elapsed().as_secs_f64();
        let cpu_us = (support::cpu_secs_of("/proc/self/stat") - cpu0) * 1e6 / events as f64;
        println!(
            "read_1M_{}: {events} events ({:.0} MB) read, merged and released in {secs:.2} s = {:.0} events/s \
             (one thread), {:.2} µs CPU per event",
            if compress { "zstd" } else { "plain" },
            bytes as f64 / 1e6,
            events as f64 / secs,
            cpu_us
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}

/// A capture of `TRACE_SCALE_LAG_SECS` (600) at 1,000 events/s over 50 sessions, replayed at 1x
/// against the simulator (its own runtime, as a server on another machine): schedule lag.
fn lag(rt: &tokio::runtime::Runtime) {
    let secs: u64 = std::env::var("TRACE_SCALE_LAG_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let rate = 1_000;
    let d = dir("lag");
    let (files, bytes, _) = generate(&d, secs * rate, 50, rate, true, 32_000_000);
    let sim_rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let server = sim_rt.block_on(async {
        let server = support::start_sim().await;
        let mut c = support::raw_client(&server).await;
        c.simple_query(
            "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, name nvarchar(40) NOT NULL, price decimal(10,2) NOT NULL, \
             category nvarchar(20) NOT NULL)",
        )
        .await
        .expect("create")
        .into_results()
        .await
        .expect("created");
        let values: Vec<String> =
            (1..=1000).map(|i| format!("({i}, N'item {}', {}.25, N'category {}')", i % 9, i % 100, i % 7)).collect();
        c.simple_query(format!("INSERT INTO dbo.items VALUES {}", values.join(",")))
            .await
            .expect("insert")
            .into_results()
            .await
            .expect("inserted");
        server
    });
    let connector = MssqlConnector { target: support::bench_target(&server), database: None };
    let started = Instant::now();
    let out = rt.block_on(async {
        let source = Arc::new(Source::open(std::slice::from_ref(&d)).expect("capture"));
        let reading = Reading::spawn(TraceStream::new(source, ReadOptions::default()));
        let (_stop_tx, stop) = tokio::sync::watch::channel(false);
        let reporter = Reporter::silent(Duration::from_secs(1));
        run_trace(reading, &TraceSettings::new(1.0), connector, SystemClock::start, stop, reporter, None)
            .await
            .expect("replay")
    });
    let wall = started.elapsed().as_secs_f64();
    let r = &out.run;
    let t = r.totals();
    let q = |x: f64| r.lag.value_at_quantile(x) as f64 / 1000.0;
    assert_eq!(t.errors, 0, "every statement runs on the bench table: {:?}", out.failed_examples.first());
    println!(
        "lag_{secs}s_at_1x: {} events ({files} zstd files, {:.0} MB), 50 sessions, 1,000 events/s against the \
         simulator; replayed in {wall:.1} s ({:.3}x the capture); ok {}, errors {}, late {}; schedule lag p50 \
         {:.3} ms, p99 {:.3} ms (goal < 5), p99.9 {:.3} ms, max {:.3} ms; fidelity {}/{}",
        t.captured,
        bytes as f64 / 1e6,
        wall / secs as f64,
        t.ok,
        t.errors,
        t.late,
        q(0.5),
        q(0.99),
        q(0.999),
        r.lag.max() as f64 / 1000.0,
        r.on_time,
        r.started
    );
    sim_rt.block_on(async move { drop(server) });
    let _ = std::fs::remove_dir_all(&d);
}

fn human(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) { format!("{}M", n / 1_000_000) } else { n.to_string() }
}

fn main() {
    support::run_parts(&[("stream", stream), ("read", read), ("lag", lag)]);
}
