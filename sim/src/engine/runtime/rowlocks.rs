//! Row locks of open transactions, as SQL Server's exclusive key locks ("Transaction locking
//! and row versioning guide": an X lock on each row a transaction modifies, held to its end;
//! lock compatibility: X is compatible with nothing, so a second writer of the row waits).
//!
//! A lock is a (database, SQLite table, rowid). A transaction that deleted a row, or moved a
//! row to another key, also marks the table "vacated": until it ends, other sessions' inserts
//! and key changes in that table wait for it, so its rollback can always put its rows back
//! (SQL Server keeps the deleted key locked; here the key may be any unique index's, so the
//! whole table's new keys wait: stricter, never a broken rollback).
//!
//! A session whose transaction falls back to the database lock (`rowmode.rs`) holds the
//! instance-wide *exclusive* claim: it waits until no other session holds row locks, and while
//! it holds the claim nobody else takes any.

use std::collections::{HashMap, HashSet};

use super::locks::Uncommitted;

/// (database, SQLite table), lower-case.
pub(crate) type TableKey = (String, String);

#[derive(Debug, Default)]
pub(crate) struct RowLocks {
    /// (table, rowid) → the session holding it.
    rows: HashMap<(TableKey, i64), u16>,
    /// Tables where a session deleted rows or changed keys → those sessions.
    vacated: HashMap<TableKey, HashSet<u16>>,
    /// The session holding the instance-wide exclusive claim.
    exclusive: Option<u16>,
}

impl RowLocks {
    pub(super) fn release(&mut self, spid: u16) {
        self.rows.retain(|_, owner| *owner != spid);
        self.vacated.retain(|_, owners| {
            owners.remove(&spid);
            !owners.is_empty()
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
    /// It made new keys (an insert, a key change): another session's vacated keys conflict.
    pub creates: bool,
    /// It deleted rows or changed keys.
    pub vacates: bool,
}

impl Uncommitted {
    /// The other session this statement must wait for, if any.
    pub fn row_conflict(&self, spid: u16, table: &TableKey, touched: &Touched) -> Option<u16> {
        let s = self.state();
        let locks = &s.rows;
        if let Some(x) = locks.exclusive.filter(|x| *x != spid) {
            return Some(x);
        }
        if touched.whole_table {
            if let Some(owner) = locks.foreign_on(spid, table) {
                return Some(owner);
            }
        }
        if let Some(owner) = touched
            .rows
            .iter()
            .find_map(|r| locks.rows.get(&(table.clone(), *r)).copied().filter(|o| *o != spid))
        {
            return Some(owner);
        }
        if touched.creates {
            if let Some(owner) = locks.vacated.get(table).and_then(|o| o.iter().find(|o| **o != spid)) {
                return Some(*owner);
            }
        }
        None
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
            || s.rows.vacated.get(table).is_some_and(|o| o.contains(&holder))
    }

    /// Takes the locks of what a statement of `spid`'s transaction wrote.
    pub fn lock_rows(&self, spid: u16, table: &TableKey, touched: &Touched) {
        let mut s = self.state();
        for r in &touched.rows {
            s.rows.rows.insert((table.clone(), *r), spid);
        }
        if touched.vacates {
            s.rows.vacated.entry(table.clone()).or_default().insert(spid);
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
        if let Some(owner) = locks.vacated.values().flat_map(|o| o.iter()).find(|o| **o != spid) {
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
