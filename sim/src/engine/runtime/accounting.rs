//! The runtime's side of the load model: around every statement a session runs, wait out an
//! injected stall, raise an injected error, show the request as running (or blocked), then
//! charge its work to the instance's [`LoadState`] and sleep the latency the profile shapes.
//!
//! [`LoadState`]: crate::load::LoadState

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::catalog::CatalogNeed;
use super::session::Session;
use crate::engine::Step;
use crate::error::SqlError;
use crate::load::activity::RUNNING;
use crate::load::buffer_pool::{mix, text_hash};
use crate::load::plan_cache::Statement;
use crate::load::{Wait, Work, WorkKind};

/// A statement in flight (only when the load model is on).
pub(crate) struct Mark {
    started: Instant,
    key: u64,
    trancount: u32,
    blocked_by: Option<u16>,
}

/// Sleeps a shaped latency in short slices, ending early when the client cancels (ATTENTION):
/// SQL Server stops a cancelled request at once (MS-TDS 3.3.5.9), and clients give up on the
/// acknowledgement after a few seconds (tedious: 5 s, then the connection is closed).
fn sleep_unless_cancelled(activity: &crate::load::SessionActivity, time: Duration) {
    let deadline = std::time::Instant::now() + time;
    while !activity.is_cancelled() && !activity.is_killed() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(5)));
    }
}

/// SQL Server's error for a statement on a killed session.
pub(crate) fn killed() -> SqlError {
    SqlError::new(596, 21, "Cannot continue the execution because the session is in the kill state.")
}

