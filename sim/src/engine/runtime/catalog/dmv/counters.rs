//! sys.dm_os_performance_counters: one declarative table of (object, counter, instances,
//! cntr_type, source) and one loop. Object names carry the instance's prefix (`SQLServer:`, or
//! `MSSQL$NAME:` for a named instance); database instances are names, or on Managed Instance
//! the physical_database_name GUIDs. nchar(128) columns are blank-padded, as on SQL Server.

use std::sync::atomic::Ordering::Relaxed;

use super::storage::{database_files, physical_database_name};
use super::{RowSet, int, text};
use crate::engine::runtime::session::Session;
use crate::load::LoadState;

const RAW: i64 = 65792;
const PER_SEC: i64 = 272_696_576;
const FRACTION: i64 = 537_003_264;
const AVERAGE: i64 = 1_073_874_176;
const BASE: i64 = 1_073_939_712;

/// Which instance_name rows a counter has.
#[derive(Clone, Copy)]
enum Inst {
    Blank,
    Total,
    Databases,
    Pools,
}

/// Where a counter's value comes from.
#[derive(Clone, Copy)]
enum Src {
    BatchRequests,
    Compilations,
    Recompilations,
    UserConnections,
    Blocked,
    Logins,
    Logouts,
    ActiveTransactions,
    PageLife,
    PageReads,
    PageWrites,
    HitRatio,
    HitBase,
    Zero,
    DatabasePages,
    TargetPages,
    TotalMemory,
    TargetMemory,
    FullScans,
    IndexSearches,
    PageSplits,
    LockRequests,
    LockWaits,
    LockWaitMs,
    Errors,
    FreeTempdb,
    CpuUsage,
    CpuBase,
    DbTransactions,
    DbLogBytes,
    DbLogFlushes,
    DbLogFlushWaitMs,
    DbDataKb,
    DbLogKb,
    DbLogUsedKb,
    DbPercentLogUsed,
}

use Inst::*;
use Src::*;

