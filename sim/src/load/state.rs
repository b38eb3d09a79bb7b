//! The instance-wide load state of one run (from start or restart to the next restart): the
//! cumulative counters every DMV reads, advanced by [`LoadState::account`] once per executed
//! statement with lock-free atomics (the plan cache takes one short mutex).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::activity::SessionActivity;
use super::buffer_pool::{BufferPool, mix};
use super::files::FileStats;
use super::history::{History, WINDOW_SECS, Window};
use super::plan_cache::{Execution, PlanCache, Statement};
use super::waits::{Wait, WaitStats};
use crate::profile::Profile;

/// Rows per 8 KB page the model assumes (about 160-byte rows).
pub const ROWS_PER_PAGE: u64 = 50;
/// Pages one read IO brings in (read-ahead reads 64 pages at once).
pub const PAGES_PER_READ_IO: u64 = 64;
/// Log bytes written per modified row, and per commit record.
pub const LOG_BYTES_PER_ROW: u64 = 120;
pub const LOG_BYTES_PER_COMMIT: u64 = 512;
/// B-tree levels read above the leaf when a statement touches a table.
pub const INDEX_DEPTH: u64 = 2;

/// Instance-wide cumulative counters.
#[derive(Debug, Default)]
pub struct Counters {
    pub batch_requests: AtomicU64,
    pub statements: AtomicU64,
    pub compilations: AtomicU64,
    pub recompilations: AtomicU64,
    pub transactions: AtomicU64,
    pub write_transactions: AtomicU64,
    pub cpu_us: AtomicU64,
    pub logical_reads: AtomicU64,
    pub physical_reads: AtomicU64,
    pub read_ios: AtomicU64,
    pub page_writes: AtomicU64,
    pub log_bytes: AtomicU64,
    pub log_flushes: AtomicU64,
    pub log_flush_wait_us: AtomicU64,
    pub lock_requests: AtomicU64,
    pub lock_waits: AtomicU64,
    pub lock_wait_us: AtomicU64,
    pub full_scans: AtomicU64,
    pub index_searches: AtomicU64,
    pub logins: AtomicU64,
    pub logouts: AtomicU64,
    pub rows_returned: AtomicU64,
    pub errors: AtomicU64,
}

/// Settings that survive restarts: the model on/off, latency shaping on/off, and the
/// regression knob (extra latency and CPU per statement).
#[derive(Debug)]
pub struct Knobs {
    pub accounting: AtomicBool,
    pub shaping: AtomicBool,
    pub extra_latency_us: AtomicU64,
    pub extra_cpu_us: AtomicU64,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            accounting: AtomicBool::new(true),
            shaping: AtomicBool::new(true),
            extra_latency_us: AtomicU64::new(0),
            extra_cpu_us: AtomicU64::new(0),
        }
    }
}

impl Knobs {
    /// Switches the whole load model (counters and shaping) on or off.
    pub fn set_enabled(&self, on: bool) {
        self.accounting.store(on, Relaxed);
    }

    /// Switches latency shaping (statements sleeping their simulated IO and CPU) on or off;
    /// the counters still move.
    pub fn set_shaping(&self, on: bool) {
        self.shaping.store(on, Relaxed);
    }

    /// Plants a regression: every statement takes `latency` longer and costs `cpu` more.
    pub fn set_extra(&self, latency: Duration, cpu: Duration) {
        self.extra_latency_us.store(latency.as_micros() as u64, Relaxed);
        self.extra_cpu_us.store(cpu.as_micros() as u64, Relaxed);
    }

    pub fn enabled(&self) -> bool {
        self.accounting.load(Relaxed)
    }
}

/// What a statement did, as the runtime observed it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Work {
    pub kind: WorkKind,
    /// Plan-cache key ([`Statement::key`]: the batch and the statement's place in it).
    pub key: u64,
    pub database_id: i64,
    /// Hash of the first table the statement reads or writes (0: none) — the buffer-pool key.
    pub object_key: u64,
    pub rows_returned: u64,
    pub rows_scanned: u64,
    pub rows_written: u64,
    /// Transactions committed by this statement (autocommit DML or the outermost COMMIT).
    pub commits: u64,
    /// Transactions started (BEGIN TRAN or autocommit DML).
    pub begins: u64,
    pub full_scan: bool,
    /// Measured time the statement ran in SQLite.
    pub exec_us: u64,
    /// Time spent blocked by another session's locks.
    pub blocked_us: u64,
    pub failed: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WorkKind {
    Read,
    Write,
    #[default]
    Other,
}

/// How long the statement must additionally take (latency shaping), split by the wait it
/// shows while sleeping.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shaping {
    pub io: Duration,
    pub log: Duration,
    pub governor: Duration,
    pub cpu: Duration,
    pub extra: Duration,
}

impl Shaping {
    pub fn total(&self) -> Duration {
        self.io + self.log + self.governor + self.cpu + self.extra
    }
}

