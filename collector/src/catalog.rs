//! The query catalog, declared as data: family → query (per edition and version) → columns →
//! metric kind and unit. One generic loop ([`crate::sampler`]) runs it; only the shapes that
//! need maths of their own (performance counters, the ring buffer, query stats) name a shape.
//!
//! Every family is one `SELECT` returning one result set, so the per-interval families of a
//! round go to the server as one batch (one round trip).

use cutover_mssql::EditionFamily;

/// How often a family is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Every `--interval` (counters, waits, IO, CPU, memory, schedulers, requests, space).
    Fast,
    /// Every `--query-interval` (query stats).
    Queries,
}

/// Cumulative or point-in-time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value at the moment of the sample.
    Gauge,
    /// A cumulative value: the baseline stores its rate per second, Prometheus the total.
    Counter,
}

/// One value column: its metric name (without the `mssql_` prefix and `_total`), kind, base
/// unit and the scale from the column to that unit.
#[derive(Clone, Copy, Debug)]
pub struct Value {
    pub column: &'static str,
    pub metric: &'static str,
    pub kind: Kind,
    pub unit: &'static str,
    pub scale: f64,
    pub help: &'static str,
}

const fn gauge(
    column: &'static str,
    metric: &'static str,
    unit: &'static str,
    scale: f64,
    help: &'static str,
) -> Value {
    Value { column, metric, kind: Kind::Gauge, unit, scale, help }
}

const fn counter(
    column: &'static str,
    metric: &'static str,
    unit: &'static str,
    scale: f64,
    help: &'static str,
) -> Value {
    Value { column, metric, kind: Kind::Counter, unit, scale, help }
}

/// A per-operation average computed from two counters' deltas (e.g. IO latency).
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    pub metric: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
    pub unit: &'static str,
    pub scale: f64,
}

/// What the rows of a family look like.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// Label columns and value columns, read generically.
    Table { labels: &'static [&'static str], values: &'static [Value], ratios: &'static [Ratio] },
    /// `object_name, counter_name, instance_name, cntr_value, cntr_type`: by cntr_type.
    PerfCounters,
    /// `record` (scheduler-monitor XML) parsed client-side.
    RingBuffer,
    /// Per query_hash cumulative stats; top N per interval; text stored once per hash.
    QueryStats,
}

/// Which servers a query text applies to.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub on_premises: bool,
    pub managed_instance: bool,
    pub sql_database: bool,
    /// Lowest major version (11 = 2012); 0 for any.
    pub min_major: u32,
    pub sql: &'static str,
}

const ALL: Variant =
    Variant { on_premises: true, managed_instance: true, sql_database: false, min_major: 0, sql: "" };

const fn all(sql: &'static str) -> Variant {
    Variant { sql, ..ALL }
}

const fn on_prem(sql: &'static str) -> Variant {
    Variant { sql, managed_instance: false, ..ALL }
}

const fn mi(sql: &'static str) -> Variant {
    Variant { sql, on_premises: false, ..ALL }
}

const fn sqldb(sql: &'static str) -> Variant {
    Variant { sql, on_premises: false, managed_instance: false, sql_database: true, min_major: 0 }
}

/// One family of the catalog.
#[derive(Clone, Copy, Debug)]
pub struct Family {
    pub name: &'static str,
    pub tier: Tier,
    /// Tried in order; the first that fits the server is used.
    pub variants: &'static [Variant],
    pub shape: Shape,
}

impl Family {
    /// The query for this server, or `None` when the family does not exist there.
    pub fn sql_for(&self, family: EditionFamily, major: Option<u32>) -> Option<&'static str> {
        self.variants
            .iter()
            .find(|v| {
                let edition = match family {
                    EditionFamily::OnPremises => v.on_premises,
                    EditionFamily::ManagedInstance => v.managed_instance,
                    EditionFamily::AzureSqlDatabase => v.sql_database,
                    EditionFamily::Other(_) => false,
                };
                edition && major.is_none_or(|m| m >= v.min_major)
            })
            .map(|v| v.sql)
    }
}