const COUNTERS: &[(&str, &str, Inst, i64, Src)] = &[
    ("SQL Statistics", "Batch Requests/sec", Blank, PER_SEC, BatchRequests),
    ("SQL Statistics", "SQL Compilations/sec", Blank, PER_SEC, Compilations),
    ("SQL Statistics", "SQL Re-Compilations/sec", Blank, PER_SEC, Recompilations),
    ("General Statistics", "User Connections", Blank, RAW, UserConnections),
    ("General Statistics", "Processes blocked", Blank, RAW, Blocked),
    ("General Statistics", "Logins/sec", Blank, PER_SEC, Logins),
    ("General Statistics", "Logouts/sec", Blank, PER_SEC, Logouts),
    ("General Statistics", "Transactions", Blank, RAW, ActiveTransactions),
    ("Buffer Manager", "Buffer cache hit ratio", Blank, FRACTION, HitRatio),
    ("Buffer Manager", "Buffer cache hit ratio base", Blank, BASE, HitBase),
    ("Buffer Manager", "Page life expectancy", Blank, RAW, PageLife),
    ("Buffer Manager", "Page reads/sec", Blank, PER_SEC, PageReads),
    ("Buffer Manager", "Page writes/sec", Blank, PER_SEC, PageWrites),
    ("Buffer Manager", "Lazy writes/sec", Blank, PER_SEC, Zero),
    ("Buffer Manager", "Checkpoint pages/sec", Blank, PER_SEC, PageWrites),
    ("Buffer Manager", "Database pages", Blank, RAW, DatabasePages),
    ("Buffer Manager", "Target pages", Blank, RAW, TargetPages),
    ("Memory Manager", "Total Server Memory (KB)", Blank, RAW, TotalMemory),
    ("Memory Manager", "Target Server Memory (KB)", Blank, RAW, TargetMemory),
    ("Memory Manager", "Memory Grants Pending", Blank, RAW, Zero),
    ("Access Methods", "Full Scans/sec", Blank, PER_SEC, FullScans),
    ("Access Methods", "Index Searches/sec", Blank, PER_SEC, IndexSearches),
    ("Access Methods", "Page Splits/sec", Blank, PER_SEC, PageSplits),
    ("Locks", "Lock Requests/sec", Total, PER_SEC, LockRequests),
    ("Locks", "Lock Waits/sec", Total, PER_SEC, LockWaits),
    ("Locks", "Lock Wait Time (ms)", Total, PER_SEC, LockWaitMs),
    ("Locks", "Average Wait Time (ms)", Total, AVERAGE, LockWaitMs),
    ("Locks", "Average Wait Time Base", Total, BASE, LockWaits),
    ("Locks", "Number of Deadlocks/sec", Total, PER_SEC, Zero),
    ("Latches", "Latch Waits/sec", Blank, PER_SEC, Zero),
    ("Latches", "Average Latch Wait Time (ms)", Blank, AVERAGE, Zero),
    ("Latches", "Average Latch Wait Time Base", Blank, BASE, Zero),
    ("SQL Errors", "Errors/sec", Total, PER_SEC, Errors),
    ("Transactions", "Version Store Size (KB)", Blank, RAW, Zero),
    ("Transactions", "Free Space in tempdb (KB)", Blank, RAW, FreeTempdb),
    ("Resource Pool Stats", "CPU usage %", Pools, FRACTION, CpuUsage),
    ("Resource Pool Stats", "CPU usage % base", Pools, BASE, CpuBase),
    ("Databases", "Transactions/sec", Databases, PER_SEC, DbTransactions),
    ("Databases", "Write Transactions/sec", Databases, PER_SEC, DbTransactions),
    ("Databases", "Log Bytes Flushed/sec", Databases, PER_SEC, DbLogBytes),
    ("Databases", "Log Flushes/sec", Databases, PER_SEC, DbLogFlushes),
    ("Databases", "Log Flush Wait Time", Databases, PER_SEC, DbLogFlushWaitMs),
    ("Databases", "Data File(s) Size (KB)", Databases, RAW, DbDataKb),
    ("Databases", "Log File(s) Size (KB)", Databases, RAW, DbLogKb),
    ("Databases", "Log File(s) Used Size (KB)", Databases, RAW, DbLogUsedKb),
    ("Databases", "Percent Log Used", Databases, RAW, DbPercentLogUsed),
];

/// The prefix of object_name: `SQLServer:` or `MSSQL$NAME:` for a named instance.
pub(crate) fn object_prefix(service_name: Option<&str>) -> String {
    match service_name {
        Some(s) if !s.eq_ignore_ascii_case("MSSQLSERVER") => format!("MSSQL${s}:"),
        _ => "SQLServer:".to_string(),
    }
}

fn pad(s: &str) -> rusqlite::types::Value {
    text(format!("{s:<128}"))
}

/// One database's (or `_Total`'s) per-database values.
struct Db {
    instance_name: String,
    ids: Vec<i64>,
}

pub(crate) fn rows(session: &Session) -> RowSet {
    let instance = session.instance();
    let load = instance.load();
    let prefix = object_prefix(instance.identity().service_name.as_deref());
    let files = database_files(instance);
    let mut dbs: Vec<Db> = instance
        .databases()
        .iter()
        .map(|d| Db { instance_name: physical_database_name(instance, &d.name, d.id), ids: vec![d.id] })
        .collect();
    dbs.push(Db { instance_name: "_Total".into(), ids: instance.databases().iter().map(|d| d.id).collect() });
    let mut set = RowSet::new(&["object_name", "counter_name", "instance_name", "cntr_value", "cntr_type"]);
    for (object, counter, inst, ty, src) in COUNTERS {
        let object = format!("{prefix}{object}");
        let mut push = |instance_name: &str, value: i64| {
            set.push(vec![pad(&object), pad(counter), pad(instance_name), int(value), int(*ty)]);
        };
        match inst {
            Blank => push("", value(session, &load, *src)),
            Total => push("_Total", value(session, &load, *src)),
            Pools => {
                push("default", value(session, &load, *src));
                push("internal", if matches!(src, CpuBase) { value(session, &load, *src) } else { 0 });
            }
            Databases => {
                for db in &dbs {
                    let v = db.ids.iter().map(|id| db_value(&load, &files, *id, *src)).sum::<i64>();
                    let v = if matches!(src, DbPercentLogUsed) { v / db.ids.len().max(1) as i64 } else { v };
                    push(&db.instance_name, v);
                }
            }
        }
    }
    set
}

