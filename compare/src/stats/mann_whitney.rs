//! The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, normal approximation with tie
//! correction and continuity correction. Used on per-interval samples of a metric and, for
//! replays, on every execution through the two HdrHistograms' buckets.

use hdrhistogram::Histogram;

/// The outcome of one test: `p` two-sided; `effect` is the common-language effect size
/// P(candidate > baseline) + ½ P(tie), 0.5 when the sides are alike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannWhitney {
    pub p: f64,
    pub effect: f64,
}

/// Tests `baseline` against `candidate` (NaNs dropped); `None` when a side is empty.
pub fn mann_whitney(baseline: &[f64], candidate: &[f64]) -> Option<MannWhitney> {
    let mut all: Vec<(f64, bool)> = baseline
        .iter()
        .filter(|v| v.is_finite())
        .map(|&v| (v, false))
        .chain(candidate.iter().filter(|v| v.is_finite()).map(|&v| (v, true)))
        .collect();
    all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut groups = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        let (mut a, mut b) = (0u64, 0u64);
        while j < all.len() && all[j].0 == all[i].0 {
            if all[j].1 {
                b += 1
            } else {
                a += 1
            }
            j += 1;
        }
        groups.push((a, b));
        i = j;
    }
    from_groups(&groups)
}

/// Tests two histograms of the same quantity (each recorded value is one sample).
pub fn mann_whitney_hist(baseline: &Histogram<u64>, candidate: &Histogram<u64>) -> Option<MannWhitney> {
    let mut a: Vec<(u64, u64)> =
        baseline.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect();
    let mut b: Vec<(u64, u64)> =
        candidate.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect();
    a.sort_unstable();
    b.sort_unstable();
    let (mut i, mut j) = (0, 0);
    let mut groups = Vec::with_capacity(a.len() + b.len());
    while i < a.len() || j < b.len() {
        let va = a.get(i).map(|x| x.0).unwrap_or(u64::MAX);
        let vb = b.get(j).map(|x| x.0).unwrap_or(u64::MAX);
        let v = va.min(vb);
        let mut g = (0, 0);
        if va == v {
            g.0 = a[i].1;
            i += 1;
        }
        if vb == v {
            g.1 = b[j].1;
            j += 1;
        }
        groups.push(g);
    }
    from_groups(&groups)
}

/// Ranks tied groups (ascending value): `(baseline count, candidate count)` per distinct value.
fn from_groups(groups: &[(u64, u64)]) -> Option<MannWhitney> {
    let n1: f64 = groups.iter().map(|g| g.0 as f64).sum();
    let n2: f64 = groups.iter().map(|g| g.1 as f64).sum();
    if n1 == 0.0 || n2 == 0.0 {
        return None;
    }
    let (mut below, mut rank_sum_b, mut ties) = (0.0f64, 0.0f64, 0.0f64);
    for &(a, b) in groups {
        let t = (a + b) as f64;
        let mid_rank = below + (t + 1.0) / 2.0;
        rank_sum_b += b as f64 * mid_rank;
        ties += t * t * t - t;
        below += t;
    }
    let u_b = rank_sum_b - n2 * (n2 + 1.0) / 2.0;
    let n = n1 + n2;
    let mean = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)).max(1.0));
    let effect = u_b / (n1 * n2);
    if var <= 0.0 {
        return Some(MannWhitney { p: 1.0, effect });
    }
    let z = ((u_b - mean).abs() - 0.5).max(0.0) / var.sqrt();
    Some(MannWhitney { p: (2.0 * normal_sf(z)).min(1.0), effect })
}

/// Upper tail of the standard normal, via erfc (Abramowitz-Stegun 7.1.26 refined by one
/// Numerical Recipes erfc, relative error < 1.2e-7).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_are_not_different() {
        let a: Vec<f64> = (0..50).map(|i| f64::from(i % 10)).collect();
        let r = mann_whitney(&a, &a).unwrap();
        assert!(r.p > 0.9 && (r.effect - 0.5).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn a_clear_shift_is_significant_and_points_up() {
        let a: Vec<f64> = (0..30).map(f64::from).collect();
        let b: Vec<f64> = (0..30).map(|i| f64::from(i) + 20.0).collect();
        let r = mann_whitney(&a, &b).unwrap();
        assert!(r.p < 1e-4 && r.effect > 0.8, "{r:?}");
        // By hand: U = 0, mean 12.5, sd √(25·11/12) = 4.787, z = (12.5 − 0.5)/4.787 = 2.507, p = 0.0122.
        let r = mann_whitney(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
        assert!((r.p - 0.0122).abs() < 2e-4, "{r:?}");
    }

    #[test]
    fn histograms_give_the_same_answer_as_samples() {
        let mut ha = Histogram::<u64>::new(3).unwrap();
        let mut hb = Histogram::<u64>::new(3).unwrap();
        let a: Vec<u64> = (1..200).map(|i| 100 + i % 37).collect();
        let b: Vec<u64> = (1..150).map(|i| 110 + i % 41).collect();
        a.iter().for_each(|&v| ha.record(v).unwrap());
        b.iter().for_each(|&v| hb.record(v).unwrap());
        let fa: Vec<f64> = a.iter().map(|&v| v as f64).collect();
        let fb: Vec<f64> = b.iter().map(|&v| v as f64).collect();
        let (s, h) = (mann_whitney(&fa, &fb).unwrap(), mann_whitney_hist(&ha, &hb).unwrap());
        assert!((s.p - h.p).abs() < 1e-12 && (s.effect - h.effect).abs() < 1e-12, "{s:?} {h:?}");
    }
}
