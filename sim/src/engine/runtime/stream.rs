//! Streaming a query's rows to a [`ResultSink`] without copying them, and deciding the SQL
//! Server type of each result column.
//!
//! A result column's type is decided in this order:
//! 1. the translator's [`ResultColumn::ty`] (derived from the T-SQL and the catalog);
//! 2. SQLite's declared type of the column it reads, parsed with [`SqlType::parse`] (tables
//!    are declared with SQL Server type text, so `SELECT *` keeps `nvarchar(50)`);
//! 3. the first row's storage class: INTEGER → `int` if it fits, else `bigint`; REAL →
//!    `float`; TEXT → `nvarchar(4000)` (or `nvarchar(max)` when longer); BLOB →
//!    `varbinary(max)`;
//! 4. `int` when the first value is NULL or there are no rows.

use rusqlite::types::ValueRef;

use super::errors::{Action, Failure};
use super::session::Session;
use crate::engine::{ResultColumn, ResultSink, Stop};
use crate::types::storage::parse_declared_type;
use crate::types::{Cell, Column, Len, SqlType};

/// Rows with at most this many columns are passed from a stack buffer.
const STACK_COLUMNS: usize = 64;

/// Runs `sql` and streams its rows; returns the number of rows sent.
pub(crate) fn run_query(
    session: &Session,
    sql: &str,
    columns: &[ResultColumn],
    sink: &mut dyn ResultSink,
) -> Result<u64, Failure> {
    let mut stmt = session.conn.prepare_cached(sql).map_err(|e| session.sql_error(e, Action::Select))?;
    session.bind(&mut stmt)?;
    let declared: Vec<(String, Option<SqlType>)> =
        stmt.columns().map(|c| (c.name().to_string(), c.decl_type().and_then(parse_declared_type))).collect();
    let result = stream_rows(session, stmt.raw_query(), columns, &declared, sink);
    session.scanned.set(stmt.reset_status(rusqlite::StatementStatus::FullscanStep).max(0) as u64);
    result
}

fn stream_rows(
    session: &Session,
    mut rows: rusqlite::Rows<'_>,
    columns: &[ResultColumn],
    declared: &[(String, Option<SqlType>)],
    sink: &mut dyn ResultSink,
) -> Result<u64, Failure> {
    let n = declared.len();
    let first = rows.next().map_err(|e| session.sql_error(e, Action::Select))?;
    let result_columns: Vec<Column> = (0..n)
        .map(|i| {
            let given = if columns.len() == n { columns.get(i) } else { None };
            let name = given.map(|c| c.name.clone()).unwrap_or_else(|| declared[i].0.clone());
            let first_value = first.and_then(|r| r.get_ref(i).ok());
            let ty = given.and_then(|c| c.ty).or(declared[i].1).unwrap_or_else(|| type_of_value(first_value));
            Column::new(name, ty, given.is_none_or(|c| c.nullable))
        })
        .collect();
    if sink.columns(&result_columns).is_err() {
        return Err(Failure::Cancelled);
    }
    let limits = text_limits(session, &result_columns);
    let Some(first) = first else { return Ok(0) };
    send_row(first, n, limits.as_deref(), sink)?;
    let mut sent = 1u64;
    loop {
        if sink.cancelled() {
            return Err(Failure::Cancelled);
        }
        match rows.next() {
            Ok(Some(row)) => {
                send_row(row, n, limits.as_deref(), sink)?;
                sent += 1;
            }
            Ok(None) => return Ok(sent),
            Err(e) => return Err(session.sql_error(e, Action::Select)),
        }
    }
}

/// How a large-value cell is cut to `SET TEXTSIZE`: at most this many characters (varchar),
/// UTF-16 units (nvarchar) or bytes (varbinary).
#[derive(Clone, Copy, Debug)]
enum Limit {
    Chars(usize),
    Units(usize),
    Bytes(usize),
}

