//! The seam between the engine and the server: an [`Executor`] runs one unit of work (a
//! template's statements, or a captured event) on its own connection. The engine is generic
//! over it, so scheduling and latency are tested with a fake; [`MssqlExecutor`] sends typed RPC
//! (`sp_executesql` through tiberius's parameterised `query`) over a cutover-mssql connection.

use std::future::Future;
use std::time::Duration;

use cutover_mssql::{Connection, ErrorKind, ServerTarget};
use futures_util::TryStreamExt;
use tiberius::ToSql;

use crate::spec::Statement;
use crate::value::ParamValue;

/// How a statement goes to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// `sp_executesql` with typed parameters.
    Rpc,
    /// A plain SQL batch (captured batch text; no parameters).
    Batch,
    /// `sp_execute` of a handle [`Executor::prepare`] returned, with the values in the order
    /// the statement declared them (trace replay).
    Execute { handle: i32 },
    /// `sp_unprepare` of such a handle.
    Unprepare { handle: i32 },
}

/// A statement to prepare on the connection (`sp_prepare`), or to prepare and run at once
/// (`sp_prepexec`, with values).
#[derive(Clone, Copy, Debug)]
pub struct Prepare<'a> {
    /// The parameter declaration (`@P1 int, @P2 nvarchar(40)`).
    pub declare: &'a str,
    /// The statement.
    pub sql: &'a str,
    /// `sp_prepexec`: the values, in declaration order.
    pub values: Option<&'a [ParamValue]>,
    /// Switch to this database first.
    pub database: Option<&'a str>,
}

/// One unit of work.
#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    /// The statements, in order.
    pub statements: &'a [Statement],
    /// Parameter values the statements' `args` index into.
    pub values: &'a [ParamValue],
    /// Wrap in BEGIN TRANSACTION … COMMIT.
    pub transaction: bool,
    /// RPC or batch.
    pub kind: CallKind,
    /// Switch to this database first (trace replay).
    pub database: Option<&'a str>,
}

/// Why a unit failed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExecError {
    /// SQL Server error number, when the server sent one.
    pub number: Option<u32>,
    /// `transient`, `syntax`, `invalid_object`, `timeout`, `connection`, …
    pub kind: String,
    /// The message (redacted by the connection layer).
    pub message: String,
    /// The connection must be reset before the next unit.
    #[serde(skip)]
    pub broken: bool,
    /// Transient (cutover_mssql's [`ErrorKind::is_retryable`]): a template with `retries`
    /// sends the unit again.
    #[serde(skip)]
    pub retryable: bool,
}

impl ExecError {
    /// The key errors are counted under: the SQL error number, or the kind.
    pub fn key(&self) -> String {
        match self.number {
            Some(n) => n.to_string(),
            None => self.kind.clone(),
        }
    }

    /// A connection that could not be opened (trace replays count every event of its session
    /// as failed with it).
    pub fn from_open(e: &crate::Error) -> Self {
        match e {
            crate::Error::Server { source, context } => ExecError {
                message: format!("{context}: {}", cutover_mssql::one_line(source)),
                ..exec_error_of(source)
            },
            other => ExecError {
                number: None,
                kind: "connection".into(),
                message: other.to_string(),
                broken: true,
                retryable: false,
            },
        }
    }

    /// A client-side timeout after `limit`.
    pub fn timeout(limit: Duration) -> Self {
        ExecError {
            number: None,
            kind: "timeout".into(),
            message: format!("no reply within the template timeout ({} ms)", limit.as_millis()),
            broken: true,
            retryable: ErrorKind::Timeout.is_retryable(),
        }
    }
}

/// Runs units of work on one connection.
pub trait Executor: Send + 'static {
    /// Runs one unit; returns when the server has answered every statement.
    fn execute<'a>(&'a mut self, job: Job<'a>) -> impl Future<Output = Result<(), ExecError>> + Send + 'a;
    /// Replaces a broken connection (after a timeout or a network failure).
    fn reset(&mut self) -> impl Future<Output = Result<(), ExecError>> + Send + '_;
    /// Prepares a statement on this connection (trace replay of `sp_prepare` / `sp_prepexec`)
    /// and returns the server's handle. Executors that cannot say so.
    fn prepare<'a>(
        &'a mut self,
        call: Prepare<'a>,
    ) -> impl Future<Output = Result<i32, ExecError>> + Send + 'a {
        let _ = call;
        async {
            Err(ExecError {
                number: None,
                kind: "unsupported".into(),
                message: "this executor cannot prepare statements".into(),
                broken: false,
                retryable: false,
            })
        }
    }
}

/// Opens one executor per worker: the pool is sized to the concurrency.
pub trait Connector: Send + Sync + 'static {
    /// The executor type.
    type Exec: Executor;
    /// Opens the executor for worker `worker`.
    fn open(&self, worker: usize) -> impl Future<Output = Result<Self::Exec, crate::Error>> + Send;
    /// Opens the executor for worker `worker` under `login` (trace replay with login mapping);
    /// by default the login is the connector's own.
    fn open_as(
        &self,
        worker: usize,
        login: Option<&str>,
    ) -> impl Future<Output = Result<Self::Exec, crate::Error>> + Send {
        let _ = login;
        self.open(worker)
    }
}

