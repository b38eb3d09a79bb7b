//! The injected clock. The engine reads time only through [`Clock`], as an offset from the
//! run's origin. [`TokioClock`] is tokio's clock: in tests started with tokio's paused time
//! (`#[tokio::test(start_paused = true)]`) it is a virtual clock that advances only when every
//! task waits, so schedules and latencies are exact and runs are deterministic.

use std::future::Future;
use std::time::Duration;

/// Time since the start of a run.
pub trait Clock: Clone + Send + Sync + 'static {
    /// Elapsed time since the origin.
    fn now(&self) -> Duration;
    /// Waits until `at` (returns at once when it has passed).
    fn sleep_until(&self, at: Duration) -> impl Future<Output = ()> + Send;
}

/// tokio's monotonic clock, from the moment it was created.
#[derive(Clone, Copy, Debug)]
pub struct TokioClock {
    origin: tokio::time::Instant,
}

impl TokioClock {
    /// A clock whose origin is now.
    pub fn start() -> Self {
        TokioClock { origin: tokio::time::Instant::now() }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep_until(&self, at: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep_until(self.origin + at)
    }
}
