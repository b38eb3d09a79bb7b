//! Bulk load (`INSERT BULK` + a BulkLoad message, what bcp, SqlBulkCopy and tiberius's
//! `bulk_insert` send): typed rows go straight into one prepared INSERT inside one
//! transaction, with no T-SQL to parse per row. Rows arrive in chunks as packets do:
//! [`Session::bulk_begin`], [`Session::bulk_rows`]*, [`Session::bulk_end`].

use super::Session;
use super::errors::{Action, Failure};
use super::objects::TableRef;
use crate::engine::ObjectName;
use crate::error::SqlError;
use crate::types::Value;
use crate::types::storage::to_storage;

/// A bulk load in progress.
#[derive(Debug)]
pub struct BulkLoad {
    target: TableRef,
    own_transaction: bool,
    rows: u64,
}

impl Session {
    /// Starts a bulk load into `table`: 208 for an unknown table, 229 without write permission.
    pub fn bulk_begin(&mut self, table: &ObjectName) -> Result<BulkLoad, SqlError> {
        let target = self.locate_table(table)?;
        self.require_write("INSERT", &target)?;
        self.last_target = Some(target.clone());
        // Inside the caller's transaction the load is part of it; else it is its own.
        // Bulk rows take the database lock (after other sessions' row locks are released).
        let mut quiet = super::sink::CollectSink::default();
        if self.trancount > 0 {
            self.lock_for_writing(&mut quiet).map_err(Failure::into_error)?;
        } else {
            self.claim_exclusive(&mut quiet).map_err(Failure::into_error)?;
        }
        // Before the load's own transaction: its version commits at once, the rows log with it.
        let own_transaction = self.conn.is_autocommit();
        let begun = super::change_tracking::before_write(self, &target).and_then(|_| {
            if own_transaction {
                self.conn.execute_batch("BEGIN").map_err(|e| self.failure(e))?;
            }
            Ok(())
        });
        if begun.is_err() && self.trancount == 0 {
            self.release_exclusive();
        }
        begun?;
        Ok(BulkLoad { target, own_transaction, rows: 0 })
    }

    /// Inserts `rows` (values for `columns`, in order); constraint violations are SQL Server's
    /// 2627/515/547.
    pub fn bulk_rows(
        &mut self,
        load: &mut BulkLoad,
        columns: &[String],
        rows: &[Vec<Value>],
    ) -> Result<(), SqlError> {
        let names: Vec<String> = columns.iter().map(|c| super::database::quote(c)).collect();
        let slots: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            load.target.sqlite_ref(),
            names.join(", "),
            slots.join(", ")
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.failure(e))?;
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(row.iter().map(to_storage)))
                .map_err(|e| self.failure(e))?;
        }
        load.rows += rows.len() as u64;
        Ok(())
    }

    /// Ends a bulk load: commits when `ok` (returns the rows inserted), else rolls back.
    pub fn bulk_end(&mut self, load: BulkLoad, ok: bool) -> Result<u64, SqlError> {
        if load.own_transaction {
            let end = if ok { "COMMIT" } else { "ROLLBACK" };
            let ended = self.conn.execute_batch(end).map_err(|e| self.failure(e));
            if self.trancount == 0 {
                self.release_exclusive();
            }
            ended?;
        }
        self.bump_writes(&load.target.database);
        super::rowversion::keep_floor(&self.conn, self.instance(), &load.target.database, &load.target.alias);
        let rows = if ok { load.rows } else { 0 };
        self.set_rowcount(rows as i64);
        Ok(rows)
    }

    fn failure(&self, e: rusqlite::Error) -> SqlError {
        self.sql_error(e, Action::Insert).into_error()
    }
}