impl Session {
    /// Injected faults that act before a statement: a kill, a stall (waited out), an error.
    pub(crate) fn before_statement(&self, text: &str) -> Result<(), SqlError> {
        let faults = &self.shared.instance.inner.faults;
        while let Some(left) = faults.stall_remaining() {
            if self.activity.is_killed() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(5)));
        }
        if self.activity.is_killed() {
            return Err(killed());
        }
        match faults.take_failure(text, &self.shared.login) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Shows the request as running; `None` when the load model is off.
    pub(crate) fn statement_start(&self, statement: &Statement<'_>) -> Option<Mark> {
        if !self.shared.instance.knobs().enabled() {
            return None;
        }
        let key = statement.key();
        let now_ms = self.shared.instance.now_utc().and_utc().timestamp_millis();
        let a = &self.activity;
        a.query_key.store(key, Relaxed);
        a.request_start_ms.store(now_ms, Relaxed);
        a.status.store(RUNNING, Relaxed);
        a.requests.fetch_add(1, Relaxed);
        self.load.active_requests.fetch_add(1, Relaxed);
        Some(Mark { started: Instant::now(), key, trancount: self.trancount, blocked_by: None })
    }

    /// A write about to run: if another session's open transaction has written to the same
    /// database, this one will wait on its locks (shown as LCK_M_IX, blocked by that session).
    pub(crate) fn note_blocker(&self, mark: &mut Option<Mark>, step: &Step, needs: &[CatalogNeed]) {
        let (Some(m), Step::Modify { .. }) = (mark.as_mut(), step) else { return };
        let db = self.database_id_of(needs);
        let blocker = self
            .load
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .find(|a| a.spid != self.shared.spid && a.write_database_id.load(Relaxed) == db)
            .map(|a| a.spid);
        if let Some(spid) = blocker {
            let now_ms = self.shared.instance.now_utc().and_utc().timestamp_millis();
            self.activity.set_wait(Some(Wait::LckMIx as usize), spid, now_ms);
            m.blocked_by = Some(spid);
        }
    }

    /// Charges the statement's work and sleeps its shaped latency.
    pub(crate) fn statement_end(
        &mut self,
        mark: Option<Mark>,
        statement: &Statement<'_>,
        step: Option<&Step>,
        needs: &[CatalogNeed],
    ) {
        let Some(mark) = mark else { return };
        let exec = mark.started.elapsed();
        let instance = self.shared.instance.clone();
        let failed = self.shared.error.load(Relaxed) != 0;
        let rows = if failed { 0 } else { self.shared.rowcount.load(Relaxed).max(0) as u64 };
        let mut w = Work {
            key: mark.key,
            database_id: self.database_id_of(needs),
            object_key: object_key(needs),
            exec_us: exec.as_micros() as u64,
            failed,
            ..Work::default()
        };
        match step {
            Some(Step::Query { .. } | Step::Assign { .. }) => {
                w.kind = WorkKind::Read;
                w.rows_returned = rows;
                w.rows_scanned = self.scanned.get();
            }
            Some(Step::Modify { .. }) => {
                w.kind = WorkKind::Write;
                w.rows_written = rows;
                w.rows_scanned = self.scanned.get();
                if mark.trancount == 0 && self.trancount == 0 && !failed {
                    w.begins = 1;
                    w.commits = 1;
                }
            }
            Some(Step::Begin { .. }) if mark.trancount == 0 && self.trancount > 0 => w.begins = 1,
            Some(Step::Commit) if mark.trancount > 0 && self.trancount == 0 => {
                w.commits = u64::from(self.activity.write_database_id.load(Relaxed) != 0);
            }
            _ => {}
        }
        w.full_scan = w.rows_scanned > 0;
        if mark.blocked_by.is_some() {
            w.blocked_us = w.exec_us;
        }
        self.scanned.set(0);
        let a = self.activity.clone();
        if self.trancount > 0 && w.kind == WorkKind::Write && !failed {
            a.write_database_id.store(w.database_id, Relaxed);
        } else if self.trancount == 0 {
            a.write_database_id.store(0, Relaxed);
        }
        a.open_transactions.store(i64::from(self.trancount), Relaxed);
        a.database_id.store(self.current_database_id(), Relaxed);
        let now = instance.now_utc();
        let shaping = self.load.account(instance.profile(), instance.knobs(), &a, statement, now, &w);
        let now_ms = now.and_utc().timestamp_millis();
        for (wait, time) in [
            (Some(Wait::PageIoLatchSh), shaping.io),
            (Some(Wait::WriteLog), shaping.log),
            (Some(Wait::InstanceLogRateGovernor), shaping.governor),
            (None, shaping.cpu + shaping.extra),
        ] {
            if !time.is_zero() {
                a.set_wait(wait.map(|w| w as usize), 0, now_ms);
                sleep_unless_cancelled(&a, time);
            }
        }
        a.set_wait(None, 0, now_ms);
        a.status.store(0, Relaxed);
        a.query_key.store(0, Relaxed);
        a.last_request_end_ms.store(instance.now_utc().and_utc().timestamp_millis(), Relaxed);
        self.load.active_requests.fetch_sub(1, Relaxed);
    }

    /// The database a statement works in: its first table's, else the current one.
    fn database_id_of(&self, needs: &[CatalogNeed]) -> i64 {
        needs
            .iter()
            .find_map(|n| match n {
                CatalogNeed::UserObject { database, .. } => {
                    self.shared.instance.database(database).map(|d| d.id)
                }
                _ => None,
            })
            .unwrap_or_else(|| self.current_database_id())
    }

    pub(crate) fn current_database_id(&self) -> i64 {
        let name = super::instance::lock(&self.shared.database);
        self.shared.instance.database(&name).map(|d| d.id).unwrap_or(1)
    }
}

/// The buffer-pool key of the first table a statement touches (0: none).
fn object_key(needs: &[CatalogNeed]) -> u64 {
    needs
        .iter()
        .find_map(|n| match n {
            CatalogNeed::UserObject { database, sqlite_ref, .. } => {
                Some(mix(text_hash(database) ^ text_hash(sqlite_ref)).max(1))
            }
            _ => None,
        })
        .unwrap_or(0)
}
