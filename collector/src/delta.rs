//! Deltas on the server's clock. Raw cumulative snapshots are kept; an interval is turned into
//! rates only when it is sound. It is dropped and marked, never turned into a negative or
//! absurd rate, when `sqlserver_start_time` changed, the server clock went backwards, the gap
//! is far from the interval, or a cumulative value went down (reset, failover, eviction, wrap).

use std::collections::HashMap;
use std::hash::Hash;

use chrono::NaiveDateTime;
pub use cutover_baseline::GapCause;

/// When a sample was taken, by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// `SYSUTCDATETIME()` read in the same batch as the sample.
    pub at: NaiveDateTime,
    /// `sys.dm_os_sys_info.sqlserver_start_time`, when visible.
    pub start_time: Option<NaiveDateTime>,
}

/// How far an interval may stray from the configured one before it is dropped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// The shortest acceptable interval as a fraction of the expected one.
    pub min_ratio: f64,
    /// The longest acceptable interval as a multiple of the expected one.
    pub max_ratio: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { min_ratio: 0.5, max_ratio: 2.0 }
    }
}

/// The interval between two stamps in seconds, or why it cannot carry deltas.
pub fn check_interval(
    prev: &Stamp,
    cur: &Stamp,
    expected_secs: f64,
    tol: Tolerance,
) -> Result<f64, GapCause> {
    if let (Some(before), Some(after)) = (prev.start_time, cur.start_time)
        && before != after
    {
        return Err(GapCause::Restart { before, after });
    }
    let seconds = (cur.at - prev.at).num_microseconds().map(|us| us as f64 / 1e6).unwrap_or(f64::MAX);
    if seconds <= 0.0 {
        return Err(GapCause::ClockBackwards { seconds });
    }
    if expected_secs > 0.0
        && (seconds < expected_secs * tol.min_ratio || seconds > expected_secs * tol.max_ratio)
    {
        return Err(GapCause::IntervalOff { seconds, expected_seconds: expected_secs });
    }
    Ok(seconds)
}

/// The previous raw values of one family's cumulative series, keyed by series.
#[derive(Debug)]
pub struct Tracker<K> {
    prev: Option<(Stamp, HashMap<K, Vec<i64>>)>,
}

impl<K> Default for Tracker<K> {
    fn default() -> Self {
        Tracker { prev: None }
    }
}

/// One interval's deltas for a family.
#[derive(Clone, Debug, PartialEq)]
pub struct Deltas<K> {
    pub seconds: f64,
    /// Per series, the deltas of each value column (series first seen now are absent).
    pub rows: Vec<(K, Vec<i64>)>,
}

impl<K: Clone + Eq + Hash + std::fmt::Debug> Tracker<K> {
    /// Records the new snapshot and returns the interval's deltas, or the reason there are none
    /// (`Ok(None)` on the first snapshot). Any value going down drops the whole batch.
    pub fn advance(
        &mut self,
        stamp: Stamp,
        rows: HashMap<K, Vec<i64>>,
        expected_secs: f64,
        tol: Tolerance,
    ) -> Result<Option<Deltas<K>>, GapCause> {
        let prev = self.prev.replace((stamp, rows));
        let Some((prev_stamp, prev_rows)) = prev else {
            return Ok(None);
        };
        let (_, cur_rows) = self.prev.as_ref().expect("just stored");
        let seconds = check_interval(&prev_stamp, &stamp, expected_secs, tol)?;
        let mut out = Vec::with_capacity(cur_rows.len());
        for (key, values) in cur_rows {
            let Some(before) = prev_rows.get(key) else {
                continue;
            };
            let mut deltas = Vec::with_capacity(values.len());
            for (now, then) in values.iter().zip(before) {
                let d = now.checked_sub(*then).unwrap_or(-1);
                if d < 0 {
                    return Err(GapCause::Reset { what: format!("{key:?}") });
                }
                deltas.push(d);
            }
            out.push((key.clone(), deltas));
        }
        Ok(Some(Deltas { seconds, rows: out }))
    }

    /// Forgets the previous snapshot (after a lost connection): the next one starts afresh.
    pub fn reset(&mut self) {
        self.prev = None;
    }

    /// Series held (for the memory bench).
    pub fn len(&self) -> usize {
        self.prev.as_ref().map_or(0, |(_, rows)| rows.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[path = "delta_tests.rs"]
mod tests;
