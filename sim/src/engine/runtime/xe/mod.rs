//! Extended Events, as far as workload capture needs them: `CREATE/ALTER/DROP EVENT SESSION`
//! for `sqlserver.sql_batch_completed` and `sqlserver.rpc_completed`, and the sessions' state
//! (`sqlserver.login` when a session logs in, `sqlserver.existing_connection` for each session
//! open when the event session starts, with `options_text`), with actions, predicates and an
//! `event_file` target; `CREATE/DROP CREDENTIAL` for the Managed Instance blob target;
//! `sys.dm_xe_sessions`, `sys.server_event_sessions` and `sys.fn_xe_file_target_read_file`.
//!
//! | file | concern |
//! |---|---|
//! | `ddl.rs` | reading the DDL text (sqlparser does not know it) into an [`EventSession`] |
//! | `predicate.rs` | `WHERE` predicates on actions and event fields |
//! | `event.rs` | the event XML, shaped like SQL Server's, and the RPC `statement` text |
//! | `read_file.rs` | `sys.fn_xe_file_target_read_file(path, NULL, file, offset)` |
//! | `views.rs` | rows of `sys.dm_xe_sessions` and `sys.server_event_sessions` |
//!
//! Events live in memory on the instance (the "files" are names); every completed batch or
//! RPC is offered to each started session ([`record`]), which keeps it when its predicate holds.

mod ddl;
mod event;
mod predicate;
pub(crate) mod read_file;
pub(crate) mod views;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDateTime;

use super::instance::lock;
use super::session::Session;
use crate::engine::ResultSink;
use crate::error::SqlError;
use crate::types::Param;
use predicate::Predicate;

/// The events the simulator can raise.
pub(crate) const EVENTS: &[&str] = &["sql_batch_completed", "rpc_completed", "login", "existing_connection"];

/// One event of a session definition.
#[derive(Clone, Debug)]
pub(crate) struct EventSpec {
    /// `sql_batch_completed` or `rpc_completed`.
    pub name: String,
    /// Action names without the package (`session_id`, `client_app_name`, …).
    pub actions: Vec<String>,
    pub predicate: Option<Predicate>,
    /// `SET collect_options_text = (1)` (login, existing_connection): `options_text` is filled.
    pub collect_options_text: bool,
}

/// A defined event session.
#[derive(Clone, Debug)]
pub(crate) struct EventSession {
    pub id: i64,
    pub name: String,
    pub events: Vec<EventSpec>,
    /// The event_file target's `filename` as given (a path or a blob URL).
    pub filename: String,
    pub max_dispatch_latency_s: i64,
    pub startup_state: bool,
    /// When started: the file its events go to and when it started.
    pub running: Option<Running>,
}

#[derive(Clone, Debug)]
pub(crate) struct Running {
    pub file_name: String,
    pub create_time: NaiveDateTime,
    pub next_offset: i64,
    pub events: u64,
}

/// An event as written to a file.
#[derive(Clone, Debug)]
pub(crate) struct StoredEvent {
    /// Instance-wide sequence number (1, 2, …).
    pub seq: i64,
    pub object_name: &'static str,
    pub xml: String,
    pub file_name: String,
    pub file_offset: i64,
    pub timestamp: NaiveDateTime,
}

#[derive(Default, Debug)]
struct State {
    sessions: Vec<EventSession>,
    events: Vec<StoredEvent>,
    credentials: Vec<String>,
    next_id: i64,
}

/// The instance's event sessions, credentials and written events.
#[derive(Default, Debug)]
pub(crate) struct XeStore {
    state: Mutex<State>,
    /// Started sessions (0 = nothing to record: the fast path of every statement).
    started: AtomicUsize,
}

/// A completed request (or a session's login), as the events see it.
pub(crate) enum Completed<'a> {
    Batch {
        text: &'a str,
    },
    Rpc {
        sql: &'a str,
        declaration: Option<&'a str>,
        params: &'a [Param],
    },
    /// A session logged in (`login`) or was open when the event session started
    /// (`existing_connection`).
    Session {
        existing: bool,
    },
}

/// What the request did.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Measures {
    pub duration_us: u64,
    pub cpu_us: u64,
    pub logical_reads: u64,
    pub row_count: u64,
    pub failed: bool,
}

impl XeStore {
    /// Events written after sequence number `after` (for read_file's incremental copy).
    pub(crate) fn events_after(&self, after: i64) -> Vec<StoredEvent> {
        let state = lock(&self.state);
        let start = state.events.partition_point(|e| e.seq <= after);
        state.events[start..].to_vec()
    }

    pub(crate) fn sessions(&self) -> Vec<EventSession> {
        lock(&self.state).sessions.clone()
    }
}

