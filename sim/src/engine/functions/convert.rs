//! CAST / CONVERT / TRY_CONVERT: `tsql_convert(target, value, style, source)`.
//!
//! `target` and `source` are SQL Server type texts (`varchar(30)`, `datetime`, '' when the
//! source type is unknown); the result is the SQLite storage form of the target type. Styles:
//! dates 0/100, 1/101, 2/102, 3/103, 4/104, 5/105, 10/110, 11/111, 12/112, 108, 113/13, 114,
//! 120/20, 121/21, 126, 127, 23; binary↔string 0, 1 (`0x…`), 2 (hex).

use chrono::{Datelike, NaiveDateTime, Timelike};
use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};

use super::dates::{format_as, parse_any};
use super::encoding::{cp1252_decode, cp1252_encode};
use super::math::decimal_value;
use super::{Def, arg, def, format_real, int_arg, raise, text_arg, type_arg, value_text};
use crate::engine::FunctionContext;
use crate::error::SqlError;
use crate::types::storage::{format_decimal, format_guid, parse_decimal, parse_guid};
use crate::types::{Len, SqlType};

pub(super) const FUNCTIONS: &[Def] = &[
    def("tsql_convert", 4, convert),
    def("tsql_try_convert", 4, try_convert),
    def("tsql_isnumeric", 1, isnumeric),
];

fn run(c: &Context<'_>) -> Result<Value, SqlError> {
    let target = type_arg(c, 0).ok_or_else(|| {
        let text = text_arg(c, 0).unwrap_or_default();
        SqlError::new(243, 16, format!("Type {text} is not a defined system type."))
    })?;
    let style = int_arg(c, 2).map_err(|_| SqlError::new(281, 16, "The style is not a valid number."))?;
    let source = type_arg(c, 3);
    convert_value(&target, arg(c, 1), style, source)
}

fn convert(c: &Context<'_>, _: &dyn FunctionContext) -> rusqlite::Result<Value> {
    run(c).map_err(raise)
}

fn try_convert(c: &Context<'_>, _: &dyn FunctionContext) -> rusqlite::Result<Value> {
    Ok(run(c).unwrap_or(Value::Null))
}

fn isnumeric(c: &Context<'_>, _: &dyn FunctionContext) -> rusqlite::Result<Value> {
    let ok = match arg(c, 0) {
        ValueRef::Integer(_) | ValueRef::Real(_) => true,
        ValueRef::Text(_) => {
            let t = text_arg(c, 0).unwrap_or_default();
            let t = t.trim().trim_start_matches(['$', '+', '-']);
            !t.is_empty() && t.parse::<f64>().is_ok()
        }
        _ => false,
    };
    Ok(Value::Integer(ok as i64))
}

fn type_word(t: Option<SqlType>) -> &'static str {
    match t {
        Some(t) if t.is_unicode() => "nvarchar",
        Some(t) => t.name(),
        None => "varchar",
    }
}

fn conversion_failed(value: &str, source: Option<SqlType>, target: &SqlType) -> SqlError {
    SqlError::new(
        245,
        16,
        format!(
            "Conversion failed when converting the {} value '{value}' to data type {}.",
            type_word(source),
            target.name()
        ),
    )
}

fn overflow(source: Option<SqlType>, target: &SqlType) -> SqlError {
    let from = match source {
        Some(t) if t.is_integer() => t.name(),
        Some(SqlType::Decimal { .. }) => "numeric",
        Some(t) if t.is_character() => "expression",
        _ => "expression",
    };
    let to = if matches!(target, SqlType::Decimal { .. }) { "numeric" } else { target.name() };
    SqlError::new(8115, 16, format!("Arithmetic overflow error converting {from} to data type {to}."))
}

