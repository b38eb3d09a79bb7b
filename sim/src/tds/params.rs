//! Decoding a client's typed value (RPC parameters): TYPE_INFO plus value → `SqlType`, `Value`.
//!
//! The value's length prefix follows from the TYPE_INFO ([`Prefix`]): none for the legacy
//! fixed-length codes, a byte for the …N types, two bytes for char/binary, four for
//! TEXT/NTEXT/IMAGE, and PLP chunks for MAX types and XML. The bytes are then read per
//! [`Kind`] with the same wire conversions the encoder uses.

use super::codepage;
use super::guid;
use super::numeric;
use super::temporal;
use super::typeinfo::{Kind, Prefix, TypeInfo};
use super::values::{PLP_NULL, PLP_UNKNOWN};
use super::wire::{Reader, invalid, utf16_to_string};
use crate::types::{SqlType, Value};
use std::borrow::Cow;
use std::io;

/// Reads a TYPE_INFO and the value that follows it.
pub fn decode_typed(r: &mut Reader<'_>) -> io::Result<(SqlType, Value)> {
    let ti = TypeInfo::decode(r)?;
    let value = decode_value(r, &ti)?;
    Ok((ti.sql_type(), value))
}

/// Reads one value of type `ti` (length prefix included).
pub fn decode_value(r: &mut Reader<'_>, ti: &TypeInfo) -> io::Result<Value> {
    match read_raw(r, ti.prefix())? {
        None => Ok(Value::Null),
        Some(bytes) => interpret(ti, &bytes),
    }
}

/// The value's bytes without their length prefix; `None` for NULL.
fn read_raw<'a>(r: &mut Reader<'a>, prefix: Prefix) -> io::Result<Option<Cow<'a, [u8]>>> {
    let len = match prefix {
        Prefix::Fixed(n) => n as usize,
        Prefix::Byte => match r.u8()? {
            0 => return Ok(None),
            n => n as usize,
        },
        Prefix::UShort => match r.u16_le()? {
            0xFFFF => return Ok(None),
            n => n as usize,
        },
        Prefix::Long => match r.u32_le()? {
            0xFFFF_FFFF => return Ok(None),
            n => n as usize,
        },
        Prefix::Plp => return read_plp(r).map(|v| v.map(Cow::Owned)),
    };
    Ok(Some(Cow::Borrowed(r.take(len)?)))
}

/// Reads a PLP value: total length (all-ones = NULL), u32-length chunks, zero terminator.
pub fn read_plp(r: &mut Reader<'_>) -> io::Result<Option<Vec<u8>>> {
    let total = r.u64_le()?;
    if total == PLP_NULL {
        return Ok(None);
    }
    let capacity = if total == PLP_UNKNOWN { 0 } else { (total as usize).min(r.remaining()) };
    let mut out = Vec::with_capacity(capacity);
    loop {
        let chunk = r.u32_le()? as usize;
        if chunk == 0 {
            break;
        }
        out.extend_from_slice(r.take(chunk)?);
    }
    if total != PLP_UNKNOWN && total != out.len() as u64 {
        return Err(invalid(format!("PLP value announced {total} bytes but carried {}", out.len())));
    }
    Ok(Some(out))
}

