//! `--sample PCT [--seed N]`: compare a seeded choice of each keyed table's key ranges instead
//! of the whole table.
//!
//! The source's keys are cut into `S` ranges at boundaries the source itself returns in key
//! order (`ROW_NUMBER() OVER (ORDER BY key)`, so its collation and uniqueidentifier order); the
//! seed and the table name pick `k ≈ S × PCT / 100` of them; each picked range is then compared
//! on both sides exactly as a full run compares a segment (checksums, bisection, merge). Both
//! sides see the same key ranges — nothing depends on TABLESAMPLE's page choice or on NEWID —
//! and the same seed over the same source picks the same ranges again. A sampled table that
//! matches is reported as `sampled`, never as `pass`, and the run's verdict as
//! `sample_identical`. Keyless tables have no ranges to pick and are compared in full.

use crate::compare::{Sides, Tuning, compare_range};
use crate::error::ValidateError;
use crate::plan::{Range, TablePlan};
use cutover_common::rng::{GOLDEN, splitmix64};

/// The sample asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Percentage of key ranges, in (0, 100].
    pub percent: f64,
    pub seed: u64,
}

/// At least this many ranges are picked per table (when the table has that many rows).
const MIN_PICKED: f64 = 10.0;
/// Tables are cut into at least this many ranges.
const MIN_RANGES: u64 = 1000;

impl Sample {
    /// `1%`, `0.5%` or `1` (a percentage in (0, 100]).
    pub fn parse(text: &str, seed: u64) -> Result<Sample, ValidateError> {
        let bad = || ValidateError::Sample { value: text.into() };
        let percent: f64 = text.trim().trim_end_matches('%').trim().parse().map_err(|_| bad())?;
        if !(percent > 0.0 && percent <= 100.0) {
            return Err(bad());
        }
        Ok(Sample { percent, seed })
    }

    /// How the report names it (it is listed with the relaxations).
    pub fn describe(&self) -> String {
        format!(
            "sampled: {}% of each keyed table's key ranges (seed {}); a match covers only the sample",
            self.percent, self.seed
        )
    }

    /// How many ranges a table of `rows` rows is cut into.
    pub fn ranges(&self, rows: u64) -> u64 {
        let wanted = (MIN_PICKED * 100.0 / self.percent).ceil() as u64;
        rows.min(wanted.max(MIN_RANGES)).max(1)
    }

    /// Which of `n` ranges of `table` to compare: the same indices for the same seed, table and
    /// `n`, in ascending order.
    pub fn pick(&self, table: &str, n: usize) -> Vec<usize> {
        let k = ((n as f64 * self.percent / 100.0).round() as usize).clamp(1, n.max(1));
        let salt = self.seed ^ fnv1a(table.to_ascii_lowercase().as_bytes());
        let mut scored: Vec<(u64, usize)> =
            (0..n).map(|i| (splitmix64(salt ^ (i as u64).wrapping_mul(GOLDEN)), i)).collect();
        scored.sort_unstable();
        let mut picked: Vec<usize> = scored.into_iter().take(k).map(|(_, i)| i).collect();
        picked.sort_unstable();
        picked
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Compares the picked ranges of a keyed table with `rows` source rows; returns whether they
/// matched and a sentence for the report.
pub async fn compare_sampled(
    s: &mut Sides<'_>,
    plan: &TablePlan,
    tune: &Tuning,
    sample: &Sample,
    rows: u64,
) -> Result<(bool, String), ValidateError> {
    let step = rows.div_ceil(sample.ranges(rows)).max(1);
    let ranges = s.split(plan, &Range::default(), step, true).await?;
    let picked = sample.pick(&s.table, ranges.len());
    let mut same = true;
    for &i in &picked {
        same &= compare_range(s, plan, ranges[i].clone(), tune).await?;
    }
    let share = 100.0 * picked.len() as f64 / ranges.len().max(1) as f64;
    Ok((
        same,
        format!(
            "sampled: {} of {} key ranges (about {share:.2}% of the source's rows, seed {}); not a full comparison",
            picked.len(),
            ranges.len(),
            sample.seed
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_and_nonsense_is_refused() {
        assert_eq!(Sample::parse("1%", 7).unwrap(), Sample { percent: 1.0, seed: 7 });
        assert_eq!(Sample::parse(" 0.5 ", 0).unwrap().percent, 0.5);
        for bad in ["0", "0%", "101%", "-1", "abc", ""] {
            assert!(Sample::parse(bad, 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_pick_is_deterministic_under_a_seed_and_sized_by_the_percentage() {
        let s = Sample { percent: 1.0, seed: 42 };
        assert_eq!(s.ranges(10_000_000), 1000);
        assert_eq!(s.ranges(300), 300);
        assert_eq!(Sample { percent: 0.1, seed: 0 }.ranges(10_000_000), 10_000);
        let a = s.pick("dbo.orders", 1000);
        assert_eq!(a.len(), 10);
        assert_eq!(a, s.pick("DBO.Orders", 1000), "same seed, same table: same ranges");
        assert_ne!(a, Sample { seed: 43, ..s }.pick("dbo.orders", 1000), "another seed picks others");
        assert_ne!(a, s.pick("dbo.customers", 1000), "tables are sampled independently");
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a.iter().all(|&i| i < 1000));
        assert_eq!(Sample { percent: 100.0, seed: 1 }.pick("t", 5), vec![0, 1, 2, 3, 4]);
        assert_eq!(Sample { percent: 0.001, seed: 1 }.pick("t", 5).len(), 1);
    }
}
