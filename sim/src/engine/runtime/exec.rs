//! Executing one [`Step`]: queries (streamed), DML, variables, transactions, USE, PRINT.
//! DDL steps are in [`super::ddl`].

use rusqlite::types::Value as Stored;

use super::errors::{Action, Failure};
use super::session::{Session, Variable};
use super::stream;
use crate::engine::{ResultSink, Step};
use crate::error::SqlError;
use crate::types::SqlType;
use crate::types::storage::{from_cell, to_storage};

/// The row count a step reports in its DONE (`None`: no count).
pub(crate) type Count = Option<u64>;

impl Session {
    pub(crate) fn run_step(&mut self, step: &Step, sink: &mut dyn ResultSink) -> Result<Count, Failure> {
        // DML takes row locks (`rowmode.rs`); other writes inside a transaction take the
        // database lock to its end; outside one, DDL on an existing table waits for (and
        // excludes) other transactions' row locks for the statement.
        let exclusive = writes(step) && !matches!(step, Step::Modify { .. });
        let on_a_table = matches!(
            step,
            Step::Drop { .. } | Step::AlterTableAdd { .. } | Step::Truncate { .. } | Step::CreateIndex(_)
        );
        let claimed = exclusive && self.trancount == 0 && on_a_table;
        if exclusive && self.trancount > 0 {
            self.lock_for_writing(sink)?;
        } else if claimed {
            self.claim_exclusive(sink)?;
        }
        let result = self.run_unlocked_step(step, sink);
        if claimed {
            self.release_exclusive();
        }
        result
    }

    fn run_unlocked_step(&mut self, step: &Step, sink: &mut dyn ResultSink) -> Result<Count, Failure> {
        match step {
            Step::Query { sql, columns } => {
                let n = stream::run_query(self, sql, columns, sink)?;
                self.set_rowcount(n as i64);
                Ok(Some(n))
            }
            Step::Modify { sql, table } => self.modify_locked(sql, table, sink),
            Step::CreateTable(def) => self.create_table(def).map(|_| None),
            Step::CreateIndex(def) => self.create_index(def).map(|_| None),
            Step::CreateView { .. } => self.create_view_from(step, &[]).map(|_| None),
            Step::Drop { kind, name, if_exists } => self.drop_object(*kind, name, *if_exists).map(|_| None),
            Step::AlterTableAdd { table, column } => self.alter_table_add(table, column).map(|_| None),
            Step::Truncate { table } => {
                self.truncate(table)?;
                if let Ok(t) = self.locate_table(table) {
                    self.mark_uncommitted(&t.database, &t.sqlite_name);
                }
                Ok(None)
            }
            Step::CreateDatabase { name } => self.create_database(name).map(|_| None),
            Step::Use { database } => {
                let (from, to) = self.switch_database(database)?;
                sink.database_changed(&from, &to);
                sink.info(5701, &format!("Changed database context to '{to}'."));
                self.set_rowcount(0);
                Ok(None)
            }
            Step::Declare { name, ty, init } => self.declare(name, *ty, init.as_deref()).map(|_| None),
            Step::Assign { sql, targets } => self.assign(sql, targets),
            Step::Begin { name } => self.begin(name.as_deref(), sink).map(|_| None),
            Step::Commit => self.commit(sink).map(|_| None),
            Step::Rollback { name } => self.rollback(name.as_deref(), sink).map(|_| None),
            Step::Save { name } => self.save(name).map(|_| None),
            Step::SetOption { name, value } => self.set_option(name, value).map(|_| None),
            Step::Print { expr } => {
                let text = match self.scalar(&format!("SELECT {expr}"))? {
                    Stored::Null => String::new(),
                    Stored::Integer(i) => i.to_string(),
                    Stored::Real(f) => f.to_string(),
                    Stored::Text(t) => t,
                    Stored::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
                };
                sink.info(0, &text);
                Ok(None)
            }
            Step::Raise(raise) => self.raiserror(raise, sink).map(|_| None),
            Step::Throw { number, message, state } => self.throw(number, message, state).map(|_| None),
            Step::NoOp => Ok(None),
            Step::Dbcc { command, args } => self.dbcc(command, args, sink).map(|_| None),
            Step::InstanceObject { text } => Ok(super::instance_objects::execute(self, text, sink)?),
        }
    }

