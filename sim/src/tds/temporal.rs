//! Dates and times on the wire.
//!
//! | type | data |
//! |---|---|
//! | date | 3 bytes: days since 0001-01-01 |
//! | time(n) | 3-5 bytes: units of 10⁻ⁿ s since midnight |
//! | datetime2(n) | time(n) then date |
//! | datetimeoffset(n) | UTC time(n), UTC date, offset minutes `i16` |
//! | datetime | days since 1900-01-01 `i32`, 1/300 s ticks `u32` |
//! | smalldatetime | days since 1900-01-01 `u16`, minutes `u16` |
//!
//! The `put_*` functions write the length byte too; the `decode_*` functions take the data
//! bytes after it. Rounding to a coarser scale is half-up and carries into the next day.

use super::wire::invalid;
use crate::error::SqlError;
use bytes::{BufMut, BytesMut};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use std::io;

const NANOS_PER_SEC: u64 = 1_000_000_000;
const SECS_PER_DAY: u64 = 86_400;
/// Days from 0001-01-01 to 9999-12-31.
const MAX_DAYS: i64 = 3_652_058;

fn epoch_0001() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn epoch_1900() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// 242: the value is outside the range of the target date/time type.
pub fn out_of_range(type_name: &str) -> SqlError {
    SqlError::new(
        242,
        16,
        format!(
            "The conversion of a varchar data type to a {type_name} data type resulted in an out-of-range value."
        ),
    )
}

/// Data length of time(n): 3 bytes for n ≤ 2, 4 for n ≤ 4, 5 otherwise.
pub fn time_len(scale: u8) -> u8 {
    match scale {
        0..=2 => 3,
        3..=4 => 4,
        _ => 5,
    }
}

fn unit_nanos(scale: u8) -> u64 {
    10u64.pow(9 - scale.min(7) as u32)
}

fn ticks_per_day(scale: u8) -> u64 {
    SECS_PER_DAY * 10u64.pow(scale.min(7) as u32)
}

fn nanos_of_day(t: &NaiveTime) -> u64 {
    t.num_seconds_from_midnight() as u64 * NANOS_PER_SEC + t.nanosecond().min(999_999_999) as u64
}

/// `t` in units of 10⁻ˢᶜᵃˡᵉ s, rounded half-up; may equal a whole day (the caller carries).
fn time_ticks(t: &NaiveTime, scale: u8) -> u64 {
    let unit = unit_nanos(scale);
    (nanos_of_day(t) + unit / 2) / unit
}

/// Days since 0001-01-01 with a range check.
fn days_since_0001(d: &NaiveDate, type_name: &str) -> Result<i64, SqlError> {
    let days = (*d - epoch_0001()).num_days();
    if (0..=MAX_DAYS).contains(&days) { Ok(days) } else { Err(out_of_range(type_name)) }
}

/// Splits a date-time into (days since 0001-01-01, ticks at `scale`) with rounding carried
/// into the date (clamped at 9999-12-31's last tick).
fn split(dt: &NaiveDateTime, scale: u8, type_name: &str) -> Result<(i64, u64), SqlError> {
    let mut days = days_since_0001(&dt.date(), type_name)?;
    let mut ticks = time_ticks(&dt.time(), scale);
    if ticks >= ticks_per_day(scale) {
        if days == MAX_DAYS {
            ticks = ticks_per_day(scale) - 1;
        } else {
            days += 1;
            ticks -= ticks_per_day(scale);
        }
    }
    Ok((days, ticks))
}

fn put_le(dst: &mut BytesMut, value: u64, len: u8) {
    dst.put_slice(&value.to_le_bytes()[..len as usize]);
}

