//! decimal/numeric and money on the wire.
//!
//! DECIMALN data: a length byte (5/9/13/17 by precision), a sign byte (1 = positive, 0 =
//! negative), then the magnitude little-endian in 4/8/12/16 bytes, at the column's scale.
//! MONEY is the value ×10 000 as i64 written high `i32` first, then low `u32`; SMALLMONEY is
//! an `i32` ×10 000.

use super::wire::invalid;
use crate::error::SqlError;
use bytes::{BufMut, BytesMut};
use std::io;

/// The value length (sign byte included) for a precision.
pub fn decimal_len(precision: u8) -> u8 {
    match precision {
        0..=9 => 5,
        10..=19 => 9,
        20..=28 => 13,
        _ => 17,
    }
}

/// 10^n for n ≤ 38.
pub fn pow10(n: u8) -> i128 {
    10i128.pow(n.min(38) as u32)
}

/// Moves `value` from scale `from` to scale `to`, rounding half away from zero.
pub fn rescale(value: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        return value.checked_mul(pow10(to - from));
    }
    let factor = pow10(from - to);
    let (q, r) = (value / factor, value % factor);
    Some(if r.abs() * 2 >= factor { q + value.signum() } else { q })
}

/// 8115 for a value that does not fit its target type.
pub fn overflow(type_name: &str) -> SqlError {
    SqlError::new(
        8115,
        16,
        format!("Arithmetic overflow error converting expression to data type {type_name}."),
    )
}

/// Writes a DECIMALN value (length byte included): `value` is already at the column scale.
pub fn put_decimal(dst: &mut BytesMut, value: i128, precision: u8) -> Result<(), SqlError> {
    let magnitude = value.unsigned_abs();
    if magnitude >= pow10(precision.clamp(1, 38)) as u128 {
        return Err(overflow("numeric"));
    }
    let len = decimal_len(precision);
    dst.put_u8(len);
    dst.put_u8((value >= 0) as u8);
    dst.put_slice(&magnitude.to_le_bytes()[..len as usize - 1]);
    Ok(())
}

/// Reads DECIMALN data (sign byte and magnitude, without the length byte).
pub fn decode_decimal(data: &[u8]) -> io::Result<i128> {
    let (sign, magnitude) = data.split_first().ok_or_else(|| invalid("empty decimal value"))?;
    if magnitude.len() > 16 {
        return Err(invalid(format!("decimal magnitude of {} bytes", magnitude.len())));
    }
    let mut le = [0u8; 16];
    le[..magnitude.len()].copy_from_slice(magnitude);
    let value =
        i128::try_from(u128::from_le_bytes(le)).map_err(|_| invalid("decimal magnitude out of range"))?;
    Ok(if *sign == 0 { -value } else { value })
}

/// Writes a MONEYN value (length byte included) of `len` 8 (money) or 4 (smallmoney);
/// `value` is in units of 1/10 000.
pub fn put_money(dst: &mut BytesMut, value: i128, len: u8) -> Result<(), SqlError> {
    if len == 4 {
        let v = i32::try_from(value).map_err(|_| overflow("smallmoney"))?;
        dst.put_u8(4);
        dst.put_i32_le(v);
    } else {
        let v = i64::try_from(value).map_err(|_| overflow("money"))?;
        dst.put_u8(8);
        dst.put_i32_le((v >> 32) as i32);
        dst.put_u32_le(v as u32);
    }
    Ok(())
}

/// Reads MONEY (8 bytes) or SMALLMONEY (4 bytes) data as units of 1/10 000.
pub fn decode_money(data: &[u8]) -> io::Result<i128> {
    match *data {
        [a, b, c, d] => Ok(i32::from_le_bytes([a, b, c, d]) as i128),
        [a, b, c, d, e, f, g, h] => {
            let high = i32::from_le_bytes([a, b, c, d]) as i64;
            let low = u32::from_le_bytes([e, f, g, h]) as i64;
            Ok(((high << 32) | low) as i128)
        }
        _ => Err(invalid(format!("money value of {} bytes", data.len()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimal_bytes_match_ms_tds() {
        let mut buf = BytesMut::new();
        put_decimal(&mut buf, -12345, 5).unwrap();
        assert_eq!(&buf[..], &[5, 0, 0x39, 0x30, 0, 0]);
        assert_eq!(decode_decimal(&buf[1..]).unwrap(), -12345);
    }

    #[test]
    fn decimal_38_digits_and_overflow() {
        let max = pow10(38) - 1;
        for v in [max, -max] {
            let mut buf = BytesMut::new();
            put_decimal(&mut buf, v, 38).unwrap();
            assert_eq!(buf.len(), 18);
            assert_eq!(decode_decimal(&buf[1..]).unwrap(), v);
        }
        assert_eq!(put_decimal(&mut BytesMut::new(), 1000, 3).unwrap_err().number, 8115);
        assert!(decode_decimal(&[1; 18]).is_err(), "more than 16 magnitude bytes");
        assert!(
            decode_decimal(&[
                1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                0xFF
            ])
            .is_err(),
            "magnitude > i128"
        );
    }

    #[test]
    fn money_is_high_then_low() {
        let mut buf = BytesMut::new();
        put_money(&mut buf, -1, 8).unwrap();
        assert_eq!(&buf[..], &[8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        let mut buf = BytesMut::new();
        put_money(&mut buf, 0x1_0000_0002, 8).unwrap();
        assert_eq!(&buf[..], &[8, 1, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(decode_money(&buf[1..]).unwrap(), 0x1_0000_0002);
        assert_eq!(put_money(&mut BytesMut::new(), 1 << 31, 4).unwrap_err().number, 8115);
    }

    #[test]
    fn rescale_rounds_half_away_from_zero() {
        assert_eq!(rescale(12345, 3, 2), Some(1235));
        assert_eq!(rescale(-12345, 3, 2), Some(-1235));
        assert_eq!(rescale(-12344, 3, 2), Some(-1234));
        assert_eq!(rescale(5, 0, 4), Some(50000));
    }

    proptest! {
        #[test]
        fn decimals_round_trip(v in -(pow10(38) - 1)..pow10(38), p in 1u8..=38) {
            let v = v % pow10(p);
            let mut buf = BytesMut::new();
            put_decimal(&mut buf, v, p).unwrap();
            prop_assert_eq!(buf.len(), 1 + decimal_len(p) as usize);
            prop_assert_eq!(decode_decimal(&buf[1..]).unwrap(), v);
        }

        #[test]
        fn money_round_trips(v in any::<i64>()) {
            let mut buf = BytesMut::new();
            put_money(&mut buf, v as i128, 8).unwrap();
            prop_assert_eq!(decode_money(&buf[1..]).unwrap(), v as i128);
        }
    }
}
