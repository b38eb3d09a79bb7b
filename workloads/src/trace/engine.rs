//! Replays a [`Trace`]: one connection and one task per captured session, each sending its
//! events in captured order. Event `e` is due at `(e.start − origin) / speed` from the run's
//! start, so the replay is anchored to the capture's schedule: a session that falls behind
//! sends its next event at once (no pause is ever added to catch up "in step"), and response
//! time counts from the due time, so a slow server shows in response time and schedule lag.
//!
//! Databases and logins are mapped (`--map-database src=tgt`, `--map-login src=tgt`); an
//! unmapped name is used as captured. With `max_lag`, an event that could only start later
//! than that behind schedule is skipped and counted. Ctrl-C: in-flight events finish, the rest
//! are counted as cancelled. `--shard i/N` takes the sessions whose index (order of first
//! appearance) is `i` modulo `N`, so shards are disjoint and merge to the whole trace.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::{Event, Trace};
use crate::clock::Clock;
use crate::engine::{lock, stopped};
use crate::error::Result;
use crate::executor::{Connector, ExecError, Executor, Job};
use crate::recorder::{Recorder, Timing};
use crate::report::{Reporter, RunResult};
use crate::units::Shard;

/// How a trace is replayed.
#[derive(Clone, Debug)]
pub struct TraceSettings {
    /// Speed factor: 2.0 replays twice as fast as captured.
    pub speed: f64,
    /// Captured database → target database.
    pub databases: BTreeMap<String, String>,
    /// Captured login → target login.
    pub logins: BTreeMap<String, String>,
    /// This agent's share of the sessions.
    pub shard: Shard,
    /// Fidelity tolerance.
    pub tolerance: Duration,
    /// Per-event timeout.
    pub timeout: Option<Duration>,
    /// Skip (and count) events that could only start this late.
    pub max_lag: Option<Duration>,
}

impl TraceSettings {
    /// Default settings at `speed`.
    pub fn new(speed: f64) -> Self {
        TraceSettings {
            speed,
            databases: BTreeMap::new(),
            logins: BTreeMap::new(),
            shard: Shard::ALL,
            tolerance: crate::spec::DEFAULT_TOLERANCE,
            timeout: None,
            max_lag: None,
        }
    }

    /// When event `e` is due, from the run's start.
    pub fn due(&self, e: &Event, origin: Duration) -> Duration {
        e.start.saturating_sub(origin).div_f64(self.speed)
    }

    /// Session indices this shard owns.
    pub fn owned(&self, trace: &Trace) -> Vec<usize> {
        (0..trace.sessions.len()).filter(|&i| self.shard.owns(i as u64)).collect()
    }
}

/// Parses `src=tgt` pairs (a `--map-…` flag's values).
pub fn parse_map(pairs: &[String]) -> std::result::Result<BTreeMap<String, String>, String> {
    pairs
        .iter()
        .map(|p| match p.split_once('=') {
            Some((s, t)) if !s.trim().is_empty() && !t.trim().is_empty() => {
                Ok((s.trim().to_string(), t.trim().to_string()))
            }
            _ => Err(format!("`{p}`: write source=target, e.g. shop=shop_copy")),
        })
        .collect()
}

