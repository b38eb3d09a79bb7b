//! Synthetic source baselines of known demand, written by the collector's own Parquet writer
//! as `cutover collect` lays them out: 60 samples 15 s apart, one data and one log file.

use cutover_baseline::{Row, write::write_parquet};
use std::path::Path;
use std::sync::Arc;

/// What one synthetic source does, every sample.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Scheduler-monitor CPU %, or None: the baseline has no CPU series at all.
    pub cpu_percent: Option<f64>,
    /// The Resource Pool Stats per-sample CPU % instead of the ring buffer.
    pub pool_cpu: bool,
    pub cores: f64,
    pub memory_gb: f64,
    pub data_reads_s: f64,
    pub read_latency_ms: f64,
    pub log_mb_s: f64,
    /// Writing transactions a second (each waits for one log flush: WRITELOG).
    pub commits_s: f64,
    pub log_latency_ms: f64,
    /// Mean duration of the writing statements (query statistics), ms; None: no query stats.
    pub writing_ms: Option<f64>,
}

pub const SOURCE: Workload = Workload {
    cpu_percent: Some(62.5),
    pool_cpu: false,
    cores: 16.0,
    memory_gb: 30.0,
    data_reads_s: 1000.0,
    read_latency_ms: 8.0,
    log_mb_s: 5.0,
    commits_s: 0.5,
    log_latency_ms: 2.0,
    writing_ms: None,
};

fn row(ts: i64, family: &'static str, metric: &str, labels: &str, value: f64, unit: &'static str) -> Row {
    Row {
        timestamp: ts,
        instance: Arc::from("src"),
        family,
        metric: metric.into(),
        labels: labels.into(),
        value,
        unit,
    }
}

/// The rows of one sample time.
fn sample(ts: i64, i: i64, w: &Workload) -> Vec<Row> {
    let data = "database=shop,file=shop_data,file_type=ROWS";
    let log = "database=shop,file=shop_log,file_type=LOG";
    let wobble = if i % 10 == 0 { 1.1 } else { 1.0 };
    let mut rows = vec![
        row(ts, "perf_counters", "total_server_memory_bytes", "", w.memory_gb * 1e9, "bytes"),
        row(ts, "perf_counters", "page_life_expectancy_seconds", "counter_instance=", 3000.0, "seconds"),
        row(ts, "perf_counters", "log_flushed_bytes", "", w.log_mb_s * 1e6, "bytes/s"),
        row(
            ts,
            "perf_counters",
            "perf_counter",
            "counter=Write Transactions/sec,counter_instance=_Total,object=Databases",
            w.commits_s,
            "1/s",
        ),
        row(ts, "waits", "waits", "wait_type=WRITELOG", w.commits_s, "1/s"),
        row(
            ts,
            "waits",
            "wait_time_seconds",
            "wait_type=WRITELOG",
            w.commits_s * w.log_latency_ms / 1000.0,
            "seconds/s",
        ),
        row(ts, "file_stats", "io_reads", data, w.data_reads_s, "1/s"),
        row(ts, "file_stats", "io_writes", data, 200.0, "1/s"),
        row(ts, "file_stats", "io_read_bytes", data, 50.0 * 1048576.0, "bytes/s"),
        row(ts, "file_stats", "io_written_bytes", data, 10.0 * 1048576.0, "bytes/s"),
        row(
            ts,
            "file_stats",
            "io_stall_read_seconds",
            data,
            w.data_reads_s * w.read_latency_ms / 1000.0,
            "seconds/s",
        ),
        row(ts, "file_stats", "file_size_bytes", data, 200.0 * 1073741824.0, "bytes"),
        row(ts, "file_stats", "io_writes", log, w.commits_s.max(300.0), "1/s"),
        row(
            ts,
            "file_stats",
            "io_stall_write_seconds",
            log,
            w.commits_s.max(300.0) * w.log_latency_ms / 1000.0,
            "seconds/s",
        ),
        row(ts, "file_stats", "file_size_bytes", log, 20.0 * 1073741824.0, "bytes"),
        row(ts, "tempdb", "tempdb_user_object_bytes", "", 2e9, "bytes"),
    ];
    let tempdb = "database=tempdb,file=tempdev,file_type=ROWS";
    rows.extend([
        row(ts, "file_stats", "io_reads", tempdb, 50.0, "1/s"),
        row(ts, "file_stats", "io_writes", tempdb, 50.0, "1/s"),
        row(ts, "file_stats", "io_stall_read_seconds", tempdb, 50.0 * 0.0002, "seconds/s"),
        row(ts, "file_stats", "io_stall_write_seconds", tempdb, 50.0 * 0.0002, "seconds/s"),
        row(ts, "file_stats", "file_size_bytes", tempdb, 8.0 * 1073741824.0, "bytes"),
    ]);
    match (w.cpu_percent, w.pool_cpu) {
        (Some(p), false) => rows.push(row(ts, "cpu", "cpu_sql_percent", "", p * wobble, "percent")),
        (Some(p), true) => {
            rows.push(row(ts, "perf_counters", "cpu_resource_pools_percent", "", p * wobble, "percent"))
        }
        (None, _) => {}
    }
    if let Some(ms) = w.writing_ms.filter(|_| i % 4 == 0) {
        // Query statistics every fourth sample (the query interval), per query_hash.
        let q = "query_hash=0x00000000000000AA";
        let execs = w.commits_s * 60.0;
        rows.extend([
            row(ts, "query_stats", "query_executions", q, execs, "1"),
            row(ts, "query_stats", "query_duration_seconds", q, execs * ms / 1000.0, "seconds"),
            row(ts, "query_stats", "query_writes", q, execs * 2.0, "1"),
        ]);
    }
    rows
}

/// Writes a baseline folder of `w`; `refused` goes to baseline.json's `refused_families`.
pub fn write_baseline(dir: &Path, w: &Workload, refused: &[(&str, &str)]) {
    let rows: Vec<Row> = (0..60i64).flat_map(|i| sample(1_760_000_000_000 + i * 15_000, i, w)).collect();
    write_rows(dir, &rows, w.cores, refused);
}

/// Writes `rows` as a baseline folder.
pub fn write_rows(dir: &Path, rows: &[Row], cores: f64, refused: &[(&str, &str)]) {
    std::fs::create_dir_all(dir.join("series")).unwrap();
    write_parquet(&dir.join("series/part-00000.parquet"), rows).unwrap();
    let refused: serde_json::Map<String, serde_json::Value> =
        refused.iter().map(|(f, m)| (f.to_string(), serde_json::Value::from(*m))).collect();
    let doc = serde_json::json!({
        "format_version": 1,
        "tool": "cutover",
        "complete": true,
        "instances": [{
            "name": "src",
            "server": "src",
            "identity": { "cpu_count": cores, "memory_mb": 65536, "family": "on_premises" },
            "refused_families": refused,
        }],
        "series_files": ["series/part-00000.parquet"],
    });
    std::fs::write(dir.join("baseline.json"), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}
