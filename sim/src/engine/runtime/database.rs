//! One simulated database = one SQLite file, plus the metadata tables that keep what SQLite
//! cannot (object ids, identity seeds, constraint names, default text, view definitions).
//!
//! Metadata tables live inside each database file, so DDL and its metadata commit or roll back
//! together:
//!
//! | table | holds |
//! |---|---|
//! | `__cutover_db` | key/value: database_id, name, create_date, next object id |
//! | `__cutover_schemas` | schema_id, name |
//! | `__cutover_objects` | every table, view and constraint: object_id, name, schema, type, parent, dates, SQLite name, definition |
//! | `__cutover_columns` | columns of tables and views: type text, nullability, identity, default, computed text |
//! | `__cutover_indexes` | indexes (heap/clustered/nonclustered), uniqueness, backing constraint, SQLite index name |
//! | `__cutover_index_columns` | key and included columns |
//! | `__cutover_fk_columns` | foreign key column pairs |
//! | `__cutover_identity` | seed, increment, last value of each IDENTITY column |
//! | `__cutover_undo` | before-images of open transactions' row-locked writes (created by `journal.rs`) |

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// How long a statement waits for another session's lock before error 1222.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A database known to the instance.
#[derive(Debug)]
pub struct DatabaseEntry {
    pub name: String,
    pub id: i64,
    pub path: PathBuf,
    pub create_date: String,
    /// Bumped after every statement that may change rows (for partition-stats refresh).
    pub writes: AtomicU64,
}

impl DatabaseEntry {
    pub fn write_generation(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    pub fn bump_writes(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }
}

/// The schema of the metadata tables, created in every database file.
const METADATA_DDL: &str = r#"
CREATE TABLE IF NOT EXISTS "__cutover_db" (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS "__cutover_schemas" (
    schema_id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE UNIQUE, principal_id INTEGER);
CREATE TABLE IF NOT EXISTS "__cutover_objects" (
    object_id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE, schema_id INTEGER NOT NULL,
    type TEXT NOT NULL, parent_object_id INTEGER NOT NULL DEFAULT 0,
    create_date TEXT NOT NULL, modify_date TEXT NOT NULL, sqlite_name TEXT,
    definition TEXT, is_system_named INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS "__cutover_objects_name" ON "__cutover_objects" (schema_id, name);
CREATE TABLE IF NOT EXISTS "__cutover_columns" (
    object_id INTEGER NOT NULL, column_id INTEGER NOT NULL, name TEXT NOT NULL COLLATE NOCASE,
    type_text TEXT NOT NULL, is_nullable INTEGER NOT NULL, is_identity INTEGER NOT NULL DEFAULT 0,
    default_object_id INTEGER NOT NULL DEFAULT 0, default_text TEXT, computed_text TEXT,
    collation_name TEXT, type_name TEXT NOT NULL DEFAULT '', system_type_id INTEGER NOT NULL DEFAULT 0,
    user_type_id INTEGER NOT NULL DEFAULT 0, max_length INTEGER NOT NULL DEFAULT 0,
    precision INTEGER NOT NULL DEFAULT 0, scale INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (object_id, column_id));
CREATE TABLE IF NOT EXISTS "__cutover_indexes" (
    object_id INTEGER NOT NULL, index_id INTEGER NOT NULL, name TEXT COLLATE NOCASE,
    type INTEGER NOT NULL, is_unique INTEGER NOT NULL, is_primary_key INTEGER NOT NULL,
    is_unique_constraint INTEGER NOT NULL, constraint_object_id INTEGER NOT NULL DEFAULT 0,
    sqlite_index TEXT, PRIMARY KEY (object_id, index_id));
CREATE TABLE IF NOT EXISTS "__cutover_index_columns" (
    object_id INTEGER NOT NULL, index_id INTEGER NOT NULL, index_column_id INTEGER NOT NULL,
    column_id INTEGER NOT NULL, key_ordinal INTEGER NOT NULL, is_descending_key INTEGER NOT NULL,
    is_included_column INTEGER NOT NULL, PRIMARY KEY (object_id, index_id, index_column_id));
CREATE TABLE IF NOT EXISTS "__cutover_fk_columns" (
    constraint_object_id INTEGER NOT NULL, constraint_column_id INTEGER NOT NULL,
    parent_object_id INTEGER NOT NULL, parent_column_id INTEGER NOT NULL,
    referenced_object_id INTEGER NOT NULL, referenced_column_id INTEGER NOT NULL,
    PRIMARY KEY (constraint_object_id, constraint_column_id));
CREATE TABLE IF NOT EXISTS "__cutover_identity" (
    object_id INTEGER PRIMARY KEY, column_id INTEGER NOT NULL, seed INTEGER NOT NULL,
    increment INTEGER NOT NULL, last_value INTEGER, rowid_alias INTEGER NOT NULL DEFAULT 0);
INSERT OR IGNORE INTO "__cutover_schemas" VALUES
    (1, 'dbo', 1), (2, 'guest', 2), (3, 'INFORMATION_SCHEMA', 3), (4, 'sys', 4);
"#;

/// The metadata tables' DDL in another SQLite schema (`temp`, for local temporary tables),
/// with tempdb's identity rows.
pub(crate) fn metadata_ddl_in(schema: &str) -> String {
    let prefix = format!("{}.\"__cutover_", quote(schema));
    let ddl = METADATA_DDL
        .replace("EXISTS \"__cutover_", &format!("EXISTS {prefix}"))
        .replace("INTO \"__cutover_", &format!("INTO {prefix}"));
    format!(
        "{ddl}\nINSERT OR IGNORE INTO {prefix}db\" (key, value) VALUES ('database_id', 2), ('name', 'tempdb'), ('next_object_id', {FIRST_OBJECT_ID});"
    )
}

/// The first object id handed out in a database; later ones step by [`OBJECT_ID_STRIDE`] so
/// they look like SQL Server's (large, not sequential).
pub const FIRST_OBJECT_ID: i64 = 581_577_110;
pub const OBJECT_ID_STRIDE: i64 = 16_000_057;

/// File name of a database inside the data directory.
pub fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .collect();
    format!("{}.sqlite", safe.to_ascii_lowercase())
}

/// Opens a database file with the simulator's pragmas (WAL, synchronous=OFF, busy timeout).
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(256);
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON; \
         PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;",
    )?;
    Ok(conn)
}

