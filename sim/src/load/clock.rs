//! A clock that runs faster than real time (a soak test that needs an hour of ring-buffer
//! records in a minute). Real time is [`SystemClock`]; a fully driven clock is
//! [`ManualClock`].
//!
//! [`SystemClock`]: crate::engine::runtime::SystemClock
//! [`ManualClock`]: crate::engine::runtime::ManualClock

use std::time::Instant;

use chrono::NaiveDateTime;

use crate::engine::runtime::Clock;

/// Starts at `start` and advances `factor` simulated seconds per real second.
#[derive(Debug)]
pub struct ScaledClock {
    start: NaiveDateTime,
    real_start: Instant,
    factor: f64,
}

impl ScaledClock {
    pub fn new(start: NaiveDateTime, factor: f64) -> std::sync::Arc<Self> {
        std::sync::Arc::new(ScaledClock { start, real_start: Instant::now(), factor })
    }
}

impl Clock for ScaledClock {
    fn now_utc(&self) -> NaiveDateTime {
        let real = self.real_start.elapsed().as_secs_f64() * self.factor;
        self.start + chrono::Duration::microseconds((real * 1e6) as i64)
    }
}