fn read_le(bytes: &[u8]) -> u64 {
    let mut le = [0u8; 8];
    le[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
    u64::from_le_bytes(le)
}

/// DATEN value: length 3, days since 0001-01-01.
pub fn put_date(dst: &mut BytesMut, d: &NaiveDate) -> Result<(), SqlError> {
    let days = days_since_0001(d, "date")?;
    dst.put_u8(3);
    put_le(dst, days as u64, 3);
    Ok(())
}

/// TIMEN value at `scale` (rounding past midnight wraps to 00:00, as SQL Server's time does).
pub fn put_time(dst: &mut BytesMut, t: &NaiveTime, scale: u8) {
    let len = time_len(scale);
    dst.put_u8(len);
    put_le(dst, time_ticks(t, scale) % ticks_per_day(scale), len);
}

/// DATETIME2N value at `scale`.
pub fn put_datetime2(dst: &mut BytesMut, dt: &NaiveDateTime, scale: u8) -> Result<(), SqlError> {
    let (days, ticks) = split(dt, scale, "datetime2")?;
    let len = time_len(scale);
    dst.put_u8(len + 3);
    put_le(dst, ticks, len);
    put_le(dst, days as u64, 3);
    Ok(())
}

/// DATETIMEOFFSETN value: `local` is the local time at `offset` minutes from UTC.
pub fn put_datetimeoffset(
    dst: &mut BytesMut,
    local: &NaiveDateTime,
    offset: i16,
    scale: u8,
) -> Result<(), SqlError> {
    if !(-840..=840).contains(&offset) {
        return Err(out_of_range("datetimeoffset"));
    }
    let utc = local
        .checked_sub_signed(Duration::minutes(offset as i64))
        .ok_or_else(|| out_of_range("datetimeoffset"))?;
    let (days, ticks) = split(&utc, scale, "datetimeoffset")?;
    let len = time_len(scale);
    dst.put_u8(len + 5);
    put_le(dst, ticks, len);
    put_le(dst, days as u64, 3);
    dst.put_i16_le(offset);
    Ok(())
}

/// DATETIMN value of length 8 (datetime): 1753-01-01 through 9999-12-31, 1/300 s ticks.
pub fn put_datetime(dst: &mut BytesMut, dt: &NaiveDateTime) -> Result<(), SqlError> {
    let mut days = (dt.date() - epoch_1900()).num_days();
    let mut ticks = (nanos_of_day(&dt.time()) * 300 + NANOS_PER_SEC / 2) / NANOS_PER_SEC;
    if ticks >= 300 * SECS_PER_DAY {
        ticks -= 300 * SECS_PER_DAY;
        days += 1;
    }
    let min = (NaiveDate::from_ymd_opt(1753, 1, 1).unwrap_or(NaiveDate::MIN) - epoch_1900()).num_days();
    if days < min || days > (MAX_DAYS - (epoch_1900() - epoch_0001()).num_days()) {
        return Err(out_of_range("datetime"));
    }
    dst.put_u8(8);
    dst.put_i32_le(days as i32);
    dst.put_u32_le(ticks as u32);
    Ok(())
}

/// DATETIMN value of length 4 (smalldatetime): 1900-01-01 through 2079-06-06, whole minutes
/// ("smalldatetime (Transact-SQL)": 29.998 s and less round down, 29.999 s and more up; the
/// seconds are first rounded to datetime's 1/300 s ticks, where 29.998 is 29.997).
pub fn put_smalldatetime(dst: &mut BytesMut, dt: &NaiveDateTime) -> Result<(), SqlError> {
    let mut days = (dt.date() - epoch_1900()).num_days();
    let ticks = (nanos_of_day(&dt.time()) * 300 + NANOS_PER_SEC / 2) / NANOS_PER_SEC;
    let mut minutes = (ticks + 300 * 30) / (300 * 60);
    if minutes >= 1440 {
        minutes -= 1440;
        days += 1;
    }
    let days = u16::try_from(days).map_err(|_| out_of_range("smalldatetime"))?;
    dst.put_u8(4);
    dst.put_u16_le(days);
    dst.put_u16_le(minutes as u16);
    Ok(())
}

/// Parses the canonical storage forms `YYYY-MM-DD[ HH:MM:SS[.f…]]` quickly (no allocation);
/// `None` for anything else, which the caller hands to the general parser.
pub fn parse_storage_datetime(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(&b[0..4])? as i32, digits(&b[5..7])?, digits(&b[8..10])?)?;
    if b.len() == 10 {
        return Some(date.and_time(NaiveTime::MIN));
    }
    if b.len() < 19 || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', frac @ ..] if !frac.is_empty() && frac.len() <= 9 => {
            digits(frac)? * 10u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    Some(date.and_time(NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?))
}

/// Parses `<storage datetime> ±HH:MM` quickly; `None` for anything else.
pub fn parse_storage_datetimeoffset(text: &str) -> Option<(NaiveDateTime, i16)> {
    let b = text.as_bytes();
    let split = b.len().checked_sub(7)?;
    let (dt, off) = (&text[..split], &b[split..]);
    if off[0] != b' ' || off[4] != b':' {
        return None;
    }
    let minutes = (digits(&off[2..4])? * 60 + digits(&off[5..7])?) as i16;
    let sign = match off[1] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    Some((parse_storage_datetime(dt)?, sign * minutes))
}

/// ASCII digits as a number (at most 9 of them).
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32))
}

/// Date from 3 bytes of days since 0001-01-01.
pub fn decode_date(data: &[u8]) -> io::Result<NaiveDate> {
    if data.len() != 3 {
        return Err(invalid(format!("date value of {} bytes", data.len())));
    }
    epoch_0001()
        .checked_add_signed(Duration::days(read_le(data) as i64))
        .ok_or_else(|| invalid("date value out of range"))
}

