//! [`Recorder`]: where every finished, failed, late or skipped unit is counted.
//!
//! Per tag (template or query fingerprint) two HdrHistograms in microseconds: **response
//! time** from the intended start (the schedule) and **service time** from the actual send;
//! plus one **schedule-lag** histogram (actual send − intended start). Histograms here cover
//! the current interval only; the [`crate::report::Reporter`] drains them each interval into
//! the interval log and adds them to the run totals, so memory stays flat however long the run.
//! Units whose intended start falls inside the warm-up are executed but not recorded.
//!
//! Draining is a double buffer: [`Recorder::drain`] swaps each used histogram for an empty one
//! of the same shape that the reporter gave back ([`Recorder::recycle`]), so the workers wait
//! on the lock for pointer moves only, however many templates; the reporter encodes, adds and
//! empties the drained histograms outside the lock ([`Drained::into_spares`]). An empty
//! histogram of the same shape (range and highest trackable value) behaves exactly as the
//! cleared original would, so the interval log is the same byte for byte.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::executor::ExecError;

/// Error events kept for `errors.jsonl` per run; beyond this only counts grow.
pub const ERROR_LOG_LIMIT: u64 = 10_000;

/// A new auto-resizing histogram with 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    let mut h = Histogram::new(3).expect("3 significant digits is valid");
    h.auto(true);
    h
}

/// Records `v`, growing the histogram as needed (saturating only past its hard limit).
pub fn record(h: &mut Histogram<u64>, v: u64) {
    if h.record(v).is_err() {
        h.saturating_record(v);
    }
}

/// An empty histogram shaped exactly like `h` (range, highest trackable value, auto-resize),
/// as `h.clone()` then `reset()` would be, without copying the counts.
pub fn blank_like(h: &Histogram<u64>) -> Histogram<u64> {
    Histogram::new_from(h)
}

/// True when `spare` can stand in for `h` once `h` is taken: empty and of the same shape.
fn same_shape(spare: &Histogram<u64>, h: &Histogram<u64>) -> bool {
    spare.is_empty() && spare.high() == h.high() && spare.distinct_values() == h.distinct_values()
}

/// Takes what `h` holds, leaving `spare` in its place when it has the same shape (a pointer
/// swap), else a blank like `h` (only when `h` grew since the spare was emptied, or at first).
fn take(h: &mut Histogram<u64>, spare: Option<Histogram<u64>>) -> Histogram<u64> {
    let empty = match spare {
        Some(s) if same_shape(&s, h) => s,
        _ => blank_like(h),
    };
    std::mem::replace(h, empty)
}

/// Microseconds, saturating.
pub fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Counters of one tag.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Units that completed without error.
    pub ok: u64,
    /// Units that failed.
    pub errors: u64,
    /// Units that started later than the tolerance after their schedule.
    pub late: u64,
    /// Units skipped because they could only start beyond `--max-lag`.
    pub skipped: u64,
    /// Units cancelled by Ctrl-C before they were sent.
    pub cancelled: u64,
    /// Units run during the warm-up (not in the histograms).
    pub warmup: u64,
    /// Attempts sent again after a transient error (templates with `retries`); a unit that
    /// succeeds on a retry counts once in `ok`.
    pub retries: u64,
    /// Errors by SQL error number (or kind: `timeout`, `connection`).
    pub errors_by_number: BTreeMap<String, u64>,
}

impl Counts {
    /// Adds another tag's or shard's counts.
    pub fn add(&mut self, other: &Counts) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.late += other.late;
        self.skipped += other.skipped;
        self.cancelled += other.cancelled;
        self.warmup += other.warmup;
        self.retries += other.retries;
        for (k, v) in &other.errors_by_number {
            *self.errors_by_number.entry(k.clone()).or_default() += v;
        }
    }
}

/// One line of `errors.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorEvent {
    /// Seconds since the start of the run when the error came back.
    pub t: f64,
    /// Template or fingerprint tag.
    pub tag: String,
    /// Global unit index (workloads) or captured event id (traces).
    pub unit: String,
    /// SQL Server error number, when there is one.
    pub number: Option<u32>,
    /// Error kind.
    pub kind: String,
    /// The message.
    pub message: String,
}

/// The histograms of one tag for one interval.
#[derive(Clone, Debug)]
pub struct TagHistograms {
    /// Response time from the intended start, µs.
    pub response: Histogram<u64>,
    /// Service time from the actual send, µs.
    pub service: Histogram<u64>,
}

impl TagHistograms {
    fn new() -> Self {
        TagHistograms { response: histogram(), service: histogram() }
    }
}

/// What one finished unit measured.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// When it should have started.
    pub intended: Duration,
    /// When it was sent.
    pub sent: Duration,
    /// When the reply finished.
    pub done: Duration,
}

/// Interval histograms and run counters, shared by the workers behind a mutex.
#[derive(Debug)]
pub struct Recorder {
    tags: Vec<String>,
    warmup: Duration,
    tolerance: Duration,
    interval: Vec<TagHistograms>,
    /// Emptied histograms from the reporter, per tag, swapped in at the next drain.
    spare: Vec<Option<TagHistograms>>,
    lag: Histogram<u64>,
    spare_lag: Option<Histogram<u64>>,
    counts: Vec<Counts>,
    on_time: u64,
    started: u64,
    errors: Vec<ErrorEvent>,
    errors_logged: u64,
}

