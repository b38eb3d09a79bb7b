//! `rowversion` (`timestamp`) columns and `@@DBTS`, as SQL Server documents them
//! (<https://learn.microsoft.com/sql/t-sql/data-types/rowversion-transact-sql>,
//! <https://learn.microsoft.com/sql/t-sql/functions/dbts-transact-sql>):
//!
//! - each database has one counter, incremented for every insert or update of a row in a table
//!   that has a rowversion column; the row gets the incremented value. `@@DBTS` is the last
//!   value used. The counter is not transactional: a rolled-back insert still used its value
//!   (the counter lives in memory here, per database file, and its floor is kept in
//!   `__cutover_db` after each statement that used it; a reopened database starts above both
//!   that floor and every rowversion stored);
//! - a new database's `@@DBTS` is `0x00000000000007D0`, so its first row gets `…07D1` (what SQL
//!   Server shows for a new database; the documentation gives no start value);
//! - a non-nullable rowversion column is `binary(8)`, a nullable one `varbinary(8)`; a table has
//!   at most one (2738); it cannot take a DEFAULT (1755), an explicit value on insert (273;
//!   NULL and DEFAULT are accepted and replaced) or any value on update (272).
//!
//! Values are 8 big-endian bytes, so SQLite's memcmp order of the stored blobs is the counter's
//! order (`WHERE rv > 0x…` works as on SQL Server). Triggers stamp the column after each insert
//! and update through `tsql_next_rowversion('db')`; a BEFORE trigger refuses explicit values.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::OptionalExtension;

use super::database::{literal, quote};
use super::instance::Instance;
use crate::error::SqlError;

/// `@@DBTS` of a new database.
pub const FIRST_DBTS: i64 = 0x7D0;

/// sys.types / sys.columns system_type_id and user_type_id of `timestamp`.
pub const SYSTEM_TYPE_ID: i64 = 189;

/// True for a column type written `rowversion` or `timestamp`.
pub fn is_rowversion_type(text: &str) -> bool {
    let t = text.trim().trim_matches(['[', ']']).to_ascii_lowercase();
    t == "rowversion" || t == "timestamp"
}

/// The counters of open databases, by database file and creation date (a dropped and
/// re-created database starts afresh).
fn counters() -> &'static Mutex<HashMap<String, Arc<AtomicI64>>> {
    static COUNTERS: OnceLock<Mutex<HashMap<String, Arc<AtomicI64>>>> = OnceLock::new();
    COUNTERS.get_or_init(Default::default)
}

fn counter(instance: &Instance, database: &str) -> Option<Arc<AtomicI64>> {
    let db = instance.database(database)?;
    let key = format!("{}|{}", db.path.display(), db.create_date);
    let mut map = counters().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = map.get(&key) {
        return Some(Arc::clone(c));
    }
    let c = Arc::new(AtomicI64::new(floor(&db.path)));
    map.insert(key, Arc::clone(&c));
    Some(c)
}

