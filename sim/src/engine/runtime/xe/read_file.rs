//! `sys.fn_xe_file_target_read_file(path, mdpath, initial_file_name, initial_offset)`: the
//! events of the files whose name matches `path` (`*` wildcards), each as a row with its XML
//! in `event_data`; with `initial_file_name` and `initial_offset`, only the events after that
//! offset of that file and those of later files (how a reader resumes).
//!
//! The session keeps a temp table of the events it has seen, appended with the new ones before
//! each read, so a poll costs what arrived since the last one, not the whole capture.

use rusqlite::params;

use super::super::catalog::permissions::require_server_state;
use super::super::objects::meta_error;
use super::super::session::Session;
use crate::engine::{ObjectName, ResolvedTable, TableKind};
use crate::error::SqlError;
use crate::types::{Column, Len, SqlType};

const TABLE: &str = "temp.\"__cutover_xe_events\"";

/// True for `sys.fn_xe_file_target_read_file` (or without the schema).
pub(crate) fn is_read_file(name: &ObjectName) -> bool {
    name.name.eq_ignore_ascii_case("fn_xe_file_target_read_file")
        && name.schema.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("sys"))
}

/// The documented columns.
fn columns() -> Vec<Column> {
    vec![
        Column::new("module_guid", SqlType::UniqueIdentifier, false),
        Column::new("package_guid", SqlType::UniqueIdentifier, false),
        Column::new("object_name", SqlType::NVarChar(Len::N(256)), false),
        Column::new("event_data", SqlType::NVarChar(Len::Max), true),
        Column::new("file_name", SqlType::NVarChar(Len::N(260)), false),
        Column::new("file_offset", SqlType::BigInt, false),
        Column::new("timestamp_utc", SqlType::DateTime2(7), false),
    ]
}

/// Resolves the function for the translator: refreshes the session's copy of the events and
/// returns the filtered rows as a subquery.
pub(crate) fn resolve(session: &Session, args: &[String]) -> Result<ResolvedTable, SqlError> {
    if args.len() != 4 {
        return Err(SqlError::new(
            216,
            16,
            "Parameters were not supplied for the function 'sys.fn_xe_file_target_read_file'.",
        ));
    }
    require_server_state(session)?;
    refresh(session)?;
    let (path, file, offset) = (&args[0], &args[2], &args[3]);
    let sqlite_ref = format!(
        "(SELECT module_guid, package_guid, object_name, event_data, file_name, file_offset, timestamp_utc \
         FROM {TABLE} WHERE file_name GLOB ({path}) AND (({file}) IS NULL OR file_name > ({file}) \
         OR (file_name = ({file}) AND file_offset > ({offset}))) ORDER BY seq)"
    );
    Ok(ResolvedTable { sqlite_ref, columns: columns(), kind: TableKind::Catalog })
}

/// Appends the events written since this session last looked.
fn refresh(session: &Session) -> Result<(), SqlError> {
    let conn = &session.conn;
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {TABLE} (seq INTEGER PRIMARY KEY, module_guid TEXT, package_guid TEXT, \
         object_name TEXT, event_data TEXT, file_name TEXT, file_offset INTEGER, timestamp_utc TEXT)"
    ))
    .map_err(meta_error)?;
    let seen: i64 = conn
        .query_row(&format!("SELECT COALESCE(MAX(seq), 0) FROM {TABLE}"), [], |r| r.get(0))
        .map_err(meta_error)?;
    let events = session.instance().inner.xe.events_after(seen);
    if events.is_empty() {
        return Ok(());
    }
    let in_tx = !conn.is_autocommit();
    if !in_tx {
        conn.execute_batch("SAVEPOINT cutover_xe").map_err(meta_error)?;
    }
    let result = (|| {
        let mut stmt = conn
            .prepare_cached(&format!(
                "INSERT INTO {TABLE} VALUES (?1, 'CE79811F-1A80-40E1-8F5D-7445A3F375E7', \
                 '655FD93F-3364-40D5-B2BA-330F7FFB6491', ?2, ?3, ?4, ?5, ?6)"
            ))
            .map_err(meta_error)?;
        for e in &events {
            stmt.execute(params![
                e.seq,
                e.object_name,
                e.xml,
                e.file_name,
                e.file_offset,
                crate::types::storage::format_datetime(&e.timestamp)
            ])
            .map_err(meta_error)?;
        }
        Ok(())
    })();
    if !in_tx {
        conn.execute_batch("RELEASE cutover_xe").map_err(meta_error)?;
    }
    result
}
