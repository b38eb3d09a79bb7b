//! What each session is doing now (sys.dm_exec_requests, sys.dm_exec_sessions,
//! sys.dm_os_waiting_tasks) and its cumulative totals, plus the kill switch the server watches
//! to close a dropped connection's socket.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};

/// sys.dm_exec_requests.status values the simulator uses.
pub const RUNNING: usize = 1;
pub const SUSPENDED: usize = 2;

#[derive(Debug, Default)]
pub struct SessionActivity {
    pub spid: u16,
    /// 0 idle (no request), RUNNING, SUSPENDED.
    pub status: AtomicUsize,
    /// The current statement's plan-cache key (0: none).
    pub query_key: AtomicU64,
    /// Milliseconds since the epoch the current request started (instance clock).
    pub request_start_ms: AtomicI64,
    pub last_request_end_ms: AtomicI64,
    /// Index into WAIT_TYPES + 1 (0: not waiting).
    pub wait: AtomicUsize,
    pub wait_start_ms: AtomicI64,
    pub blocking_spid: AtomicUsize,
    pub database_id: AtomicI64,
    pub open_transactions: AtomicI64,
    /// The database an open transaction has written to (0: none): other writers block on it.
    pub write_database_id: AtomicI64,
    pub cpu_us: AtomicU64,
    pub reads: AtomicU64,
    pub writes: AtomicU64,
    pub logical_reads: AtomicU64,
    pub rows: AtomicU64,
    pub requests: AtomicU64,
    pub killed: AtomicBool,
    pub kill: tokio::sync::Notify,
    /// The client sent ATTENTION for the request running now: waits end early.
    pub attention: AtomicBool,
}

impl SessionActivity {
    pub fn new(spid: u16) -> Self {
        SessionActivity { spid, ..Default::default() }
    }

    /// Marks the session killed and wakes its connection (which closes the socket).
    pub fn kill(&self) {
        self.killed.store(true, Relaxed);
        self.kill.notify_one();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Relaxed)
    }

    /// The client asked to cancel the running request (ATTENTION).
    pub fn attention(&self) {
        self.attention.store(true, Relaxed);
    }

    /// Whether the running request was cancelled; cleared when the request has been answered.
    pub fn is_cancelled(&self) -> bool {
        self.attention.load(Relaxed)
    }

    pub fn clear_attention(&self) {
        self.attention.store(false, Relaxed);
    }

    pub fn set_wait(&self, wait: Option<usize>, blocking: u16, now_ms: i64) {
        match wait {
            Some(w) => {
                self.wait_start_ms.store(now_ms, Relaxed);
                self.blocking_spid.store(usize::from(blocking), Relaxed);
                self.wait.store(w + 1, Relaxed);
                self.status.store(SUSPENDED, Relaxed);
            }
            None => {
                self.wait.store(0, Relaxed);
                self.blocking_spid.store(0, Relaxed);
                if self.status.load(Relaxed) == SUSPENDED {
                    self.status.store(RUNNING, Relaxed);
                }
            }
        }
    }
}