/// Connects through cutover-mssql, optionally switching database.
#[derive(Clone, Debug)]
pub struct MssqlConnector {
    /// The server.
    pub target: ServerTarget,
    /// `USE` this database after connecting.
    pub database: Option<String>,
}

impl Connector for MssqlConnector {
    type Exec = MssqlExecutor;

    async fn open(&self, worker: usize) -> Result<MssqlExecutor, crate::Error> {
        self.open_as(worker, None).await
    }

    /// With a login, connects as that SQL login with the target's password (a mapped login
    /// shares the password given for the target).
    async fn open_as(&self, worker: usize, login: Option<&str>) -> Result<MssqlExecutor, crate::Error> {
        let mut target = self.target.clone();
        if let Some(login) = login {
            target.user = Some(login.to_string());
        }
        let conn = cutover_mssql::connect(&target).await.map_err(|source| crate::Error::Server {
            context: format!("connection {worker} of the replay pool to {target} failed"),
            source,
        })?;
        let mut exec = MssqlExecutor { conn, database: None };
        if let Some(db) = &self.database {
            exec.use_database(db).await.map_err(|e| {
                crate::Error::setting("database", format!("USE [{db}] failed: {}", e.message))
            })?;
        }
        Ok(exec)
    }
}

/// One connection of the replay pool.
#[derive(Debug)]
pub struct MssqlExecutor {
    conn: Connection,
    database: Option<String>,
}

impl MssqlExecutor {
    /// Wraps an open connection (benches and tests).
    pub fn new(conn: Connection) -> Self {
        MssqlExecutor { conn, database: None }
    }

    /// The connection back (benches that reuse one pool across runs).
    pub fn into_inner(self) -> Connection {
        self.conn
    }

    async fn use_database(&mut self, db: &str) -> Result<(), ExecError> {
        if self.database.as_deref() == Some(db) {
            return Ok(());
        }
        let sql = format!("USE [{}]", db.replace(']', "]]"));
        self.conn.simple_query(&sql).await.map_err(exec_error)?;
        self.database = Some(db.to_string());
        Ok(())
    }

    async fn run(&mut self, job: Job<'_>) -> Result<(), ExecError> {
        if let Some(db) = job.database {
            self.use_database(db).await?;
        }
        if let CallKind::Execute { handle } | CallKind::Unprepare { handle } = job.kind {
            return self.handle_call(job.kind, handle, job.values).await;
        }
        for statement in job.statements {
            match job.kind {
                CallKind::Batch => {
                    self.conn.simple_query(&statement.sql).await.map_err(exec_error)?;
                }
                CallKind::Rpc | CallKind::Execute { .. } | CallKind::Unprepare { .. } => {
                    let params: Vec<&dyn ToSql> = statement
                        .args
                        .iter()
                        .filter_map(|&i| job.values.get(i))
                        .map(|v| v as &dyn ToSql)
                        .collect();
                    let client = self.conn.client_mut();
                    let stream = client.query(&statement.sql, &params).await.map_err(|e| driver_error(&e))?;
                    // Drain every result without collecting rows: the server's work, not ours.
                    let mut stream = stream.into_row_stream();
                    while stream.try_next().await.map_err(|e| driver_error(&e))?.is_some() {}
                }
            }
        }
        Ok(())
    }
}

/// `sp_execute` / `sp_unprepare` / `sp_prepare` / `sp_prepexec` called from T-SQL (tiberius
/// sends every call as `sp_executesql`; SQL Server runs these system procedures from T-SQL as
/// its documentation's examples do): the handle and the values are typed parameters.
fn call_sql(head: &str, first: usize, count: usize) -> String {
    let mut sql = head.to_string();
    for k in first..first + count {
        sql.push_str(&format!(", @P{k}"));
    }
    sql
}

impl MssqlExecutor {
    /// `sp_execute handle, values…` or `sp_unprepare handle`, draining every result.
    async fn handle_call(
        &mut self,
        kind: CallKind,
        handle: i32,
        values: &[ParamValue],
    ) -> Result<(), ExecError> {
        let (sql, values) = match kind {
            CallKind::Execute { .. } => (call_sql("EXEC sp_execute @P1", 2, values.len()), values),
            _ => ("EXEC sp_unprepare @P1".to_string(), &[][..]),
        };
        let mut params: Vec<&dyn ToSql> = vec![&handle];
        params.extend(values.iter().map(|v| v as &dyn ToSql));
        let stream = self.conn.client_mut().query(sql, &params).await.map_err(|e| driver_error(&e))?;
        let mut stream = stream.into_row_stream();
        while stream.try_next().await.map_err(|e| driver_error(&e))?.is_some() {}
        Ok(())
    }

