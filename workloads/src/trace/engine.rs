//! Replays a capture as it streams in: one connection and one task (a [`player`]) per captured
//! session, each sending its events in captured order. Event `e` is due at
//! `(e.start − first start) / speed` from the run's start, so the replay is anchored to the
//! capture's schedule: a session that falls behind sends its next event at once (no pause is
//! ever added to catch up "in step"), and response time counts from the due time, so a slow
//! server shows in response time and schedule lag.
//!
//! The capture is read on a thread of its own ([`super::reading::Reading::spawn`]); the dispatcher here
//! hands each event to its session's player at most `lookahead` (1 s) before it is due, and at
//! most `max_queued` events wait in the players' queues, so memory does not grow with the
//! capture. Before the clock starts, the first second of the capture is read and its sessions'
//! connections are opened, so the first events are not late by a login; later sessions connect
//! when their first event is handed over, up to `lookahead` before it is due.
//!
//! Databases and logins are mapped (`--map-database src=tgt`, `--map-login src=tgt`); an
//! unmapped name is used as captured. With `max_lag`, an event that could only start later
//! than that behind schedule is skipped and counted. Ctrl-C: in-flight events finish, the rest
//! are counted as cancelled. `--shard i/N` takes the sessions whose index (order of first
//! appearance) is `i` modulo `N`, so shards are disjoint and merge to the whole capture.

mod player;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{Semaphore, mpsc, watch};

use super::precheck::Inventory;
use super::reading::{Batch, Reading, StreamEnd};
use super::stream::{Item, SessionInfo};
use super::tags::TagDef;
use crate::clock::Clock;
use crate::error::Result;
use crate::executor::{Connector, ExecError};
use crate::recorder::Recorder;
use crate::report::{Reporter, RunResult};
use crate::sync::{lock, stopped};
use crate::units::Shard;
use player::{Msg, Player, Shared};