/// Runs the trace: opens one connection per owned session, starts the clock, replays.
pub async fn run_trace<C: Connector, K: Clock>(
    trace: Arc<Trace>,
    settings: &TraceSettings,
    connector: &C,
    start_clock: impl FnOnce() -> K,
    stop: watch::Receiver<bool>,
    reporter: Reporter,
) -> Result<RunResult> {
    if !(settings.speed.is_finite() && settings.speed > 0.0) {
        return Err(crate::Error::setting(
            "--speed",
            "must be a number above 0 (0.5 = half speed, 2 = double)",
        ));
    }
    let owned = settings.owned(&trace);
    let mut pool = Vec::with_capacity(owned.len());
    for (worker, &s) in owned.iter().enumerate() {
        let login =
            trace.sessions[s].login.as_deref().map(|l| settings.logins.get(l).map_or(l, |t| t.as_str()));
        pool.push((s, connector.open_as(worker, login).await?));
    }
    let recorder = Arc::new(Mutex::new(Recorder::new(trace.tags(), Duration::ZERO, settings.tolerance)));
    let clock = start_clock();
    let (done_tx, done_rx) = watch::channel(false);
    let reporting = tokio::spawn(reporter.run(recorder.clone(), clock.clone(), done_rx));
    let origin = trace.origin();
    let mut tasks = Vec::with_capacity(pool.len());
    for (s, exec) in pool {
        let player = Player {
            trace: trace.clone(),
            settings: settings.clone(),
            clock: clock.clone(),
            recorder: recorder.clone(),
            stop: stop.clone(),
            origin,
        };
        tasks.push(tokio::spawn(player.play(s, exec)));
    }
    for t in tasks {
        if let Err(e) = t.await {
            tracing::error!(error = %e, "a trace session failed");
        }
    }
    let elapsed = clock.now();
    let _ = done_tx.send(true);
    let reporter = reporting
        .await
        .map_err(|e| crate::Error::setting("replay", format!("the reporter failed: {e}")))??;
    Ok(reporter.finish(&lock(&recorder), elapsed, *stop.borrow()))
}

/// One session's replay.
struct Player<K: Clock> {
    trace: Arc<Trace>,
    settings: TraceSettings,
    clock: K,
    recorder: Arc<Mutex<Recorder>>,
    stop: watch::Receiver<bool>,
    origin: Duration,
}

impl<K: Clock> Player<K> {
    async fn play<E: Executor>(self, session: usize, mut exec: E) {
        let events = &self.trace.sessions[session].events;
        let mut broken = false;
        for (k, e) in events.iter().enumerate() {
            let due = self.settings.due(e, self.origin);
            let on_time = !*self.stop.borrow()
                && tokio::select! {
                    _ = self.clock.sleep_until(due) => true,
                    _ = stopped(self.stop.clone()) => false,
                };
            if !on_time {
                let mut r = lock(&self.recorder);
                for rest in &events[k..] {
                    r.cancel(rest.tag);
                }
                return;
            }
            let lag = self.clock.now().saturating_sub(due);
            if self.settings.max_lag.is_some_and(|m| lag > m) {
                lock(&self.recorder).skip(e.tag, due);
                continue;
            }
            self.serve(&mut exec, &mut broken, e, due).await;
        }
    }

    /// Sends one event (resetting a broken connection first) and records it.
    async fn serve<E: Executor>(&self, exec: &mut E, broken: &mut bool, e: &Event, due: Duration) {
        let sent = self.clock.now();
        let result = if *broken {
            match exec.reset().await {
                Ok(()) => {
                    *broken = false;
                    self.execute(exec, e).await
                }
                Err(err) => Err(err),
            }
        } else {
            self.execute(exec, e).await
        };
        let done = self.clock.now();
        if let Err(err) = &result {
            *broken |= err.broken;
        }
        lock(&self.recorder).record(
            e.tag,
            &format_args!("{}:{}", self.trace.file, e.line),
            Timing { intended: due, sent, done },
            result.as_ref().map(|_| ()),
        );
    }

    async fn execute<E: Executor>(&self, exec: &mut E, e: &Event) -> std::result::Result<(), ExecError> {
        let database =
            e.database.as_deref().map(|d| self.settings.databases.get(d).map_or(d, |t| t.as_str()));
        let job = Job {
            statements: std::slice::from_ref(&e.statement),
            values: &e.values,
            transaction: false,
            kind: e.kind,
            database,
        };
        match self.settings.timeout {
            Some(limit) => tokio::time::timeout(limit, exec.execute(job))
                .await
                .unwrap_or_else(|_| Err(ExecError::timeout(limit))),
            None => exec.execute(job).await,
        }
    }
}
