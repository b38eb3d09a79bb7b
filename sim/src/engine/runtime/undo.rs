//! The before-images of an open transaction's row-locked writes, and their replay.
//!
//! A statement that runs under row locks (`rowmode.rs`) is committed by SQLite at once, so
//! other sessions can write other rows; what it changed is kept here, captured by temporary
//! triggers on its table (the old values of every row, with old and new rowids), created for
//! the statement and dropped before it commits. ROLLBACK (and a disconnect, a deadlock victim,
//! `ROLLBACK TRAN savepoint`) replays the entries backwards: an inserted row is deleted, a
//! deleted row is put back with its rowid and values, an updated row gets its old values back.
//! Only rows of user tables are replayed: the IDENTITY counter (`__cutover_identity`,
//! `sqlite_sequence`) keeps its advance, as "IDENTITY (Property)" says of SQL Server
//! ("identity values are not reused … if a transaction that inserts rows is rolled back").

use rusqlite::Connection;
use rusqlite::types::Value as Stored;

use super::database::quote;
use super::errors::{Action, Failure};
use super::session::Session;

/// What happened to one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Insert,
    Update,
    Delete,
}

impl Kind {
    /// The letter the capture triggers and the journal (`journal.rs`) store.
    pub(crate) fn letter(self) -> &'static str {
        match self {
            Kind::Insert => "I",
            Kind::Update => "U",
            Kind::Delete => "D",
        }
    }

    pub(crate) fn from_letter(letter: &str) -> Kind {
        match letter {
            "I" => Kind::Insert,
            "U" => Kind::Update,
            _ => Kind::Delete,
        }
    }
}

/// One row change as the capture triggers saw it.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    /// The SQLite schema (`main`, an attached database's alias) and table.
    pub alias: String,
    pub table: String,
    pub kind: Kind,
    /// The row's rowid before (Update/Delete) and after (Insert/Update) the change.
    pub old_rowid: i64,
    pub new_rowid: i64,
    /// Column values before (Update/Delete) and after (Insert/Update) the change, in column
    /// order (NULLs where there is no such side).
    pub old: Vec<Stored>,
    pub new: Vec<Stored>,
}

const CAPTURE: &str = "\"__cutover_capture\"";
/// The capture triggers: name, event, kind letter, and which row (OLD/NEW) gives the old and
/// the new values.
type Trigger = (&'static str, &'static str, &'static str, Option<&'static str>, Option<&'static str>);
const TRIGGERS: [Trigger; 3] = [
    ("__cutover_undo_i", "INSERT", "I", None, Some("NEW")),
    ("__cutover_undo_u", "UPDATE", "U", Some("OLD"), Some("NEW")),
    ("__cutover_undo_d", "DELETE", "D", Some("OLD"), None),
];

/// Creates the capture triggers on `alias`.`table` (columns in order) for one statement.
pub(crate) fn arm(conn: &Connection, alias: &str, table: &str, columns: &[String]) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {CAPTURE} (seq INTEGER PRIMARY KEY, kind, old_rowid, new_rowid, col, old, new); \
         DELETE FROM temp.{CAPTURE};"
    ))?;
    let target = format!("{}.{}", quote(alias), quote(table));
    for (name, event, kind, old, new) in TRIGGERS {
        let (old_row, new_row) = (old.or(new).unwrap_or("OLD"), new.or(old).unwrap_or("NEW"));
        let value =
            |side: Option<&str>, c: &str| side.map_or("NULL".to_string(), |s| format!("{s}.{}", quote(c)));
        let body: String = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "INSERT INTO {CAPTURE} (kind, old_rowid, new_rowid, col, old, new) \
                     VALUES ('{kind}', {old_row}.rowid, {new_row}.rowid, {i}, {}, {});",
                    value(old, c),
                    value(new, c)
                )
            })
            .collect();
        conn.execute_batch(&format!(
            "CREATE TEMP TRIGGER {} AFTER {event} ON {target} FOR EACH ROW BEGIN {body} END;",
            quote(name)
        ))?;
    }
    Ok(())
}

/// Drops the capture triggers and returns what they captured, in statement order.
pub(crate) fn collect(conn: &Connection, alias: &str, table: &str) -> rusqlite::Result<Vec<Change>> {
    disarm(conn)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT kind, old_rowid, new_rowid, col, old, new FROM temp.{CAPTURE} ORDER BY seq"
    ))?;
    let mut rows = stmt.query([])?;
    let mut changes: Vec<Change> = Vec::new();
    while let Some(row) = rows.next()? {
        let kind = Kind::from_letter(&row.get::<_, String>(0)?);
        let (old_rowid, new_rowid, col): (i64, i64, i64) = (row.get(1)?, row.get(2)?, row.get(3)?);
        let (old, new): (Stored, Stored) = (row.get(4)?, row.get(5)?);
        // A change's columns come in a run starting at column 0.
        if col > 0
            && let Some(last) = changes.last_mut()
        {
            last.old.push(old);
            last.new.push(new);
            continue;
        }
        let (old, new) = (vec![old], vec![new]);
        changes.push(Change {
            alias: alias.to_string(),
            table: table.to_string(),
            kind,
            old_rowid,
            new_rowid,
            old,
            new,
        });
    }
    drop(rows);
    conn.execute_batch(&format!("DELETE FROM temp.{CAPTURE};"))?;
    Ok(changes)
}