/// Time from 3-5 bytes of 10⁻ˢᶜᵃˡᵉ s units.
pub fn decode_time(data: &[u8], scale: u8) -> io::Result<NaiveTime> {
    if !(3..=5).contains(&data.len()) || scale > 7 {
        return Err(invalid(format!("time value of {} bytes at scale {scale}", data.len())));
    }
    let ticks = read_le(data);
    if ticks >= ticks_per_day(scale) {
        return Err(invalid("time value past midnight"));
    }
    let nanos = ticks * unit_nanos(scale);
    NaiveTime::from_num_seconds_from_midnight_opt(
        (nanos / NANOS_PER_SEC) as u32,
        (nanos % NANOS_PER_SEC) as u32,
    )
    .ok_or_else(|| invalid("time value out of range"))
}

/// datetime2 from time bytes then 3 date bytes.
pub fn decode_datetime2(data: &[u8], scale: u8) -> io::Result<NaiveDateTime> {
    let split = data.len().checked_sub(3).ok_or_else(|| invalid("datetime2 value too short"))?;
    let (time, date) = data.split_at(split);
    Ok(decode_date(date)?.and_time(decode_time(time, scale)?))
}

/// datetimeoffset: (local date-time, offset minutes) from UTC time, UTC date, offset.
pub fn decode_datetimeoffset(data: &[u8], scale: u8) -> io::Result<(NaiveDateTime, i16)> {
    let split = data.len().checked_sub(2).ok_or_else(|| invalid("datetimeoffset value too short"))?;
    let (dt, off) = data.split_at(split);
    let offset = i16::from_le_bytes([off[0], off[1]]);
    let utc = decode_datetime2(dt, scale)?;
    let local = utc
        .checked_add_signed(Duration::minutes(offset as i64))
        .ok_or_else(|| invalid("datetimeoffset out of range"))?;
    Ok((local, offset))
}

