//! Readers wait for other sessions' uncommitted writes, as locking READ COMMITTED makes them
//! ("SET TRANSACTION ISOLATION LEVEL (Transact-SQL)": "statements cannot read data that has
//! been modified but not committed by other transactions"; shared locks wait for exclusive
//! ones, up to `LOCK_TIMEOUT`, then 1222).
//!
//! SQL Server locks the rows a transaction wrote; a reader waits only when it touches one of
//! them. The simulator keeps SQLite's one writer per database (see `transaction.rs`), so it
//! records which *tables* each open transaction has written, and a READ COMMITTED (or stricter)
//! statement that reads such a table waits until that transaction ends — at table
//! granularity, so it waits more often than SQL Server would, never reads what SQL Server
//! would not let it read. READ UNCOMMITTED and `NOLOCK`/`READUNCOMMITTED` hints do not wait;
//! they read the last committed rows (what SQL Server would show had the writer not yet
//! written). Two sessions each waiting for the other is a deadlock: the one that closes the
//! cycle is the victim (1205), its transaction rolled back, as SQL Server chooses one. (With
//! one SQLite writer per connection's databases no such cycle forms today; row locks would
//! make it reachable.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::catalog::CatalogNeed;
use super::errors::{Action, Failure};
use super::session::Session;
use crate::engine::ResultSink;
use crate::error::SqlError;
use crate::load::Wait;

/// Tables written by open transactions, and who waits for whom.
#[derive(Debug, Default)]
pub(crate) struct Uncommitted {
    state: Mutex<State>,
    /// Held for reading while a reader checks for uncommitted writes and starts its snapshot,
    /// for writing while a row-locked statement commits (`rowmode.rs`): a reader never takes a
    /// snapshot holding a write whose table it saw unmarked.
    pub(super) gate: std::sync::RwLock<()>,
}

#[derive(Debug, Default)]
pub(super) struct State {
    /// (database, SQLite table name), lower-case → the session whose transaction wrote it.
    tables: HashMap<(String, String), u16>,
    /// A waiting session → the session it waits for.
    waiting: HashMap<u16, u16>,
    /// Row locks of open transactions (`rowlocks.rs`).
    pub(super) rows: super::rowlocks::RowLocks,
}

impl Uncommitted {
    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `spid`'s open transaction wrote `table` of `database`.
    pub fn mark(&self, spid: u16, database: &str, table: &str) {
        self.state().tables.insert((database.to_ascii_lowercase(), table.to_ascii_lowercase()), spid);
    }

    /// `spid`'s transaction ended (or the session did): its tables are readable again.
    pub fn release(&self, spid: u16) {
        let mut s = self.state();
        s.tables.retain(|_, owner| *owner != spid);
        s.waiting.remove(&spid);
        s.rows.release(spid);
    }

    /// Another session holding one of `tables`, if any.
    fn holder(&self, spid: u16, tables: &[(String, String)]) -> Option<u16> {
        let s = self.state();
        tables.iter().find_map(|t| s.tables.get(t).copied().filter(|owner| *owner != spid))
    }

    /// Records that `spid` waits for `holder`; true when that closes a cycle (a deadlock).
    pub(super) fn wait(&self, spid: u16, holder: u16) -> bool {
        let mut s = self.state();
        s.waiting.insert(spid, holder);
        let mut at = holder;
        for _ in 0..s.waiting.len() {
            match s.waiting.get(&at) {
                Some(&next) if next == spid => return true,
                Some(&next) => at = next,
                None => return false,
            }
        }
        false
    }

    pub(super) fn stop_waiting(&self, spid: u16) {
        self.state().waiting.remove(&spid);
    }
}

/// How often a waiting reader looks again.
const POLL: Duration = Duration::from_millis(5);

impl Session {
    /// Before a statement: waits while another session's open transaction has written a table
    /// it reads (READ COMMITTED and stricter, no NOLOCK); 1222 after `LOCK_TIMEOUT`, 1205 for
    /// a deadlock. `skip` is a DML statement's target table, which row locks guard instead
    /// (`rowmode.rs`). A reading statement (`reads`) outside a SQLite transaction starts its
    /// snapshot here, under the gate, so no write of a table it saw unmarked is in it.
    pub(crate) fn wait_for_uncommitted(
        &mut self,
        needs: &[CatalogNeed],
        nolock: bool,
        skip: Option<(String, String)>,
        reads: bool,
        sink: &mut dyn ResultSink,
    ) -> Result<(), Failure> {
        if self.isolation == 1 || nolock {
            return Ok(());
        }
        let tables: Vec<(String, String)> = needs
            .iter()
            .filter_map(|n| match n {
                CatalogNeed::UserObject { database, sqlite_name, .. } => {
                    Some((database.to_ascii_lowercase(), sqlite_name.to_ascii_lowercase()))
                }
                _ => None,
            })
            .filter(|t| {
                skip.as_ref()
                    .is_none_or(|s| (&s.0.to_ascii_lowercase(), &s.1.to_ascii_lowercase()) != (&t.0, &t.1))
            })
            .collect();
        if tables.is_empty() {
            return Ok(());
        }
        let (spid, shared) = (self.shared.spid, self.shared.clone());
        let registry = &shared.instance.inner.uncommitted;
        loop {
            self.wait_blocked(sink, || registry.holder(spid, &tables))?;
            if !reads || !self.conn.is_autocommit() {
                return Ok(());
            }
            let _gate = registry.gate.read().unwrap_or_else(|p| p.into_inner());
            if registry.holder(spid, &tables).is_none() {
                return self.begin_read_snapshot();
            }
        }
    }

