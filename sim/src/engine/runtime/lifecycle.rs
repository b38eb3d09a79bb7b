//! Faults and lifecycle for tests and `cutover sim --admin`: drop connections, stall every
//! statement, fail the next matching statement with an error number, grant or revoke VIEW
//! SERVER STATE, restart (counters reset, start time moves, connections drop, data kept) and
//! clear wait stats. `instance.faults()` is the entry point.

use std::sync::Arc;
use std::time::Duration;

use super::config::perms;
use super::instance::{Instance, write};
use crate::error::SqlError;
use crate::load::{FailRule, LoadState};

/// The fault and lifecycle controls of one instance.
#[derive(Clone, Debug)]
pub struct FaultControl {
    instance: Instance,
}

impl Instance {
    /// Faults and lifecycle controls.
    pub fn faults(&self) -> FaultControl {
        FaultControl { instance: self.clone() }
    }
}

impl FaultControl {
    /// Drops one connection (its socket is closed; an in-process session gets error 596).
    /// Returns false when no such session exists.
    pub fn drop_connection(&self, spid: u16) -> bool {
        match self.instance.load().activity(spid) {
            Some(a) => {
                a.kill();
                true
            }
            None => false,
        }
    }

    /// Drops every connection; returns how many there were.
    pub fn drop_all_connections(&self) -> usize {
        let all = self.instance.load().activities();
        for a in &all {
            a.kill();
        }
        all.len()
    }

    /// Every statement that starts within `duration` from now (and every one already waiting)
    /// waits until the stall ends.
    pub fn stall(&self, duration: Duration) {
        self.instance.inner.faults.stall(duration);
    }

    /// Ends a stall now.
    pub fn end_stall(&self) {
        self.instance.inner.faults.end_stall();
    }

    /// The next statement whose text contains `pattern` (case-insensitive; "" = any) fails with
    /// error `number` (1205, 40613, 10928, 229, 300, …) instead of running.
    pub fn fail_next(&self, pattern: &str, number: i32) {
        self.instance.inner.faults.fail_next(FailRule {
            pattern: pattern.to_string(),
            error: number,
            login: None,
        });
    }

    /// As [`Self::fail_next`], for one login's statements only.
    pub fn fail_next_for(&self, login: &str, pattern: &str, number: i32) {
        self.instance.inner.faults.fail_next(FailRule {
            pattern: pattern.to_string(),
            error: number,
            login: Some(login.to_string()),
        });
    }

    /// Grants or revokes VIEW SERVER STATE (and VIEW SERVER PERFORMANCE STATE) for a login;
    /// live sessions see the change at once. Error 15151 for an unknown login.
    pub fn set_view_server_state(&self, login: &str, granted: bool) -> Result<(), SqlError> {
        self.instance.set_permission(login, perms::VIEW_SERVER_STATE, granted)?;
        if !granted {
            self.instance.set_permission(login, perms::VIEW_SERVER_PERFORMANCE_STATE, false)?;
            self.instance.set_permission(login, perms::CONTROL_SERVER, false)?;
        }
        Ok(())
    }

    /// Restarts the instance: every connection drops, counters, waits, the plan cache and the
    /// buffer pool start again from zero, sqlserver_start_time moves to now. Data persists.
    pub fn restart(&self) {
        let now = self.instance.now_utc();
        let old = {
            let mut load = write(&self.instance.inner.load);
            std::mem::replace(&mut *load, Arc::new(LoadState::new(now)))
        };
        for a in old.activities() {
            a.kill();
        }
    }

    /// DBCC SQLPERF('sys.dm_os_wait_stats', CLEAR).
    pub fn clear_wait_stats(&self) {
        self.instance.load().clear_waits(self.instance.now_utc());
    }
}
