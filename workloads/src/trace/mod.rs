//! Trace-driven replay: a captured event file (JSON Lines, `docs/trace-format.md`) replayed per
//! session in captured order, anchored to the capture's schedule at a speed factor.
//!
//! [`Trace::parse`] validates the file (errors give file:line and the field); [`engine`] runs
//! it. Each distinct SQL text (whitespace collapsed) is one histogram tag, `q1`, `q2`, … in
//! order of first appearance; `summary.json` gives the text beside the tag. Every event keeps
//! its line number, so an error in `errors.jsonl` points back at the captured event.

pub mod engine;

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::executor::CallKind;
use crate::spec::Statement;
use crate::value::ParamValue;

/// Server-side figures the capture measured, when it did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// Duration, µs.
    pub duration_us: Option<u64>,
    /// CPU time, µs.
    pub cpu_us: Option<u64>,
    /// Logical reads.
    pub reads: Option<u64>,
}

/// One captured event, ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// 1-based line in the trace file.
    pub line: usize,
    /// Database to run in (before mapping).
    pub database: Option<String>,
    /// Offset from the start of the capture.
    pub start: Duration,
    /// Batch text or RPC.
    pub kind: CallKind,
    /// The SQL (`@Pk` placeholders for RPC).
    pub statement: Statement,
    /// RPC parameter values, in `@Pk` order.
    pub values: Vec<ParamValue>,
    /// Index of the event's tag (its normalised SQL text).
    pub tag: usize,
    /// What the capture measured.
    pub captured: Captured,
}

/// A captured session: its events in captured order.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The captured session id.
    pub id: String,
    /// The login it ran under (before mapping), from its first event that names one.
    pub login: Option<String>,
    /// Events sorted by start offset (file order among equal offsets).
    pub events: Vec<Event>,
}

/// A validated trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The file as given.
    pub file: String,
    /// Sessions in order of first appearance (the index is what `--shard` divides).
    pub sessions: Vec<Session>,
    /// Normalised SQL text per tag.
    pub texts: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SessionId {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    session: SessionId,
    start_us: u64,
    #[serde(default)]
    database: Option<String>,
    #[serde(default)]
    login: Option<String>,
    #[serde(default)]
    batch: Option<String>,
    #[serde(default)]
    rpc: Option<RawRpc>,
    #[serde(default)]
    duration_us: Option<u64>,
    #[serde(default)]
    cpu_us: Option<u64>,
    #[serde(default)]
    reads: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRpc {
    sql: String,
    #[serde(default)]
    params: Vec<RawParam>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    value: serde_json::Value,
}

impl Trace {
    /// Reads and validates a trace file.
    pub fn load(path: &Path) -> Result<Trace> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        Trace::parse(&path.display().to_string(), &text)
    }

    /// Validates trace text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Trace> {
        let invalid = |line: usize, field: &str, message: String| Error::Invalid {
            file: file.to_string(),
            line,
            column: 1,
            field: field.to_string(),
            message,
        };
        let mut sessions: Vec<Session> = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut tags: HashMap<String, usize> = HashMap::new();
        let mut texts = Vec::new();
        for (i, raw_line) in text.lines().enumerate() {
            let line = i + 1;
            let trimmed = raw_line.trim();
            if trimmed.is_empty() || trimmed.starts_with("//") {
                continue;
            }
            let raw: RawEvent = serde_json::from_str(trimmed).map_err(|e| Error::Invalid {
                file: file.to_string(),
                line,
                column: e.column().max(1),
                field: "event".into(),
                message: format!("{e}; each line is one JSON object (docs/trace-format.md)"),
            })?;
            let (kind, statement, values, sql_text) = match (raw.batch, raw.rpc) {
                (Some(sql), None) => {
                    (CallKind::Batch, Statement { sql: sql.clone(), args: Vec::new() }, Vec::new(), sql)
                }
                (None, Some(rpc)) => {
                    let (statement, values) = rpc_statement(&rpc).map_err(|(f, m)| invalid(line, &f, m))?;
                    (CallKind::Rpc, statement, values, rpc.sql)
                }
                _ => {
                    return Err(invalid(
                        line,
                        "batch/rpc",
                        "give exactly one of `batch` (SQL text) or `rpc` ({sql, params})".into(),
                    ));
                }
            };
            if sql_text.trim().is_empty() {
                return Err(invalid(line, "sql", "the SQL text is empty".into()));
            }
            let normalised = sql_text.split_whitespace().collect::<Vec<_>>().join(" ");
            let tag = *tags.entry(normalised.clone()).or_insert_with(|| {
                texts.push(normalised);
                texts.len() - 1
            });
            let id = match raw.session {
                SessionId::Number(n) => n.to_string(),
                SessionId::Text(s) => s,
            };
            let s = *by_id.entry(id.clone()).or_insert_with(|| {
                sessions.push(Session { id, login: None, events: Vec::new() });
                sessions.len() - 1
            });
            let session = &mut sessions[s];
            if session.login.is_none() {
                session.login = raw.login;
            }
            session.events.push(Event {
                line,
                database: raw.database,
                start: Duration::from_micros(raw.start_us),
                kind,
                statement,
                values,
                tag,
                captured: Captured { duration_us: raw.duration_us, cpu_us: raw.cpu_us, reads: raw.reads },
            });
        }
        if sessions.is_empty() {
            return Err(invalid(1, "event", "the trace has no events".into()));
        }
        for s in &mut sessions {
            // Stable: file order among events with the same start.
            s.events.sort_by_key(|e| e.start);
        }
        Ok(Trace { file: file.to_string(), sessions, texts })
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.sessions.iter().map(|s| s.events.len()).sum()
    }

    /// True when there are no events (a parsed trace always has some).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tags (`q1`, `q2`, …), one per normalised SQL text.
    pub fn tags(&self) -> Vec<String> {
        (1..=self.texts.len()).map(|i| format!("q{i}")).collect()
    }

    /// The first start offset in the capture: the schedule's origin.
    pub fn origin(&self) -> Duration {
        self.sessions.iter().filter_map(|s| s.events.first()).map(|e| e.start).min().unwrap_or_default()
    }

    /// Tags whose text may write (a data- or schema-changing keyword, `EXEC` included).
    pub fn writing_tags(&self) -> Vec<String> {
        self.texts
            .iter()
            .enumerate()
            .filter(|(_, t)| crate::spec::access::write_keyword(t).is_some())
            .map(|(i, _)| format!("q{}", i + 1))
            .collect()
    }
}

