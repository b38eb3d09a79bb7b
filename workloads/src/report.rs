//! [`Reporter`]: it takes the [`Recorder`]'s samples into this interval's [`Histograms`] (each
//! interval, and sooner when a batch of samples is waiting), then at the end of each interval
//! appends those histograms to the HdrHistogram interval log (`latency.hlog`, one tag per
//! template and kind), appends error events to `errors.jsonl`, adds the interval into the run
//! totals and moves the progress bar. Under the recorder's lock it only swaps sample buffers;
//! recording, encoding and adding happen outside it, so workers never wait on that work.
//! At the end, [`Reporter::finish`] gives the [`RunResult`] the summary is computed from.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
use indicatif::ProgressBar;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::histograms::Histograms;
use crate::metrics::LiveMetrics;
use crate::recorder::{Counts, ErrorEvent, Recorder, Sample, TagHistograms, Taken};
use crate::sync::{lock, stopped};

/// File names in the output directory.
pub const HLOG: &str = "latency.hlog";
/// Error events.
pub const ERRORS: &str = "errors.jsonl";

/// The histogram tag for a template and a kind (`response`, `service`).
pub fn tag(name: &str, kind: &str) -> String {
    format!("{name}.{kind}")
}

/// The interval log and the error log of one run.
struct Files {
    hlog_path: PathBuf,
    hlog: BufWriter<File>,
    serializer: V2DeflateSerializer,
    errors_path: PathBuf,
    errors: BufWriter<File>,
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    File::create(path).map(BufWriter::new).map_err(|source| Error::Write { path: path.to_path_buf(), source })
}

/// Drains the recorder each interval and writes what it drained.
pub struct Reporter {
    interval: Duration,
    files: Option<Files>,
    progress: ProgressBar,
    interval_histograms: Histograms,
    totals: Histograms,
    /// The sample buffer taken last time, emptied, to give back at the next take.
    spare: Vec<Sample>,
    last: Duration,
    metrics: Option<Arc<LiveMetrics>>,
}

/// Everything a run measured, after the last interval.
#[derive(Debug)]
pub struct RunResult {
    /// Template names or fingerprints, in tag order.
    pub tags: Vec<String>,
    /// Whole-run histograms per tag (µs).
    pub totals: Vec<TagHistograms>,
    /// Whole-run schedule lag (µs).
    pub lag: Histogram<u64>,
    /// Counters per tag.
    pub counts: Vec<Counts>,
    /// Counters per captured session (trace replays; empty otherwise).
    pub sessions: Vec<Counts>,
    /// Units started within the tolerance of their schedule (after warm-up).
    pub on_time: u64,
    /// Units started (after warm-up).
    pub started: u64,
    /// From the clock's start to the end of the last unit.
    pub elapsed: Duration,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// Error events counted but not written to errors.jsonl (over the limit).
    pub errors_not_logged: u64,
}

impl RunResult {
    /// The counters of every tag added up.
    pub fn totals(&self) -> Counts {
        let mut all = Counts::default();
        for c in &self.counts {
            all.add(c);
        }
        all
    }
}

impl Reporter {
    /// A reporter; with `out`, it writes `latency.hlog` and `errors.jsonl` there.
    pub fn new(
        interval: Duration,
        out: Option<&Path>,
        progress: ProgressBar,
        wall_start: SystemTime,
    ) -> Result<Self> {
        let files = match out {
            None => None,
            Some(dir) => {
                let hlog_path = dir.join(HLOG);
                let mut hlog = create(&hlog_path)?;
                let mut serializer = V2DeflateSerializer::new();
                IntervalLogWriterBuilder::new()
                    .add_comment(
                        "cutover replay: response and service time and schedule lag, in microseconds",
                    )
                    .with_start_time(wall_start)
                    .with_base_time(wall_start)
                    .begin_log_with(&mut hlog, &mut serializer)
                    .map_err(|source| Error::Write { path: hlog_path.clone(), source })?;
                let errors_path = dir.join(ERRORS);
                let errors = create(&errors_path)?;
                Some(Files { hlog_path, hlog, serializer, errors_path, errors })
            }
        };
        Ok(Reporter {
            interval: interval.max(Duration::from_millis(10)),
            files,
            progress,
            interval_histograms: Histograms::new(0),
            totals: Histograms::new(0),
            spare: Vec::new(),
            last: Duration::ZERO,
            metrics: None,
        })
    }

    /// Also publishes the run so far to `metrics` (`--listen`) each interval.
    pub fn with_metrics(mut self, metrics: Option<Arc<LiveMetrics>>) -> Self {
        self.metrics = metrics;
        self
    }

    /// A reporter that writes no files and shows no progress (benches and tests).
    pub fn silent(interval: Duration) -> Self {
        Reporter::new(interval, None, ProgressBar::hidden(), SystemTime::now())
            .expect("a reporter without files cannot fail")
    }

