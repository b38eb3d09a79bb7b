//! What a run tells its caller while it works: messages, and rows done per table so a terminal
//! can show rows/s and an ETA per table and overall (the CLI draws it with indicatif).
//!
//! Every method but [`Progress::message`] has a default that does nothing, and any
//! `FnMut(&str)` is a `Progress` that only prints messages, so callers that only want lines
//! (the gate, tests) pass a closure.

/// Progress events of one run. Called from the run's task only (never concurrently).
pub trait Progress {
    /// A line for people: `[3/40] dbo.orders`, `resuming: …`.
    fn message(&mut self, text: &str);

    /// The run knows its tables: their names and the row counts it expects (metadata counts
    /// from the source catalog; `None` when the catalog had none).
    fn planned(&mut self, tables: &[(String, Option<u64>)]) {
        let _ = tables;
    }

    /// A table was opened: its exact source row count (after `--where`).
    fn table_started(&mut self, table: &str, rows: u64) {
        let _ = (table, rows);
    }

    /// `rows` more source rows of `table` were compared (one segment).
    fn rows_done(&mut self, table: &str, rows: u64) {
        let _ = (table, rows);
    }

    /// A table is finished: `status` is the word the terminal report uses.
    fn table_finished(&mut self, table: &str, status: &str) {
        let _ = (table, status);
    }
}

impl<F: FnMut(&str)> Progress for F {
    fn message(&mut self, text: &str) {
        self(text)
    }
}

/// Rows per second over a run of segments: an exponentially weighted mean of each segment's
/// rows / seconds, so the segment size follows the server's current speed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rate {
    rows_per_sec: Option<f64>,
}

impl Rate {
    /// Weight of the newest measurement.
    const ALPHA: f64 = 0.3;

    pub fn get(&self) -> Option<f64> {
        self.rows_per_sec
    }

    /// Adds one measurement; segments too short to time (under 1 ms) are ignored.
    pub fn observe(&mut self, rows: u64, seconds: f64) {
        if rows == 0 || seconds < 0.001 {
            return;
        }
        let now = rows as f64 / seconds;
        self.rows_per_sec = Some(match self.rows_per_sec {
            None => now,
            Some(old) => old + Self::ALPHA * (now - old),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_follows_the_latest_segments() {
        let mut r = Rate::default();
        assert_eq!(r.get(), None);
        r.observe(1000, 1.0);
        assert_eq!(r.get(), Some(1000.0));
        r.observe(2000, 1.0);
        assert!((r.get().unwrap() - 1300.0).abs() < 1e-9);
        r.observe(0, 1.0);
        r.observe(10, 0.0);
        assert!((r.get().unwrap() - 1300.0).abs() < 1e-9, "empty and untimed segments are ignored");
    }

    #[test]
    fn a_closure_is_a_progress_that_prints_messages() {
        let mut lines = Vec::new();
        {
            let mut p = |m: &str| lines.push(m.to_string());
            let p: &mut dyn Progress = &mut p;
            p.message("one");
            p.rows_done("dbo.t", 10);
        }
        assert_eq!(lines, ["one"]);
    }
}
