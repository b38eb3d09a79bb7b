//! The injected clock. The engine reads time only through [`Clock`], as an offset from the
//! run's origin. [`TokioClock`] is tokio's clock: in tests started with tokio's paused time
//! (`#[tokio::test(start_paused = true)]`) it is a virtual clock that advances only when every
//! task waits, so schedules and latencies are exact and runs are deterministic.
//! [`SystemClock`] is the operating system's monotonic clock, for real runs: tokio's timers
//! tick once a millisecond, so an open loop dispatched by them starts each unit up to 1 ms
//! late; on this clock the engine dispatches arrivals from a thread of its own that sleeps to
//! the microsecond ([`Clock::precise_origin`]).

use std::future::Future;
use std::time::Duration;

/// Time since the start of a run.
pub trait Clock: Clone + Send + Sync + 'static {
    /// Elapsed time since the origin.
    fn now(&self) -> Duration;
    /// Waits until `at` (returns at once when it has passed).
    fn sleep_until(&self, at: Duration) -> impl Future<Output = ()> + Send;
    /// The origin as an instant of the OS's monotonic clock when this clock is that clock, so
    /// a thread may sleep to a due time precisely; `None` for a virtual clock.
    fn precise_origin(&self) -> Option<std::time::Instant> {
        None
    }
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

/// The operating system's monotonic clock, from the moment it was created (real runs).
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: std::time::Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    pub fn start() -> Self {
        SystemClock { origin: std::time::Instant::now() }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep_until(&self, at: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep_until(tokio::time::Instant::from_std(self.origin + at))
    }

    fn precise_origin(&self) -> Option<std::time::Instant> {
        Some(self.origin)
    }
}
