//! [`Reporter`]: every interval it drains the [`Recorder`], appends the interval histograms to
//! the HdrHistogram interval log (`latency.hlog`, one tag per template and kind), appends error
//! events to `errors.jsonl`, adds the interval into the run totals and moves the progress bar.
//! Under the recorder's lock it only swaps histograms (giving back last interval's, emptied);
//! encoding, adding and emptying happen outside it, so workers never wait on that work.
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
use crate::engine::{lock, stopped};
use crate::error::{Error, Result};
use crate::metrics::LiveMetrics;
use crate::recorder::{Counts, Drained, Recorder, Spares, TagHistograms, histogram};

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
    totals: Vec<TagHistograms>,
    lag: Histogram<u64>,
    spares: Option<Spares>,
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
            totals: Vec::new(),
            lag: histogram(),
            spares: None,
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

    /// Drains `recorder` every interval until `done` turns true, then once more.
    pub async fn run<K: Clock>(
        mut self,
        recorder: Arc<Mutex<Recorder>>,
        clock: K,
        done: watch::Receiver<bool>,
    ) -> Result<Self> {
        let tags: Vec<String> = lock(&recorder).tags().to_vec();
        self.totals =
            tags.iter().map(|_| TagHistograms { response: histogram(), service: histogram() }).collect();
        loop {
            let finished = tokio::select! {
                _ = clock.sleep_until(self.last + self.interval) => false,
                _ = stopped(done.clone()) => true,
            };
            // Spares that fit are built outside the lock; under it the drain swaps pointers. The
            // interval ends after that (units finished meanwhile belong to it).
            let shapes = lock(&recorder).shapes();
            let spares = Spares::fit(self.spares.take(), &shapes);
            let now = clock.now();
            let (drained, finished_units, errors, live) = {
                let mut r = lock(&recorder);
                r.recycle(spares);
                let errors: u64 = r.counts().iter().map(|c| c.errors).sum();
                let live = self.metrics.is_some().then(|| (r.counts().to_vec(), r.fidelity()));
                (r.drain(), r.finished(), errors, live)
            };
            self.absorb(&tags, &drained, now)?;
            self.spares = Some(drained.into_spares());
            if let (Some(m), Some((counts, fidelity))) = (&self.metrics, live) {
                m.publish(&tags, &counts, &self.totals, &self.lag, fidelity, now);
            }
            self.progress.set_position(finished_units);
            self.progress.set_message(format!("{errors} errors"));
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

    fn absorb(&mut self, tags: &[String], drained: &Drained, now: Duration) -> Result<()> {
        let (start, length) = (self.last, now.saturating_sub(self.last));
        self.last = now;
        for (i, h) in &drained.histograms {
            let total = &mut self.totals[*i];
            // Same-configuration auto-resizing histograms always add.
            let _ = total.response.add(&h.response);
            let _ = total.service.add(&h.service);
        }
        let _ = self.lag.add(&drained.lag);
        let Some(f) = &mut self.files else { return Ok(()) };
        let hlog_err =
            |path: &PathBuf, e: String| Error::Write { path: path.clone(), source: std::io::Error::other(e) };
        {
            let mut writer = IntervalLogWriterBuilder::new()
                .begin_log_with(&mut f.hlog, &mut f.serializer)
                .map_err(|source| Error::Write { path: f.hlog_path.clone(), source })?;
            for (i, h) in &drained.histograms {
                for (kind, hist) in [("response", &h.response), ("service", &h.service)] {
                    if hist.is_empty() {
                        continue;
                    }
                    let name = tag(&tags[*i], kind);
                    writer
                        .write_histogram(hist, start, length, Tag::new(&name))
                        .map_err(|e| hlog_err(&f.hlog_path, e.to_string()))?;
                }
            }
            if !drained.lag.is_empty() {
                writer
                    .write_histogram(&drained.lag, start, length, Tag::new("lag"))
                    .map_err(|e| hlog_err(&f.hlog_path, e.to_string()))?;
            }
        }
        for event in &drained.errors {
            let line = serde_json::to_string(event).map_err(|e| hlog_err(&f.errors_path, e.to_string()))?;
            writeln!(f.errors, "{line}")
                .map_err(|source| Error::Write { path: f.errors_path.clone(), source })?;
        }
        Ok(())
    }

    /// The run's results.
    pub fn finish(self, recorder: &Recorder, elapsed: Duration, interrupted: bool) -> RunResult {
        let (on_time, started) = recorder.fidelity();
        RunResult {
            tags: recorder.tags().to_vec(),
            totals: self.totals,
            lag: self.lag,
            counts: recorder.counts().to_vec(),
            on_time,
            started,
            elapsed,
            interrupted,
            errors_not_logged: recorder.errors_not_logged(),
        }
    }
}
