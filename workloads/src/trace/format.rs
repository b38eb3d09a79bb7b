//! The lines of a capture file (`docs/trace-format.md`): strict JSON Lines, one object per line.
//!
//! - the **header**, the first line of every file `cutover capture` writes:
//!   `{"kind": "cutover.capture", "format": 2, "capture": …, "part": 1, "started_at": …}`;
//! - **notes**: `{"kind": "cutover.note", "message": "not captured: …"}` (what the capture saw but
//!   could not write);
//! - **session state**: `{"kind": "cutover.session", "session": 53, …}` (database, login and SET
//!   options of a session, from the `login` / `existing_connection` events);
//! - **events**: every other object (no `kind`, or `"kind": "event"`).
//!
//! Files of format 1 started with a `// cutover capture…` comment line: lines starting with
//! `//` are still skipped when read, and never written.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// The format version this build writes (and the highest it reads).
pub const FORMAT: u32 = 2;
/// `kind` of the header line.
pub const HEADER_KIND: &str = "cutover.capture";
/// `kind` of a note line.
pub const NOTE_KIND: &str = "cutover.note";
/// `kind` of a session-state line.
pub const SESSION_KIND: &str = "cutover.session";

/// The first line of each file of a capture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`HEADER_KIND`].
    pub kind: String,
    /// [`FORMAT`].
    pub format: u32,
    /// The capture's name (its event session), the same in every file of one capture.
    pub capture: String,
    /// 1-based file number within the capture.
    pub part: u32,
    /// When the capture began (RFC 3339, UTC).
    pub started_at: String,
    /// The server captured (redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The cutover version that wrote the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutover_version: Option<String>,
}

impl Header {
    /// The header of part `part` of capture `capture`.
    pub fn new(capture: &str, part: u32, started_at: String, source: Option<String>) -> Header {
        Header {
            kind: HEADER_KIND.into(),
            format: FORMAT,
            capture: capture.into(),
            part,
            started_at,
            source,
            cutover_version: Some(env!("CARGO_PKG_VERSION").into()),
        }
    }
}

/// A note: something the capture saw and did not write as an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// [`NOTE_KIND`].
    pub kind: String,
    /// What and why.
    pub message: String,
}

impl Note {
    /// A note line.
    pub fn new(message: impl Into<String>) -> Note {
        Note { kind: NOTE_KIND.into(), message: message.into() }
    }
}

/// What a session depended on when it began: written before its first event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionState {
    /// [`SESSION_KIND`].
    pub kind: String,
    /// The captured session id (written as a number when it is one, as in event lines).
    #[serde(deserialize_with = "session_id", serialize_with = "write_session_id")]
    pub session: String,
    /// When the state was seen (µs, the events' clock).
    #[serde(default)]
    pub start_us: Option<u64>,
    /// The session's database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Its login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// SET options by name (`QUOTED_IDENTIFIER` → `ON`, `DATEFORMAT` → `dmy`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
    /// Statements prepared before this point (`sp_prepare`), by captured handle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prepared: Vec<PreparedLine>,
}

/// A prepared statement a session holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreparedLine {
    /// The handle the source server returned.
    pub handle: i64,
    /// The parameter declaration (`@P1 int, @P2 nvarchar(40)`).
    #[serde(default)]
    pub declare: String,
    /// The statement.
    pub sql: String,
}

/// An event as written (borrowing from the line where it can).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent<'a> {
    #[serde(default, borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(deserialize_with = "session_id")]
    pub session: String,
    pub start_us: u64,
    #[serde(default, borrow)]
    pub database: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub login: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub batch: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub rpc: Option<RawRpc<'a>>,
    /// `sp_prepare`: `{handle, declare, sql}`.
    #[serde(default, borrow)]
    pub prepare: Option<RawPrepare<'a>>,
    /// `sp_prepexec`: `{handle, declare, sql, params}` (prepared and run at once).
    #[serde(default, borrow)]
    pub prepexec: Option<RawPrepare<'a>>,
    /// `sp_execute`: `{handle, params}`.
    #[serde(default, borrow)]
    pub execute: Option<RawExecute<'a>>,
    /// `sp_unprepare`: `{handle}`.
    #[serde(default)]
    pub unprepare: Option<RawHandle>,
    #[serde(default)]
    pub duration_us: Option<u64>,
    #[serde(default)]
    pub cpu_us: Option<u64>,
    #[serde(default)]
    pub reads: Option<u64>,
}

/// `rpc`: `sp_executesql`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRpc<'a> {
    #[serde(borrow)]
    pub sql: Cow<'a, str>,
    #[serde(default, borrow)]
    pub params: Vec<RawParam<'a>>,
}

/// `prepare` / `prepexec`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrepare<'a> {
    /// The handle the source server returned.
    pub handle: i64,
    #[serde(borrow)]
    pub sql: Cow<'a, str>,
    /// The parameter declaration (`@P1 int, @P2 nvarchar(40)`); from `params` when absent.
    #[serde(default, borrow)]
    pub declare: Option<Cow<'a, str>>,
    /// `prepexec`: the values of the first execution.
    #[serde(default, borrow)]
    pub params: Vec<RawParam<'a>>,
}