const KB: f64 = 1024.0;
const MS: f64 = 0.001;

/// The wait statistics values, shared by dm_os_wait_stats and dm_db_wait_stats.
const WAIT_VALUES: &[Value] = &[
    counter("waiting_tasks_count", "waits", "1", 1.0, "Waits completed, by wait type"),
    counter("wait_time_ms", "wait_time_seconds", "seconds", MS, "Time spent waiting, by wait type"),
    counter(
        "signal_wait_time_ms",
        "signal_wait_time_seconds",
        "seconds",
        MS,
        "Time waiting for a CPU after the wait ended",
    ),
];

const FILE_VALUES: &[Value] = &[
    counter("num_of_reads", "io_reads", "1", 1.0, "Reads issued on the file"),
    counter("num_of_bytes_read", "io_read_bytes", "bytes", 1.0, "Bytes read from the file"),
    counter("io_stall_read_ms", "io_stall_read_seconds", "seconds", MS, "Time reads waited"),
    counter("num_of_writes", "io_writes", "1", 1.0, "Writes issued on the file"),
    counter("num_of_bytes_written", "io_written_bytes", "bytes", 1.0, "Bytes written to the file"),
    counter("io_stall_write_ms", "io_stall_write_seconds", "seconds", MS, "Time writes waited"),
    counter(
        "io_stall_queued_read_ms",
        "io_stall_queued_read_seconds",
        "seconds",
        MS,
        "Read time queued by IO governance",
    ),
    counter(
        "io_stall_queued_write_ms",
        "io_stall_queued_write_seconds",
        "seconds",
        MS,
        "Write time queued by IO governance",
    ),
    gauge("size_on_disk_bytes", "file_size_bytes", "bytes", 1.0, "Size of the file on disk"),
];

const FILE_RATIOS: &[Ratio] = &[
    Ratio {
        metric: "io_read_latency_seconds",
        numerator: "io_stall_read_ms",
        denominator: "num_of_reads",
        unit: "seconds",
        scale: MS,
    },
    Ratio {
        metric: "io_write_latency_seconds",
        numerator: "io_stall_write_ms",
        denominator: "num_of_writes",
        unit: "seconds",
        scale: MS,
    },
];

/// The database label: its name; `RBPEX` for database_id 0 (the MI/Hyperscale remote buffer
/// pool extension cache); `database_id N` for a database dropped since.
const FILE_SQL: &str = "SELECT COALESCE(DB_NAME(vfs.database_id), CASE WHEN vfs.database_id = 0 THEN N'RBPEX' \
    ELSE N'database_id ' + CAST(vfs.database_id AS nvarchar(10)) END) AS [database], \
    COALESCE(mf.name, CAST(vfs.file_id AS nvarchar(10))) AS [file], \
    COALESCE(mf.type_desc, N'UNKNOWN') AS file_type, \
    vfs.num_of_reads, vfs.num_of_bytes_read, vfs.io_stall_read_ms, \
    vfs.num_of_writes, vfs.num_of_bytes_written, vfs.io_stall_write_ms, \
    vfs.io_stall_queued_read_ms, vfs.io_stall_queued_write_ms, vfs.size_on_disk_bytes \
    FROM sys.dm_io_virtual_file_stats(NULL, NULL) AS vfs \
    LEFT JOIN sys.master_files AS mf ON mf.database_id = vfs.database_id AND mf.file_id = vfs.file_id \
    WHERE vfs.database_id < 32760";

