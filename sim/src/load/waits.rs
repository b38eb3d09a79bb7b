//! The wait types an instance reports (sys.dm_os_wait_stats rows) and their cumulative
//! counters.
//!
//! The first rows are the waits the load model charges ([`Wait`]); then the other waits a
//! server shows with small counts; then the idle/benign waits the major collectors ignore
//! (`shared/data/benign-waits.txt`). Idle waits are not charged per statement: they accrue
//! with uptime ([`IDLE_RATES`]), as background tasks sleeping do.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The waits the load model charges, by index into [`WAIT_TYPES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Wait {
    PageIoLatchSh = 0,
    PageIoLatchEx = 1,
    WriteLog = 2,
    LckMS = 3,
    LckMIx = 4,
    LckMX = 5,
    LckMU = 6,
    SosSchedulerYield = 7,
    InstanceLogRateGovernor = 8,
    AsyncNetworkIo = 9,
    IoQueueLimit = 10,
}

impl Wait {
    pub fn name(self) -> &'static str {
        WAIT_TYPES[self as usize]
    }
}

/// Every wait type, in the order rows are returned.
pub const WAIT_TYPES: &[&str] = &[
    "PAGEIOLATCH_SH",
    "PAGEIOLATCH_EX",
    "WRITELOG",
    "LCK_M_S",
    "LCK_M_IX",
    "LCK_M_X",
    "LCK_M_U",
    "SOS_SCHEDULER_YIELD",
    "INSTANCE_LOG_RATE_GOVERNOR",
    "ASYNC_NETWORK_IO",
    "IO_QUEUE_LIMIT",
    "PAGEIOLATCH_UP",
    "PAGELATCH_SH",
    "PAGELATCH_EX",
    "PAGELATCH_UP",
    "LATCH_EX",
    "LATCH_SH",
    "CXPACKET",
    "CXSYNC_PORT",
    "RESOURCE_SEMAPHORE",
    "RESOURCE_SEMAPHORE_QUERY_COMPILE",
    "CMEMTHREAD",
    "THREADPOOL",
    "LCK_M_SCH_S",
    "LCK_M_SCH_M",
    "LCK_M_IS",
    "LCK_M_IU",
    "LOGBUFFER",
    "LOG_RATE_GOVERNOR",
    "POOL_LOG_RATE_GOVERNOR",
    "HADR_SYNC_COMMIT",
    "HADR_THROTTLE_LOG_RATE_GOVERNOR",
    "RBIO_COMM_RETRY",
    "PREEMPTIVE_OS_WRITEFILEGATHER",
    "PREEMPTIVE_OS_FILEOPS",
    "IO_COMPLETION",
    "WRITE_COMPLETION",
    "BACKUPIO",
    "BACKUPBUFFER",
    "MSQL_XP",
    "OLEDB",
    "SOS_WORK_DISPATCHER",
    "BROKER_EVENTHANDLER",
    "BROKER_RECEIVE_WAITFOR",
    "BROKER_TASK_STOP",
    "BROKER_TO_FLUSH",
    "BROKER_TRANSMITTER",
    "CHECKPOINT_QUEUE",
    "CHKPT",
    "CLR_AUTO_EVENT",
    "CLR_MANUAL_EVENT",
    "CLR_SEMAPHORE",
    "CXCONSUMER",
    "DBMIRRORING_CMD",
    "DBMIRROR_DBM_EVENT",
    "DBMIRROR_DBM_MUTEX",
    "DBMIRROR_EVENTS_QUEUE",
    "DBMIRROR_QUEUE",
    "DBMIRROR_WORKER_QUEUE",
    "DIRTY_PAGE_POLL",
    "DISPATCHER_QUEUE_SEMAPHORE",
    "EXECSYNC",
    "FSAGENT",
    "FT_IFTSHC_MUTEX",
    "FT_IFTSISM_MUTEX",
    "FT_IFTS_SCHEDULER_IDLE_WAIT",
    "HADR_CLUSAPI_CALL",
    "HADR_FABRIC_CALLBACK",
    "HADR_FILESTREAM_IOMGR_IOCOMPLETION",
    "HADR_LOGCAPTURE_WAIT",
    "HADR_NOTIFICATION_DEQUEUE",
    "HADR_TIMER_TASK",
    "HADR_WORK_QUEUE",
    "KSOURCE_WAKEUP",
    "LAZYWRITER_SLEEP",
    "LOGMGR_QUEUE",
    "MEMORY_ALLOCATION_EXT",
    "ONDEMAND_TASK_QUEUE",
    "PARALLEL_REDO_DRAIN_WORKER",
    "PARALLEL_REDO_LOG_CACHE",
    "PARALLEL_REDO_TRAN_LIST",
    "PARALLEL_REDO_TRAN_TURN",
    "PARALLEL_REDO_WORKER_SYNC",
    "PARALLEL_REDO_WORKER_WAIT_WORK",
    "POPULATE_LOCK_ORDINALS",
    "PREEMPTIVE_HADR_LEASE_MECHANISM",
    "PREEMPTIVE_HTTP_EVENT_WAIT",
    "PREEMPTIVE_OS_AUTHENTICATIONOPS",
    "PREEMPTIVE_OS_COMOPS",
    "PREEMPTIVE_OS_CRYPTOPS",
    "PREEMPTIVE_OS_DEVICEOPS",
    "PREEMPTIVE_OS_FLUSHFILEBUFFERS",
    "PREEMPTIVE_OS_GENERICOPS",
    "PREEMPTIVE_OS_LIBRARYOPS",
    "PREEMPTIVE_OS_PIPEOPS",
    "PREEMPTIVE_OS_QUERYREGISTRY",
    "PREEMPTIVE_OS_VERIFYTRUST",
    "PREEMPTIVE_OS_WRITEFILE",
    "PREEMPTIVE_SP_SERVER_DIAGNOSTICS",
    "PREEMPTIVE_XE_CALLBACKEXECUTE",
    "PREEMPTIVE_XE_DISPATCHER",
    "PREEMPTIVE_XE_GETTARGETSTATE",
    "PREEMPTIVE_XE_SESSIONCOMMIT",
    "PREEMPTIVE_XE_TARGETFINALIZE",
    "PREEMPTIVE_XE_TARGETINIT",
    "PVS_PREALLOCATE",
    "PWAIT_ALL_COMPONENTS_INITIALIZED",
    "PWAIT_DIRECTLOGCONSUMER_GETNEXT",
    "PWAIT_EXTENSIBILITY_CLEANUP_TASK",
    "QDS_ASYNC_QUEUE",
    "QDS_CLEANUP_STALE_QUERIES_TASK_MAIN_LOOP_SLEEP",
    "QDS_PERSIST_TASK_MAIN_LOOP_SLEEP",
    "QDS_SHUTDOWN_QUEUE",
    "REDO_THREAD_PENDING_WORK",
    "REQUEST_FOR_DEADLOCK_SEARCH",
    "RESERVED_MEMORY_ALLOCATION_EXT",
    "RESOURCE_QUEUE",
    "SERVER_IDLE_CHECK",
    "SLEEP_BPOOL_FLUSH",
    "SLEEP_DBSTARTUP",
    "SLEEP_DCOMSTARTUP",
    "SLEEP_MASTERDBREADY",
    "SLEEP_MASTERMDREADY",
    "SLEEP_MASTERUPGRADED",
    "SLEEP_MSDBSTARTUP",
    "SLEEP_SYSTEMTASK",
    "SLEEP_TASK",
    "SLEEP_TEMPDBSTARTUP",
    "SNI_HTTP_ACCEPT",
    "SP_SERVER_DIAGNOSTICS_SLEEP",
    "SQLTRACE_BUFFER_FLUSH",
    "SQLTRACE_INCREMENTAL_FLUSH_SLEEP",
    "SQLTRACE_WAIT_ENTRIES",
    "STARTUP_DEPENDENCY_MANAGER",
    "UCS_SESSION_REGISTRATION",
    "VDI_CLIENT_OTHER",
    "WAITFOR",
    "WAITFOR_TASKSHUTDOWN",
    "WAIT_FOR_RESULTS",
    "WAIT_XTP_CKPT_CLOSE",
    "WAIT_XTP_HOST_WAIT",
    "WAIT_XTP_OFFLINE_CKPT_NEW_LOG",
    "WAIT_XTP_RECOVERY",
    "XE_BUFFERMGR_ALLPROCESSED_EVENT",
    "XE_DISPATCHER_JOIN",
    "XE_DISPATCHER_WAIT",
    "XE_LIVE_TARGET_TVF",
    "XE_TIMER_EVENT",
];

