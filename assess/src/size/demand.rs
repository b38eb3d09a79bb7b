//! The demand a baseline shows: one series per metric (one value per sample time, summed over
//! files or databases where that is the meaning), summarised at the chosen percentile and at
//! the peak. The table [`METRICS`] names each metric, its unit and how it is built.

use std::collections::BTreeMap;

use serde::Serialize;

use super::baseline::{Baseline, Sample};

const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = MIB * 1024.0;
const SYSTEM_DATABASES: &[&str] = &["master", "model", "msdb", "tempdb"];

/// One demand figure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    pub metric: &'static str,
    pub unit: &'static str,
    pub what: &'static str,
    /// At the chosen percentile of the sample times.
    pub at_percentile: f64,
    pub mean: f64,
    pub peak: f64,
    pub samples: usize,
}

/// The demand, by metric key.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Demand {
    pub percentile: f64,
    pub figures: Vec<Figure>,
}

impl Demand {
    pub fn get(&self, metric: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.metric == metric)
    }

    /// The value at the percentile (0 when the baseline lacks the metric).
    pub fn at(&self, metric: &str) -> f64 {
        self.get(metric).map_or(0.0, |f| f.at_percentile)
    }

    /// The mean over the run (None when the baseline lacks the metric).
    pub fn mean(&self, metric: &str) -> Option<f64> {
        self.get(metric).map(|f| f.mean)
    }

    pub fn peak(&self, metric: &str) -> f64 {
        self.get(metric).map_or(0.0, |f| f.peak)
    }
}

/// How a metric's per-time value is built from the samples at one time.
type Build = fn(&[&Sample], &Baseline) -> Option<f64>;

/// (key, unit, description, builder).
pub const METRICS: &[(&str, &str, &str, Build)] = &[
    ("cpu_cores", "cores", "cores in use (CPU % × cores)", cpu_cores),
    ("memory_gb", "GB", "memory SQL Server holds (Total Server Memory)", memory_gb),
    ("page_life_expectancy", "s", "page life expectancy", ple),
    ("iops", "IO/s", "data and log IOPS (reads + writes, all files)", iops),
    ("read_mib_s", "MiB/s", "read throughput", read_mib_s),
    ("write_mib_s", "MiB/s", "write throughput", write_mib_s),
    ("data_read_latency_ms", "ms", "data-file read latency the workload saw", data_read_latency),
    ("log_write_latency_ms", "ms", "log-file write latency the workload saw", log_write_latency),
    ("log_rate_mb_s", "MB/s", "log generation rate (Log Bytes Flushed/sec)", log_rate),
    ("tempdb_gb", "GB", "tempdb in use (version store + user + internal objects)", tempdb_used),
    ("tempdb_size_gb", "GB", "tempdb files' size", tempdb_size),
    ("data_gib", "GiB", "data files' size (user and msdb/model/master)", data_size),
    ("log_gib", "GiB", "log files' size", log_size),
];

fn of<'a>(
    rows: &'a [&'a Sample],
    family: &'a str,
    metric: &'a str,
) -> impl Iterator<Item = &'a &'a Sample> + 'a {
    rows.iter().filter(move |s| s.family == family && s.metric == metric)
}

fn sum(rows: &[&Sample], family: &str, metric: &str) -> Option<f64> {
    let mut it = of(rows, family, metric).peekable();
    it.peek()?;
    Some(it.map(|s| s.value).sum())
}

fn cpu_cores(rows: &[&Sample], b: &Baseline) -> Option<f64> {
    let vcores = of(rows, "resource_stats", "vcores").map(|s| s.value).next();
    let cores = vcores.or(b.instance.cpu_count)?;
    let pct = of(rows, "resource_stats", "cpu_percent")
        .map(|s| s.value)
        .next()
        .or_else(|| of(rows, "cpu", "cpu_sql_percent").map(|s| s.value).next())?;
    Some(pct / 100.0 * cores)
}

fn memory_gb(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    sum(rows, "perf_counters", "total_server_memory_bytes").map(|b| b / 1e9)
}

fn ple(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    of(rows, "perf_counters", "page_life_expectancy_seconds").map(|s| s.value).reduce(f64::min)
}

fn files<'a>(
    rows: &'a [&'a Sample],
    metric: &'a str,
    file_type: Option<&'a str>,
) -> impl Iterator<Item = &'a &'a Sample> + 'a {
    of(rows, "file_stats", metric).filter(move |s| {
        s.label("database") != "RBPEX" && file_type.is_none_or(|t| s.label("file_type") == t)
    })
}

fn iops(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    let r = sum(rows, "file_stats", "io_reads")?;
    Some(r + sum(rows, "file_stats", "io_writes").unwrap_or(0.0))
}

fn read_mib_s(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    sum(rows, "file_stats", "io_read_bytes").map(|b| b / MIB)
}

fn write_mib_s(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    sum(rows, "file_stats", "io_written_bytes").map(|b| b / MIB)
}