/// SQL Server 2012 has no queued stalls.
const FILE_SQL_2012: &str = "SELECT COALESCE(DB_NAME(vfs.database_id), CASE WHEN vfs.database_id = 0 THEN N'RBPEX' \
    ELSE N'database_id ' + CAST(vfs.database_id AS nvarchar(10)) END) AS [database], \
    COALESCE(mf.name, CAST(vfs.file_id AS nvarchar(10))) AS [file], \
    COALESCE(mf.type_desc, N'UNKNOWN') AS file_type, \
    vfs.num_of_reads, vfs.num_of_bytes_read, vfs.io_stall_read_ms, \
    vfs.num_of_writes, vfs.num_of_bytes_written, vfs.io_stall_write_ms, \
    CAST(0 AS bigint) AS io_stall_queued_read_ms, CAST(0 AS bigint) AS io_stall_queued_write_ms, vfs.size_on_disk_bytes \
    FROM sys.dm_io_virtual_file_stats(NULL, NULL) AS vfs \
    LEFT JOIN sys.master_files AS mf ON mf.database_id = vfs.database_id AND mf.file_id = vfs.file_id \
    WHERE vfs.database_id < 32760";

const MEMORY_VALUES: &[Value] = &[
    gauge(
        "total_physical_memory_kb",
        "os_memory_bytes",
        "bytes",
        KB,
        "Physical memory of the host (MI: of the VM)",
    ),
    gauge(
        "available_physical_memory_kb",
        "os_available_memory_bytes",
        "bytes",
        KB,
        "Available physical memory",
    ),
    gauge(
        "physical_memory_in_use_kb",
        "process_memory_bytes",
        "bytes",
        KB,
        "Working set of the SQL Server process",
    ),
    counter("page_fault_count", "process_page_faults", "1", 1.0, "Page faults of the process"),
    gauge(
        "memory_utilization_percentage",
        "process_memory_utilization_percent",
        "percent",
        1.0,
        "Committed memory in the working set",
    ),
    gauge(
        "process_memory_limit_mb",
        "process_memory_limit_bytes",
        "bytes",
        KB * KB,
        "Memory cap of the process (job object on MI)",
    ),
];

