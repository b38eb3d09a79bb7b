//! T-SQL scalar functions and collations registered on SQLite connections.
//!
//! The translator emits `tsql_*` calls wherever SQLite lacks a T-SQL function or gets its
//! semantics wrong; [`register`] installs them all from one declarative table per family:
//!
//! | file | functions |
//! |---|---|
//! | `strings.rs` | LIKE patterns, SUBSTRING, LEFT/RIGHT, UPPER/LOWER, REPLACE, CHARINDEX, PATINDEX, STUFF, REPLICATE, REVERSE, QUOTENAME, CONCAT_WS, DATALENGTH |
//! | `math.rs` | divide-by-zero checks, ROUND, FLOOR/CEILING, POWER, SIGN, SQRT/LOG/…, RAND |
//! | `dates.rs` | GETDATE & co. (from the injected clock), DATEADD, DATEDIFF (boundaries crossed), DATEPART, DATENAME, EOMONTH, DATEFROMPARTS, ISDATE |
//! | `convert/` | CAST/CONVERT/TRY_CONVERT with styles, ISNUMERIC (one file per target family) |
//! | `hashing.rs` | HASHBYTES (bit-exact: varchar as Windows-1252, nvarchar as UTF-16LE), NEWID |
//! | `metadata.rs` | DB_NAME, OBJECT_ID, SERVERPROPERTY, `@@` globals, … via [`FunctionContext`] |
//! | `aggregates.rs` | SUM over decimal/money, exact to precision 38 (`tsql_sum_decimal`) |
//! | `exact.rs` | decimal/money arithmetic, comparison, sort keys, MIN/MAX/AVG, exact to 38 digits (`tsql_dec*`) |
//! | `collation.rs` | `tsql_ci` (case-insensitive, trailing spaces ignored), `tsql_guid`, `tsql_decimal` (numeric order of decimal text) |
//!
//! A function that fails raises a [`SqlError`] through SQLite; [`sql_error`] reads it back.

mod aggregates;
mod collation;
mod convert;
mod dates;
mod encoding;
mod exact;
mod hashing;
mod math;
mod metadata;
mod strings;

use std::sync::Arc;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};

use crate::engine::FunctionContext;
use crate::error::SqlError;
use crate::types::SqlType;

pub use collation::{compare_ci, compare_guid, register_collations};
pub use convert::convert_value;
pub use encoding::{cp1252_decode, cp1252_encode};

/// The signature every registered function has: SQLite arguments, the session context.
type ScalarFn = fn(&Context<'_>, &dyn FunctionContext) -> rusqlite::Result<Value>;

/// One registered function: name, arity (-1 = variadic), deterministic, implementation.
struct Def {
    name: &'static str,
    arity: i32,
    deterministic: bool,
    f: ScalarFn,
}

const fn def(name: &'static str, arity: i32, f: ScalarFn) -> Def {
    Def { name, arity, deterministic: true, f }
}

const fn volatile(name: &'static str, arity: i32, f: ScalarFn) -> Def {
    Def { name, arity, deterministic: false, f }
}

/// Registers every `tsql_*` function and the collations on `conn`.
pub fn register(conn: &rusqlite::Connection, ctx: Arc<dyn FunctionContext>) -> rusqlite::Result<()> {
    register_collations(conn)?;
    aggregates::register(conn)?;
    exact::register_aggregates(conn)?;
    let families: [&[Def]; 8] = [
        strings::FUNCTIONS,
        math::FUNCTIONS,
        dates::FUNCTIONS,
        convert::FUNCTIONS,
        hashing::FUNCTIONS,
        metadata::FUNCTIONS,
        collation::FUNCTIONS,
        exact::FUNCTIONS,
    ];
    for d in families.into_iter().flatten() {
        let mut flags = FunctionFlags::SQLITE_UTF8;
        if d.deterministic {
            flags |= FunctionFlags::SQLITE_DETERMINISTIC;
        }
        let f = d.f;
        let ctx = Arc::clone(&ctx);
        conn.create_scalar_function(d.name, d.arity, flags, move |c| f(c, ctx.as_ref()))?;
    }
    Ok(())
}

/// The names of all registered functions (for tests and docs).
pub fn function_names() -> Vec<&'static str> {
    [
        strings::FUNCTIONS,
        math::FUNCTIONS,
        dates::FUNCTIONS,
        convert::FUNCTIONS,
        hashing::FUNCTIONS,
        metadata::FUNCTIONS,
        collation::FUNCTIONS,
        exact::FUNCTIONS,
    ]
    .into_iter()
    .flatten()
    .map(|d| d.name)
    .collect()
}