    /// INSERT / UPDATE / DELETE: permission check, run, map constraint errors, count rows.
    pub(super) fn modify(&mut self, sql: &str, table: &crate::engine::ObjectName) -> Result<Count, Failure> {
        let action = Action::of_sql(sql);
        let target = self.locate_table(table)?;
        self.require_write(action.verb(), &target)?;
        self.last_target = Some(target.clone());
        super::change_tracking::before_write(self, &target)?;
        let rowversions = super::rowversion::used(self.instance(), &target.database);
        let result = {
            let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_error(e, action))?;
            self.bind(&mut stmt)?;
            let r = stmt.raw_execute();
            self.scanned.set(stmt.reset_status(rusqlite::StatementStatus::FullscanStep).max(0) as u64);
            r
        };
        self.bump_writes(&target.database);
        if super::rowversion::used(self.instance(), &target.database) != rowversions {
            super::rowversion::keep_floor(&self.conn, self.instance(), &target.database, &target.alias);
        }
        let n = result.map_err(|e| self.sql_error(e, action))? as u64;
        // The caller marks the table for readers once its write is sure to stay (`rowmode.rs`).
        self.set_rowcount(n as i64);
        Ok(Some(n))
    }

    /// DBCC SQLPERF('sys.dm_os_wait_stats' | 'sys.dm_os_latch_stats', CLEAR).
    fn dbcc(&mut self, command: &str, args: &[String], sink: &mut dyn ResultSink) -> Result<(), Failure> {
        let clear = args.get(1).is_some_and(|a| a.eq_ignore_ascii_case("CLEAR"));
        let target = args.first().map(|a| a.to_ascii_lowercase()).unwrap_or_default();
        if command != "SQLPERF"
            || !clear
            || !matches!(target.as_str(), "sys.dm_os_wait_stats" | "sys.dm_os_latch_stats")
        {
            return Err(SqlError::unsupported(&format!("DBCC {command}({})", args.join(", "))).into());
        }
        super::catalog::permissions::require_server_state(self)?;
        if target == "sys.dm_os_wait_stats" {
            self.shared.instance.faults().clear_wait_stats();
        }
        sink.info(
            2528,
            "DBCC execution completed. If DBCC printed error messages, contact your system administrator.",
        );
        self.set_rowcount(0);
        Ok(())
    }

    /// Runs a one-row, one-column SELECT and returns its value (NULL when there is no row).
    pub(crate) fn scalar(&self, sql: &str) -> Result<Stored, Failure> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_error(e, Action::Select))?;
        self.bind(&mut stmt)?;
        let mut rows = stmt.raw_query();
        match rows.next().map_err(|e| self.sql_error(e, Action::Select))? {
            Some(row) => Ok(row.get::<_, Stored>(0).map_err(|e| self.sql_error(e, Action::Select))?),
            None => Ok(Stored::Null),
        }
    }

    fn declare(&mut self, name: &str, ty: SqlType, init: Option<&str>) -> Result<(), Failure> {
        let key = name.to_ascii_lowercase();
        if self.vars.contains_key(&key) {
            return Err(SqlError::new(
                134,
                15,
                format!(
                    "The variable name '{name}' has already been declared. Variable names must be unique within a query batch or stored procedure."
                ),
            )
            .into());
        }
        let value = match init {
            Some(expr) => convert(&ty, self.scalar(&format!("SELECT {expr}"))?)?,
            None => Stored::Null,
        };
        self.vars.insert(key, Variable { ty, value });
        Ok(())
    }

    /// SET @a = … / SELECT @a = …, @b = … FROM …: the last row's values win.
    fn assign(&mut self, sql: &str, targets: &[String]) -> Result<Count, Failure> {
        let mut types = Vec::with_capacity(targets.len());
        for t in targets {
            types.push(self.type_of(t).ok_or_else(|| SqlError::undeclared_variable(t))?);
        }
        let mut last: Option<Vec<Stored>> = None;
        let mut n = 0u64;
        {
            let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_error(e, Action::Select))?;
            self.bind(&mut stmt)?;
            let mut rows = stmt.raw_query();
            while let Some(row) = rows.next().map_err(|e| self.sql_error(e, Action::Select))? {
                n += 1;
                let mut values = Vec::with_capacity(targets.len());
                for i in 0..targets.len() {
                    values.push(row.get::<_, Stored>(i).unwrap_or(Stored::Null));
                }
                last = Some(values);
            }
        }
        if let Some(values) = last {
            for ((target, ty), value) in targets.iter().zip(&types).zip(values) {
                let value = convert(ty, value)?;
                let key = target.to_ascii_lowercase();
                if let Some(var) = self.vars.get_mut(&key) {
                    var.value = value;
                } else if let Some(param) = self.params.iter_mut().find(|(n, _, _)| *n == key) {
                    // An RPC parameter (an OUTPUT parameter's new value goes back to the client).
                    param.2 = value;
                }
            }
        }
        self.set_rowcount(n as i64);
        Ok(None)
    }

    /// Turns a rusqlite error into the SQL Server error, naming the constraint from metadata.
    pub(crate) fn sql_error(&self, err: rusqlite::Error, action: Action) -> Failure {
        match super::errors::classify(&err) {
            Ok(violation) => Failure::Error(self.describe_violation(violation, action)),
            Err(Failure::Error(e)) if e.number == 3621 => Failure::Cancelled,
            Err(f) => f,
        }
    }
}

/// Steps that write the database: inside a transaction they take the write lock first.
pub(super) fn writes(step: &Step) -> bool {
    matches!(
        step,
        Step::Modify { .. }
            | Step::CreateTable(_)
            | Step::CreateIndex(_)
            | Step::CreateView { .. }
            | Step::Drop { .. }
            | Step::AlterTableAdd { .. }
            | Step::Truncate { .. }
    )
}

/// Converts a value to a variable's declared type (error 245 when it cannot be).
fn convert(ty: &SqlType, value: Stored) -> Result<Stored, Failure> {
    if value == Stored::Null {
        return Ok(Stored::Null);
    }
    match from_cell(ty, crate::types::storage::stored_cell(&value)) {
        Some(v) => Ok(to_storage(&v)),
        None => {
            let shown = match &value {
                Stored::Text(t) => t.clone(),
                Stored::Integer(i) => i.to_string(),
                Stored::Real(f) => f.to_string(),
                _ => String::new(),
            };
            Err(SqlError::new(
                245,
                16,
                format!(
                    "Conversion failed when converting the varchar value '{shown}' to data type {}.",
                    ty.name()
                ),
            )
            .into())
        }
    }
}