/// Reads value bytes per the type's kind.
fn interpret(ti: &TypeInfo, b: &[u8]) -> io::Result<Value> {
    let wrong = || invalid(format!("{} value of {} bytes", ti.rule().name, b.len()));
    Ok(match ti.kind() {
        Kind::Null => Value::Null,
        Kind::Int => Value::Int(match *b {
            [x] => x as i64,
            [a, c] => i16::from_le_bytes([a, c]) as i64,
            [a, c, d, e] => i32::from_le_bytes([a, c, d, e]) as i64,
            _ => i64::from_le_bytes(b.try_into().map_err(|_| wrong())?),
        }),
        Kind::Bit => match *b {
            [x] => Value::Bit(x != 0),
            _ => return Err(wrong()),
        },
        Kind::Float => match *b {
            [a, c, d, e] => Value::Float(f32::from_le_bytes([a, c, d, e]) as f64),
            _ => Value::Float(f64::from_le_bytes(b.try_into().map_err(|_| wrong())?)),
        },
        Kind::Money => Value::Decimal { value: numeric::decode_money(b)?, scale: 4 },
        Kind::Decimal => Value::Decimal { value: numeric::decode_decimal(b)?, scale: ti.scale },
        Kind::DateTime => Value::DateTime(temporal::decode_datetime(b)?),
        Kind::Guid => Value::Guid(guid::from_wire(b.try_into().map_err(|_| wrong())?)),
        Kind::Date => Value::Date(temporal::decode_date(b)?),
        Kind::Time => Value::Time(temporal::decode_time(b, ti.scale)?),
        Kind::DateTime2 => Value::DateTime(temporal::decode_datetime2(b, ti.scale)?),
        Kind::DateTimeOffset => {
            let (local, offset) = temporal::decode_datetimeoffset(b, ti.scale)?;
            Value::DateTimeOffset(local, offset)
        }
        Kind::Ansi => Value::Str(codepage::decode(b)),
        Kind::Utf16 => Value::Str(utf16_to_string(b)),
        Kind::Binary => Value::Bytes(b.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Len;
    use crate::types::storage::parse_datetime;

    fn decode_all(bytes: &[u8]) -> (SqlType, Value) {
        let mut r = Reader::new(bytes);
        let out = decode_typed(&mut r).unwrap();
        r.expect_end("parameter").unwrap();
        out
    }

    #[test]
    fn fixed_legacy_forms() {
        assert_eq!(decode_all(&[0x38, 0xFE, 0xFF, 0xFF, 0xFF]), (SqlType::Int, Value::Int(-2)));
        assert_eq!(decode_all(&[0x30, 0xFF]), (SqlType::TinyInt, Value::Int(255)));
        assert_eq!(decode_all(&[0x34, 0x00, 0x80]), (SqlType::SmallInt, Value::Int(-32768)));
        assert_eq!(decode_all(&[0x7F, 0, 0, 0, 0, 0, 0, 0, 0x80]), (SqlType::BigInt, Value::Int(i64::MIN)));
        assert_eq!(decode_all(&[0x32, 1]), (SqlType::Bit, Value::Bit(true)));
        let mut flt8 = vec![0x3E];
        flt8.extend_from_slice(&2.5f64.to_le_bytes());
        assert_eq!(decode_all(&flt8), (SqlType::Float, Value::Float(2.5)));
        let mut flt4 = vec![0x3B];
        flt4.extend_from_slice(&0.5f32.to_le_bytes());
        assert_eq!(decode_all(&flt4), (SqlType::Real, Value::Float(0.5)));
        let money = [0x3C, 0, 0, 0, 0, 0x10, 0x27, 0, 0];
        assert_eq!(decode_all(&money), (SqlType::Money, Value::Decimal { value: 10_000, scale: 4 }));
        let datetime = [0x3D, 1, 0, 0, 0, 0x2C, 0x01, 0, 0];
        assert_eq!(
            decode_all(&datetime),
            (SqlType::DateTime, Value::DateTime(parse_datetime("1900-01-02 00:00:01").unwrap()))
        );
        assert_eq!(decode_all(&[0x1F]), (SqlType::Int, Value::Null));
    }

    #[test]
    fn tiberius_forms() {
        // i32 as INTN 4; NULL INTN; String as NVARCHAR(4000); long string as NVARCHAR(MAX) with
        // unknown PLP length; NUMERICN; DATETIME2N scale 7; GUID.
        assert_eq!(decode_all(&[0x26, 4, 4, 7, 0, 0, 0]), (SqlType::Int, Value::Int(7)));
        assert_eq!(decode_all(&[0x26, 8, 0]), (SqlType::BigInt, Value::Null));
        let nv = [0xE7, 0x40, 0x1F, 0, 0, 0, 0, 0, 4, 0, b'h', 0, b'i', 0];
        assert_eq!(decode_all(&nv), (SqlType::NVarChar(Len::N(4000)), Value::Str("hi".into())));
        let mut max = vec![0xE7, 0xFF, 0xFF, 0, 0, 0, 0, 0];
        max.extend_from_slice(&PLP_UNKNOWN.to_le_bytes());
        max.extend_from_slice(&[2, 0, 0, 0, b'a', 0, 2, 0, 0, 0, b'b', 0, 0, 0, 0, 0]);
        assert_eq!(decode_all(&max), (SqlType::NVarChar(Len::Max), Value::Str("ab".into())));
        let mut null_max = vec![0xA5, 0xFF, 0xFF];
        null_max.extend_from_slice(&PLP_NULL.to_le_bytes());
        assert_eq!(decode_all(&null_max), (SqlType::VarBinary(Len::Max), Value::Null));
        let numeric = [0x6C, 17, 38, 2, 17, 0, 0x39, 0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            decode_all(&numeric),
            (SqlType::Decimal { precision: 38, scale: 2 }, Value::Decimal { value: -12345, scale: 2 })
        );
        let guid = [
            0x24, 16, 16, 0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9,
            0x64, 0xFF,
        ];
        let expected = crate::types::storage::parse_guid("6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap();
        assert_eq!(decode_all(&guid), (SqlType::UniqueIdentifier, Value::Guid(expected)));
    }

    #[test]
    fn text_ntext_image_and_xml_parameters() {
        let text = [0x23, 0xFF, 0xFF, 0xFF, 0x7F, 9, 4, 0xD0, 0, 0x34, 2, 0, 0, 0, 0xE9, b'!'];
        assert_eq!(decode_all(&text), (SqlType::Text, Value::Str("é!".into())));
        let null_image = [0x22, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(decode_all(&null_image), (SqlType::Image, Value::Null));
        let mut xml = vec![0xF1, 0];
        xml.extend_from_slice(&4u64.to_le_bytes());
        xml.extend_from_slice(&[4, 0, 0, 0, b'<', 0, b'a', 0, 0, 0, 0, 0]);
        assert_eq!(decode_all(&xml), (SqlType::Xml, Value::Str("<a".into())));
    }

    #[test]
    fn malformed_values_are_errors() {
        let cases: &[&[u8]] = &[
            &[0x26, 4, 3, 1, 2, 3],                               // INTN value of 3 bytes
            &[0x26, 4, 4, 1],                                     // truncated
            &[0x68, 1, 2, 1, 1],                                  // BITN value of 2 bytes
            &[0x24, 16, 4, 1, 2, 3, 4],                           // GUID of 4 bytes
            &[0xE7, 0xFF, 0xFF, 9, 4, 0xD0, 0, 0x34, 9, 0, 0],    // truncated PLP
            &[0x2A, 7, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0], // time past midnight
        ];
        for bytes in cases {
            assert!(decode_typed(&mut Reader::new(bytes)).is_err(), "{bytes:?}");
        }
        let mut wrong_total = vec![0xA5, 0xFF, 0xFF];
        wrong_total.extend_from_slice(&5u64.to_le_bytes());
        wrong_total.extend_from_slice(&[1, 0, 0, 0, 9, 0, 0, 0, 0]);
        assert!(decode_typed(&mut Reader::new(&wrong_total)).is_err());
    }
}
