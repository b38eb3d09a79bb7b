//! A parsed event → one line of the trace format (`docs/trace-format.md`): `session` from the
//! `session_id` action, `start_us` = completion timestamp − duration (µs since the Unix epoch),
//! `database`, `login`, then `batch` (the batch text as is) or `rpc` (SQL and typed
//! parameters), and what the server measured.

use serde::Serialize;
use serde_json::Value as J;

use super::statement::{Call, Prepared};
use super::xml::XeEvent;

/// One trace line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceLine {
    pub session: i64,
    pub start_us: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc: Option<RpcLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_us: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_us: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reads: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RpcLine {
    pub sql: String,
    pub params: Vec<ParamLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamLine {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub value: J,
}

/// What one event became.
#[derive(Clone, Debug, PartialEq)]
pub enum Converted {
    Line(TraceLine),
    /// Nothing to replay (sp_prepare, sp_unprepare, an empty batch).
    Skip,
    /// Reported, not written: why.
    Report(String),
}

/// Converts one event; `prepared` carries sp_prepare handles between events.
pub fn convert(e: &XeEvent, prepared: &mut Prepared) -> Converted {
    let Some(session) = e.action("session_id").and_then(|s| s.parse::<i64>().ok()) else {
        return Converted::Report(format!("{} at {} has no session_id action", e.name, e.timestamp));
    };
    let duration = e.number("duration");
    let end_us = e.timestamp.and_utc().timestamp_micros();
    let mut line = TraceLine {
        session,
        start_us: end_us - duration.unwrap_or(0) as i64,
        database: e.action("database_name").map(str::to_string),
        login: e.action("username").or_else(|| e.action("server_principal_name")).map(str::to_string),
        batch: None,
        rpc: None,
        duration_us: duration,
        cpu_us: e.number("cpu_time"),
        reads: e.number("logical_reads"),
    };
    match e.name.as_str() {
        "sql_batch_completed" => {
            let text = e.data.get("batch_text").cloned().or_else(|| e.actions.get("sql_text").cloned());
            match text {
                Some(t) if !t.trim().is_empty() => line.batch = Some(t),
                _ => return Converted::Skip,
            }
        }
        "rpc_completed" => {
            let Some(statement) = e.data.get("statement").filter(|s| !s.trim().is_empty()) else {
                return Converted::Report(format!(
                    "rpc_completed on session {session} at {} has no statement (collect_statement off?)",
                    e.timestamp
                ));
            };
            match prepared.resolve(&session.to_string(), statement) {
                Call::Rpc { sql, params } => {
                    let params = params
                        .into_iter()
                        .map(|p| ParamLine { name: p.name, ty: p.ty, value: p.value })
                        .collect();
                    line.rpc = Some(RpcLine { sql, params });
                }
                Call::Batch(text) => line.batch = Some(text),
                Call::Nothing => return Converted::Skip,
                Call::Unresolved { handle } => {
                    return Converted::Report(format!(
                        "sp_execute of prepared handle {handle} on session {session} at {}: the sp_prepare \
                         happened before the capture started, so the statement is unknown (not written)",
                        e.timestamp
                    ));
                }
            }
        }
        other => return Converted::Report(format!("event {other} is not captured")),
    }
    Converted::Line(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::xml::parse_event;

    #[test]
    fn an_rpc_event_becomes_a_typed_trace_line_that_replay_reads() {
        let xml = r#"<event name="rpc_completed" package="sqlserver" timestamp="2026-11-26T13:00:01.000Z"><data name="cpu_time"><value>150</value></data><data name="duration"><value>2000</value></data><data name="logical_reads"><value>3</value></data><data name="statement"><value>exec sp_executesql N'SELECT name FROM dbo.c WHERE id = @P1',N'@P1 int',@P1=7</value></data><action name="session_id" package="sqlserver"><value>55</value></action><action name="database_name" package="sqlserver"><value>shop</value></action><action name="username" package="sqlserver"><value>app</value></action></event>"#;
        let Converted::Line(line) = convert(&parse_event(xml).unwrap(), &mut Prepared::default()) else {
            panic!("converted")
        };
        assert_eq!(line.session, 55);
        assert_eq!(line.duration_us, Some(2000));
        assert_eq!(line.start_us % 1_000_000, 998_000);
        let json = serde_json::to_string(&line).unwrap();
        let crate::trace::format::Line::Event(raw) = crate::trace::format::parse_line(&json).unwrap() else {
            panic!("an event line: {json}")
        };
        let event = crate::trace::event::Parser::default()
            .event(crate::trace::At::default(), &raw)
            .expect("replay reads what capture writes");
        assert_eq!(event.values.len(), 1);
        assert_eq!(event.login.as_deref(), Some("app"));
    }

    #[test]
    fn unresolved_handles_are_reported() {
        let xml = r#"<event name="rpc_completed" package="sqlserver" timestamp="2026-11-26T13:00:01Z"><data name="statement"><value>exec sp_execute 9,1</value></data><action name="session_id" package="sqlserver"><value>55</value></action></event>"#;
        let c = convert(&parse_event(xml).unwrap(), &mut Prepared::default());
        assert!(matches!(c, Converted::Report(m) if m.contains("handle 9")));
    }
}
