//! Injected faults that statements check: a stall every statement waits out, and "fail the
//! next statement matching this text with error N". Dropping connections and restarts act on
//! the instance (see `Instance::faults`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crate::error::SqlError;

/// A pending "fail the next matching statement".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailRule {
    /// Case-insensitive substring of the statement text; empty matches any statement.
    pub pattern: String,
    pub error: i32,
    /// Only this login's statements (None: anyone's).
    pub login: Option<String>,
}

#[derive(Debug)]
pub struct Faults {
    epoch: Instant,
    /// Nanoseconds after `epoch` until which statements wait (0: no stall).
    stall_until_ns: AtomicU64,
    armed: AtomicBool,
    rules: Mutex<Vec<FailRule>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            epoch: Instant::now(),
            stall_until_ns: AtomicU64::new(0),
            armed: AtomicBool::new(false),
            rules: Mutex::new(Vec::new()),
        }
    }
}

impl Faults {
    /// Every statement that starts (or is running) before `now + duration` waits until then.
    pub fn stall(&self, duration: Duration) {
        let until = (self.epoch.elapsed() + duration).as_nanos() as u64;
        self.stall_until_ns.fetch_max(until, Relaxed);
    }

    /// Ends a stall early.
    pub fn end_stall(&self) {
        self.stall_until_ns.store(0, Relaxed);
    }

    /// How long a statement starting now must wait.
    pub fn stall_remaining(&self) -> Option<Duration> {
        let until = self.stall_until_ns.load(Relaxed);
        if until == 0 {
            return None;
        }
        let now = self.epoch.elapsed().as_nanos() as u64;
        (until > now).then(|| Duration::from_nanos(until - now))
    }

    /// Queues a failure for the next statement whose text contains `rule.pattern`.
    pub fn fail_next(&self, rule: FailRule) {
        self.rules.lock().unwrap_or_else(|p| p.into_inner()).push(rule);
        self.armed.store(true, Relaxed);
    }

    /// The error to raise for this statement, consuming its rule.
    pub fn take_failure(&self, text: &str, login: &str) -> Option<SqlError> {
        if !self.armed.load(Relaxed) {
            return None;
        }
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        let lower = text.to_ascii_lowercase();
        let i = rules.iter().position(|r| {
            (r.pattern.is_empty() || lower.contains(&r.pattern.to_ascii_lowercase()))
                && r.login.as_deref().is_none_or(|l| l.eq_ignore_ascii_case(login))
        })?;
        let rule = rules.remove(i);
        self.armed.store(!rules.is_empty(), Relaxed);
        Some(injected_error(rule.error))
    }
}

/// SQL Server's message and class for the error numbers tests inject most.
pub fn injected_error(number: i32) -> SqlError {
    let (class, text) = match number {
        1205 => (
            13,
            "Transaction (Process ID 0) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.",
        ),
        40613 => (
            17,
            "Database 'db' on server 'sim' is not currently available. Please retry the connection later.",
        ),
        10928 => (16, "Resource ID : 1. The request limit for the database is 200 and has been reached."),
        229 => (14, "The SELECT permission was denied on the object, database, schema."),
        300 => (14, "VIEW SERVER STATE permission was denied on object 'server', database 'master'."),
        1222 => (16, "Lock request time out period exceeded."),
        4060 => (11, "Cannot open database requested by the login. The login failed."),
        _ => (16, "Injected fault."),
    };
    SqlError::new(number, class, text)
}