/// Creates (or upgrades) a database file: metadata tables and the database's identity rows.
pub fn initialise(path: &Path, name: &str, id: i64, create_date: &str) -> rusqlite::Result<()> {
    let conn = open(path)?;
    conn.execute_batch(METADATA_DDL)?;
    let mut put = conn.prepare(r#"INSERT OR IGNORE INTO "__cutover_db" (key, value) VALUES (?1, ?2)"#)?;
    put.execute(("database_id", id))?;
    put.execute(("name", name))?;
    put.execute(("create_date", create_date))?;
    put.execute(("next_object_id", FIRST_OBJECT_ID))?;
    Ok(())
}

/// Reads (name, id, create_date) from an existing database file, for instances restarted on a
/// kept data directory.
pub fn read_identity(path: &Path) -> Option<(String, i64, String)> {
    let conn = open(path).ok()?;
    let get = |key: &str| -> Option<rusqlite::types::Value> {
        conn.query_row(r#"SELECT value FROM "__cutover_db" WHERE key = ?1"#, [key], |r| r.get(0))
            .optional()
            .ok()
            .flatten()
    };
    let name = match get("name")? {
        rusqlite::types::Value::Text(t) => t,
        _ => return None,
    };
    let id = match get("database_id")? {
        rusqlite::types::Value::Integer(i) => i,
        _ => return None,
    };
    let created = match get("create_date") {
        Some(rusqlite::types::Value::Text(t)) => t,
        _ => String::new(),
    };
    Some((name, id, created))
}

/// A date-time as the metadata tables store it (the datetime storage form).
pub fn format_date(dt: &chrono::NaiveDateTime) -> String {
    crate::types::storage::format_datetime(dt)
}

/// Quotes an SQLite identifier: `dbo.orders` → `"dbo.orders"`.
pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Quotes an SQLite string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
