//! Query Store, fed by the statements sessions run: `sys.query_store_query_text`,
//! `sys.query_store_query`, `sys.query_store_plan` (a showplan with the parameters' compiled
//! values), `sys.query_store_runtime_stats` and `sys.query_store_runtime_stats_interval`
//! (one-hour intervals, SQL Server's default `INTERVAL_LENGTH_MINUTES`).
//!
//! Every user database records its queries (SELECT, INSERT, UPDATE, DELETE, MERGE, WITH), as on
//! SQL Server 2022 where Query Store is on by default. A parameterised statement's text carries
//! its parameter list, `(@p1 int)SELECT …`, as Query Store shows it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike};
use rusqlite::types::Value as Stored;

use super::catalog::dmv::{RowSet, int, real, text};
use super::catalog::views::ColumnSpec;
use super::instance::lock;
use super::session::Session;
use crate::types::SqlType;

/// The interval length (minutes).
const INTERVAL_MINUTES: i64 = 60;

#[derive(Clone, Debug, Default)]
struct Stats {
    count: u64,
    sum_duration_us: u64,
    sum_cpu_us: u64,
    min_duration_us: u64,
    max_duration_us: u64,
    last_duration_us: u64,
    sum_rows: u64,
    first: NaiveDateTime,
    last: NaiveDateTime,
}

#[derive(Clone, Debug)]
struct Query {
    id: i64,
    database: String,
    text: String,
    /// `(@p1 int, …)` with the first execution's values, for the plan's ParameterList.
    compiled: Vec<(String, String, String)>,
    first: NaiveDateTime,
    last: NaiveDateTime,
    /// Stats per (interval id, execution type).
    stats: Vec<(i64, u8, Stats)>,
}

#[derive(Default, Debug)]
struct State {
    queries: Vec<Query>,
    by_key: HashMap<(String, String), usize>,
    /// Interval id → start time.
    intervals: Vec<(i64, NaiveDateTime)>,
}

/// The instance's Query Store.
#[derive(Default, Debug)]
pub(crate) struct QueryStore {
    state: Mutex<State>,
}

