//! A parsed event, ready to send: [`Parser`] turns a [`RawEvent`] into an [`Parsed`] event,
//! binding RPC parameters (`@name` → `@Pk`) and typing their values. Statements repeat (an
//! application sends the same few hundred statements millions of times), so each distinct
//! statement is bound once and shared ([`Arc`]); database and login names are shared too.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::format::{LineError, RawEvent, RawParam};
use crate::executor::CallKind;
use crate::spec::Statement;
use crate::value::ParamValue;

/// Distinct statements (or names) kept before a cache starts again from empty.
const CACHE_LIMIT: usize = 100_000;

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

/// Where a line is: the file's index in the replay's file list and its 1-based line number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct At {
    pub file: u32,
    pub line: u64,
}

/// A statement as sent, with the text its tag is computed from.
#[derive(Debug)]
pub struct Bound {
    /// The SQL as sent (`@Pk` placeholders for RPC) and which value each placeholder takes.
    pub statement: Statement,
    /// The statement as captured (before binding).
    pub text: String,
    /// Its fingerprint (literals as `?`): the tag's text.
    pub fingerprint: String,
    /// It may write (a data- or schema-changing keyword, `EXEC` included).
    pub writes: bool,
    /// Its tag, once the stream has given it one.
    pub tag: std::sync::OnceLock<usize>,
    /// A prepared statement's parameter declaration (`@P1 int`): sent with `sp_prepare`.
    pub declare: Option<String>,
    /// Batch or RPC.
    kind: CallKind,
    /// The RPC's parameter names, in the order given.
    names: Vec<String>,
}

/// A call on a prepared statement, with the handle the source server gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreparedOp {
    /// `sp_prepare`.
    Prepare,
    /// `sp_prepexec`: prepared and run at once.
    PrepExec,
    /// `sp_execute` of a handle.
    Execute,
    /// `sp_unprepare` of a handle.
    Unprepare,
}

/// One event, parsed, before the merge gives it its session index and tag.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub at: At,
    /// The captured session id.
    pub session: Arc<str>,
    /// As captured (µs, any origin).
    pub start_us: u64,
    pub database: Option<Arc<str>>,
    pub login: Option<Arc<str>>,
    pub kind: CallKind,
    /// The statement (None for `sp_execute` and `sp_unprepare`, resolved by handle later).
    pub bound: Option<Arc<Bound>>,
    /// RPC parameter values, in the order the statement's `args` index (prepared statements:
    /// in declaration order).
    pub values: Vec<ParamValue>,
    /// A prepared-statement call and its captured handle.
    pub op: Option<(PreparedOp, i64)>,
    pub captured: Captured,
}

/// Turns raw events into [`Parsed`] ones, sharing what repeats.
#[derive(Default)]
pub struct Parser {
    /// Bound statements by the hash of (kind, text, parameter names).
    statements: HashMap<u64, Vec<Arc<Bound>>>,
    hasher: std::hash::RandomState,
    names: HashMap<String, Arc<str>>,
}

