//! The runtime's call sites into the translator and the SQL functions module, in one place.

use std::sync::Arc;

use rusqlite::Connection;

use super::session::SessionShared;
use crate::engine::{Catalog, Step, functions, translate};
use crate::error::SqlError;

/// One parsed statement.
pub(crate) type Parsed = translate::Parsed;

/// Splits a batch into statements; a syntax error fails the whole batch.
pub(crate) fn parse_batch(sql: &str) -> Result<Vec<Parsed>, SqlError> {
    translate::parse_batch(sql)
}

/// Translates one statement against the session's catalog.
pub(crate) fn translate(parsed: &Parsed, catalog: &dyn Catalog) -> Result<Step, SqlError> {
    translate::translate(parsed, catalog)
}

/// The 1-based line of a statement within its batch.
pub(crate) fn line_of(parsed: &Parsed) -> i32 {
    parsed.line()
}

/// Registers collations and T-SQL functions on a session connection.
pub(crate) fn register(conn: &Connection, shared: Arc<SessionShared>) -> rusqlite::Result<()> {
    functions::register(conn, shared)
}

/// A statement's T-SQL text as written.
pub(crate) fn text_of(parsed: &Parsed) -> &str {
    parsed.text()
}