/// What the reporter takes each interval.
#[derive(Debug)]
pub struct Drained {
    /// Per tag (same order as the tags), only tags with data this interval.
    pub histograms: Vec<(usize, TagHistograms)>,
    /// Schedule lag this interval.
    pub lag: Histogram<u64>,
    /// Error events since the last drain.
    pub errors: Vec<ErrorEvent>,
}

impl Drained {
    /// Empties the histograms (outside the recorder's lock) so [`Recorder::recycle`] can swap
    /// them in at the next drain.
    pub fn into_spares(self) -> Spares {
        let mut histograms = self.histograms;
        for (_, h) in &mut histograms {
            h.response.reset();
            h.service.reset();
        }
        let mut lag = self.lag;
        lag.reset();
        Spares { histograms, lag }
    }
}

/// Emptied histograms going back from the reporter to the recorder (see [`Drained::into_spares`]).
#[derive(Debug)]
pub struct Spares {
    histograms: Vec<(usize, TagHistograms)>,
    lag: Histogram<u64>,
}

impl Recorder {
    /// A recorder for these tags.
    pub fn new(tags: Vec<String>, warmup: Duration, tolerance: Duration) -> Self {
        let n = tags.len();
        Recorder {
            tags,
            warmup,
            tolerance,
            interval: (0..n).map(|_| TagHistograms::new()).collect(),
            spare: (0..n).map(|_| None).collect(),
            lag: histogram(),
            spare_lag: None,
            counts: vec![Counts::default(); n],
            on_time: 0,
            started: 0,
            errors: Vec::new(),
            errors_logged: 0,
        }
    }

    /// The tags.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Records a unit that was sent and came back (with or without error).
    pub fn record(
        &mut self,
        tag: usize,
        unit: &dyn std::fmt::Display,
        t: Timing,
        result: Result<(), &ExecError>,
    ) {
        let counts = &mut self.counts[tag];
        let lag = t.sent.saturating_sub(t.intended);
        if t.intended < self.warmup {
            counts.warmup += 1;
            return;
        }
        self.started += 1;
        if lag <= self.tolerance {
            self.on_time += 1;
        } else {
            counts.late += 1;
        }
        record(&mut self.lag, micros(lag));
        match result {
            Ok(()) => {
                counts.ok += 1;
                let h = &mut self.interval[tag];
                record(&mut h.response, micros(t.done.saturating_sub(t.intended)));
                record(&mut h.service, micros(t.done.saturating_sub(t.sent)));
            }
            Err(e) => {
                counts.errors += 1;
                *counts.errors_by_number.entry(e.key()).or_default() += 1;
                if self.errors_logged < ERROR_LOG_LIMIT {
                    self.errors_logged += 1;
                    self.errors.push(ErrorEvent {
                        t: t.done.as_secs_f64(),
                        tag: self.tags[tag].clone(),
                        unit: unit.to_string(),
                        number: e.number,
                        kind: e.kind.clone(),
                        message: e.message.clone(),
                    });
                }
            }
        }
    }

    /// Counts a unit skipped because it was already later than `--max-lag`.
    pub fn skip(&mut self, tag: usize, intended: Duration) {
        if intended < self.warmup {
            self.counts[tag].warmup += 1;
        } else {
            self.counts[tag].skipped += 1;
        }
    }

    /// Counts one retry of a unit after a transient error.
    pub fn retried(&mut self, tag: usize) {
        self.counts[tag].retries += 1;
    }

    /// Counts a unit cancelled (Ctrl-C) before it was sent.
    pub fn cancel(&mut self, tag: usize) {
        self.counts[tag].cancelled += 1;
    }

    /// Units finished so far (ok + errors, warm-up included).
    pub fn finished(&self) -> u64 {
        self.counts.iter().map(|c| c.ok + c.errors + c.warmup).sum()
    }

    /// Per-tag counters.
    pub fn counts(&self) -> &[Counts] {
        &self.counts
    }

    /// (on time, started) after the warm-up.
    pub fn fidelity(&self) -> (u64, u64) {
        (self.on_time, self.started)
    }

    /// Error events beyond the log limit (counted, not logged).
    pub fn errors_not_logged(&self) -> u64 {
        self.counts.iter().map(|c| c.errors).sum::<u64>().saturating_sub(self.errors_logged)
    }

    /// Takes this interval's histograms and error events, leaving empty ones: the spares from
    /// [`Recorder::recycle`] where they still fit (pointer swaps), new ones otherwise.
    pub fn drain(&mut self) -> Drained {
        let mut histograms = Vec::new();
        for (i, h) in self.interval.iter_mut().enumerate() {
            if h.response.is_empty() && h.service.is_empty() {
                continue;
            }
            let spare = self.spare[i].take();
            let (response, service) = match spare {
                Some(s) => (Some(s.response), Some(s.service)),
                None => (None, None),
            };
            let taken = TagHistograms {
                response: take(&mut h.response, response),
                service: take(&mut h.service, service),
            };
            histograms.push((i, taken));
        }
        let lag = take(&mut self.lag, self.spare_lag.take());
        Drained { histograms, lag, errors: std::mem::take(&mut self.errors) }
    }

    /// Keeps the reporter's emptied histograms to swap in at the next drain (pointer moves).
    pub fn recycle(&mut self, spares: Spares) {
        for (i, h) in spares.histograms {
            if let Some(slot) = self.spare.get_mut(i) {
                *slot = Some(h);
            }
        }
        self.spare_lag = Some(spares.lag);
    }
}

#[cfg(test)]
mod tests;