/// Converts one SQLite value of SQL Server type `source` to `target`'s storage form.
pub fn convert_value(
    target: &SqlType,
    v: ValueRef<'_>,
    style: Option<i64>,
    source: Option<SqlType>,
) -> Result<Value, SqlError> {
    if let ValueRef::Null = v {
        return Ok(Value::Null);
    }
    use SqlType as T;
    match target {
        T::TinyInt | T::SmallInt | T::Int | T::BigInt => to_integer(target, v, source),
        T::Bit => to_bit(v, source),
        T::Real | T::Float => to_float(target, v, source),
        T::Decimal { scale, .. } => to_decimal(target, *scale, v, source),
        T::Money | T::SmallMoney => to_decimal(target, 4, v, source),
        t if t.is_character() || *t == T::Xml => {
            Ok(Value::Text(fit_string(target, to_string(v, style, source)?)))
        }
        T::Binary(_) | T::VarBinary(_) | T::Image if matches!(v, ValueRef::Integer(_)) => {
            Ok(Value::Blob(fit_number_binary(target, to_binary(v, style, source)?)))
        }
        T::Binary(_) | T::VarBinary(_) | T::Image => {
            Ok(Value::Blob(fit_binary(target, to_binary(v, style, source)?)))
        }
        T::UniqueIdentifier => to_guid(v),
        _ => to_temporal(target, v, style, source),
    }
}

fn range(t: &SqlType) -> (i128, i128) {
    match t {
        SqlType::TinyInt => (0, 255),
        SqlType::SmallInt => (i16::MIN as i128, i16::MAX as i128),
        SqlType::Int => (i32::MIN as i128, i32::MAX as i128),
        _ => (i64::MIN as i128, i64::MAX as i128),
    }
}

fn to_integer(target: &SqlType, v: ValueRef<'_>, source: Option<SqlType>) -> Result<Value, SqlError> {
    let n: i128 = match v {
        ValueRef::Integer(n) => n as i128,
        ValueRef::Real(f) => {
            if !f.is_finite() || f.abs() > 9.3e18 {
                return Err(overflow(source, target));
            }
            f.trunc() as i128
        }
        // Binary reinterprets its rightmost bytes at the target's width, two's complement:
        // CONVERT(int, 0xFFFFFFFF) is -1, CONVERT(bigint, 0x80…00) is i64::MIN.
        ValueRef::Blob(b) => return Ok(Value::Integer(binary_to_integer(target, b))),
        _ => {
            let text = value_text(v).unwrap_or_default();
            let t = text.trim();
            let numeric_source = source.is_some_and(|s| !s.is_character());
            match t.parse::<i128>() {
                Ok(n) => n,
                Err(_) if numeric_source || t.contains('.') && source.is_none() => match t.parse::<f64>() {
                    Ok(f) => f.trunc() as i128,
                    Err(_) => return Err(conversion_failed(t, source, target)),
                },
                Err(_) => return Err(conversion_failed(t, source, target)),
            }
        }
    };
    let (lo, hi) = range(target);
    if n < lo || n > hi {
        return Err(overflow(source, target));
    }
    Ok(Value::Integer(n as i64))
}

fn binary_to_integer(target: &SqlType, b: &[u8]) -> i64 {
    let width = match target {
        SqlType::TinyInt => 1,
        SqlType::SmallInt => 2,
        SqlType::Int => 4,
        _ => 8,
    };
    let mut buf = [0u8; 8];
    let take = b.len().min(width);
    buf[8 - take..].copy_from_slice(&b[b.len() - take..]);
    let raw = i64::from_be_bytes(buf);
    match target {
        SqlType::TinyInt => raw,
        SqlType::SmallInt => raw as i16 as i64,
        SqlType::Int => raw as i32 as i64,
        _ => raw,
    }
}