fn recorded(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    matches!(first.as_str(), "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "WITH")
}

/// Records one executed statement of `session`.
pub(crate) fn record(session: &Session, statement: &str, elapsed: Duration, failed: bool) {
    if !recorded(statement) {
        return;
    }
    let database = session.database();
    if session.instance().database(&database).is_none_or(|d| d.id <= 4) {
        return;
    }
    let params: Vec<(String, String, String)> = session
        .params
        .iter()
        .map(|(name, ty, value)| (name.clone(), ty.to_sql(), compiled_value(ty, value)))
        .collect();
    let query_text = if params.is_empty() {
        statement.to_string()
    } else {
        let decl: Vec<String> = params.iter().map(|(n, t, _)| format!("{n} {t}")).collect();
        format!("({}){statement}", decl.join(","))
    };
    let now = session.instance().now_utc();
    let us = elapsed.as_micros() as u64;
    let rows = session.shared.rowcount.load(std::sync::atomic::Ordering::Relaxed).max(0) as u64;
    let store = &session.instance().inner.query_store;
    let mut state = lock(&store.state);
    let interval = interval_of(&mut state, &now);
    let key = (database.to_ascii_lowercase(), query_text.clone());
    let i = match state.by_key.get(&key) {
        Some(i) => *i,
        None => {
            let id = state.queries.len() as i64 + 1;
            state.queries.push(Query {
                id,
                database,
                text: query_text,
                compiled: params,
                first: now,
                last: now,
                stats: Vec::new(),
            });
            let i = state.queries.len() - 1;
            state.by_key.insert(key, i);
            i
        }
    };
    let q = &mut state.queries[i];
    q.last = now;
    let kind = if failed { 4 } else { 0 };
    let pos = match q.stats.iter().position(|(id, k, _)| *id == interval && *k == kind) {
        Some(p) => p,
        None => {
            q.stats.push((
                interval,
                kind,
                Stats { first: now, min_duration_us: u64::MAX, ..Stats::default() },
            ));
            q.stats.len() - 1
        }
    };
    let s = &mut q.stats[pos].2;
    s.count += 1;
    s.sum_duration_us += us;
    s.sum_cpu_us += us;
    s.min_duration_us = s.min_duration_us.min(us);
    s.max_duration_us = s.max_duration_us.max(us);
    s.last_duration_us = us;
    s.sum_rows += rows;
    s.last = now;
}

fn interval_of(state: &mut State, now: &NaiveDateTime) -> i64 {
    let minute = now.minute() as i64 - now.minute() as i64 % INTERVAL_MINUTES.min(60);
    let start = now.date().and_hms_opt(now.hour(), minute as u32, 0).unwrap_or(*now);
    if let Some((id, _)) = state.intervals.iter().find(|(_, s)| *s == start) {
        return *id;
    }
    let id = state.intervals.len() as i64 + 1;
    state.intervals.push((id, start));
    id
}

/// A compiled value as showplan prints it: `(7)`, `N'abc'`, `'2024-01-01'`.
fn compiled_value(ty: &SqlType, v: &Stored) -> String {
    match v {
        Stored::Null => "NULL".into(),
        Stored::Integer(i) if ty.is_integer() || *ty == SqlType::Bit => format!("({i})"),
        Stored::Integer(i) => format!("({i})"),
        Stored::Real(f) => format!("({f:?})"),
        Stored::Text(s) if ty.is_unicode() => format!("N'{}'", s.replace('\'', "''")),
        Stored::Text(s) if matches!(ty, SqlType::Decimal { .. } | SqlType::Money | SqlType::SmallMoney) => {
            format!("({s})")
        }
        Stored::Text(s) => format!("'{}'", s.replace('\'', "''")),
        Stored::Blob(b) => format!("0x{}", b.iter().map(|x| format!("{x:02X}")).collect::<String>()),
    }
}

fn offset_time(t: &NaiveDateTime) -> Stored {
    text(format!("{} +00:00", crate::types::storage::format_datetime(t)))
}

use cutover_common::xml::escape_as_sql_server as xml_escape;

/// The showplan of a query: enough to carry the parameters' compiled values.
fn plan_xml(q: &Query) -> String {
    let params: String = q
        .compiled
        .iter()
        .map(|(n, t, v)| {
            format!(
                "<ColumnReference Column=\"{}\" ParameterDataType=\"{}\" ParameterCompiledValue=\"{}\" />",
                xml_escape(n),
                xml_escape(t),
                xml_escape(v)
            )
        })
        .collect();
    format!(
        "<ShowPlanXML xmlns=\"http://schemas.microsoft.com/sqlserver/2004/07/showplan\" Version=\"1.564\" \
         Build=\"16.0.1000.6\"><BatchSequence><Batch><Statements><StmtSimple StatementText=\"{}\" \
         StatementType=\"SELECT\"><QueryPlan><ParameterList>{params}</ParameterList></QueryPlan>\
         </StmtSimple></Statements></Batch></BatchSequence></ShowPlanXML>",
        xml_escape(&q.text)
    )
}

fn queries_of(session: &Session, database: Option<&str>) -> Vec<Query> {
    let state = lock(&session.instance().inner.query_store.state);
    state
        .queries
        .iter()
        .filter(|q| database.is_none_or(|d| q.database.eq_ignore_ascii_case(d)))
        .cloned()
        .collect()
}

pub(crate) fn query_text(session: &Session, database: Option<&str>) -> RowSet {
    let mut set = RowSet::new(&[
        "query_text_id",
        "query_sql_text",
        "is_part_of_encrypted_module",
        "has_restricted_text",
    ]);
    for q in queries_of(session, database) {
        set.push(vec![int(q.id), text(q.text), int(0), int(0)]);
    }
    set
}

pub(crate) fn query(session: &Session, database: Option<&str>) -> RowSet {
    let mut set = RowSet::new(&[
        "query_id",
        "query_text_id",
        "context_settings_id",
        "query_parameterization_type",
        "query_parameterization_type_desc",
        "initial_compile_start_time",
        "last_compile_start_time",
        "last_execution_time",
        "count_compiles",
    ]);
    for q in queries_of(session, database) {
        let param = if q.compiled.is_empty() { (0, "None") } else { (1, "User") };
        set.push(vec![
            int(q.id),
            int(q.id),
            int(1),
            int(param.0),
            text(param.1),
            offset_time(&q.first),
            offset_time(&q.first),
            offset_time(&q.last),
            int(1),
        ]);
    }
    set
}

pub(crate) fn plan(session: &Session, database: Option<&str>) -> RowSet {
    let mut set = RowSet::new(&[
        "plan_id",
        "query_id",
        "engine_version",
        "compatibility_level",
        "query_plan",
        "count_compiles",
        "initial_compile_start_time",
        "last_compile_start_time",
        "last_execution_time",
    ]);
    for q in queries_of(session, database) {
        set.push(vec![
            int(q.id),
            int(q.id),
            text("16.0.1000.6"),
            int(160),
            text(plan_xml(&q)),
            int(1),
            offset_time(&q.first),
            offset_time(&q.first),
            offset_time(&q.last),
        ]);
    }
    set
}

pub(crate) fn runtime_stats(session: &Session, database: Option<&str>) -> RowSet {
    let mut set = RowSet::new(&[
        "runtime_stats_id",
        "plan_id",
        "runtime_stats_interval_id",
        "execution_type",
        "execution_type_desc",
        "first_execution_time",
        "last_execution_time",
        "count_executions",
        "avg_duration",
        "last_duration",
        "min_duration",
        "max_duration",
        "avg_cpu_time",
        "avg_rowcount",
    ]);
    let mut id = 0;
    for q in queries_of(session, database) {
        for (interval, kind, s) in &q.stats {
            id += 1;
            let n = s.count.max(1) as f64;
            set.push(vec![
                int(id),
                int(q.id),
                int(*interval),
                int(*kind),
                text(if *kind == 0 { "Regular" } else { "Exception" }),
                offset_time(&s.first),
                offset_time(&s.last),
                int(s.count),
                real(s.sum_duration_us as f64 / n),
                int(s.last_duration_us),
                int(s.min_duration_us),
                int(s.max_duration_us),
                real(s.sum_cpu_us as f64 / n),
                real(s.sum_rows as f64 / n),
            ]);
        }
    }
    set
}

pub(crate) fn runtime_stats_interval(session: &Session) -> RowSet {
    let mut set = RowSet::new(&["runtime_stats_interval_id", "start_time", "end_time"]);
    let state = lock(&session.instance().inner.query_store.state);
    for (id, start) in &state.intervals {
        let end = *start + chrono::Duration::minutes(INTERVAL_MINUTES);
        set.push(vec![int(*id), offset_time(start), offset_time(&end)]);
    }
    set
}

/// sys.query_store_query_text.
pub const QUERY_TEXT: &[ColumnSpec] = &[
    ("query_text_id", "bigint", false),
    ("query_sql_text", "nvarchar(max)", true),
    ("statement_sql_handle", "varbinary(64)", true),
    ("is_part_of_encrypted_module", "bit", false),
    ("has_restricted_text", "bit", false),
];

/// sys.query_store_query (the columns up to count_compiles).
pub const QUERY: &[ColumnSpec] = &[
    ("query_id", "bigint", false),
    ("query_text_id", "bigint", false),
    ("context_settings_id", "bigint", false),
    ("object_id", "bigint", true),
    ("batch_sql_handle", "varbinary(64)", true),
    ("query_hash", "binary(8)", false),
    ("is_internal_query", "bit", false),
    ("query_parameterization_type", "tinyint", false),
    ("query_parameterization_type_desc", "nvarchar(60)", true),
    ("initial_compile_start_time", "datetimeoffset", false),
    ("last_compile_start_time", "datetimeoffset", true),
    ("last_execution_time", "datetimeoffset", true),
    ("last_compile_batch_sql_handle", "varbinary(64)", true),
    ("last_compile_batch_offset_start", "bigint", true),
    ("last_compile_batch_offset_end", "bigint", true),
    ("count_compiles", "bigint", true),
];

/// sys.query_store_plan (the columns up to last_execution_time).
pub const PLAN: &[ColumnSpec] = &[
    ("plan_id", "bigint", false),
    ("query_id", "bigint", false),
    ("plan_group_id", "bigint", true),
    ("engine_version", "nvarchar(32)", true),
    ("compatibility_level", "smallint", false),
    ("query_plan_hash", "binary(8)", false),
    ("query_plan", "nvarchar(max)", true),
    ("is_online_index_plan", "bit", false),
    ("is_trivial_plan", "bit", false),
    ("is_parallel_plan", "bit", false),
    ("is_forced_plan", "bit", false),
    ("is_natively_compiled", "bit", false),
    ("force_failure_count", "bigint", false),
    ("last_force_failure_reason", "int", false),
    ("last_force_failure_reason_desc", "nvarchar(128)", true),
    ("count_compiles", "bigint", true),
    ("initial_compile_start_time", "datetimeoffset", false),
    ("last_compile_start_time", "datetimeoffset", true),
    ("last_execution_time", "datetimeoffset", true),
];

/// sys.query_store_runtime_stats (duration, CPU and row-count columns).
pub const RUNTIME_STATS: &[ColumnSpec] = &[
    ("runtime_stats_id", "bigint", false),
    ("plan_id", "bigint", false),
    ("runtime_stats_interval_id", "bigint", false),
    ("execution_type", "tinyint", false),
    ("execution_type_desc", "nvarchar(60)", true),
    ("first_execution_time", "datetimeoffset", false),
    ("last_execution_time", "datetimeoffset", false),
    ("count_executions", "bigint", false),
    ("avg_duration", "float", true),
    ("last_duration", "bigint", false),
    ("min_duration", "bigint", false),
    ("max_duration", "bigint", false),
    ("stdev_duration", "float", true),
    ("avg_cpu_time", "float", true),
    ("last_cpu_time", "bigint", false),
    ("min_cpu_time", "bigint", false),
    ("max_cpu_time", "bigint", false),
    ("stdev_cpu_time", "float", true),
    ("avg_rowcount", "float", true),
];

/// sys.query_store_runtime_stats_interval.
pub const RUNTIME_STATS_INTERVAL: &[ColumnSpec] = &[
    ("runtime_stats_interval_id", "bigint", false),
    ("start_time", "datetimeoffset", false),
    ("end_time", "datetimeoffset", false),
    ("comment", "nvarchar(max)", true),
];
