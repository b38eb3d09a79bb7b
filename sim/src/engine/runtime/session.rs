//! [`Session`]: one client connection. It owns a SQLite connection opened on its current
//! database, attaches other databases on demand (three-part names), keeps the batch's
//! variables and the transaction count, and runs batches statement by statement.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::types::Value as Stored;
use rusqlite::{CachedStatement, Connection};

use super::catalog::{CatalogNeed, SessionCatalog};
use super::compat;
use super::database::{self, DatabaseEntry, quote};
use super::errors::{Failure, aborts_batch};
use super::instance::{Instance, lock};
use crate::engine::{ResultSink, Step};
use crate::error::SqlError;
use crate::load::{LoadState, SessionActivity};
use crate::types::storage::to_storage;
use crate::types::{Param, SqlType};

/// A declared variable: its type and current (stored) value.
#[derive(Clone, Debug)]
pub(crate) struct Variable {
    pub ty: SqlType,
    pub value: Stored,
}

/// Session state the SQL functions read while a statement runs (shared with the
/// [`crate::engine::FunctionContext`] registered on the connection).
pub(crate) struct SessionShared {
    pub instance: Instance,
    pub spid: u16,
    pub login: String,
    pub database: Mutex<String>,
    pub rowcount: AtomicI64,
    pub trancount: AtomicI64,
    /// `@@ERROR`: the last statement's error number, 0 after success.
    pub error: AtomicI64,
    /// A second connection for catalog lookups made from inside SQL functions (OBJECT_ID…).
    pub lookup: Mutex<Option<(String, Connection)>>,
    /// SET options (`@@OPTIONS`, `@@LOCK_TIMEOUT`, `@@TEXTSIZE`, IDENTITY_INSERT).
    pub options: Mutex<super::options::SessionOptions>,
    /// This session's local temporary tables: (`#name`, object id), for OBJECT_ID.
    pub temp_ids: Mutex<Vec<(String, i64)>>,
}

impl SessionShared {
    pub fn current_database(&self) -> String {
        lock(&self.database).clone()
    }
}

/// One client session. `Send`, used from one thread at a time.
pub struct Session {
    pub(crate) shared: Arc<SessionShared>,
    pub(crate) conn: Connection,
    /// The database opened as SQLite's `main`.
    pub(crate) main_db: String,
    /// Other databases attached to the connection: (database name, SQLite schema alias).
    pub(crate) attached: RefCell<Vec<(String, String)>>,
    pub(crate) vars: HashMap<String, Variable>,
    /// The current batch's RPC parameters, lower-case names with `@`.
    pub(crate) params: Vec<(String, SqlType, Stored)>,
    pub(crate) trancount: u32,
    /// The open transaction's name, savepoints and descriptor.
    pub(crate) tran: super::transaction::OpenTransaction,
    /// Temporary tables this session created (`tempdb`, name), dropped at reset/disconnect.
    pub(crate) temp_tables: Vec<crate::engine::ObjectName>,
    /// The connection's `temp` schema has the metadata tables.
    pub(crate) temp_ready: Cell<bool>,
    /// The transaction isolation level (1 read uncommitted … 5 snapshot; 2 by default).
    pub(crate) isolation: u8,
    pub(crate) nocount: bool,
    /// Catalog temp tables filled so far: key → (DDL generation, write generation) at fill time.
    pub(crate) catalog_fresh: HashMap<String, (i64, u64)>,
    /// The table the current DML statement writes (to name FK/CHECK violations).
    pub(crate) last_target: Option<super::objects::TableRef>,
    /// The line of the statement running now (for error tokens).
    pub(crate) line: i32,
    /// `@@ERROR` after a step that succeeded but set it (RAISERROR … WITH SETERROR).
    pub(crate) raised_error: Option<i64>,
    /// The run of the instance this session belongs to, and what it is doing (load model).
    pub(crate) load: Arc<LoadState>,
    pub(crate) activity: Arc<SessionActivity>,
    /// Full-scan steps of the last statement (SQLite's FULLSCAN_STEP), for logical reads.
    pub(crate) scanned: Cell<u64>,
    /// Databases whose Change Tracking version the open transaction already took.
    pub(crate) ct_versioned: Vec<String>,
    /// The statement reads in a snapshot `locks.rs` began (committed after it).
    pub(crate) read_snapshot: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("spid", &self.shared.spid)
            .field("login", &self.shared.login)
            .field("database", &self.database())
            .finish_non_exhaustive()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        // A disconnect rolls the open transaction back, its row-locked writes too.
        let _ = self.undo_to(0);
        self.trancount = 0;
        self.release_uncommitted();
        // Local temporary tables go with the connection; global ones this session created
        // are dropped now.
        let _ = self.drop_temp_tables(false);
        self.load.unregister(self.shared.spid);
        self.shared.instance.release_spid(self.shared.spid);
    }
}

