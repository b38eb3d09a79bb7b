//! Transactions as SQL Server runs them, on SQLite transactions and savepoints.
//!
//! - `BEGIN TRAN [name]` nests: only the outermost starts a SQLite transaction (and names it);
//!   `@@TRANCOUNT` counts the nesting. `COMMIT` decrements it and commits at zero.
//! - `ROLLBACK [TRAN]` rolls the whole transaction back; `ROLLBACK TRAN name` does too when
//!   `name` is the outermost transaction's, rolls back to the most recent savepoint of that
//!   name (keeping `@@TRANCOUNT`) when there is one, and is error 6401 otherwise
//!   ("ROLLBACK TRANSACTION (Transact-SQL)"). Names are case-sensitive.
//! - `SAVE TRAN name` sets a savepoint (SQLite `SAVEPOINT`); 628 outside a transaction
//!   ("SAVE TRANSACTION (Transact-SQL)").
//! - Each start and end of the outermost transaction is reported to the sink, which sends the
//!   ENVCHANGE tokens 8 (begin, new value = the 8-byte descriptor), 9 (commit) and 10
//!   (rollback, old value = the descriptor) drivers track transactions by (MS-TDS 2.2.7.9).
//!
//! Locking. INSERT/UPDATE/DELETE at READ COMMITTED and READ UNCOMMITTED take row locks and
//! keep before-images in the transaction's undo log (`rowmode.rs`, `rowlocks.rs`, `undo.rs`):
//! ROLLBACK and `ROLLBACK TRAN savepoint` replay it. Other writes (DDL, TRUNCATE, bulk loads,
//! DML the row locks cannot cover) and REPEATABLE READ, SERIALIZABLE and SNAPSHOT transactions
//! (at BEGIN) take the database lock to the end of the transaction: the exclusive claim and
//! SQLite's write lock, rolled back by SQLite. READ COMMITTED readers wait for the tables an
//! open transaction wrote (`locks.rs`).

use std::sync::atomic::{AtomicU64, Ordering};

use super::errors::{Action, Failure};
use super::session::Session;
use crate::engine::{ResultSink, Step, TransactionChange};
use crate::error::SqlError;
use crate::tds::tm::{Next, TmRequest};

/// Transaction descriptors, unique on the instance's process: (spid << 48) | sequence.
static NEXT_DESCRIPTOR: AtomicU64 = AtomicU64::new(1);

/// The open transaction's name, savepoints and descriptor (`@@TRANCOUNT` is the session's
/// `trancount`).
#[derive(Clone, Debug, Default)]
pub(crate) struct OpenTransaction {
    /// The outermost BEGIN TRAN's name; names of nested BEGINs are not registered.
    pub name: Option<String>,
    /// SAVE TRAN names in order; savepoint `i` is SQLite's `tsql_save_i`.
    pub savepoints: Vec<String>,
    /// The descriptor announced in the BEGIN ENVCHANGE (0 when none is open).
    pub descriptor: u64,
    /// SQLite's transaction (and the database's write lock) is held.
    pub locked: bool,
    /// Before-images of the row-locked writes, oldest first (`undo.rs`).
    pub undo: Vec<super::undo::UndoEntry>,
    /// Per savepoint: the undo log's length when it was set, and whether SQLite has it too
    /// (set while the database lock was held).
    pub save_marks: Vec<(usize, bool)>,
}

/// SQL Server limits transaction and savepoint names to 32 characters.
const MAX_NAME: usize = 32;

fn check_name(name: &str) -> Result<(), Failure> {
    if name.chars().count() > MAX_NAME {
        return Err(SqlError::new(
            103,
            15,
            format!("The identifier that starts with '{}' is too long. Maximum length is {MAX_NAME}.", name),
        )
        .into());
    }
    Ok(())
}

/// `SET TRANSACTION ISOLATION LEVEL` names and the numbers `sys.dm_exec_sessions` and the
/// transaction-manager requests use for them.
pub(crate) const ISOLATION_LEVELS: [(&str, u8); 5] = [
    ("READ UNCOMMITTED", 1),
    ("READ COMMITTED", 2),
    ("REPEATABLE READ", 3),
    ("SERIALIZABLE", 4),
    ("SNAPSHOT", 5),
];

