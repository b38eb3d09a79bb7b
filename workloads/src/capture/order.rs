//! Start times in the order a session ran its statements.
//!
//! An event's start is its completion `timestamp` minus its `duration`. SQL Server writes the
//! timestamp with millisecond precision in the event XML (`2026-11-26T13:00:01.123Z`) while the
//! duration is in microseconds, so the start is only good to about a millisecond: two statements
//! a session ran less than that apart can come out with the later one first. A session runs one
//! request at a time (no MARS in what cutover captures), and the event file lists a session's
//! events in completion order, so a statement never starts before the one the file lists before
//! it on the same session: its start is raised to that one's.

use std::collections::HashMap;

/// The last start written per captured session.
#[derive(Default)]
pub struct SessionOrder {
    last: HashMap<i64, i64>,
}

impl SessionOrder {
    /// `start_us` of the next event of `session`, never before the session's previous start.
    pub fn start(&mut self, session: i64, start_us: i64) -> i64 {
        let last = self.last.entry(session).or_insert(i64::MIN);
        *last = (*last).max(start_us);
        *last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_that_would_precede_its_sessions_previous_statement_is_raised_to_it() {
        let mut order = SessionOrder::default();
        assert_eq!(order.start(51, 1_000_500), 1_000_500);
        // Completed later (listed after) but computed 400 µs earlier: millisecond timestamps.
        assert_eq!(order.start(51, 1_000_100), 1_000_500);
        assert_eq!(order.start(51, 1_002_000), 1_002_000);
        // Another session is independent.
        assert_eq!(order.start(52, 1_000_100), 1_000_100);
    }
}
