//! The replay engine: open loop (a schedule of arrivals served by a connection pool) and closed
//! loop (N workers that each wait for the reply, then think, then send the next unit).
//!
//! Open loop: a dispatcher sleeps until each unit's intended start and hands it to the pool
//! through a bounded backlog. When the pool falls behind, units wait in the backlog (memory is
//! bounded; the dispatcher waits too) and their response time still counts from the intended
//! start, so a server stall shows in response time and not in service time. With `max_lag`, a
//! unit that could only start later than that behind schedule is skipped and counted.
//!
//! Stopping: at the duration or count, or when the stop signal (Ctrl-C) turns true. Then the
//! dispatcher stops, in-flight units finish (bounded by their timeout), queued units are counted
//! as cancelled, and the reporter writes the last interval.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::error::Result;
use crate::executor::{CallKind, Connector, ExecError, Executor, Job};
use crate::plan::{Planner, Unit};
use crate::recorder::{Recorder, Timing};
use crate::report::{Reporter, RunResult};
use crate::spec::{Load, Stop, Template, Workload};
use crate::units::Shard;

/// Units that may wait in the open-loop backlog per connection.
pub const BACKLOG_PER_CONNECTION: usize = 64;

/// The shared-state helpers, where the trace engine has always found them.
use crate::sync::{lock, stopped};

/// Runs a workload: opens the pool, starts the clock, drives the load, returns the results.
pub async fn run_workload<C: Connector, K: Clock>(
    workload: &Workload,
    shard: Shard,
    connector: &C,
    start_clock: impl FnOnce() -> K,
    stop: watch::Receiver<bool>,
    reporter: Reporter,
) -> Result<RunResult> {
    let pool_size = match workload.load {
        Load::Open { connections, .. } => connections,
        Load::Closed { workers } => workers,
    };
    let mut pool = Vec::with_capacity(pool_size);
    for worker in 0..pool_size {
        pool.push(connector.open(worker).await?);
    }
    let planner = Planner::new(workload, shard);
    let templates = planner.templates().clone();
    let tags = templates.iter().map(|t| t.name.clone()).collect();
    let recorder = Arc::new(Mutex::new(Recorder::new(tags, workload.warmup, workload.tolerance)));
    let clock = start_clock();
    let end = match workload.stop {
        Stop::Duration(d) => Some(d),
        Stop::Count(_) => None,
    };
    let ctx = Ctx {
        templates,
        clock: clock.clone(),
        recorder: recorder.clone(),
        timeout: workload.timeout,
        stopped_at_start: *stop.borrow(),
        stop: stop.clone(),
    };
    let (done_tx, done_rx) = watch::channel(false);
    let reporting = tokio::spawn(reporter.run(recorder.clone(), clock.clone(), done_rx));
    match workload.load {
        Load::Open { .. } => open_loop(&ctx, pool, planner, end, workload.max_lag).await,
        Load::Closed { .. } => closed_loop(&ctx, pool, planner, end, workload.think_time).await,
    }
    let elapsed = clock.now();
    let _ = done_tx.send(true);
    let reporter = reporting
        .await
        .map_err(|e| crate::Error::setting("replay", format!("the reporter failed: {e}")))??;
    Ok(reporter.finish(&lock(&recorder), elapsed, *stop.borrow()))
}

/// What every worker shares.
struct Ctx<K: Clock> {
    templates: Arc<[Template]>,
    clock: K,
    recorder: Arc<Mutex<Recorder>>,
    timeout: Option<Duration>,
    stop: watch::Receiver<bool>,
    /// The stop signal's value when the run started (see [`Ctx::is_stopped`]).
    stopped_at_start: bool,
}

impl<K: Clock> Clone for Ctx<K> {
    fn clone(&self) -> Self {
        Ctx {
            templates: self.templates.clone(),
            clock: self.clock.clone(),
            recorder: self.recorder.clone(),
            timeout: self.timeout,
            stop: self.stop.clone(),
            stopped_at_start: self.stopped_at_start,
        }
    }
}

impl<K: Clock> Ctx<K> {
    /// Checked once or twice per unit by every worker: an atomic load of the channel's version
    /// while nothing was sent (`borrow` takes the channel's read lock, whose counter every core
    /// writes), the value itself once something was.
    fn is_stopped(&self) -> bool {
        match self.stop.has_changed() {
            Ok(false) => self.stopped_at_start,
            _ => *self.stop.borrow(),
        }
    }