/// Idle waits that accrue with uptime: (wait type, waits per minute, share of the time waited).
pub const IDLE_RATES: &[(&str, f64, f64)] = &[
    ("LAZYWRITER_SLEEP", 60.0, 1.0),
    ("SQLTRACE_INCREMENTAL_FLUSH_SLEEP", 15.0, 1.0),
    ("XE_TIMER_EVENT", 2.0, 1.0),
    ("XE_DISPATCHER_WAIT", 2.0, 1.0),
    ("REQUEST_FOR_DEADLOCK_SEARCH", 12.0, 1.0),
    ("LOGMGR_QUEUE", 30.0, 1.0),
    ("CHECKPOINT_QUEUE", 1.0, 1.0),
    ("DIRTY_PAGE_POLL", 600.0, 1.0),
    ("SP_SERVER_DIAGNOSTICS_SLEEP", 12.0, 1.0),
    ("HADR_FILESTREAM_IOMGR_IOCOMPLETION", 120.0, 1.0),
    ("QDS_PERSIST_TASK_MAIN_LOOP_SLEEP", 1.0, 1.0),
    ("SLEEP_TASK", 600.0, 0.9),
    ("BROKER_TO_FLUSH", 120.0, 1.0),
];

/// One wait type's cumulative counters (microseconds inside, milliseconds on the view).
#[derive(Debug, Default)]
pub struct WaitCell {
    pub count: AtomicU64,
    pub time_us: AtomicU64,
    pub signal_us: AtomicU64,
    pub max_us: AtomicU64,
}