/// The catalog. Order is the order of result sets in the per-round batch.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "perf_counters",
        tier: Tier::Fast,
        variants: &[
            all(
                "SELECT object_name, counter_name, instance_name, cntr_value, cntr_type FROM sys.dm_os_performance_counters",
            ),
            sqldb(
                "SELECT object_name, counter_name, instance_name, cntr_value, cntr_type FROM sys.dm_os_performance_counters",
            ),
        ],
        shape: Shape::PerfCounters,
    },
    Family {
        name: "waits",
        tier: Tier::Fast,
        variants: &[
            all(
                "SELECT wait_type, waiting_tasks_count, wait_time_ms, signal_wait_time_ms FROM sys.dm_os_wait_stats",
            ),
            sqldb(
                "SELECT wait_type, waiting_tasks_count, wait_time_ms, signal_wait_time_ms FROM sys.dm_db_wait_stats",
            ),
        ],
        shape: Shape::Table { labels: &["wait_type"], values: WAIT_VALUES, ratios: &[] },
    },
    Family {
        name: "waiting_tasks",
        tier: Tier::Fast,
        variants: &[all(
            "SELECT wait_type, COUNT(*) AS tasks, SUM(wait_duration_ms) AS wait_ms, MAX(wait_duration_ms) AS max_wait_ms \
             FROM sys.dm_os_waiting_tasks WHERE wait_type IS NOT NULL GROUP BY wait_type",
        )],
        shape: Shape::Table {
            labels: &["wait_type"],
            values: &[
                gauge("tasks", "waiting_tasks", "1", 1.0, "Tasks waiting now, by wait type"),
                gauge(
                    "wait_ms",
                    "waiting_tasks_wait_seconds",
                    "seconds",
                    MS,
                    "Time the waiting tasks have waited so far",
                ),
                gauge(
                    "max_wait_ms",
                    "waiting_tasks_max_wait_seconds",
                    "seconds",
                    MS,
                    "Longest in-flight wait",
                ),
            ],
            ratios: &[],
        },
    },
    Family {
        name: "file_stats",
        tier: Tier::Fast,
        variants: &[Variant { min_major: 12, ..all(FILE_SQL) }, all(FILE_SQL_2012)],
        shape: Shape::Table {
            labels: &["database", "file", "file_type"],
            values: FILE_VALUES,
            ratios: FILE_RATIOS,
        },
    },
    Family {
        name: "cpu",
        tier: Tier::Fast,
        variants: &[on_prem(
            "SELECT TOP (1) rb.timestamp, si.ms_ticks, CAST(rb.record AS nvarchar(max)) AS record \
                 FROM sys.dm_os_ring_buffers AS rb CROSS JOIN sys.dm_os_sys_info AS si \
                 WHERE rb.ring_buffer_type = N'RING_BUFFER_SCHEDULER_MONITOR' AND rb.record LIKE N'%<SystemHealth>%' \
                 ORDER BY rb.timestamp DESC",
        )],
        shape: Shape::RingBuffer,
    },
    Family {
        name: "resource_stats",
        tier: Tier::Fast,
        variants: &[mi(
            "SELECT TOP (1) sku, virtual_core_count AS vcores, avg_cpu_percent, io_requests, io_bytes_read, io_bytes_written, \
             storage_space_used_mb, reserved_storage_mb FROM sys.server_resource_stats ORDER BY start_time DESC",
        )],
        shape: Shape::Table {
            labels: &["sku"],
            values: &[
                gauge("vcores", "vcores", "1", 1.0, "vCores of the Managed Instance"),
                gauge(
                    "avg_cpu_percent",
                    "cpu_percent",
                    "percent",
                    1.0,
                    "Instance CPU, 15-second window (sys.server_resource_stats)",
                ),
                gauge(
                    "io_requests",
                    "window_io_requests",
                    "1",
                    1.0,
                    "IO requests in the latest 15-second window",
                ),
                gauge(
                    "io_bytes_read",
                    "window_io_read_bytes",
                    "bytes",
                    1.0,
                    "Bytes read in the latest window",
                ),
                gauge(
                    "io_bytes_written",
                    "window_io_written_bytes",
                    "bytes",
                    1.0,
                    "Bytes written in the latest window",
                ),
                gauge("storage_space_used_mb", "storage_used_bytes", "bytes", KB * KB, "Storage used"),
                gauge("reserved_storage_mb", "storage_reserved_bytes", "bytes", KB * KB, "Storage reserved"),
            ],
            ratios: &[],
        },
    },
    Family {
        name: "memory",
        tier: Tier::Fast,
        variants: &[
            on_prem(
                "SELECT sm.total_physical_memory_kb, sm.available_physical_memory_kb, pm.physical_memory_in_use_kb, \
                 pm.page_fault_count, pm.memory_utilization_percentage, CAST(NULL AS bigint) AS process_memory_limit_mb \
                 FROM sys.dm_os_sys_memory AS sm CROSS JOIN sys.dm_os_process_memory AS pm",
            ),
            mi(
                "SELECT sm.total_physical_memory_kb, sm.available_physical_memory_kb, pm.physical_memory_in_use_kb, \
                 pm.page_fault_count, pm.memory_utilization_percentage, jo.process_memory_limit_mb \
                 FROM sys.dm_os_sys_memory AS sm CROSS JOIN sys.dm_os_process_memory AS pm CROSS JOIN sys.dm_os_job_object AS jo",
            ),
        ],
        shape: Shape::Table { labels: &[], values: MEMORY_VALUES, ratios: &[] },
    },
    Family {
        name: "memory_clerks",
        tier: Tier::Fast,
        variants: &[all(
            "SELECT TOP (20) type AS clerk, SUM(pages_kb) AS pages_kb FROM sys.dm_os_memory_clerks \
             GROUP BY type ORDER BY SUM(pages_kb) DESC",
        )],
        shape: Shape::Table {
            labels: &["clerk"],
            values: &[gauge(
                "pages_kb",
                "memory_clerk_bytes",
                "bytes",
                KB,
                "Memory held by the largest clerks",
            )],
            ratios: &[],
        },
    },
    Family {
        name: "schedulers",
        tier: Tier::Fast,
        variants: &[all(
            "SELECT COUNT(*) AS schedulers, SUM(runnable_tasks_count) AS runnable_tasks, SUM(current_workers_count) AS workers, \
             SUM(active_workers_count) AS active_workers, SUM(pending_disk_io_count) AS pending_disk_io, \
             SUM(work_queue_count) AS work_queue FROM sys.dm_os_schedulers \
             WHERE scheduler_id < 255 AND status = N'VISIBLE ONLINE'",
        )],
        shape: Shape::Table {
            labels: &[],
            values: &[
                gauge("schedulers", "schedulers", "1", 1.0, "Visible online schedulers (vCores)"),
                gauge("runnable_tasks", "runnable_tasks", "1", 1.0, "Tasks waiting for a CPU"),
                gauge("workers", "workers", "1", 1.0, "Workers"),
                gauge("active_workers", "active_workers", "1", 1.0, "Active workers"),
                gauge("pending_disk_io", "pending_disk_io", "1", 1.0, "Pending disk IOs"),
                gauge("work_queue", "work_queue", "1", 1.0, "Tasks queued for a worker"),
            ],
            ratios: &[],
        },
    },
    Family {
        name: "requests",
        tier: Tier::Fast,
        variants: &[all("SELECT COUNT(*) AS active_requests, \
             ISNULL(SUM(CASE WHEN blocking_session_id > 0 THEN 1 ELSE 0 END), 0) AS blocked_requests, \
             COUNT(DISTINCT CASE WHEN blocking_session_id > 0 THEN blocking_session_id END) AS blocking_sessions, \
             ISNULL(SUM(open_transaction_count), 0) AS open_transactions, \
             ISNULL(MAX(total_elapsed_time), 0) AS longest_request_ms \
             FROM sys.dm_exec_requests WHERE session_id <> @@SPID AND session_id > 50 OPTION (MAXDOP 1)")],
        shape: Shape::Table {
            labels: &[],
            values: &[
                gauge("active_requests", "active_requests", "1", 1.0, "User requests running now"),
                gauge(
                    "blocked_requests",
                    "blocked_requests",
                    "1",
                    1.0,
                    "Requests blocked by another session",
                ),
                gauge("blocking_sessions", "blocking_sessions", "1", 1.0, "Sessions blocking others"),
                gauge(
                    "open_transactions",
                    "open_transactions",
                    "1",
                    1.0,
                    "Open transactions of running requests",
                ),
                gauge(
                    "longest_request_ms",
                    "longest_request_seconds",
                    "seconds",
                    MS,
                    "Elapsed time of the longest request",
                ),
            ],
            ratios: &[],
        },
    },
    Family {
        name: "log_space",
        tier: Tier::Fast,
        variants: &[all(
            "SELECT DB_NAME(database_id) AS [database], total_log_size_in_bytes, used_log_space_in_bytes \
             FROM sys.dm_db_log_space_usage",
        )],
        shape: Shape::Table {
            labels: &["database"],
            values: &[
                gauge(
                    "total_log_size_in_bytes",
                    "log_size_bytes",
                    "bytes",
                    1.0,
                    "Log size of the connection's database",
                ),
                gauge(
                    "used_log_space_in_bytes",
                    "log_used_bytes",
                    "bytes",
                    1.0,
                    "Log used in the connection's database",
                ),
            ],
            ratios: &[],
        },
    },
    Family {
        name: "tempdb",
        tier: Tier::Fast,
        variants: &[all("SELECT SUM(version_store_reserved_page_count) * 8192 AS version_store_bytes, \
             SUM(user_object_reserved_page_count) * 8192 AS user_object_bytes, \
             SUM(internal_object_reserved_page_count) * 8192 AS internal_object_bytes, \
             SUM(unallocated_extent_page_count) * 8192 AS free_bytes FROM tempdb.sys.dm_db_file_space_usage")],
        shape: Shape::Table {
            labels: &[],
            values: &[
                gauge(
                    "version_store_bytes",
                    "tempdb_version_store_bytes",
                    "bytes",
                    1.0,
                    "tempdb version store",
                ),
                gauge("user_object_bytes", "tempdb_user_object_bytes", "bytes", 1.0, "tempdb user objects"),
                gauge(
                    "internal_object_bytes",
                    "tempdb_internal_object_bytes",
                    "bytes",
                    1.0,
                    "tempdb internal objects",
                ),
                gauge("free_bytes", "tempdb_free_bytes", "bytes", 1.0, "Free space in tempdb files"),
            ],
            ratios: &[],
        },
    },
    Family {
        name: "query_stats",
        tier: Tier::Queries,
        variants: &[all("SELECT TOP (500) CONVERT(nvarchar(18), query_hash, 1) AS query_hash, \
             CONVERT(nvarchar(18), query_plan_hash, 1) AS query_plan_hash, SUM(execution_count) AS executions, \
             SUM(total_worker_time) AS cpu_us, SUM(total_elapsed_time) AS duration_us, \
             SUM(total_logical_reads) AS logical_reads, SUM(total_physical_reads) AS physical_reads, \
             SUM(total_logical_writes) AS writes, SUM(total_rows) AS row_count \
             FROM sys.dm_exec_query_stats AS qs CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) AS st \
             WHERE st.text NOT LIKE N'/* cutover collector */%' \
             GROUP BY query_hash, query_plan_hash ORDER BY SUM(total_worker_time) DESC OPTION (MAXDOP 1)")],
        shape: Shape::QueryStats,
    },
];