fn to_bit(v: ValueRef<'_>, source: Option<SqlType>) -> Result<Value, SqlError> {
    Ok(Value::Integer(match v {
        ValueRef::Integer(n) => (n != 0) as i64,
        ValueRef::Real(f) => (f != 0.0) as i64,
        _ => {
            let t = value_text(v).unwrap_or_default();
            match t.trim().to_ascii_lowercase().as_str() {
                "true" => 1,
                "false" => 0,
                other => match other.parse::<f64>() {
                    Ok(f) => (f != 0.0) as i64,
                    Err(_) => return Err(conversion_failed(t.trim(), source, &SqlType::Bit)),
                },
            }
        }
    }))
}

fn to_float(target: &SqlType, v: ValueRef<'_>, source: Option<SqlType>) -> Result<Value, SqlError> {
    let f = match v {
        ValueRef::Integer(n) => n as f64,
        ValueRef::Real(f) => f,
        _ => {
            let t = value_text(v).unwrap_or_default();
            t.trim().parse::<f64>().map_err(|_| {
                SqlError::new(8114, 16, format!("Error converting data type {} to float.", type_word(source)))
            })?
        }
    };
    Ok(Value::Real(if *target == SqlType::Real { f as f32 as f64 } else { f }))
}

fn to_decimal(
    target: &SqlType,
    scale: u8,
    v: ValueRef<'_>,
    source: Option<SqlType>,
) -> Result<Value, SqlError> {
    let text = match v {
        ValueRef::Real(f) => format!("{f}"),
        other => value_text(other).unwrap_or_default(),
    };
    let t = text.trim().trim_start_matches('$');
    let mantissa = parse_decimal(t, scale).ok_or_else(|| {
        if source.is_some_and(|s| s.is_character()) || source.is_none() {
            SqlError::new(8114, 16, format!("Error converting data type {} to numeric.", type_word(source)))
        } else {
            overflow(source, target)
        }
    })?;
    let precision = match target {
        SqlType::Decimal { precision, .. } => *precision as u32,
        SqlType::SmallMoney => 10,
        _ => 19,
    };
    if mantissa.unsigned_abs() >= 10u128.pow(precision.min(38)) {
        return Err(overflow(source, target));
    }
    Ok(decimal_value(mantissa, scale))
}

/// Formats a float as SQL Server's style 0 does: up to 6 significant digits, scientific
/// notation outside 1e-4 .. 1e6 (`1.23457e+008`).
fn float_style0(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..6).contains(&exp) {
        let digits = (5 - exp).max(0) as usize;
        let s = format!("{f:.digits$}");
        let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
        return s;
    }
    let mantissa = f / 10f64.powi(exp);
    let m = format!("{mantissa:.5}");
    let m = m.trim_end_matches('0').trim_end_matches('.');
    format!("{m}e{}{:03}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A stored datetime2 value in its canonical form (`yyyy-mm-dd hh:mi:ss.fffffff`), which
/// several conversions can pass through unchanged instead of parsing and formatting it.
fn canonical_datetime2<'a>(v: ValueRef<'a>, source: Option<SqlType>) -> Option<&'a str> {
    const SHAPE: &[u8; 27] = b"9999-99-99 99:99:99.9999999";
    let ValueRef::Text(t) = v else { return None };
    let fits = t.len() == SHAPE.len()
        && t.iter().zip(SHAPE).all(|(c, s)| if *s == b'9' { c.is_ascii_digit() } else { c == s });
    (matches!(source, Some(SqlType::DateTime2(_))) && fits).then(|| std::str::from_utf8(t).ok()).flatten()
}

