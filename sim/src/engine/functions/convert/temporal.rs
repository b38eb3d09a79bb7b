//! Conversions to the date and time types.

use rusqlite::types::{Value, ValueRef};

use super::super::dates::{format_as, parse_any};
use super::*;
use crate::error::SqlError;
use crate::types::SqlType;

pub(super) fn to_temporal(
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
