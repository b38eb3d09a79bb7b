//! Row locks of open transactions, as SQL Server's exclusive key locks ("Transaction locking
//! and row versioning guide": an X lock on each row a transaction modifies, held to its end;
//! lock compatibility: X is compatible with nothing, so a second writer of the row waits).
//!
//! A lock is a (database, SQLite table, rowid). A transaction that deleted a row, or moved a
//! row to another key, also keeps the row's old key of each unique index: until it ends,
//! other sessions making that key wait for it, so its rollback can always put its rows back
//! (SQL Server keeps the deleted key locked too). A key holding text is compared as "any key
//! of that index" (collations make equal text of different bytes): stricter, never a broken
//! rollback.
//!
//! A session whose transaction falls back to the database lock (`rowmode.rs`) holds the
//! instance-wide *exclusive* claim: it waits until no other session holds row locks, and while
//! it holds the claim nobody else takes any.

use std::collections::HashMap;

use super::locks::Uncommitted;

/// (database, SQLite table), lower-case.
pub(crate) type TableKey = (String, String);

#[derive(Debug, Default)]
pub(crate) struct RowLocks {
    /// (table, rowid) → the session holding it.
    rows: HashMap<(TableKey, i64), u16>,
    /// (table, unique index) → keys sessions deleted or moved away from, with the session.
    vacated: HashMap<(TableKey, String), Vec<(AnyKey, u16)>>,
    /// The session holding the instance-wide exclusive claim.
    exclusive: Option<u16>,
}

impl RowLocks {
    pub(super) fn release(&mut self, spid: u16) {
        self.rows.retain(|_, owner| *owner != spid);
        self.vacated.retain(|_, keys| {
            keys.retain(|(_, owner)| *owner != spid);
            !keys.is_empty()
        });
        if self.exclusive == Some(spid) {
            self.exclusive = None;
        }
    }

    fn foreign_on(&self, spid: u16, table: &TableKey) -> Option<u16> {
        self.rows.iter().find(|((t, _), owner)| t == table && **owner != spid).map(|(_, o)| *o)
    }
}

/// What a row-locked statement did to its table, to check against other sessions' locks.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    /// Rowids it read or wrote (old and new).
    pub rows: Vec<i64>,
    /// It may have read rows it did not change (a scan, a non-unique seek, a seek that
    /// changed nothing): any other session's row lock on the table is a conflict.
    pub whole_table: bool,
    /// Unique-index keys it made (an insert, a key change): another session's vacated keys
    /// conflict.
    pub created: Vec<IndexKey>,
    /// Unique-index keys it deleted or moved away from.
    pub vacated: Vec<IndexKey>,
}

/// One value of a unique key, as SQLite compares it: numbers by value, blobs by bytes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum KeyPart {
    Number(u64),
    Bytes(Vec<u8>),
}

/// A key of a unique index (`None`: any key, when it holds text).
pub(crate) type AnyKey = Option<Vec<KeyPart>>;

/// A unique index's name and a key of it.
pub(crate) type IndexKey = (String, AnyKey);

/// The key of `values` at `columns`; `None` inside when it cannot be compared exactly (text),
/// and no key at all when a part is NULL (SQLite's unique indexes let NULLs repeat).
pub(crate) fn index_key(
    values: &[rusqlite::types::Value],
    columns: &[usize],
) -> Option<Option<Vec<KeyPart>>> {
    use rusqlite::types::Value as V;
    let mut parts = Vec::with_capacity(columns.len());
    for &i in columns {
        match values.get(i) {
            None | Some(V::Null) => return None,
            Some(V::Integer(n)) => parts.push(KeyPart::Number((*n as f64).to_bits())),
            Some(V::Real(f)) => parts.push(KeyPart::Number(f.to_bits())),
            Some(V::Blob(b)) => parts.push(KeyPart::Bytes(b.clone())),
            Some(V::Text(_)) => return Some(None),
        }
    }
    Some(Some(parts))
}

fn same_key(a: &Option<Vec<KeyPart>>, b: &Option<Vec<KeyPart>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

impl Uncommitted {
    /// The other session this statement must wait for, if any.
    pub fn row_conflict(&self, spid: u16, table: &TableKey, touched: &Touched) -> Option<u16> {
        let s = self.state();
        let locks = &s.rows;
        if let Some(x) = locks.exclusive.filter(|x| *x != spid) {
            return Some(x);
        }
        if touched.whole_table
            && let Some(owner) = locks.foreign_on(spid, table)
        {
            return Some(owner);
        }
        if let Some(owner) = touched
            .rows
            .iter()
            .find_map(|r| locks.rows.get(&(table.clone(), *r)).copied().filter(|o| *o != spid))
        {
            return Some(owner);
        }
        touched.created.iter().find_map(|(index, key)| {
            let vacated = locks.vacated.get(&(table.clone(), index.clone()))?;
            vacated.iter().find(|(k, owner)| *owner != spid && same_key(k, key)).map(|(_, owner)| *owner)
        })
    }

    /// Another session holding row locks on `table` (or the exclusive claim).
    pub fn table_holder(&self, spid: u16, table: &TableKey) -> Option<u16> {
        let s = self.state();
        s.rows.exclusive.filter(|x| *x != spid).or_else(|| s.rows.foreign_on(spid, table))
    }

    /// `spid` holds `holder`'s lock no more (on `table`, or the claim).
    pub fn still_holds(&self, holder: u16, table: &TableKey) -> bool {
        let s = self.state();
        s.rows.exclusive == Some(holder)
            || s.rows.rows.iter().any(|((t, _), o)| t == table && *o == holder)
            || s.rows
                .vacated
                .iter()
                .any(|((t, _), keys)| t == table && keys.iter().any(|(_, o)| *o == holder))
    }

    /// Takes the locks of what a statement of `spid`'s transaction wrote.
    pub fn lock_rows(&self, spid: u16, table: &TableKey, touched: &Touched) {
        let mut s = self.state();
        for r in &touched.rows {
            s.rows.rows.insert((table.clone(), *r), spid);
        }
        for (index, key) in &touched.vacated {
            s.rows.vacated.entry((table.clone(), index.clone())).or_default().push((key.clone(), spid));
        }
    }

    /// Claims the instance-wide exclusive lock for `spid`; the session to wait for otherwise.
    pub fn claim_exclusive(&self, spid: u16) -> Option<u16> {
        let mut s = self.state();
        let locks = &mut s.rows;
        if let Some(x) = locks.exclusive.filter(|x| *x != spid) {
            return Some(x);
        }
        if let Some(owner) = locks.rows.values().find(|o| **o != spid) {
            return Some(*owner);
        }
        if let Some((_, owner)) = locks.vacated.values().flatten().find(|(_, o)| *o != spid) {
            return Some(*owner);
        }
        locks.exclusive = Some(spid);
        None
    }

    /// Gives the exclusive claim back (a statement outside a transaction is done).
    pub fn release_exclusive(&self, spid: u16) {
        let mut s = self.state();
        if s.rows.exclusive == Some(spid) {
            s.rows.exclusive = None;
        }
    }
}
