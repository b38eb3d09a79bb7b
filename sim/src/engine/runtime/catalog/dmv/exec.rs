//! Execution views: query stats from the plan cache, their text, the requests running now,
//! sessions and connections.

use std::sync::atomic::Ordering::Relaxed;

use chrono::DateTime;
use rusqlite::types::Value as Stored;

use super::{RowSet, address, blob, datetime, int, text};
use crate::engine::runtime::session::Session;
use crate::load::WAIT_TYPES;

pub(crate) fn query_stats(session: &Session) -> RowSet {
    let load = session.instance().load();
    let mut cols: Vec<&'static str> = vec![
        "sql_handle",
        "statement_start_offset",
        "statement_end_offset",
        "plan_generation_num",
        "plan_handle",
        "creation_time",
        "last_execution_time",
        "execution_count",
    ];
    for m in ["worker_time", "physical_reads", "logical_writes", "logical_reads", "clr_time", "elapsed_time"]
    {
        cols.extend(measure_cols(m));
    }
    cols.extend(["query_hash", "query_plan_hash"]);
    cols.extend(measure_cols("rows"));
    cols.extend(["statement_sql_handle", "statement_context_id"]);
    cols.extend(measure_cols("dop"));
    let mut set = RowSet::new(&cols);
    for q in load.plans.snapshot() {
        let mut row = vec![
            blob(&q.sql_handle),
            int(q.statement_start_offset),
            int(q.statement_end_offset),
            int(1),
            blob(&q.plan_handle),
            datetime(&q.creation_time),
            datetime(&q.last_execution_time),
            int(q.execution_count),
        ];
        for m in [
            q.worker_us,
            q.physical_reads,
            q.logical_writes,
            q.logical_reads,
            Default::default(),
            q.elapsed_us,
        ] {
            row.extend([int(m.total), int(m.last), int(m.min), int(m.max)]);
        }
        row.extend([blob(&q.query_hash), blob(&q.query_plan_hash)]);
        row.extend([int(q.rows.total), int(q.rows.last), int(q.rows.min), int(q.rows.max)]);
        let mut statement_handle = vec![0x09, 0, 0, 0];
        statement_handle.extend_from_slice(&q.sql_handle[4..]);
        row.extend([blob(&statement_handle), int(0)]);
        row.extend([int(q.execution_count), int(1), int(1), int(1)]);
        set.push(row);
    }
    set
}

/// total_/last_/min_/max_ column names of one measure.
fn measure_cols(m: &str) -> [&'static str; 4] {
    let leak = |p: &str| -> &'static str {
        crate::engine::runtime::catalog::dmv_columns::QUERY_STATS
            .iter()
            .map(|(n, _, _)| *n)
            .find(|n| *n == format!("{p}_{m}"))
            .unwrap_or("")
    };
    [leak("total"), leak("last"), leak("min"), leak("max")]
}

/// Every cached batch's text as sent, keyed by its sql_handle (the function's argument).
pub(crate) fn sql_text(session: &Session) -> RowSet {
    let load = session.instance().load();
    let mut set = RowSet::new(&["dbid", "objectid", "number", "encrypted", "text", "sql_handle"]);
    let mut seen = std::collections::HashSet::new();
    for q in load.plans.snapshot() {
        if !seen.insert(q.sql_handle.clone()) {
            continue;
        }
        set.push(vec![
            int(q.database_id),
            Stored::Null,
            Stored::Null,
            int(0),
            text(&*q.text),
            blob(&q.sql_handle),
        ]);
    }
    set
}

fn at_ms(ms: i64) -> Stored {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) if ms > 0 => datetime(&t.naive_utc()),
        _ => Stored::Null,
    }
}