/// What the batch loop does after a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// The client cancelled or went away: stop without further results.
    Stop,
    /// A batch-aborting error was reported.
    Abort,
}

impl Session {
    pub(crate) fn open(
        instance: Instance,
        spid: u16,
        login: String,
        db: &DatabaseEntry,
    ) -> Result<Session, SqlError> {
        let load = instance.load();
        let shared = Arc::new(SessionShared {
            instance,
            spid,
            login,
            database: Mutex::new(db.name.clone()),
            rowcount: AtomicI64::new(0),
            trancount: AtomicI64::new(0),
            error: AtomicI64::new(0),
            lookup: Mutex::new(None),
            options: Mutex::new(Default::default()),
            temp_ids: Mutex::new(Vec::new()),
        });
        let conn = open_connection(db, &shared)
            .map_err(|e| SqlError::new(4060, 11, format!("Cannot open database \"{}\": {e}", db.name)))?;
        let _ = conn.busy_timeout(super::options::SessionOptions::default().lock_wait());
        Ok(Session {
            shared,
            conn,
            main_db: db.name.clone(),
            attached: RefCell::new(Vec::new()),
            vars: HashMap::new(),
            params: Vec::new(),
            trancount: 0,
            tran: Default::default(),
            temp_tables: Vec::new(),
            temp_ready: Cell::new(false),
            isolation: 2,
            nocount: false,
            catalog_fresh: HashMap::new(),
            last_target: None,
            line: 1,
            raised_error: None,
            activity: load.register(spid),
            load,
            scanned: Cell::new(0),
            ct_versioned: Vec::new(),
            read_snapshot: false,
        })
    }

    /// The session id (`@@SPID`), unique on the instance, from 51 up.
    pub fn spid(&self) -> u16 {
        self.shared.spid
    }

    /// The client's address (`sys.dm_exec_connections.client_net_address`), set by the server
    /// for TCP connections.
    pub fn set_client_address(&self, address: std::net::SocketAddr) {
        self.shared.instance.update_session(self.shared.spid, |info| info.client_address = Some(address));
    }

    /// The current database.
    pub fn database(&self) -> String {
        self.shared.current_database()
    }

    /// What the session is doing, as the load model sees it (and its kill switch).
    pub fn activity(&self) -> Arc<SessionActivity> {
        self.activity.clone()
    }

    /// The login name.
    pub fn login(&self) -> &str {
        &self.shared.login
    }

    pub fn instance(&self) -> &Instance {
        &self.shared.instance
    }

    /// `@@TRANCOUNT`.
    pub fn trancount(&self) -> u32 {
        self.trancount
    }

    /// A handle another thread can use to interrupt the statement this session is running
    /// (the server calls it on ATTENTION).
    pub fn interrupt_handle(&self) -> rusqlite::InterruptHandle {
        self.conn.get_interrupt_handle()
    }

