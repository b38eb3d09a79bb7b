//! Conversions to character types (with CONVERT's styles) and fitting a string to its length.

use rusqlite::types::ValueRef;

use super::super::dates::parse_any;
use super::super::encoding::cp1252_decode;
use super::super::format_real;
use super::*;
use crate::error::SqlError;
use crate::types::storage::{format_decimal, parse_decimal};
use crate::types::{Len, SqlType};

/// A stored datetime2 value in its canonical form (`yyyy-mm-dd hh:mi:ss.fffffff`), which
/// several conversions can pass through unchanged instead of parsing and formatting it.
pub(super) fn canonical_datetime2<'a>(v: ValueRef<'a>, source: Option<SqlType>) -> Option<&'a str> {
    const SHAPE: &[u8; 27] = b"9999-99-99 99:99:99.9999999";
    let ValueRef::Text(t) = v else { return None };
    let fits = t.len() == SHAPE.len()
        && t.iter().zip(SHAPE).all(|(c, s)| if *s == b'9' { c.is_ascii_digit() } else { c == s });
    (matches!(source, Some(SqlType::DateTime2(_))) && fits).then(|| std::str::from_utf8(t).ok()).flatten()
}

pub(super) fn to_string(
    v: ValueRef<'_>,
    style: Option<i64>,
    source: Option<SqlType>,
) -> Result<String, SqlError> {
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
        (Some(t), _) if t.is_temporal() => {
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

pub(super) fn with_commas(s: &str) -> String {
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

/// Fits a string into char(n) (padded), varchar(n) (truncated) or MAX.
pub(super) fn fit_string(target: &SqlType, s: String) -> String {
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
