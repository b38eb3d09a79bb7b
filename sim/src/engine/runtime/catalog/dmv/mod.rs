//! Rows of the dynamic management views, computed from the instance's load state
//! ([`crate::load`]) each time a statement reads them, and inserted into the view's temp
//! table. One file per family:
//!
//! | file | views |
//! |---|---|
//! | `os.rs` | wait stats, waiting tasks, sys info, memory, clerks, schedulers, ring buffers |
//! | `counters.rs` | sys.dm_os_performance_counters (one declarative table of counters) |
//! | `exec.rs` | query stats, sql text, requests, sessions, connections |
//! | `storage.rs` | file layout, virtual file stats, log/file/version-store space, configurations |
//! | `mi.rs` | Managed Instance only: server_resource_stats, resource governance, job object |

mod counters;
mod exec;
mod mi;
mod os;
pub(crate) mod storage;

use rusqlite::types::Value as Stored;

use super::views::CatalogView;
use crate::engine::runtime::database::quote;
use crate::engine::runtime::objects::meta_error;
use crate::engine::runtime::query_store as qs;
use crate::engine::runtime::session::Session;
use crate::error::SqlError;

/// Rows for a view: named columns (the rest get their defaults) and their values.
pub(crate) struct RowSet {
    cols: Vec<&'static str>,
    rows: Vec<Vec<Stored>>,
}

impl RowSet {
    pub fn new(cols: &[&'static str]) -> Self {
        RowSet { cols: cols.to_vec(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<Stored>) {
        debug_assert_eq!(row.len(), self.cols.len());
        self.rows.push(row);
    }
}

pub(crate) fn int(v: impl TryInto<i64>) -> Stored {
    Stored::Integer(v.try_into().unwrap_or(i64::MAX))
}

pub(crate) fn text(v: impl Into<String>) -> Stored {
    Stored::Text(v.into())
}

pub(crate) fn real(v: f64) -> Stored {
    Stored::Real(v)
}

pub(crate) fn blob(v: &[u8]) -> Stored {
    Stored::Blob(v.to_vec())
}

pub(crate) fn datetime(v: &chrono::NaiveDateTime) -> Stored {
    Stored::Text(crate::types::storage::format_datetime(v))
}

/// An 8-byte address-looking value.
pub(crate) fn address(seed: u64) -> Stored {
    Stored::Blob((0x0000_0200_0000_0000u64 + seed * 0x40).to_be_bytes().to_vec())
}

/// True for the views this module fills.
pub(crate) fn is_dmv(view: &CatalogView) -> bool {
    view.permission == super::views::Permission::ServerState && view.name != "sys.dm_db_partition_stats"
        || matches!(view.name, "sys.server_resource_stats" | "sys.configurations")
}

/// Hidden key columns a function's temp table carries (parameters that are not columns).
pub(crate) fn hidden_columns(view: &CatalogView) -> Vec<&'static str> {
    view.params.iter().copied().filter(|p| !view.columns().any(|(c, _, _)| c == p)).collect()
}

/// Computes a DMV's rows and inserts them into `table` (already created and emptied).
pub(crate) fn fill(
    session: &Session,
    view: &CatalogView,
    table: &str,
    database: Option<&str>,
) -> Result<(), SqlError> {
    let rows = match view.name {
        "sys.dm_os_wait_stats" => os::wait_stats(session),
        "sys.dm_os_waiting_tasks" => os::waiting_tasks(session),
        "sys.dm_os_sys_info" => os::sys_info(session),
        "sys.dm_os_sys_memory" => os::sys_memory(session),
        "sys.dm_os_process_memory" => os::process_memory(session),
        "sys.dm_os_memory_clerks" => os::memory_clerks(session),
        "sys.dm_os_schedulers" => os::schedulers(session),
        "sys.dm_os_ring_buffers" => os::ring_buffers(session),
        "sys.dm_os_performance_counters" => counters::rows(session),
        "sys.dm_exec_query_stats" => exec::query_stats(session),
        "sys.dm_exec_sql_text" => exec::sql_text(session),
        "sys.dm_exec_requests" => exec::requests(session),
        "sys.dm_exec_sessions" => exec::sessions(session),
        "sys.dm_exec_connections" => exec::connections(session),
        "sys.dm_io_virtual_file_stats" => storage::virtual_file_stats(session),
        "sys.dm_db_log_space_usage" => storage::log_space(session, database),
        "sys.dm_db_file_space_usage" => storage::file_space(session, database),
        "sys.dm_tran_version_store_space_usage" => storage::version_store(session),
        "sys.configurations" => storage::configurations(session),
        "sys.server_resource_stats" => mi::server_resource_stats(session),
        "sys.dm_instance_resource_governance" => mi::resource_governance(session),
        "sys.dm_os_job_object" => mi::job_object(session),
        "sys.dm_xe_sessions" => crate::engine::runtime::xe::views::dm_xe_sessions(session),
        "sys.server_event_sessions" => crate::engine::runtime::xe::views::server_event_sessions(session),
        "sys.query_store_query_text" => qs::query_text(session, database),
        "sys.query_store_query" => qs::query(session, database),
        "sys.query_store_plan" => qs::plan(session, database),
        "sys.query_store_runtime_stats" => qs::runtime_stats(session, database),
        "sys.query_store_runtime_stats_interval" => qs::runtime_stats_interval(session),
        other => return Err(SqlError::invalid_object(other)),
    };
    insert(session, view, table, rows)
}

pub(crate) fn insert(
    session: &Session,
    view: &CatalogView,
    table: &str,
    set: RowSet,
) -> Result<(), SqlError> {
    let mut names = Vec::new();
    let mut exprs = Vec::new();
    let mut slot = 0;
    let mut order = Vec::new();
    for (name, ty, nullable) in view.columns() {
        names.push(quote(name));
        match set.cols.iter().position(|c| c == name) {
            Some(i) => {
                slot += 1;
                exprs.push(format!("?{slot}"));
                order.push(i);
            }
            None => exprs.push(super::fill::default_value(ty, *nullable).to_string()),
        }
    }
    for hidden in hidden_columns(view) {
        if let Some(i) = set.cols.iter().position(|c| *c == hidden) {
            names.push(quote(&format!("__{hidden}")));
            slot += 1;
            exprs.push(format!("?{slot}"));
            order.push(i);
        }
    }
    let sql = format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), exprs.join(", "));
    let conn = &session.conn;
    let in_tx = !conn.is_autocommit();
    if !in_tx {
        conn.execute_batch("SAVEPOINT cutover_dmv").map_err(meta_error)?;
    }
    let result = (|| {
        let mut stmt = conn.prepare_cached(&sql).map_err(meta_error)?;
        for row in &set.rows {
            let values: Vec<&Stored> = order.iter().map(|i| &row[*i]).collect();
            stmt.execute(rusqlite::params_from_iter(values)).map_err(meta_error)?;
        }
        Ok(())
    })();
    if !in_tx {
        conn.execute_batch("RELEASE cutover_dmv").map_err(meta_error)?;
    }
    result
}
