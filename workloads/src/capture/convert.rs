//! A parsed event → one line of the trace format (`docs/trace-format.md`): `session` from the
//! `session_id` action, `start_us` = completion timestamp − duration (µs since the Unix epoch),
//! `database`, `login`, then `batch` (the batch text as is), `rpc` (SQL and typed parameters),
//! or a prepared-statement call (`prepare`, `prepexec`, `execute`, `unprepare`, with the
//! source's handle), and what the server measured. A `login` or `existing_connection` event
//! becomes the session's state line: its database, login and SET options.

use serde::Serialize;
use serde_json::Value as J;

use super::statement::{Call, Prepared, TypedParam};
use super::xml::XeEvent;
use crate::trace::format::{SESSION_KIND, SessionState};
use crate::trace::set_options::parse_options_text;

fn param_lines(params: Vec<TypedParam>) -> Vec<ParamLine> {
    params.into_iter().map(|p| ParamLine { name: p.name, ty: p.ty, value: p.value }).collect()
}

/// A `login` or `existing_connection` event: the session's state from then on.
fn state(e: &XeEvent, session: i64) -> Converted {
    let database = e.action("database_name").or_else(|| e.data.get("database_name").map(String::as_str));
    Converted::State(SessionState {
        kind: SESSION_KIND.into(),
        session: session.to_string(),
        start_us: u64::try_from(e.timestamp.and_utc().timestamp_micros()).ok(),
        database: database.filter(|d| !d.is_empty()).map(str::to_string),
        login: e.action("username").or_else(|| e.action("server_principal_name")).map(str::to_string),
        set: parse_options_text(e.data.get("options_text").map(String::as_str).unwrap_or("")),
        prepared: Vec::new(),
    })
}

/// One trace line.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
    pub prepare: Option<PrepareLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepexec: Option<PrepareLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execute: Option<ExecuteLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unprepare: Option<HandleLine>,
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

/// `sp_prepare` (no params) or `sp_prepexec` (with the first execution's values).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrepareLine {
    pub handle: i64,
    pub declare: String,
    pub sql: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamLine>,
}

/// `sp_execute`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExecuteLine {
    pub handle: i64,
    pub params: Vec<ParamLine>,
}

/// `sp_unprepare`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HandleLine {
    pub handle: i64,
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
    Line(Box<TraceLine>),
    /// A session's state (from `login` / `existing_connection`).
    State(SessionState),
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
    if matches!(e.name.as_str(), "login" | "existing_connection") {
        // A new login on this id starts over: its prepared statements are gone.
        prepared.forget_session(&session.to_string());
        return state(e, session);
    }
    let duration = e.number("duration");
    let end_us = e.timestamp.and_utc().timestamp_micros();
    let mut line = TraceLine {
        session,
        start_us: end_us - duration.unwrap_or(0) as i64,
        database: e.action("database_name").map(str::to_string),
        login: e.action("username").or_else(|| e.action("server_principal_name")).map(str::to_string),
        duration_us: duration,
        cpu_us: e.number("cpu_time"),
        reads: e.number("logical_reads"),
        ..TraceLine::default()
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
                Call::Rpc { sql, params } => line.rpc = Some(RpcLine { sql, params: param_lines(params) }),
                Call::Batch(text) => line.batch = Some(text),
                Call::Prepare { handle, declare, sql } => {
                    line.prepare = Some(PrepareLine { handle, declare, sql, params: Vec::new() })
                }
                Call::PrepExec { handle, declare, sql, params } => {
                    line.prepexec = Some(PrepareLine { handle, declare, sql, params: param_lines(params) })
                }
                Call::Execute { handle, params } => {
                    line.execute = Some(ExecuteLine { handle, params: param_lines(params) })
                }
                Call::Unprepare { handle } => line.unprepare = Some(HandleLine { handle }),
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
    Converted::Line(Box::new(line))
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
    fn a_login_becomes_the_sessions_state_with_its_set_options() {
        let xml = r#"<event name="login" package="sqlserver" timestamp="2026-11-26T13:00:01Z"><data name="is_cached"><value>false</value></data><data name="options_text"><value>-- network protocol: TCP/IP&#xA;set quoted_identifier off&#xA;set dateformat dmy&#xA;set transaction isolation level read uncommitted&#xA;</value></data><data name="database_name"><value>shop</value></data><action name="session_id" package="sqlserver"><value>61</value></action><action name="username" package="sqlserver"><value>app</value></action></event>"#;
        let mut prepared = Prepared::default();
        prepared.resolve(
            "61",
            "declare @p1 int set @p1=3 exec sp_prepare @p1 output,N'',N'SELECT 1',1 select @p1",
        );
        let Converted::State(s) = convert(&parse_event(xml).unwrap(), &mut prepared) else {
            panic!("a state")
        };
        assert_eq!(
            (s.session.as_str(), s.database.as_deref(), s.login.as_deref()),
            ("61", Some("shop"), Some("app"))
        );
        assert_eq!(s.set["QUOTED_IDENTIFIER"], "OFF");
        assert_eq!(s.set["TRANSACTION ISOLATION LEVEL"], "READ UNCOMMITTED");
        let line = serde_json::to_string(&s).unwrap();
        assert!(line.starts_with("{\"kind\":\"cutover.session\""), "{line}");
        // The new login on id 61 starts over: handle 3 is gone.
        assert_eq!(
            prepared.resolve("61", "exec sp_execute 3"),
            crate::capture::statement::Call::Unresolved { handle: 3 }
        );
    }

    #[test]
    fn unresolved_handles_are_reported() {
        let xml = r#"<event name="rpc_completed" package="sqlserver" timestamp="2026-11-26T13:00:01Z"><data name="statement"><value>exec sp_execute 9,1</value></data><action name="session_id" package="sqlserver"><value>55</value></action></event>"#;
        let c = convert(&parse_event(xml).unwrap(), &mut Prepared::default());
        assert!(matches!(c, Converted::Report(m) if m.contains("handle 9")));
    }
}