/// Raises `e` from inside a function: SQLite reports its `Display` text as the error message.
pub(crate) fn raise(e: SqlError) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(Box::new(e))
}

/// Reads back a [`SqlError`] raised by a `tsql_*` function from the error SQLite returned
/// (`Msg 245, Level 16, State 1, Line 1: Conversion failed …`).
pub fn sql_error(e: &rusqlite::Error) -> Option<SqlError> {
    let text = match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.as_str(),
        rusqlite::Error::UserFunctionError(inner) => return inner.downcast_ref::<SqlError>().cloned(),
        _ => return None,
    };
    parse_message(text)
}

/// `Msg 273, Level 16, State 1, Line 1: Cannot insert …` (a function's error, or a trigger's
/// `RAISE(ABORT, …)` text) as the [`SqlError`] it names.
pub fn parse_message(text: &str) -> Option<SqlError> {
    let rest = text.strip_prefix("Msg ")?;
    let (head, message) = rest.split_once(": ")?;
    let mut nums = head.split(", ").map(|p| p.rsplit(' ').next().and_then(|n| n.parse::<i64>().ok()));
    let number = nums.next()?? as i32;
    let class = nums.next()?? as u8;
    let state = nums.next()?? as u8;
    Some(SqlError::new(number, class, message).with_state(state))
}

// ---- argument helpers shared by the families ----

pub(crate) fn arg<'c>(c: &'c Context<'_>, i: usize) -> ValueRef<'c> {
    if i < c.len() { c.get_raw(i) } else { ValueRef::Null }
}

/// A type-name argument (`'varchar(30)'`, always a literal the translator wrote), parsed once
/// per thread: a row-by-row CONVERT does not re-parse its type names. (SQLite's per-argument
/// auxiliary data would do the same, but its lookup walks every cached argument of the
/// statement, which costs more than the parse on a wide row hash.)
pub(crate) fn type_arg(c: &Context<'_>, i: usize) -> Option<SqlType> {
    let text = match arg(c, i) {
        ValueRef::Text(t) => t,
        ValueRef::Null => return None,
        other => return value_text(other).and_then(|t| SqlType::parse(&t)),
    };
    TYPE_NAMES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, ty)) = cache.entries.iter().find(|(name, _)| **name == *text) {
            return *ty;
        }
        let ty = SqlType::parse(&String::from_utf8_lossy(text));
        cache.remember(text, ty);
        ty
    })
}

/// The type names parsed lately on this thread: a statement uses a handful, found by a short
/// scan (cheaper than hashing); when full, the oldest entry makes room.
#[derive(Default)]
struct TypeNames {
    entries: Vec<(Box<[u8]>, Option<SqlType>)>,
    next: usize,
}

impl TypeNames {
    const SIZE: usize = 32;

    fn remember(&mut self, name: &[u8], ty: Option<SqlType>) {
        if self.entries.len() < Self::SIZE {
            self.entries.push((name.into(), ty));
        } else {
            self.entries[self.next] = (name.into(), ty);
            self.next = (self.next + 1) % Self::SIZE;
        }
    }
}

thread_local! {
    static TYPE_NAMES: std::cell::RefCell<TypeNames> = std::cell::RefCell::new(TypeNames::default());
}

/// An argument as text (numbers formatted, blobs decoded lossily); `None` for NULL.
pub(crate) fn text_arg(c: &Context<'_>, i: usize) -> Option<String> {
    value_text(arg(c, i))
}

pub(crate) fn value_text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(f) => Some(format_real(f)),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}

/// Shortest form of a REAL that reads back the same (`1.5`, `2`, `1e-7`).
pub(crate) fn format_real(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

/// An argument as an integer (REAL truncated, TEXT parsed); `None` for NULL.
pub(crate) fn int_arg(c: &Context<'_>, i: usize) -> rusqlite::Result<Option<i64>> {
    Ok(match arg(c, i) {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n),
        ValueRef::Real(f) => Some(f.trunc() as i64),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => match s.parse::<f64>() {
                    Ok(f) => Some(f.trunc() as i64),
                    Err(_) => {
                        return Err(raise(SqlError::new(
                            245,
                            16,
                            format!(
                                "Conversion failed when converting the varchar value '{s}' to data type int."
                            ),
                        )));
                    }
                },
            }
        }
        ValueRef::Blob(_) => {
            return Err(raise(SqlError::new(8114, 16, "Error converting data type varbinary to int.")));
        }
    })
}

