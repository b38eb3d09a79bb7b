//! One captured session's replay: its connection, its state, and its events in captured
//! order, each sent when due. A player takes every message its queue ever holds, so each event
//! it was given is counted exactly once: ok, failed, skipped or cancelled.
//!
//! The session's state as captured ([`Held`]) is restored on the connection before the events
//! that follow it: the database, the SET options (one checked batch), and the statements it held
//! prepared. Prepared handles are mapped: the target's handle for each captured one, prepared
//! again (from the statement the capture named) after a reconnect.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use super::TraceSettings;
use crate::clock::Clock;
use crate::executor::{CallKind, ExecError, Executor, Job, Prepare};
use crate::recorder::{Recorder, Timing};
use crate::sync::{lock, stopped};
use crate::trace::event::{At, Bound, PreparedOp};
use crate::trace::format::SessionState;
use crate::trace::set_options::set_batch;
use crate::trace::stream::{Event, Source};

/// `FILE:LINE`, written only when an error is logged.
struct Place<'a>(&'a Source, At);

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.place(self.1))
    }
}

/// Sessions whose state could not be restored: how many times, and the first messages.
#[derive(Debug, Default)]
pub(super) struct StateProblems {
    pub count: u64,
    pub examples: Vec<String>,
}

/// What every player shares.
pub(super) struct Shared<K: Clock> {
    pub clock: K,
    pub recorder: Arc<Mutex<Recorder>>,
    pub settings: TraceSettings,
    pub stop: watch::Receiver<bool>,
    /// The stop signal's value when the replay started.
    pub stopped_at_start: bool,
    pub source: Arc<Source>,
    /// Events waiting in players' queues (a permit each).
    pub queue: Arc<Semaphore>,
    /// Connections being opened at once.
    pub opening: Arc<Semaphore>,
    pub problems: Mutex<StateProblems>,
}

/// A message to a player.
pub(super) enum Msg {
    /// An event, with its place in the bounded queue.
    Event(Event, Option<OwnedSemaphorePermit>),
    /// The session's state from here on, and the statements it holds prepared.
    State(Box<SessionState>, Vec<(i64, Arc<Bound>)>),
}

/// A session's state as captured, and what of it the connection has.
#[derive(Default)]
struct Held {
    database: Option<Arc<str>>,
    /// The SET batch that restores the captured options.
    set: Option<String>,
    /// Captured handle → its statement, and the target's handle once prepared here.
    prepared: HashMap<i64, (Arc<Bound>, Option<i32>)>,
}

/// One session's player.
pub(super) struct Player<K: Clock> {
    pub shared: Arc<Shared<K>>,
    /// Local session index.
    pub session: usize,
}

impl<K: Clock> Player<K> {
    /// Plays every event it is sent until its queue closes; `exec` is its connection (or why
    /// it could not be opened: then every event fails with that error).
    pub async fn play<E: Executor>(self, mut rx: mpsc::UnboundedReceiver<Msg>, exec: Result<E, ExecError>) {
        let mut exec = exec;
        let mut broken = false;
        let mut held = Held::default();
        while let Some(msg) = rx.recv().await {
            let e = match msg {
                Msg::State(state, prepared) => {
                    self.take_state(&mut held, *state, prepared);
                    if let Ok(x) = &mut exec {
                        self.restore(x, &mut held).await;
                    }
                    continue;
                }
                Msg::Event(e, permit) => {
                    drop(permit);
                    e
                }
            };
            let due = self.shared.settings.due(e.start);
            let mut now = self.shared.clock.now();
            let on_time = !self.stopped()
                && (now >= due
                    || tokio::select! {
                        _ = self.shared.clock.sleep_until(due) => true,
                        _ = stopped(self.shared.stop.clone()) => false,
                    });
            if !on_time {
                self.cancel_rest(&e, &mut rx).await;
                return;
            }
            if now < due {
                now = self.shared.clock.now();
            }
            if self.shared.settings.max_lag.is_some_and(|m| now.saturating_sub(due) > m) {
                lock(&self.shared.recorder).skip_in(e.tag, Some(self.session), "max_lag");
                continue;
            }
            if let Some((PreparedOp::Unprepare, handle)) = e.op
                && held.prepared.get(&handle).and_then(|p| p.1).is_none()
            {
                // Never prepared on this connection (its sp_prepare failed): nothing to free.
                held.prepared.remove(&handle);
                lock(&self.shared.recorder).skip_in(e.tag, Some(self.session), "unknown_handle");
                continue;
            }
            self.serve(&mut exec, &mut broken, &mut held, &e, Timing { intended: due, sent: now, done: now })
                .await;
        }
    }

    /// Ctrl-C was pressed. Checked once per event by every player: an atomic load of the
    /// channel's version until something was sent (as `engine::Ctx::is_stopped`).
    fn stopped(&self) -> bool {
        match self.shared.stop.has_changed() {
            Ok(false) => self.shared.stopped_at_start,
            _ => *self.shared.stop.borrow(),
        }
    }

    /// Takes a state line: what to restore from here on (the connection is restored next).
    fn take_state(&self, held: &mut Held, state: SessionState, prepared: Vec<(i64, Arc<Bound>)>) {
        if let Some(db) = state.database {
            held.database = Some(Arc::from(db.as_str()));
        }
        held.set = None;
        if !state.set.is_empty() {
            match set_batch(&state.set) {
                Ok(batch) => held.set = Some(batch),
                Err(m) => self.problem(format!("SET options not restored: {m}")),
            }
        }
        held.prepared = prepared.into_iter().map(|(h, b)| (h, (b, None))).collect();
    }