/// Runs an event-session or credential DDL statement (the whole batch). `false` when `sql` is
/// not one.
pub(crate) fn intercept(session: &Session, sql: &str, sink: &mut dyn ResultSink) -> bool {
    let Some(statement) = ddl::parse(sql) else { return false };
    let result = statement.and_then(|s| apply(session, s));
    if let Err(e) = result {
        sink.error(&e);
    }
    sink.done(None);
    true
}

fn apply(session: &Session, statement: ddl::Statement) -> Result<(), SqlError> {
    require_alter_any_event_session(session)?;
    let instance = session.instance();
    let store = &instance.inner.xe;
    let mut state = lock(&store.state);
    match statement {
        ddl::Statement::Create(mut def) => {
            if state.sessions.iter().any(|s| s.name.eq_ignore_ascii_case(&def.name)) {
                return Err(SqlError::new(
                    25631,
                    16,
                    format!(
                        "The event session, \"{}\", already exists.  Choose a unique name for the event session.",
                        def.name
                    ),
                ));
            }
            state.next_id += 1;
            def.id = 65535 + state.next_id;
            let start = def.startup_state;
            state.sessions.push(def.clone());
            if start {
                drop(state);
                return start_session(session, &def.name);
            }
            Ok(())
        }
        ddl::Statement::Start(name) => {
            drop(state);
            start_session(session, &name)
        }
        ddl::Statement::Stop(name) => {
            let s = find(&mut state, &name)?;
            if s.running.take().is_none() {
                return Err(SqlError::new(25704, 16, "The event session has already been stopped."));
            }
            store.started.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        }
        ddl::Statement::Drop(name) => {
            let i = position(&state, &name)?;
            if state.sessions.remove(i).running.is_some() {
                store.started.fetch_sub(1, Ordering::SeqCst);
            }
            Ok(())
        }
        ddl::Statement::CreateCredential(name) => {
            if state.credentials.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                return Err(SqlError::new(
                    15025,
                    16,
                    format!("The server principal '{name}' already exists."),
                ));
            }
            state.credentials.push(name);
            Ok(())
        }
        ddl::Statement::DropCredential(name) => {
            let before = state.credentials.len();
            state.credentials.retain(|c| !c.eq_ignore_ascii_case(&name));
            if state.credentials.len() == before {
                return Err(SqlError::new(
                    15151,
                    16,
                    format!(
                        "Cannot drop the credential '{name}', because it does not exist or you do not have permission."
                    ),
                ));
            }
            Ok(())
        }
    }
}

fn start_session(session: &Session, name: &str) -> Result<(), SqlError> {
    let instance = session.instance();
    let store = &instance.inner.xe;
    let mut state = lock(&store.state);
    let credentials = state.credentials.clone();
    let s = find(&mut state, name)?;
    if s.running.is_some() {
        return Err(SqlError::new(25705, 16, "The event session has already been started."));
    }
    check_target(&s.filename, instance.is_managed_instance(), &credentials)?;
    let now = instance.now_utc();
    s.running = Some(Running {
        file_name: event::file_name(&s.filename, &now),
        create_time: now,
        next_offset: 4096,
        events: 0,
    });
    store.started.fetch_add(1, Ordering::SeqCst);
    // One existing_connection event per session open now, to this event session only.
    let index = position(&state, name)?;
    for info in instance.sessions() {
        let ctx = event::Context {
            spid: info.spid,
            database: info.database.clone(),
            app_name: info.app_name.clone(),
            host_name: info.host_name.clone(),
            login: info.login.clone(),
            now,
        };
        let call = Completed::Session { existing: true };
        if let Some(e) = offer(&mut state.sessions[index], &call, &Measures::default(), &ctx) {
            push(&mut state, e);
        }
    }
    Ok(())
}

/// The event `session` writes for `call`, when it is started, defines that event and its
/// predicate holds.
fn offer(
    s: &mut EventSession,
    call: &Completed<'_>,
    m: &Measures,
    ctx: &event::Context,
) -> Option<StoredEvent> {
    let event_name = event_name(call);
    let running = s.running.as_mut()?;
    let spec = s.events.iter().find(|e| e.name == event_name)?;
    if let Some(p) = &spec.predicate
        && !p.holds(ctx, m)
    {
        return None;
    }
    let xml = event::xml(event_name, call, m, ctx, spec);
    let offset = running.next_offset;
    running.next_offset += xml.len() as i64 + 64;
    running.events += 1;
    Some(StoredEvent {
        seq: 0,
        object_name: event_name,
        xml,
        file_name: running.file_name.clone(),
        file_offset: offset,
        timestamp: ctx.now,
    })
}

