//! The demand metrics as one table ([`METRICS`]): each metric's key, unit, meaning, how its
//! per-time value is built from the samples at one sample time, and where it comes from (the
//! collector family and DMV, for saying what would provide it when it is unknown).

use super::baseline::{Baseline, Sample};

pub const MIB: f64 = 1024.0 * 1024.0;
pub const GIB: f64 = MIB * 1024.0;

/// How a metric's per-time value is built from the samples at one time.
pub type Build = fn(&[&Sample], &Baseline) -> Option<f64>;

/// One metric of the table.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    pub key: &'static str,
    pub unit: &'static str,
    pub what: &'static str,
    pub build: Build,
    pub from: &'static From,
}

/// Where a metric comes from: the collector families that carry it and the DMVs they read.
#[derive(Clone, Copy, Debug)]
pub struct From {
    pub families: &'static [&'static str],
    pub dmv: &'static str,
}

/// The grant every DMV here needs.
pub const PERMISSION: &str = "VIEW SERVER STATE (SQL Server 2022 and later: VIEW SERVER PERFORMANCE STATE)";

const CPU: From = From {
    families: &["perf_counters", "cpu", "resource_stats"],
    dmv: "sys.dm_os_performance_counters (Resource Pool Stats: CPU usage %) or sys.dm_os_ring_buffers (scheduler monitor) with sys.dm_os_sys_info (cpu_count); sys.server_resource_stats on Managed Instance",
};
const PERF: From = From { families: &["perf_counters"], dmv: "sys.dm_os_performance_counters" };
const FILES: From = From { families: &["file_stats"], dmv: "sys.dm_io_virtual_file_stats" };
const WAITS: From = From { families: &["waits"], dmv: "sys.dm_os_wait_stats" };
const TEMPDB: From = From { families: &["tempdb"], dmv: "tempdb.sys.dm_db_file_space_usage" };

const fn m(
    key: &'static str,
    unit: &'static str,
    what: &'static str,
    build: Build,
    from: &'static From,
) -> Metric {
    Metric { key, unit, what, build, from }
}

/// The table, in the order reports show it.
pub const METRICS: &[Metric] = &[
    m("cpu_cores", "cores", "cores in use (CPU % × cores)", cpu_cores, &CPU),
    m("memory_gb", "GB", "memory SQL Server holds (Total Server Memory)", memory_gb, &PERF),
    m("page_life_expectancy", "s", "page life expectancy", ple, &PERF),
    m("iops", "IO/s", "data and log IOPS (reads + writes, all files)", iops, &FILES),
    m("read_mib_s", "MiB/s", "read throughput", read_mib_s, &FILES),
    m("write_mib_s", "MiB/s", "write throughput", write_mib_s, &FILES),
    m("data_read_latency_ms", "ms", "data-file read latency the workload saw", data_read_latency, &FILES),
    m("data_reads_s", "IO/s", "data-file reads (tempdb apart)", data_reads, &FILES),
    m("log_write_latency_ms", "ms", "log-file write latency the workload saw", log_write_latency, &FILES),
    m("log_writes_s", "IO/s", "log-file writes (log flushes, tempdb apart)", log_writes, &FILES),
    m("commits_s", "1/s", "writing transactions committed (Write Transactions/sec)", commits, &PERF),
    m(
        "writelog_waits_s",
        "1/s",
        "WRITELOG waits (commits waiting for their log flush)",
        writelog_waits,
        &WAITS,
    ),
    m("writelog_wait_ms", "ms", "mean WRITELOG wait (the commit latency felt)", writelog_ms, &WAITS),
    m("tempdb_latency_ms", "ms", "tempdb file latency (reads and writes)", tempdb_latency, &FILES),
    m("io_mib_s", "MiB/s", "read + write throughput", io_mib_s, &FILES),
    m("log_rate_mib_s", "MiB/s", "log generation rate (Log Bytes Flushed/sec)", log_rate, &PERF),
    m("tempdb_gb", "GB", "tempdb in use (version store + user + internal objects)", tempdb_used, &TEMPDB),
    m("tempdb_size_gb", "GB", "tempdb files' size", tempdb_size, &FILES),
    m("data_gib", "GiB", "data files' size (user and msdb/model/master)", data_size, &FILES),
    m("log_gib", "GiB", "log files' size", log_size, &FILES),
];

pub fn of<'a>(
    rows: &'a [&'a Sample],
    family: &'a str,
    metric: &'a str,
) -> impl Iterator<Item = &'a &'a Sample> + 'a {
    rows.iter().filter(move |s| s.family == family && s.metric == metric)
}

fn sum(rows: &[&Sample], family: &str, metric: &str) -> Option<f64> {
    let mut it = of(rows, family, metric).peekable();
    it.peek()?;
    Some(it.map(|s| s.value).sum())
}

/// Managed Instance: `avg_cpu_percent` of its vCores. SQL Server: the resource pools' CPU usage %
/// (every sample), else the scheduler monitor's (a record about once a minute), both % of the
/// machine's `cpu_count`.
fn cpu_cores(rows: &[&Sample], b: &Baseline) -> Option<f64> {
    let first = |family: &str, metric: &str| of(rows, family, metric).map(|s| s.value).next();
    if let Some(pct) = first("resource_stats", "cpu_percent") {
        return Some(pct / 100.0 * first("resource_stats", "vcores").or(b.instance.cpu_count)?);
    }
    let pct =
        first("perf_counters", "cpu_resource_pools_percent").or_else(|| first("cpu", "cpu_sql_percent"))?;
    Some(pct / 100.0 * b.instance.cpu_count?)
}