    /// Restores the held state on the connection: database, SET options, prepared statements.
    async fn restore<E: Executor>(&self, exec: &mut E, held: &mut Held) {
        let database = held.database.as_deref().map(|d| self.shared.settings.database(d));
        if let Some(batch) = &held.set {
            let statement = crate::spec::Statement { sql: batch.clone(), args: Vec::new() };
            let job = Job {
                statements: std::slice::from_ref(&statement),
                values: &[],
                transaction: false,
                kind: CallKind::Batch,
                database,
            };
            if let Err(e) = exec.execute(job).await {
                self.problem(format!("`{batch}` failed: {}", e.message));
            }
        }
        for (handle, (bound, target)) in held.prepared.iter_mut() {
            match exec.prepare(prepare_call(bound, None, database)).await {
                Ok(h) => *target = Some(h),
                Err(e) => self.problem(format!("prepared handle {handle} not restored: {}", e.message)),
            }
        }
    }

    fn problem(&self, message: String) {
        let mut p = lock(&self.shared.problems);
        p.count += 1;
        if p.examples.len() < 20 {
            p.examples.push(message);
        }
    }

    /// Ctrl-C: this event and every later one of the session are cancelled.
    async fn cancel_rest(&self, first: &Event, rx: &mut mpsc::UnboundedReceiver<Msg>) {
        {
            let mut r = lock(&self.shared.recorder);
            r.cancel_in(first.tag, Some(self.session), 1);
            while let Ok(msg) = rx.try_recv() {
                if let Msg::Event(e, _) = msg {
                    r.cancel_in(e.tag, Some(self.session), 1);
                }
            }
        }
        // Whatever the dispatcher still sends before it lets go of the queue.
        while let Some(msg) = rx.recv().await {
            if let Msg::Event(e, _) = msg {
                lock(&self.shared.recorder).cancel_in(e.tag, Some(self.session), 1);
            }
        }
    }

    /// Sends one event (reconnecting a broken connection first, and restoring the session's
    /// state on it) and records it.
    async fn serve<E: Executor>(
        &self,
        exec: &mut Result<E, ExecError>,
        broken: &mut bool,
        held: &mut Held,
        e: &Event,
        at: Timing,
    ) {
        let result = match exec {
            Err(open) => Err(open.clone()),
            Ok(exec) => {
                let ready = if *broken {
                    let reset = exec.reset().await;
                    if reset.is_ok() {
                        *broken = false;
                        held.prepared.values_mut().for_each(|p| p.1 = None);
                        self.restore(exec, held).await;
                    }
                    reset
                } else {
                    Ok(())
                };
                match ready {
                    Ok(()) => self.execute(exec, held, e).await,
                    Err(err) => Err(err),
                }
            }
        };
        let done = self.shared.clock.now();
        if let Err(err) = &result {
            *broken |= err.broken;
        }
        lock(&self.shared.recorder).record_in(
            e.tag,
            Some(self.session),
            &Place(&self.shared.source, e.at),
            Timing { done, ..at },
            result.as_ref().map(|_| ()),
        );
    }

    async fn execute<E: Executor>(&self, exec: &mut E, held: &mut Held, e: &Event) -> Result<(), ExecError> {
        let run = self.run(exec, held, e);
        match self.shared.settings.timeout {
            Some(limit) => {
                tokio::time::timeout(limit, run).await.unwrap_or_else(|_| Err(ExecError::timeout(limit)))
            }
            None => run.await,
        }
    }

    /// Sends the event as captured: a batch, an RPC, or a call on a prepared statement through
    /// the target's handle.
    async fn run<E: Executor>(&self, exec: &mut E, held: &mut Held, e: &Event) -> Result<(), ExecError> {
        let captured_db = e.database.clone().or_else(|| held.database.clone());
        let database = captured_db.as_deref().map(|d| self.shared.settings.database(d));
        let kind = match e.op {
            None => e.kind,
            Some((op @ (PreparedOp::Prepare | PreparedOp::PrepExec), handle)) => {
                let values = (op == PreparedOp::PrepExec).then_some(&e.values[..]);
                let target = exec.prepare(prepare_call(&e.bound, values, database)).await?;
                held.prepared.insert(handle, (e.bound.clone(), Some(target)));
                return Ok(());
            }
            Some((PreparedOp::Execute, handle)) => {
                let target = match held.prepared.get(&handle).and_then(|p| p.1) {
                    Some(t) => t,
                    // Prepared before a reconnect, or its restore failed: prepare it again.
                    None => {
                        let t = exec.prepare(prepare_call(&e.bound, None, database)).await?;
                        held.prepared.insert(handle, (e.bound.clone(), Some(t)));
                        t
                    }
                };
                CallKind::Execute { handle: target }
            }
            Some((PreparedOp::Unprepare, handle)) => {
                let target = held.prepared.remove(&handle).and_then(|p| p.1).unwrap_or_default();
                CallKind::Unprepare { handle: target }
            }
        };
        let job = Job {
            statements: std::slice::from_ref(&e.bound.statement),
            values: &e.values,
            transaction: false,
            kind,
            database,
        };
        exec.execute(job).await
    }
}

/// The call that prepares `bound` (with `values`: and runs it once).
fn prepare_call<'a>(
    bound: &'a Bound,
    values: Option<&'a [crate::value::ParamValue]>,
    database: Option<&'a str>,
) -> Prepare<'a> {
    Prepare { declare: bound.declare.as_deref().unwrap_or(""), sql: &bound.statement.sql, values, database }
}
