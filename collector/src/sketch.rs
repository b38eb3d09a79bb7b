//! A bounded quantile sketch with a relative-error guarantee (the DDSketch idea): each value
//! goes into a logarithmic bucket `ceil(ln|x| / ln γ)`, γ = (1 + α) / (1 − α), so any quantile is
//! returned within a relative error α of a value of that rank. Memory is one counter per
//! occupied bucket, at most [`MAX_BUCKETS`] per sign, whatever the run length: a 24 h run and a
//! 1-minute run hold about the same state. Count, sum, min and max are exact.

use std::collections::BTreeMap;

/// The relative accuracy of every quantile: 0.5 %.
pub const RELATIVE_ERROR: f64 = 0.005;

/// Magnitudes below this count as zero (a nanosecond, a nanobyte: below any unit we store).
const MIN_MAGNITUDE: f64 = 1e-9;

/// Buckets per sign at most: with α = 0.5 %, 1e-9 ..= 1e19 (i.e. the whole u64 range and well
/// beyond any byte count) spans about 6,450 buckets; the sketch collapses its lowest buckets if a
/// series ever exceeds this.
pub const MAX_BUCKETS: usize = 8192;

/// One series' sketch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sketch {
    positive: BTreeMap<i32, u64>,
    negative: BTreeMap<i32, u64>,
    zeros: u64,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

fn ln_gamma() -> f64 {
    ((1.0 + RELATIVE_ERROR) / (1.0 - RELATIVE_ERROR)).ln()
}

fn bucket(magnitude: f64) -> i32 {
    (magnitude.ln() / ln_gamma()).ceil() as i32
}

/// The value that represents a bucket: within α of everything in it.
fn representative(index: i32) -> f64 {
    let gamma = ln_gamma().exp();
    2.0 * gamma.powi(index) / (gamma + 1.0)
}

impl Sketch {
    /// Adds a value; NaN and infinities are ignored.
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.count == 0 {
            (self.min, self.max) = (x, x);
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.count += 1;
        self.sum += x;
        if x.abs() < MIN_MAGNITUDE {
            self.zeros += 1;
            return;
        }
        let store = if x > 0.0 { &mut self.positive } else { &mut self.negative };
        *store.entry(bucket(x.abs())).or_insert(0) += 1;
        if store.len() > MAX_BUCKETS {
            collapse_lowest(store);
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Occupied buckets (the sketch's memory, for the bench and the tests).
    pub fn buckets(&self) -> usize {
        self.positive.len() + self.negative.len() + usize::from(self.zeros > 0)
    }

    /// [min, avg, p50, p95, p99, max]; `None` for no values.
    pub fn stats(&self) -> Option<[f64; 6]> {
        if self.count == 0 {
            return None;
        }
        let avg = (self.sum / self.count as f64).clamp(self.min, self.max);
        Some([self.min, avg, self.quantile(0.50)?, self.quantile(0.95)?, self.quantile(0.99)?, self.max])
    }

    /// The value of nearest rank `ceil(q × count)`, within [`RELATIVE_ERROR`] (clamped to the
    /// exact min and max).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0u64;
        // Ascending: the most negative first (largest magnitude of the negative store).
        for (&i, &n) in self.negative.iter().rev() {
            seen += n;
            if seen >= rank {
                return Some((-representative(i)).clamp(self.min, self.max));
            }
        }
        seen += self.zeros;
        if seen >= rank {
            return Some(0.0_f64.clamp(self.min, self.max));
        }
        for (&i, &n) in &self.positive {
            seen += n;
            if seen >= rank {
                return Some(representative(i).clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }
}

/// Merges the two lowest buckets (only ever reached by a series spanning > 40 decades).
fn collapse_lowest(store: &mut BTreeMap<i32, u64>) {
    let mut keys = store.keys().copied();
    if let (Some(a), Some(b)) = (keys.next(), keys.next()) {
        let n = store.remove(&a).unwrap_or(0);
        *store.entry(b).or_insert(0) += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The exact nearest-rank value.
    fn exact(values: &[f64], q: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
    }

    fn within(got: f64, want: f64) -> bool {
        (got - want).abs() <= RELATIVE_ERROR * want.abs() + 1e-12
    }

    #[test]
    fn p95_within_half_a_percent_of_a_million_values_in_bounded_memory() {
        // A skewed latency-like series: 1 ms .. 10 s, deterministic.
        let mut s = Sketch::default();
        let mut values = Vec::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..1_000_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            let v = 0.001 * 10_000f64.powf(u * u);
            values.push(v);
            s.add(v);
        }
        for q in [0.5, 0.95, 0.99] {
            let (got, want) = (s.quantile(q).unwrap(), exact(&values, q));
            assert!(within(got, want), "q{q}: {got} vs {want}");
        }
        // 4 decades at 0.5 %: under 1,000 buckets for a million values.
        assert!(s.buckets() < 1_000, "{}", s.buckets());
        let buckets = s.buckets();
        for v in values.iter().take(100_000) {
            s.add(*v);
        }
        assert_eq!(s.buckets(), buckets, "more values, no more memory");
    }

    #[test]
    fn exact_min_max_avg_and_small_series() {
        let mut s = Sketch::default();
        assert_eq!(s.stats(), None);
        for v in 1..=100 {
            s.add(f64::from(v));
        }
        let st = s.stats().unwrap();
        assert_eq!((st[0], st[1], st[5]), (1.0, 50.5, 100.0));
        assert!(within(st[2], 50.0) && within(st[3], 95.0) && within(st[4], 99.0), "{st:?}");
        let mut one = Sketch::default();
        one.add(42.0);
        assert_eq!(one.stats().unwrap(), [42.0; 6]);
        one.add(f64::NAN);
        assert_eq!(one.count(), 1);
    }

    #[test]
    fn zeros_and_negatives() {
        let mut s = Sketch::default();
        for v in [-5.0, -1.0, 0.0, 0.0, 2.0] {
            s.add(v);
        }
        assert!(within(s.quantile(0.2).unwrap(), -5.0));
        assert!(within(s.quantile(0.4).unwrap(), -1.0));
        assert_eq!(s.quantile(0.6), Some(0.0));
        assert_eq!(s.quantile(1.0), Some(2.0));
    }

    proptest! {
        #[test]
        fn every_quantile_within_the_stated_error(
            v in proptest::collection::vec(prop_oneof![-1e9f64..1e9, 0.0f64..1.0, Just(0.0)], 1..300),
            q in 0.0f64..=1.0,
        ) {
            let mut s = Sketch::default();
            for x in &v { s.add(*x); }
            let (got, want) = (s.quantile(q).unwrap(), exact(&v, q));
            prop_assert!(
                within(got, want) || (want.abs() < MIN_MAGNITUDE && got.abs() < MIN_MAGNITUDE),
                "q{} got {} want {}", q, got, want
            );
            let st = s.stats().unwrap();
            prop_assert!(st[0] <= st[2] && st[2] <= st[3] && st[3] <= st[4] && st[4] <= st[5]);
        }
    }
}
