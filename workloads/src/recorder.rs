//! [`Recorder`]: where every finished, failed, late or skipped unit is counted.
//!
//! Workers share it behind a mutex and do as little as they can under it: bump the tag's
//! counters and append the unit's timings, one 32-byte [`Sample`], to a buffer. The
//! HdrHistograms (per tag **response time** from the intended start and **service time** from
//! the actual send, in microseconds, plus one **schedule-lag** histogram) are built from the
//! samples by the [`crate::report::Reporter`], outside the lock ([`crate::intervals`]). So a
//! unit costs the workers the same with 1 template or 1,000: an append to one contiguous buffer,
//! where recording straight into 2,000 separate 16 KB histograms missed the cache twice a unit.
//!
//! The reporter takes the buffer each interval, and sooner when it holds [`SAMPLE_BATCH`]
//! samples (the recorder wakes it), so memory stays flat however long or fast the run; taking
//! it swaps in the reporter's emptied buffer (a pointer move). Units whose intended start falls
//! inside the warm-up are executed but not sampled.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::sync::Notify;

use crate::executor::ExecError;

/// Error events kept for `errors.jsonl` per workload run; beyond this only counts grow. A
/// trace replay logs every failure ([`Recorder::log_every_error`]): each names its captured
/// event.
pub const ERROR_LOG_LIMIT: u64 = 10_000;

/// Failures kept whole for the summary (the first ones).
pub const FIRST_ERRORS: usize = 20;

/// Samples after which the recorder wakes the reporter to take them (1 MiB of samples).
pub const SAMPLE_BATCH: usize = 32 * 1024;

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