fn to_string(v: ValueRef<'_>, style: Option<i64>, source: Option<SqlType>) -> Result<String, SqlError> {
    use SqlType as T;
    // datetime2(7) in style 121 is exactly its stored text.
    if let (Some(text), Some(T::DateTime2(7)), Some(21 | 121 | 25)) =
        (canonical_datetime2(v, source), source, style)
    {
        return Ok(text.to_string());
    }
    let text = || value_text(v).unwrap_or_default();
    Ok(match (source, v) {
        (_, ValueRef::Blob(b)) => match style.unwrap_or(0) {
            1 => format!("0x{}", hex(b)),
            2 => hex(b),
            _ => {
                if source.is_some_and(|s| s.is_unicode()) {
                    let units: Vec<u16> =
                        b.chunks(2).map(|c| u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
                    String::from_utf16_lossy(&units)
                } else {
                    cp1252_decode(b)
                }
            }
        },
        (Some(t), _) if is_temporal(&t) => {
            let (dt, off) = parse_any(&text(), None).ok_or_else(|| {
                SqlError::new(
                    241,
                    16,
                    "Conversion failed when converting date and/or time from character string.",
                )
            })?;
            format_date(&t, dt, off, style)
        }
        (Some(T::Real | T::Float), ValueRef::Real(f)) => match style.unwrap_or(0) {
            1 => format!("{f:.7e}"),
            2 => format!("{f:.15e}"),
            3 => format!("{f}"),
            _ => float_style0(f),
        },
        (Some(T::Real | T::Float), ValueRef::Integer(n)) => float_style0(n as f64),
        (Some(T::Decimal { scale, .. }), _) => {
            let s = text();
            parse_decimal(&s, scale).map(|m| format_decimal(m, scale)).unwrap_or(s)
        }
        (Some(T::Money | T::SmallMoney), _) => {
            let s = text();
            let digits = if style == Some(2) { 4 } else { 2 };
            let m = parse_decimal(&s, digits).map(|m| format_decimal(m, digits)).unwrap_or(s);
            if style == Some(1) { with_commas(&m) } else { m }
        }
        (_, ValueRef::Real(f)) => format_real(f),
        _ => text(),
    })
}

fn is_temporal(t: &SqlType) -> bool {
    matches!(
        t,
        SqlType::Date
            | SqlType::Time(_)
            | SqlType::DateTime
            | SqlType::SmallDateTime
            | SqlType::DateTime2(_)
            | SqlType::DateTimeOffset(_)
    )
}

fn with_commas(s: &str) -> String {
    let (sign, body) = s.strip_prefix('-').map(|b| ("-", b)).unwrap_or(("", s));
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if frac.is_empty() { format!("{sign}{out}") } else { format!("{sign}{out}.{frac}") }
}

const MON: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date/time of type `t` as text in a CONVERT style.
fn format_date(t: &SqlType, dt: NaiveDateTime, off: Option<i16>, style: Option<i64>) -> String {
    let frac_digits = match t {
        SqlType::DateTime => 3,
        SqlType::SmallDateTime => 0,
        other => other.scale() as usize,
    };
    let dt = match t {
        SqlType::DateTime => super::dates::round_datetime(dt),
        _ => dt,
    };
    let frac = |digits: usize| -> String {
        if digits == 0 {
            return String::new();
        }
        let ns = format!("{:09}", dt.nanosecond().min(999_999_999));
        format!(".{}", &ns[..digits.min(9)])
    };
    let (y, m, d) = (dt.year(), dt.month(), dt.day());
    let yy = y.rem_euclid(100);
    let hms = format!("{:02}:{:02}:{:02}", dt.hour(), dt.minute(), dt.second());
    let ampm = || {
        let h = dt.hour() % 12;
        let h = if h == 0 { 12 } else { h };
        (h, if dt.hour() < 12 { "AM" } else { "PM" })
    };
    let mon = MON[dt.month0() as usize];
    let default_style = match t {
        SqlType::DateTime | SqlType::SmallDateTime => 0,
        _ => 121,
    };
    let date_only = *t == SqlType::Date;
    let time_only = matches!(t, SqlType::Time(_));
    match style.unwrap_or(default_style) {
        0 | 100 => {
            if time_only {
                let (h, ap) = ampm();
                return format!("{h:>2}:{:02}{ap}", dt.minute());
            }
            let (h, ap) = ampm();
            if date_only {
                return format!("{mon} {d:>2} {y}");
            }
            format!("{mon} {d:>2} {y} {h:>2}:{:02}{ap}", dt.minute())
        }
        1 => format!("{m:02}/{d:02}/{yy:02}"),
        101 => format!("{m:02}/{d:02}/{y:04}"),
        2 => format!("{yy:02}.{m:02}.{d:02}"),
        102 => format!("{y:04}.{m:02}.{d:02}"),
        3 => format!("{d:02}/{m:02}/{yy:02}"),
        103 => format!("{d:02}/{m:02}/{y:04}"),
        4 => format!("{d:02}.{m:02}.{yy:02}"),
        104 => format!("{d:02}.{m:02}.{y:04}"),
        5 => format!("{d:02}-{m:02}-{yy:02}"),
        105 => format!("{d:02}-{m:02}-{y:04}"),
        10 => format!("{m:02}-{d:02}-{yy:02}"),
        110 => format!("{m:02}-{d:02}-{y:04}"),
        11 => format!("{yy:02}/{m:02}/{d:02}"),
        111 => format!("{y:04}/{m:02}/{d:02}"),
        12 => format!("{yy:02}{m:02}{d:02}"),
        112 => format!("{y:04}{m:02}{d:02}"),
        8 | 108 | 24 => hms,
        13 | 113 => format!("{d:02} {mon} {y:04} {hms}:{:03}", dt.nanosecond() / 1_000_000),
        14 | 114 => format!("{hms}:{:03}", dt.nanosecond() / 1_000_000),
        20 | 120 => {
            if time_only {
                hms
            } else if date_only {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hms}")
            }
        }
        21 | 121 | 25 => {
            if date_only {
                format!("{y:04}-{m:02}-{d:02}")
            } else if time_only {
                format!("{hms}{}", frac(frac_digits))
            } else {
                let base = format!("{y:04}-{m:02}-{d:02} {hms}{}", frac(frac_digits));
                match (t, off) {
                    (SqlType::DateTimeOffset(_), Some(o)) => {
                        format!("{base} {}", crate::types::storage::format_offset(o))
                    }
                    _ => base,
                }
            }
        }
        23 => format!("{y:04}-{m:02}-{d:02}"),
        126 | 127 => {
            if date_only {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                let f = if dt.nanosecond() == 0 {
                    String::new()
                } else {
                    frac(frac_digits).trim_end_matches('0').to_string()
                };
                let z = if style == Some(127) && off.is_none_or(|o| o == 0) { "Z" } else { "" };
                format!("{y:04}-{m:02}-{d:02}T{hms}{f}{z}")
            }
        }
        _ => format!("{y:04}-{m:02}-{d:02} {hms}{}", frac(frac_digits)),
    }
}

