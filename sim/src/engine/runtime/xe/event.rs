//! The event XML, shaped like SQL Server's `event_data`:
//!
//! ```xml
//! <event name="rpc_completed" package="sqlserver" timestamp="2026-11-26T13:00:00.123Z">
//!   <data name="cpu_time"><value>120</value></data>
//!   <data name="duration"><value>180</value></data> …
//!   <data name="statement"><value>exec sp_executesql N'SELECT @P1',N'@P1 int',@P1=7</value></data>
//!   <action name="session_id" package="sqlserver"><value>53</value></action> …
//! </event>
//! ```
//!
//! Durations and CPU time are microseconds; `timestamp` is the completion time (UTC).

use chrono::{NaiveDate, NaiveDateTime};

use super::{Completed, EventSpec, Measures};
use crate::types::storage::{format_datetime, format_decimal, format_guid, format_time};
use crate::types::{Param, Value};

/// Who ran the request, and when it completed.
#[derive(Clone, Debug)]
pub(crate) struct Context {
    pub spid: u16,
    pub database: String,
    pub app_name: String,
    pub host_name: String,
    pub login: String,
    pub now: NaiveDateTime,
}

/// The file a started session writes: `cap.xel` → `cap_0_<100 ns ticks since 1601>.xel`.
pub(crate) fn file_name(filename: &str, now: &NaiveDateTime) -> String {
    let epoch = NaiveDate::from_ymd_opt(1601, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    let ticks = (*now - epoch).num_microseconds().unwrap_or(0) * 10;
    match filename.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains(['/', '\\']) => format!("{stem}_0_{ticks}.{ext}"),
        _ => format!("{filename}_0_{ticks}.xel"),
    }
}

/// A session's SET options as `options_text` shows them (the lines of an Audit Login event).
/// The simulator runs every session with SQL Server's defaults for a TDS 7.4 client that asks
/// for ANSI behaviour (ODBC, SqlClient, tiberius): its SET statements other than NOCOUNT do not
/// change how it runs statements, so these are the options its sessions have.
const OPTIONS_TEXT: &str = "-- network protocol: TCP/IP\nset quoted_identifier on\nset arithabort off\n\
    set numeric_roundabort off\nset ansi_warnings on\nset ansi_padding on\nset ansi_nulls on\n\
    set concat_null_yields_null on\nset cursor_close_on_commit off\nset implicit_transactions off\n\
    set language us_english\nset dateformat mdy\nset datefirst 7\nset transaction isolation level read committed\n";

/// The event's XML.
pub(crate) fn xml(name: &str, call: &Completed<'_>, m: &Measures, ctx: &Context, spec: &EventSpec) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(&format!(
        "<event name=\"{name}\" package=\"sqlserver\" timestamp=\"{}\">",
        ctx.now.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    ));
    if let Completed::Session { existing } = call {
        if !existing {
            data(&mut out, "is_cached", "false");
        }
        data(&mut out, "is_dac", "false");
        data(&mut out, "database_name", &ctx.database);
        data(&mut out, "options_text", if spec.collect_options_text { OPTIONS_TEXT } else { "" });
        actions(&mut out, &spec.actions, ctx, "");
        out.push_str("</event>");
        return out;
    }
    let result = if m.failed { ("2", "Abort") } else { ("0", "OK") };
    data(&mut out, "cpu_time", &m.cpu_us.to_string());
    data(&mut out, "duration", &m.duration_us.to_string());
    data(&mut out, "physical_reads", "0");
    data(&mut out, "logical_reads", &m.logical_reads.to_string());
    data(&mut out, "writes", "0");
    out.push_str(&format!(
        "<data name=\"result\"><value>{}</value><text>{}</text></data>",
        result.0, result.1
    ));
    data(&mut out, "row_count", &m.row_count.to_string());
    let sql_text = match call {
        Completed::Batch { text } => {
            data(&mut out, "batch_text", text);
            text.to_string()
        }
        Completed::Rpc { sql, declaration, params } => {
            out.push_str("<data name=\"connection_reset_option\"><value>0</value><text>None</text></data>");
            data(&mut out, "object_name", "sp_executesql");
            let statement = rpc_statement(sql, *declaration, params);
            data(&mut out, "statement", &statement);
            out.push_str("<data name=\"data_stream\"><value /></data>");
            out.push_str("<data name=\"output_parameters\"><value /></data>");
            statement
        }
        Completed::Session { .. } => String::new(),
    };
    actions(&mut out, &spec.actions, ctx, &sql_text);
    out.push_str("</event>");
    out
}