/// Starts every batch the collector sends, so its own statements can be left out of the query
/// statistics it collects (they would otherwise show as a workload on both sides).
pub const MARKER: &str = "/* cutover collector */";

/// `sql` with the [`MARKER`] in front, for a literal.
macro_rules! marked {
    ($sql:expr) => {
        concat!("/* cutover collector */ ", $sql)
    };
}

/// `sql` with the [`MARKER`] in front.
pub fn marked(sql: &str) -> String {
    if sql.starts_with(MARKER) { sql.to_string() } else { format!("{MARKER} {sql}") }
}

/// The statement text of query hashes not seen yet (`@P1`: comma-separated hex hashes).
pub const QUERY_TEXT_SQL: &str = marked!(
    "SELECT CONVERT(nvarchar(18), qs.query_hash, 1) AS query_hash, \
    MIN(SUBSTRING(st.text, qs.statement_start_offset / 2 + 1, \
    (CASE qs.statement_end_offset WHEN -1 THEN DATALENGTH(st.text) ELSE qs.statement_end_offset END \
    - qs.statement_start_offset) / 2 + 1)) AS statement_text \
    FROM sys.dm_exec_query_stats AS qs CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) AS st \
    GROUP BY qs.query_hash OPTION (MAXDOP 1)"
);