/// Fits a string into char(n) (padded), varchar(n) (truncated) or MAX.
fn fit_string(target: &SqlType, s: String) -> String {
    match target {
        SqlType::Char(n) | SqlType::NChar(n) => {
            let mut out: String = s.chars().take(*n as usize).collect();
            let len = out.chars().count();
            out.extend(std::iter::repeat_n(' ', *n as usize - len));
            out
        }
        SqlType::VarChar(Len::N(n)) | SqlType::NVarChar(Len::N(n)) if s.len() > *n as usize => {
            s.chars().take(*n as usize).collect()
        }
        _ => s,
    }
}

fn fit_binary(target: &SqlType, mut b: Vec<u8>) -> Vec<u8> {
    match target {
        SqlType::Binary(n) => {
            b.resize(*n as usize, 0);
            b
        }
        SqlType::VarBinary(Len::N(n)) => {
            b.truncate(*n as usize);
            b
        }
        _ => b,
    }
}

/// Numbers are padded and truncated on the left: CAST(CAST(6 AS bigint) AS binary(4)) is
/// 0x00000006, CAST(1 AS binary(8)) is 0x0000000000000001.
fn fit_number_binary(target: &SqlType, b: Vec<u8>) -> Vec<u8> {
    let n = match target {
        SqlType::Binary(n) | SqlType::VarBinary(Len::N(n)) => *n as usize,
        _ => return b,
    };
    if b.len() >= n {
        return b[b.len() - n..].to_vec();
    }
    if matches!(target, SqlType::Binary(_)) {
        let mut out = vec![0u8; n - b.len()];
        out.extend_from_slice(&b);
        return out;
    }
    b
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = if s.len() % 2 == 1 { format!("0{s}") } else { s.to_string() };
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn to_binary(v: ValueRef<'_>, style: Option<i64>, source: Option<SqlType>) -> Result<Vec<u8>, SqlError> {
    Ok(match v {
        // binary(n) is stored unpadded; its value is padded with zeros to n bytes.
        ValueRef::Blob(b) => match source {
            Some(SqlType::Binary(n)) if b.len() < n as usize => {
                let mut b = b.to_vec();
                b.resize(n as usize, 0);
                b
            }
            _ => b.to_vec(),
        },
        ValueRef::Integer(n) => {
            let width = match source {
                Some(SqlType::TinyInt | SqlType::Bit) => 1,
                Some(SqlType::SmallInt) => 2,
                Some(SqlType::BigInt) => 8,
                Some(SqlType::Int) => 4,
                _ if i32::try_from(n).is_ok() => 4,
                _ => 8,
            };
            n.to_be_bytes()[8 - width..].to_vec()
        }
        ValueRef::Real(f) => f.to_be_bytes().to_vec(),
        _ => {
            let t = value_text(v).unwrap_or_default();
            match style.unwrap_or(0) {
                1 => t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).and_then(unhex).ok_or_else(
                    || {
                        SqlError::new(
                            8114,
                            16,
                            format!("Error converting data type {} to varbinary.", type_word(source)),
                        )
                    },
                )?,
                2 => unhex(&t).ok_or_else(|| {
                    SqlError::new(
                        8114,
                        16,
                        format!("Error converting data type {} to varbinary.", type_word(source)),
                    )
                })?,
                _ if source.is_some_and(|s| s.is_unicode()) => {
                    t.encode_utf16().flat_map(u16::to_le_bytes).collect()
                }
                _ => cp1252_encode(&t),
            }
        }
    })
}