/// datetime (8 bytes) or smalldatetime (4 bytes).
pub fn decode_datetime(data: &[u8]) -> io::Result<NaiveDateTime> {
    let (days, nanos) = match *data {
        [a, b, c, d, e, f, g, h] => {
            let ticks = u32::from_le_bytes([e, f, g, h]) as u64;
            if ticks >= 300 * SECS_PER_DAY {
                return Err(invalid("datetime ticks past midnight"));
            }
            (i32::from_le_bytes([a, b, c, d]) as i64, (ticks * NANOS_PER_SEC + 150) / 300)
        }
        [a, b, c, d] => {
            let minutes = u16::from_le_bytes([c, d]) as u64;
            if minutes >= 1440 {
                return Err(invalid("smalldatetime minutes past midnight"));
            }
            (u16::from_le_bytes([a, b]) as i64, minutes * 60 * NANOS_PER_SEC)
        }
        _ => return Err(invalid(format!("datetime value of {} bytes", data.len()))),
    };
    let date = epoch_1900()
        .checked_add_signed(Duration::days(days))
        .ok_or_else(|| invalid("datetime out of range"))?;
    let time = NaiveTime::from_num_seconds_from_midnight_opt(
        (nanos / NANOS_PER_SEC) as u32,
        (nanos % NANOS_PER_SEC) as u32,
    )
    .ok_or_else(|| invalid("datetime time out of range"))?;
    Ok(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::storage::parse_datetime;

    fn dt(s: &str) -> NaiveDateTime {
        parse_datetime(s).unwrap()
    }

    #[test]
    fn date_extremes() {
        for (text, bytes) in [("0001-01-01", [0, 0, 0]), ("9999-12-31", [0xDA, 0xB9, 0x37])] {
            let d = dt(text).date();
            let mut buf = BytesMut::new();
            put_date(&mut buf, &d).unwrap();
            assert_eq!(&buf[..], &[3, bytes[0], bytes[1], bytes[2]]);
            assert_eq!(decode_date(&buf[1..]).unwrap(), d);
        }
    }

    #[test]
    fn datetime2_keeps_100ns_ticks() {
        let v = dt("2024-02-29 23:59:59.1234567");
        let mut buf = BytesMut::new();
        put_datetime2(&mut buf, &v, 7).unwrap();
        assert_eq!(buf[0], 8);
        assert_eq!(decode_datetime2(&buf[1..], 7).unwrap(), v);
        let ticks = read_le(&buf[1..6]);
        assert_eq!(ticks, 863_991_234_567);
    }

    #[test]
    fn datetime2_rounding_carries_into_the_next_day() {
        let mut buf = BytesMut::new();
        put_datetime2(&mut buf, &dt("2024-12-31 23:59:59.9999999"), 0).unwrap();
        assert_eq!(decode_datetime2(&buf[1..], 0).unwrap(), dt("2025-01-01 00:00:00"));
        let mut buf = BytesMut::new();
        put_datetime2(&mut buf, &dt("9999-12-31 23:59:59.9999999"), 7).unwrap();
        assert_eq!(decode_datetime2(&buf[1..], 7).unwrap(), dt("9999-12-31 23:59:59.9999999"));
    }

    #[test]
    fn datetimeoffset_stores_utc_plus_offset() {
        let local = dt("2024-01-01 01:00:00");
        let mut buf = BytesMut::new();
        put_datetimeoffset(&mut buf, &local, -330, 7).unwrap();
        assert_eq!(buf[0], 10);
        assert_eq!(&buf[9..], &(-330i16).to_le_bytes());
        let utc = decode_datetime2(&buf[1..9], 7).unwrap();
        assert_eq!(utc, dt("2024-01-01 06:30:00"));
        assert_eq!(decode_datetimeoffset(&buf[1..], 7).unwrap(), (local, -330));
    }

    #[test]
    fn datetime_and_smalldatetime() {
        let v = dt("1900-01-02 00:00:01");
        let mut buf = BytesMut::new();
        put_datetime(&mut buf, &v).unwrap();
        assert_eq!(&buf[..], &[8, 1, 0, 0, 0, 0x2C, 0x01, 0, 0]);
        assert_eq!(decode_datetime(&buf[1..]).unwrap(), v);
        let ms = dt("2024-05-01 12:34:56.997");
        let mut buf = BytesMut::new();
        put_datetime(&mut buf, &ms).unwrap();
        // .997 s is tick 299 (1/300 s); it decodes to 996.666667 ms and re-encodes identically.
        assert_eq!(&buf[5..], &(45_296 * 300 + 299u32).to_le_bytes());
        let back = decode_datetime(&buf[1..]).unwrap();
        assert_eq!(back, dt("2024-05-01 12:34:56.996666667"));
        let mut again = BytesMut::new();
        put_datetime(&mut again, &back).unwrap();
        assert_eq!(again, buf);
        assert_eq!(put_datetime(&mut BytesMut::new(), &dt("1752-12-31")).unwrap_err().number, 242);

        let mut buf = BytesMut::new();
        put_smalldatetime(&mut buf, &dt("2079-06-06 23:59:00")).unwrap();
        assert_eq!(decode_datetime(&buf[1..]).unwrap(), dt("2079-06-06 23:59:00"));
        let mut buf = BytesMut::new();
        put_smalldatetime(&mut buf, &dt("2000-01-01 10:00:29.999")).unwrap();
        assert_eq!(decode_datetime(&buf[1..]).unwrap(), dt("2000-01-01 10:01:00"));
        let mut buf = BytesMut::new();
        put_smalldatetime(&mut buf, &dt("2000-01-01 10:00:29.998")).unwrap();
        assert_eq!(decode_datetime(&buf[1..]).unwrap(), dt("2000-01-01 10:00:00"));
        assert_eq!(put_smalldatetime(&mut BytesMut::new(), &dt("1899-12-31")).unwrap_err().number, 242);
    }

    #[test]
    fn fast_parsers_agree_with_storage() {
        for text in
            ["2024-02-29", "2024-02-29 23:59:59", "0001-01-01 00:00:00.0000001", "9999-12-31T23:59:59.123"]
        {
            assert_eq!(parse_storage_datetime(text), Some(dt(text)), "{text}");
        }
        for text in [
            "2024-02-30",
            "2024-1-01",
            "2024-01-01 10:00",
            "2024-01-01 10:00:00.",
            "2024-01-01 10:00:00.1234567890",
        ] {
            assert_eq!(parse_storage_datetime(text), None, "{text}");
        }
        let (local, offset) = parse_storage_datetimeoffset("2024-01-01 10:00:00.0000000 -05:30").unwrap();
        assert_eq!((local, offset), (dt("2024-01-01 10:00:00"), -330));
        assert_eq!(
            parse_storage_datetimeoffset("2024-01-01 10:00:00 +14:00"),
            Some((dt("2024-01-01 10:00:00"), 840))
        );
        assert_eq!(parse_storage_datetimeoffset("2024-01-01 10:00:00 x14:00"), None);
        assert_eq!(parse_storage_datetimeoffset("short"), None);
    }

    #[test]
    fn time_scales() {
        let t = dt("2000-01-01 13:14:15.1234567").time();
        for (scale, len) in [(0, 3), (3, 4), (7, 5)] {
            let mut buf = BytesMut::new();
            put_time(&mut buf, &t, scale);
            assert_eq!(buf[0], len);
            assert_eq!(buf.len(), 1 + len as usize);
            let back = decode_time(&buf[1..], scale).unwrap();
            let unit = unit_nanos(scale);
            assert_eq!(nanos_of_day(&back), time_ticks(&t, scale) * unit);
        }
        assert!(decode_time(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF], 7).is_err());
    }
}
