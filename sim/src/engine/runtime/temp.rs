//! Temporary tables as SQL Server scopes them ("CREATE TABLE (Transact-SQL)", temporary
//! tables):
//!
//! - `#name` (local) belongs to the session that created it: other sessions cannot see it, and
//!   it is dropped when the session ends or is reset. It lives in the session connection's
//!   SQLite `temp` schema (private to the connection, gone with it), with its own metadata
//!   tables, and is addressed as `tempdb..#name` or `#name` from any database.
//! - `##name` (global) is visible to every session; it lives in `tempdb` and is dropped when
//!   the session that created it ends (SQL Server also waits for other sessions still using
//!   it; the simulator does not).

use super::errors::Failure;
use super::session::Session;
use crate::engine::{DropKind, ObjectName};
use crate::error::SqlError;

/// The database every temporary table reports.
pub(crate) const TEMPDB: &str = "tempdb";

/// True for `#name` (not `##name`).
pub(crate) fn is_local(name: &ObjectName) -> bool {
    name.name.starts_with('#') && !name.name.starts_with("##")
}

/// True for `##name`.
pub(crate) fn is_global(name: &ObjectName) -> bool {
    name.name.starts_with("##")
}

impl Session {
    /// Where a name lives: (database, SQLite schema). Temporary tables live in tempdb, a
    /// local one in this connection's `temp` schema.
    pub(crate) fn home_of(&self, name: &ObjectName) -> Result<(String, String), SqlError> {
        if is_local(name) {
            return Ok((TEMPDB.to_string(), self.temp_schema()?));
        }
        let db = match &name.database {
            _ if is_global(name) => TEMPDB.to_string(),
            Some(d) => self.database_entry(d)?.name.clone(),
            None => self.database(),
        };
        let alias = self.schema_of(&db)?;
        Ok((db, alias))
    }

    /// The `temp` schema, with the metadata tables every database has (created once per
    /// connection).
    fn temp_schema(&self) -> Result<String, SqlError> {
        if !self.temp_ready.get() {
            let ddl = super::database::metadata_ddl_in("temp");
            self.conn.execute_batch(&ddl).map_err(super::objects::meta_error)?;
            self.temp_ready.set(true);
        }
        Ok("temp".to_string())
    }

    /// Remembers a temporary table this session created (dropped at reset or disconnect);
    /// a local one's object id answers `OBJECT_ID('tempdb..#name')`.
    pub(crate) fn note_temp_table(&mut self, name: &ObjectName, object_id: i64) {
        if is_local(name) || is_global(name) {
            let key =
                ObjectName { database: Some(TEMPDB.to_string()), schema: None, name: name.name.clone() };
            if !self.temp_tables.contains(&key) {
                self.temp_tables.push(key);
            }
            if is_local(name) {
                super::instance::lock(&self.shared.temp_ids).push((name.name.clone(), object_id));
            }
        }
    }

    /// Forgets a dropped temporary table.
    pub(crate) fn forget_temp_table(&mut self, name: &ObjectName) {
        self.temp_tables.retain(|t| !t.name.eq_ignore_ascii_case(&name.name));
        super::instance::lock(&self.shared.temp_ids).retain(|(n, _)| !n.eq_ignore_ascii_case(&name.name));
    }

    /// True while this session has local temporary tables (its connection must then be kept:
    /// `USE` attaches the new database instead of reopening).
    pub(crate) fn has_local_temp_tables(&self) -> bool {
        self.temp_tables.iter().any(is_local)
    }

    /// Drops every temporary table this session created (`only_local`: the `#` ones).
    pub(crate) fn drop_temp_tables(&mut self, only_local: bool) -> Result<(), Failure> {
        let names: Vec<ObjectName> =
            self.temp_tables.iter().filter(|t| !only_local || is_local(t)).cloned().collect();
        for name in names {
            self.drop_object(DropKind::Table, &name, true)?;
        }
        Ok(())
    }
}