/// The counters of every wait type, indexed like [`WAIT_TYPES`].
#[derive(Debug)]
pub struct WaitStats {
    cells: Vec<WaitCell>,
}

impl Default for WaitStats {
    fn default() -> Self {
        WaitStats { cells: WAIT_TYPES.iter().map(|_| WaitCell::default()).collect() }
    }
}

impl WaitStats {
    /// Charges `count` waits lasting `time_us` in total (`signal_us` of it runnable).
    pub fn add(&self, wait: Wait, count: u64, time_us: u64, signal_us: u64) {
        let c = &self.cells[wait as usize];
        c.count.fetch_add(count, Relaxed);
        c.time_us.fetch_add(time_us, Relaxed);
        c.signal_us.fetch_add(signal_us, Relaxed);
        c.max_us.fetch_max(time_us / count.max(1), Relaxed);
    }

    pub fn cell(&self, index: usize) -> &WaitCell {
        &self.cells[index]
    }

    /// DBCC SQLPERF('sys.dm_os_wait_stats', CLEAR).
    pub fn clear(&self) {
        for c in &self.cells {
            c.count.store(0, Relaxed);
            c.time_us.store(0, Relaxed);
            c.signal_us.store(0, Relaxed);
            c.max_us.store(0, Relaxed);
        }
    }
}

/// (waiting_tasks_count, wait_time_ms) an idle wait has accrued over `elapsed_ms`.
pub fn idle_accrued(name: &str, elapsed_ms: i64) -> Option<(i64, i64)> {
    let (_, per_minute, share) = IDLE_RATES.iter().find(|(n, _, _)| *n == name)?;
    let elapsed_ms = elapsed_ms.max(0);
    let count = (elapsed_ms as f64 / 60_000.0 * per_minute) as i64;
    Some((count, (elapsed_ms as f64 * share) as i64))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_wait_type_appears_once_and_idle_rates_name_known_waits() {
        let mut names: Vec<&str> = super::WAIT_TYPES.to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), super::WAIT_TYPES.len());
        for (name, _, _) in super::IDLE_RATES {
            assert!(super::WAIT_TYPES.contains(name), "{name}");
        }
    }
}
