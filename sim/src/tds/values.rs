//! Encoding values into ROW / NBCROW / RETURNVALUE data, per the column's [`SqlType`].
//!
//! The engine hands over SQLite storage cells ([`Cell`]); [`encode_cell`] converts each into
//! the wire form [`TypeInfo::of`] announced for its column. Integer, real, text and blob
//! cells on int, float, character and binary columns take fast paths (no allocation beyond
//! UTF-16 conversion); dates, decimals, money and GUIDs go through
//! [`storage::from_cell`]. A stored value that does not convert (text that is not a date in
//! a date column) is a [`SqlError`] with SQL Server's number (241, 245, 8114, 8115, 8169), never
//! a panic.
//!
//! Value shapes: …N types carry a 1-byte length (0 = NULL); char/binary up to 8000 bytes a
//! 2-byte length (0xFFFF = NULL); MAX types are PLP (u64 total, u32-length chunks, a zero
//! terminator; all-ones total = NULL). char(n)/nchar(n)/binary(n) are padded as SQL Server does.

use super::codepage;
use super::guid;
use super::numeric::{self, rescale};
use super::temporal;
use super::typeinfo::{Kind, MAX_LEN, Prefix, TypeInfo, code};
use super::wire::put_utf16_limited;
use crate::error::SqlError;
use crate::types::storage::{self, from_cell};
use crate::types::{Cell, Column, SqlType, Value};
use bytes::{BufMut, BytesMut};
use std::borrow::Cow;

/// ROW token.
pub const ROW: u8 = 0xD1;
/// NBCROW token (null bitmap compressed row).
pub const NBCROW: u8 = 0xD2;
/// PLP total length meaning NULL.
pub const PLP_NULL: u64 = u64::MAX;
/// PLP total length meaning "unknown, read the chunks".
pub const PLP_UNKNOWN: u64 = u64::MAX - 1;