    /// Takes the recorder's samples every interval (and whenever a batch is waiting) until
    /// `done` turns true, then once more.
    pub async fn run<K: Clock>(
        mut self,
        recorder: Arc<Mutex<Recorder>>,
        clock: K,
        done: watch::Receiver<bool>,
    ) -> Result<Self> {
        let (mut tags, batch_ready) = {
            let r = lock(&recorder);
            (r.tags().to_vec(), r.batch_ready())
        };
        self.interval_histograms = Histograms::new(tags.len());
        self.totals = Histograms::new(tags.len());
        loop {
            let finished = tokio::select! {
                _ = clock.sleep_until(self.last + self.interval) => false,
                _ = batch_ready.notified() => {
                    let taken = self.swap(&mut lock(&recorder));
                    self.absorb(taken)?;
                    continue;
                }
                _ = stopped(done.clone()) => true,
            };
            // The interval ends before the last take: units finished meanwhile belong to it.
            let now = clock.now();
            let (taken, finished_units, error_count, live) = {
                let mut r = lock(&recorder);
                // A trace replay adds tags as it reads.
                tags.extend_from_slice(&r.tags()[tags.len()..]);
                let error_count: u64 = r.counts().iter().map(|c| c.errors).sum();
                let live = self.metrics.is_some().then(|| (r.counts().to_vec(), r.fidelity()));
                (self.swap(&mut r), r.finished(), error_count, live)
            };
            self.absorb(taken)?;
            self.end_interval(&tags, now)?;
            if let (Some(m), Some((counts, fidelity))) = (&self.metrics, live) {
                m.publish(&tags, &counts, &self.totals.tags, &self.totals.lag, fidelity, now);
            }
            self.progress.set_position(finished_units);
            self.progress.set_message(format!("{error_count} errors"));
            if finished {
                break;
            }
        }
        self.progress.finish_and_clear();
        if let Some(f) = &mut self.files {
            f.hlog.flush().map_err(|source| Error::Write { path: f.hlog_path.clone(), source })?;
            f.errors.flush().map_err(|source| Error::Write { path: f.errors_path.clone(), source })?;
        }
        Ok(self)
    }

    /// Takes the recorder's samples and error events, giving back the emptied sample buffer
    /// (under the recorder's lock: pointer moves only).
    fn swap(&mut self, recorder: &mut Recorder) -> Taken {
        recorder.take(std::mem::take(&mut self.spare))
    }

    /// Records what [`Reporter::swap`] took into this interval's histograms and writes its
    /// error events (outside the recorder's lock).
    fn absorb(&mut self, taken: Taken) -> Result<()> {
        self.interval_histograms.absorb(&taken.samples);
        self.spare = taken.samples;
        self.spare.clear();
        self.write_errors(&taken.errors)
    }

    /// Writes this interval's histograms to the interval log, adds them to the totals and
    /// empties them for the next interval.
    fn end_interval(&mut self, tags: &[String], now: Duration) -> Result<()> {
        let (start, length) = (self.last, now.saturating_sub(self.last));
        self.last = now;
        self.totals.add(&self.interval_histograms);
        let written = self.write_interval(tags, start, length);
        self.interval_histograms.clear();
        written
    }

    fn write_interval(&mut self, tags: &[String], start: Duration, length: Duration) -> Result<()> {
        let Some(f) = &mut self.files else { return Ok(()) };
        let hlog_err =
            |e: String| Error::Write { path: f.hlog_path.clone(), source: std::io::Error::other(e) };
        let mut writer = IntervalLogWriterBuilder::new()
            .begin_log_with(&mut f.hlog, &mut f.serializer)
            .map_err(|e| hlog_err(e.to_string()))?;
        let h = &self.interval_histograms;
        for (i, th) in h.active() {
            for (kind, hist) in [("response", &th.response), ("service", &th.service)] {
                if hist.is_empty() {
                    continue;
                }
                let name = tag(&tags[i], kind);
                writer
                    .write_histogram(hist, start, length, Tag::new(&name))
                    .map_err(|e| hlog_err(e.to_string()))?;
            }
        }
        if !h.lag.is_empty() {
            writer
                .write_histogram(&h.lag, start, length, Tag::new("lag"))
                .map_err(|e| hlog_err(e.to_string()))?;
        }
        Ok(())
    }

    fn write_errors(&mut self, events: &[ErrorEvent]) -> Result<()> {
        let Some(f) = &mut self.files else { return Ok(()) };
        for event in events {
            let line = serde_json::to_string(event).map_err(|e| Error::Write {
                path: f.errors_path.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
            writeln!(f.errors, "{line}")
                .map_err(|source| Error::Write { path: f.errors_path.clone(), source })?;
        }
        Ok(())
    }

    /// The run's results.
    pub fn finish(self, recorder: &Recorder, elapsed: Duration, interrupted: bool) -> RunResult {
        let (on_time, started) = recorder.fidelity();
        let mut totals = self.totals.tags;
        totals.resize_with(recorder.tags().len(), TagHistograms::new);
        RunResult {
            tags: recorder.tags().to_vec(),
            totals,
            lag: self.totals.lag,
            counts: recorder.counts().to_vec(),
            sessions: recorder.session_counts().to_vec(),
            on_time,
            started,
            elapsed,
            interrupted,
            errors_not_logged: recorder.errors_not_logged(),
        }
    }
}