pub(crate) fn requests(session: &Session) -> RowSet {
    let load = session.instance().load();
    let now_ms = session.instance().now_utc().and_utc().timestamp_millis();
    let plans = load.plans.snapshot();
    let mut set = RowSet::new(&[
        "session_id",
        "request_id",
        "start_time",
        "status",
        "command",
        "sql_handle",
        "statement_start_offset",
        "statement_end_offset",
        "plan_handle",
        "database_id",
        "user_id",
        "blocking_session_id",
        "wait_type",
        "wait_time",
        "last_wait_type",
        "wait_resource",
        "open_transaction_count",
        "transaction_id",
        "cpu_time",
        "total_elapsed_time",
        "scheduler_id",
        "reads",
        "writes",
        "logical_reads",
        "text_size",
        "language",
        "date_format",
        "date_first",
        "quoted_identifier",
        "arithabort",
        "ansi_null_dflt_on",
        "ansi_warnings",
        "ansi_padding",
        "ansi_nulls",
        "concat_null_yields_null",
        "transaction_isolation_level",
        "lock_timeout",
        "row_count",
        "group_id",
        "query_hash",
        "query_plan_hash",
        "dop",
        "parallel_worker_count",
        "page_server_reads",
    ]);
    let me = session.spid();
    for a in load.activities() {
        let status = a.status.load(Relaxed);
        if status == 0 && a.spid != me {
            continue;
        }
        let key = a.query_key.load(Relaxed);
        let plan = plans.iter().find(|q| q.key == key);
        let wait = a.wait.load(Relaxed);
        let wait_name = if wait > 0 { WAIT_TYPES.get(wait - 1).copied() } else { None };
        let started = a.request_start_ms.load(Relaxed);
        let blocking = a.blocking_spid.load(Relaxed) as i64;
        set.push(vec![
            int(a.spid),
            int(0),
            at_ms(started).clone(),
            text(match status {
                2 => "suspended",
                _ => "running",
            }),
            text(
                if a.write_database_id.load(Relaxed) != 0 || wait_name.is_some_and(|w| w.starts_with("LCK")) {
                    "UPDATE"
                } else {
                    "SELECT"
                },
            ),
            plan.map(|q| blob(&q.sql_handle)).unwrap_or(Stored::Null),
            int(plan.map_or(0, |q| q.statement_start_offset)),
            int(plan.map_or(-1, |q| q.statement_end_offset)),
            plan.map(|q| blob(&q.plan_handle)).unwrap_or(Stored::Null),
            int(a.database_id.load(Relaxed).max(1)),
            int(1),
            int(blocking),
            wait_name.map(text).unwrap_or(Stored::Null),
            int(if wait > 0 { (now_ms - a.wait_start_ms.load(Relaxed)).max(0) } else { 0 }),
            text(wait_name.unwrap_or("MISCELLANEOUS")),
            text(if blocking > 0 {
                format!("KEY: {}:72057594043957248 (8194443284a0)", a.database_id.load(Relaxed))
            } else {
                String::new()
            }),
            int(a.open_transactions.load(Relaxed)),
            int(1000 + i64::from(a.spid)),
            int((a.cpu_us.load(Relaxed) / 1000) as i64),
            int((now_ms - started).max(0)),
            int(i64::from(a.spid) % i64::from(session.instance().profile().cores.max(1))),
            int(a.reads.load(Relaxed) as i64),
            int(a.writes.load(Relaxed) as i64),
            int(a.logical_reads.load(Relaxed) as i64),
            int(2_147_483_647),
            text("us_english"),
            text("mdy"),
            int(7),
            int(1),
            int(1),
            int(1),
            int(1),
            int(1),
            int(1),
            int(1),
            int(2),
            int(-1),
            int(1),
            int(2),
            plan.map(|q| blob(&q.query_hash)).unwrap_or(Stored::Null),
            plan.map(|q| blob(&q.query_plan_hash)).unwrap_or(Stored::Null),
            int(1),
            int(0),
            int(0),
        ]);
    }
    set
}