fn to_guid(v: ValueRef<'_>) -> Result<Value, SqlError> {
    let failed = || {
        SqlError::new(
            8169,
            16,
            "Conversion failed when converting from a character string to uniqueidentifier.",
        )
    };
    match v {
        ValueRef::Blob(b) if b.len() >= 16 => {
            // Binary → GUID: the first three groups are little-endian.
            let mut g = [0u8; 16];
            let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
            for (i, &o) in order.iter().enumerate() {
                g[i] = b[o];
            }
            Ok(Value::Text(format_guid(&g)))
        }
        _ => {
            let t = value_text(v).unwrap_or_default();
            let trimmed = t.trim();
            let head = trimmed.get(..36.min(trimmed.len())).unwrap_or(trimmed);
            let g = parse_guid(trimmed).or_else(|| parse_guid(head)).ok_or_else(failed)?;
            Ok(Value::Text(format_guid(&g)))
        }
    }
}

fn to_temporal(
    target: &SqlType,
    v: ValueRef<'_>,
    style: Option<i64>,
    source: Option<SqlType>,
) -> Result<Value, SqlError> {
    let failed = || {
        SqlError::new(241, 16, "Conversion failed when converting date and/or time from character string.")
    };
    if let (Some(text), true) = (canonical_datetime2(v, source), style.is_none())
        && source == Some(*target)
    {
        // datetime2(n) to itself: the stored text is already the result.
        return Ok(Value::Text(text.to_string()));
    }
    let (dt, off) = match v {
        ValueRef::Integer(_) | ValueRef::Real(_)
            if matches!(target, SqlType::DateTime | SqlType::SmallDateTime) =>
        {
            let days = match v {
                ValueRef::Integer(n) => n as f64,
                ValueRef::Real(f) => f,
                _ => 0.0,
            };
            let base = chrono::NaiveDate::from_ymd_opt(1900, 1, 1)
                .unwrap_or_default()
                .and_time(chrono::NaiveTime::MIN);
            let dt = base
                .checked_add_signed(chrono::Duration::nanoseconds((days * 86_400e9) as i64))
                .ok_or_else(failed)?;
            (dt, None)
        }
        ValueRef::Integer(_) | ValueRef::Real(_) => {
            return Err(SqlError::new(
                529,
                16,
                format!(
                    "Explicit conversion from data type {} to {} is not allowed.",
                    type_word(source),
                    target.name()
                ),
            ));
        }
        _ => {
            let t = value_text(v).unwrap_or_default();
            parse_any(&t, style).ok_or_else(failed)?
        }
    };
    // A time value keeps its clock; datetimeoffset without an offset gets +00:00.
    let out = format_as(target, dt, off).ok_or_else(|| match source {
        // A date/time value (not a string) beyond smalldatetime is 298, as SQL Server words it.
        Some(src) if *target == SqlType::SmallDateTime && !src.is_character() => SqlError::new(
            298,
            16,
            format!(
                "The conversion from {} data type to smalldatetime data type resulted in a smalldatetime overflow error.",
                src.name()
            ),
        ),
        _ => SqlError::new(
            242,
            16,
            format!(
                "The conversion of a {} data type to a {} data type resulted in an out-of-range value.",
                type_word(source),
                target.name()
            ),
        ),
    })?;
    Ok(Value::Text(out))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn conversions_by_target() {
        let c = conn();
        assert_eq!(int(&c, "tsql_convert('int', ' 42 ', NULL, 'varchar(10)')"), 42);
        assert_eq!(int(&c, "tsql_convert('int', 2.7, NULL, 'float')"), 2);
        let e = eval(&c, "tsql_convert('int', 'abc', NULL, 'varchar(3)')").unwrap_err();
        let e = super::super::sql_error(&e).unwrap();
        assert_eq!(e.number, 245);
        assert_eq!(e.message, "Conversion failed when converting the varchar value 'abc' to data type int.");
        assert!(eval(&c, "tsql_convert('tinyint', 300, NULL, 'int')").is_err());
        assert_eq!(eval(&c, "tsql_try_convert('int', 'abc', NULL, 'varchar(3)')").unwrap(), Value::Null);
        assert_eq!(
            eval(&c, "tsql_convert('decimal(10,2)', '1.005', NULL, 'varchar(5)')").unwrap(),
            Value::Real(1.01)
        );
        assert_eq!(
            eval(&c, "tsql_convert('decimal(38,10)', '12345678901234567890.5', NULL, 'varchar(30)')")
                .unwrap(),
            Value::Text("12345678901234567890.5000000000".into())
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1230000', NULL, 'datetime')"),
            "Jan  5 2024  1:04PM"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1230000', 120, 'datetime')"),
            "2024-01-05 13:04:05"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1230000', 121, 'datetime')"),
            "2024-01-05 13:04:05.123"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1230000', 126, 'datetime')"),
            "2024-01-05T13:04:05.123"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1234567', NULL, 'datetime2(7)')"),
            "2024-01-05 13:04:05.1234567"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(10)', '2024-01-05 00:00:00', 101, 'datetime')"),
            "01/05/2024"
        );
        assert_eq!(text(&c, "tsql_convert('varchar(10)', '2024-01-05', 103, 'date')"), "05/01/2024");
        assert_eq!(text(&c, "tsql_convert('varchar(8)', '2024-01-05', 112, 'date')"), "20240105");
        assert_eq!(text(&c, "tsql_convert('char(5)', 'ab', NULL, 'varchar(2)')"), "ab   ");
        assert_eq!(text(&c, "tsql_convert('varchar(2)', 'abc', NULL, 'varchar(3)')"), "ab");
        assert_eq!(
            text(&c, "tsql_convert('datetime', '20240105', NULL, 'varchar(8)')"),
            "2024-01-05 00:00:00.0000000"
        );
        assert_eq!(text(&c, "tsql_convert('date', '05/01/2024', 103, 'varchar(10)')"), "2024-01-05");
        assert_eq!(
            text(&c, "tsql_convert('datetime2(3)', '2024-01-05 10:00:00.12345', NULL, 'varchar(30)')"),
            "2024-01-05 10:00:00.1230000"
        );
        assert_eq!(
            text(
                &c,
                "tsql_convert('uniqueidentifier', '6f9619ff-8b86-d011-b42d-00c04fc964ff', NULL, 'varchar(36)')"
            ),
            "6F9619FF-8B86-D011-B42D-00C04FC964FF"
        );
        assert_eq!(text(&c, "tsql_convert('varchar(10)', X'0AFF', 1, 'varbinary(2)')"), "0x0AFF");
        let blob = |sql: &str| eval(&c, sql).unwrap();
        assert_eq!(
            blob("tsql_convert('varbinary(max)', X'0102', NULL, 'binary(4)')"),
            Value::Blob(vec![1, 2, 0, 0])
        );
        assert_eq!(blob("tsql_convert('binary(4)', 6, NULL, 'bigint')"), Value::Blob(vec![0, 0, 0, 6]));
        assert_eq!(
            blob("tsql_convert('binary(8)', 1, NULL, 'int')"),
            Value::Blob(vec![0, 0, 0, 0, 0, 0, 0, 1])
        );
        assert_eq!(blob("tsql_convert('binary(1)', 258, NULL, 'int')"), Value::Blob(vec![2]));
        let bin_int = |sql: &str| match eval(&c, sql).unwrap() {
            Value::Integer(n) => n,
            other => panic!("{sql}: {other:?}"),
        };
        assert_eq!(
            bin_int("tsql_convert('bigint', X'CA00000000000001', NULL, 'binary(8)')"),
            0xCA00000000000001u64 as i64
        );
        assert_eq!(bin_int("tsql_convert('int', X'FFFFFFFF', NULL, 'binary(4)')"), -1);
        assert_eq!(bin_int("tsql_convert('int', X'01FFFFFFFE', NULL, 'binary(5)')"), -2);
        assert_eq!(bin_int("tsql_convert('tinyint', X'01FF', NULL, 'binary(2)')"), 255);
        assert_eq!(bin_int("tsql_convert('bigint', X'0102', NULL, 'binary(2)')"), 0x0102);
        assert_eq!(text(&c, "tsql_convert('varchar(10)', X'0AFF', 2, 'varbinary(2)')"), "0AFF");
        assert_eq!(
            eval(&c, "tsql_convert('varbinary(4)', 1, NULL, 'int')").unwrap(),
            Value::Blob(vec![0, 0, 0, 1])
        );
        assert_eq!(
            eval(&c, "tsql_convert('varbinary(10)', 'ab', NULL, 'nvarchar(2)')").unwrap(),
            Value::Blob(vec![b'a', 0, b'b', 0])
        );
        assert_eq!(text(&c, "tsql_convert('varchar(30)', 1.5, NULL, 'decimal(10,2)')"), "1.50");
        assert_eq!(text(&c, "tsql_convert('varchar(30)', 123456789.0, NULL, 'float')"), "1.23457e+008");
        assert_eq!(text(&c, "tsql_convert('varchar(30)', 1234567.891, 1, 'money')"), "1,234,567.89");
        assert_eq!(int(&c, "tsql_convert('bit', 'true', NULL, 'varchar(4)')"), 1);
        assert_eq!(int(&c, "tsql_isnumeric('12.5')"), 1);
        assert_eq!(int(&c, "tsql_isnumeric('x')"), 0);
    }
}
