//! [`Instance`]: one simulated SQL Server: its databases (files in a data directory), logins,
//! clock and live sessions. Cheap to clone (an `Arc` inside); two instances share nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDateTime;

use super::config::{Clock, Identity, InstanceConfig, LoginDef, SystemClock, perms};
use super::database::{self, DatabaseEntry};
use super::session::Session;
use crate::error::SqlError;
use crate::load::{Faults, Knobs, LoadState};
use crate::profile::Profile;

/// Why an instance could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the simulator's data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("cannot create database file {path}: {source}")]
    Database { path: PathBuf, source: rusqlite::Error },
    #[error("cannot roll back the transactions left open in {path}: {source}")]
    Recovery { path: PathBuf, source: rusqlite::Error },
    #[error("cannot create msdb's backup and restore history tables: {0}")]
    Msdb(SqlError),
}

/// The system databases every instance has, with SQL Server's ids.
const SYSTEM_DATABASES: &[(&str, i64)] = &[("master", 1), ("tempdb", 2), ("model", 3), ("msdb", 4)];

/// A login's live state (permissions can change while sessions run).
#[derive(Clone, Debug)]
pub(crate) struct LoginState {
    pub def: LoginDef,
}

impl LoginState {
    pub fn has_server_permission(&self, perm: &str) -> bool {
        self.def
            .server_permissions
            .iter()
            .any(|p| p.eq_ignore_ascii_case(perm) || p.eq_ignore_ascii_case(perms::CONTROL_SERVER))
    }

    pub fn is_sysadmin(&self) -> bool {
        self.def.server_permissions.iter().any(|p| p.eq_ignore_ascii_case(perms::CONTROL_SERVER))
    }
}

/// What the instance knows about a live session (for sys.dm_exec_sessions later).
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub spid: u16,
    pub login: String,
    pub database: String,
    pub app_name: String,
    pub host_name: String,
    pub login_time: NaiveDateTime,
    /// `sys.dm_exec_sessions.transaction_isolation_level` (1 read uncommitted … 5 snapshot).
    pub isolation_level: u8,
    /// The session's SET options, as `sys.dm_exec_sessions` shows them.
    pub options: super::options::SessionOptions,
    /// The client's address for a TCP connection (`sys.dm_exec_connections`); `None` for
    /// in-process sessions.
    pub client_address: Option<std::net::SocketAddr>,
}

pub(crate) struct Inner {
    pub name: String,
    pub identity: Identity,
    pub data_dir: PathBuf,
    _temp_dir: Option<tempfile::TempDir>,
    pub databases: RwLock<Vec<Arc<DatabaseEntry>>>,
    pub logins: RwLock<Vec<LoginState>>,
    pub sessions: Mutex<BTreeMap<u16, SessionInfo>>,
    pub clock: RwLock<Arc<dyn Clock>>,
    pub profile: &'static Profile,
    /// This run's counters; a restart installs a fresh one.
    pub load: RwLock<Arc<LoadState>>,
    pub knobs: Knobs,
    pub faults: Faults,
    pub xe: super::xe::XeStore,
    pub query_store: super::query_store::QueryStore,
    /// Serialises CREATE/DROP DATABASE.
    ddl_lock: Mutex<()>,
    /// Tables open transactions have written, which READ COMMITTED readers wait for.
    pub(crate) uncommitted: super::locks::Uncommitted,
}

/// A running simulated SQL Server instance.
#[derive(Clone)]
pub struct Instance {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance").field("name", &self.inner.name).finish_non_exhaustive()
    }
}

