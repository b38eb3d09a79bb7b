//! The injected clock. The engine reads time only through [`Clock`], as an offset from the
//! run's origin. [`TokioClock`] is tokio's clock: in tests started with tokio's paused time
//! (`#[tokio::test(start_paused = true)]`) it is a virtual clock that advances only when every
//! task waits, so schedules and latencies are exact and runs are deterministic.
//! [`SystemClock`] is the operating system's monotonic clock, for real runs. tokio's timers
//! tick once a millisecond, so a unit they wake starts up to 1 ms late; this clock's sleeps end
//! on a [`timer::Timer`] thread that sleeps to the due instant itself.

mod timer;

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

/// The operating system's monotonic clock, from the moment it was created (real runs). Its
/// sleeps end on its timer thread, to tens of microseconds (tokio's timers, a fallback if
/// the thread cannot start, round up to the next millisecond).
#[derive(Clone, Debug)]
pub struct SystemClock {
    origin: std::time::Instant,
    timer: Option<std::sync::Arc<timer::Timer>>,
}

impl SystemClock {
    /// A clock whose origin is now, with its timer thread.
    pub fn start() -> Self {
        SystemClock {
            origin: std::time::Instant::now(),
            timer: timer::Timer::start().map(std::sync::Arc::new),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep_until(&self, at: Duration) -> impl Future<Output = ()> + Send {
        let due = self.origin + at;
        // None: already due. Err: no timer thread, so tokio's timer.
        let wait = (std::time::Instant::now() < due)
            .then(|| self.timer.as_ref().and_then(|t| t.wake_at(due)).ok_or(due));
        async move {
            match wait {
                None => {}
                Some(Ok(woken)) => {
                    let _ = woken.await;
                }
                Some(Err(due)) => tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await,
            }
        }
    }
}