impl Parser {
    /// Parses one event found at `at`.
    pub fn event(&mut self, at: At, raw: &RawEvent<'_>) -> Result<Parsed, LineError> {
        let invalid = |field: &str, message: String| LineError { column: 1, field: field.into(), message };
        let given = [
            raw.batch.is_some(),
            raw.rpc.is_some(),
            raw.prepare.is_some(),
            raw.prepexec.is_some(),
            raw.execute.is_some(),
            raw.unprepare.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(invalid(
                "batch/rpc",
                "give exactly one of `batch` (SQL text), `rpc` ({sql, params}), `prepare`, `prepexec`, `execute` \
                 or `unprepare`"
                    .into(),
            ));
        }
        let mut op = None;
        let (bound, values) = if let Some(sql) = &raw.batch {
            let bound = self.bound(CallKind::Batch, sql, &[], None, |_| {
                Ok(Statement { sql: sql.to_string(), args: Vec::new() })
            });
            (Some(bound.map_err(|m| invalid("batch", m))?), Vec::new())
        } else if let Some(rpc) = &raw.rpc {
            let (names, values) = typed_params("rpc", &rpc.params).map_err(|(f, m)| invalid(&f, m))?;
            let bound = self
                .bound(CallKind::Rpc, &rpc.sql, &names, None, |names| bind_rpc(&rpc.sql, names))
                .map_err(|m| invalid("rpc.sql", m))?;
            (Some(bound), values)
        } else if let Some((field, p, kind)) = raw
            .prepare
            .as_ref()
            .map(|p| ("prepare", p, PreparedOp::Prepare))
            .or_else(|| raw.prepexec.as_ref().map(|p| ("prepexec", p, PreparedOp::PrepExec)))
        {
            let (_, values) = typed_params(field, &p.params).map_err(|(f, m)| invalid(&f, m))?;
            let declare = match &p.declare {
                Some(d) => d.to_string(),
                None => p
                    .params
                    .iter()
                    .map(|x| format!("@{} {}", x.name.trim_start_matches('@'), x.ty))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            op = Some((kind, p.handle));
            let bound = self.bound(CallKind::Rpc, &p.sql, &[], Some(&declare), |_| {
                Ok(Statement { sql: p.sql.to_string(), args: (0..p.params.len()).collect() })
            });
            (
                Some(bound.map_err(|m| invalid(field, m))?),
                if kind == PreparedOp::PrepExec { values } else { Vec::new() },
            )
        } else if let Some(e) = &raw.execute {
            let (_, values) = typed_params("execute", &e.params).map_err(|(f, m)| invalid(&f, m))?;
            op = Some((PreparedOp::Execute, e.handle));
            (None, values)
        } else {
            op = raw.unprepare.as_ref().map(|u| (PreparedOp::Unprepare, u.handle));
            (None, Vec::new())
        };
        if bound.as_ref().is_some_and(|b| b.text.trim().is_empty()) {
            return Err(invalid("sql", "the SQL text is empty".into()));
        }
        let kind = if raw.batch.is_some() { CallKind::Batch } else { CallKind::Rpc };
        Ok(Parsed {
            at,
            session: self.name(&raw.session),
            start_us: raw.start_us,
            database: raw.database.as_deref().map(|d| self.name(d)),
            login: raw.login.as_deref().map(|l| self.name(l)),
            kind,
            bound,
            values,
            op,
            captured: Captured { duration_us: raw.duration_us, cpu_us: raw.cpu_us, reads: raw.reads },
        })
    }

    fn bound(
        &mut self,
        kind: CallKind,
        sql: &str,
        names: &[String],
        declare: Option<&str>,
        make: impl FnOnce(&[String]) -> Result<Statement, String>,
    ) -> Result<Arc<Bound>, String> {
        // Looked up by hash, so a known statement costs no allocation.
        let key = self.hasher.hash_one((kind == CallKind::Rpc, sql, names, declare));
        let same = |b: &&Arc<Bound>| {
            b.kind == kind && b.text == sql && b.names == names && b.declare.as_deref() == declare
        };
        if let Some(b) = self.statements.get(&key).and_then(|v| v.iter().find(same)) {
            return Ok(b.clone());
        }
        let fingerprint = super::fingerprint::fingerprint(sql);
        let bound = Arc::new(Bound {
            statement: make(names)?,
            text: sql.to_string(),
            writes: crate::spec::access::write_keyword(&fingerprint).is_some(),
            fingerprint,
            tag: std::sync::OnceLock::new(),
            declare: declare.map(str::to_string),
            kind,
            names: names.to_vec(),
        });
        if self.statements.len() >= CACHE_LIMIT {
            self.statements.clear();
        }
        self.statements.entry(key).or_default().push(bound.clone());
        Ok(bound)
    }

    /// A prepared statement (from a session-state line): its statement and declaration.
    pub fn prepared(&mut self, sql: &str, declare: &str) -> Arc<Bound> {
        let count = super::fingerprint::declared_count(declare);
        let make = |_: &[String]| Ok(Statement { sql: sql.to_string(), args: (0..count).collect() });
        match self.bound(CallKind::Rpc, sql, &[], Some(declare), make) {
            Ok(b) => b,
            Err(_) => unreachable!("making a prepared statement cannot fail"),
        }
    }

    /// A shared copy of a session id, database or login name.
    pub fn name(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.names.get(name) {
            return n.clone();
        }
        if self.names.len() >= CACHE_LIMIT {
            self.names.clear();
        }
        let n: Arc<str> = Arc::from(name);
        self.names.insert(name.to_string(), n.clone());
        n
    }
}

/// The parameters' names (without `@`) and typed values; `within` names the field in errors.
fn typed_params(
    within: &str,
    params: &[RawParam<'_>],
) -> Result<(Vec<String>, Vec<ParamValue>), (String, String)> {
    let mut values = Vec::with_capacity(params.len());
    let mut names = Vec::with_capacity(params.len());
    for (i, p) in params.iter().enumerate() {
        let field = format!("{within}.params[{i}]");
        let name = p.name.trim_start_matches('@').to_string();
        if name.is_empty() {
            return Err((format!("{field}.name"), "a parameter needs a name (`@id`)".into()));
        }
        values.push(param_value(&p.ty, &p.value).map_err(|m| (format!("{field} {name}"), m))?);
        names.push(name);
    }
    Ok((names, values))
}

/// The RPC's SQL with `@Pk` placeholders; `args[k]` is the index of the value behind `@P(k+1)`.
fn bind_rpc(sql: &str, names: &[String]) -> Result<Statement, String> {
    let bound = crate::spec::bind::bind(sql, |n| names.iter().any(|p| p.eq_ignore_ascii_case(n)))?;
    let args = bound
        .names
        .iter()
        .map(|n| names.iter().position(|p| p.eq_ignore_ascii_case(n)).unwrap_or(0))
        .collect();
    Ok(Statement { sql: bound.sql, args })
}

/// A typed value from its SQL type name and JSON value (`null` for NULL).
pub fn param_value(ty: &str, v: &serde_json::Value) -> std::result::Result<ParamValue, String> {
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