/// Connections opened at once.
const OPEN_AT_ONCE: usize = 32;
/// Skipped lines and notes kept with their message (the rest only counted).
const EXAMPLES: usize = 20;

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
    /// Events go to their session at most this long before they are due.
    pub lookahead: Duration,
    /// Events waiting in the sessions' queues at most.
    pub max_queued: usize,
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
            lookahead: Duration::from_secs(1),
            max_queued: 100_000,
        }
    }

    /// When an event that started `start` after the capture's first is due, from the run's start.
    pub fn due(&self, start: Duration) -> Duration {
        start.div_f64(self.speed)
    }

    /// The target login for a captured one.
    pub fn login<'a>(&'a self, captured: &'a str) -> &'a str {
        self.logins.get(captured).map_or(captured, String::as_str)
    }

    /// The target database for a captured one.
    pub fn database<'a>(&'a self, captured: &'a str) -> &'a str {
        self.databases.get(captured).map_or(captured, String::as_str)
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

/// A trace replay's results: the run's counts and histograms, and what they are counts of.
#[derive(Debug)]
pub struct TraceOutcome {
    /// Counts per tag and per session, histograms, fidelity.
    pub run: RunResult,
    /// This shard's sessions (`run.sessions` is in the same order).
    pub sessions: Vec<SessionInfo>,
    /// The tags (`run.tags` is in the same order).
    pub tags: Vec<TagDef>,
    /// The first failures, each with its captured event's `FILE:LINE` and the server's error.
    pub failed_examples: Vec<crate::recorder::ErrorEvent>,
    /// Sessions' captured state (SET options, prepared statements) that could not be restored:
    /// how often, and the first messages.
    pub state_not_restored: u64,
    pub state_examples: Vec<String>,
    /// The first skipped lines: `FILE:LINE: reason: message`.
    pub skipped_examples: Vec<String>,
    /// Notes in the capture (events it saw and could not write), and the first few.
    pub notes: u64,
    pub note_examples: Vec<String>,
    /// How the reading ended (complete, lines, sessions, events out of order).
    pub read: StreamEnd,
}

/// Replays the capture `stream` reads. With an `inventory` (the first pass), an interrupted
/// replay counts what it never read as cancelled too.
pub async fn run_trace<C: Connector, K: Clock>(
    mut reading: Reading,
    settings: &TraceSettings,
    connector: C,
    start_clock: impl FnOnce() -> K,
    stop: watch::Receiver<bool>,
    reporter: Reporter,
    inventory: Option<&Inventory>,
) -> Result<TraceOutcome> {
    if !(settings.speed.is_finite() && settings.speed > 0.0) {
        return Err(crate::Error::setting(
            "--speed",
            "must be a number above 0 (0.5 = half speed, 2 = double)",
        ));
    }
    let source = reading.source.clone();
    let rx = std::mem::replace(&mut reading.rx, mpsc::channel(1).1);
    let recorder =
        Arc::new(Mutex::new(Recorder::new(Vec::new(), Duration::ZERO, settings.tolerance).log_every_error()));
    let mut d = Dispatch {
        rx,
        pending: std::collections::VecDeque::new(),
        recorder: recorder.clone(),
        settings: settings.clone(),
        connector: Arc::new(connector),
        sessions: Vec::new(),
        tags: Vec::new(),
        captured_tags: Vec::new(),
        captured_sessions: Vec::new(),
        players: Vec::new(),
        tasks: Vec::new(),
        skipped_examples: Vec::new(),
        notes: 0,
        note_examples: Vec::new(),
        stop: stop.clone(),
        stopped_at_start: *stop.borrow(),
        source,
    };
    let opened = d.prime().await;
    let clock = start_clock();
    let (done_tx, done_rx) = watch::channel(false);
    let reporting = tokio::spawn(reporter.run(recorder.clone(), clock.clone(), done_rx));
    let shared = Arc::new(Shared {
        clock: clock.clone(),
        recorder: recorder.clone(),
        settings: settings.clone(),
        stop: stop.clone(),
        stopped_at_start: *stop.borrow(),
        source: d.source.clone(),
        queue: Arc::new(Semaphore::new(settings.max_queued.max(1))),
        opening: Arc::new(Semaphore::new(OPEN_AT_ONCE)),
        problems: Mutex::default(),
    });
    d.dispatch(&shared, opened).await;
    let interrupted = *stop.borrow();
    reading.stop();
    d.drain_unsent(interrupted).await;
    for t in std::mem::take(&mut d.tasks) {
        if let Err(e) = t.await {
            tracing::error!(error = %e, "a trace session failed");
        }
    }
    // Lets a reading thread blocked on a full queue end.
    d.rx = mpsc::channel(1).1;
    let read = reading.finish().await;
    d.settle(interrupted, inventory);
    let elapsed = clock.now();
    let _ = done_tx.send(true);
    let reporter = reporting
        .await
        .map_err(|e| crate::Error::setting("replay", format!("the reporter failed: {e}")))??;
    let (run, failed_examples) = {
        let r = lock(&recorder);
        (reporter.finish(&r, elapsed, interrupted), r.first_errors().to_vec())
    };
    let problems = std::mem::take(&mut *lock(&shared.problems));
    Ok(TraceOutcome {
        run,
        failed_examples,
        state_not_restored: problems.count,
        state_examples: problems.examples,
        sessions: d.sessions,
        tags: d.tags,
        skipped_examples: d.skipped_examples,
        notes: d.notes,
        note_examples: d.note_examples,
        read,
    })
}

/// The dispatcher's state: what it has read, and a player per session.
struct Dispatch<C: Connector> {
    rx: mpsc::Receiver<Batch>,
    /// Items read before the clock started (the first second), sent first.
    pending: std::collections::VecDeque<Item>,
    recorder: Arc<Mutex<Recorder>>,
    settings: TraceSettings,
    connector: Arc<C>,
    sessions: Vec<SessionInfo>,
    tags: Vec<TagDef>,
    captured_tags: Vec<u64>,
    captured_sessions: Vec<u64>,
    players: Vec<Option<mpsc::UnboundedSender<Msg>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    skipped_examples: Vec<String>,
    notes: u64,
    note_examples: Vec<String>,
    stop: watch::Receiver<bool>,
    stopped_at_start: bool,
    source: Arc<super::stream::Source>,
}

impl<C: Connector> Dispatch<C> {
    /// The next batch's items, after announcing its sessions and tags; None at the end.
    async fn next_batch(&mut self) -> Option<Vec<Item>> {
        let batch = self.rx.recv().await?;
        let mut r = lock(&self.recorder);
        for t in batch.tags {
            r.add_tag(t.name.clone());
            self.tags.push(t);
            self.captured_tags.push(0);
        }
        drop(r);
        for s in batch.sessions {
            self.sessions.push(s);
            self.captured_sessions.push(0);
            self.players.push(None);
        }
        Some(batch.items)
    }

    /// Reads the first `lookahead` of the capture and opens its sessions' connections, before
    /// the clock starts.
    async fn prime(&mut self) -> HashMap<usize, std::result::Result<C::Exec, ExecError>> {
        while let Some(items) = self.next_batch().await {
            let past = items.iter().rev().find_map(|i| match i {
                Item::Event(e) => Some(self.settings.due(e.start) >= self.settings.lookahead),
                _ => None,
            });
            self.pending.extend(items);
            if past == Some(true) || self.pending.len() >= self.settings.max_queued {
                break;
            }
        }
        let mut first: Vec<usize> = self
            .pending
            .iter()
            .filter_map(|i| match i {
                Item::Event(e) => Some(e.session),
                Item::State { session, .. } => Some(*session),
                Item::Skipped { .. } | Item::Note { .. } => None,
            })
            .collect();
        first.sort_unstable();
        first.dedup();
        let opens =
            first.into_iter().map(|s| {
                let (connector, login) = (self.connector.clone(), self.login_of(s));
                async move {
                    (s, connector.open_as(s, login.as_deref()).await.map_err(|e| ExecError::from_open(&e)))
                }
            });
        futures_util::stream::iter(opens).buffer_unordered(OPEN_AT_ONCE).collect().await
    }

    /// The target login of session `s`, mapped.
    fn login_of(&self, s: usize) -> Option<String> {
        self.sessions[s].login.as_deref().map(|l| self.settings.login(l).to_string())
    }

    /// Hands every item to its player, each at most `lookahead` before it is due.
    async fn dispatch<K: Clock>(
        &mut self,
        shared: &Arc<Shared<K>>,
        mut opened: HashMap<usize, std::result::Result<C::Exec, ExecError>>,
    ) {
        loop {
            let item = match self.pending.pop_front() {
                Some(i) => i,
                None => match self.next_batch().await {
                    Some(items) => {
                        self.pending.extend(items);
                        continue;
                    }
                    None => return,
                },
            };
            // An atomic load of the channel's version until Ctrl-C sends something.
            let stopped = match self.stop.has_changed() {
                Ok(false) => self.stopped_at_start,
                _ => *self.stop.borrow(),
            };
            if stopped {
                self.pending.push_front(item);
                return;
            }
            if !self.hand_over(shared, &mut opened, item).await {
                return;
            }
        }
    }

    /// One item to its place; false when the replay was stopped meanwhile.
    async fn hand_over<K: Clock>(
        &mut self,
        shared: &Arc<Shared<K>>,
        opened: &mut HashMap<usize, std::result::Result<C::Exec, ExecError>>,
        item: Item,
    ) -> bool {
        match item {
            Item::Event(e) => {
                self.captured_tags[e.tag] += 1;
                self.captured_sessions[e.session] += 1;
                let wake = self.settings.due(e.start).saturating_sub(self.settings.lookahead);
                if !wake.is_zero() && wake > shared.clock.now() {
                    tokio::select! {
                        _ = shared.clock.sleep_until(wake) => {}
                        _ = stopped(self.stop.clone()) => return self.cancelled(e.tag, e.session),
                    }
                }
                let permit = tokio::select! {
                    p = shared.queue.clone().acquire_owned() => p.ok(),
                    _ = stopped(self.stop.clone()) => return self.cancelled(e.tag, e.session),
                };
                let session = e.session;
                self.player(shared, opened, session).send(Msg::Event(e, permit));
            }
            Item::State { session, state, prepared } => {
                self.player(shared, opened, session).send(Msg::State(state, prepared));
            }
            Item::Skipped { at, session, tag, reason, message } => {
                self.captured_tags[tag] += 1;
                if let Some(s) = session {
                    self.captured_sessions[s] += 1;
                }
                lock(&self.recorder).skip_in(tag, session, reason);
                if self.skipped_examples.len() < EXAMPLES {
                    self.skipped_examples.push(format!("{}: {reason}: {message}", self.source.place(at)));
                }
            }
            Item::Note { at, message } => {
                self.notes += 1;
                if self.note_examples.len() < EXAMPLES {
                    self.note_examples.push(format!("{}: {message}", self.source.place(at)));
                }
            }
        }
        true
    }

    fn cancelled(&mut self, tag: usize, session: usize) -> bool {
        lock(&self.recorder).cancel_in(tag, Some(session), 1);
        false
    }

    /// Session `s`'s player, started on first use (with its connection when primed).
    fn player<K: Clock>(
        &mut self,
        shared: &Arc<Shared<K>>,
        opened: &mut HashMap<usize, std::result::Result<C::Exec, ExecError>>,
        s: usize,
    ) -> Sender<'_> {
        if self.players[s].is_none() {
            let (tx, rx) = mpsc::unbounded_channel();
            let player = Player { shared: shared.clone(), session: s };
            let task = match opened.remove(&s) {
                Some(exec) => tokio::spawn(player.play(rx, exec)),
                None => {
                    let (connector, login, opening) =
                        (self.connector.clone(), self.login_of(s), shared.opening.clone());
                    tokio::spawn(async move {
                        let exec = {
                            let _turn = opening.acquire_owned().await;
                            connector.open_as(s, login.as_deref()).await.map_err(|e| ExecError::from_open(&e))
                        };
                        player.play(rx, exec).await
                    })
                }
            };
            self.tasks.push(task);
            self.players[s] = Some(tx);
        }
        Sender(self.players[s].as_ref())
    }

    /// After a stop: the players stop taking events, and what was read but not handed over is
    /// counted as captured and cancelled.
    async fn drain_unsent(&mut self, interrupted: bool) {
        self.players.iter_mut().for_each(|p| *p = None);
        if !interrupted {
            return;
        }
        let mut items: Vec<Item> = self.pending.drain(..).collect();
        self.rx.close();
        while let Some(more) = self.next_batch().await {
            items.extend(more);
        }
        let mut r = lock(&self.recorder);
        for item in items {
            match item {
                Item::Event(e) => {
                    self.captured_tags[e.tag] += 1;
                    self.captured_sessions[e.session] += 1;
                    r.cancel_in(e.tag, Some(e.session), 1);
                }
                Item::Skipped { session, tag, reason, .. } => {
                    self.captured_tags[tag] += 1;
                    if let Some(s) = session {
                        self.captured_sessions[s] += 1;
                    }
                    r.skip_in(tag, session, reason);
                }
                Item::State { .. } | Item::Note { .. } => {}
            }
        }
    }

    /// Writes the captured counts; after an interrupted run with a first pass, what was never
    /// read is captured and cancelled too.
    fn settle(&mut self, interrupted: bool, inventory: Option<&Inventory>) {
        let mut r = lock(&self.recorder);
        if let Some(inv) = inventory.filter(|_| interrupted) {
            for t in self.tags.len()..inv.tags.len() {
                r.add_tag(inv.tags[t].name.clone());
                self.tags.push(inv.tags[t].clone());
                self.captured_tags.push(0);
            }
            for s in self.sessions.len()..inv.sessions.len() {
                self.sessions.push(inv.sessions[s].clone());
                self.captured_sessions.push(0);
            }
            for (t, &n) in inv.per_tag.iter().enumerate() {
                let unread = n.saturating_sub(self.captured_tags[t]);
                r.cancel_in(t, None, unread);
                self.captured_tags[t] += unread;
            }
            for (s, &n) in inv.per_session.iter().enumerate() {
                let unread = n.saturating_sub(self.captured_sessions[s]);
                r.cancel_session(s, unread);
                self.captured_sessions[s] += unread;
            }
        }
        r.set_captured(&self.captured_tags, &self.captured_sessions);
    }
}

/// A player's queue (None once the replay stopped).
struct Sender<'a>(Option<&'a mpsc::UnboundedSender<Msg>>);

impl Sender<'_> {
    fn send(&self, msg: Msg) {
        if let Some(tx) = self.0 {
            // Players take every message until their queue closes: a send fails only if a
            // player panicked, which its task's join reports.
            let _ = tx.send(msg);
        }
    }
}