fn value(session: &Session, load: &LoadState, src: Src) -> i64 {
    let c = &load.counters;
    let g = |a: &std::sync::atomic::AtomicU64| a.load(Relaxed) as i64;
    let (target, committed) = super::os::memory_kb(session);
    match src {
        BatchRequests => g(&c.batch_requests),
        Compilations => g(&c.compilations),
        Recompilations => g(&c.recompilations),
        UserConnections => load.sessions.lock().unwrap_or_else(|p| p.into_inner()).len() as i64,
        Blocked => load.activities().iter().filter(|a| a.blocking_spid.load(Relaxed) != 0).count() as i64,
        Logins => g(&c.logins),
        Logouts => g(&c.logouts),
        ActiveTransactions => {
            load.activities().iter().filter(|a| a.open_transactions.load(Relaxed) > 0).count() as i64
        }
        PageLife => super::os::now(session).uptime_ms / 1000,
        PageReads => g(&c.physical_reads),
        PageWrites => g(&c.page_writes),
        HitRatio => g(&c.logical_reads) - g(&c.physical_reads),
        HitBase => g(&c.logical_reads),
        Zero => 0,
        DatabasePages => load.pool.cached_pages() as i64,
        TargetPages => target / 8,
        TotalMemory => committed,
        TargetMemory => target,
        FullScans => g(&c.full_scans),
        IndexSearches => g(&c.index_searches),
        PageSplits => g(&c.page_writes) / 10,
        LockRequests => g(&c.lock_requests),
        LockWaits => g(&c.lock_waits),
        LockWaitMs => g(&c.lock_wait_us) / 1000,
        Errors => g(&c.errors),
        FreeTempdb => 8 * 1024 * 1024,
        // CPU usage % (value / base × 100): busy time over the cores' time since start.
        CpuUsage => g(&c.cpu_us) / 1000,
        CpuBase => super::os::now(session).uptime_ms * i64::from(session.instance().profile().cores.max(1)),
        _ => 0,
    }
}

fn db_value(load: &LoadState, files: &[super::storage::DbFile], id: i64, src: Src) -> i64 {
    let log = load.files.get(id, 2);
    let l = |f: fn(&crate::load::files::FileIo) -> u64| log.as_ref().map(|x| f(x) as i64).unwrap_or(0);
    let size_kb = |ty: i64| {
        files
            .iter()
            .filter(|f| f.database_id == id && f.file_type == ty)
            .map(|f| f.size_pages * 8)
            .sum::<i64>()
    };
    match src {
        DbTransactions => l(|x| x.writes.load(Relaxed)),
        DbLogBytes => l(|x| x.bytes_written.load(Relaxed)),
        DbLogFlushes => l(|x| x.writes.load(Relaxed)),
        DbLogFlushWaitMs => l(|x| x.stall_write_us.load(Relaxed)) / 1000,
        DbDataKb => size_kb(0),
        DbLogKb => size_kb(1),
        DbLogUsedKb => (l(|x| x.bytes_written.load(Relaxed)) / 1024).min(size_kb(1)),
        DbPercentLogUsed => {
            let total = size_kb(1).max(1);
            ((l(|x| x.bytes_written.load(Relaxed)) / 1024).min(total) * 100 / total).max(1)
        }
        _ => 0,
    }
}
