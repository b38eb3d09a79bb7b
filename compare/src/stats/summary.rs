//! [`Stats`]: count, avg, p50, p95, p99 and max of a window of samples. Percentiles are the
//! nearest-rank values (as the collector's summary), selected in O(n).

use serde::{Deserialize, Serialize};

/// One side's summary of a series over its window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub count: u64,
    pub avg: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Stats {
    /// The statistic called `name` (`avg`, `p50`, `p95`, `p99`, `max`).
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "avg" | "mean" => Some(self.avg),
            "p50" | "median" => Some(self.p50),
            "p95" => Some(self.p95),
            "p99" => Some(self.p99),
            "max" => Some(self.max),
            _ => None,
        }
    }
}

/// The names [`Stats::get`] knows.
pub const STAT_NAMES: &[&str] = &["avg", "p50", "p95", "p99", "max"];

/// Summarises `values` (NaNs dropped); reorders the slice.
pub fn summarise(values: &mut Vec<f64>) -> Stats {
    values.retain(|v| v.is_finite());
    let n = values.len();
    if n == 0 {
        return Stats::default();
    }
    let avg = values.iter().sum::<f64>() / n as f64;
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let mut rank = |q: f64| {
        let k = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        *values.select_nth_unstable_by(k, f64::total_cmp).1
    };
    let (p50, p95, p99) = (rank(0.50), rank(0.95), rank(0.99));
    Stats { count: n as u64, avg, p50, p95, p99, max }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = summarise(&mut v);
        assert_eq!((s.count, s.p50, s.p95, s.p99, s.max), (100, 50.0, 95.0, 99.0, 100.0));
        assert!((s.avg - 50.5).abs() < 1e-9);
        assert_eq!(summarise(&mut vec![f64::NAN]).count, 0);
    }
}