impl Session {
    /// A transaction-manager request (python-tds, tedious): the same steps as the T-SQL, so
    /// the same tokens and errors; an isolation level other than 0 ("no change") is set first.
    pub fn transaction_request(&mut self, request: &TmRequest, sink: &mut dyn ResultSink) {
        let named = |n: &str| (!n.is_empty()).then(|| n.to_string());
        let (step, next) = match request {
            TmRequest::Begin { isolation, name } => {
                self.set_isolation(*isolation);
                (Step::Begin { name: named(name) }, None)
            }
            TmRequest::Commit { next, .. } => (Step::Commit, next.as_ref()),
            TmRequest::Rollback { name, next } => (Step::Rollback { name: named(name) }, next.as_ref()),
            TmRequest::Save { name } => (Step::Save { name: name.clone() }, None),
            TmRequest::Other(kind) => {
                let e = SqlError::unsupported(&format!(
                    "distributed transactions (transaction-manager request {kind})"
                ));
                sink.error(&e);
                sink.done(None);
                return;
            }
        };
        self.execute_step(&step, sink);
        if let Some(Next { isolation, name }) = next {
            self.set_isolation(*isolation);
            self.execute_step(&Step::Begin { name: named(name) }, sink);
        }
    }

    /// Sets the isolation level by its number (0 leaves it unchanged).
    pub(crate) fn set_isolation(&mut self, level: u8) {
        if (1..=5).contains(&level) {
            self.isolation = level;
            self.shared.instance.update_session(self.shared.spid, |info| info.isolation_level = level);
        }
    }

    /// BEGIN TRAN [name].
    pub(crate) fn begin(&mut self, name: Option<&str>, sink: &mut dyn ResultSink) -> Result<(), Failure> {
        if let Some(n) = name {
            check_name(n)?;
        }
        if self.trancount == 0 {
            self.ct_versioned.clear();
            let sequence = NEXT_DESCRIPTOR.fetch_add(1, Ordering::Relaxed) & 0xFFFF_FFFF_FFFF;
            let descriptor = (u64::from(self.shared.spid) << 48) | sequence;
            self.tran = OpenTransaction { name: name.map(str::to_string), descriptor, ..Default::default() };
            // REPEATABLE READ and stricter: lock now, so what this transaction reads stays.
            if self.isolation >= 3 {
                self.trancount = 1;
                let locked = self.lock_for_writing(sink);
                self.trancount = 0;
                locked?;
            }
            sink.transaction_changed(TransactionChange::Begin(descriptor));
        }
        self.trancount += 1;
        self.after_transaction_statement();
        Ok(())
    }

    /// COMMIT [TRAN [name]] (the name is ignored, as SQL Server ignores it).
    pub(crate) fn commit(&mut self, sink: &mut dyn ResultSink) -> Result<(), Failure> {
        self.sync_transaction_state(sink);
        if self.trancount == 0 {
            return Err(SqlError::new(
                3902,
                16,
                "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.",
            )
            .into());
        }
        if self.trancount == 1 {
            self.forget_journal()?;
            if self.tran.locked && !self.conn.is_autocommit() {
                self.conn.execute_batch("COMMIT").map_err(|e| self.sql_error(e, Action::Other))?;
            }
            let ended = std::mem::take(&mut self.tran);
            sink.transaction_changed(TransactionChange::Commit(ended.descriptor));
        }
        self.trancount -= 1;
        self.after_transaction_statement();
        Ok(())
    }

