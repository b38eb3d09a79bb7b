//! [`Recorder`]: where every finished, failed, late or skipped unit is counted.
//!
//! Per tag (template or query fingerprint) two HdrHistograms in microseconds: **response
//! time** from the intended start (the schedule) and **service time** from the actual send;
//! plus one **schedule-lag** histogram (actual send − intended start). Histograms here cover
//! the current interval only; the [`crate::report::Reporter`] drains them each interval into
//! the interval log and adds them to the run totals, so memory stays flat however long the run.
//! Units whose intended start falls inside the warm-up are executed but not recorded.

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
    lag: Histogram<u64>,
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

impl Recorder {
    /// A recorder for these tags.
    pub fn new(tags: Vec<String>, warmup: Duration, tolerance: Duration) -> Self {
        let n = tags.len();
        Recorder {
            tags,
            warmup,
            tolerance,
            interval: (0..n).map(|_| TagHistograms::new()).collect(),
            lag: histogram(),
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

    /// Takes this interval's histograms and error events, leaving empty ones.
    pub fn drain(&mut self) -> Drained {
        let mut histograms = Vec::new();
        for (i, h) in self.interval.iter_mut().enumerate() {
            if h.response.is_empty() && h.service.is_empty() {
                continue;
            }
            histograms.push((i, h.clone()));
            h.response.reset();
            h.service.reset();
        }
        let lag = self.lag.clone();
        self.lag.reset();
        Drained { histograms, lag, errors: std::mem::take(&mut self.errors) }
    }
}