impl Instance {
    /// Starts an instance: creates (or reopens) `master`, `tempdb`, `model` and `msdb`, and any
    /// user databases already in a kept data directory.
    pub fn start(config: InstanceConfig) -> Result<Instance, StartError> {
        let (data_dir, temp) = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|source| StartError::DataDir { path: dir.clone(), source })?;
                (dir.clone(), None)
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("cutover-sim-")
                    .tempdir()
                    .map_err(|source| StartError::DataDir { path: std::env::temp_dir(), source })?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let now = clock.now_utc();
        let logins = config.logins.iter().map(|def| LoginState { def: def.clone() }).collect();
        let inner = Inner {
            name: config.name.clone(),
            identity: config.identity.clone(),
            data_dir: data_dir.clone(),
            _temp_dir: temp,
            databases: RwLock::new(Vec::new()),
            logins: RwLock::new(logins),
            sessions: Mutex::new(BTreeMap::new()),
            clock: RwLock::new(clock),
            profile: config.profile,
            load: RwLock::new(Arc::new(LoadState::new(now))),
            knobs: Knobs::default(),
            faults: Faults::default(),
            xe: Default::default(),
            query_store: Default::default(),
            ddl_lock: Mutex::new(()),
            uncommitted: Default::default(),
        };
        let instance = Instance { inner: Arc::new(inner) };
        for (name, id) in SYSTEM_DATABASES {
            instance.register_database(name, *id)?;
        }
        instance.create_msdb_history().map_err(StartError::Msdb)?;
        instance.reopen_user_databases(&data_dir);
        instance.recover()?;
        Ok(instance)
    }

    fn register_database(&self, name: &str, id: i64) -> Result<Arc<DatabaseEntry>, StartError> {
        let path = self.inner.data_dir.join(database::file_name(name));
        let created = database::format_date(&self.now_utc());
        database::initialise(&path, name, id, &created)
            .map_err(|source| StartError::Database { path: path.clone(), source })?;
        let (name, id, create_date) =
            database::read_identity(&path).unwrap_or((name.to_string(), id, created));
        let entry = Arc::new(DatabaseEntry { name, id, path, create_date, writes: AtomicU64::new(0) });
        write(&self.inner.databases).push(entry.clone());
        Ok(entry)
    }

    /// Rolls back what transactions left open when an earlier run ended (`journal.rs`), before
    /// any session can connect.
    fn recover(&self) -> Result<(), StartError> {
        let databases: Vec<Arc<DatabaseEntry>> = read(&self.inner.databases).clone();
        for db in databases {
            super::journal::recover(&db.path)
                .map_err(|source| StartError::Recovery { path: db.path.clone(), source })?;
        }
        Ok(())
    }

    /// Registers database files left in a kept data directory by an earlier run.
    fn reopen_user_databases(&self, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut found: Vec<(String, i64, String, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sqlite"))
            .filter_map(|p| database::read_identity(&p).map(|(n, i, c)| (n, i, c, p)))
            .filter(|(_, id, _, _)| *id > 4)
            .collect();
        found.sort_by_key(|f| f.1);
        let mut dbs = write(&self.inner.databases);
        for (name, id, create_date, path) in found {
            if !dbs.iter().any(|d| d.name.eq_ignore_ascii_case(&name) || d.id == id) {
                dbs.push(Arc::new(DatabaseEntry { name, id, path, create_date, writes: AtomicU64::new(0) }));
            }
        }
    }

    /// The server name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    /// Where the database files are.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Replaces the clock (tests install a [`super::ManualClock`]). The current run is
    /// re-anchored on the new clock (counters kept, start time = the new clock's now).
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        let now = clock.now_utc();
        *self.inner.clock.write().unwrap_or_else(|p| p.into_inner()) = clock;
        let mut load = write(&self.inner.load);
        if let Some(state) = Arc::get_mut(&mut load) {
            state.start_time = now;
            *state.idle_since.get_mut().unwrap_or_else(|p| p.into_inner()) = now;
        } else {
            let fresh = LoadState::new(now);
            *fresh.sessions.lock().unwrap_or_else(|p| p.into_inner()) =
                load.sessions.lock().unwrap_or_else(|p| p.into_inner()).clone();
            *load = Arc::new(fresh);
        }
    }

    /// The instance's profile (resources, latency, which DMVs exist).
    pub fn profile(&self) -> &'static Profile {
        self.inner.profile
    }

    /// True for Managed Instance profiles.
    pub fn is_managed_instance(&self) -> bool {
        self.inner.profile.is_managed_instance() || self.inner.identity.engine_edition == 8
    }

    /// The current run's load state (counters, waits, query stats).
    pub fn load(&self) -> Arc<LoadState> {
        read(&self.inner.load).clone()
    }

    /// The load model's switches and the regression knob.
    pub fn knobs(&self) -> &Knobs {
        &self.inner.knobs
    }

    /// Now, by the instance clock, as UTC.
    pub fn now_utc(&self) -> NaiveDateTime {
        self.inner.clock.read().unwrap_or_else(|p| p.into_inner()).now_utc()
    }

    /// When the instance started (sys.dm_os_sys_info.sqlserver_start_time).
    pub fn start_time(&self) -> NaiveDateTime {
        read(&self.inner.load).start_time
    }

    /// Opens a session. Errors: 18456 (state 8) for an unknown login or wrong password, 4060
    /// when the requested (or default) database does not exist.
    pub fn connect(
        &self,
        login: &str,
        password: &str,
        database: Option<&str>,
        app_name: &str,
        host_name: &str,
    ) -> Result<Session, SqlError> {
        let state = self
            .login(login)
            .filter(|l| l.def.password == password)
            .ok_or_else(|| SqlError::login_failed(login))?;
        let wanted = match database {
            Some(d) if !d.trim().is_empty() => d.trim().to_string(),
            _ => state.def.default_database.clone(),
        };
        let db = self.database(&wanted).ok_or_else(|| SqlError::cannot_open_database(&wanted))?;
        let spid = self.allocate_spid(SessionInfo {
            spid: 0,
            login: state.def.name.clone(),
            database: db.name.clone(),
            app_name: app_name.to_string(),
            host_name: host_name.to_string(),
            login_time: self.now_utc(),
            isolation_level: 2,
            options: Default::default(),
            client_address: None,
        });
        let session = Session::open(self.clone(), spid, state.def.name.clone(), &db)
            .inspect_err(|_| self.release_spid(spid))?;
        session.xe_login();
        Ok(session)
    }

    /// The first sysadmin login's name (the instance's own work runs under it).
    pub(crate) fn sysadmin_login(&self) -> Option<String> {
        read(&self.inner.logins).iter().find(|l| l.is_sysadmin()).map(|l| l.def.name.clone())
    }

    /// A session the instance opens for its own work (no client, no login event).
    pub(crate) fn system_session(&self, login: &str, database: &str) -> Result<Session, SqlError> {
        let db = self.database(database).ok_or_else(|| SqlError::no_such_database(database))?;
        let spid = self.allocate_spid(SessionInfo {
            spid: 0,
            login: login.to_string(),
            database: db.name.clone(),
            app_name: String::new(),
            host_name: String::new(),
            login_time: self.now_utc(),
            isolation_level: 2,
            options: Default::default(),
            client_address: None,
        });
        Session::open(self.clone(), spid, login.to_string(), &db).inspect_err(|_| self.release_spid(spid))
    }

    /// Smallest free session id from 51 up, as SQL Server hands them out.
    fn allocate_spid(&self, mut info: SessionInfo) -> u16 {
        let mut sessions = lock(&self.inner.sessions);
        let used: BTreeSet<u16> = sessions.keys().copied().collect();
        let spid = (51..=u16::MAX).find(|s| !used.contains(s)).unwrap_or(u16::MAX);
        info.spid = spid;
        sessions.insert(spid, info);
        spid
    }

    pub(crate) fn release_spid(&self, spid: u16) {
        lock(&self.inner.sessions).remove(&spid);
        self.load().unregister(spid);
    }

    pub(crate) fn set_session_database(&self, spid: u16, database: &str) {
        self.update_session(spid, |s| s.database = database.to_string());
    }

    /// Changes what the instance shows about a live session (its DMV rows).
    pub(crate) fn update_session(&self, spid: u16, change: impl FnOnce(&mut SessionInfo)) {
        if let Some(s) = lock(&self.inner.sessions).get_mut(&spid) {
            change(s);
        }
    }

    /// The live sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        lock(&self.inner.sessions).values().cloned().collect()
    }

    /// A database by name (case-insensitive).
    pub fn database(&self, name: &str) -> Option<Arc<DatabaseEntry>> {
        read(&self.inner.databases).iter().find(|d| d.name.eq_ignore_ascii_case(name)).cloned()
    }

    /// A database by id.
    pub fn database_by_id(&self, id: i64) -> Option<Arc<DatabaseEntry>> {
        read(&self.inner.databases).iter().find(|d| d.id == id).cloned()
    }

    /// All databases, by id.
    pub fn databases(&self) -> Vec<Arc<DatabaseEntry>> {
        let mut dbs = read(&self.inner.databases).clone();
        dbs.sort_by_key(|d| d.id);
        dbs
    }

    /// CREATE DATABASE. Error 1801 when it exists.
    pub fn create_database(&self, name: &str) -> Result<(), SqlError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 128 {
            return Err(SqlError::new(
                4202,
                16,
                format!("The identifier that starts with '{name}' is not a valid database name."),
            ));
        }
        let _guard = lock(&self.inner.ddl_lock);
        if self.database(name).is_some() {
            return Err(database_exists(name));
        }
        let id = read(&self.inner.databases).iter().map(|d| d.id).max().unwrap_or(4).max(4) + 1;
        let path = self.inner.data_dir.join(database::file_name(name));
        if path.exists() {
            return Err(database_exists(name));
        }
        self.register_database(name, id).map(|_| ()).map_err(|e| {
            SqlError::new(5123, 16, format!("CREATE FILE encountered operating system error: {e}"))
        })
    }

    /// DROP DATABASE. Errors 3701-style 3701/911 when missing, 3702 when a session uses it.
    pub fn drop_database(&self, name: &str) -> Result<(), SqlError> {
        let _guard = lock(&self.inner.ddl_lock);
        let db = self.database(name).ok_or_else(|| {
            SqlError::new(
                3701,
                11,
                format!(
                    "Cannot drop the database '{name}', because it does not exist or you do not have permission."
                ),
            )
        })?;
        if db.id <= 4 {
            return Err(SqlError::new(
                3708,
                16,
                format!("Cannot drop the database '{}' because it is a system database.", db.name),
            ));
        }
        if lock(&self.inner.sessions).values().any(|s| s.database.eq_ignore_ascii_case(&db.name)) {
            return Err(SqlError::new(
                3702,
                16,
                format!("Cannot drop database \"{}\" because it is currently in use.", db.name),
            ));
        }
        write(&self.inner.databases).retain(|d| d.id != db.id);
        for suffix in ["", "-wal", "-shm"] {
            let mut p = db.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        Ok(())
    }

    pub(crate) fn login(&self, name: &str) -> Option<LoginState> {
        read(&self.inner.logins).iter().find(|l| l.def.name.eq_ignore_ascii_case(name)).cloned()
    }

    /// The logins, as configured now.
    pub fn logins(&self) -> Vec<LoginDef> {
        read(&self.inner.logins).iter().map(|l| l.def.clone()).collect()
    }

    /// Adds a login, or replaces the one with the same name.
    pub fn add_login(&self, def: LoginDef) {
        let mut logins = write(&self.inner.logins);
        if let Some(l) = logins.iter_mut().find(|l| l.def.name.eq_ignore_ascii_case(&def.name)) {
            l.def = def;
        } else {
            logins.push(LoginState { def });
        }
    }

    /// Grants (`granted = true`) or revokes a server permission; live sessions see it at once.
    /// Error 15151 when the login does not exist.
    pub fn set_permission(&self, login: &str, permission: &str, granted: bool) -> Result<(), SqlError> {
        self.with_login(login, |def| {
            def.server_permissions.retain(|p| !p.eq_ignore_ascii_case(permission));
            if granted {
                def.server_permissions.push(permission.to_ascii_uppercase());
            }
        })
    }

    /// Allows or forbids INSERT/UPDATE/DELETE and DDL for a login.
    pub fn set_can_write(&self, login: &str, can_write: bool) -> Result<(), SqlError> {
        self.with_login(login, |def| def.can_write = can_write)
    }

    fn with_login(&self, login: &str, f: impl FnOnce(&mut LoginDef)) -> Result<(), SqlError> {
        let mut logins = write(&self.inner.logins);
        let l = logins.iter_mut().find(|l| l.def.name.eq_ignore_ascii_case(login)).ok_or_else(|| {
            SqlError::new(
                15151,
                16,
                format!("Cannot find the login '{login}', because it does not exist or you do not have permission."),
            )
        })?;
        f(&mut l.def);
        Ok(())
    }
}

fn database_exists(name: &str) -> SqlError {
    SqlError::new(1801, 16, format!("Database '{name}' already exists. Choose a different database name."))
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|p| p.into_inner())
}