pub(crate) fn sessions(session: &Session) -> RowSet {
    let instance = session.instance();
    let load = instance.load();
    let mut set = RowSet::new(&[
        "session_id",
        "login_time",
        "host_name",
        "program_name",
        "host_process_id",
        "client_version",
        "client_interface_name",
        "security_id",
        "login_name",
        "status",
        "cpu_time",
        "memory_usage",
        "total_scheduled_time",
        "total_elapsed_time",
        "endpoint_id",
        "last_request_start_time",
        "last_request_end_time",
        "reads",
        "writes",
        "logical_reads",
        "is_user_process",
        "text_size",
        "language",
        "date_format",
        "date_first",
        "quoted_identifier",
        "arithabort",
        "ansi_null_dflt_on",
        "ansi_warnings",
        "ansi_padding",
        "ansi_nulls",
        "concat_null_yields_null",
        "transaction_isolation_level",
        "lock_timeout",
        "deadlock_priority",
        "row_count",
        "prev_error",
        "original_security_id",
        "original_login_name",
        "group_id",
        "database_id",
        "authenticating_database_id",
        "open_transaction_count",
        "page_server_reads",
    ]);
    for info in instance.sessions() {
        let a = load.activity(info.spid);
        let g = |f: fn(&crate::load::SessionActivity) -> i64| a.as_deref().map(f).unwrap_or(0);
        let status = match g(|a| a.status.load(Relaxed) as i64) {
            0 => "sleeping",
            _ => "running",
        };
        let cpu_ms = g(|a| (a.cpu_us.load(Relaxed) / 1000) as i64);
        let db = instance.database(&info.database).map(|d| d.id).unwrap_or(1);
        set.push(vec![
            int(info.spid),
            datetime(&info.login_time),
            text(info.host_name.clone()),
            text(info.app_name.clone()),
            int(4242),
            int(7),
            text("ODBC"),
            blob(&[1]),
            text(info.login.clone()),
            text(status),
            int(cpu_ms),
            int(4),
            int(cpu_ms),
            int(cpu_ms),
            int(2),
            at_ms(g(|a| a.request_start_ms.load(Relaxed))).clone(),
            at_ms(g(|a| a.last_request_end_ms.load(Relaxed))),
            int(g(|a| a.reads.load(Relaxed) as i64)),
            int(g(|a| a.writes.load(Relaxed) as i64)),
            int(g(|a| a.logical_reads.load(Relaxed) as i64)),
            int(1),
            int(info.options.textsize),
            text("us_english"),
            text("mdy"),
            int(7),
            int(info.options.shown("QUOTED_IDENTIFIER")),
            int(info.options.shown("ARITHABORT")),
            int(info.options.shown("ANSI_NULL_DFLT_ON")),
            int(info.options.shown("ANSI_WARNINGS")),
            int(info.options.shown("ANSI_PADDING")),
            int(info.options.shown("ANSI_NULLS")),
            int(info.options.shown("CONCAT_NULL_YIELDS_NULL")),
            int(info.isolation_level),
            int(info.options.lock_timeout),
            int(info.options.deadlock_priority),
            int(g(|a| a.rows.load(Relaxed) as i64)),
            int(0),
            blob(&[1]),
            text(info.login.clone()),
            int(2),
            int(db),
            int(1),
            int(g(|a| a.open_transactions.load(Relaxed))),
            int(0),
        ]);
    }
    // Rows for sessions that have never run a request keep a start time: fill it.
    for row in &mut set.rows {
        if row[15] == Stored::Null {
            row[15] = row[1].clone();
        }
    }
    set
}

pub(crate) fn connections(session: &Session) -> RowSet {
    let mut set = RowSet::new(&[
        "session_id",
        "most_recent_session_id",
        "connect_time",
        "net_transport",
        "protocol_type",
        "protocol_version",
        "endpoint_id",
        "encrypt_option",
        "auth_scheme",
        "node_affinity",
        "num_reads",
        "num_writes",
        "last_read",
        "last_write",
        "net_packet_size",
        "client_net_address",
        "client_tcp_port",
        "local_net_address",
        "local_tcp_port",
        "connection_id",
        "most_recent_sql_handle",
    ]);
    let load = session.instance().load();
    for info in session.instance().sessions() {
        let requests = load.activity(info.spid).map(|a| a.requests.load(Relaxed) as i64).unwrap_or(0);
        set.push(vec![
            int(info.spid),
            int(info.spid),
            datetime(&info.login_time),
            text("TCP"),
            text("TSQL"),
            int(1_946_157_060),
            int(4),
            text("FALSE"),
            text("SQL"),
            int(0),
            int(requests + 1),
            int(requests + 1),
            datetime(&info.login_time),
            datetime(&info.login_time),
            int(4096),
            // "sys.dm_exec_connections": the client's IP address; "<local machine>" for a
            // connection that does not come over the network.
            text(info.client_address.map_or("<local machine>".to_string(), |a| a.ip().to_string())),
            info.client_address.map_or(Stored::Null, |a| int(i64::from(a.port()))),
            text("127.0.0.1"),
            int(1433),
            text(format!("{:08X}-0000-0000-0000-{:012X}", info.spid, info.spid)),
            Stored::Null,
        ]);
    }
    let _ = address;
    set
}