/// An argument as a float; `None` for NULL.
pub(crate) fn real_arg(c: &Context<'_>, i: usize) -> rusqlite::Result<Option<f64>> {
    Ok(match arg(c, i) {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n as f64),
        ValueRef::Real(f) => Some(f),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            Some(s.trim().parse::<f64>().map_err(|_| {
                raise(SqlError::new(8114, 16, "Error converting data type varchar to float."))
            })?)
        }
        ValueRef::Blob(_) => {
            return Err(raise(SqlError::new(8114, 16, "Error converting data type varbinary to float.")));
        }
    })
}

pub(crate) fn text_or_null(v: Option<String>) -> Value {
    v.map(Value::Text).unwrap_or(Value::Null)
}

#[cfg(test)]
pub(crate) mod testing {
    //! A fixed [`FunctionContext`] and a connection with everything registered.
    use super::*;
    use crate::types::Value as TValue;
    use chrono::NaiveDateTime;

    pub struct Fixed;

    impl FunctionContext for Fixed {
        fn now_utc(&self) -> NaiveDateTime {
            crate::types::storage::parse_datetime("2024-03-15 12:34:56.1234567").unwrap()
        }
        fn utc_offset_minutes(&self) -> i32 {
            60
        }
        fn server_property(&self, name: &str) -> Option<TValue> {
            match name.to_ascii_lowercase().as_str() {
                "engineedition" => Some(TValue::Int(8)),
                "productversion" => Some(TValue::Str("16.0.4135.4".into())),
                _ => None,
            }
        }
        fn database_property(&self, _db: &str, property: &str) -> Option<TValue> {
            (property.eq_ignore_ascii_case("Status")).then(|| TValue::Str("ONLINE".into()))
        }
        fn database_name(&self, id: Option<i64>) -> Option<String> {
            match id {
                None | Some(5) => Some("shop".into()),
                Some(1) => Some("master".into()),
                _ => None,
            }
        }
        fn database_id(&self, name: Option<&str>) -> Option<i64> {
            match name {
                None => Some(5),
                Some(n) if n.eq_ignore_ascii_case("shop") => Some(5),
                Some(n) if n.eq_ignore_ascii_case("master") => Some(1),
                _ => None,
            }
        }
        fn object_id(&self, name: &str, _t: Option<&str>) -> Option<i64> {
            name.to_ascii_lowercase().ends_with("orders").then_some(581_577_110)
        }
        fn object_name(&self, id: i64, _db: Option<i64>) -> Option<String> {
            (id == 581_577_110).then(|| "orders".into())
        }
        fn schema_name(&self, id: Option<i64>) -> Option<String> {
            matches!(id, None | Some(1)).then(|| "dbo".into())
        }
        fn schema_id(&self, name: Option<&str>) -> Option<i64> {
            match name {
                None => Some(1),
                Some(n) if n.eq_ignore_ascii_case("dbo") => Some(1),
                _ => None,
            }
        }
        fn has_perms_by_name(&self, _s: Option<&str>, _c: &str, p: &str) -> Option<i64> {
            Some(if p.eq_ignore_ascii_case("VIEW SERVER STATE") { 1 } else { 0 })
        }
        fn global(&self, name: &str) -> TValue {
            match name {
                "VERSION" => TValue::Str("Microsoft SQL Server 2022".into()),
                "SPID" => TValue::Int(52),
                "SERVICENAME" => TValue::Null,
                _ => TValue::Null,
            }
        }
        fn login_name(&self) -> String {
            "sa".into()
        }
        fn user_name(&self) -> String {
            "dbo".into()
        }
    }

    pub fn conn() -> rusqlite::Connection {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        register(&c, Arc::new(Fixed)).unwrap();
        c
    }

    /// Evaluates `SELECT <expr>` and returns the value.
    pub fn eval(c: &rusqlite::Connection, expr: &str) -> rusqlite::Result<Value> {
        c.query_row(&format!("SELECT {expr}"), [], |r| r.get::<_, Value>(0))
    }

    pub fn text(c: &rusqlite::Connection, expr: &str) -> String {
        match eval(c, expr) {
            Ok(Value::Text(t)) => t,
            other => panic!("{expr}: {other:?}"),
        }
    }

    pub fn int(c: &rusqlite::Connection, expr: &str) -> i64 {
        match eval(c, expr) {
            Ok(Value::Integer(n)) => n,
            other => panic!("{expr}: {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn every_function_registers_and_errors_read_back() {
        let c = conn();
        assert!(function_names().len() > 50);
        let err = eval(&c, "tsql_div_check(1 / 0, 0)").unwrap_err();
        let e = sql_error(&err).expect("a SqlError");
        assert_eq!((e.number, e.class), (8134, 16));
        assert_eq!(e.message, "Divide by zero error encountered.");
    }
}