/// The requested actions' values.
fn actions(out: &mut String, actions: &[String], ctx: &Context, sql_text: &str) {
    for action in actions {
        let value = match action.as_str() {
            "session_id" => ctx.spid.to_string(),
            "database_name" => ctx.database.clone(),
            "client_app_name" => ctx.app_name.clone(),
            "client_hostname" => ctx.host_name.clone(),
            "username" | "server_principal_name" | "nt_username" => ctx.login.clone(),
            "sql_text" => sql_text.to_string(),
            "database_id" => String::new(),
            _ => continue,
        };
        out.push_str(&format!("<action name=\"{action}\" package=\"sqlserver\"><value>"));
        escape_into(out, &value);
        out.push_str("</value></action>");
    }
}

fn data(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!("<data name=\"{name}\"><value>"));
    escape_into(out, value);
    out.push_str("</value></data>");
}

/// As SQL Server's XML serializer writes text ([`cutover_common::xml::escape_as_sql_server`]).
fn escape_into(out: &mut String, text: &str) {
    out.push_str(&cutover_common::xml::escape_as_sql_server(text));
}

/// How the RPC looks in `statement`: `exec sp_executesql N'…',N'@P1 int',@P1=7`.
pub(crate) fn rpc_statement(sql: &str, declaration: Option<&str>, params: &[Param]) -> String {
    let mut out = format!("exec sp_executesql {}", n_literal(sql));
    let declared = declaration.map(str::to_string).unwrap_or_else(|| {
        params.iter().map(|p| format!("{} {}", p.name, p.ty.to_sql())).collect::<Vec<_>>().join(",")
    });
    if !params.is_empty() || !declared.is_empty() {
        out.push(',');
        out.push_str(&n_literal(&declared));
    }
    for p in params {
        out.push_str(&format!(",{}={}", p.name, literal(&p.value)));
    }
    out
}

fn n_literal(s: &str) -> String {
    format!("N'{}'", s.replace('\'', "''"))
}

/// A value as SQL Server prints it in the statement text.
fn literal(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bit(b) => (*b as u8).to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Decimal { value, scale } => format_decimal(*value, *scale),
        Value::Str(s) => n_literal(s),
        Value::Bytes(b) => format!("0x{}", b.iter().map(|x| format!("{x:02X}")).collect::<String>()),
        Value::Date(d) => format!("'{}'", d.format("%Y-%m-%d")),
        Value::Time(t) => format!("'{}'", format_time(t)),
        Value::DateTime(dt) => format!("'{}'", format_datetime(dt)),
        Value::DateTimeOffset(dt, off) => {
            format!("'{} {}'", format_datetime(dt), crate::types::storage::format_offset(*off))
        }
        Value::Guid(g) => format!("'{}'", format_guid(g)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SqlType;

    #[test]
    fn rpc_statements_look_like_sql_servers() {
        let params = [
            Param { name: "@P1".into(), ty: SqlType::Int, value: Value::Int(7), output: false },
            Param {
                name: "@P2".into(),
                ty: SqlType::NVarChar(crate::types::Len::N(4000)),
                value: Value::Str("O'Brien".into()),
                output: false,
            },
        ];
        assert_eq!(
            rpc_statement("SELECT @P1, @P2", Some("@P1 int,@P2 nvarchar(4000)"), &params),
            "exec sp_executesql N'SELECT @P1, @P2',N'@P1 int,@P2 nvarchar(4000)',@P1=7,@P2=N'O''Brien'"
        );
    }

    #[test]
    fn file_names_carry_the_rollover_number_and_ticks() {
        let now = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let f = file_name("C:\\xe\\cap.xel", &now);
        assert!(f.starts_with("C:\\xe\\cap_0_") && f.ends_with(".xel"), "{f}");
    }
}