/// The server clock and restart detector, first in every batch.
pub const CLOCK_SQL: &str =
    marked!("SELECT SYSUTCDATETIME() AS now_utc, sqlserver_start_time FROM sys.dm_os_sys_info");
/// The clock alone, for a login that may not see dm_os_sys_info.
pub const CLOCK_ONLY_SQL: &str =
    marked!("SELECT SYSUTCDATETIME() AS now_utc, CAST(NULL AS datetime) AS sqlserver_start_time");

/// Session settings of a polite guest, once per connection.
pub const SESSION_SQL: &str = "SET NOCOUNT ON; SET DEADLOCK_PRIORITY LOW; \
    SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED; SET LOCK_TIMEOUT 5000;";

/// Static configuration, read at start and hourly (stored in baseline.json).
pub const CONFIG_QUERIES: &[(&str, &str)] = &[
    ("configurations", "SELECT name, CAST(value_in_use AS nvarchar(64)) AS value FROM sys.configurations"),
    (
        "databases",
        "SELECT d.name, d.compatibility_level, d.state_desc, d.recovery_model_desc, \
         CAST(SUM(CAST(mf.size AS bigint)) * 8192 AS bigint) AS size_bytes \
         FROM sys.databases AS d LEFT JOIN sys.master_files AS mf ON mf.database_id = d.database_id \
         GROUP BY d.name, d.compatibility_level, d.state_desc, d.recovery_model_desc",
    ),
    (
        "tempdb_files",
        "SELECT name, type_desc, CAST(size AS bigint) * 8192 AS size_bytes FROM sys.master_files WHERE database_id = 2",
    ),
];

