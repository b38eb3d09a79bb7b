//! One captured session's replay: its connection, and its events in captured order, each sent
//! when due. A player takes every message its queue ever holds, so each event it was given is
//! counted exactly once: ok, failed, skipped or cancelled.

use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use super::TraceSettings;
use crate::clock::Clock;
use crate::engine::{lock, stopped};
use crate::executor::{ExecError, Executor, Job};
use crate::recorder::{Recorder, Timing};
use crate::trace::format::SessionState;
use crate::trace::stream::{Event, Source};

/// `FILE:LINE`, written only when an error is logged.
struct Place<'a>(&'a Source, crate::trace::event::At);

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.place(self.1))
    }
}

/// What every player shares.
pub(super) struct Shared<K: Clock> {
    pub clock: K,
    pub recorder: Arc<Mutex<Recorder>>,
    pub settings: TraceSettings,
    pub stop: watch::Receiver<bool>,
    pub source: Arc<Source>,
    /// Events waiting in players' queues (a permit each).
    pub queue: Arc<Semaphore>,
    /// Connections being opened at once.
    pub opening: Arc<Semaphore>,
}

/// A message to a player.
pub(super) enum Msg {
    /// An event, with its place in the bounded queue.
    Event(Box<Event>, Option<OwnedSemaphorePermit>),
    /// The session's state from here on.
    State(Box<SessionState>),
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
        let mut database: Option<Arc<str>> = None;
        while let Some(msg) = rx.recv().await {
            let e = match msg {
                Msg::State(state) => {
                    if let Some(db) = state.database {
                        database = Some(Arc::from(db.as_str()));
                    }
                    continue;
                }
                Msg::Event(e, permit) => {
                    drop(permit);
                    e
                }
            };
            let due = self.shared.settings.due(e.start);
            let on_time = !*self.shared.stop.borrow()
                && tokio::select! {
                    _ = self.shared.clock.sleep_until(due) => true,
                    _ = stopped(self.shared.stop.clone()) => false,
                };
            if !on_time {
                self.cancel_rest(&e, &mut rx).await;
                return;
            }
            let lag = self.shared.clock.now().saturating_sub(due);
            if self.shared.settings.max_lag.is_some_and(|m| lag > m) {
                lock(&self.shared.recorder).skip_in(e.tag, Some(self.session), "max_lag");
                continue;
            }
            let database = e.database.clone().or_else(|| database.clone());
            self.serve(&mut exec, &mut broken, &e, database.as_deref(), due).await;
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

    /// Sends one event (resetting a broken connection first) and records it.
    async fn serve<E: Executor>(
        &self,
        exec: &mut Result<E, ExecError>,
        broken: &mut bool,
        e: &Event,
        database: Option<&str>,
        due: std::time::Duration,
    ) {
        let sent = self.shared.clock.now();
        let result = match exec {
            Err(open) => Err(open.clone()),
            Ok(exec) => {
                if *broken {
                    match exec.reset().await {
                        Ok(()) => {
                            *broken = false;
                            self.execute(exec, e, database).await
                        }
                        Err(err) => Err(err),
                    }
                } else {
                    self.execute(exec, e, database).await
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
            Timing { intended: due, sent, done },
            result.as_ref().map(|_| ()),
        );
    }

    async fn execute<E: Executor>(
        &self,
        exec: &mut E,
        e: &Event,
        database: Option<&str>,
    ) -> Result<(), ExecError> {
        let database = database.map(|d| self.shared.settings.database(d));
        let job = Job {
            statements: std::slice::from_ref(&e.bound.statement),
            values: &e.values,
            transaction: false,
            kind: e.kind,
            database,
        };
        match self.shared.settings.timeout {
            Some(limit) => tokio::time::timeout(limit, exec.execute(job))
                .await
                .unwrap_or_else(|_| Err(ExecError::timeout(limit))),
            None => exec.execute(job).await,
        }
    }
}