    /// Runs a T-SQL batch: parse it (a syntax error runs nothing), then translate and run each
    /// statement in order, streaming results to `sink`. Statement errors are reported and the
    /// batch goes on, except for the errors that abort a batch in SQL Server (see
    /// [`super::errors::aborts_batch`]). Variables live for the batch, as in SQL Server.
    pub fn execute(&mut self, sql: &str, params: &[Param], sink: &mut dyn ResultSink) {
        if self.activity.is_killed() {
            sink.error(&super::accounting::killed());
            sink.done(None);
            return;
        }
        if self.shared.instance.knobs().enabled() {
            self.load.counters.batch_requests.fetch_add(1, Ordering::Relaxed);
        }
        if super::xe::intercept(self, sql, sink) {
            return;
        }
        self.vars.clear();
        self.params =
            params.iter().map(|p| (p.name.to_ascii_lowercase(), p.ty, to_storage(&p.value))).collect();
        let statements = match compat::parse_batch(sql) {
            Ok(s) => s,
            Err(e) => {
                sink.error(&e);
                sink.done(None);
                return;
            }
        };
        let batch_hash = crate::load::buffer_pool::text_hash(sql);
        for statement in &statements {
            if sink.cancelled() {
                return;
            }
            self.line = compat::line_of(statement);
            let text = compat::text_of(statement);
            let cached = crate::load::plan_cache::Statement::new(sql, batch_hash, statement.span());
            if let Err(e) = self.before_statement(text) {
                if self.report(Failure::Error(e), sink) != Flow::Continue {
                    return;
                }
                continue;
            }
            let (mut mark, begun) = (self.statement_start(&cached), std::time::Instant::now());
            let (step, needs) = {
                let catalog = SessionCatalog::new(self);
                let step = compat::translate(statement, &catalog);
                (step, catalog.into_needs())
            };
            let flow = match &step {
                Ok(step) => match self
                    .refresh_catalog(&needs)
                    .map_err(Failure::Error)
                    .and_then(|_| self.begin_implicitly(step, &needs, sink))
                {
                    Ok(()) => {
                        let nolock =
                            super::locks::reads_uncommitted(sql.get(statement.span()).unwrap_or(text));
                        let skip = match step {
                            Step::Modify { table, .. } => {
                                self.locate_table(table).ok().map(|t| (t.database, t.sqlite_name))
                            }
                            _ => None,
                        };
                        let reads = matches!(step, Step::Query { .. } | Step::Assign { .. });
                        let flow = match self.wait_for_uncommitted(&needs, nolock, skip, reads, sink) {
                            Ok(()) => {
                                self.note_blocker(&mut mark, step, &needs);
                                self.run_translated(step, &needs, sink)
                            }
                            Err(f) => self.report(f, sink),
                        };
                        self.end_read_snapshot();
                        flow
                    }
                    Err(f) => self.report(f, sink),
                },
                Err(e) => self.report(Failure::Error(e.clone()), sink),
            };
            self.statement_end(mark, &cached, step.as_ref().ok(), &needs);
            super::query_store::record(
                self,
                text,
                begun.elapsed(),
                self.shared.error.load(Ordering::Relaxed) != 0,
            );
            if flow != Flow::Continue {
                return;
            }
        }
    }

    pub(crate) fn run_translated(
        &mut self,
        step: &Step,
        needs: &[CatalogNeed],
        sink: &mut dyn ResultSink,
    ) -> Flow {
        match step {
            Step::CreateView { .. } => {
                match self.lock_for_writing(sink).and_then(|_| self.create_view_from(step, needs)) {
                    Ok(()) => {
                        sink.done(None);
                        Flow::Continue
                    }
                    Err(e) => self.report(e, sink),
                }
            }
            _ => self.execute_step(step, sink),
        }
    }

