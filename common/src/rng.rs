//! The one seeded generator of the workspace's synthetic data and sampling: splitmix64
//! (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the
//! constants are the published ones). Hand-written on purpose, not `rand`: a `--seed` a user
//! wrote down, and the test snapshots built from seeded data, must give the same numbers in
//! every cutover version, and `rand`'s seeded generators (`SmallRng`, `StdRng`) do not promise
//! the same stream across `rand` versions.

/// The golden-ratio increment of splitmix64.
pub const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64's finaliser: a stateless 64-bit mix (every input bit moves every output bit).
pub fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// One splitmix64 step from state `x`: the value the generator gives after `x`.
pub fn splitmix64(x: u64) -> u64 {
    mix64(x.wrapping_add(GOLDEN))
}

/// A seeded stream of splitmix64 values, with uniform and normal deviates.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed ^ GOLDEN)
    }

    pub fn next_u64(&mut self) -> u64 {
        let out = splitmix64(self.0);
        self.0 = self.0.wrapping_add(GOLDEN);
        out
    }

    /// Uniform in (0, 1): never 0, so `ln` of it is finite.
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_splitmix64_and_never_changes() {
        // The first outputs of splitmix64 seeded with 0 (state 0), as the reference C code
        // (Vigna, prng.di.unimi.it/splitmix64.c) prints them.
        let mut g = SplitMix64(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..100 {
            let u = a.uniform();
            assert!(u > 0.0 && u < 1.0);
            assert_eq!(u, b.uniform());
        }
    }
}
