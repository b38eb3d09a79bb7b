//! One replay from start to finish, for `cutover replay`: apply command-line overrides, refuse
//! writes without the opt-in, read the server's identity, write `run.json` (status `running`),
//! drive the engine with a progress bar and Ctrl-C handling, then write `summary.json` and the
//! final `run.json`. Each file is complete when written, so Ctrl-C loses nothing.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use cutover_mssql::ServerTarget;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use tokio::sync::watch;

use crate::clock::SystemClock;
use crate::engine::run_workload;
use crate::error::{Error, Result};
use crate::executor::MssqlConnector;
use crate::metrics::LiveMetrics;
use crate::output::{RunInfo, Summary, TagInfo, write_json};
use crate::report::Reporter;
use crate::spec::{Access, Arrival, Load, Stop, Workload};
use crate::units::{Shard, parse_rate};
use cutover_common::duration::parse as parse_duration;

/// Settings from the command line that override the workload file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--rate`: open loop at this rate.
    pub rate: Option<String>,
    /// `--concurrency`: closed loop with this many workers.
    pub concurrency: Option<usize>,
    /// `--connections`: open-loop pool size.
    pub connections: Option<usize>,
    /// `--arrival fixed|poisson`.
    pub arrival: Option<String>,
    /// `--duration`.
    pub duration: Option<String>,
    /// `--count`.
    pub count: Option<u64>,
    /// `--warmup`.
    pub warmup: Option<String>,
    /// `--think-time`.
    pub think_time: Option<String>,
    /// `--max-lag`.
    pub max_lag: Option<String>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--database`.
    pub database: Option<String>,
}

fn flag(name: &'static str) -> impl Fn(String) -> Error {
    move |m| Error::setting(name, m)
}

impl Overrides {
    /// Applies the overrides; errors name the flag.
    pub fn apply(&self, w: &mut Workload) -> Result<()> {
        let connections = |w: &Workload| match w.load {
            Load::Open { connections, .. } => connections,
            Load::Closed { workers } => workers,
        };
        if let Some(rate) = &self.rate {
            let rate = parse_rate(rate).map_err(flag("--rate"))?;
            let arrival = match w.load {
                Load::Open { arrival, .. } => arrival,
                Load::Closed { .. } => Arrival::Poisson,
            };
            w.load = Load::Open {
                rate,
                arrival,
                connections: connections(w).max(crate::spec::DEFAULT_CONNECTIONS.min(8)),
            };
        }
        if let Some(workers) = self.concurrency {
            if workers == 0 {
                return Err(Error::setting("--concurrency", "must be at least 1"));
            }
            w.load = Load::Closed { workers };
        }
        if let Some(n) = self.connections {
            match &mut w.load {
                Load::Open { connections, .. } if n > 0 => *connections = n,
                Load::Open { .. } => return Err(Error::setting("--connections", "must be at least 1")),
                Load::Closed { .. } => {
                    return Err(Error::setting(
                        "--connections",
                        "applies to an open loop (--rate); a closed loop uses --concurrency",
                    ));
                }
            }
        }
        if let Some(a) = &self.arrival {
            let new = match a.as_str() {
                "fixed" => Arrival::Fixed,
                "poisson" => Arrival::Poisson,
                other => return Err(Error::setting("--arrival", format!("`{other}`: use fixed or poisson"))),
            };
            match &mut w.load {
                Load::Open { arrival, .. } => *arrival = new,
                Load::Closed { .. } => {
                    return Err(Error::setting("--arrival", "applies to an open loop: add --rate"));
                }
            }
        }
        if let Some(d) = &self.duration {
            w.stop = Stop::Duration(parse_duration(d).map_err(flag("--duration"))?);
        }
        if let Some(n) = self.count {
            if n == 0 {
                return Err(Error::setting("--count", "must be at least 1"));
            }
            w.stop = Stop::Count(n);
        }
        if let Some(d) = &self.warmup {
            w.warmup = parse_duration(d).map_err(flag("--warmup"))?;
        }
        if let Some(d) = &self.think_time {
            w.think_time = parse_duration(d).map_err(flag("--think-time"))?;
        }
        if let Some(d) = &self.max_lag {
            w.max_lag = Some(parse_duration(d).map_err(flag("--max-lag"))?);
        }
        if let Some(s) = self.seed {
            w.seed = s;
        }
        if let Some(db) = &self.database {
            w.database = Some(db.clone());
        }
        measures_something(w)
    }
}

/// A run that stops before its warm-up ends would run and measure nothing: refused up front.
fn measures_something(w: &Workload) -> Result<()> {
    match w.stop {
        Stop::Duration(d) if d <= w.warmup => Err(Error::setting(
            "--duration",
            format!(
                "{:?} ends within the workload's {:?} warm-up, so nothing would be measured: give a \
                 --duration longer than the warm-up, or --warmup 0s",
                d, w.warmup
            ),
        )),
        _ => Ok(()),
    }
}

/// Refuses a workload that writes unless writes are allowed.
pub fn check_writes(w: &Workload, allow_writes: bool) -> Result<()> {
    let writing = w.writing_templates();
    if writing.is_empty() || allow_writes {
        return Ok(());
    }
    Err(Error::WritesRefused {
        workload: w.name.clone(),
        templates: format!("templates: {}", writing.join(", ")),
    })
}

/// Everything `cutover replay` needs besides the workload.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// The server.
    pub target: ServerTarget,
    /// The output directory.
    pub out: PathBuf,
    /// This agent's share.
    pub shard: Shard,
    /// Interval of the histogram log.
    pub interval: Duration,
    /// Show a progress bar (still hidden when stderr is not a terminal).
    pub progress: bool,
    /// Serve live Prometheus `/metrics` here during the run (`--listen`).
    pub listen: Option<std::net::SocketAddr>,
}

/// Starts `/metrics` when `--listen` was given (before the run, so a taken port fails fast).
pub(crate) async fn live_metrics(o: &ReplayOptions) -> Result<Option<std::sync::Arc<LiveMetrics>>> {
    let Some(addr) = o.listen else { return Ok(None) };
    let metrics = LiveMetrics::new()
        .map_err(|e| Error::setting("--listen", format!("cannot set up the metrics: {e}")))?;
    let metrics = std::sync::Arc::new(metrics);
    crate::metrics::serve(addr, metrics.clone()).await?;
    Ok(Some(metrics))
}

/// The settings as recorded in `run.json`.
pub fn settings(w: &Workload, o: &ReplayOptions) -> serde_json::Value {
    json!({
        "load": w.load,
        "stop": w.stop,
        "warmup_s": w.warmup.as_secs_f64(),
        "think_time_s": w.think_time.as_secs_f64(),
        "timeout_s": w.timeout.map(|t| t.as_secs_f64()),
        "max_lag_s": w.max_lag.map(|t| t.as_secs_f64()),
        "tolerance_ms": w.tolerance.as_secs_f64() * 1e3,
        "seed": w.seed,
        "database": w.database,
        "shard": o.shard,
        "interval_s": o.interval.as_secs_f64(),
        "templates": w.templates.iter().map(|t| json!({
            "name": t.name, "weight": t.weight, "access": t.access, "transaction": t.transaction,
            "statements": t.statements.iter().map(|s| s.sql.clone()).collect::<Vec<_>>(),
            "params": t.params, "timeout_s": t.timeout.map(|d| d.as_secs_f64()), "retries": t.retries,
        })).collect::<Vec<_>>(),
    })
}

/// RFC 3339 UTC.
pub fn timestamp(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A progress bar on stderr (hidden when stderr is not a terminal or `show` is false).
pub fn progress_bar(w: &Workload, shard: Shard, show: bool) -> ProgressBar {
    let total = match w.stop {
        Stop::Count(n) => n.div_ceil(shard.count),
        Stop::Duration(d) => match w.load {
            Load::Open { rate, .. } => (rate * d.as_secs_f64() / shard.count as f64) as u64,
            Load::Closed { .. } => 0,
        },
    };
    let bar = if show {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} units, {per_sec} ({msg})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

/// Runs the replay and writes the output directory. Returns the summary.
pub async fn replay(w: &Workload, o: &ReplayOptions, stop: watch::Receiver<bool>) -> Result<Summary> {
    std::fs::create_dir_all(&o.out).map_err(|source| Error::Write { path: o.out.clone(), source })?;
    let server = identity(&o.target).await?;
    let started = SystemTime::now();
    let target_rate = match w.load {
        Load::Open { rate, .. } => Some(rate / o.shard.count as f64),
        Load::Closed { .. } => None,
    };
    let mut notes = Vec::new();
    if matches!(w.load, Load::Closed { .. }) {
        notes.push("closed loop: each worker waits for the reply before sending the next unit, so response time equals service time and a server stall is under-represented; use --rate for an open loop".to_string());
    }
    let mut info = RunInfo::running(
        json!({ "kind": "workload", "name": w.name, "file": w.file, "description": w.description }),
        settings(w, o),
        server,
        timestamp(started),
        target_rate,
        notes,
    );
    let metrics = live_metrics(o).await?;
    write_json(&o.out, "run.json", &info)?;
    let reporter = Reporter::new(o.interval, Some(&o.out), progress_bar(w, o.shard, o.progress), started)?
        .with_metrics(metrics);
    let connector = MssqlConnector { target: o.target.clone(), database: w.database.clone() };
    let result = run_workload(w, o.shard, &connector, SystemClock::start, stop, reporter).await?;
    let tags: Vec<TagInfo> = w
        .templates
        .iter()
        .map(|t| TagInfo {
            access: Some(if t.access == Access::Write { "write".into() } else { "read".into() }),
            weight: Some(t.weight),
            text: None,
        })
        .collect();
    let summary = Summary::new(&result, &tags);
    write_json(&o.out, "summary.json", &summary)?;
    info.complete(&result, w.warmup, w.tolerance, timestamp(SystemTime::now()));
    write_json(&o.out, "run.json", &info)?;
    Ok(summary)
}

/// The server's identity as JSON (null when it cannot be read; the replay still runs).
pub(crate) async fn identity(target: &ServerTarget) -> Result<serde_json::Value> {
    let mut conn = cutover_mssql::connect(target)
        .await
        .map_err(|source| Error::Server { context: format!("cannot connect to {target}"), source })?;
    let identity = match cutover_mssql::read_identity(&mut conn).await {
        Ok(id) => serde_json::to_value(id).unwrap_or(serde_json::Value::Null),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the server identity");
            serde_json::Value::Null
        }
    };
    let _ = conn.close().await;
    Ok(identity)
}
