//! The files a replay leaves in its output directory besides the logs the
//! [`crate::report::Reporter`] streams: `run.json` (settings, server, times, rates, fidelity,
//! totals; written at the start with `status = "running"` and again at the end) and
//! `summary.json` (per-tag counts, errors and percentiles). Schemas: `docs/replay-output.md`.

use std::collections::BTreeMap;
use std::path::Path;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::recorder::Counts;
use crate::report::RunResult;

/// `run.json`'s schema identifier.
pub const RUN_SCHEMA: &str = "cutover.replay.run/1";
/// `summary.json`'s schema identifier.
pub const SUMMARY_SCHEMA: &str = "cutover.replay.summary/1";

/// Percentiles of one histogram, in microseconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Percentiles {
    /// Values recorded.
    pub count: u64,
    /// Smallest.
    pub min: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p99_9: u64,
    /// Largest.
    pub max: u64,
}

impl Percentiles {
    /// From a histogram (all zeros when empty).
    pub fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Percentiles {
                count: 0,
                min: 0,
                mean: 0.0,
                p50: 0,
                p90: 0,
                p95: 0,
                p99: 0,
                p99_9: 0,
                max: 0,
            };
        }
        Percentiles {
            count: h.len(),
            min: h.min(),
            mean: (h.mean() * 10.0).round() / 10.0,
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p95: h.value_at_quantile(0.95),
            p99: h.value_at_quantile(0.99),
            p99_9: h.value_at_quantile(0.999),
            max: h.max(),
        }
    }
}

/// What a tag stands for in the summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TagInfo {
    /// `read` or `write` (workloads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    /// Weight in the mix (workloads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<u64>,
    /// Normalised SQL text (traces).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One tag's line in `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TagSummary {
    /// Template name or fingerprint.
    pub name: String,
    /// What it is.
    #[serde(flatten)]
    pub info: TagInfo,
    /// Counters.
    #[serde(flatten)]
    pub counts: Counts,
    /// Response time from the intended start, µs (successful units).
    pub response_us: Percentiles,
    /// Service time from the actual send, µs (successful units).
    pub service_us: Percentiles,
}

/// `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// [`SUMMARY_SCHEMA`].
    pub schema: &'static str,
    /// Every tag added up.
    pub totals: Counts,
    /// Schedule lag, µs.
    pub lag_us: Percentiles,
    /// Per tag, in workload order.
    pub templates: Vec<TagSummary>,
    /// Trace replays: how the replay adds up against its capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciliation: Option<Reconciliation>,
    /// Trace replays: per captured session of this shard, in order of first appearance.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<SessionSummary>,
}

/// A captured session's line in `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionSummary {
    /// The captured session id.
    pub session: String,
    /// The login it was captured under (before mapping).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// Counters (captured, sent, ok, errors by number, skipped by why, late, cancelled).
    #[serde(flatten)]
    pub counts: Counts,
}

/// How a trace replay adds up against its capture: every captured event of this shard is in
/// exactly one of ok, errors, skipped, cancelled (`totals` has the counts).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reconciliation {
    /// Events sent (ok + errors).
    pub replayed: u64,
    /// Events of this shard in the capture.
    pub captured: u64,
    /// `replayed N of M captured events` and where the rest went.
    pub text: String,
    /// The capture was read to its end (false after Ctrl-C without a first pass: `captured`
    /// then counts what was read).
    pub read_to_end: bool,
    /// Events the capture saw and could not write (its notes), whole capture.
    pub not_captured: u64,
    /// Events that came out after a later-starting one (they ran longer than the read-ahead
    /// window) and were sent when read.
    pub out_of_order: u64,
    /// The first failures: the captured event (`unit` = `FILE:LINE`), the server's error number
    /// and message (every failure is in `errors.jsonl`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_examples: Vec<crate::recorder::ErrorEvent>,
    /// The first skipped lines: `FILE:LINE: reason: message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_examples: Vec<String>,
    /// Times a session's captured state (SET options, prepared statements) could not be
    /// restored, and the first messages.
    pub state_not_restored: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub state_examples: Vec<String>,
    /// The first notes: `FILE:LINE: message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_captured_examples: Vec<String>,
}