/// Read with [`CONFIG_QUERIES`] on Managed Instance only: the instance's governance caps
/// (log rate in bytes/s, CPU cap, workers), which compare's policy can size limits from.
pub const MI_CONFIG_QUERIES: &[(&str, &str)] = &[(
    "resource_governance",
    "SELECT instance_cap_cpu, instance_max_log_rate, instance_max_worker_threads \
     FROM sys.dm_instance_resource_governance",
)];

/// physical_database_name → name (Managed Instance counter instance names are GUIDs).
pub const PHYSICAL_NAMES_SQL: &str = marked!("SELECT physical_database_name, name FROM sys.databases");

/// The families of one tier that exist on this server, with their query.
pub fn plan(tier: Tier, family: EditionFamily, major: Option<u32>) -> Vec<(&'static Family, &'static str)> {
    FAMILIES
        .iter()
        .filter(|f| f.tier == tier)
        .filter_map(|f| f.sql_for(family, major).map(|sql| (f, sql)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fast_family_but_resource_stats_exists_on_premises_and_cpu_differs_by_edition() {
        let on_prem: Vec<_> =
            plan(Tier::Fast, EditionFamily::OnPremises, Some(16)).iter().map(|(f, _)| f.name).collect();
        assert!(on_prem.contains(&"cpu") && !on_prem.contains(&"resource_stats"), "{on_prem:?}");
        let mi: Vec<_> =
            plan(Tier::Fast, EditionFamily::ManagedInstance, Some(12)).iter().map(|(f, _)| f.name).collect();
        assert!(!mi.contains(&"cpu") && mi.contains(&"resource_stats"), "{mi:?}");
        let sqldb: Vec<_> =
            plan(Tier::Fast, EditionFamily::AzureSqlDatabase, Some(12)).iter().map(|(f, _)| f.name).collect();
        assert_eq!(sqldb, vec!["perf_counters", "waits"]);
    }

    #[test]
    fn the_collectors_own_batches_are_marked_and_left_out_of_query_statistics() {
        let (_, sql) = plan(Tier::Queries, EditionFamily::OnPremises, Some(16))[0];
        assert!(sql.contains(&format!("NOT LIKE N'{MARKER}%'")), "{sql}");
        for sent in [CLOCK_SQL, CLOCK_ONLY_SQL, QUERY_TEXT_SQL, PHYSICAL_NAMES_SQL] {
            assert!(sent.starts_with(MARKER), "{sent}");
        }
        assert_eq!(marked(CLOCK_SQL), CLOCK_SQL);
        assert!(marked(CONFIG_QUERIES[0].1).starts_with(MARKER));
    }

    #[test]
    fn sql_server_2012_reads_files_without_queued_stalls() {
        let f = FAMILIES.iter().find(|f| f.name == "file_stats").unwrap();
        assert!(!f.sql_for(EditionFamily::OnPremises, Some(11)).unwrap().contains("vfs.io_stall_queued"));
        assert!(f.sql_for(EditionFamily::OnPremises, Some(16)).unwrap().contains("vfs.io_stall_queued"));
    }

    #[test]
    fn metric_names_are_unique_and_in_base_units() {
        let mut seen = std::collections::HashSet::new();
        for f in FAMILIES {
            if let Shape::Table { values, ratios, .. } = f.shape {
                for v in values {
                    assert!(seen.insert(v.metric), "{} twice", v.metric);
                    assert!(!v.metric.ends_with("_ms") && !v.metric.ends_with("_kb"), "{}", v.metric);
                }
                for r in ratios {
                    assert!(seen.insert(r.metric), "{} twice", r.metric);
                }
            }
        }
    }
}