    /// Sends one unit (resetting a broken connection first) and records it.
    async fn serve<E: Executor>(
        &self,
        exec: &mut E,
        broken: &mut bool,
        unit: &Unit,
        intended: std::time::Duration,
    ) {
        let t = &self.templates[unit.template];
        let sent = self.clock.now();
        let mut retried = 0;
        let result = loop {
            let result = if *broken {
                match exec.reset().await {
                    Ok(()) => {
                        *broken = false;
                        self.execute(exec, t, unit).await
                    }
                    Err(e) => Err(e),
                }
            } else {
                self.execute(exec, t, unit).await
            };
            if let Err(e) = &result {
                *broken |= e.broken;
                // Retries only where the template asks for them, and only for transient errors
                // (cutover_mssql's classification); the unit's times span every attempt.
                if e.retryable && retried < t.retries && !self.is_stopped() {
                    retried += 1;
                    lock(&self.recorder).retried(unit.template);
                    continue;
                }
            }
            break result;
        };
        let done = self.clock.now();
        lock(&self.recorder).record(
            unit.template,
            &unit.index,
            Timing { intended, sent, done },
            result.as_ref().map(|_| ()),
        );
    }

    async fn execute<E: Executor>(&self, exec: &mut E, t: &Template, unit: &Unit) -> Result<(), ExecError> {
        let job = Job {
            statements: &t.statements,
            values: &unit.values,
            transaction: t.transaction,
            kind: CallKind::Rpc,
            database: None,
        };
        match t.timeout.or(self.timeout) {
            Some(limit) => tokio::time::timeout(limit, exec.execute(job))
                .await
                .unwrap_or_else(|_| Err(ExecError::timeout(limit))),
            None => exec.execute(job).await,
        }
    }
}

async fn open_loop<E: Executor, K: Clock>(
    ctx: &Ctx<K>,
    pool: Vec<E>,
    planner: Planner,
    end: Option<Duration>,
    max_lag: Option<Duration>,
) {
    let backlog = (pool.len() * BACKLOG_PER_CONNECTION).max(1);
    let (tx, rx) = tokio::sync::mpsc::channel::<Unit>(backlog);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let mut workers = Vec::new();
    for mut exec in pool {
        let (ctx, rx) = (ctx.clone(), rx.clone());
        workers.push(tokio::spawn(async move {
            let mut broken = false;
            loop {
                let next = rx.lock().await.recv().await;
                let Some(unit) = next else { break };
                if ctx.is_stopped() {
                    lock(&ctx.recorder).cancel(unit.template);
                    continue;
                }
                let lag = ctx.clock.now().saturating_sub(unit.intended);
                if max_lag.is_some_and(|m| lag > m) {
                    lock(&ctx.recorder).skip(unit.template, unit.intended);
                    continue;
                }
                ctx.serve(&mut exec, &mut broken, &unit, unit.intended).await;
            }
        }));
    }
    drop(rx);
    for unit in planner {
        if end.is_some_and(|e| unit.intended >= e) || ctx.is_stopped() {
            break;
        }
        tokio::select! {
            _ = ctx.clock.sleep_until(unit.intended) => {}
            _ = stopped(ctx.stop.clone()) => break,
        }
        tokio::select! {
            sent = tx.send(unit) => if sent.is_err() { break },
            _ = stopped(ctx.stop.clone()) => break,
        }
    }
    drop(tx);
    for w in workers {
        if let Err(e) = w.await {
            tracing::error!(error = %e, "a replay worker failed");
        }
    }
}

async fn closed_loop<E: Executor, K: Clock>(
    ctx: &Ctx<K>,
    pool: Vec<E>,
    planner: Planner,
    end: Option<Duration>,
    think: Duration,
) {
    let planner = Arc::new(Mutex::new(planner));
    let mut workers = Vec::new();
    for mut exec in pool {
        let (ctx, planner) = (ctx.clone(), planner.clone());
        workers.push(tokio::spawn(async move {
            let mut broken = false;
            loop {
                let now = ctx.clock.now();
                if ctx.is_stopped() || end.is_some_and(|e| now >= e) {
                    break;
                }
                let next = lock(&planner).next();
                let Some(unit) = next else { break };
                // Closed loop: the unit is due when the worker is ready, so response = service.
                ctx.serve(&mut exec, &mut broken, &unit, now).await;
                if !think.is_zero() {
                    let wake = ctx.clock.now() + think;
                    tokio::select! {
                        _ = ctx.clock.sleep_until(wake) => {}
                        _ = stopped(ctx.stop.clone()) => break,
                    }
                }
            }
        }));
    }
    for w in workers {
        if let Err(e) = w.await {
            tracing::error!(error = %e, "a replay worker failed");
        }
    }
}

#[cfg(test)]
mod tests;
