//! The collector loop: every instance concurrently on its own task and kept connection,
//! staggered across the interval; rounds flow to one writer (flushed at least once a minute)
//! and to the `/metrics` view; shutdown (Ctrl-C or the end of `--duration`) ends the ticks,
//! lets rounds in flight finish and writes the last flush.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cutover_mssql::ServerTarget;
use tokio::sync::{mpsc, watch};

use crate::baseline::RoundWriter;
use crate::prom::{self, InstanceView};
use crate::sample::Round;
use crate::sampler::{InstanceSampler, Settings};
use crate::summary::Summary;
use cutover_baseline::{BaselineError, InstanceInfo};

/// What `cutover collect` asked for.
pub struct Options {
    /// (label, target) per instance; labels are unique.
    pub servers: Vec<(String, ServerTarget)>,
    pub settings: Settings,
    /// Stop after this long (`None`: until Ctrl-C).
    pub duration: Option<Duration>,
    /// The baseline folder (`None`: no files, e.g. `--listen` only).
    pub out: Option<PathBuf>,
    pub csv: bool,
    pub listen: Option<SocketAddr>,
    /// At most this long between flushes.
    pub flush_every: Duration,
}

/// Failures that stop the collector (instance failures never do).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error("could not listen on {addr} (pick another --listen address or port)")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

/// How a run ended.
#[derive(Debug)]
pub struct RunReport {
    pub interrupted: bool,
    pub rounds: u64,
    pub late: u64,
    pub gaps: usize,
    pub errors: usize,
    pub summary: Vec<Summary>,
    pub refused: Vec<(String, String, String)>,
    /// Instances never reached in the whole run (their baseline is empty), with the last error.
    pub never_reached: Vec<(String, String)>,
}

/// Shared with the `/metrics` handler.
pub type Views = Arc<Mutex<BTreeMap<String, InstanceView>>>;

