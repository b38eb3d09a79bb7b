//! How each SQL Server type is stored in SQLite, decided once for the whole simulator.
//!
//! | SQL Server type | SQLite storage |
//! |---|---|
//! | tinyint … bigint, bit | INTEGER |
//! | real, float | REAL |
//! | decimal, numeric, money | columns: TEXT (exact, any of 38 digits), declared with TEXT affinity and the `tsql_decimal` collation (numeric order); values in expressions: INTEGER, REAL when ≤ 15 significant digits, else TEXT ([`decimal_storage`]) |
//! | char, varchar, nchar, nvarchar, text, ntext, xml | TEXT (UTF-8) |
//! | binary, varbinary, image | BLOB |
//! | date | TEXT `YYYY-MM-DD` |
//! | time | TEXT `HH:MM:SS.fffffff` |
//! | datetime, smalldatetime, datetime2 | TEXT `YYYY-MM-DD HH:MM:SS.fffffff` (seven digits, so text order is time order) |
//! | datetimeoffset | TEXT `YYYY-MM-DD HH:MM:SS.fffffff +HH:MM` |
//! | uniqueidentifier | TEXT, upper-case canonical form |
//!
//! [`to_storage`] turns a typed [`Value`] into its SQLite form; [`from_cell`] reads a stored
//! [`Cell`] back as the typed [`Value`] a column of a given [`SqlType`] holds.

use super::{Cell, SqlType, Value};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rusqlite::types::Value as Stored;

/// The SQLite value that stores `value`.
pub fn to_storage(value: &Value) -> Stored {
    match value {
        Value::Null => Stored::Null,
        Value::Bit(b) => Stored::Integer(*b as i64),
        Value::Int(i) => Stored::Integer(*i),
        Value::Float(f) => Stored::Real(*f),
        Value::Decimal { value, scale } => decimal_storage(*value, *scale),
        Value::Str(s) => Stored::Text(s.clone()),
        Value::Bytes(b) => Stored::Blob(b.clone()),
        Value::Date(d) => Stored::Text(d.format("%Y-%m-%d").to_string()),
        Value::Time(t) => Stored::Text(format_time(t)),
        Value::DateTime(dt) => Stored::Text(format_datetime(dt)),
        Value::DateTimeOffset(dt, offset) => {
            Stored::Text(format!("{} {}", format_datetime(dt), format_offset(*offset)))
        }
        Value::Guid(g) => Stored::Text(format_guid(g)),
    }
}

/// A stored SQLite value as the [`Cell`] [`from_cell`] reads.
pub fn stored_cell(stored: &Stored) -> Cell<'_> {
    match stored {
        Stored::Null => Cell::Null,
        Stored::Integer(i) => Cell::Integer(*i),
        Stored::Real(f) => Cell::Real(*f),
        Stored::Text(t) => Cell::Text(t),
        Stored::Blob(b) => Cell::Blob(b),
    }
}

/// Reads a stored cell as a value of type `ty`. `None` when the stored value cannot be
/// represented as `ty` (the caller reports a conversion error).
pub fn from_cell(ty: &SqlType, cell: Cell<'_>) -> Option<Value> {
    use SqlType as T;
    if let Cell::Null = cell {
        return Some(Value::Null);
    }
    Some(match ty {
        T::Bit => Value::Bit(as_f64(cell)? != 0.0),
        T::TinyInt | T::SmallInt | T::Int | T::BigInt => Value::Int(as_i64(cell)?),
        T::Real | T::Float => Value::Float(as_f64(cell)?),
        T::Decimal { scale, .. } => Value::Decimal { value: as_scaled(cell, *scale)?, scale: *scale },
        T::Money | T::SmallMoney => Value::Decimal { value: as_scaled(cell, 4)?, scale: 4 },
        T::Char(_)
        | T::VarChar(_)
        | T::NChar(_)
        | T::NVarChar(_)
        | T::Text
        | T::NText
        | T::Xml
        | T::SysName => Value::Str(as_text(cell)),
        T::Binary(_) | T::VarBinary(_) | T::Image => Value::Bytes(as_bytes(cell)),
        T::Date => Value::Date(parse_datetime(&as_text(cell))?.date()),
        T::Time(_) => Value::Time(parse_time(&as_text(cell))?),
        T::DateTime | T::SmallDateTime | T::DateTime2(_) => Value::DateTime(parse_datetime(&as_text(cell))?),
        T::DateTimeOffset(_) => {
            let (dt, offset) = parse_datetimeoffset(&as_text(cell))?;
            Value::DateTimeOffset(dt, offset)
        }
        T::UniqueIdentifier => match cell {
            Cell::Blob(b) if b.len() == 16 => Value::Guid(b.try_into().ok()?),
            other => Value::Guid(parse_guid(&as_text(other))?),
        },
    })
}