    /// Runs one translated step and reports its outcome (`done`, or `error` + `done`).
    pub(crate) fn execute_step(&mut self, step: &Step, sink: &mut dyn ResultSink) -> Flow {
        match self.run_step(step, sink) {
            Ok(count) => {
                // RAISERROR … WITH SETERROR leaves its number in @@ERROR even as a message.
                let code = self.raised_error.take().unwrap_or(0);
                self.shared.error.store(code, Ordering::Relaxed);
                sink.done(if self.nocount { None } else { count });
                Flow::Continue
            }
            Err(f) => self.report(f, sink),
        }
    }

    /// Reports a failure: cancellation stops quietly; an error is sent with its DONE.
    pub(crate) fn report(&mut self, failure: Failure, sink: &mut dyn ResultSink) -> Flow {
        self.sync_transaction_state(sink);
        match failure {
            Failure::Cancelled => Flow::Stop,
            Failure::Raised { error: mut e, ends_batch } => {
                if e.line <= 1 {
                    e.line = self.line.max(1);
                }
                self.shared.error.store(i64::from(e.number), Ordering::Relaxed);
                // "THROW": honours XACT_ABORT and ends the batch; "RAISERROR": neither.
                let xact_abort = ends_batch && self.options().is_on("XACT_ABORT");
                sink.error(&e);
                if xact_abort && self.trancount > 0 {
                    let _ = self.rollback_all(sink);
                }
                sink.done(None);
                if ends_batch { Flow::Abort } else { Flow::Continue }
            }
            Failure::Error(mut e) => {
                if e.line <= 1 {
                    e.line = self.line.max(1);
                }
                self.shared.error.store(i64::from(e.number), Ordering::Relaxed);
                // "SET XACT_ABORT": with it ON a run-time error (not a compile error such as a
                // syntax error) rolls the whole transaction back and ends the batch.
                let compile_error = e.class == 15 || e.number == 40517;
                let xact_abort = e.class >= 11 && !compile_error && self.options().is_on("XACT_ABORT");
                let abort = aborts_batch(e.number) || xact_abort;
                sink.error(&e);
                if matches!(e.number, 2627 | 2601 | 515 | 547 | 8152 | 2628) && !xact_abort {
                    sink.info(3621, "The statement has been terminated.");
                }
                if xact_abort && self.trancount > 0 {
                    let _ = self.rollback_all(sink);
                }
                sink.done(None);
                if abort { Flow::Abort } else { Flow::Continue }
            }
        }
    }

    /// The SQLite schema name of a database on this connection, attaching it if needed.
    /// Error 911 when there is no such database.
    pub(crate) fn schema_of(&self, database: &str) -> Result<String, SqlError> {
        if database.eq_ignore_ascii_case(&self.main_db) {
            return Ok("main".to_string());
        }
        if let Some((_, alias)) =
            self.attached.borrow().iter().find(|(name, _)| name.eq_ignore_ascii_case(database))
        {
            return Ok(alias.clone());
        }
        let db =
            self.shared.instance.database(database).ok_or_else(|| SqlError::no_such_database(database))?;
        let mut alias = db.name.to_ascii_lowercase();
        if matches!(alias.as_str(), "main" | "temp") {
            alias = format!("db_{alias}");
        }
        let path = db.path.to_string_lossy().into_owned();
        self.conn
            .execute(&format!("ATTACH DATABASE ?1 AS {}", quote(&alias)), [path])
            .map_err(|e| SqlError::new(942, 14, format!("Database '{}' cannot be opened: {e}", db.name)))?;
        self.attached.borrow_mut().push((db.name.clone(), alias.clone()));
        Ok(alias)
    }

    /// The canonical name of a database (`SHOP` → `shop`), or 911.
    pub(crate) fn database_entry(&self, name: &str) -> Result<Arc<DatabaseEntry>, SqlError> {
        self.shared.instance.database(name).ok_or_else(|| SqlError::no_such_database(name))
    }

