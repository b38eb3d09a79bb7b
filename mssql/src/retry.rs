//! [`retry`]: exponential backoff with full jitter, for errors classified
//! retryable (transient, connection, timeout) and nothing else.
//!
//! The delay before retry `n` (0-based) is uniform in
//! `[0, min(max, base · 2ⁿ)]` ("full jitter"). The random source is a
//! parameter, so a seeded RNG makes tests deterministic; the sleeping is a
//! parameter of [`retry_with_sleep`] for the same reason.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;

use crate::connect::{Connection, connect};
use crate::error::Error;
use crate::target::ServerTarget;

/// How often and how patiently to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retries).
    pub max_attempts: u32,
    /// The ceiling of the first delay.
    pub base: Duration,
    /// The cap on any delay.
    pub max: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, 250 ms base, 15 s cap.
    fn default() -> Self {
        Self { max_attempts: 5, base: Duration::from_millis(250), max: Duration::from_secs(15) }
    }
}

impl RetryPolicy {
    /// A policy that tries once.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The upper bound of the delay before retry `retry` (0-based):
    /// `min(max, base · 2^retry)`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.checked_mul(factor).map_or(self.max, |d| d.min(self.max))
    }

    /// A jittered delay before retry `retry`: uniform in `[0, ceiling]`.
    pub fn delay<R: Rng + ?Sized>(&self, retry: u32, rng: &mut R) -> Duration {
        let ceiling = self.ceiling(retry).as_nanos().min(u128::from(u64::MAX)) as u64;
        Duration::from_nanos(rng.random_range(0..=ceiling))
    }
}

/// Runs `op` until it succeeds, fails with a non-retryable error, or the
/// attempts run out; sleeps with tokio between attempts.
pub async fn retry<T, F, Fut, R>(policy: &RetryPolicy, rng: &mut R, op: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
    R: Rng + ?Sized,
{
    retry_with_sleep(policy, rng, tokio::time::sleep, op).await
}

/// [`retry`] with the sleep injected.
pub async fn retry_with_sleep<T, F, Fut, R, S, SFut>(
    policy: &RetryPolicy,
    rng: &mut R,
    mut sleep: S,
    mut op: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
    R: Rng + ?Sized,
    S: FnMut(Duration) -> SFut,
    SFut: Future<Output = ()>,
{
    let attempts = policy.max_attempts.max(1);
    let mut retry = 0;
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(error) if error.is_retryable() && retry + 1 < attempts => {
                let delay = policy.delay(retry, rng);
                tracing::warn!(attempt = retry + 1, of = attempts, ?delay, error = %error, "retrying");
                sleep(delay).await;
                retry += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// [`connect`] under `policy`.
pub async fn connect_with_retry<R: Rng + ?Sized>(
    target: &ServerTarget,
    policy: &RetryPolicy,
    rng: &mut R,
) -> Result<Connection, Error> {
    retry(policy, rng, || connect(target)).await
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy { max_attempts: 8, base: Duration::from_millis(100), max: Duration::from_secs(2) }
    }

    fn transient() -> Error {
        Error::Broken { server: "h,1433".into() }
    }

    fn permanent() -> Error {
        Error::MissingServer
    }

    #[test]
    fn ceilings_double_then_cap() {
        let p = policy();
        let ceilings: Vec<u64> = (0..8).map(|n| p.ceiling(n).as_millis() as u64).collect();
        assert_eq!(ceilings, vec![100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        assert_eq!(p.ceiling(u32::MAX), Duration::from_secs(2));
    }

    #[test]
    fn delays_are_deterministic_jittered_and_bounded() {
        let p = policy();
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..8).map(|n| p.delay(n, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        for seed in 0..200 {
            for (n, d) in run(seed).into_iter().enumerate() {
                assert!(d <= p.ceiling(n as u32), "seed {seed} retry {n}: {d:?}");
            }
        }
    }

    #[test]
    fn delays_grow_on_average() {
        let p = policy();
        let mut rng = StdRng::seed_from_u64(42);
        let mean =
            |n: u32, rng: &mut StdRng| (0..2000).map(|_| p.delay(n, rng).as_secs_f64()).sum::<f64>() / 2000.0;
        let means: Vec<f64> = (0..5).map(|n| mean(n, &mut rng)).collect();
        assert!(means.windows(2).all(|w| w[1] > w[0] * 1.6), "{means:?}");
        for (n, m) in means.iter().enumerate() {
            let half = p.ceiling(n as u32).as_secs_f64() / 2.0;
            assert!((m - half).abs() < half * 0.1, "retry {n}: mean {m} vs {half}");
        }
    }

    #[tokio::test]
    async fn retries_transient_errors_until_success() {
        let slept = RefCell::new(Vec::new());
        let mut calls = 0;
        let mut rng = StdRng::seed_from_u64(1);
        let result = retry_with_sleep(
            &policy(),
            &mut rng,
            |d| {
                slept.borrow_mut().push(d);
                std::future::ready(())
            },
            || {
                calls += 1;
                let outcome = if calls < 4 { Err(transient()) } else { Ok(calls) };
                std::future::ready(outcome)
            },
        )
        .await;
        assert_eq!(result.unwrap(), 4);
        let slept = slept.into_inner();
        assert_eq!(slept.len(), 3);
        let mut expected = StdRng::seed_from_u64(1);
        let want: Vec<Duration> = (0..3).map(|n| policy().delay(n, &mut expected)).collect();
        assert_eq!(slept, want);
    }

    #[tokio::test]
    async fn stops_on_permanent_errors_and_after_max_attempts() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut calls = 0;
        let err = retry_with_sleep(
            &policy(),
            &mut rng,
            |_| std::future::ready(()),
            || {
                calls += 1;
                std::future::ready(Err::<(), _>(permanent()))
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::MissingServer));
        assert_eq!(calls, 1);

        let mut calls = 0;
        let p = RetryPolicy { max_attempts: 3, ..policy() };
        let err = retry_with_sleep(
            &p,
            &mut rng,
            |_| std::future::ready(()),
            || {
                calls += 1;
                std::future::ready(Err::<(), _>(transient()))
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Broken { .. }));
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn real_sleep_path_works_with_tiny_delays() {
        let p =
            RetryPolicy { max_attempts: 2, base: Duration::from_millis(1), max: Duration::from_millis(1) };
        let mut rng = StdRng::seed_from_u64(3);
        let mut calls = 0;
        let result = retry(&p, &mut rng, || {
            calls += 1;
            std::future::ready(if calls == 1 { Err(transient()) } else { Ok(()) })
        })
        .await;
        assert!(result.is_ok());
    }
}
