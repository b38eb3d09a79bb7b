//! Conversions to the numeric types: integers, bit, float/real, decimal and money.

use rusqlite::types::{Value, ValueRef};

use super::super::math::decimal_value;
use super::*;
use crate::error::SqlError;
use crate::types::SqlType;
use crate::types::storage::parse_decimal;

pub(super) fn range(t: &SqlType) -> (i128, i128) {
    match t {
        SqlType::TinyInt => (0, 255),
        SqlType::SmallInt => (i16::MIN as i128, i16::MAX as i128),
        SqlType::Int => (i32::MIN as i128, i32::MAX as i128),
        _ => (i64::MIN as i128, i64::MAX as i128),
    }
}

pub(super) fn to_integer(
    target: &SqlType,
    v: ValueRef<'_>,
    source: Option<SqlType>,
) -> Result<Value, SqlError> {
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

pub(super) fn binary_to_integer(target: &SqlType, b: &[u8]) -> i64 {
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

pub(super) fn to_bit(v: ValueRef<'_>, source: Option<SqlType>) -> Result<Value, SqlError> {
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

pub(super) fn to_float(
    target: &SqlType,
    v: ValueRef<'_>,
    source: Option<SqlType>,
) -> Result<Value, SqlError> {
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

pub(super) fn to_decimal(
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
pub(super) fn float_style0(f: f64) -> String {
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