    /// Switches the current database (USE). Outside a transaction the connection is reopened on
    /// the new database so it becomes `main`; inside one it is attached.
    pub(crate) fn switch_database(&mut self, name: &str) -> Result<(String, String), SqlError> {
        let db = self.database_entry(name)?;
        let from = self.database();
        // Reopen on the new database, unless the connection holds something that must stay:
        // an open transaction, or local temporary tables (in its `temp` schema).
        let keep = self.trancount > 0 || !self.conn.is_autocommit() || self.has_local_temp_tables();
        if !keep && !db.name.eq_ignore_ascii_case(&self.main_db) {
            let conn = open_connection(&db, &self.shared)
                .map_err(|e| SqlError::new(4060, 11, format!("Cannot open database \"{}\": {e}", db.name)))?;
            self.conn = conn;
            let _ = self.conn.busy_timeout(self.options().lock_wait());
            self.main_db = db.name.clone();
            self.attached.borrow_mut().clear();
            self.catalog_fresh.clear();
            self.temp_ready.set(false);
        } else {
            self.schema_of(&db.name)?;
        }
        *lock(&self.shared.database) = db.name.clone();
        self.shared.instance.set_session_database(self.shared.spid, &db.name);
        Ok((from, db.name.clone()))
    }

    /// Looks up a parameter or variable by name (with its `@`, any case).
    pub(crate) fn value_of(&self, name: &str) -> Option<&Stored> {
        let lower = name.to_ascii_lowercase();
        self.params
            .iter()
            .find(|(n, _, _)| *n == lower)
            .map(|(_, _, v)| v)
            .or_else(|| self.vars.get(&lower).map(|v| &v.value))
    }

    /// An RPC parameter's value after the call, in the parameter's type: what an OUTPUT
    /// parameter returns (RETURNVALUE). NULL for a parameter the call did not bind.
    pub fn param_value(&self, param: &Param) -> crate::types::Value {
        self.value_of(&param.name)
            .and_then(|v| crate::types::storage::from_cell(&param.ty, crate::types::storage::stored_cell(v)))
            .unwrap_or(crate::types::Value::Null)
    }

    pub(crate) fn type_of(&self, name: &str) -> Option<SqlType> {
        let lower = name.to_ascii_lowercase();
        self.params
            .iter()
            .find(|(n, _, _)| *n == lower)
            .map(|(_, t, _)| *t)
            .or_else(|| self.vars.get(&lower).map(|v| v.ty))
    }

    /// Binds every named parameter of `stmt` from the RPC parameters and variables.
    pub(crate) fn bind(&self, stmt: &mut CachedStatement<'_>) -> Result<(), SqlError> {
        for i in 1..=stmt.parameter_count() {
            let value = match stmt.parameter_name(i) {
                Some(name) => {
                    let name = name.strip_prefix(':').or_else(|| name.strip_prefix('$')).unwrap_or(name);
                    let lookup = if name.starts_with('@') { name.to_string() } else { format!("@{name}") };
                    self.value_of(&lookup).ok_or_else(|| SqlError::undeclared_variable(&lookup))?
                }
                None => {
                    return Err(SqlError::new(
                        8178,
                        16,
                        "The parameterized query expects a parameter which was not supplied.",
                    ));
                }
            };
            stmt.raw_bind_parameter(i, value).map_err(|e| SqlError::new(8178, 16, e.to_string()))?;
        }
        Ok(())
    }

    /// Sets `@@ROWCOUNT`.
    pub(crate) fn set_rowcount(&self, n: i64) {
        self.shared.rowcount.store(n, Ordering::Relaxed);
    }

    /// Marks a database as written (partition stats need a refresh).
    pub(crate) fn bump_writes(&self, database: &str) {
        if let Some(db) = self.shared.instance.database(database) {
            db.bump_writes();
        }
    }
}

/// Opens a session connection on `db` with collations and functions registered.
fn open_connection(db: &DatabaseEntry, shared: &Arc<SessionShared>) -> rusqlite::Result<Connection> {
    let conn = database::open(&db.path)?;
    compat::register(&conn, shared.clone())?;
    Ok(conn)
}
