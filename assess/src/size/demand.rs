//! The demand a baseline shows: one series per metric (one value per sample time, summed over
//! files or databases where that is the meaning), summarised at the chosen percentile and at
//! the peak. The table [`METRICS`] names each metric, its unit and how it is built.

use std::collections::BTreeMap;

use serde::Serialize;

use super::baseline::{Baseline, Sample};
use super::metrics::{GIB, METRICS, MIB};
use super::unknown::Unknown;

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
    /// Seconds the baseline covers.
    pub seconds: f64,
    pub figures: Vec<Figure>,
    /// The metrics the baseline cannot give, and what would provide them.
    pub unknown: Vec<Unknown>,
}

impl Demand {
    pub fn get(&self, metric: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.metric == metric)
    }

    /// The value at the percentile (None when the baseline cannot give it: unknown, not 0).
    pub fn at(&self, metric: &str) -> Option<f64> {
        self.get(metric).map(|f| f.at_percentile)
    }

    pub fn unknown(&self, metric: &str) -> Option<&Unknown> {
        self.unknown.iter().find(|u| u.metric == metric)
    }

    /// The mean over the run (None when the baseline lacks the metric).
    pub fn mean(&self, metric: &str) -> Option<f64> {
        self.get(metric).map(|f| f.mean)
    }

    pub fn peak(&self, metric: &str) -> f64 {
        self.get(metric).map_or(0.0, |f| f.peak)
    }
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
    let (mut figures, mut unknown) = (Vec::new(), Vec::new());
    for m in METRICS {
        let mut values: Vec<f64> =
            by_time.values().filter_map(|rows| (m.build)(rows, b)).filter(|v| v.is_finite()).collect();
        if values.is_empty() {
            unknown.push(super::unknown::explain(m, b));
            continue;
        }
        let peak = values.iter().copied().fold(f64::MIN, f64::max);
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let at = percentile(&mut values, p);
        figures.push(Figure {
            metric: m.key,
            unit: m.unit,
            what: m.what,
            at_percentile: at,
            mean,
            peak,
            samples: n,
        });
    }
    Demand { percentile: p, seconds: b.seconds(), figures, unknown }
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
