//! Synthetic inputs with known properties, written by the real writers: baselines through the
//! format's own [`BaselineWriter`], replay logs in the replay's interval-log format. Used by the
//! tests (known regressions must give exactly the expected verdicts; noise alone must pass)
//! and by the benchmark (24 h at 1 s, 200 metrics a side). Deterministic for a seed.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use cutover_baseline::{BaselineError, BaselineWriter, InstanceInfo, Row, labels};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};

/// The workspace's one seeded generator: the same data for a seed in every version, which the
/// report snapshots rely on.
pub use cutover_common::rng::SplitMix64 as Rng;

/// Label pairs, sorted by key.
pub type Labels = Vec<(&'static str, String)>;

/// One synthetic series: a mean and a relative noise (standard deviation / mean).
#[derive(Clone, Debug)]
pub struct SynthSeries {
    pub family: &'static str,
    pub metric: String,
    pub labels: Labels,
    pub unit: &'static str,
    pub mean: f64,
    pub noise: f64,
}

impl SynthSeries {
    pub fn new(
        family: &'static str,
        metric: &str,
        labels: &[(&'static str, &str)],
        unit: &'static str,
        mean: f64,
        noise: f64,
    ) -> Self {
        SynthSeries {
            family,
            metric: metric.into(),
            labels: labels.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            unit,
            mean,
            noise,
        }
    }
}

/// One synthetic query: per-execution figures and executions per query interval.
#[derive(Clone, Debug)]
pub struct SynthQuery {
    pub hash: String,
    pub text: String,
    pub executions: f64,
    pub cpu_ms: f64,
    pub duration_ms: f64,
    pub reads: f64,
    pub noise: f64,
    /// Query intervals the query appears in (0: all).
    pub max_intervals: usize,
    /// Its query_plan_hash.
    pub plan: String,
}

/// A synthetic baseline.
#[derive(Clone, Debug)]
pub struct SynthBaseline {
    pub instance: String,
    pub start: NaiveDateTime,
    pub interval_ms: i64,
    pub rounds: usize,
    /// Rounds per Parquet part (the collector flushes every minute).
    pub flush_every: usize,
    /// Query stats every this many rounds.
    pub query_every: usize,
    pub series: Vec<SynthSeries>,
    pub queries: Vec<SynthQuery>,
    pub seed: u64,
    /// `baseline.json`'s `configuration` for the instance (Managed Instance caps).
    pub configuration: Option<serde_json::Value>,
}

impl SynthBaseline {
    /// Writes the baseline folder with the format's writer.
    pub fn write(&self, dir: &Path) -> Result<(), BaselineError> {
        let mut w = BaselineWriter::create(dir, serde_json::json!({"synthetic": true}), false, self.start)?;
        w.doc.instances.push(InstanceInfo {
            name: self.instance.clone(),
            query_text: self.queries.iter().map(|q| (q.hash.clone(), q.text.clone())).collect(),
            query_plans: self.queries.iter().map(|q| (q.hash.clone(), [q.plan.clone()].into())).collect(),
            configuration: self.configuration.clone(),
            ..Default::default()
        });
        let mut rng = Rng::new(self.seed);
        let instance: Arc<str> = Arc::from(self.instance.as_str());
        let series_labels: Vec<String> = self.series.iter().map(|s| labels::encode(&s.labels)).collect();
        for i in 0..self.rounds {
            let at = self.start + Duration::milliseconds(self.interval_ms * i as i64);
            let timestamp = at.and_utc().timestamp_millis();
            for (s, labels) in self.series.iter().zip(&series_labels) {
                w.push(Row {
                    timestamp,
                    instance: instance.clone(),
                    family: s.family,
                    metric: s.metric.clone(),
                    labels: labels.clone(),
                    value: (s.mean * (1.0 + s.noise * rng.normal())).max(0.0),
                    unit: s.unit,
                });
            }
            if self.query_every > 0 && i % self.query_every == 0 && i > 0 {
                let nth = i / self.query_every;
                for q in self.queries.iter().filter(|q| q.max_intervals == 0 || nth <= q.max_intervals) {
                    for (metric, value, unit, labels) in query_points(q, &mut rng) {
                        w.push(Row {
                            timestamp,
                            instance: instance.clone(),
                            family: "query_stats",
                            metric,
                            labels,
                            value,
                            unit,
                        });
                    }
                }
            }
            if (i + 1) % self.flush_every.max(1) == 0 {
                w.flush()?;
            }
        }
        let end = self.start + Duration::milliseconds(self.interval_ms * self.rounds as i64);
        w.finish(end, true)
    }
}

/// One query interval's rows of `q`: (metric, value, unit, labels).
fn query_points(q: &SynthQuery, rng: &mut Rng) -> Vec<(String, f64, &'static str, String)> {
    let execs = q.executions.round().max(1.0);
    let jitter = |rng: &mut Rng| (1.0 + q.noise * rng.normal()).max(0.05);
    let (cpu, dur) = (q.cpu_ms * jitter(rng) / 1e3, q.duration_ms * jitter(rng) / 1e3);
    let labels = labels::encode(&[("query_hash", q.hash.as_str())]);
    [
        ("query_executions", execs, "1"),
        ("query_cpu_seconds", cpu * execs, "seconds"),
        ("query_duration_seconds", dur * execs, "seconds"),
        ("query_avg_cpu_seconds", cpu, "seconds"),
        ("query_avg_duration_seconds", dur, "seconds"),
        ("query_logical_reads", q.reads * execs, "1"),
        ("query_physical_reads", 0.0, "1"),
        ("query_writes", 0.0, "1"),
        ("query_rows", execs, "1"),
    ]
    .into_iter()
    .map(|(metric, value, unit)| (metric.to_string(), value, unit, labels.clone()))
    .collect()
}

/// One synthetic replay template: log-normal latency around a median (µs).
#[derive(Clone, Debug)]
pub struct SynthTemplate {
    pub name: String,
    pub median_us: f64,
    /// Log-space standard deviation.
    pub spread: f64,
    pub per_second: u64,
    pub errors: Vec<(String, u64)>,
}

/// Writes a replay folder (`latency.hlog`, `summary.json`, `run.json`) as `cutover replay`
/// lays it out, for `seconds` one-second intervals.
pub fn write_replay(dir: &Path, templates: &[SynthTemplate], seconds: u64, seed: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::new(seed);
    let mut log = Vec::new();
    let mut ser = V2DeflateSerializer::new();
    let start = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600);
    IntervalLogWriterBuilder::new()
        .with_start_time(start)
        .with_base_time(start)
        .begin_log_with(&mut log, &mut ser)
        .map_err(std::io::Error::other)?;
    let mut totals: Vec<Histogram<u64>> = templates.iter().map(|_| Histogram::new(3).unwrap()).collect();
    for s in 0..seconds {
        let mut w = IntervalLogWriterBuilder::new()
            .begin_log_with(&mut log, &mut ser)
            .map_err(std::io::Error::other)?;
        for (t, total) in templates.iter().zip(totals.iter_mut()) {
            let mut h = Histogram::<u64>::new(3).unwrap();
            h.auto(true);
            for _ in 0..t.per_second {
                let v = (t.median_us * (t.spread * rng.normal()).exp()).max(1.0) as u64;
                h.record(v).map_err(|e| std::io::Error::other(format!("{e:?}")))?;
            }
            total.auto(true);
            total.add(&h).map_err(|e| std::io::Error::other(format!("{e:?}")))?;
            for kind in ["response", "service"] {
                let tag = format!("{}.{kind}", t.name);
                w.write_histogram(
                    &h,
                    std::time::Duration::from_secs(s),
                    std::time::Duration::from_secs(1),
                    Tag::new(&tag),
                )
                .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
            }
        }
    }
    std::fs::write(dir.join("latency.hlog"), log)?;
    let tmpl: Vec<serde_json::Value> = templates
        .iter()
        .zip(&totals)
        .map(|(t, h)| {
            let errors: u64 = t.errors.iter().map(|e| e.1).sum();
            serde_json::json!({
                "name": t.name, "ok": h.len(), "errors": errors, "late": 0, "skipped": 0, "cancelled": 0,
                "warmup": 0, "retries": 0,
                "errors_by_number": t.errors.iter().map(|(k, v)| (k.clone(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
                "response_us": {"count": h.len()}, "service_us": {"count": h.len()}
            })
        })
        .collect();
    let summary = serde_json::json!({"schema": "cutover.replay.summary/1", "totals": {}, "lag_us": {}, "templates": tmpl});
    std::fs::write(dir.join("summary.json"), serde_json::to_string_pretty(&summary)?)?;
    let run = serde_json::json!({"schema": "cutover.replay.run/1", "status": "complete", "workload": {"kind": "workload", "name": "synthetic"},
        "started_at": "2026-01-01T00:00:00Z", "measured_s": seconds as f64});
    std::fs::write(dir.join("run.json"), serde_json::to_string_pretty(&run)?)?;
    Ok(())
}

/// The scenarios the tests and the README use: an on-premises source and Managed Instance
/// targets with known differences.
pub mod scenario {
    use super::*;

    fn q(
        hash: &str,
        text: &str,
        executions: f64,
        cpu_ms: f64,
        duration_ms: f64,
        max_intervals: usize,
    ) -> SynthQuery {
        SynthQuery {
            hash: hash.into(),
            text: text.into(),
            executions,
            cpu_ms,
            duration_ms,
            reads: 10.0,
            noise: 0.05,
            max_intervals,
            plan: format!("{hash}00"),
        }
    }

    /// The source: SQL Server on premises, 120 one-second rounds, query stats every 5.
    pub fn source(seed: u64) -> SynthBaseline {
        let s = SynthSeries::new;
        SynthBaseline {
            instance: "sql01".into(),
            start: chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap().naive_utc(),
            interval_ms: 1000,
            rounds: 120,
            flush_every: 60,
            query_every: 5,
            series: vec![
                s("cpu", "cpu_sql_percent", &[], "percent", 40.0, 0.1),
                s(
                    "file_stats",
                    "io_read_latency_seconds",
                    &[("database", "shop"), ("file", "shop"), ("file_type", "ROWS")],
                    "seconds",
                    0.0005,
                    0.2,
                ),
                s(
                    "file_stats",
                    "io_write_latency_seconds",
                    &[("database", "shop"), ("file", "shop_log"), ("file_type", "LOG")],
                    "seconds",
                    0.0003,
                    0.2,
                ),
                s(
                    "file_stats",
                    "io_reads",
                    &[("database", "shop"), ("file", "shop"), ("file_type", "ROWS")],
                    "1/s",
                    200.0,
                    0.1,
                ),
                s("perf_counters", "page_life_expectancy_seconds", &[], "seconds", 5000.0, 0.05),
                s("perf_counters", "batch_requests", &[], "1/s", 300.0, 0.1),
                s("perf_counters", "log_flushed_bytes", &[], "bytes/s", 2_000_000.0, 0.1),
                s("waits", "wait_time_seconds", &[("wait_type", "PAGEIOLATCH_SH")], "seconds/s", 0.02, 0.3),
                s("waits", "wait_time_seconds", &[("wait_type", "WRITELOG")], "seconds/s", 0.01, 0.3),
                s(
                    "waits",
                    "wait_time_seconds",
                    &[("wait_type", "SOS_SCHEDULER_YIELD")],
                    "seconds/s",
                    0.05,
                    0.2,
                ),
                s("waits", "wait_time_seconds", &[("wait_type", "SLEEP_TASK")], "seconds/s", 0.9, 0.1),
            ],
            queries: vec![
                q("0x01", "SELECT name FROM dbo.customers WHERE customer_id = 42", 100.0, 0.1, 0.2, 0),
                q("0x02", "SELECT region, SUM(total) FROM dbo.orders GROUP BY region", 20.0, 40.0, 50.0, 0),
                q("0x03", "SELECT * FROM dbo.products WHERE price > 10", 30.0, 4.0, 5.0, 0),
                q("0x04", "EXEC dbo.monthly_close", 3.0, 100.0, 200.0, 3),
                q("0x05", "UPDATE dbo.orders SET status = 'paid' WHERE order_id = 7", 50.0, 0.5, 1.0, 0),
            ],
            seed,
            configuration: None,
        }
    }

    /// The target as Managed Instance General Purpose with the same load and only noise:
    /// CPU from sys.server_resource_stats, opaque file names, same figures, a 25 MiB/s log cap.
    pub fn target_same(seed: u64) -> SynthBaseline {
        let mut t = source(seed);
        t.instance = "mi-prod".into();
        t.configuration = Some(serde_json::json!({
            "resource_governance": [{"instance_cap_cpu": 8, "instance_max_log_rate": 26_214_400, "instance_max_worker_threads": 1640}]
        }));
        for s in &mut t.series {
            if s.family == "cpu" {
                *s = SynthSeries::new(
                    "resource_stats",
                    "cpu_percent",
                    &[("sku", "GP_Gen5")],
                    "percent",
                    s.mean,
                    s.noise,
                );
            }
            for (k, v) in &mut s.labels {
                if *k == "file" {
                    *v = if v.ends_with("_log") { "log".into() } else { "data_0".into() };
                }
            }
        }
        t
    }

    /// The target with known regressions: data reads at 12 ms, log writes at 4 ms,
    /// PAGEIOLATCH ×15, WRITELOG ×10, log writes at 24 MB/s against the 25 MiB/s cap, query 0x02 60% slower with a new plan, query 0x03 50%
    /// more CPU, query 0x05 re-hashed (matched by text).
    pub fn target_regressed(seed: u64) -> SynthBaseline {
        let mut t = target_same(seed);
        for s in &mut t.series {
            let wait = s.labels.first().map(|l| l.1.as_str()).unwrap_or("");
            match (s.metric.as_str(), wait) {
                ("io_read_latency_seconds", _) => s.mean = 0.012,
                ("io_write_latency_seconds", _) => s.mean = 0.004,
                ("wait_time_seconds", "PAGEIOLATCH_SH") => s.mean = 0.3,
                ("wait_time_seconds", "WRITELOG") => s.mean = 0.1,
                ("log_flushed_bytes", _) => s.mean = 24_000_000.0,
                _ => {}
            }
        }
        for q in &mut t.queries {
            match q.hash.as_str() {
                "0x02" => {
                    q.duration_ms = 80.0;
                    q.plan = "0x02ff".into();
                }
                "0x03" => q.cpu_ms = 6.0,
                "0x05" => {
                    q.hash = "0x55".into();
                    q.text = "UPDATE dbo.orders SET status = 'shipped' WHERE order_id = 9".into();
                }
                _ => {}
            }
        }
        t
    }

    /// Replay templates: a point read, a report and a write.
    pub fn templates() -> Vec<SynthTemplate> {
        let t = |name: &str, median_us: f64, per_second: u64| SynthTemplate {
            name: name.into(),
            median_us,
            spread: 0.3,
            per_second,
            errors: Vec::new(),
        };
        vec![t("customer_by_id", 400.0, 40), t("revenue_report", 20_000.0, 5), t("new_order", 1_200.0, 20)]
    }

    /// The target's templates: new_order 4× slower with deadlocks (1205); the rest the same.
    pub fn templates_regressed() -> Vec<SynthTemplate> {
        let mut t = templates();
        t[2].median_us *= 4.0;
        t[2].errors = vec![("1205".into(), 12)];
        t
    }
}

/// 200 metrics as a busy server has them: CPU, 12 databases × 2 files × 6 file metrics,
/// 40 wait types, 15 performance counters (the benchmark's shape).
pub fn two_hundred_series(scale: f64) -> Vec<SynthSeries> {
    let mut v = vec![SynthSeries::new("cpu", "cpu_sql_percent", &[], "percent", 40.0 * scale, 0.1)];
    for d in 0..12 {
        let db = format!("db{d:02}");
        for (file, ty) in [("data", "ROWS"), ("log", "LOG")] {
            let f = format!("{db}_{file}");
            let l: [(&'static str, &str); 3] = [("database", &db), ("file", &f), ("file_type", ty)];
            for (m, unit, mean) in [
                ("io_reads", "1/s", 100.0),
                ("io_read_bytes", "bytes/s", 8e5),
                ("io_writes", "1/s", 50.0),
                ("io_written_bytes", "bytes/s", 4e5),
                ("io_read_latency_seconds", "seconds", 0.0008),
                ("io_write_latency_seconds", "seconds", 0.0005),
            ] {
                v.push(SynthSeries::new("file_stats", m, &l, unit, mean * scale, 0.2));
            }
        }
    }
    for w in 0..40 {
        let name = match w {
            0 => "PAGEIOLATCH_SH".to_string(),
            1 => "WRITELOG".to_string(),
            2 => "SOS_SCHEDULER_YIELD".to_string(),
            n => format!("LCK_M_X{n}"),
        };
        v.push(SynthSeries::new(
            "waits",
            "wait_time_seconds",
            &[("wait_type", &name)],
            "seconds/s",
            0.01 * scale,
            0.3,
        ));
    }
    for c in 0..15 {
        let counter = format!("Counter {c}/sec");
        v.push(SynthSeries::new(
            "perf_counters",
            "perf_counter",
            &[("counter", &counter), ("counter_instance", ""), ("object", "SQL Statistics")],
            "1/s",
            100.0 * scale,
            0.1,
        ));
    }
    v.truncate(200);
    v
}

/// A day at one-second intervals with [`two_hundred_series`] (about 17M points).
pub fn day_at_one_second(instance: &str, scale: f64, seed: u64) -> SynthBaseline {
    SynthBaseline {
        instance: instance.into(),
        start: chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap().naive_utc(),
        interval_ms: 1000,
        rounds: 86_400,
        flush_every: 60,
        query_every: 0,
        series: two_hundred_series(scale),
        queries: Vec::new(),
        seed,
        configuration: None,
    }
}
