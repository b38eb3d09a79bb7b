//! The summary per metric over a run: min, avg, p50, p95, p99, max per (instance, family,
//! metric, labels), over the values stored in the baseline. Each series holds a bounded
//! [`Sketch`] (exact min, max, avg; percentiles within [`crate::sketch::RELATIVE_ERROR`]), so
//! memory does not grow with run length; per-label series of waits and files are summarised too.

use std::collections::BTreeMap;

pub use cutover_baseline::Summary;
use cutover_baseline::labels;

use crate::sample::Point;
use crate::sketch::Sketch;

/// (instance, family, metric, labels).
type SeriesKey = (String, &'static str, String, String);

/// A sketch per series.
#[derive(Debug, Default)]
pub struct Summaries {
    series: BTreeMap<SeriesKey, (&'static str, Sketch)>,
}

impl Summaries {
    pub fn record(&mut self, instance: &str, p: &Point) {
        let key = (instance.to_string(), p.family, p.metric.clone(), labels::encode(&p.labels));
        self.series.entry(key).or_insert_with(|| (p.unit, Sketch::default())).1.add(p.value);
    }

    /// Every series' summary.
    pub fn summarise(&self) -> Vec<Summary> {
        self.series
            .iter()
            .filter_map(|((instance, family, metric, labels), (unit, sketch))| {
                let s = sketch.stats()?;
                Some(Summary {
                    instance: instance.clone(),
                    family: family.to_string(),
                    metric: metric.clone(),
                    labels: labels.clone(),
                    unit: unit.to_string(),
                    count: sketch.count() as usize,
                    min: s[0],
                    avg: s[1],
                    p50: s[2],
                    p95: s[3],
                    p99: s[4],
                    max: s[5],
                })
            })
            .collect()
    }

    /// Series held.
    pub fn series(&self) -> usize {
        self.series.len()
    }

    /// Sketch buckets held over every series (the memory bench): bounded per series, and
    /// flat once a series has seen its range, whatever the run length.
    pub fn buckets_held(&self) -> usize {
        self.series.values().map(|(_, s)| s.buckets()).sum()
    }
}

/// The summary as a terminal table: the series without labels (instance-wide metrics), each
/// value in its unit for people (`6.3 MB`, `0.510 ms`, `120/s`).
pub fn render(summaries: &[Summary]) -> String {
    let mut out = format!(
        "{:<16} {:<34} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11}\n",
        "instance", "metric", "min", "avg", "p50", "p95", "p99", "max"
    );
    for s in summaries.iter().filter(|s| s.labels.is_empty()) {
        let [min, avg, p50, p95, p99, max] =
            [s.min, s.avg, s.p50, s.p95, s.p99, s.max].map(|v| cutover_common::units::show(v, &s.unit));
        out.push_str(&format!(
            "{:<16} {:<34} {min:>11} {avg:>11} {p50:>11} {p95:>11} {p99:>11} {max:>11}\n",
            s.instance, s.metric
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::RELATIVE_ERROR;

    fn point(value: f64) -> Point {
        Point {
            family: "perf_counters",
            metric: "batch_requests".into(),
            labels: Default::default(),
            value,
            unit: "1/s",
        }
    }

    #[test]
    fn p95_within_the_stated_error_and_memory_flat_with_run_length() {
        let mut s = Summaries::default();
        let mut after_a_day = 0;
        // Two days at 15 s: a daily cycle 100..1100 requests/s.
        for i in 0..11_520u32 {
            let v = 600.0 + 500.0 * (f64::from(i) * std::f64::consts::TAU / 5_760.0).sin();
            s.record("src", &point(v));
            if i == 5_759 {
                after_a_day = s.buckets_held();
            }
        }
        assert!(s.buckets_held() <= after_a_day + 2, "{after_a_day} → {}", s.buckets_held());
        let sum = &s.summarise()[0];
        assert_eq!(sum.count, 11_520);
        // The exact p95 of 600 + 500 sin over whole cycles is 600 + 500 sin(0.45 π).
        let want = 600.0 + 500.0 * (0.45 * std::f64::consts::PI).sin();
        assert!((sum.p95 - want).abs() <= RELATIVE_ERROR * want + 0.5, "{} vs {want}", sum.p95);
        assert!((sum.min - 100.0).abs() < 0.01 && (sum.max - 1100.0).abs() < 0.01);
    }

    #[test]
    fn the_terminal_table_shows_values_in_their_units() {
        let mut s = Summaries::default();
        for (metric, unit, value) in [
            ("tempdb_free_bytes", "bytes", 6_291_456.0),
            ("io_stall", "seconds", 0.00051),
            ("waits", "1", 3.0),
        ] {
            s.record(
                "src",
                &Point { family: "f", metric: metric.into(), labels: Default::default(), value, unit },
            );
        }
        let table = render(&s.summarise());
        let line = |m: &str| table.lines().find(|l| l.contains(m)).unwrap_or_default().to_string();
        assert!(line("tempdb_free_bytes").contains("6.3 MB"), "{table}");
        assert!(line("io_stall").contains("0.510 ms"), "{table}");
        assert!(line("waits").trim_end().ends_with(" 3"), "{table}");
    }
}