/// Appends one row: NBCROW when any cell is NULL (the nulls then take no space), else ROW.
pub fn write_row(dst: &mut BytesMut, columns: &[Column], cells: &[Cell<'_>]) -> Result<(), SqlError> {
    if columns.len() != cells.len() {
        return Err(SqlError::new(
            8624,
            16,
            format!("Internal error: a row of {} values for {} columns.", cells.len(), columns.len()),
        ));
    }
    if cells.iter().any(|c| matches!(c, Cell::Null)) {
        return write_nbc_row(dst, columns, cells);
    }
    dst.put_u8(ROW);
    for (column, cell) in columns.iter().zip(cells) {
        encode_cell(dst, &column.ty, *cell)?;
    }
    Ok(())
}

/// Appends an NBCROW: a null bitmap (bit i%8 of byte i/8 set = column i is NULL), then the
/// non-NULL values.
pub fn write_nbc_row(dst: &mut BytesMut, columns: &[Column], cells: &[Cell<'_>]) -> Result<(), SqlError> {
    dst.put_u8(NBCROW);
    let bitmap_at = dst.len();
    dst.put_bytes(0, cells.len().div_ceil(8));
    for (i, (column, cell)) in columns.iter().zip(cells).enumerate() {
        if let Cell::Null = cell {
            dst[bitmap_at + i / 8] |= 1 << (i % 8);
        } else {
            encode_cell(dst, &column.ty, *cell)?;
        }
    }
    Ok(())
}

/// Appends the NULL value of `ty`.
pub fn write_null(dst: &mut BytesMut, ty: &SqlType) {
    match TypeInfo::of(ty).prefix() {
        Prefix::Byte | Prefix::Fixed(_) => dst.put_u8(0),
        Prefix::UShort => dst.put_u16_le(0xFFFF),
        Prefix::Long => dst.put_i32_le(-1),
        Prefix::Plp => dst.put_u64_le(PLP_NULL),
    }
}

/// Appends a stored cell as a value of column type `ty`.
pub fn encode_cell(dst: &mut BytesMut, ty: &SqlType, cell: Cell<'_>) -> Result<(), SqlError> {
    use SqlType as T;
    if let Cell::Null = cell {
        write_null(dst, ty);
        return Ok(());
    }
    match ty {
        T::TinyInt => put_int(dst, ty, cell, 1, 0, u8::MAX as i64),
        T::SmallInt => put_int(dst, ty, cell, 2, i16::MIN as i64, i16::MAX as i64),
        T::Int => put_int(dst, ty, cell, 4, i32::MIN as i64, i32::MAX as i64),
        T::BigInt => put_int(dst, ty, cell, 8, i64::MIN, i64::MAX),
        T::Bit => {
            let on = cell_bit(cell).ok_or_else(|| conversion_error(ty, cell))?;
            dst.put_slice(&[1, on as u8]);
            Ok(())
        }
        T::Real | T::Float => put_float(dst, ty, cell),
        T::Char(_)
        | T::VarChar(_)
        | T::Text
        | T::NChar(_)
        | T::NVarChar(_)
        | T::NText
        | T::Xml
        | T::SysName => {
            put_text(dst, &TypeInfo::of(ty), &cell_text(cell));
            Ok(())
        }
        T::Binary(_) | T::VarBinary(_) | T::Image => {
            put_binary(dst, &TypeInfo::of(ty), &cell_bytes(cell));
            Ok(())
        }
        _ => {
            let value = fast_temporal(ty, cell)
                .or_else(|| from_cell(ty, cell))
                .ok_or_else(|| conversion_error(ty, cell))?;
            write_typed(dst, ty, &value).unwrap_or_else(|| Err(conversion_error(ty, cell)))
        }
    }
}

/// Dates in the canonical storage text, parsed without allocating (the common case when
/// streaming); `None` hands the cell to [`from_cell`].
fn fast_temporal(ty: &SqlType, cell: Cell<'_>) -> Option<Value> {
    use SqlType as T;
    let Cell::Text(text) = cell else { return None };
    match ty {
        T::Date => temporal::parse_storage_datetime(text).map(|dt| Value::Date(dt.date())),
        T::DateTime | T::SmallDateTime | T::DateTime2(_) => {
            temporal::parse_storage_datetime(text).map(Value::DateTime)
        }
        T::DateTimeOffset(_) => {
            temporal::parse_storage_datetimeoffset(text).map(|(dt, offset)| Value::DateTimeOffset(dt, offset))
        }
        _ => None,
    }
}

/// Appends a typed value (RETURNVALUE, engine-made values) as a value of type `ty`,
/// converting through the storage form when the value's kind differs from the type's.
pub fn encode_value(dst: &mut BytesMut, ty: &SqlType, value: &Value) -> Result<(), SqlError> {
    match value {
        Value::Null => encode_cell(dst, ty, Cell::Null),
        Value::Int(i) => encode_cell(dst, ty, Cell::Integer(*i)),
        Value::Bit(b) => encode_cell(dst, ty, Cell::Integer(*b as i64)),
        Value::Float(f) => encode_cell(dst, ty, Cell::Real(*f)),
        Value::Str(s) => encode_cell(dst, ty, Cell::Text(s)),
        Value::Bytes(b) => encode_cell(dst, ty, Cell::Blob(b)),
        typed => match write_typed(dst, ty, typed) {
            Some(result) => result,
            None => match storage::to_storage(typed) {
                rusqlite::types::Value::Text(s) => encode_cell(dst, ty, Cell::Text(&s)),
                rusqlite::types::Value::Integer(i) => encode_cell(dst, ty, Cell::Integer(i)),
                rusqlite::types::Value::Real(f) => encode_cell(dst, ty, Cell::Real(f)),
                rusqlite::types::Value::Blob(b) => encode_cell(dst, ty, Cell::Blob(&b)),
                rusqlite::types::Value::Null => encode_cell(dst, ty, Cell::Null),
            },
        },
    }
}

/// Writes the typed value kinds (decimal, money, dates, GUID) to their own types; `None` when
/// `value` is not the kind `ty` takes.
fn write_typed(dst: &mut BytesMut, ty: &SqlType, value: &Value) -> Option<Result<(), SqlError>> {
    use SqlType as T;
    Some(match (ty, value) {
        (T::Decimal { .. }, Value::Decimal { value, scale }) => {
            let ti = TypeInfo::of(ty);
            rescale(*value, *scale, ti.scale)
                .ok_or_else(|| numeric::overflow("numeric"))
                .and_then(|v| numeric::put_decimal(dst, v, ti.precision))
        }
        (T::Money | T::SmallMoney, Value::Decimal { value, scale }) => {
            let len = if *ty == T::Money { 8 } else { 4 };
            rescale(*value, *scale, 4)
                .ok_or_else(|| numeric::overflow(ty.name()))
                .and_then(|v| numeric::put_money(dst, v, len))
        }
        (T::Date, Value::Date(d)) => temporal::put_date(dst, d),
        (T::Time(scale), Value::Time(t)) => {
            temporal::put_time(dst, t, *scale);
            Ok(())
        }
        (T::DateTime2(scale), Value::DateTime(dt)) => temporal::put_datetime2(dst, dt, (*scale).min(7)),
        (T::DateTime, Value::DateTime(dt)) => temporal::put_datetime(dst, dt),
        (T::SmallDateTime, Value::DateTime(dt)) => temporal::put_smalldatetime(dst, dt),
        (T::DateTimeOffset(scale), Value::DateTimeOffset(dt, offset)) => {
            temporal::put_datetimeoffset(dst, dt, *offset, (*scale).min(7))
        }
        (T::UniqueIdentifier, Value::Guid(g)) => {
            dst.put_u8(16);
            dst.put_slice(&guid::to_wire(g));
            Ok(())
        }
        _ => return None,
    })
}

fn put_int(
    dst: &mut BytesMut,
    ty: &SqlType,
    cell: Cell<'_>,
    len: u8,
    min: i64,
    max: i64,
) -> Result<(), SqlError> {
    let v = cell_i64(cell).ok_or_else(|| match cell {
        // SQLite turns an integer result beyond i64 into a REAL: SQL Server's overflow.
        Cell::Real(f) if f.is_finite() && f.fract() == 0.0 => numeric::overflow(ty.name()),
        _ => conversion_error(ty, cell),
    })?;
    if v < min || v > max {
        return Err(numeric::overflow(ty.name()));
    }
    dst.put_u8(len);
    dst.put_slice(&v.to_le_bytes()[..len as usize]);
    Ok(())
}

fn put_float(dst: &mut BytesMut, ty: &SqlType, cell: Cell<'_>) -> Result<(), SqlError> {
    let v = match cell {
        Cell::Integer(i) => i as f64,
        Cell::Real(f) => f,
        Cell::Text(t) => t.trim().parse().map_err(|_| conversion_error(ty, cell))?,
        _ => return Err(conversion_error(ty, cell)),
    };
    if *ty == SqlType::Real {
        dst.put_u8(4);
        dst.put_f32_le(v as f32);
    } else {
        dst.put_u8(8);
        dst.put_f64_le(v);
    }
    Ok(())
}

/// Integer from a cell: reals truncate toward zero (as CAST does), text must be an integer.
fn cell_i64(cell: Cell<'_>) -> Option<i64> {
    match cell {
        Cell::Integer(i) => Some(i),
        Cell::Real(f) if f.is_finite() && f.abs() < 9.223_372_036_854_775e18 => Some(f.trunc() as i64),
        Cell::Text(t) => t.trim().parse().ok(),
        _ => None,
    }
}

fn cell_bit(cell: Cell<'_>) -> Option<bool> {
    match cell {
        Cell::Integer(i) => Some(i != 0),
        Cell::Real(f) => Some(f != 0.0),
        Cell::Text(t) => match t.trim() {
            s if s.eq_ignore_ascii_case("true") => Some(true),
            s if s.eq_ignore_ascii_case("false") => Some(false),
            s => s.parse::<f64>().ok().map(|f| f != 0.0),
        },
        _ => None,
    }
}

fn cell_text(cell: Cell<'_>) -> Cow<'_, str> {
    match cell {
        Cell::Text(t) => Cow::Borrowed(t),
        Cell::Integer(i) => Cow::Owned(i.to_string()),
        Cell::Real(f) => Cow::Owned(format!("{f}")),
        Cell::Blob(b) => String::from_utf8_lossy(b),
        Cell::Null => Cow::Borrowed(""),
    }
}

fn cell_bytes(cell: Cell<'_>) -> Cow<'_, [u8]> {
    match cell {
        Cell::Blob(b) => Cow::Borrowed(b),
        Cell::Text(t) => Cow::Borrowed(t.as_bytes()),
        Cell::Integer(i) => Cow::Owned(i.to_be_bytes().to_vec()),
        Cell::Real(f) => Cow::Owned(f.to_be_bytes().to_vec()),
        Cell::Null => Cow::Borrowed(&[]),
    }
}

/// Writes character data for a char/varchar/nchar/nvarchar TYPE_INFO (truncated to the
/// declared length, padded with spaces for char/nchar).
fn put_text(dst: &mut BytesMut, ti: &TypeInfo, s: &str) {
    let utf16 = ti.kind() == Kind::Utf16;
    let fixed = matches!(ti.code, code::BIGCHAR | code::NCHAR);
    let write = |dst: &mut BytesMut, max_bytes: usize| {
        let written = if utf16 {
            put_utf16_limited(dst, s, max_bytes / 2) * 2
        } else {
            codepage::put_ansi(dst, s, max_bytes)
        };
        if fixed && written < max_bytes {
            let pad: &[u8] = if utf16 { &[b' ', 0] } else { b" " };
            for _ in 0..(max_bytes - written) / pad.len() {
                dst.put_slice(pad);
            }
        }
    };
    if ti.len == MAX_LEN as u32 {
        put_plp(dst, |dst| write(dst, usize::MAX));
    } else {
        put_ushort_len(dst, |dst| write(dst, ti.len as usize));
    }
}

/// Writes binary data for a binary/varbinary TYPE_INFO (truncated; binary(n) zero-padded).
fn put_binary(dst: &mut BytesMut, ti: &TypeInfo, b: &[u8]) {
    if ti.len == MAX_LEN as u32 {
        put_plp(dst, |dst| dst.put_slice(b));
        return;
    }
    let max = ti.len as usize;
    put_ushort_len(dst, |dst| {
        let n = b.len().min(max);
        dst.put_slice(&b[..n]);
        if ti.code == code::BIGBINARY {
            dst.put_bytes(0, max - n);
        }
    });
}

/// A 2-byte length, then whatever `body` writes.
fn put_ushort_len(dst: &mut BytesMut, body: impl FnOnce(&mut BytesMut)) {
    let at = dst.len();
    dst.put_u16_le(0);
    body(dst);
    let n = (dst.len() - at - 2) as u16;
    dst[at..at + 2].copy_from_slice(&n.to_le_bytes());
}

/// A PLP value with a known total: total u64, one chunk (if not empty), terminator.
pub fn put_plp(dst: &mut BytesMut, body: impl FnOnce(&mut BytesMut)) {
    let at = dst.len();
    dst.put_u64_le(0);
    dst.put_u32_le(0);
    body(dst);
    let n = dst.len() - at - 12;
    dst[at..at + 8].copy_from_slice(&(n as u64).to_le_bytes());
    if n > 0 {
        dst[at + 8..at + 12].copy_from_slice(&(n as u32).to_le_bytes());
        dst.put_u32_le(0);
    }
}

/// The SQL Server error for a stored value that does not convert to `ty`.
pub fn conversion_error(ty: &SqlType, cell: Cell<'_>) -> SqlError {
    use SqlType as T;
    let shown = cell_text(cell);
    match ty {
        T::Date | T::Time(_) | T::DateTime | T::SmallDateTime | T::DateTime2(_) | T::DateTimeOffset(_) => {
            SqlError::new(
                241,
                16,
                "Conversion failed when converting date and/or time from character string.",
            )
        }
        T::UniqueIdentifier => SqlError::new(
            8169,
            16,
            "Conversion failed when converting from a character string to uniqueidentifier.",
        ),
        T::Decimal { .. } | T::Money | T::SmallMoney | T::Real | T::Float => {
            SqlError::new(8114, 16, format!("Error converting data type varchar to {}.", ty.name()))
        }
        _ => SqlError::new(
            245,
            16,
            format!(
                "Conversion failed when converting the varchar value '{shown}' to data type {}.",
                ty.name()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tds::params::decode_value;
    use crate::tds::typeinfo::tests::{all_types, wire_equivalent};
    use crate::tds::wire::Reader;
    use crate::types::Len;
    use crate::types::storage::{parse_datetime, parse_guid};
    use proptest::prelude::*;

    /// Encodes `cell` for `ty`, decodes it with the parameter decoder, asserts all consumed.
    fn round_trip(ty: &SqlType, cell: Cell<'_>) -> Value {
        let mut buf = BytesMut::new();
        encode_cell(&mut buf, ty, cell).unwrap_or_else(|e| panic!("{ty:?} {cell:?}: {e}"));
        let mut r = Reader::new(&buf);
        let value = decode_value(&mut r, &TypeInfo::of(ty)).unwrap();
        r.expect_end("value").unwrap();
        value
    }

    fn dt(s: &str) -> chrono::NaiveDateTime {
        parse_datetime(s).unwrap()
    }

    #[test]
    fn null_round_trips_for_every_type() {
        for ty in all_types() {
            assert_eq!(round_trip(&ty, Cell::Null), Value::Null, "{ty:?}");
        }
    }

    #[test]
    fn null_bytes_per_type() {
        let cases: &[(SqlType, &[u8])] = &[
            (SqlType::Int, &[0]),
            (SqlType::NVarChar(Len::N(10)), &[0xFF, 0xFF]),
            (SqlType::VarBinary(Len::N(10)), &[0xFF, 0xFF]),
            (SqlType::NVarChar(Len::Max), &[0xFF; 8]),
            (SqlType::DateTime2(7), &[0]),
        ];
        for (ty, bytes) in cases {
            let mut buf = BytesMut::new();
            write_null(&mut buf, ty);
            assert_eq!(&buf[..], *bytes, "{ty:?}");
        }
    }

    #[test]
    fn integer_edges() {
        use SqlType as T;
        for (ty, v) in [(T::TinyInt, 0), (T::TinyInt, 255), (T::SmallInt, -32768), (T::Int, i32::MIN as i64)]
        {
            assert_eq!(round_trip(&ty, Cell::Integer(v)), Value::Int(v));
        }
        assert_eq!(round_trip(&T::BigInt, Cell::Integer(i64::MIN)), Value::Int(i64::MIN));
        assert_eq!(round_trip(&T::BigInt, Cell::Integer(i64::MAX)), Value::Int(i64::MAX));
        assert_eq!(round_trip(&T::Int, Cell::Text(" 42 ")), Value::Int(42));
        assert_eq!(round_trip(&T::Int, Cell::Real(-3.9)), Value::Int(-3));
        let mut buf = BytesMut::new();
        assert_eq!(encode_cell(&mut buf, &T::TinyInt, Cell::Integer(256)).unwrap_err().number, 8115);
        assert_eq!(encode_cell(&mut buf, &T::Int, Cell::Integer(1 << 31)).unwrap_err().number, 8115);
        assert_eq!(encode_cell(&mut buf, &T::Int, Cell::Text("abc")).unwrap_err().number, 245);
        let mut buf = BytesMut::new();
        encode_cell(&mut buf, &T::Int, Cell::Integer(-2)).unwrap();
        assert_eq!(&buf[..], &[4, 0xFE, 0xFF, 0xFF, 0xFF]);
    }

    #[test]
    fn bits_and_floats() {
        assert_eq!(round_trip(&SqlType::Bit, Cell::Integer(5)), Value::Bit(true));
        assert_eq!(round_trip(&SqlType::Bit, Cell::Text("false")), Value::Bit(false));
        assert_eq!(
            round_trip(&SqlType::Float, Cell::Real(f64::MIN_POSITIVE)),
            Value::Float(f64::MIN_POSITIVE)
        );
        assert_eq!(round_trip(&SqlType::Real, Cell::Real(1.5)), Value::Float(1.5));
        assert_eq!(round_trip(&SqlType::Float, Cell::Integer(3)), Value::Float(3.0));
    }

    #[test]
    fn strings_empty_long_and_unicode() {
        use SqlType as T;
        assert_eq!(round_trip(&T::NVarChar(Len::N(10)), Cell::Text("")), Value::Str(String::new()));
        assert_eq!(round_trip(&T::NVarChar(Len::Max), Cell::Text("")), Value::Str(String::new()));
        assert_eq!(round_trip(&T::VarChar(Len::Max), Cell::Text("")), Value::Str(String::new()));
        let long = "ab😀".repeat(3000);
        assert!(long.len() > 8000);
        assert_eq!(round_trip(&T::NVarChar(Len::Max), Cell::Text(&long)), Value::Str(long.clone()));
        assert_eq!(round_trip(&T::NText, Cell::Text(&long)), Value::Str(long.clone()));
        let latin = "déjà vu €".repeat(1000);
        assert_eq!(round_trip(&T::VarChar(Len::Max), Cell::Text(&latin)), Value::Str(latin.clone()));
        assert_eq!(round_trip(&T::VarChar(Len::N(20)), Cell::Text("漢字 ok")), Value::Str("?? ok".into()));
        assert_eq!(round_trip(&T::VarChar(Len::N(3)), Cell::Text("abcdef")), Value::Str("abc".into()));
        assert_eq!(round_trip(&T::Char(5), Cell::Text("ab")), Value::Str("ab   ".into()));
        assert_eq!(round_trip(&T::NChar(4), Cell::Text("é")), Value::Str("é   ".into()));
        assert_eq!(round_trip(&T::SysName, Cell::Text("master")), Value::Str("master".into()));
        assert_eq!(round_trip(&T::NVarChar(Len::N(5)), Cell::Integer(12)), Value::Str("12".into()));
    }

    #[test]
    fn plp_layout_is_total_chunk_terminator() {
        let mut buf = BytesMut::new();
        encode_cell(&mut buf, &SqlType::NVarChar(Len::Max), Cell::Text("ab")).unwrap();
        assert_eq!(&buf[..], &[4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, b'a', 0, b'b', 0, 0, 0, 0, 0]);
        let mut buf = BytesMut::new();
        encode_cell(&mut buf, &SqlType::VarBinary(Len::Max), Cell::Blob(&[])).unwrap();
        assert_eq!(&buf[..], &[0; 12]);
    }

    #[test]
    fn binaries() {
        use SqlType as T;
        let big: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(round_trip(&T::VarBinary(Len::Max), Cell::Blob(&big)), Value::Bytes(big.clone()));
        assert_eq!(round_trip(&T::Image, Cell::Blob(&big)), Value::Bytes(big));
        assert_eq!(round_trip(&T::VarBinary(Len::N(4)), Cell::Blob(&[])), Value::Bytes(vec![]));
        assert_eq!(round_trip(&T::Binary(4), Cell::Blob(&[1, 2])), Value::Bytes(vec![1, 2, 0, 0]));
    }

    #[test]
    fn decimals_and_money() {
        let ty = SqlType::Decimal { precision: 38, scale: 10 };
        let v = -(10i128.pow(38) - 1);
        let text = storage::format_decimal(v, 10);
        assert_eq!(round_trip(&ty, Cell::Text(&text)), Value::Decimal { value: v, scale: 10 });
        let small = SqlType::Decimal { precision: 5, scale: 2 };
        assert_eq!(round_trip(&small, Cell::Real(-1.25)), Value::Decimal { value: -125, scale: 2 });
        assert_eq!(round_trip(&small, Cell::Integer(0)), Value::Decimal { value: 0, scale: 2 });
        let mut buf = BytesMut::new();
        assert_eq!(encode_cell(&mut buf, &small, Cell::Integer(1000)).unwrap_err().number, 8115);
        assert_eq!(encode_cell(&mut buf, &small, Cell::Text("x")).unwrap_err().number, 8114);
        assert_eq!(
            round_trip(&SqlType::Money, Cell::Text("-922337203685477.5808")),
            Value::Decimal { value: i64::MIN as i128, scale: 4 }
        );
        assert_eq!(
            round_trip(&SqlType::SmallMoney, Cell::Real(1.5)),
            Value::Decimal { value: 15000, scale: 4 }
        );
    }

    #[test]
    fn dates_and_times() {
        use SqlType as T;
        let cases: Vec<(SqlType, &str, Value)> = vec![
            (T::Date, "0001-01-01", Value::Date(dt("0001-01-01").date())),
            (T::Date, "9999-12-31", Value::Date(dt("9999-12-31").date())),
            (
                T::DateTime2(7),
                "0001-01-01 00:00:00.0000001",
                Value::DateTime(dt("0001-01-01 00:00:00.0000001")),
            ),
            (
                T::DateTime2(7),
                "9999-12-31 23:59:59.9999999",
                Value::DateTime(dt("9999-12-31 23:59:59.9999999")),
            ),
            (T::DateTime2(3), "2024-01-01 10:00:00.1234567", Value::DateTime(dt("2024-01-01 10:00:00.123"))),
            (T::Time(7), "23:59:59.9999999", Value::Time(dt("2000-01-01 23:59:59.9999999").time())),
            (T::DateTime, "2024-02-29 13:14:15.000", Value::DateTime(dt("2024-02-29 13:14:15"))),
            (T::SmallDateTime, "2024-02-29 13:14:00", Value::DateTime(dt("2024-02-29 13:14:00"))),
            (
                T::DateTimeOffset(7),
                "2024-01-01 01:00:00.0000000 -05:30",
                Value::DateTimeOffset(dt("2024-01-01 01:00:00"), -330),
            ),
            (
                T::DateTimeOffset(7),
                "0001-01-01 14:00:00.0000000 +14:00",
                Value::DateTimeOffset(dt("0001-01-01 14:00:00"), 840),
            ),
        ];
        for (ty, text, expected) in cases {
            assert_eq!(round_trip(&ty, Cell::Text(text)), expected, "{ty:?} {text}");
        }
        let mut buf = BytesMut::new();
        assert_eq!(encode_cell(&mut buf, &T::Date, Cell::Text("not a date")).unwrap_err().number, 241);
        assert_eq!(encode_cell(&mut buf, &T::DateTime, Cell::Text("1700-01-01")).unwrap_err().number, 242);
    }

    #[test]
    fn guid_wire_order() {
        let text = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
        let mut buf = BytesMut::new();
        encode_cell(&mut buf, &SqlType::UniqueIdentifier, Cell::Text(text)).unwrap();
        assert_eq!(
            &buf[..],
            &[
                16, 0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64,
                0xFF
            ]
        );
        let back = round_trip(&SqlType::UniqueIdentifier, Cell::Text(text));
        assert_eq!(back, Value::Guid(parse_guid(text).unwrap()));
        assert_eq!(
            encode_cell(&mut buf, &SqlType::UniqueIdentifier, Cell::Text("zz")).unwrap_err().number,
            8169
        );
    }

    #[test]
    fn typed_values_encode_directly_or_via_storage() {
        let ty = SqlType::Decimal { precision: 10, scale: 4 };
        let mut buf = BytesMut::new();
        encode_value(&mut buf, &ty, &Value::Decimal { value: 125, scale: 2 }).unwrap();
        let back = decode_value(&mut Reader::new(&buf), &TypeInfo::of(&ty)).unwrap();
        assert_eq!(back, Value::Decimal { value: 12500, scale: 4 });
        let mut buf = BytesMut::new();
        encode_value(&mut buf, &SqlType::NVarChar(Len::N(40)), &Value::Date(dt("2024-05-06").date()))
            .unwrap();
        let back =
            decode_value(&mut Reader::new(&buf), &TypeInfo::of(&SqlType::NVarChar(Len::N(40)))).unwrap();
        assert_eq!(back, Value::Str("2024-05-06".into()));
        let mut buf = BytesMut::new();
        encode_value(&mut buf, &SqlType::Date, &Value::DateTime(dt("2024-05-06 10:00"))).unwrap();
        assert_eq!(
            decode_value(&mut Reader::new(&buf), &TypeInfo::of(&SqlType::Date)).unwrap(),
            Value::Date(dt("2024-05-06").date())
        );
    }

    #[test]
    fn every_type_round_trips_a_sample_value() {
        for ty in all_types() {
            let sample = match wire_equivalent(&ty) {
                SqlType::Binary(_) | SqlType::VarBinary(_) => Cell::Blob(b"\x01\x02"),
                SqlType::Char(_) | SqlType::VarChar(_) | SqlType::NChar(_) | SqlType::NVarChar(_) => {
                    Cell::Text("x")
                }
                SqlType::UniqueIdentifier => Cell::Text("6F9619FF-8B86-D011-B42D-00C04FC964FF"),
                SqlType::Date => Cell::Text("2024-01-02"),
                SqlType::Time(_) => Cell::Text("10:11:12"),
                SqlType::DateTimeOffset(_) => Cell::Text("2024-01-02 10:11:12.0000000 +01:00"),
                SqlType::DateTime | SqlType::SmallDateTime | SqlType::DateTime2(_) => {
                    Cell::Text("2024-01-02 10:11:00")
                }
                _ => Cell::Integer(1),
            };
            assert_ne!(round_trip(&ty, sample), Value::Null, "{ty:?}");
        }
    }

    #[test]
    fn rows_and_nbc_rows() {
        let columns = vec![
            Column::new("a", SqlType::Int, true),
            Column::new("b", SqlType::NVarChar(Len::N(10)), true),
            Column::new("c", SqlType::BigInt, false),
        ];
        let mut buf = BytesMut::new();
        write_row(&mut buf, &columns, &[Cell::Integer(1), Cell::Text("x"), Cell::Integer(2)]).unwrap();
        assert_eq!(&buf[..], &[ROW, 4, 1, 0, 0, 0, 2, 0, b'x', 0, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let mut buf = BytesMut::new();
        write_row(&mut buf, &columns, &[Cell::Null, Cell::Text("x"), Cell::Null]).unwrap();
        assert_eq!(&buf[..], &[NBCROW, 0b101, 2, 0, b'x', 0]);
        assert!(write_row(&mut buf, &columns, &[Cell::Null]).is_err());
    }

    proptest! {
        #[test]
        fn bigints_round_trip(v in any::<i64>()) {
            prop_assert_eq!(round_trip(&SqlType::BigInt, Cell::Integer(v)), Value::Int(v));
        }

        #[test]
        fn ints_round_trip(v in any::<i32>()) {
            prop_assert_eq!(round_trip(&SqlType::Int, Cell::Integer(v as i64)), Value::Int(v as i64));
        }

        #[test]
        fn nvarchar_round_trips(s in "\\PC{0,300}") {
            prop_assert_eq!(round_trip(&SqlType::NVarChar(Len::Max), Cell::Text(&s)), Value::Str(s.clone()));
            prop_assert_eq!(round_trip(&SqlType::NVarChar(Len::N(4000)), Cell::Text(&s)), Value::Str(s.clone()));
        }

        #[test]
        fn decimal_text_round_trips(v in -(10i128.pow(18) - 1)..10i128.pow(18), scale in 0u8..=18) {
            let ty = SqlType::Decimal { precision: 18, scale };
            let text = storage::format_decimal(v, scale);
            prop_assert_eq!(round_trip(&ty, Cell::Text(&text)), Value::Decimal { value: v, scale });
        }
    }
}