/// How a decimal/money value is kept in SQLite: INTEGER when it is whole and fits i64; REAL
/// when it has at most 15 significant digits (SQLite turns such a double into text and back
/// unchanged, and it reads back exactly at its column's scale); else its exact TEXT. A decimal
/// column (TEXT affinity, `tsql_decimal` collation, see [`declared_type`]) keeps all of them as
/// text in numeric order; expressions over small values stay native SQLite numbers.
pub fn decimal_storage(value: i128, scale: u8) -> Stored {
    if scale == 0
        && let Ok(v) = i64::try_from(value)
    {
        return Stored::Integer(v);
    }
    let text = format_decimal(value, scale);
    let digits = value.unsigned_abs().to_string();
    if digits.trim_end_matches('0').len() <= 15
        && let Ok(f) = text.parse::<f64>()
    {
        return Stored::Real(f);
    }
    Stored::Text(text)
}

/// The suffix that gives exact-numeric columns TEXT affinity (see [`declared_type`]).
const TEXT_AFFINITY: &str = " text";

/// A column's SQLite declared type: the SQL Server type text (so `SELECT *` keeps the type),
/// followed by ` text` for decimal, numeric, money and smallmoney. SQLite derives a column's
/// affinity from this text: without the suffix those columns would get NUMERIC affinity,
/// which turns a 20-digit decimal into a double.
pub fn declared_type(ty: &SqlType) -> String {
    match ty {
        SqlType::Decimal { .. } | SqlType::Money | SqlType::SmallMoney => {
            format!("{}{TEXT_AFFINITY}", ty.to_sql())
        }
        other => other.to_sql(),
    }
}

/// Reads a declared type written by [`declared_type`] (or by older versions, without suffix).
pub fn parse_declared_type(declared: &str) -> Option<SqlType> {
    SqlType::parse(declared.strip_suffix(TEXT_AFFINITY).unwrap_or(declared))
}

/// The collation a column of `ty` is declared with, if any: `tsql_decimal` (numeric order
/// over text) for the exact numerics.
pub fn decimal_collation(ty: &SqlType) -> Option<&'static str> {
    matches!(ty, SqlType::Decimal { .. } | SqlType::Money | SqlType::SmallMoney).then_some("tsql_decimal")
}