/// Runs until `shutdown` resolves or the duration ends.
pub async fn run(opts: Options, shutdown: impl Future<Output = ()>) -> Result<RunReport, CollectError> {
    let started = chrono::Utc::now().naive_utc();
    let settings_json = serde_json::json!({
        "interval_seconds": opts.settings.interval.as_secs_f64(),
        "query_interval_seconds": opts.settings.query_interval.as_secs_f64(),
        "config_interval_seconds": opts.settings.config_interval.as_secs_f64(),
        "query_timeout_seconds": opts.settings.query_timeout.as_secs_f64(),
        "top_n": opts.settings.top_n,
        "duration_seconds": opts.duration.map(|d| d.as_secs_f64()),
        "flush_seconds": opts.flush_every.as_secs_f64(),
        "servers": opts.servers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
    });
    let mut writer = match &opts.out {
        Some(dir) => Some(RoundWriter::create(dir, settings_json, opts.csv, started)?),
        None => None,
    };
    let views: Views = Arc::new(Mutex::new(
        opts.servers.iter().map(|(n, _)| (n.clone(), InstanceView::default())).collect(),
    ));
    if let Some(addr) = opts.listen {
        serve(addr, views.clone()).await?;
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let (tx, mut rx) = mpsc::channel::<(Round, Option<Arc<tokio::sync::Mutex<InstanceSampler>>>)>(1024);
    let n = opts.servers.len().max(1) as u32;
    let (go_tx, go_rx) = watch::channel(None);
    let mut samplers = Vec::new();
    for (i, (name, target)) in opts.servers.iter().enumerate() {
        let sampler = Arc::new(tokio::sync::Mutex::new(InstanceSampler::new(
            name.clone(),
            target.clone(),
            opts.settings.clone(),
        )));
        samplers.push(sampler.clone());
        let offset = opts.settings.interval / n * i as u32;
        let schedule = Schedule { interval: opts.settings.interval, offset, go: go_rx.clone() };
        tokio::spawn(instance_loop(sampler, schedule, tx.clone(), stop_rx.clone()));
    }
    drop(tx);
    // Every instance connects and probes first; the staggered schedule starts when all are
    // ready (or after SETUP_WAIT), so the connect burst never makes a sample late.
    let setup_deadline = Some(tokio::time::Instant::now() + SETUP_WAIT);
    let (mut ready, mut started_schedule) = (0u32, false);
    let deadline = opts.duration.map(|d| tokio::time::Instant::now() + d);
    let mut flush = tokio::time::interval(opts.flush_every);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    flush.tick().await;
    tokio::pin!(shutdown);
    let mut interrupted = false;
    let (mut rounds, mut late) = (0u64, 0u64);
    let mut stopping = false;
    let mut reached = std::collections::BTreeSet::new();
    loop {
        tokio::select! {
            got = rx.recv() => {
                let Some((round, _)) = got else { break };
                if round.up {
                    reached.insert(round.instance.clone());
                }
                if round.setup {
                    ready += 1;
                    if ready == n && !started_schedule {
                        started_schedule = true;
                        let _ = go_tx.send(Some(tokio::time::Instant::now()));
                    }
                } else {
                    rounds += 1;
                    late += u64::from(round.late);
                }
                if let Some(w) = writer.as_mut() { w.add(&round); }
                if let Ok(mut v) = views.lock() { v.entry(round.instance.clone()).or_default().update(round); }
            }
            _ = flush.tick() => {
                if let Some(w) = writer.as_mut() { sync_instances(w, &samplers).await; w.flush()?; }
            }
            _ = &mut shutdown, if !stopping => { interrupted = true; stopping = true; let _ = stop_tx.send(true); }
            _ = sleep_until(deadline), if !stopping => { stopping = true; let _ = stop_tx.send(true); }
            _ = sleep_until(setup_deadline), if !started_schedule => {
                started_schedule = true;
                let _ = go_tx.send(Some(tokio::time::Instant::now()));
            }
        }
    }
    let ended = chrono::Utc::now().naive_utc();
    let mut never_reached = Vec::new();
    for s in &samplers {
        let s = s.lock().await;
        if !reached.contains(&s.name) {
            let why = s.connection_error().unwrap_or("no sample completed").to_string();
            never_reached.push((s.name.clone(), why));
        }
    }
    let mut report = RunReport {
        interrupted,
        rounds,
        late,
        gaps: 0,
        errors: 0,
        summary: Vec::new(),
        refused: Vec::new(),
        never_reached,
    };
    for s in &samplers {
        let s = s.lock().await;
        for (family, message) in &s.refused {
            report.refused.push((s.name.clone(), family.to_string(), message.clone()));
        }
    }
    if let Some(w) = writer.as_mut() {
        sync_instances(w, &samplers).await;
        w.finish(ended, !interrupted)?;
        report.gaps = w.doc().gaps.len();
        report.errors = w.doc().errors.len();
        report.summary = w.doc().summary.clone();
    }
    Ok(report)
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Copies identity, configuration, refused families and query texts into baseline.json.
async fn sync_instances(w: &mut RoundWriter, samplers: &[Arc<tokio::sync::Mutex<InstanceSampler>>]) {
    let mut infos = Vec::new();
    for s in samplers {
        let s = s.lock().await;
        let restarts =
            w.doc().gaps.iter().filter(|g| g.instance == s.name && g.cause.label() == "restart").count()
                as u64;
        infos.push(InstanceInfo {
            name: s.name.clone(),
            server: s.name.clone(),
            identity: s.identity.as_ref().and_then(|i| serde_json::to_value(i).ok()),
            configuration: s.config.clone(),
            refused_families: s.refused.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            query_text: s.query_text.clone(),
            query_plans: s.query_plans.clone(),
            rounds: 0,
            rounds_late: 0,
            restarts,
        });
    }
    w.doc_mut().instances = infos;
}

/// The longest the schedule waits for every instance's setup; an instance still connecting
/// then joins at its next slot.
pub const SETUP_WAIT: Duration = Duration::from_secs(10);

/// When one instance samples: every `interval`, `offset` after the common origin that `go`
/// announces once the instances are set up.
struct Schedule {
    interval: Duration,
    offset: Duration,
    go: watch::Receiver<Option<tokio::time::Instant>>,
}

impl Schedule {
    /// The first slot (origin + offset + k × interval) that is not already past.
    fn first_slot(&self, origin: tokio::time::Instant) -> tokio::time::Instant {
        let planned = origin + self.offset;
        let now = tokio::time::Instant::now();
        if now <= planned || self.interval.is_zero() {
            return planned;
        }
        let behind = (now - planned).as_nanos() / self.interval.as_nanos() + 1;
        planned + self.interval * u32::try_from(behind).unwrap_or(u32::MAX)
    }
}

async fn instance_loop(
    sampler: Arc<tokio::sync::Mutex<InstanceSampler>>,
    mut schedule: Schedule,
    tx: mpsc::Sender<(Round, Option<Arc<tokio::sync::Mutex<InstanceSampler>>>)>,
    mut stop: watch::Receiver<bool>,
) {
    let setup = tokio::select! {
        r = async { sampler.lock().await.prepare(Instant::now()).await } => r,
        _ = stop.changed() => return,
    };
    if tx.send((setup, None)).await.is_err() {
        return;
    }
    let origin = tokio::select! {
        o = schedule.go.wait_for(Option::is_some) => match o { Ok(o) => o.unwrap_or_else(tokio::time::Instant::now), Err(_) => return },
        _ = stop.changed() => return,
    };
    let interval = schedule.interval;
    let mut ticks = tokio::time::interval_at(schedule.first_slot(origin), interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let scheduled = tokio::select! {
            t = ticks.tick() => t,
            _ = stop.changed() => return,
        };
        if *stop.borrow() {
            return;
        }
        let lateness = tokio::time::Instant::now().duration_since(scheduled);
        let mut round = sampler.lock().await.round(Instant::now()).await;
        round.late = lateness > interval / 2 || round.duration_secs > interval.as_secs_f64();
        if tx.send((round, None)).await.is_err() {
            return;
        }
    }
}

/// One round per instance, concurrently (for `--once`).
pub async fn once(servers: Vec<(String, ServerTarget)>, settings: Settings) -> Vec<Round> {
    let tasks: Vec<_> = servers
        .into_iter()
        .map(|(name, target)| {
            let settings = settings.clone();
            tokio::spawn(
                async move { InstanceSampler::new(name, target, settings).round(Instant::now()).await },
            )
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        if let Ok(r) = t.await {
            out.push(r);
        }
    }
    out
}

/// Serves `/metrics` from the views (the last completed round of each instance).
async fn serve(addr: SocketAddr, views: Views) -> Result<(), CollectError> {
    let render = move || {
        // Each view shares its last series: the snapshot copies counters, not series.
        let snapshot = views.lock().map(|v| v.clone()).unwrap_or_default();
        prom::render(&snapshot).map_err(|e| e.to_string())
    };
    cutover_common::metrics::serve(addr, render)
        .await
        .map_err(|source| CollectError::Listen { addr, source })?;
    Ok(())
}
