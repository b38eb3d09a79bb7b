//! The summary per metric over a run: min, avg, p50, p95, p99, max per (instance, family,
//! metric, labels), over the values stored in the baseline. Values are kept per series in
//! memory (a 24 h run at 15 s is 5,760 values per series); per-label series of waits and
//! files are summarised too.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::baseline::labels_text;
use crate::sample::Point;

/// One series' summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub instance: String,
    pub family: String,
    pub metric: String,
    pub labels: String,
    pub unit: String,
    pub count: usize,
    pub min: f64,
    pub avg: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// (instance, family, metric, labels).
type SeriesKey = (String, &'static str, String, String);

/// Values per series (f32 to keep the memory of long runs small).
#[derive(Debug, Default)]
pub struct Summaries {
    series: BTreeMap<SeriesKey, (&'static str, Vec<f32>)>,
}

impl Summaries {
    pub fn record(&mut self, instance: &str, p: &Point) {
        let key = (instance.to_string(), p.family, p.metric.clone(), labels_text(&p.labels));
        self.series.entry(key).or_insert_with(|| (p.unit, Vec::new())).1.push(p.value as f32);
    }

    /// Every series' summary.
    pub fn summarise(&self) -> Vec<Summary> {
        self.series
            .iter()
            .filter_map(|((instance, family, metric, labels), (unit, values))| {
                let s = stats(values)?;
                Some(Summary {
                    instance: instance.clone(),
                    family: family.to_string(),
                    metric: metric.clone(),
                    labels: labels.clone(),
                    unit: unit.to_string(),
                    count: values.len(),
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

    /// Values held (for the memory bench).
    pub fn values_held(&self) -> usize {
        self.series.values().map(|(_, v)| v.len()).sum()
    }
}

/// [min, avg, p50, p95, p99, max] by nearest rank; `None` for no values.
pub fn stats(values: &[f32]) -> Option<[f64; 6]> {
    if values.is_empty() {
        return None;
    }
    let mut v: Vec<f64> = values.iter().map(|x| f64::from(*x)).filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    let avg = v.iter().sum::<f64>() / v.len() as f64;
    Some([v[0], avg, rank(0.50), rank(0.95), rank(0.99), v[v.len() - 1]])
}

/// The summary as a terminal table: the series without labels (instance-wide metrics).
pub fn render(summaries: &[Summary]) -> String {
    let mut out = format!(
        "{:<12} {:<34} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11}  unit\n",
        "instance", "metric", "min", "avg", "p50", "p95", "p99", "max"
    );
    for s in summaries.iter().filter(|s| s.labels.is_empty()) {
        out.push_str(&format!(
            "{:<12} {:<34} {:>11.3} {:>11.3} {:>11.3} {:>11.3} {:>11.3} {:>11.3}  {}\n",
            s.instance, s.metric, s.min, s.avg, s.p50, s.p95, s.p99, s.max, s.unit
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f32> = (1..=100).map(|x| x as f32).collect();
        assert_eq!(stats(&v).unwrap(), [1.0, 50.5, 50.0, 95.0, 99.0, 100.0]);
        assert_eq!(stats(&[]), None);
    }

    proptest! {
        #[test]
        fn summary_is_ordered(v in proptest::collection::vec(-1e6f32..1e6, 1..200)) {
            let s = stats(&v).unwrap();
            prop_assert!(s[0] <= s[2] && s[2] <= s[3] && s[3] <= s[4] && s[4] <= s[5]);
            prop_assert!(s[0] <= s[1] + 1e-3 && s[1] <= s[5] + 1e-3);
        }
    }
}
