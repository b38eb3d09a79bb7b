//! The undo log on disk, and recovery at instance start.
//!
//! A row-locked statement (`rowmode.rs`) is committed by SQLite at once; its before-images
//! (`undo.rs`) are written into `__cutover_undo` of the same database inside that same SQLite
//! transaction, keyed by the transaction's descriptor and the entry's place in the undo log. A
//! COMMIT deletes the transaction's entries; a ROLLBACK (to a savepoint) deletes those it
//! replayed, in the SQLite transaction that replays them. What a process that ended with a
//! transaction open leaves behind, the next instance on the data directory replays newest first
//! and deletes before any session connects, as SQL Server's recovery rolls back the
//! transactions that had not committed ("SQL Server transaction log architecture and management
//! guide": "rolls back all incomplete transactions" at startup). Like a ROLLBACK, recovery does
//! not give back IDENTITY values.
//!
//! The table is not an object of the database (`__cutover_objects` has no row for it), so no
//! catalog view or INFORMATION_SCHEMA view shows it.

use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::Value as Stored;

use super::database::quote;
use super::undo::{self, Change, Kind, UndoEntry};

const JOURNAL: &str = "\"__cutover_undo\"";

fn ddl(alias: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {}.{JOURNAL} (tran_id INTEGER NOT NULL, seq INTEGER NOT NULL, \
         col INTEGER NOT NULL, tbl TEXT NOT NULL, kind TEXT NOT NULL, old_rowid INTEGER, \
         new_rowid INTEGER, rowid_alias INTEGER NOT NULL, name TEXT NOT NULL, old, \
         PRIMARY KEY (tran_id, seq, col))",
        quote(alias)
    )
}

/// Writes `entries` (the undo log's entries from position `first`) for transaction `tran`, in
/// the caller's open SQLite transaction.
pub(crate) fn write(
    conn: &Connection,
    tran: i64,
    first: usize,
    entries: &[UndoEntry],
) -> rusqlite::Result<()> {
    let mut ready: Vec<&str> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let c = &e.change;
        if !ready.contains(&c.alias.as_str()) {
            conn.execute_batch(&ddl(&c.alias))?;
            ready.push(&c.alias);
        }
        let mut put = conn.prepare_cached(&format!(
            "INSERT INTO {}.{JOURNAL} (tran_id, seq, col, tbl, kind, old_rowid, new_rowid, rowid_alias, name, old) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            quote(&c.alias)
        ))?;
        for (col, name) in e.columns.iter().enumerate() {
            let old = c.old.get(col).cloned().unwrap_or(Stored::Null);
            put.execute(rusqlite::params![
                tran,
                (first + i) as i64,
                col as i64,
                c.table,
                c.kind.letter(),
                c.old_rowid,
                c.new_rowid,
                e.rowid_alias,
                name,
                old
            ])?;
        }
    }
    Ok(())
}

/// Deletes transaction `tran`'s entries from position `from` on, in every database of
/// `aliases`, in the caller's open SQLite transaction.
pub(crate) fn forget<'a>(
    conn: &Connection,
    tran: i64,
    from: usize,
    aliases: impl IntoIterator<Item = &'a str>,
) -> rusqlite::Result<()> {
    let mut done: Vec<&str> = Vec::new();
    for alias in aliases {
        if done.contains(&alias) {
            continue;
        }
        done.push(alias);
        conn.execute(
            &format!("DELETE FROM {}.{JOURNAL} WHERE tran_id = ?1 AND seq >= ?2", quote(alias)),
            (tran, from as i64),
        )?;
    }
    Ok(())
}

/// Recovery of one database file: replays every leftover entry, newest first, and deletes them
/// all in one SQLite transaction. Returns how many row changes were undone.
pub fn recover(path: &Path) -> rusqlite::Result<usize> {
    let conn = super::database::open(path)?;
    conn.execute_batch(&ddl("main"))?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let replayed = read_leftovers(&conn).and_then(|entries| {
        entries.iter().try_for_each(|e| undo::replay(&conn, e))?;
        conn.execute(&format!("DELETE FROM main.{JOURNAL}"), [])?;
        Ok(entries.len())
    });
    let end = if replayed.is_ok() { "COMMIT" } else { "ROLLBACK" };
    conn.execute_batch(end)?;
    replayed
}

/// The leftover entries, newest first (per transaction, the last statement's rows first).
fn read_leftovers(conn: &Connection) -> rusqlite::Result<Vec<UndoEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT tran_id, seq, tbl, kind, old_rowid, new_rowid, rowid_alias, name, old \
         FROM main.{JOURNAL} ORDER BY tran_id DESC, seq DESC, col"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out: Vec<(i64, i64, UndoEntry)> = Vec::new();
    while let Some(row) = rows.next()? {
        let (tran, seq): (i64, i64) = (row.get(0)?, row.get(1)?);
        let (name, old): (String, Stored) = (row.get(7)?, row.get(8)?);
        if let Some((t, s, e)) = out.last_mut()
            && (*t, *s) == (tran, seq)
        {
            e.columns.push(name);
            e.change.old.push(old);
            continue;
        }
        let change = Change {
            alias: "main".into(),
            table: row.get(2)?,
            kind: Kind::from_letter(&row.get::<_, String>(3)?),
            old_rowid: row.get::<_, Option<i64>>(4)?.unwrap_or(0),
            new_rowid: row.get::<_, Option<i64>>(5)?.unwrap_or(0),
            old: vec![old],
            new: Vec::new(),
        };
        out.push((tran, seq, UndoEntry { change, columns: vec![name], rowid_alias: row.get(6)? }));
    }
    Ok(out.into_iter().map(|(_, _, e)| e).collect())
}