/// Counters of one tag (or of one captured session in a trace replay).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Trace replays: events read from the capture. Every one ends in exactly one of ok,
    /// errors, skipped, cancelled.
    #[serde(skip_serializing_if = "is_zero")]
    pub captured: u64,
    /// Units sent to the server (ok + errors).
    pub sent: u64,
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
    /// Skipped units by why (`max_lag`, `invalid`, `writes_not_allowed`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped_by_reason: BTreeMap<String, u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Counts {
    /// Adds another tag's or shard's counts.
    pub fn add(&mut self, other: &Counts) {
        self.captured += other.captured;
        self.sent += other.sent;
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
        for (k, v) in &other.skipped_by_reason {
            *self.skipped_by_reason.entry(k.clone()).or_default() += v;
        }
    }

    fn skip(&mut self, reason: &str) {
        self.skipped += 1;
        *self.skipped_by_reason.entry(reason.to_string()).or_default() += 1;
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

/// The histograms of one tag.
#[derive(Clone, Debug)]
pub struct TagHistograms {
    /// Response time from the intended start, µs.
    pub response: Histogram<u64>,
    /// Service time from the actual send, µs.
    pub service: Histogram<u64>,
}

impl TagHistograms {
    /// Two empty histograms.
    pub fn new() -> Self {
        TagHistograms { response: histogram(), service: histogram() }
    }
}

impl Default for TagHistograms {
    fn default() -> Self {
        Self::new()
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

/// One started unit's timings in microseconds, as the histograms take them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The tag's index.
    pub tag: u32,
    /// Completed without error: only then do response and service time count.
    pub ok: bool,
    /// Schedule lag: sent − intended.
    pub lag: u64,
    /// Response time: done − intended.
    pub response: u64,
    /// Service time: done − sent.
    pub service: u64,
}

impl Sample {
    fn new(tag: usize, t: Timing, ok: bool) -> Self {
        Sample {
            tag: u32::try_from(tag).expect("fewer than 2^32 tags"),
            ok,
            lag: micros(t.sent.saturating_sub(t.intended)),
            response: micros(t.done.saturating_sub(t.intended)),
            service: micros(t.done.saturating_sub(t.sent)),
        }
    }
}

/// Run counters and this interval's samples, shared by the workers behind a mutex.
#[derive(Debug)]
pub struct Recorder {
    tags: Vec<String>,
    warmup: Duration,
    tolerance: Duration,
    samples: Vec<Sample>,
    batch_ready: Arc<Notify>,
    counts: Vec<Counts>,
    /// Per captured session (trace replays), grown as sessions appear.
    sessions: Vec<Counts>,
    on_time: u64,
    started: u64,
    errors: Vec<ErrorEvent>,
    errors_logged: u64,
    error_limit: u64,
    first_errors: Vec<ErrorEvent>,
}

/// What the reporter takes from the recorder.
#[derive(Debug)]
pub struct Taken {
    /// Samples since the last take, in the order they were recorded.
    pub samples: Vec<Sample>,
    /// Error events since the last take.
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
            samples: Vec::with_capacity(SAMPLE_BATCH),
            batch_ready: Arc::new(Notify::new()),
            counts: vec![Counts::default(); n],
            sessions: Vec::new(),
            on_time: 0,
            started: 0,
            errors: Vec::new(),
            errors_logged: 0,
            error_limit: ERROR_LOG_LIMIT,
            first_errors: Vec::new(),
        }
    }

    /// Logs every failure to `errors.jsonl`, not only the first [`ERROR_LOG_LIMIT`].
    pub fn log_every_error(mut self) -> Self {
        self.error_limit = u64::MAX;
        self
    }

    /// The first failures (at most [`FIRST_ERRORS`]).
    pub fn first_errors(&self) -> &[ErrorEvent] {
        &self.first_errors
    }

    /// The tags.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Notified each time [`SAMPLE_BATCH`] samples are waiting to be taken.
    pub fn batch_ready(&self) -> Arc<Notify> {
        self.batch_ready.clone()
    }

    /// Adds a tag (trace replays meet their statements as they read them); returns its index.
    pub fn add_tag(&mut self, name: String) -> usize {
        self.tags.push(name);
        self.counts.push(Counts::default());
        self.tags.len() - 1
    }

    /// The counters of captured session `s`, created on first use.
    fn session(&mut self, s: usize) -> &mut Counts {
        if s >= self.sessions.len() {
            self.sessions.resize_with(s + 1, Counts::default);
        }
        &mut self.sessions[s]
    }

    /// Applies `f` to the tag's counters and, in a trace replay, the session's.
    fn count(&mut self, tag: usize, session: Option<usize>, f: impl Fn(&mut Counts)) {
        f(&mut self.counts[tag]);
        if let Some(s) = session {
            f(self.session(s));
        }
    }

    /// Records a unit that was sent and came back (with or without error).
    pub fn record(
        &mut self,
        tag: usize,
        unit: &dyn std::fmt::Display,
        t: Timing,
        result: Result<(), &ExecError>,
    ) {
        self.record_in(tag, None, unit, t, result);
    }

    /// [`Recorder::record`] for a captured session's event.
    pub fn record_in(
        &mut self,
        tag: usize,
        session: Option<usize>,
        unit: &dyn std::fmt::Display,
        t: Timing,
        result: Result<(), &ExecError>,
    ) {
        if t.intended < self.warmup {
            self.count(tag, session, |c| c.warmup += 1);
            return;
        }
        self.started += 1;
        if t.sent.saturating_sub(t.intended) <= self.tolerance {
            self.on_time += 1;
        } else {
            self.count(tag, session, |c| c.late += 1);
        }
        self.samples.push(Sample::new(tag, t, result.is_ok()));
        if self.samples.len() == SAMPLE_BATCH {
            self.batch_ready.notify_one();
        }
        match result {
            Ok(()) => self.count(tag, session, |c| {
                c.sent += 1;
                c.ok += 1;
            }),
            Err(e) => {
                let key = e.key();
                self.count(tag, session, |c| {
                    c.sent += 1;
                    c.errors += 1;
                    *c.errors_by_number.entry(key.clone()).or_default() += 1;
                });
                if self.errors_logged < self.error_limit {
                    self.errors_logged += 1;
                    let event = ErrorEvent {
                        t: t.done.as_secs_f64(),
                        tag: self.tags[tag].clone(),
                        unit: unit.to_string(),
                        number: e.number,
                        kind: e.kind.clone(),
                        message: e.message.clone(),
                    };
                    if self.first_errors.len() < FIRST_ERRORS {
                        self.first_errors.push(event.clone());
                    }
                    self.errors.push(event);
                }
            }
        }
    }

    /// Counts a unit skipped because it was already later than `--max-lag`.
    pub fn skip(&mut self, tag: usize, intended: Duration) {
        if intended < self.warmup {
            self.counts[tag].warmup += 1;
        } else {
            self.counts[tag].skip("max_lag");
        }
    }

    /// Counts a captured event not sent, with why (`max_lag`, `invalid`, …).
    pub fn skip_in(&mut self, tag: usize, session: Option<usize>, reason: &str) {
        self.count(tag, session, |c| c.skip(reason));
    }

    /// Counts `n` events of captured session `s` cancelled (never read: Ctrl-C).
    pub fn cancel_session(&mut self, s: usize, n: u64) {
        self.session(s).cancelled += n;
    }

    /// Sets the events read from the capture, per tag and per session (trace replays).
    pub fn set_captured(&mut self, tags: &[u64], sessions: &[u64]) {
        for (c, &n) in self.counts.iter_mut().zip(tags) {
            c.captured = n;
        }
        for (s, &n) in sessions.iter().enumerate() {
            self.session(s).captured = n;
        }
    }

    /// Counts a captured event cancelled (Ctrl-C) before it was sent.
    pub fn cancel_in(&mut self, tag: usize, session: Option<usize>, n: u64) {
        self.count(tag, session, |c| c.cancelled += n);
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

    /// Per captured session counters (trace replays).
    pub fn session_counts(&self) -> &[Counts] {
        &self.sessions
    }

    /// (on time, started) after the warm-up.
    pub fn fidelity(&self) -> (u64, u64) {
        (self.on_time, self.started)
    }

    /// Error events beyond the log limit (counted, not logged).
    pub fn errors_not_logged(&self) -> u64 {
        self.counts.iter().map(|c| c.errors).sum::<u64>().saturating_sub(self.errors_logged)
    }

    /// Takes the samples and error events recorded since the last take, leaving `empty` (the
    /// reporter's emptied buffer, so its capacity is reused) in the samples' place.
    pub fn take(&mut self, empty: Vec<Sample>) -> Taken {
        debug_assert!(empty.is_empty());
        Taken {
            samples: std::mem::replace(&mut self.samples, empty),
            errors: std::mem::take(&mut self.errors),
        }
    }
}

#[cfg(test)]
mod tests;