/// Where a database's counter starts: above its kept floor and every rowversion it stores.
fn floor(path: &Path) -> i64 {
    let Ok(conn) = super::database::open(path) else { return FIRST_DBTS };
    let kept: i64 = conn
        .query_row(r#"SELECT value FROM "__cutover_db" WHERE key = 'dbts'"#, [], |r| r.get::<_, i64>(0))
        .optional()
        .ok()
        .flatten()
        .unwrap_or(FIRST_DBTS);
    let columns: Vec<(String, String)> = conn
        .prepare(&format!(
            r#"SELECT o.sqlite_name, c.name FROM "__cutover_columns" c JOIN "__cutover_objects" o
               ON o.object_id = c.object_id WHERE c.system_type_id = {SYSTEM_TYPE_ID} AND o.type = 'U'"#
        ))
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .unwrap_or_default();
    let stored = columns
        .iter()
        .filter_map(|(table, column)| {
            conn.query_row(&format!("SELECT max({}) FROM {}", quote(column), quote(table)), [], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .ok()
            .flatten()
            .map(|b| from_bytes(&b))
        })
        .max()
        .unwrap_or(FIRST_DBTS);
    kept.max(stored).max(FIRST_DBTS)
}

fn from_bytes(b: &[u8]) -> i64 {
    let mut buf = [0u8; 8];
    let n = b.len().min(8);
    buf[8 - n..].copy_from_slice(&b[b.len() - n..]);
    i64::from_be_bytes(buf)
}

/// The next value of `database`'s counter, as stored (8 big-endian bytes).
pub fn next(instance: &Instance, database: &str) -> Option<Vec<u8>> {
    let c = counter(instance, database)?;
    Some((c.fetch_add(1, Ordering::SeqCst) + 1).to_be_bytes().to_vec())
}

/// `@@DBTS`: the last value `database` used.
pub fn dbts(instance: &Instance, database: &str) -> Option<Vec<u8>> {
    Some(counter(instance, database)?.load(Ordering::SeqCst).to_be_bytes().to_vec())
}

/// The last value `database` used, if its counter is loaded (cheap: no file is read), to tell
/// whether a statement used it.
pub(crate) fn used(instance: &Instance, database: &str) -> Option<i64> {
    let db = instance.database(database)?;
    let key = format!("{}|{}", db.path.display(), db.create_date);
    let map = counters().lock().unwrap_or_else(|p| p.into_inner());
    map.get(&key).map(|c| c.load(Ordering::SeqCst))
}

/// Keeps `database`'s counter as a floor in its file, if it is loaded (run after each statement
/// that may have used it; `alias` is the database's SQLite schema on `conn`).
pub(crate) fn keep_floor(conn: &rusqlite::Connection, instance: &Instance, database: &str, alias: &str) {
    let Some(value) = used(instance, database) else { return };
    let _ = conn.execute(
        &format!(
            "INSERT INTO {}.\"__cutover_db\" (key, value) VALUES ('dbts', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
            quote(alias)
        ),
        [value],
    );
}

/// 2738: `table` has a rowversion column already, so `column` cannot be one too.
pub fn second_column(table: &str, column: &str) -> SqlError {
    SqlError::new(
        2738,
        16,
        format!(
            "A table can only have one timestamp column. Because table '{table}' already has one, the column '{column}' cannot be added."
        ),
    )
}

/// Checks a CREATE TABLE's rowversion columns: at most one (2738), no DEFAULT (1755).
pub fn check_columns(table: &str, columns: &[crate::engine::ColumnDef]) -> Result<(), SqlError> {
    let mut seen = false;
    for c in columns.iter().filter(|c| c.rowversion) {
        if seen {
            return Err(second_column(table, &c.name));
        }
        seen = true;
        if c.default.is_some() {
            return Err(SqlError::new(
                1755,
                16,
                format!(
                    "Defaults cannot be created on columns of data type timestamp. Table '{table}', column '{}'.",
                    c.name
                ),
            ));
        }
    }
    Ok(())
}

/// The triggers that stamp `column` of `table` (SQLite name, in schema `alias` of database
/// `database`) after each insert and update, and refuse explicit values.
pub fn triggers(alias: &str, table: &str, column: &str, database: &str) -> String {
    let name = |suffix: &str| quote(&format!("{table}$rowversion_{suffix}"));
    let (a, t, c, db) = (quote(alias), quote(table), quote(column), literal(database));
    let explicit = "Msg 273, Level 16, State 1, Line 1: Cannot insert an explicit value into a timestamp column. \
        Use INSERT with a column list to exclude the timestamp column, or insert a DEFAULT into the timestamp column.";
    let update = "Msg 272, Level 16, State 1, Line 1: Cannot update a timestamp column.";
    format!(
        "CREATE TRIGGER {a}.{} BEFORE INSERT ON {t} FOR EACH ROW WHEN NEW.{c} IS NOT NULL BEGIN \
           SELECT RAISE(ABORT, {}); END; \
         CREATE TRIGGER {a}.{} AFTER INSERT ON {t} FOR EACH ROW BEGIN \
           UPDATE {t} SET {c} = tsql_next_rowversion({db}) WHERE rowid = NEW.rowid; END; \
         CREATE TRIGGER {a}.{} BEFORE UPDATE OF {c} ON {t} FOR EACH ROW \
           WHEN NEW.{c} IS NOT OLD.{c} AND NEW.{c} IS NOT tsql_dbts({db}) BEGIN \
           SELECT RAISE(ABORT, {}); END; \
         CREATE TRIGGER {a}.{} AFTER UPDATE ON {t} FOR EACH ROW WHEN NEW.{c} IS OLD.{c} BEGIN \
           UPDATE {t} SET {c} = tsql_next_rowversion({db}) WHERE rowid = NEW.rowid; END;",
        name("explicit"),
        literal(explicit),
        name("insert"),
        name("no_update"),
        literal(update),
        name("update"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_are_rowversion_and_values_read_back() {
        assert!(
            is_rowversion_type("rowversion")
                && is_rowversion_type("TIMESTAMP")
                && is_rowversion_type("[timestamp]")
        );
        assert!(!is_rowversion_type("datetime2"));
        assert_eq!(from_bytes(&0x7D5i64.to_be_bytes()), 0x7D5);
        assert_eq!(from_bytes(&[7, 0xD5]), 0x7D5);
    }
}
