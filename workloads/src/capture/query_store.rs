//! `--from-query-store`: a declarative workload (`docs/workload-format.md`) from Query Store,
//! for servers where tracing is not allowed. Each query executed in the window becomes a
//! template weighted by its execution count; its parameters (from the `(@p1 int, …)` prefix
//! Query Store keeps on parameterised text) are typed, with the value the plan was compiled for
//! (the showplan's `ParameterCompiledValue`) when there is one; the rate is the observed
//! executions per second over the window.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use cutover_mssql::Connection;
use quick_xml::Reader;
use quick_xml::events::Event;

use super::error::CaptureError;
use super::statement::declarations;

/// One query as Query Store saw it in the window.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreQuery {
    pub query_id: i64,
    pub text: String,
    pub plan_xml: String,
    pub executions: u64,
    pub avg_duration_us: f64,
    pub first: NaiveDateTime,
    pub last: NaiveDateTime,
}

/// Texts that are the capture's own or the server's housekeeping.
const EXCLUDED: &[&str] =
    &["query_store_", "fn_xe_file_target_read_file", "dm_xe_sessions", "server_event_sessions"];

/// The server's clock, to read the recent past of Query Store.
pub const CLOCK_SQL: &str = "SELECT SYSUTCDATETIME()";
/// Each query's text.
pub const TEXTS_SQL: &str = "SELECT q.query_id, t.query_sql_text FROM sys.query_store_query AS q \
    JOIN sys.query_store_query_text AS t ON t.query_text_id = q.query_text_id";
/// Each query's plans.
pub const PLANS_SQL: &str = "SELECT plan_id, query_id, query_plan FROM sys.query_store_plan";
/// Each plan's runtime statistics per interval.
pub const RUNTIME_STATS_SQL: &str = "SELECT plan_id, count_executions, avg_duration, first_execution_time, \
    last_execution_time FROM sys.query_store_runtime_stats";

/// `USE [db]`: Query Store is per database, so the capture switches to each one it reads.
pub fn use_database_sql(database: &str) -> String {
    format!("USE [{}]", database.replace(']', "]]"))
}

/// Reads Query Store of the connection's database: queries run within `since` of the
/// server's clock.
pub async fn read_recent(
    conn: &mut Connection,
    since: std::time::Duration,
) -> Result<Vec<StoreQuery>, CaptureError> {
    let now: Option<NaiveDateTime> = conn
        .query_scalar(CLOCK_SQL, &[])
        .await
        .map_err(CaptureError::server("cannot read the server's clock"))?;
    let start = now.unwrap_or_default() - chrono::Duration::from_std(since).unwrap_or_default();
    read_store(conn, start).await
}

/// Reads Query Store of the connection's database: queries whose runtime stats end at or after
/// `since` (UTC).
pub async fn read_store(
    conn: &mut Connection,
    since: NaiveDateTime,
) -> Result<Vec<StoreQuery>, CaptureError> {
    let step = "cannot read Query Store (the login needs VIEW DATABASE STATE; Query Store must be on: \
                ALTER DATABASE … SET QUERY_STORE = ON)";
    let texts = conn.query_rows(TEXTS_SQL, &[]).await.map_err(CaptureError::server(step))?;
    let plans = conn.query_rows(PLANS_SQL, &[]).await.map_err(CaptureError::server(step))?;
    let stats = conn.query_rows(RUNTIME_STATS_SQL, &[]).await.map_err(CaptureError::server(step))?;
    let mut queries: HashMap<i64, StoreQuery> = HashMap::new();
    for r in &texts {
        let (Some(id), Some(text)) = (r.get::<i64, _>(0), r.get::<&str, _>(1)) else { continue };
        queries.insert(
            id,
            StoreQuery {
                query_id: id,
                text: text.to_string(),
                plan_xml: String::new(),
                executions: 0,
                avg_duration_us: 0.0,
                first: NaiveDateTime::MAX,
                last: NaiveDateTime::MIN,
            },
        );
    }
    let mut plan_query = HashMap::new();
    for r in &plans {
        let (Some(plan), Some(query)) = (r.get::<i64, _>(0), r.get::<i64, _>(1)) else { continue };
        plan_query.insert(plan, query);
        if let Some(q) = queries.get_mut(&query) {
            q.plan_xml = r.get::<&str, _>(2).unwrap_or("").to_string();
        }
    }
    for r in &stats {
        let Some(q) = r.get::<i64, _>(0).and_then(|p| plan_query.get(&p)).and_then(|id| queries.get_mut(id))
        else {
            continue;
        };
        let first = r.get::<DateTime<FixedOffset>, _>(3).map(|t| t.naive_utc());
        let last = r.get::<DateTime<FixedOffset>, _>(4).map(|t| t.naive_utc());
        let (Some(first), Some(last)) = (first, last) else { continue };
        if last < since {
            continue;
        }
        let n = r.get::<i64, _>(1).unwrap_or(0).max(0) as u64;
        let avg = r.get::<f64, _>(2).unwrap_or(0.0);
        let total = q.avg_duration_us * q.executions as f64 + avg * n as f64;
        q.executions += n;
        q.avg_duration_us = if q.executions > 0 { total / q.executions as f64 } else { 0.0 };
        q.first = q.first.min(first);
        q.last = q.last.max(last);
    }
    let mut out: Vec<StoreQuery> = queries
        .into_values()
        .filter(|q| q.executions > 0)
        .filter(|q| !EXCLUDED.iter().any(|x| q.text.to_ascii_lowercase().contains(x)))
        .collect();
    out.sort_by(|a, b| b.executions.cmp(&a.executions).then(a.query_id.cmp(&b.query_id)));
    Ok(out)
}