/// `12345, 2` → `"123.45"`; `-5, 3` → `"-0.005"`.
pub fn format_decimal(value: i128, scale: u8) -> String {
    let digits = value.unsigned_abs().to_string();
    let sign = if value < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

/// Parses a decimal literal (`-12.340`, `1e3`, `7`) into a mantissa at `scale`, rounding half
/// away from zero as SQL Server does on conversion.
pub fn parse_decimal(text: &str, scale: u8) -> Option<i128> {
    let t = text.trim();
    if t.contains(['e', 'E']) {
        return scale_f64(t.parse::<f64>().ok()?, scale);
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let keep = frac.len().min(scale as usize);
    let mut mantissa: i128 = 0;
    for c in int.chars().chain(frac[..keep].chars()) {
        mantissa = mantissa.checked_mul(10)?.checked_add((c as u8 - b'0') as i128)?;
    }
    for _ in keep..scale as usize {
        mantissa = mantissa.checked_mul(10)?;
    }
    if frac.len() > keep && frac.as_bytes()[keep] >= b'5' {
        mantissa += 1;
    }
    Some(if neg { -mantissa } else { mantissa })
}

fn scale_f64(f: f64, scale: u8) -> Option<i128> {
    let scaled = (f * 10f64.powi(scale as i32)).round();
    (scaled.is_finite() && scaled.abs() < 1e38).then_some(scaled as i128)
}

fn as_scaled(cell: Cell<'_>, scale: u8) -> Option<i128> {
    match cell {
        Cell::Integer(i) => (i as i128).checked_mul(10i128.pow(scale as u32)),
        Cell::Real(f) => {
            // While f × 10^scale stays within f64's exact integers, rounding it is the nearest
            // decimal at that scale (0.1 reads back as 0.1, not 0.1000000000000000055).
            let scaled = f * 10f64.powi(scale as i32);
            if scaled.abs() < 4.0e15 {
                return Some(scaled.round() as i128);
            }
            parse_decimal(&format!("{f}"), scale).or_else(|| scale_f64(f, scale))
        }
        Cell::Text(t) => parse_decimal(t, scale),
        Cell::Blob(_) | Cell::Null => None,
    }
}

fn as_i64(cell: Cell<'_>) -> Option<i64> {
    match cell {
        Cell::Integer(i) => Some(i),
        Cell::Real(f) => (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64),
        Cell::Text(t) => t.trim().parse().ok(),
        _ => None,
    }
}

fn as_f64(cell: Cell<'_>) -> Option<f64> {
    match cell {
        Cell::Integer(i) => Some(i as f64),
        Cell::Real(f) => Some(f),
        Cell::Text(t) => t.trim().parse().ok(),
        _ => None,
    }
}

fn as_text(cell: Cell<'_>) -> String {
    match cell {
        Cell::Text(t) => t.to_string(),
        Cell::Integer(i) => i.to_string(),
        Cell::Real(f) => format!("{f}"),
        Cell::Blob(b) => String::from_utf8_lossy(b).into_owned(),
        Cell::Null => String::new(),
    }
}

fn as_bytes(cell: Cell<'_>) -> Vec<u8> {
    match cell {
        Cell::Blob(b) => b.to_vec(),
        Cell::Text(t) => t.as_bytes().to_vec(),
        Cell::Integer(i) => i.to_be_bytes().to_vec(),
        Cell::Real(f) => f.to_be_bytes().to_vec(),
        Cell::Null => Vec::new(),
    }
}

/// `HH:MM:SS.fffffff` (seven fractional digits).
pub fn format_time(t: &NaiveTime) -> String {
    let ticks = t.nanosecond().min(999_999_999) / 100;
    format!("{}.{ticks:07}", t.format("%H:%M:%S"))
}

/// `YYYY-MM-DD HH:MM:SS.fffffff`.
pub fn format_datetime(dt: &NaiveDateTime) -> String {
    format!("{} {}", dt.date().format("%Y-%m-%d"), format_time(&dt.time()))
}

/// `+HH:MM` / `-HH:MM`.
pub fn format_offset(minutes: i16) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// Parses `HH:MM[:SS[.fffffff]]`.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim();
    let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
    let mut parts = hms.split(':').map(|p| p.parse::<u32>().ok());
    let (h, m) = (parts.next()??, parts.next()??);
    let s = parts.next().flatten().unwrap_or(0);
    let digits: String = frac.chars().take_while(|c| c.is_ascii_digit()).take(9).collect();
    let nanos = if digits.is_empty() { 0 } else { format!("{digits:0<9}").parse().ok()? };
    NaiveTime::from_hms_nano_opt(h, m, s, nanos)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS.fff…` or the `T`-separated ISO form.
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    let (date, time) = match t.find([' ', 'T']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let time = match time {
        Some(tt) => parse_time(tt.trim_end_matches('Z'))?,
        None => NaiveTime::MIN,
    };
    Some(date.and_time(time))
}

/// Parses `YYYY-MM-DD HH:MM:SS.fffffff +HH:MM`.
pub fn parse_datetimeoffset(text: &str) -> Option<(NaiveDateTime, i16)> {
    let t = text.trim();
    let split = t.rfind(['+', '-']).filter(|&i| i > 10)?;
    let (dt, off) = t.split_at(split);
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let (h, m) = off[1..].split_once(':')?;
    let minutes = h.trim().parse::<i16>().ok()? * 60 + m.trim().parse::<i16>().ok()?;
    Some((parse_datetime(dt)?, sign * minutes))
}

/// Upper-case canonical `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`.
pub fn format_guid(g: &[u8; 16]) -> String {
    let h: Vec<String> = g.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

/// Parses a GUID in canonical form, with or without braces and hyphens.
pub fn parse_guid(text: &str) -> Option<[u8; 16]> {
    let hex: String = text.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let stripped = text.trim().trim_start_matches('{').trim_end_matches('}');
    if hex.len() != 32 || stripped.len() != 36 && stripped.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_trip_exactly() {
        assert_eq!(format_decimal(12345, 2), "123.45");
        assert_eq!(format_decimal(-5, 3), "-0.005");
        assert_eq!(parse_decimal("-0.005", 3), Some(-5));
        assert_eq!(parse_decimal("1.005", 2), Some(101));
        assert_eq!(parse_decimal("12", 2), Some(1200));
        assert_eq!(parse_decimal("abc", 2), None);
        let big = 12_345_678_901_234_567_890_123_456_789_012_345_678i128;
        assert_eq!(parse_decimal(&format_decimal(big, 10), 10), Some(big));
    }

    #[test]
    fn reals_read_back_at_the_column_scale() {
        let ty = SqlType::Decimal { precision: 10, scale: 2 };
        assert_eq!(from_cell(&ty, Cell::Real(0.1)), Some(Value::Decimal { value: 10, scale: 2 }));
        assert_eq!(from_cell(&ty, Cell::Integer(3)), Some(Value::Decimal { value: 300, scale: 2 }));
    }

    #[test]
    fn stored_reals_read_back_as_the_decimal_they_were() {
        for (f, scale, want) in
            [(12.34, 2, 1234), (-0.1, 10, -1_000_000_000), (999_999.99, 2, 99_999_999), (0.005, 3, 5)]
        {
            assert_eq!(as_scaled(Cell::Real(f), scale), Some(want), "{f} at scale {scale}");
        }
        // Beyond f64's exact integers the shortest decimal form is used.
        assert_eq!(as_scaled(Cell::Real(1.5e20), 2), Some(15_000_000_000_000_000_000_000));
    }

    #[test]
    fn datetimes_keep_100ns_ticks_and_sort_as_text() {
        let dt = parse_datetime("2024-02-29 23:59:59.1234567").unwrap();
        assert_eq!(format_datetime(&dt), "2024-02-29 23:59:59.1234567");
        let a = format_datetime(&parse_datetime("2024-01-01 09:00:00").unwrap());
        let b = format_datetime(&parse_datetime("2024-01-01 10:00:00.5").unwrap());
        assert!(a < b);
        let (d, off) = parse_datetimeoffset("2024-01-01 10:00:00.0000000 -05:30").unwrap();
        assert_eq!((format_datetime(&d).as_str(), off), ("2024-01-01 10:00:00.0000000", -330));
    }

    #[test]
    fn guids_round_trip() {
        let text = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
        let g = parse_guid(&text.to_lowercase()).unwrap();
        assert_eq!(format_guid(&g), text);
        assert_eq!(parse_guid("not-a-guid"), None);
    }
}