fn memory_gb(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    sum(rows, "perf_counters", "total_server_memory_bytes").map(|b| b / 1e9)
}

fn ple(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    of(rows, "perf_counters", "page_life_expectancy_seconds").map(|s| s.value).reduce(f64::min)
}

fn files<'a>(
    rows: &'a [&'a Sample],
    metric: &'a str,
    file_type: Option<&'a str>,
) -> impl Iterator<Item = &'a &'a Sample> + 'a {
    of(rows, "file_stats", metric).filter(move |s| {
        s.label("database") != "RBPEX" && file_type.is_none_or(|t| s.label("file_type") == t)
    })
}

fn iops(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    let r = sum(rows, "file_stats", "io_reads")?;
    Some(r + sum(rows, "file_stats", "io_writes").unwrap_or(0.0))
}

fn read_mib_s(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    sum(rows, "file_stats", "io_read_bytes").map(|b| b / MIB)
}

fn write_mib_s(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    sum(rows, "file_stats", "io_written_bytes").map(|b| b / MIB)
}

/// The files of one type outside tempdb (tempdb is on local SSD on every tier).
fn user_files<'a>(
    rows: &'a [&'a Sample],
    metric: &'a str,
    file_type: &'a str,
) -> impl Iterator<Item = &'a &'a Sample> + 'a {
    files(rows, metric, Some(file_type)).filter(|s| s.label("database") != "tempdb")
}

/// Σ stall / Σ operations over the files of one type (tempdb apart) at one time, in ms.
fn latency(rows: &[&Sample], stall: &str, ops: &str, file_type: &str) -> Option<f64> {
    let s: f64 = user_files(rows, stall, file_type).map(|s| s.value).sum();
    let n: f64 = user_files(rows, ops, file_type).map(|s| s.value).sum();
    (n > 0.0).then(|| s / n * 1000.0)
}

/// Σ of one file metric over the files of one type (tempdb apart), when any file reports it.
fn file_sum(rows: &[&Sample], metric: &str, file_type: &str) -> Option<f64> {
    let mut it = user_files(rows, metric, file_type).peekable();
    it.peek()?;
    Some(it.map(|s| s.value).sum())
}

fn data_read_latency(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    latency(rows, "io_stall_read_seconds", "io_reads", "ROWS")
}

fn data_reads(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    file_sum(rows, "io_reads", "ROWS")
}

fn log_write_latency(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    latency(rows, "io_stall_write_seconds", "io_writes", "LOG")
}

fn log_writes(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    file_sum(rows, "io_writes", "LOG")
}

fn counter(rows: &[&Sample], object: &str, name: &str, instance: &str) -> Option<f64> {
    of(rows, "perf_counters", "perf_counter")
        .find(|s| {
            s.label("object").eq_ignore_ascii_case(object)
                && s.label("counter").eq_ignore_ascii_case(name)
                && s.label("counter_instance") == instance
        })
        .map(|s| s.value)
}

fn commits(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    counter(rows, "Databases", "Write Transactions/sec", "_Total")
}

fn wait(rows: &[&Sample], metric: &str, wait_type: &str) -> Option<f64> {
    of(rows, "waits", metric).find(|s| s.label("wait_type") == wait_type).map(|s| s.value)
}

fn writelog_waits(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    wait(rows, "waits", "WRITELOG")
}

fn writelog_ms(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    let n = wait(rows, "waits", "WRITELOG").filter(|n| *n > 0.0)?;
    Some(wait(rows, "wait_time_seconds", "WRITELOG")? / n * 1000.0)
}

fn tempdb_latency(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    let tempdb = |metric: &'static str| -> f64 {
        files(rows, metric, None).filter(|s| s.label("database") == "tempdb").map(|s| s.value).sum()
    };
    let n = tempdb("io_reads") + tempdb("io_writes");
    (n > 0.0).then(|| (tempdb("io_stall_read_seconds") + tempdb("io_stall_write_seconds")) / n * 1000.0)
}

fn io_mib_s(rows: &[&Sample], b: &Baseline) -> Option<f64> {
    let r = read_mib_s(rows, b)?;
    Some(r + write_mib_s(rows, b).unwrap_or(0.0))
}

fn log_rate(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    sum(rows, "perf_counters", "log_flushed_bytes").map(|b| b / MIB)
}

fn tempdb_used(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    let parts = ["tempdb_version_store_bytes", "tempdb_user_object_bytes", "tempdb_internal_object_bytes"];
    let found: Vec<f64> = parts.iter().filter_map(|m| sum(rows, "tempdb", m)).collect();
    (!found.is_empty()).then(|| found.iter().sum::<f64>() / 1e9)
}

fn tempdb_size(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    let mut it = files(rows, "file_size_bytes", None).filter(|s| s.label("database") == "tempdb").peekable();
    it.peek()?;
    Some(it.map(|s| s.value).sum::<f64>() / 1e9)
}

fn size_of(rows: &[&Sample], file_type: &str) -> Option<f64> {
    let mut it = files(rows, "file_size_bytes", Some(file_type))
        .filter(|s| s.label("database") != "tempdb")
        .peekable();
    it.peek()?;
    Some(it.map(|s| s.value).sum::<f64>() / GIB)
}

fn data_size(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    size_of(rows, "ROWS")
}

fn log_size(rows: &[&Sample], _: &Baseline) -> Option<f64> {
    size_of(rows, "LOG")
}