/// Σ stall / Σ operations over the files of one type at one time, in ms.
fn latency(rows: &[&Sample], stall: &str, ops: &str, file_type: &str) -> Option<f64> {
    let s: f64 = files(rows, stall, Some(file_type)).map(|s| s.value).sum();
    let n: f64 = files(rows, ops, Some(file_type)).map(|s| s.value).sum();
    (n > 0.0).then(|| s / n * 1000.0)
}

fn data_read_latency(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    latency(rows, "io_stall_read_seconds", "io_reads", "ROWS")
}

fn log_write_latency(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    latency(rows, "io_stall_write_seconds", "io_writes", "LOG")
}

fn log_rate(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    sum(rows, "perf_counters", "log_flushed_bytes").map(|b| b / 1e6)
}

fn tempdb_used(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    let parts = ["tempdb_version_store_bytes", "tempdb_user_object_bytes", "tempdb_internal_object_bytes"];
    let found: Vec<f64> = parts.iter().filter_map(|m| sum(rows, "tempdb", m)).collect();
    (!found.is_empty()).then(|| found.iter().sum::<f64>() / 1e9)
}

fn tempdb_size(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    let mut it = files(rows, "file_size_bytes", None).filter(|s| s.label("database") == "tempdb").peekable();
    it.peek()?;
    Some(it.map(|s| s.value).sum::<f64>() / 1e9)
}

fn size_of(rows: &[&Sample], file_type: &str) -> Option<f64> {
    let mut it = files(rows, "file_size_bytes", Some(file_type))
        .filter(|s| s.label("database") != "tempdb")
        .peekable();
    it.peek()?;
    Some(it.map(|s| s.value).sum::<f64>() / GIB)
}

fn data_size(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    size_of(rows, "ROWS")
}

fn log_size(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    size_of(rows, "LOG")
}

/// Nearest-rank percentile of `values` (sorted ascending in place).
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    values[rank.min(values.len()) - 1]
}

/// Every metric's per-time series, summarised.
pub fn demand(b: &Baseline, p: f64) -> Demand {
    let mut by_time: BTreeMap<i64, Vec<&Sample>> = BTreeMap::new();
    for s in &b.samples {
        by_time.entry(s.timestamp).or_default().push(s);
    }
    let mut figures = Vec::new();
    for (metric, unit, what, build) in METRICS {
        let mut values: Vec<f64> =
            by_time.values().filter_map(|rows| build(rows, b)).filter(|v| v.is_finite()).collect();
        if values.is_empty() {
            continue;
        }
        let peak = values.iter().copied().fold(f64::MIN, f64::max);
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let at = percentile(&mut values, p);
        figures.push(Figure { metric, unit, what, at_percentile: at, mean, peak, samples: n });
    }
    Demand { percentile: p, figures }
}

/// Per data file: (database, file, IOPS at p, MiB/s at p, size GiB at the last sample).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileDemand {
    pub database: String,
    pub file: String,
    pub file_type: String,
    pub iops: f64,
    pub mib_s: f64,
    pub size_gib: f64,
}

/// Demand per user/system database file (tempdb excluded: it is on local SSD on General Purpose).
pub fn file_demand(b: &Baseline, p: f64) -> Vec<FileDemand> {
    let mut series: BTreeMap<(String, String, String), BTreeMap<i64, [f64; 3]>> = BTreeMap::new();
    for s in b.samples.iter().filter(|s| {
        s.family == "file_stats" && s.label("database") != "tempdb" && s.label("database") != "RBPEX"
    }) {
        let slot = match s.metric.as_str() {
            "io_reads" | "io_writes" => 0,
            "io_read_bytes" | "io_written_bytes" => 1,
            "file_size_bytes" => 2,
            _ => continue,
        };
        let key =
            (s.label("database").to_string(), s.label("file").to_string(), s.label("file_type").to_string());
        series.entry(key).or_default().entry(s.timestamp).or_insert([0.0; 3])[slot] += s.value;
    }
    series
        .into_iter()
        .map(|((database, file, file_type), points)| {
            let mut io: Vec<f64> = points.values().map(|v| v[0]).collect();
            let mut mb: Vec<f64> = points.values().map(|v| v[1] / MIB).collect();
            let size = points.values().next_back().map_or(0.0, |v| v[2] / GIB);
            FileDemand {
                database,
                file,
                file_type,
                iops: percentile(&mut io, p),
                mib_s: percentile(&mut mb, p),
                size_gib: size,
            }
        })
        .filter(|f| !SYSTEM_DATABASES.contains(&f.database.as_str()) || f.iops > 0.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentile() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&mut v, 95.0), 95.0);
        assert_eq!(percentile(&mut v, 100.0), 100.0);
        assert_eq!(percentile(&mut [3.0], 50.0), 3.0);
        assert_eq!(percentile(&mut [], 50.0), 0.0);
    }
}