fn push(state: &mut State, mut e: StoredEvent) {
    e.seq = state.events.last().map(|l| l.seq).unwrap_or(0) + 1;
    state.events.push(e);
}

fn event_name(call: &Completed<'_>) -> &'static str {
    match call {
        Completed::Batch { .. } => "sql_batch_completed",
        Completed::Rpc { .. } => "rpc_completed",
        Completed::Session { existing: false } => "login",
        Completed::Session { existing: true } => "existing_connection",
    }
}

/// SQL Server's error 25602 for a target that cannot be initialised.
fn target_error(detail: &str) -> SqlError {
    SqlError::new(
        25602,
        17,
        format!(
            "The target, \"5B2DA06D-898A-43C8-9309-39BBBE93EBBD.package0.event_file\", encountered a \
             configuration error during initialization.  Object cannot be added to the event session. {detail}"
        ),
    )
}

/// On Managed Instance the file must be a blob URL with a credential named for its container.
fn check_target(filename: &str, managed: bool, credentials: &[String]) -> Result<(), SqlError> {
    let is_url = filename.to_ascii_lowercase().starts_with("https://");
    if !managed {
        return if is_url { Err(target_error("(null)")) } else { Ok(()) };
    }
    if !is_url || !filename.to_ascii_lowercase().contains(".blob.core.windows.net/") {
        return Err(target_error(
            "(null) On Azure SQL Managed Instance the event_file target must be an Azure Blob Storage URL.",
        ));
    }
    let container = filename.rsplit_once('/').map(|(c, _)| c).unwrap_or(filename);
    if credentials.iter().any(|c| c.trim_end_matches('/').eq_ignore_ascii_case(container)) {
        Ok(())
    } else {
        Err(target_error("(null)"))
    }
}

fn position(state: &State, name: &str) -> Result<usize, SqlError> {
    state.sessions.iter().position(|s| s.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
        SqlError::new(
            15151,
            16,
            format!(
                "Cannot alter the event session '{name}', because it does not exist or you do not have permission."
            ),
        )
    })
}

fn find<'a>(state: &'a mut State, name: &str) -> Result<&'a mut EventSession, SqlError> {
    let i = position(state, name)?;
    Ok(&mut state.sessions[i])
}

/// ALTER ANY EVENT SESSION (or CONTROL SERVER).
fn require_alter_any_event_session(session: &Session) -> Result<(), SqlError> {
    let login = session.instance().login(session.login());
    if login.is_some_and(|l| l.has_server_permission("ALTER ANY EVENT SESSION")) {
        Ok(())
    } else {
        Err(SqlError::new(15247, 16, "User does not have permission to perform this action."))
    }
}

/// Offers a completed batch or RPC to every started session; each keeps it when its event is
/// defined and its predicate holds.
pub(crate) fn record(session: &Session, call: &Completed<'_>, m: &Measures) {
    let instance = session.instance();
    let store = &instance.inner.xe;
    if store.started.load(Ordering::Relaxed) == 0 {
        return;
    }
    let info = instance.sessions().into_iter().find(|s| s.spid == session.spid());
    let ctx = event::Context {
        spid: session.spid(),
        database: session.database(),
        app_name: info.as_ref().map(|i| i.app_name.clone()).unwrap_or_default(),
        host_name: info.as_ref().map(|i| i.host_name.clone()).unwrap_or_default(),
        login: session.login().to_string(),
        now: instance.now_utc(),
    };
    let mut state = lock(&store.state);
    let written: Vec<StoredEvent> =
        state.sessions.iter_mut().filter_map(|s| offer(s, call, m, &ctx)).collect();
    for e in written {
        push(&mut state, e);
    }
}

impl Session {
    /// Raises `login` for a session that just logged in.
    pub(crate) fn xe_login(&self) {
        if self.instance().inner.xe.started.load(Ordering::Relaxed) == 0 {
            return;
        }
        record(self, &Completed::Session { existing: false }, &Measures::default());
    }

    /// Raises `sql_batch_completed` / `rpc_completed` for the request that just finished.
    pub(crate) fn xe_completed(&self, call: &Completed<'_>, started: std::time::Instant) {
        if self.instance().inner.xe.started.load(Ordering::Relaxed) == 0 {
            return;
        }
        let us = started.elapsed().as_micros() as u64;
        let m = Measures {
            duration_us: us,
            cpu_us: us,
            logical_reads: 0,
            row_count: self.shared.rowcount.load(Ordering::Relaxed).max(0) as u64,
            failed: self.shared.error.load(Ordering::Relaxed) != 0,
        };
        record(self, call, &m);
    }
}