    /// Waits while `blocker` names another session this one must wait for: 1222 after
    /// `LOCK_TIMEOUT`, 1205 (and the transaction rolled back) when the wait closes a cycle.
    pub(crate) fn wait_blocked(
        &mut self,
        sink: &mut dyn ResultSink,
        mut blocker: impl FnMut() -> Option<u16>,
    ) -> Result<(), Failure> {
        let (spid, shared) = (self.shared.spid, self.shared.clone());
        let registry = &shared.instance.inner.uncommitted;
        let (started, limit) = (Instant::now(), self.options().lock_wait());
        let mut waited = false;
        let outcome = loop {
            let Some(holder) = blocker() else { break Ok(()) };
            if registry.wait(spid, holder) {
                break Err(deadlock(spid));
            }
            if !waited {
                let now_ms = self.shared.instance.now_utc().and_utc().timestamp_millis();
                self.activity.set_wait(Some(Wait::LckMS as usize), holder, now_ms);
                waited = true;
            }
            if sink.cancelled() || self.activity.is_cancelled() {
                registry.stop_waiting(spid);
                return Err(Failure::Cancelled);
            }
            if started.elapsed() >= limit {
                break Err(SqlError::new(1222, 16, "Lock request time out period exceeded.").with_state(45));
            }
            std::thread::sleep(POLL);
        };
        registry.stop_waiting(spid);
        if waited {
            let now_ms = self.shared.instance.now_utc().and_utc().timestamp_millis();
            self.activity.set_wait(None, 0, now_ms);
        }
        match outcome {
            Err(e) if e.number == 1205 => {
                if self.trancount > 0 {
                    self.rollback_all(sink)?;
                }
                Err(e.into())
            }
            other => other.map_err(Failure::from),
        }
    }

    /// Starts a read transaction on every database of the connection, so the statement reads
    /// the snapshot of this moment; [`Session::end_read_snapshot`] ends it.
    fn begin_read_snapshot(&mut self) -> Result<(), Failure> {
        let schemas: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare_cached("PRAGMA database_list")
                .map_err(|e| self.sql_error(e, Action::Other))?;
            let names = stmt
                .query_map([], |r| r.get::<_, String>(1))
                .map_err(|e| self.sql_error(e, Action::Other))?;
            names.filter_map(Result::ok).filter(|n| n != "temp").collect()
        };
        self.conn.execute_batch("BEGIN DEFERRED").map_err(|e| self.sql_error(e, Action::Other))?;
        self.read_snapshot = true;
        for schema in schemas {
            let sql = format!("SELECT 1 FROM {}.sqlite_master LIMIT 1", super::database::quote(&schema));
            self.conn.query_row(&sql, [], |_| Ok(())).or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(()),
                e => Err(self.sql_error(e, Action::Other)),
            })?;
        }
        Ok(())
    }

    /// Ends the read transaction a statement's snapshot was taken in (if any).
    pub(crate) fn end_read_snapshot(&mut self) {
        if std::mem::take(&mut self.read_snapshot) && !self.conn.is_autocommit() && !self.tran.locked {
            let _ = self.conn.execute_batch("COMMIT");
        }
    }

    /// This session's open transaction wrote `table`: readers wait for its end.
    pub(crate) fn mark_uncommitted(&self, database: &str, sqlite_name: &str) {
        if self.trancount > 0 {
            self.shared.instance.inner.uncommitted.mark(self.shared.spid, database, sqlite_name);
        }
    }

    /// The transaction ended: what it wrote is readable again.
    pub(crate) fn release_uncommitted(&self) {
        self.shared.instance.inner.uncommitted.release(self.shared.spid);
    }
}

/// 1205: the deadlock victim's error ("Database engine events and errors").
fn deadlock(spid: u16) -> SqlError {
    SqlError::new(
        1205,
        13,
        format!(
            "Transaction (Process ID {spid}) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction."
        ),
    )
    .with_state(45)
}

/// True when the statement as sent carries a NOLOCK or READUNCOMMITTED table hint.
pub(crate) fn reads_uncommitted(statement: &str) -> bool {
    let upper = statement.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w == "NOLOCK" || w == "READUNCOMMITTED")
}