impl Summary {
    /// Builds the summary; `info` is per tag (missing entries are blank).
    pub fn new(result: &RunResult, info: &[TagInfo]) -> Self {
        let templates = result
            .tags
            .iter()
            .enumerate()
            .map(|(i, name)| TagSummary {
                name: name.clone(),
                info: info.get(i).cloned().unwrap_or_default(),
                counts: result.counts[i].clone(),
                response_us: Percentiles::of(&result.totals[i].response),
                service_us: Percentiles::of(&result.totals[i].service),
            })
            .collect();
        Summary {
            schema: SUMMARY_SCHEMA,
            totals: result.totals(),
            lag_us: Percentiles::of(&result.lag),
            templates,
            reconciliation: None,
            sessions: Vec::new(),
        }
    }
}

/// Fidelity: the share of units started within the tolerance of their schedule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fidelity {
    /// The tolerance, ms.
    pub tolerance_ms: f64,
    /// Units on time.
    pub on_time: u64,
    /// Units started (after warm-up).
    pub started: u64,
    /// on_time / started (1.0 when nothing started).
    pub share: f64,
}

/// `run.json`.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// [`RUN_SCHEMA`].
    pub schema: &'static str,
    /// `running`, `complete` or `interrupted`.
    pub status: String,
    /// cutover's version.
    pub cutover_version: String,
    /// Workload or trace: name, file, kind.
    pub workload: serde_json::Value,
    /// Every setting the run used (file values with command-line overrides applied).
    pub settings: serde_json::Value,
    /// The server's identity (SERVERPROPERTY), when it could be read.
    pub server: serde_json::Value,
    /// RFC 3339 start (the first scheduled unit).
    pub started_at: String,
    /// RFC 3339 end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// Seconds from start to end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
    /// Seconds after the warm-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_s: Option<f64>,
    /// Target units per second (open loop and traces), per this shard.
    pub target_rate: Option<f64>,
    /// Units finished per second after the warm-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved_rate: Option<f64>,
    /// Schedule fidelity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<Fidelity>,
    /// Counters over every tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<Counts>,
    /// Error events counted but not in errors.jsonl.
    pub errors_not_logged: u64,
    /// Closed-loop runs measure service time only: said here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl RunInfo {
    /// `run.json` at the start of a run (`status: "running"`; the end fills in the rest).
    pub fn running(
        workload: serde_json::Value,
        settings: serde_json::Value,
        server: serde_json::Value,
        started_at: String,
        target_rate: Option<f64>,
        notes: Vec<String>,
    ) -> Self {
        RunInfo {
            schema: RUN_SCHEMA,
            status: "running".into(),
            cutover_version: env!("CARGO_PKG_VERSION").into(),
            workload,
            settings,
            server,
            started_at,
            ended_at: None,
            elapsed_s: None,
            measured_s: None,
            target_rate,
            achieved_rate: None,
            fidelity: None,
            totals: None,
            errors_not_logged: 0,
            notes,
        }
    }

    /// Fills the end-of-run fields from `result`.
    pub fn complete(
        &mut self,
        result: &RunResult,
        warmup: std::time::Duration,
        tolerance: std::time::Duration,
        ended_at: String,
    ) {
        let totals = result.totals();
        let elapsed = result.elapsed.as_secs_f64();
        let measured = (elapsed - warmup.as_secs_f64()).max(0.0);
        let finished = totals.ok + totals.errors;
        self.status = if result.interrupted { "interrupted".into() } else { "complete".into() };
        self.ended_at = Some(ended_at);
        self.elapsed_s = Some(round3(elapsed));
        self.measured_s = Some(round3(measured));
        self.achieved_rate = Some(if measured > 0.0 { round3(finished as f64 / measured) } else { 0.0 });
        self.fidelity = Some(Fidelity {
            tolerance_ms: tolerance.as_secs_f64() * 1e3,
            on_time: result.on_time,
            started: result.started,
            share: if result.started == 0 {
                1.0
            } else {
                round3(result.on_time as f64 / result.started as f64)
            },
        });
        self.totals = Some(totals);
        self.errors_not_logged = result.errors_not_logged;
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Writes `value` as pretty JSON to `dir/name` (through a temporary file, so a reader never
/// sees half a file).
pub fn write_json<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<()> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Write { path: path.clone(), source: std::io::Error::other(e) })?;
    std::fs::write(&tmp, text + "\n").map_err(|source| Error::Write { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, &path).map_err(|source| Error::Write { path, source })
}

/// Error counts keyed by number, for callers that merge summaries.
pub fn merge_errors(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}