    /// At COMMIT: deletes the transaction's undo entries from the journal (`journal.rs`),
    /// inside SQLite's open transaction or in one of its own.
    fn forget_journal(&mut self) -> Result<(), Failure> {
        if self.tran.undo.is_empty() {
            return Ok(());
        }
        let own = self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.sql_error(e, Action::Other))?;
        }
        let tran = self.tran.descriptor as i64;
        let aliases = self.tran.undo.iter().map(|e| e.change.alias.as_str());
        let forgotten = super::journal::forget(&self.conn, tran, 0, aliases);
        if own {
            let end = if forgotten.is_ok() { "COMMIT" } else { "ROLLBACK" };
            let ended = self.conn.execute_batch(end);
            forgotten.and(ended).map_err(|e| self.sql_error(e, Action::Other))
        } else {
            forgotten.map_err(|e| self.sql_error(e, Action::Other))
        }
    }

    /// ROLLBACK [TRAN [name]].
    pub(crate) fn rollback(&mut self, name: Option<&str>, sink: &mut dyn ResultSink) -> Result<(), Failure> {
        self.sync_transaction_state(sink);
        if self.trancount == 0 {
            return Err(SqlError::new(
                3903,
                16,
                "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.",
            )
            .into());
        }
        match name {
            Some(n) if self.tran.name.as_deref() != Some(n) => self.rollback_to_savepoint(n)?,
            _ => self.rollback_all(sink)?,
        }
        // Rolled-back DDL may have changed what the catalog temp tables describe.
        self.catalog_fresh.clear();
        let db = self.database();
        self.bump_writes(&db);
        self.after_transaction_statement();
        Ok(())
    }

    /// Ends the whole transaction (ROLLBACK, or an error that dooms it).
    pub(crate) fn rollback_all(&mut self, sink: &mut dyn ResultSink) -> Result<(), Failure> {
        self.end_read_snapshot();
        if self.tran.locked && !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK").map_err(|e| self.sql_error(e, Action::Other))?;
        }
        self.tran.locked = false;
        // The row-locked writes are undone before their locks go.
        let undone = self.undo_to(0);
        self.trancount = 0;
        self.release_uncommitted();
        let ended = std::mem::take(&mut self.tran);
        sink.transaction_changed(TransactionChange::Rollback(ended.descriptor));
        undone
    }

    fn rollback_to_savepoint(&mut self, name: &str) -> Result<(), Failure> {
        let Some(i) = self.tran.savepoints.iter().rposition(|s| s == name) else {
            return Err(SqlError::new(
                6401,
                16,
                format!("Cannot roll back {name}. No transaction or savepoint of that name was found."),
            )
            .into());
        };
        let (undo_len, in_sqlite) = self.tran.save_marks[i];
        if self.tran.locked && in_sqlite {
            self.conn
                .execute_batch(&format!("ROLLBACK TO \"tsql_save_{i}\""))
                .map_err(|e| self.sql_error(e, Action::Other))?;
        } else if self.tran.locked {
            // The database lock was taken after the savepoint: all of SQLite's part goes.
            self.conn.execute_batch("ROLLBACK").map_err(|e| self.sql_error(e, Action::Other))?;
            self.tran.locked = false;
        }
        // The savepoint stays (it can be rolled back to again); later ones are gone.
        self.tran.savepoints.truncate(i + 1);
        self.tran.save_marks.truncate(i + 1);
        self.undo_to(undo_len)
    }

    /// SAVE TRAN name.
    pub(crate) fn save(&mut self, name: &str) -> Result<(), Failure> {
        check_name(name)?;
        if self.trancount == 0 {
            return Err(SqlError::new(
                628,
                16,
                "Cannot issue SAVE TRANSACTION when there is no active transaction.",
            )
            .into());
        }
        let i = self.tran.savepoints.len();
        if self.tran.locked {
            self.conn
                .execute_batch(&format!("SAVEPOINT \"tsql_save_{i}\""))
                .map_err(|e| self.sql_error(e, Action::Other))?;
        }
        self.tran.savepoints.push(name.to_string());
        self.tran.save_marks.push((self.tran.undo.len(), self.tran.locked));
        self.after_transaction_statement();
        Ok(())
    }

    /// "SET IMPLICIT_TRANSACTIONS": while ON, a statement that reads or writes a table (or a
    /// BEGIN TRAN) outside a transaction starts one, which COMMIT or ROLLBACK must end.
    pub(crate) fn begin_implicitly(
        &mut self,
        step: &Step,
        needs: &[super::catalog::CatalogNeed],
        sink: &mut dyn ResultSink,
    ) -> Result<(), Failure> {
        if self.trancount > 0 || !self.options().is_on("IMPLICIT_TRANSACTIONS") {
            return Ok(());
        }
        let reads_table = needs.iter().any(|n| matches!(n, super::catalog::CatalogNeed::UserObject { .. }));
        let starts = match step {
            Step::Query { .. } | Step::Assign { .. } => reads_table,
            Step::Begin { .. } => true,
            other => super::exec::writes(other),
        };
        if starts { self.begin(None, sink) } else { Ok(()) }
    }

    /// Inside a transaction, takes the database lock for the rest of it: the exclusive claim
    /// (waiting for other sessions' row locks) and SQLite's write lock (waiting for another
    /// session's statement up to `LOCK_TIMEOUT`); nothing outside one (each statement is then
    /// its own transaction).
    pub(crate) fn lock_for_writing(&mut self, sink: &mut dyn ResultSink) -> Result<(), Failure> {
        if self.trancount > 0 && !self.tran.locked {
            self.end_read_snapshot();
        }
        if self.trancount > 0 && !self.tran.locked && self.conn.is_autocommit() {
            self.claim_exclusive(sink)?;
            self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.sql_error(e, Action::Other))?;
            self.tran.locked = true;
        }
        Ok(())
    }

    fn after_transaction_statement(&mut self) {
        if self.trancount == 0 {
            self.release_uncommitted();
        }
        self.shared.trancount.store(i64::from(self.trancount), Ordering::Relaxed);
        self.set_rowcount(0);
    }

    /// After an error SQLite may have rolled the transaction back (interrupt, busy, full): the
    /// session follows, and the client hears of the rollback.
    pub(crate) fn sync_transaction_state(&mut self, sink: &mut dyn ResultSink) {
        if self.trancount > 0 && self.tran.locked && self.conn.is_autocommit() {
            self.tran.locked = false;
            // SQLite's part is gone; the row-locked part is undone too (an error here is
            // already being reported).
            let _ = self.undo_to(0);
            self.trancount = 0;
            self.release_uncommitted();
            let ended = std::mem::take(&mut self.tran);
            sink.transaction_changed(TransactionChange::Rollback(ended.descriptor));
        }
        self.shared.trancount.store(i64::from(self.trancount), Ordering::Relaxed);
    }
}