/// One run's load state.
#[derive(Debug)]
pub struct LoadState {
    pub start_time: NaiveDateTime,
    pub started: Instant,
    pub counters: Counters,
    pub waits: WaitStats,
    pub files: FileStats,
    pub plans: PlanCache,
    pub pool: BufferPool,
    pub history: History,
    pub active_requests: AtomicI64,
    pub sessions: Mutex<BTreeMap<u16, Arc<SessionActivity>>>,
    /// Idle waits accrue from here (start, restart or the last CLEAR).
    pub idle_since: Mutex<NaiveDateTime>,
    log_second: AtomicU64,
    log_second_bytes: AtomicU64,
}

impl LoadState {
    pub fn new(start_time: NaiveDateTime) -> Self {
        LoadState {
            start_time,
            started: Instant::now(),
            counters: Counters::default(),
            waits: WaitStats::default(),
            files: FileStats::default(),
            plans: PlanCache::default(),
            pool: BufferPool::default(),
            history: History::default(),
            active_requests: AtomicI64::new(0),
            sessions: Mutex::new(BTreeMap::new()),
            idle_since: Mutex::new(start_time),
            log_second: AtomicU64::new(0),
            log_second_bytes: AtomicU64::new(0),
        }
    }

    /// DBCC SQLPERF('sys.dm_os_wait_stats', CLEAR): waits (including idle ones) restart at 0.
    pub fn clear_waits(&self, now: NaiveDateTime) {
        self.waits.clear();
        *self.idle_since.lock().unwrap_or_else(|p| p.into_inner()) = now;
    }

    pub fn register(&self, spid: u16) -> Arc<SessionActivity> {
        let a = Arc::new(SessionActivity::new(spid));
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(spid, a.clone());
        self.counters.logins.fetch_add(1, Relaxed);
        a
    }

    pub fn unregister(&self, spid: u16) {
        let mut s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if s.remove(&spid).is_some() {
            self.counters.logouts.fetch_add(1, Relaxed);
        }
    }