    async fn prepare_call(&mut self, p: Prepare<'_>) -> Result<i32, ExecError> {
        if let Some(db) = p.database {
            self.use_database(db).await?;
        }
        let values = p.values.unwrap_or(&[]);
        let sql = match p.values {
            None => "DECLARE @h int; EXEC sp_prepare @h OUTPUT, @P1, @P2; SELECT @h".to_string(),
            Some(v) => {
                call_sql("DECLARE @h int; EXEC sp_prepexec @h OUTPUT, @P1, @P2", 3, v.len()) + "; SELECT @h"
            }
        };
        let mut params: Vec<&dyn ToSql> = vec![&p.declare, &p.sql];
        params.extend(values.iter().map(|v| v as &dyn ToSql));
        let stream = self.conn.client_mut().query(sql, &params).await.map_err(|e| driver_error(&e))?;
        // The statement's own rows first (sp_prepexec), the handle last.
        let mut rows = stream.into_row_stream();
        let mut last = None;
        while let Some(row) = rows.try_next().await.map_err(|e| driver_error(&e))? {
            last = Some(row);
        }
        last.and_then(|r| r.try_get::<i32, _>(0).ok().flatten()).ok_or_else(|| ExecError {
            number: None,
            kind: "other".into(),
            message: "the server returned no handle for the prepared statement".into(),
            broken: false,
            retryable: false,
        })
    }
}

impl Executor for MssqlExecutor {
    async fn prepare<'a>(&'a mut self, call: Prepare<'a>) -> Result<i32, ExecError> {
        self.prepare_call(call).await
    }

    async fn execute<'a>(&'a mut self, job: Job<'a>) -> Result<(), ExecError> {
        if !job.transaction {
            return self.run(job).await;
        }
        self.conn.simple_query("BEGIN TRANSACTION").await.map_err(exec_error)?;
        match self.run(job).await {
            Ok(()) => {
                self.conn.simple_query("COMMIT TRANSACTION").await.map_err(exec_error)?;
                Ok(())
            }
            Err(e) => {
                if !e.broken {
                    // The statement's error is what counts. The server may have rolled back
                    // already (error 3903 then); anything but a server error breaks the link.
                    if let Err(rollback) = self.conn.simple_query("ROLLBACK TRANSACTION").await
                        && rollback.sql().is_none()
                    {
                        return Err(ExecError { broken: true, ..e });
                    }
                }
                Err(e)
            }
        }
    }

    async fn reset(&mut self) -> Result<(), ExecError> {
        self.conn.reconnect().await.map_err(exec_error)?;
        let db = self.database.take();
        if let Some(db) = db {
            self.use_database(&db).await?;
        }
        Ok(())
    }
}

fn exec_error(e: cutover_mssql::Error) -> ExecError {
    exec_error_of(&e)
}

fn exec_error_of(e: &cutover_mssql::Error) -> ExecError {
    let kind = e.kind();
    ExecError {
        number: e.sql().map(|s| s.number),
        kind: kind_name(kind),
        message: cutover_mssql::one_line(e),
        broken: matches!(kind, ErrorKind::Connection | ErrorKind::Timeout),
        retryable: kind.is_retryable(),
    }
}

/// An error straight from tiberius (queries go to the client directly: its per-response
/// `command_timeout`, set from the target, bounds every wait for the server, so a second
/// timer around the call would only cost time).
fn driver_error(e: &tiberius::error::Error) -> ExecError {
    use tiberius::error::Error as Tds;
    let (number, kind, message) = match e {
        Tds::Server(token) => (
            Some(token.code()),
            cutover_mssql::classify::kind_of_number(token.code()),
            token.message().to_string(),
        ),
        Tds::Io { kind: std::io::ErrorKind::TimedOut, .. } => {
            (None, ErrorKind::Timeout, format!("no reply within the connection's command timeout ({e})"))
        }
        other => (None, ErrorKind::Connection, other.to_string()),
    };
    ExecError {
        number,
        kind: kind_name(kind),
        message: cutover_mssql::redact(&message),
        broken: number.is_none(),
        retryable: kind.is_retryable(),
    }
}

/// The error kind as errors.jsonl and the summary name it (`timeout`, `connection`, …).
fn kind_name(kind: ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| "other".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hung_server_is_a_timeout_and_a_dropped_link_a_connection_error_and_both_break_it() {
        let hung =
            tiberius::error::Error::Io { kind: std::io::ErrorKind::TimedOut, message: "timed out".into() };
        let e = driver_error(&hung);
        assert_eq!((e.kind.as_str(), e.broken, e.number), ("timeout", true, None));
        let reset =
            tiberius::error::Error::Io { kind: std::io::ErrorKind::ConnectionReset, message: "reset".into() };
        assert_eq!((driver_error(&reset).kind.as_str(), driver_error(&reset).broken), ("connection", true));
    }
}
