//! ALTER TABLE … ADD column and TRUNCATE TABLE.

use rusqlite::OptionalExtension;

use super::super::database::quote;
use super::super::errors::Failure;
use super::super::objects::{TableRef, meta_error};
use super::super::session::Session;
use super::super::table_sql::column_sql;
use crate::engine::{ColumnDef, ObjectName};
use crate::error::SqlError;

impl Session {
    pub(crate) fn alter_table_add(&mut self, table: &ObjectName, column: &ColumnDef) -> Result<(), Failure> {
        let t = self.locate_table(table)?;
        self.require_ddl("ALTER TABLE", &t.database)?;
        if column.identity.is_some() {
            return Err(SqlError::unsupported("ALTER TABLE ADD of an IDENTITY column").into());
        }
        let a = quote(&t.alias);
        let exists: Option<i64> = self
            .conn
            .query_row(
                &format!(
                    "SELECT column_id FROM {a}.\"__cutover_columns\" WHERE object_id = ?1 AND name = ?2"
                ),
                (t.object_id, column.name.as_str()),
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?;
        if exists.is_some() {
            return Err(SqlError::new(
                2705,
                16,
                format!(
                    "Column names in each table must be unique. Column name '{}' in table '{}' is specified more than once.",
                    column.name,
                    t.two_part()
                ),
            )
            .into());
        }
        if column.rowversion {
            self.check_no_rowversion(&t, &column.name)?;
        }
        // A rowversion column is stamped on every existing row below (SQL Server does the same).
        if !column.nullable && column.default.is_none() && column.computed.is_none() && !column.rowversion {
            let rows: i64 = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {}", t.sqlite_ref()), [], |r| r.get(0))
                .map_err(meta_error)?;
            if rows > 0 {
                return Err(SqlError::new(
                    4901,
                    16,
                    format!(
                        "ALTER TABLE only allows columns to be added that can contain nulls, or have a DEFAULT definition specified, or the column being added is an identity or timestamp column, or alternatively if none of the previous conditions are satisfied the table must be empty to allow addition of this column. Column '{}' cannot be added to non-empty table '{}' because it does not satisfy these conditions.",
                        column.name, t.name
                    ),
                )
                .into());
            }
        }
        let t2 = t.clone();
        let column = column.clone();
        self.in_savepoint(move |s| {
            let mut sql = column_sql(&column, false, false);
            if !column.nullable && column.default.is_none() && column.computed.is_none() && !column.rowversion {
                // SQLite needs a default for NOT NULL; the table is empty, so it is never used.
                sql.push_str(" DEFAULT ''");
            }
            s.exec(&format!("ALTER TABLE {} ADD COLUMN {sql}", t2.sqlite_ref()))?;
            let next: i64 = s
                .conn
                .query_row(
                    &format!("SELECT coalesce(max(column_id), 0) + 1 FROM {}.\"__cutover_columns\" WHERE object_id = ?1", quote(&t2.alias)),
                    [t2.object_id],
                    |r| r.get(0),
                )
                .map_err(meta_error)?;
            s.insert_column(&t2.alias, t2.object_id, &t2.name, next, &column, false)?;
            if column.rowversion {
                s.exec(&super::super::rowversion::triggers(&t2.alias, &t2.sqlite_name, &column.name, &t2.database))?;
                s.exec(&format!(
                    "UPDATE {} SET {} = tsql_next_rowversion({})",
                    t2.sqlite_ref(),
                    quote(&column.name),
                    super::super::database::literal(&t2.database)
                ))?;
            }
            s.touch(&t2)
        })?;
        self.bump_writes(&t.database);
        Ok(())
    }

    /// 2738 when `t` already has a rowversion column (a table has at most one).
    pub(super) fn check_no_rowversion(&self, t: &TableRef, column: &str) -> Result<(), Failure> {
        let has: Option<String> = self
            .conn
            .query_row(
                &format!(
                    "SELECT name FROM {}.\"__cutover_columns\" WHERE object_id = ?1 AND system_type_id = ?2",
                    quote(&t.alias)
                ),
                (t.object_id, super::super::rowversion::SYSTEM_TYPE_ID),
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?;
        match has {
            None => Ok(()),
            Some(_) => Err(super::super::rowversion::second_column(&t.name, column).into()),
        }
    }

    pub(crate) fn truncate(&mut self, table: &ObjectName) -> Result<(), Failure> {
        let t = self.locate_table(table)?;
        if t.kind != "U" {
            return Err(SqlError::new(
                4701,
                16,
                format!(
                    "Cannot find the object \"{}\" because it does not exist or you do not have permissions.",
                    t.name
                ),
            )
            .into());
        }
        self.require_write("ALTER", &t)?;
        let a = quote(&t.alias);
        self.in_savepoint(|s| {
            s.exec(&format!("DELETE FROM {}", t.sqlite_ref()))?;
            s.exec_params(
                &format!("UPDATE {a}.\"__cutover_identity\" SET last_value = NULL WHERE object_id = ?1"),
                [t.object_id],
            )?;
            let _ =
                s.exec_params(&format!("DELETE FROM {a}.sqlite_sequence WHERE name = ?1"), [&t.sqlite_name]);
            let seed: Option<(i64, bool)> = s
                .conn
                .query_row(
                    &format!("SELECT seed, rowid_alias FROM {a}.\"__cutover_identity\" WHERE object_id = ?1"),
                    [t.object_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(meta_error)?;
            if let Some((seed, true)) = seed
                && seed != 1
            {
                s.exec_params(
                    &format!("INSERT INTO {a}.sqlite_sequence (name, seq) VALUES (?1, ?2)"),
                    (&t.sqlite_name, seed - 1),
                )?;
            }
            super::super::change_tracking::after_truncate(s, &t)?;
            Ok(())
        })?;
        self.bump_writes(&t.database);
        Ok(())
    }
}
