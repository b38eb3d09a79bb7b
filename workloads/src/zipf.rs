//! Zipf-distributed ranks 1..=n in O(1) per sample: rejection-inversion sampling
//! (W. Hörmann and G. Derflinger, "Rejection-inversion to generate variates from monotone
//! discrete distributions", 1996), as in Apache Commons' `RejectionInversionZipfSampler`.
//! P(k) ∝ 1 / k^s, so rank 1 is the hottest key.

use rand::Rng;

/// A Zipf distribution over 1..=n with exponent s > 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Zipf {
    n: f64,
    s: f64,
    h_integral_x1: f64,
    h_integral_n: f64,
    s_bound: f64,
}

impl Zipf {
    /// `n` ≥ 1 elements, exponent `s` > 0 (typical: 0.8–1.2).
    pub fn new(n: u64, s: f64) -> Option<Zipf> {
        if n == 0 || !(s > 0.0 && s.is_finite()) {
            return None;
        }
        let n = n as f64;
        let h_integral_x1 = h_integral(1.5, s) - 1.0;
        let h_integral_n = h_integral(n + 0.5, s);
        let s_bound = 2.0 - h_integral_inverse(h_integral(2.5, s) - h(2.0, s), s);
        Some(Zipf { n, s, h_integral_x1, h_integral_n, s_bound })
    }

    /// Draws a rank in 1..=n.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        loop {
            let u = self.h_integral_n + rng.random::<f64>() * (self.h_integral_x1 - self.h_integral_n);
            let x = h_integral_inverse(u, self.s);
            let k = (x + 0.5).floor().clamp(1.0, self.n);
            if k - x <= self.s_bound || u >= h_integral(k + 0.5, self.s) - h(k, self.s) {
                return k as u64;
            }
        }
    }
}

fn h(x: f64, s: f64) -> f64 {
    (-s * x.ln()).exp()
}

fn h_integral(x: f64, s: f64) -> f64 {
    let log_x = x.ln();
    helper2((1.0 - s) * log_x) * log_x
}

fn h_integral_inverse(x: f64, s: f64) -> f64 {
    let t = (x * (1.0 - s)).max(-1.0);
    (helper1(t) * x).exp()
}

/// ln(1 + x) / x, accurate near 0.
fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 { x.ln_1p() / x } else { 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x)) }
}

/// (e^x − 1) / x, accurate near 0.
fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 { x.exp_m1() / x } else { 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn frequencies(n: u64, s: f64, draws: usize) -> Vec<f64> {
        let z = Zipf::new(n, s).unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let mut counts = vec![0usize; n as usize + 1];
        for _ in 0..draws {
            let k = z.sample(&mut rng);
            assert!((1..=n).contains(&k));
            counts[k as usize] += 1;
        }
        counts.iter().map(|&c| c as f64 / draws as f64).collect()
    }

    #[test]
    fn shape_follows_one_over_k_to_the_s() {
        for s in [0.8, 1.0, 1.2] {
            let n = 1000;
            let f = frequencies(n, s, 400_000);
            let norm: f64 = (1..=n).map(|k| 1.0 / (k as f64).powf(s)).sum();
            for k in [1usize, 2, 3, 10] {
                let expected = 1.0 / (k as f64).powf(s) / norm;
                let rel = (f[k] - expected).abs() / expected;
                assert!(rel < 0.05, "s={s} k={k}: got {} expected {expected}", f[k]);
            }
            // P(1)/P(2) = 2^s
            let ratio = f[1] / f[2];
            assert!((ratio - 2f64.powf(s)).abs() < 0.1, "s={s}: ratio {ratio}");
        }
    }

    #[test]
    fn single_element_and_bad_inputs() {
        let z = Zipf::new(1, 1.0).unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(z.sample(&mut rng), 1);
        assert!(Zipf::new(0, 1.0).is_none());
        assert!(Zipf::new(10, 0.0).is_none());
    }
}