    pub fn activity(&self, spid: u16) -> Option<Arc<SessionActivity>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(&spid).cloned()
    }

    pub fn activities(&self) -> Vec<Arc<SessionActivity>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    /// The 15-second window `now` falls in.
    pub fn window_of(&self, now: NaiveDateTime) -> i64 {
        (now - self.start_time).num_seconds().max(0) / WINDOW_SECS
    }

    /// Charges one statement's work to every counter it moves and returns the latency shaping
    /// the statement should sleep (zero when shaping is off).
    #[allow(clippy::too_many_arguments)]
    pub fn account(
        &self,
        profile: &Profile,
        knobs: &Knobs,
        activity: &SessionActivity,
        statement: &Statement<'_>,
        now: NaiveDateTime,
        w: &Work,
    ) -> Shaping {
        let c = &self.counters;
        c.statements.fetch_add(1, Relaxed);
        let touched = w.rows_returned.max(w.rows_scanned) + w.rows_written;
        let logical = if w.object_key != 0 { touched.div_ceil(ROWS_PER_PAGE) + INDEX_DEPTH } else { 0 };
        let missed =
            if logical > 0 { self.pool.touch(mix(w.object_key ^ w.database_id as u64), logical) } else { 0 };
        let read_ios = missed.div_ceil(PAGES_PER_READ_IO);
        let io_us = (profile.io_latency_ms * 1000.0) as u64;
        let log_us = (profile.log_latency_ms * 1000.0) as u64;
        let read_stall = read_ios * io_us;
        let data_file = self.files.file(w.database_id, 1);
        if read_ios > 0 {
            data_file.read(read_ios, missed * 8192, read_stall, 0);
            let wait = if w.kind == WorkKind::Write { Wait::PageIoLatchEx } else { Wait::PageIoLatchSh };
            self.waits.add(wait, read_ios, read_stall, 0);
        }
        let pages_written = w.rows_written.div_ceil(ROWS_PER_PAGE);
        if pages_written > 0 {
            // Dirty pages reach the data file through checkpoint / lazy writer (no session wait).
            data_file.write(
                pages_written.div_ceil(8),
                pages_written * 8192,
                pages_written.div_ceil(8) * io_us,
                0,
            );
            c.page_writes.fetch_add(pages_written, Relaxed);
        }
        let log_bytes = w.rows_written * LOG_BYTES_PER_ROW + w.commits * LOG_BYTES_PER_COMMIT;
        let mut governor = Duration::ZERO;
        if log_bytes > 0 {
            c.log_bytes.fetch_add(log_bytes, Relaxed);
            governor = self.log_rate(profile, log_bytes);
            if !governor.is_zero() {
                self.waits.add(Wait::InstanceLogRateGovernor, 1, governor.as_micros() as u64, 0);
            }
        }
        let log_stall = w.commits * log_us;
        if w.commits > 0 {
            let bytes = log_bytes.div_ceil(512) * 512;
            self.files.file(w.database_id, 2).write(w.commits, bytes, log_stall, 0);
            self.waits.add(Wait::WriteLog, w.commits, log_stall, 0);
            c.log_flushes.fetch_add(w.commits, Relaxed);
            c.log_flush_wait_us.fetch_add(log_stall, Relaxed);
        }
        if w.begins > 0 {
            c.transactions.fetch_add(w.begins, Relaxed);
            if w.kind == WorkKind::Write {
                c.write_transactions.fetch_add(w.begins, Relaxed);
            }
        }
        let extra_cpu = knobs.extra_cpu_us.load(Relaxed);
        // CPU is the larger of what SQLite spent and what the profile says the rows cost; the
        // statement sleeps the difference (and the knob's extra CPU).
        let modelled = (touched as f64 * profile.cpu_us_per_row) as u64;
        let sim_cpu = modelled.saturating_sub(w.exec_us) + extra_cpu;
        let cpu_us = w.exec_us.max(modelled) + extra_cpu;
        let running = self.active_requests.load(Relaxed).max(1) as u64;
        let cores = profile.cores.max(1) as u64;
        if running > cores {
            let yields = (cpu_us / 4000).max(1);
            let signal = cpu_us * (running - cores) / cores;
            self.waits.add(Wait::SosSchedulerYield, yields, signal, signal);
        }
        if w.blocked_us > 0 {
            let wait = if w.kind == WorkKind::Write { Wait::LckMX } else { Wait::LckMS };
            self.waits.add(wait, 1, w.blocked_us, 0);
            c.lock_waits.fetch_add(1, Relaxed);
            c.lock_wait_us.fetch_add(w.blocked_us, Relaxed);
        }
        if w.object_key != 0 {
            c.lock_requests.fetch_add(1 + w.rows_written, Relaxed);
            if w.full_scan {
                c.full_scans.fetch_add(1, Relaxed);
            } else {
                c.index_searches.fetch_add(1, Relaxed);
            }
        }
        c.cpu_us.fetch_add(cpu_us, Relaxed);
        c.logical_reads.fetch_add(logical, Relaxed);
        c.physical_reads.fetch_add(missed, Relaxed);
        c.read_ios.fetch_add(read_ios, Relaxed);
        c.rows_returned.fetch_add(w.rows_returned, Relaxed);
        if w.failed {
            c.errors.fetch_add(1, Relaxed);
        }
        let extra = Duration::from_micros(knobs.extra_latency_us.load(Relaxed));
        let shaping = Shaping {
            io: Duration::from_micros(read_stall),
            log: Duration::from_micros(log_stall),
            governor,
            cpu: Duration::from_micros(sim_cpu),
            extra,
        };
        let elapsed = w.exec_us + w.blocked_us + shaping.total().as_micros() as u64;
        if self.plans.execute(
            w.key,
            statement,
            w.database_id,
            now,
            Execution {
                worker_us: cpu_us as i64,
                physical_reads: missed as i64,
                logical_writes: pages_written as i64,
                logical_reads: logical as i64,
                elapsed_us: elapsed as i64,
                rows: (w.rows_returned + w.rows_written) as i64,
            },
        ) {
            c.compilations.fetch_add(1, Relaxed);
        }
        self.history.add(
            self.window_of(now),
            Window {
                cpu_us,
                io_requests: read_ios + w.commits + pages_written.div_ceil(8),
                read_bytes: missed * 8192,
                write_bytes: pages_written * 8192 + log_bytes,
            },
        );
        activity.cpu_us.fetch_add(cpu_us, Relaxed);
        activity.reads.fetch_add(missed, Relaxed);
        activity.logical_reads.fetch_add(logical, Relaxed);
        activity.writes.fetch_add(pages_written, Relaxed);
        activity.rows.fetch_add(w.rows_returned, Relaxed);
        if knobs.shaping.load(Relaxed) { shaping } else { Shaping::default() }
    }

    /// Managed Instance log-rate governance: the wait a statement gets when this second's log
    /// bytes exceed the profile's cap (the rest of the second).
    fn log_rate(&self, profile: &Profile, bytes: u64) -> Duration {
        let Some(cap_mb) = profile.log_rate_cap_mb_s else { return Duration::ZERO };
        let cap = (cap_mb * 1024.0 * 1024.0) as u64;
        let elapsed = self.started.elapsed();
        let second = elapsed.as_secs();
        if self.log_second.swap(second, Relaxed) != second {
            self.log_second_bytes.store(0, Relaxed);
        }
        let total = self.log_second_bytes.fetch_add(bytes, Relaxed) + bytes;
        if total <= cap {
            return Duration::ZERO;
        }
        Duration::from_secs(second + 1).saturating_sub(elapsed).max(Duration::from_millis(1))
    }
}