/// Drops the capture triggers (a no-op when there are none).
pub(crate) fn disarm(conn: &Connection) -> rusqlite::Result<()> {
    for (name, ..) in TRIGGERS {
        conn.execute_batch(&format!("DROP TRIGGER IF EXISTS temp.{};", quote(name)))?;
    }
    Ok(())
}

/// One replayable entry of the undo log: a change with the table's column names.
#[derive(Clone, Debug)]
pub(crate) struct UndoEntry {
    pub change: Change,
    pub columns: Vec<String>,
    /// The table has an INTEGER PRIMARY KEY column (its value is the rowid).
    pub rowid_alias: bool,
}

/// One change per row: an insert of the row in this statement (whatever trigger then stamped
/// it) is undone by deleting it; otherwise the row's first change holds its before-image.
pub(crate) fn first_per_row(changes: Vec<Change>) -> Vec<Change> {
    let inserted: std::collections::HashSet<i64> =
        changes.iter().filter(|c| c.kind == Kind::Insert).map(|c| c.new_rowid).collect();
    let mut seen = std::collections::HashSet::new();
    changes
        .into_iter()
        .filter(|c| c.kind == Kind::Insert || !inserted.contains(&c.new_rowid))
        .filter(|c| seen.insert(c.new_rowid))
        .collect()
}

impl Session {
    /// Replays the undo log back to `len` entries, newest first, and deletes them from the
    /// journal (`journal.rs`), in a SQLite transaction of its own when none is open (or inside
    /// the open one).
    pub(crate) fn undo_to(&mut self, len: usize) -> Result<(), Failure> {
        if self.tran.undo.len() <= len {
            return Ok(());
        }
        let entries: Vec<UndoEntry> = self.tran.undo.drain(len..).rev().collect();
        let own = self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.sql_error(e, Action::Other))?;
        }
        let tran = self.tran.descriptor as i64;
        let replayed = entries.iter().try_for_each(|e| replay(&self.conn, e)).and_then(|_| {
            super::journal::forget(&self.conn, tran, len, entries.iter().map(|e| e.change.alias.as_str()))
        });
        let end = if replayed.is_ok() { "COMMIT" } else { "ROLLBACK" };
        if own {
            let _ = self.conn.execute_batch(end);
        }
        replayed.map_err(|e| self.sql_error(e, Action::Other))?;
        let db = self.database();
        self.bump_writes(&db);
        Ok(())
    }
}

/// Puts one row back as it was before the change.
pub(crate) fn replay(conn: &Connection, entry: &UndoEntry) -> rusqlite::Result<()> {
    let c = &entry.change;
    let table = format!("{}.{}", quote(&c.alias), quote(&c.table));
    let delete =
        |rowid: i64| conn.execute(&format!("DELETE FROM {table} WHERE rowid = ?1"), [rowid]).map(|_| ());
    let put_back = || {
        let mut names: Vec<String> = entry.columns.iter().map(|n| quote(n)).collect();
        let mut values: Vec<Stored> = c.old.clone();
        if !entry.rowid_alias {
            names.insert(0, "rowid".into());
            values.insert(0, Stored::Integer(c.old_rowid));
        }
        let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
        let sql = format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), marks.join(", "));
        conn.execute(&sql, rusqlite::params_from_iter(values.iter())).map(|_| ())
    };
    match c.kind {
        Kind::Insert => delete(c.new_rowid),
        Kind::Delete => put_back(),
        Kind::Update if c.old_rowid != c.new_rowid => {
            delete(c.new_rowid)?;
            put_back()
        }
        Kind::Update => {
            let sets: Vec<String> =
                entry.columns.iter().enumerate().map(|(i, n)| format!("{} = ?{}", quote(n), i + 1)).collect();
            let sql =
                format!("UPDATE {table} SET {} WHERE rowid = ?{}", sets.join(", "), entry.columns.len() + 1);
            let mut values = c.old.clone();
            values.push(Stored::Integer(c.new_rowid));
            conn.execute(&sql, rusqlite::params_from_iter(values.iter())).map(|_| ())
        }
    }
}