/// The RPC's SQL with `@Pk` placeholders and its typed values.
fn rpc_statement(rpc: &RawRpc) -> Result<(Statement, Vec<ParamValue>), (String, String)> {
    let mut values = Vec::with_capacity(rpc.params.len());
    let mut names = Vec::with_capacity(rpc.params.len());
    for (i, p) in rpc.params.iter().enumerate() {
        let field = format!("rpc.params[{i}]");
        let name = p.name.trim_start_matches('@').to_string();
        if name.is_empty() {
            return Err((format!("{field}.name"), "a parameter needs a name (`@id`)".into()));
        }
        values.push(param_value(&p.ty, &p.value).map_err(|m| (format!("{field} {name}"), m))?);
        names.push(name);
    }
    let bound = crate::spec::bind::bind(&rpc.sql, |n| names.iter().any(|p| p.eq_ignore_ascii_case(n)))
        .map_err(|m| ("rpc.sql".to_string(), m))?;
    let args = bound
        .names
        .iter()
        .map(|n| names.iter().position(|p| p.eq_ignore_ascii_case(n)).unwrap_or(0))
        .collect();
    Ok((Statement { sql: bound.sql, args }, values))
}

/// A typed value from its SQL type name and JSON value (`null` for NULL).
fn param_value(ty: &str, v: &serde_json::Value) -> std::result::Result<ParamValue, String> {
    use serde_json::Value as J;
    if v.is_null() {
        return Ok(ParamValue::Null);
    }
    let base = ty.split('(').next().unwrap_or(ty).trim().to_ascii_lowercase();
    let want = |what: &str| format!("`{v}` is not a valid {what} for type {ty}");
    let int = || v.as_i64().ok_or_else(|| want("integer"));
    let text = || match v {
        J::String(s) => Ok(s.clone()),
        _ => Err(want("string")),
    };
    Ok(match base.as_str() {
        "bit" => ParamValue::Bit(match v {
            J::Bool(b) => *b,
            J::Number(n) => n.as_i64() != Some(0),
            _ => return Err(want("bit (true, false, 0 or 1)")),
        }),
        "tinyint" => ParamValue::TinyInt(u8::try_from(int()?).map_err(|_| want("tinyint"))?),
        "smallint" => ParamValue::SmallInt(i16::try_from(int()?).map_err(|_| want("smallint"))?),
        "int" => ParamValue::Int(i32::try_from(int()?).map_err(|_| want("int"))?),
        "bigint" => ParamValue::BigInt(int()?),
        "float" | "real" => ParamValue::Float(v.as_f64().ok_or_else(|| want("number"))?),
        "decimal" | "numeric" | "money" | "smallmoney" => ParamValue::Decimal(match v {
            J::String(s) => Decimal::from_str(s).map_err(|_| want("decimal"))?,
            J::Number(n) => Decimal::from_str(&n.to_string()).map_err(|_| want("decimal"))?,
            _ => return Err(want("decimal (a string such as \"12.50\")")),
        }),
        "nvarchar" | "varchar" | "nchar" | "char" | "ntext" | "text" | "uniqueidentifier" => {
            ParamValue::NVarChar(text()?)
        }
        "date" => ParamValue::Date(NaiveDate::from_str(&text()?).map_err(|_| want("date (YYYY-MM-DD)"))?),
        "datetime" | "datetime2" | "smalldatetime" => {
            let s = text()?;
            ParamValue::DateTime(
                NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S%.f")
                    .or_else(|_| NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S%.f"))
                    .map_err(|_| want("datetime (YYYY-MM-DDTHH:MM:SS[.fff])"))?,
            )
        }
        _ => {
            return Err(format!(
                "unknown type `{ty}`: use bit, tinyint, smallint, int, bigint, float, decimal, \
                 nvarchar, varchar, date or datetime2"
            ));
        }
    })
}

#[cfg(test)]
mod tests;