/// "SET TEXTSIZE (Transact-SQL)": varchar(max), nvarchar(max), varbinary(max), text, ntext and
/// image values a SELECT returns are cut to the session's text size (in bytes). `None` when it
/// is the largest (the default), so ordinary streaming pays nothing.
fn text_limits(session: &Session, columns: &[Column]) -> Option<Vec<Option<Limit>>> {
    let size = session.options().textsize;
    if size >= super::options::MAX_TEXTSIZE {
        return None;
    }
    let size = size as usize;
    Some(
        columns
            .iter()
            .map(|c| match c.ty {
                SqlType::VarChar(Len::Max) | SqlType::Text => Some(Limit::Chars(size)),
                SqlType::NVarChar(Len::Max) | SqlType::NText => Some(Limit::Units(size / 2)),
                SqlType::VarBinary(Len::Max) | SqlType::Image => Some(Limit::Bytes(size)),
                _ => None,
            })
            .collect(),
    )
}

/// `cell` cut to `limit` (a borrowed prefix: nothing is copied).
fn cut(cell: Cell<'_>, limit: Option<Limit>) -> Cell<'_> {
    match (cell, limit) {
        (Cell::Text(t), Some(Limit::Chars(n))) => {
            Cell::Text(t.char_indices().nth(n).map_or(t, |(i, _)| &t[..i]))
        }
        (Cell::Text(t), Some(Limit::Units(n))) => {
            let mut units = 0;
            let end = t
                .char_indices()
                .find(|(_, ch)| {
                    units += ch.len_utf16();
                    units > n
                })
                .map_or(t.len(), |(i, _)| i);
            Cell::Text(&t[..end])
        }
        (Cell::Blob(b), Some(Limit::Bytes(n))) => Cell::Blob(&b[..n.min(b.len())]),
        (other, _) => other,
    }
}

fn send_row(
    row: &rusqlite::Row<'_>,
    n: usize,
    limits: Option<&[Option<Limit>]>,
    sink: &mut dyn ResultSink,
) -> Result<(), Failure> {
    let value = |i: usize| {
        let c = cell(row.get_ref(i).unwrap_or(ValueRef::Null));
        match limits {
            Some(l) => cut(c, l[i]),
            None => c,
        }
    };
    let result = if n <= STACK_COLUMNS {
        let mut buf = [Cell::Null; STACK_COLUMNS];
        for (i, slot) in buf.iter_mut().take(n).enumerate() {
            *slot = value(i);
        }
        sink.row(&buf[..n])
    } else {
        let cells: Vec<Cell<'_>> = (0..n).map(value).collect();
        sink.row(&cells)
    };
    result.map_err(|Stop| match sink.take_row_error() {
        Some(e) => Failure::Error(e),
        None => Failure::Cancelled,
    })
}

/// A SQLite value as a [`Cell`], borrowing it. Text that is not UTF-8 is passed as bytes.
pub(crate) fn cell(v: ValueRef<'_>) -> Cell<'_> {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Integer(i),
        ValueRef::Real(f) => Cell::Real(f),
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Cell::Text(s),
            Err(_) => Cell::Blob(t),
        },
        ValueRef::Blob(b) => Cell::Blob(b),
    }
}

/// Steps 3 and 4 of the type order (see the module docs).
fn type_of_value(v: Option<ValueRef<'_>>) -> SqlType {
    match v {
        Some(ValueRef::Integer(i)) if i32::try_from(i).is_ok() => SqlType::Int,
        Some(ValueRef::Integer(_)) => SqlType::BigInt,
        Some(ValueRef::Real(_)) => SqlType::Float,
        Some(ValueRef::Text(t)) => {
            if t.len() > 4000 && String::from_utf8_lossy(t).chars().count() > 4000 {
                SqlType::NVarChar(Len::Max)
            } else {
                SqlType::NVarChar(Len::N(4000))
            }
        }
        Some(ValueRef::Blob(_)) => SqlType::VarBinary(Len::Max),
        Some(ValueRef::Null) | None => SqlType::Int,
    }
}
