//! DDL: CREATE TABLE / INDEX / VIEW / DATABASE, DROP, ALTER TABLE ADD, TRUNCATE. Each runs
//! inside a savepoint so the SQLite DDL and its metadata rows commit or roll back together.
//! This file holds what they share (the savepoint, object ids, the `__cutover_objects` rows);
//! each statement family has its own file.

mod alter;
mod drop;
mod index;
mod table;
mod view;

use rusqlite::OptionalExtension;

use super::database::{FIRST_OBJECT_ID, OBJECT_ID_STRIDE, format_date, quote};
use super::errors::{Action, Failure};
use super::objects::{TableRef, meta_error};
use super::session::Session;
use crate::error::SqlError;

/// The instance default collation's SQLite collation.
pub(super) const CI: &str = "tsql_ci";
pub(super) const GUID: &str = "tsql_guid";

impl Session {
    /// Runs `f` inside `SAVEPOINT cutover_ddl`, rolling back to it on error.
    pub(crate) fn in_savepoint<T>(
        &mut self,
        f: impl FnOnce(&mut Session) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        self.conn.execute_batch("SAVEPOINT cutover_ddl").map_err(|e| self.sql_error(e, Action::Other))?;
        match f(self) {
            Ok(v) => {
                self.conn
                    .execute_batch("RELEASE cutover_ddl")
                    .map_err(|e| self.sql_error(e, Action::Other))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK TO cutover_ddl; RELEASE cutover_ddl");
                Err(e)
            }
        }
    }

    fn exec(&self, sql: &str) -> Result<(), Failure> {
        self.conn.execute_batch(sql).map_err(|e| self.sql_error(e, Action::Other))
    }

    fn exec_params(&self, sql: &str, params: impl rusqlite::Params) -> Result<(), Failure> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(params))
            .map(|_| ())
            .map_err(|e| self.sql_error(e, Action::Other))
    }

    fn now_text(&self) -> String {
        format_date(&self.shared.instance.now_utc())
    }

    /// Hands out the next object id of a database.
    fn next_object_id(&self, alias: &str) -> Result<i64, Failure> {
        let a = quote(alias);
        let id: i64 = self
            .conn
            .query_row(
                &format!("SELECT value FROM {a}.\"__cutover_db\" WHERE key = 'next_object_id'"),
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?
            .unwrap_or(FIRST_OBJECT_ID);
        let mut next = (id + OBJECT_ID_STRIDE) % i64::from(i32::MAX);
        if next < 100_000 {
            next += FIRST_OBJECT_ID;
        }
        self.exec_params(
            &format!(
                "INSERT OR REPLACE INTO {a}.\"__cutover_db\" (key, value) VALUES ('next_object_id', ?1)"
            ),
            [next],
        )?;
        Ok(id)
    }

    /// The schema id of `schema`, created on first use (there is no CREATE SCHEMA step yet).
    fn ensure_schema(&self, alias: &str, schema: &str) -> Result<i64, Failure> {
        let a = quote(alias);
        let found: Option<i64> = self
            .conn
            .query_row(
                &format!("SELECT schema_id FROM {a}.\"__cutover_schemas\" WHERE name = ?1"),
                [schema],
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?;
        if let Some(id) = found {
            return Ok(id);
        }
        let id: i64 = self
            .conn
            .query_row(
                &format!("SELECT max(max(schema_id) + 1, 5) FROM {a}.\"__cutover_schemas\""),
                [],
                |r| r.get(0),
            )
            .map_err(meta_error)?;
        self.exec_params(&format!("INSERT INTO {a}.\"__cutover_schemas\" VALUES (?1, ?2, 1)"), (id, schema))?;
        Ok(id)
    }

    fn insert_object(
        &self,
        alias: &str,
        object: (i64, &str, i64, &str, i64),
        sqlite_name: Option<&str>,
        definition: Option<&str>,
        system_named: bool,
    ) -> Result<(), Failure> {
        let (id, name, schema_id, kind, parent) = object;
        let now = self.now_text();
        self.exec_params(
            &format!(
                "INSERT INTO {}.\"__cutover_objects\" (object_id, name, schema_id, type, parent_object_id, \
                 create_date, modify_date, sqlite_name, definition, is_system_named) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9)",
                quote(alias)
            ),
            rusqlite::params![id, name, schema_id, kind, parent, now, sqlite_name, definition, system_named],
        )
    }

    /// Updates an object's modify_date.
    fn touch(&self, t: &TableRef) -> Result<(), Failure> {
        self.exec_params(
            &format!(
                "UPDATE {}.\"__cutover_objects\" SET modify_date = ?1 WHERE object_id = ?2",
                quote(&t.alias)
            ),
            (self.now_text(), t.object_id),
        )
    }

    pub(crate) fn create_database(&mut self, name: &str) -> Result<(), Failure> {
        self.require_ddl("CREATE DATABASE", "master")?;
        if self.trancount > 0 {
            return Err(SqlError::new(
                226,
                16,
                "CREATE DATABASE statement not allowed within multi-statement transaction.",
            )
            .into());
        }
        self.shared.instance.create_database(name).map_err(Failure::Error)
    }
}
