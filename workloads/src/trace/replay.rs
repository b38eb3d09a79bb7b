//! One trace replay from start to finish, for `cutover replay --trace`: the writes check over
//! the first pass, the server's identity, `run.json` (status `running`), the streaming replay
//! with a progress bar and Ctrl-C handling, then `summary.json` (per tag and per captured
//! session, and how it reconciles with the capture) and the final `run.json`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use tokio::sync::watch;

use super::engine::{TraceOutcome, TraceSettings, run_trace};
use super::precheck::Inventory;
use super::reading::Reading;
use super::stream::{ReadOptions, Source, TraceStream};
use crate::clock::SystemClock;
use crate::error::{Error, Result};
use crate::executor::MssqlConnector;
use crate::output::{Reconciliation, RunInfo, SessionSummary, Summary, TagInfo, write_json};
use crate::report::Reporter;
use crate::run::{ReplayOptions, identity, live_metrics, timestamp};

/// A trace replay's inputs.
#[derive(Clone, Debug)]
pub struct TraceRun {
    /// The capture's files.
    pub source: Arc<Source>,
    /// The first pass, when it ran.
    pub inventory: Option<Inventory>,
    /// Speed, mappings, shard, timeouts.
    pub settings: TraceSettings,
    /// How the capture is read (window, shard, writes refused).
    pub read: ReadOptions,
    /// The target databases' data points, read before anything was sent (replays that write).
    pub data_points: Vec<super::data_point::DataPoint>,
    /// What the data points warn about.
    pub data_warnings: Vec<String>,
}

/// Refuses a capture whose events may write unless writes are allowed (after the first pass).
pub fn check_writes(source: &Source, inv: &Inventory, allow_writes: bool) -> Result<()> {
    let writing = inv.writing();
    if writing.is_empty() || allow_writes {
        return Ok(());
    }
    let shown: Vec<String> = writing
        .iter()
        .take(5)
        .map(|t| format!("{} `{}`", t.name, t.text.chars().take(60).collect::<String>()))
        .collect();
    Err(Error::WritesRefused {
        workload: source.describe(),
        templates: format!("{} statement(s) that may write, e.g. {}", writing.len(), shown.join(", ")),
    })
}

/// The progress bar of the replay: events sent of those counted by the first pass.
fn progress(inv: Option<&Inventory>, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(inv.map(|i| i.events), ProgressDrawTarget::stderr());
    let template = if inv.is_some() {
        "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} events, {per_sec} ({msg})"
    } else {
        "{spinner} {elapsed_precise} {pos} events, {per_sec} ({msg})"
    };
    bar.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Runs a trace replay and writes the output directory. Returns the summary.
pub async fn replay_trace(run: TraceRun, o: &ReplayOptions, stop: watch::Receiver<bool>) -> Result<Summary> {
    std::fs::create_dir_all(&o.out).map_err(|source| Error::Write { path: o.out.clone(), source })?;
    let server = identity(&o.target).await?;
    let started = SystemTime::now();
    let inv = run.inventory.as_ref();
    let s = &run.settings;
    let target_rate =
        inv.filter(|i| i.span > Duration::ZERO).map(|i| i.events as f64 / s.due(i.span).as_secs_f64());
    let mut info = RunInfo::running(
        json!({
            "kind": "trace",
            "file": run.source.describe(),
            "files": run.source.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "capture_started_at": run.source.started_at,
            "data_points": run.data_points,
            "events": inv.map(|i| i.events_all),
            "sessions": inv.map(|i| i.sessions_all),
        }),
        json!({
            "speed": s.speed,
            "map_database": s.databases,
            "map_login": s.logins,
            "shard": o.shard,
            "sessions_in_shard": inv.map(|i| i.sessions.len()),
            "events_in_shard": inv.map(|i| i.events),
            "tolerance_ms": s.tolerance.as_secs_f64() * 1e3,
            "timeout_s": s.timeout.map(|t| t.as_secs_f64()),
            "max_lag_s": s.max_lag.map(|t| t.as_secs_f64()),
            "interval_s": o.interval.as_secs_f64(),
            "precheck": inv.is_some(),
            "writes_allowed": !run.read.refuse_writes,
            "reorder_window_s": run.read.window.as_secs_f64(),
        }),
        server,
        timestamp(started),
        target_rate,
        std::iter::once(format!(
            "trace replay: one connection per captured session, events in captured order, due at their captured offset / {}",
            s.speed
        ))
        .chain(run.data_warnings.iter().cloned())
        .collect(),
    );
    write_json(&o.out, "run.json", &info)?;
    let reporter = Reporter::new(o.interval, Some(&o.out), progress(inv, o.progress), started)?
        .with_metrics(live_metrics(o).await?);
    let connector = MssqlConnector { target: o.target.clone(), database: None };
    let reading = Reading::spawn(TraceStream::new(run.source.clone(), run.read.clone()));
    let outcome = run_trace(reading, s, connector, SystemClock::start, stop, reporter, inv).await?;
    let summary = summary(&outcome, inv);
    write_json(&o.out, "summary.json", &summary)?;
    if outcome.notes > 0 {
        info.notes.push(format!(
            "the capture saw {} events it could not write (see reconciliation.not_captured_examples)",
            outcome.notes
        ));
    }
    info.complete(&outcome.run, Duration::ZERO, s.tolerance, timestamp(SystemTime::now()));
    write_json(&o.out, "run.json", &info)?;
    Ok(summary)
}

/// `summary.json` of a trace replay: per tag (with its fingerprint), per session, reconciled.
pub fn summary(outcome: &TraceOutcome, inv: Option<&Inventory>) -> Summary {
    let tags: Vec<TagInfo> = outcome
        .tags
        .iter()
        .map(|t| TagInfo {
            access: Some(if t.writes { "write".into() } else { "read".into() }),
            weight: None,
            text: Some(t.text.clone()),
        })
        .collect();
    let mut summary = Summary::new(&outcome.run, &tags);
    summary.sessions = outcome
        .sessions
        .iter()
        .zip(&outcome.run.sessions)
        .map(|(s, c)| SessionSummary {
            session: s.id.to_string(),
            login: s.login.as_ref().map(|l| l.to_string()),
            counts: c.clone(),
        })
        .collect();
    let t = &summary.totals;
    let read_to_end = outcome.read.complete || inv.is_some();
    let mut text = format!(
        "replayed {} of {} captured events: {} ok, {} failed, {} skipped, {} cancelled",
        t.sent, t.captured, t.ok, t.errors, t.skipped, t.cancelled
    );
    if !read_to_end {
        text.push_str(" (stopped before the end of the capture: captured counts the events read)");
    }
    summary.reconciliation = Some(Reconciliation {
        replayed: t.sent,
        captured: t.captured,
        text,
        read_to_end,
        not_captured: outcome.notes,
        out_of_order: outcome.read.out_of_order,
        failed_examples: outcome.failed_examples.clone(),
        state_not_restored: outcome.state_not_restored,
        state_examples: outcome.state_examples.clone(),
        skipped_examples: outcome.skipped_examples.clone(),
        not_captured_examples: outcome.note_examples.clone(),
    });
    summary
}