/// `execute`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExecute<'a> {
    pub handle: i64,
    #[serde(default, borrow)]
    pub params: Vec<RawParam<'a>>,
}

/// `unprepare`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHandle {
    pub handle: i64,
}

/// One typed RPC parameter.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParam<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    pub ty: Cow<'a, str>,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// Only the `kind` of a line (other fields ignored).
#[derive(Deserialize)]
struct KindOnly<'a> {
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
}

/// A line, classified.
pub enum Line<'a> {
    /// Blank, or a `//` comment of a format-1 file.
    Skip,
    Header(Header),
    Note(Note),
    Session(SessionState),
    Event(Box<RawEvent<'a>>),
}

/// Why a line is not valid: the column and the message.
#[derive(Clone, Debug, PartialEq)]
pub struct LineError {
    /// 1-based column.
    pub column: usize,
    /// The field at fault (`event`, `kind`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn json_error(field: &str, e: serde_json::Error) -> LineError {
    LineError {
        column: e.column().max(1),
        field: field.into(),
        message: format!("{e}; each line is one JSON object (docs/trace-format.md)"),
    }
}

/// Classifies and parses one line (without its newline).
pub fn parse_line(text: &str) -> Result<Line<'_>, LineError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with("//") {
        return Ok(Line::Skip);
    }
    // Most lines are events without a `kind`: the slow path only when the key appears at all.
    let kind = if trimmed.contains("\"kind\"") {
        serde_json::from_str::<KindOnly>(trimmed).map_err(|e| json_error("event", e))?.kind
    } else {
        None
    };
    match kind.as_deref() {
        None | Some("event") => serde_json::from_str(trimmed)
            .map(|e| Line::Event(Box::new(e)))
            .map_err(|e| json_error("event", e)),
        Some(HEADER_KIND) => {
            let h: Header = serde_json::from_str(trimmed).map_err(|e| json_error("header", e))?;
            if h.format > FORMAT {
                return Err(LineError {
                    column: 1,
                    field: "format".into(),
                    message: format!(
                        "format {} is newer than this cutover reads ({FORMAT}): upgrade cutover",
                        h.format
                    ),
                });
            }
            Ok(Line::Header(h))
        }
        Some(NOTE_KIND) => serde_json::from_str(trimmed).map(Line::Note).map_err(|e| json_error("note", e)),
        Some(SESSION_KIND) => {
            serde_json::from_str(trimmed).map(Line::Session).map_err(|e| json_error("session", e))
        }
        Some(other) => Err(LineError {
            column: 1,
            field: "kind".into(),
            message: format!(
                "unknown kind `{other}`: use {HEADER_KIND}, {NOTE_KIND}, {SESSION_KIND} or none for an event"
            ),
        }),
    }
}

/// A session id as written: an integer when it is one.
fn write_session_id<S: serde::Serializer>(id: &str, s: S) -> Result<S::Ok, S::Error> {
    match id.parse::<i64>() {
        Ok(n) => s.serialize_i64(n),
        Err(_) => s.serialize_str(id),
    }
}

/// A session id: an integer or a string, kept as text.
fn session_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a session id (integer or string)")
        }
        fn visit_u64<E>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_str<E>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(Visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_told_apart_by_kind() {
        let h = serde_json::to_string(&Header::new("cap", 1, "2026-01-01T00:00:00Z".into(), None)).unwrap();
        assert!(h.starts_with("{\"kind\":\"cutover.capture\",\"format\":2"), "{h}");
        assert!(matches!(parse_line(&h), Ok(Line::Header(x)) if x.part == 1));
        let n = serde_json::to_string(&Note::new("not captured: x")).unwrap();
        assert!(matches!(parse_line(&n), Ok(Line::Note(x)) if x.message == "not captured: x"));
        assert!(matches!(parse_line("// cutover capture: event session s"), Ok(Line::Skip)));
        assert!(matches!(parse_line("   "), Ok(Line::Skip)));
        let e = r#"{"session": 5, "start_us": 1, "batch": "SELECT '\"kind\"'"}"#;
        assert!(matches!(parse_line(e), Ok(Line::Event(x)) if x.session == "5"));
        let s = r#"{"kind": "cutover.session", "session": "a", "set": {"DATEFORMAT": "dmy"}}"#;
        assert!(matches!(parse_line(s), Ok(Line::Session(x)) if x.set["DATEFORMAT"] == "dmy"));
        let bad = parse_line(
            r#"{"kind": "cutover.capture", "format": 9, "capture": "c", "part": 1, "started_at": ""}"#,
        );
        assert!(matches!(bad, Err(e) if e.message.contains("upgrade")));
        assert!(matches!(parse_line(r#"{"kind": "other"}"#), Err(e) if e.field == "kind"));
    }
}
