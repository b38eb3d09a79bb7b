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
//! empties the drained histograms outside the lock ([`Drained::into_spares`]), and before each
//! drain replaces, still outside the lock, the spares that no longer fit ([`Spares::fit`]). An empty
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

/// What an empty stand-in for a histogram must match: its range and precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    low: u64,
    high: u64,
    sigfig: u8,
}

impl Shape {
    /// The shape of `h`.
    pub fn of(h: &Histogram<u64>) -> Self {
        Shape { low: h.low(), high: h.high(), sigfig: h.sigfig() }
    }

    /// An empty auto-resizing histogram of this shape: what [`blank_like`] makes of a histogram
    /// of this shape (`new_from` builds from the same three bounds).
    pub fn blank(self) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(self.low, self.high, self.sigfig)
            .expect("the bounds of an existing histogram are valid");
        h.auto(true);
        h
    }

    /// `spare` if it is empty and of this shape, else a new blank.
    fn fit(self, spare: Option<Histogram<u64>>) -> Histogram<u64> {
        match spare {
            Some(s) if s.is_empty() && Shape::of(&s) == self => s,
            _ => self.blank(),
        }
    }
}

/// The shapes of the recorder's histograms at one instant ([`Recorder::shapes`]): per tag,
/// `None` when the tag has nothing this interval.
#[derive(Clone, Debug)]
pub struct Shapes {
    tags: Vec<Option<(Shape, Shape)>>,
    lag: Shape,
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

impl Spares {
    /// Spares for the next drain, built outside the recorder's lock: `spares` (last interval's,
    /// emptied; none at the first drain) where they still fit `shapes`, new blanks where they do
    /// not (a histogram that grew, or none yet), so the drain under the lock only swaps
    /// pointers. Building 2,000 blanks under the lock at the first drain stalled every worker
    /// for ~100 ms.
    pub fn fit(spares: Option<Spares>, shapes: &Shapes) -> Spares {
        let mut by_tag: Vec<Option<TagHistograms>> = shapes.tags.iter().map(|_| None).collect();
        let mut lag = None;
        if let Some(s) = spares {
            for (i, h) in s.histograms {
                if let Some(slot) = by_tag.get_mut(i) {
                    *slot = Some(h);
                }
            }
            lag = Some(s.lag);
        }
        let histograms = by_tag
            .into_iter()
            .zip(&shapes.tags)
            .enumerate()
            .filter_map(|(i, (spare, wanted))| match wanted {
                None => spare.map(|h| (i, h)),
                Some((response, service)) => {
                    let (r, s) = spare.map_or((None, None), |h| (Some(h.response), Some(h.service)));
                    Some((i, TagHistograms { response: response.fit(r), service: service.fit(s) }))
                }
            })
            .collect();
        Spares { histograms, lag: shapes.lag.fit(lag) }
    }
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

    /// The shapes of this interval's histograms (reads only; see [`Spares::fit`]).
    pub fn shapes(&self) -> Shapes {
        let tags = self
            .interval
            .iter()
            .map(|h| {
                let empty = h.response.is_empty() && h.service.is_empty();
                (!empty).then(|| (Shape::of(&h.response), Shape::of(&h.service)))
            })
            .collect();
        Shapes { tags, lag: Shape::of(&self.lag) }
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