/// `(@p1 int,@p2 nvarchar(40))SELECT …` → (declaration, statement).
pub fn split_parameterised(text: &str) -> (String, String) {
    let t = text.trim_start();
    if !t.starts_with('(') {
        return (String::new(), text.to_string());
    }
    let mut depth = 0;
    for (i, c) in t.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let decl = &t[1..i];
                    if decl.trim_start().starts_with('@') {
                        return (decl.to_string(), t[i + 1..].trim_start().to_string());
                    }
                    break;
                }
            }
            _ => {}
        }
    }
    (String::new(), text.to_string())
}

/// `Column → ParameterCompiledValue` from a showplan.
pub fn compiled_values(plan_xml: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut reader = Reader::from_str(plan_xml);
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Empty(e) | Event::Start(e) if e.name().as_ref() == b"ColumnReference" => {
                let mut column = None;
                let mut value = None;
                for a in e.attributes().flatten() {
                    let v = a.unescape_value().map(|v| v.into_owned()).unwrap_or_default();
                    match a.key.as_ref() {
                        b"Column" => column = Some(v.to_ascii_lowercase()),
                        b"ParameterCompiledValue" => value = Some(v),
                        _ => {}
                    }
                }
                if let (Some(c), Some(v)) = (column, value) {
                    out.insert(c, v);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// The workload TOML for these queries.
pub fn workload_toml(name: &str, database: Option<&str>, queries: &[StoreQuery]) -> String {
    let first = queries.iter().map(|q| q.first).min();
    let last = queries.iter().map(|q| q.last).max();
    let window_s = match (first, last) {
        (Some(f), Some(l)) => ((l - f).num_milliseconds() as f64 / 1000.0).max(1.0),
        _ => 1.0,
    };
    let total: u64 = queries.iter().map(|q| q.executions).sum();
    let rate = total as f64 / window_s;
    let s = |v: &str| toml::Value::String(v.to_string()).to_string();
    let mut out = format!(
        "# Built by `cutover capture --from-query-store` from {total} executions of {} queries over {window_s:.1} s.\n\
         # Weights are execution counts; parameters replay the value each plan was compiled for.\n\
         [workload]\nname = {}\ndescription = {}\nrate = {}\narrival = \"poisson\"\nconnections = 16\nduration = \"60s\"\nseed = 1\n",
        queries.len(),
        s(name),
        s("observed mix from Query Store"),
        s(&format!("{rate:.3}/s")),
    );
    if let Some(db) = database {
        out.push_str(&format!("database = {}\n", s(db)));
    }
    for (i, q) in queries.iter().enumerate() {
        let (decl, sql) = split_parameterised(&q.text);
        let compiled = compiled_values(&q.plan_xml);
        out.push_str(&format!(
            "\n# query_id {}: {} executions, avg {:.0} µs\n[[template]]\nname = \"q{}\"\nweight = {}\nsql = {}\n",
            q.query_id,
            q.executions,
            q.avg_duration_us,
            i + 1,
            q.executions,
            s(&sql)
        ));
        let params = declarations(&decl);
        if !params.is_empty() {
            out.push_str("[template.params]\n");
        }
        for (pname, ty) in params {
            let key = pname.trim_start_matches('@').to_string();
            let value = compiled.get(&pname.to_ascii_lowercase()).map(String::as_str);
            out.push_str(&format!("{key} = {}\n", generator(&ty, value)));
        }
    }
    out
}

/// A generator that sends `ty` with the compiled value (or a plausible range without one).
fn generator(ty: &str, compiled: Option<&str>) -> String {
    let base = ty.split('(').next().unwrap_or(ty).trim().to_ascii_lowercase();
    let v = compiled.map(|c| c.trim().trim_start_matches('(').trim_end_matches(')').to_string());
    let v = v.filter(|v| !v.eq_ignore_ascii_case("null"));
    let unquoted = v.as_deref().map(|v| v.trim_start_matches('N').trim_matches('\'').replace("''", "'"));
    let s = |x: &str| toml::Value::String(x.to_string()).to_string();
    match (base.as_str(), v.as_deref(), unquoted.as_deref()) {
        ("int" | "bigint" | "smallint" | "tinyint", Some(n), _) if n.parse::<i64>().is_ok() => {
            format!("{{ type = \"int\", min = {n}, max = {n}, sql_type = \"{base}\" }}")
        }
        ("int" | "bigint" | "smallint" | "tinyint", _, _) => {
            format!("{{ type = \"int\", min = 1, max = 1000, sql_type = \"{base}\" }} # no compiled value")
        }
        ("decimal" | "numeric" | "money" | "smallmoney", Some(n), _) => {
            format!("{{ type = \"decimal\", min = {0}, max = {0} }}", s(n))
        }
        ("float" | "real", Some(n), _) if n.parse::<f64>().is_ok() => {
            format!("{{ type = \"float\", min = {n}, max = {n} }}")
        }
        ("bit", Some(n), _) => format!("{{ type = \"bit\", p = {} }}", if n == "0" { "0.0" } else { "1.0" }),
        ("date", _, Some(d)) => format!("{{ type = \"date\", min = {0}, max = {0} }}", s(d)),
        ("datetime" | "datetime2" | "smalldatetime", _, Some(d)) => {
            let d = d.split('.').next().unwrap_or(d);
            format!("{{ type = \"datetime\", min = {0}, max = {0} }}", s(d))
        }
        (_, _, Some(text)) => format!("{{ type = \"list\", values = [{}] }}", s(text)),
        _ => "{ type = \"string\", length = 8 } # no compiled value".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: i64, text: &str, plan: &str, executions: u64, secs: i64) -> StoreQuery {
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap().naive_utc();
        StoreQuery {
            query_id: id,
            text: text.into(),
            plan_xml: plan.into(),
            executions,
            avg_duration_us: 100.0,
            first: t0,
            last: t0 + chrono::Duration::seconds(secs),
        }
    }

    #[test]
    fn parameterised_text_splits_into_declaration_and_statement() {
        assert_eq!(
            split_parameterised("(@p1 int,@p2 decimal(10,2))SELECT @p1"),
            ("@p1 int,@p2 decimal(10,2)".into(), "SELECT @p1".into())
        );
        assert_eq!(split_parameterised("SELECT (1)"), (String::new(), "SELECT (1)".into()));
    }

    #[test]
    fn the_workload_weights_by_executions_and_replays_compiled_values() {
        let plan = r#"<ShowPlanXML><QueryPlan><ParameterList><ColumnReference Column="@p1" ParameterDataType="int" ParameterCompiledValue="(42)" /></ParameterList></QueryPlan></ShowPlanXML>"#;
        let toml = workload_toml(
            "from-qs",
            Some("shop"),
            &[
                q(1, "(@p1 int)SELECT name FROM dbo.c WHERE id = @p1", plan, 300, 10),
                q(2, "SELECT COUNT(*) FROM dbo.c", "", 100, 10),
            ],
        );
        let w = crate::spec::Workload::parse("qs.toml", &toml, std::path::Path::new(".")).expect(&toml);
        assert_eq!(w.templates.len(), 2, "{toml}");
        assert!(toml.contains("rate = \"40.000/s\""), "{toml}");
        assert!(toml.contains("min = 42, max = 42"), "{toml}");
    }
}
