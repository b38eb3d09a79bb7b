//! Date and time functions. Values are the storage text of [`crate::types::storage`]; the
//! clock is the instance's ([`FunctionContext::now_utc`]), never the machine's.
//!
//! DATEDIFF counts boundaries crossed, as SQL Server does: `DATEDIFF(year, '2024-12-31',
//! '2025-01-01')` is 1; weeks start on Sunday regardless of DATEFIRST.

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};

use super::{Def, arg, int_arg, raise, text_arg, volatile};
use crate::engine::FunctionContext;
use crate::error::SqlError;
use crate::types::SqlType;
use crate::types::storage::{format_datetime, format_offset, format_time, parse_datetime, parse_time};

pub(super) const FUNCTIONS: &[Def] = &[
    volatile("tsql_getdate", 0, getdate),
    volatile("tsql_getutcdate", 0, getutcdate),
    volatile("tsql_sysdatetime", 0, sysdatetime),
    volatile("tsql_sysutcdatetime", 0, sysutcdatetime),
    volatile("tsql_sysdatetimeoffset", 0, sysdatetimeoffset),
    super::def("tsql_dateadd", 4, dateadd),
    super::def("tsql_datediff", 3, datediff),
    super::def("tsql_datediff_big", 3, datediff_big),
    super::def("tsql_datepart", 2, datepart),
    super::def("tsql_datename", 2, datename),
    super::def("tsql_eomonth", 2, eomonth),
    super::def("tsql_datefromparts", 3, datefromparts),
    super::def("tsql_isdate", 1, isdate),
];

type R = rusqlite::Result<Value>;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

fn base_date() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default().and_time(NaiveTime::MIN)
}

/// Rounds to datetime's 1/300 s ticks, kept as the milliseconds SQL Server shows
/// (.000, .003, .007, .010, …).
pub(crate) fn round_datetime(dt: NaiveDateTime) -> NaiveDateTime {
    let nanos = dt.nanosecond().min(999_999_999) as i64;
    let ticks = (nanos * 300 + 500_000_000) / 1_000_000_000;
    let ms = (ticks * 1000 + 150) / 300;
    dt.with_nanosecond(0).unwrap_or(dt) + Duration::milliseconds(ms)
}

/// Rounds to smalldatetime's whole minutes: "smalldatetime (Transact-SQL)" rounds 29.998 s
/// and less down, 29.999 s and more up (the seconds first rounded to datetime's 1/300 s).
/// `None` outside 1900-01-01 through 2079-06-06 23:59.
pub(crate) fn round_smalldatetime(dt: NaiveDateTime) -> Option<NaiveDateTime> {
    let r = round_datetime(dt);
    let up = r.second() >= 30;
    let r = r.with_nanosecond(0)?.with_second(0)? + Duration::minutes(i64::from(up));
    let range = NaiveDate::from_ymd_opt(1900, 1, 1)?..=NaiveDate::from_ymd_opt(2079, 6, 6)?;
    range.contains(&r.date()).then_some(r)
}

/// Rounds to `scale` fractional digits (datetime2/time/datetimeoffset precision).
fn round_scale(dt: NaiveDateTime, scale: u8) -> NaiveDateTime {
    if scale >= 7 {
        return dt;
    }
    let unit = 10i64.pow(9 - scale as u32);
    let nanos = dt.nanosecond() as i64;
    let rounded = (nanos + unit / 2) / unit * unit;
    dt.with_nanosecond(0).unwrap_or(dt) + Duration::nanoseconds(rounded)
}

/// Formats a date/time in the storage form of `ty`.
pub(crate) fn format_as(ty: &SqlType, dt: NaiveDateTime, offset: Option<i16>) -> Option<String> {
    Some(match ty {
        SqlType::Date => dt.date().format("%Y-%m-%d").to_string(),
        SqlType::Time(s) => format_time(&round_scale(dt, *s).time()),
        SqlType::DateTime => {
            let r = round_datetime(dt);
            if !(1753..=9999).contains(&r.year()) {
                return None;
            }
            format_datetime(&r)
        }
        SqlType::SmallDateTime => format_datetime(&round_smalldatetime(dt)?),
        SqlType::DateTime2(s) => format_datetime(&round_scale(dt, *s)),
        SqlType::DateTimeOffset(s) => {
            format!("{} {}", format_datetime(&round_scale(dt, *s)), format_offset(offset.unwrap_or(0)))
        }
        _ => format_datetime(&dt),
    })
}

fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| m.to_ascii_lowercase().starts_with(&lower) && lower.len() >= 3)
        .map(|i| i as u32 + 1)
}

/// Parses the date/time strings SQL Server accepts (ISO forms, `yyyymmdd`, `mm/dd/yyyy` or
/// with a style `dd/mm/yyyy`, `Mon dd yyyy hh:miAM`, time only); with an offset when present.
pub(crate) fn parse_any(text: &str, style: Option<i64>) -> Option<(NaiveDateTime, Option<i16>)> {
    let t = text.trim();
    if t.is_empty() {
        return Some((base_date(), None));
    }
    if let Some((dt, off)) = crate::types::storage::parse_datetimeoffset(t) {
        return Some((dt, Some(off)));
    }
    if let Some(z) = t.strip_suffix('Z')
        && let Some(dt) = parse_datetime(z)
    {
        return Some((dt, Some(0)));
    }
    if let Some(dt) = parse_datetime(t) {
        return Some((dt, None));
    }
    let (date_part, time_part) = match t.split_once([' ', 'T']) {
        Some((d, rest)) => (d, Some(rest.trim())),
        None => (t, None),
    };
    let time = |tp: Option<&str>| -> Option<NaiveTime> {
        match tp {
            None | Some("") => Some(NaiveTime::MIN),
            Some(s) => parse_clock(s),
        }
    };
    // yyyymmdd
    if date_part.len() == 8 && date_part.chars().all(|c| c.is_ascii_digit()) {
        let d = NaiveDate::parse_from_str(date_part, "%Y%m%d").ok()?;
        return Some((d.and_time(time(time_part)?), None));
    }
    // mm/dd/yyyy, dd/mm/yyyy (style 103/104/105), with / . or -
    let nums: Vec<&str> = date_part.split(['/', '.', '-']).collect();
    if nums.len() == 3 && nums.iter().all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())) {
        let n: Vec<i32> = nums.iter().filter_map(|n| n.parse().ok()).collect();
        if n.len() != 3 {
            return None;
        }
        let year =
            |y: i32, digits: usize| if digits <= 2 { if y < 50 { 2000 + y } else { 1900 + y } } else { y };
        let (y, m, d) = if nums[0].len() == 4 {
            (n[0], n[1], n[2])
        } else if matches!(style, Some(3 | 4 | 5 | 103 | 104 | 105)) {
            (year(n[2], nums[2].len()), n[1], n[0])
        } else {
            (year(n[2], nums[2].len()), n[0], n[1])
        };
        let d = NaiveDate::from_ymd_opt(y, m as u32, d as u32)?;
        return Some((d.and_time(time(time_part)?), None));
    }
    // Mon dd yyyy [hh:mi[:ss[.mmm]]AM]
    let words: Vec<&str> = t.split_whitespace().collect();
    if words.len() >= 3
        && let Some(m) = month_number(words[0])
    {
        let d: u32 = words[1].trim_end_matches(',').parse().ok()?;
        let y: i32 = words[2].parse().ok()?;
        let date = NaiveDate::from_ymd_opt(y, m, d)?;
        let rest = words[3..].join("");
        let tm = if rest.is_empty() { NaiveTime::MIN } else { parse_clock(&rest)? };
        return Some((date.and_time(tm), None));
    }
    // time only → 1900-01-01
    parse_clock(t).map(|tm| (base_date().date().and_time(tm), None))
}

/// `hh:mi[:ss[.fffffff]]` with an optional AM/PM suffix.
fn parse_clock(s: &str) -> Option<NaiveTime> {
    let upper = s.trim().to_ascii_uppercase();
    let (body, pm) = if let Some(b) = upper.strip_suffix("PM") {
        (b.trim(), Some(true))
    } else if let Some(b) = upper.strip_suffix("AM") {
        (b.trim(), Some(false))
    } else {
        (upper.as_str(), None)
    };
    // SQL Server also writes milliseconds after a colon (style 113/114): hh:mi:ss:mmm.
    let body = match body.matches(':').count() {
        3 => {
            let idx = body.rfind(':')?;
            format!("{}.{}", &body[..idx], &body[idx + 1..])
        }
        _ => body.to_string(),
    };
    let t = parse_time(&body)?;
    match pm {
        Some(true) if t.hour() < 12 => t.with_hour(t.hour() + 12),
        Some(false) if t.hour() == 12 => t.with_hour(0),
        _ => Some(t),
    }
}

/// Reads a date/time argument: storage text, or a number of days since 1900-01-01.
pub(crate) fn datetime_arg(
    c: &Context<'_>,
    i: usize,
) -> rusqlite::Result<Option<(NaiveDateTime, Option<i16>)>> {
    Ok(match arg(c, i) {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some((base_date() + Duration::days(n), None)),
        ValueRef::Real(f) => Some((base_date() + Duration::nanoseconds((f * 86_400e9) as i64), None)),
        _ => {
            let t = text_arg(c, i).unwrap_or_default();
            Some(parse_any(&t, None).ok_or_else(|| {
                raise(SqlError::new(
                    241,
                    16,
                    "Conversion failed when converting date and/or time from character string.",
                ))
            })?)
        }
    })
}

fn now_local(ctx: &dyn FunctionContext) -> NaiveDateTime {
    ctx.now_utc() + Duration::minutes(ctx.utc_offset_minutes() as i64)
}

fn getdate(_: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(Value::Text(format_datetime(&round_datetime(now_local(ctx)))))
}

fn getutcdate(_: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(Value::Text(format_datetime(&round_datetime(ctx.now_utc()))))
}

fn sysdatetime(_: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(Value::Text(format_datetime(&now_local(ctx))))
}

fn sysutcdatetime(_: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(Value::Text(format_datetime(&ctx.now_utc())))
}

fn sysdatetimeoffset(_: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    let off = ctx.utc_offset_minutes().clamp(-840, 840) as i16;
    Ok(Value::Text(format!("{} {}", format_datetime(&now_local(ctx)), format_offset(off))))
}

fn part_arg(c: &Context<'_>) -> String {
    text_arg(c, 0).unwrap_or_default().to_ascii_lowercase()
}

fn add_months(dt: NaiveDateTime, months: i64) -> Option<NaiveDateTime> {
    let m = u32::try_from(months.unsigned_abs()).ok()?;
    if months >= 0 { dt.checked_add_months(Months::new(m)) } else { dt.checked_sub_months(Months::new(m)) }
}

pub(crate) fn add(part: &str, n: i64, dt: NaiveDateTime) -> Option<NaiveDateTime> {
    let dur = |d: Option<Duration>| d.and_then(|d| dt.checked_add_signed(d));
    match part {
        "year" => add_months(dt, n.checked_mul(12)?),
        "quarter" => add_months(dt, n.checked_mul(3)?),
        "month" => add_months(dt, n),
        "day" | "dayofyear" | "weekday" => dur(Duration::try_days(n)),
        "week" => dur(Duration::try_weeks(n)),
        "hour" => dur(Duration::try_hours(n)),
        "minute" => dur(Duration::try_minutes(n)),
        "second" => dur(Duration::try_seconds(n)),
        "millisecond" => dur(Duration::try_milliseconds(n)),
        "microsecond" => dur(Some(Duration::microseconds(n))),
        "nanosecond" => dur(Some(Duration::nanoseconds(n))),
        _ => None,
    }
}

fn dateadd(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let part = part_arg(c);
    let (Some(n), Some((dt, off))) = (int_arg(c, 1)?, datetime_arg(c, 2)?) else { return Ok(Value::Null) };
    let ty = super::type_arg(c, 3).unwrap_or(SqlType::DateTime);
    if ty == SqlType::Date
        && matches!(
            part.as_str(),
            "hour" | "minute" | "second" | "millisecond" | "microsecond" | "nanosecond"
        )
    {
        return Err(raise(SqlError::new(
            9810,
            16,
            format!("The datepart {part} is not supported by date function dateadd for data type date."),
        )));
    }
    let out = add(&part, n, dt).and_then(|r| format_as(&ty, r, off)).ok_or_else(|| {
        let name = if ty == SqlType::SmallDateTime { "smalldatetime" } else { "datetime" };
        raise(SqlError::new(517, 16, format!("Adding a value to a '{name}' column caused an overflow.")))
    })?;
    Ok(Value::Text(out))
}

/// Ticks (in `unit` nanoseconds) since 0001-01-01, floored: boundaries are multiples of it.
fn units_since_epoch(dt: NaiveDateTime, unit_ns: i128) -> i128 {
    let days = dt.date().num_days_from_ce() as i128;
    let ns = days * 86_400_000_000_000
        + dt.time().num_seconds_from_midnight() as i128 * 1_000_000_000
        + dt.nanosecond() as i128;
    ns.div_euclid(unit_ns)
}

/// DATEDIFF as a count of `part` boundaries crossed from `a` to `b`.
pub(crate) fn diff(part: &str, a: NaiveDateTime, b: NaiveDateTime) -> Option<i128> {
    let months = |d: NaiveDateTime| d.year() as i128 * 12 + d.month0() as i128;
    Some(match part {
        "year" => (b.year() - a.year()) as i128,
        "quarter" => {
            (b.year() as i128 * 4 + (b.month0() / 3) as i128)
                - (a.year() as i128 * 4 + (a.month0() / 3) as i128)
        }
        "month" => months(b) - months(a),
        "day" | "dayofyear" | "weekday" => (b.date() - a.date()).num_days() as i128,
        "week" => {
            // Sunday-based weeks: num_days_from_ce is 0 mod 7 on Sundays.
            let w = |d: NaiveDateTime| (d.date().num_days_from_ce() as i128).div_euclid(7);
            w(b) - w(a)
        }
        "hour" => units_since_epoch(b, 3_600_000_000_000) - units_since_epoch(a, 3_600_000_000_000),
        "minute" => units_since_epoch(b, 60_000_000_000) - units_since_epoch(a, 60_000_000_000),
        "second" => units_since_epoch(b, 1_000_000_000) - units_since_epoch(a, 1_000_000_000),
        "millisecond" => units_since_epoch(b, 1_000_000) - units_since_epoch(a, 1_000_000),
        "microsecond" => units_since_epoch(b, 1_000) - units_since_epoch(a, 1_000),
        "nanosecond" => units_since_epoch(b, 1) - units_since_epoch(a, 1),
        _ => return None,
    })
}

fn utc(v: (NaiveDateTime, Option<i16>)) -> NaiveDateTime {
    match v.1 {
        Some(off) => v.0 - Duration::minutes(off as i64),
        None => v.0,
    }
}

fn datediff_any(c: &Context<'_>, big: bool) -> R {
    let part = part_arg(c);
    let (Some(a), Some(b)) = (datetime_arg(c, 1)?, datetime_arg(c, 2)?) else { return Ok(Value::Null) };
    let both_offset = a.1.is_some() && b.1.is_some();
    let (a, b) = if both_offset { (utc(a), utc(b)) } else { (a.0, b.0) };
    let n = diff(&part, a, b).ok_or_else(|| {
        raise(SqlError::new(155, 15, format!("'{part}' is not a recognized datediff option.")))
    })?;
    let fits = if big { i64::try_from(n).is_ok() } else { i32::try_from(n).is_ok() };
    if !fits {
        return Err(raise(SqlError::new(
            535,
            16,
            "The datediff function resulted in an overflow. The number of dateparts separating two date/time instances is too large. Try to use datediff with a less precise datepart.",
        )));
    }
    Ok(Value::Integer(n as i64))
}

fn datediff(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    datediff_any(c, false)
}

fn datediff_big(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    datediff_any(c, true)
}

/// DATEPART under us_english defaults (DATEFIRST 7: Sunday is weekday 1).
pub(crate) fn part_of(part: &str, dt: NaiveDateTime, off: Option<i16>) -> Option<i64> {
    let sunday_weekday = |d: NaiveDate| d.weekday().num_days_from_sunday() as i64;
    Some(match part {
        "year" => dt.year() as i64,
        "quarter" => (dt.month0() / 3 + 1) as i64,
        "month" => dt.month() as i64,
        "dayofyear" => dt.ordinal() as i64,
        "day" => dt.day() as i64,
        "week" => {
            let jan1 = NaiveDate::from_ymd_opt(dt.year(), 1, 1)?;
            (dt.ordinal0() as i64 + sunday_weekday(jan1)) / 7 + 1
        }
        "weekday" => sunday_weekday(dt.date()) + 1,
        "hour" => dt.hour() as i64,
        "minute" => dt.minute() as i64,
        "second" => dt.second() as i64,
        "millisecond" => (dt.nanosecond() / 1_000_000) as i64,
        "microsecond" => (dt.nanosecond() / 1_000) as i64,
        "nanosecond" => (dt.nanosecond() / 100 * 100) as i64,
        "iso_week" => dt.iso_week().week() as i64,
        "tzoffset" => off.unwrap_or(0) as i64,
        _ => return None,
    })
}

fn datepart(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let part = part_arg(c);
    let Some((dt, off)) = datetime_arg(c, 1)? else { return Ok(Value::Null) };
    part_of(&part, dt, off).map(Value::Integer).ok_or_else(|| {
        raise(SqlError::new(155, 15, format!("'{part}' is not a recognized datepart option.")))
    })
}

fn datename(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let part = part_arg(c);
    let Some((dt, off)) = datetime_arg(c, 1)? else { return Ok(Value::Null) };
    Ok(Value::Text(match part.as_str() {
        "month" => MONTHS[dt.month0() as usize].to_string(),
        "weekday" => DAYS[dt.weekday().num_days_from_sunday() as usize].to_string(),
        "tzoffset" => format_offset(off.unwrap_or(0)),
        other => part_of(other, dt, off)
            .ok_or_else(|| {
                raise(SqlError::new(155, 15, format!("'{part}' is not a recognized datepart option.")))
            })?
            .to_string(),
    }))
}

fn eomonth(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let Some((dt, _)) = datetime_arg(c, 0)? else { return Ok(Value::Null) };
    let n = int_arg(c, 1)?.unwrap_or(0);
    let first = dt.date().with_day(1).unwrap_or(dt.date()).and_time(NaiveTime::MIN);
    let end = add_months(first, n + 1).map(|d| d - Duration::days(1));
    end.map(|d| Value::Text(d.date().format("%Y-%m-%d").to_string()))
        .ok_or_else(|| raise(SqlError::new(517, 16, "Adding a value to a 'date' column caused an overflow.")))
}

fn datefromparts(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(y), Some(m), Some(d)) = (int_arg(c, 0)?, int_arg(c, 1)?, int_arg(c, 2)?) else {
        return Ok(Value::Null);
    };
    let date = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m.clamp(0, 13) as u32, d.clamp(0, 32) as u32));
    date.map(|d| Value::Text(d.format("%Y-%m-%d").to_string())).ok_or_else(|| {
        raise(SqlError::new(
            289,
            16,
            "Cannot construct data type date, some of the arguments have values which are not valid.",
        ))
    })
}

fn isdate(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let ok = match arg(c, 0) {
        ValueRef::Text(_) => text_arg(c, 0)
            .and_then(|t| parse_any(&t, None))
            .is_some_and(|(d, _)| (1753..=9999).contains(&d.year())),
        _ => false,
    };
    Ok(Value::Integer(ok as i64))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use proptest::prelude::*;

    fn dt(s: &str) -> NaiveDateTime {
        parse_any(s, None).unwrap().0
    }

    #[test]
    fn datediff_counts_boundaries() {
        let c = conn();
        assert_eq!(int(&c, "tsql_datediff('day', '2024-12-31', '2025-01-01')"), 1);
        assert_eq!(int(&c, "tsql_datediff('year', '2024-12-31', '2025-01-01')"), 1);
        assert_eq!(int(&c, "tsql_datediff('month', '2024-01-31', '2024-02-01')"), 1);
        assert_eq!(int(&c, "tsql_datediff('hour', '2024-01-01 10:59:59', '2024-01-01 11:00:00')"), 1);
        assert_eq!(int(&c, "tsql_datediff('second', '2024-01-01 10:00:00.9', '2024-01-01 10:00:01.1')"), 1);
        // 2024-01-06 is a Saturday, 2024-01-07 a Sunday.
        assert_eq!(int(&c, "tsql_datediff('week', '2024-01-06', '2024-01-07')"), 1);
        assert_eq!(int(&c, "tsql_datediff('week', '2024-01-07', '2024-01-13')"), 0);
        assert_eq!(int(&c, "tsql_datediff('day', '2025-01-01', '2024-12-31')"), -1);
        assert!(eval(&c, "tsql_datediff('nanosecond', '2000-01-01', '2024-01-01')").is_err());
        assert_eq!(
            eval(&c, "tsql_datediff_big('nanosecond', '2024-01-01', '2024-01-02')").unwrap(),
            Value::Integer(86_400_000_000_000)
        );
    }

    #[test]
    fn dateadd_keeps_the_type_and_clamps_month_ends() {
        let c = conn();
        assert_eq!(text(&c, "tsql_dateadd('month', 1, '2024-01-31', 'date')"), "2024-02-29");
        assert_eq!(
            text(&c, "tsql_dateadd('day', 1, '2024-02-28 10:00:00.0000000', 'datetime2(7)')"),
            "2024-02-29 10:00:00.0000000"
        );
        assert_eq!(
            text(&c, "tsql_dateadd('millisecond', 1, '2024-01-01 00:00:00', 'datetime')"),
            "2024-01-01 00:00:00.0000000"
        );
        assert_eq!(
            text(&c, "tsql_dateadd('millisecond', 2, '2024-01-01 00:00:00', 'datetime')"),
            "2024-01-01 00:00:00.0030000"
        );
        assert!(eval(&c, "tsql_dateadd('hour', 1, '2024-01-01', 'date')").is_err());
    }

    #[test]
    fn clock_functions_use_the_context() {
        let c = conn();
        assert_eq!(text(&c, "tsql_sysutcdatetime()"), "2024-03-15 12:34:56.1234567");
        assert_eq!(text(&c, "tsql_sysdatetime()"), "2024-03-15 13:34:56.1234567");
        assert_eq!(text(&c, "tsql_getdate()"), "2024-03-15 13:34:56.1230000");
        assert_eq!(text(&c, "tsql_sysdatetimeoffset()"), "2024-03-15 13:34:56.1234567 +01:00");
    }

    #[test]
    fn parts_names_and_parsing() {
        let c = conn();
        assert_eq!(int(&c, "tsql_datepart('weekday', '2024-01-07')"), 1);
        assert_eq!(int(&c, "tsql_datepart('week', '2024-01-07')"), 2);
        assert_eq!(int(&c, "tsql_datepart('quarter', '2024-05-01')"), 2);
        assert_eq!(text(&c, "tsql_datename('month', '2024-05-01')"), "May");
        assert_eq!(text(&c, "tsql_eomonth('2024-02-10', NULL)"), "2024-02-29");
        assert_eq!(text(&c, "tsql_datefromparts(2024, 2, 29)"), "2024-02-29");
        assert_eq!(int(&c, "tsql_isdate('2024-02-30')"), 0);
        assert_eq!(int(&c, "tsql_isdate('20240229')"), 1);
        assert_eq!(dt("Jan  1 2024 12:00AM"), dt("2024-01-01"));
        assert_eq!(dt("01/02/2024"), dt("2024-01-02"));
        assert_eq!(parse_any("02/01/2024", Some(103)).unwrap().0, dt("2024-01-02"));
        assert_eq!(dt("2024-01-01T10:00:00"), dt("2024-01-01 10:00:00"));
    }

    #[test]
    fn datetime_rounds_to_300ths() {
        assert_eq!(
            format_datetime(&round_datetime(dt("2024-01-01 00:00:00.001"))),
            "2024-01-01 00:00:00.0000000"
        );
        assert_eq!(
            format_datetime(&round_datetime(dt("2024-01-01 00:00:00.005"))),
            "2024-01-01 00:00:00.0070000"
        );
        assert_eq!(
            format_datetime(&round_datetime(dt("2024-01-01 23:59:59.999"))),
            "2024-01-02 00:00:00.0000000"
        );
    }

    proptest! {
        #[test]
        fn datediff_day_matches_a_reference(a in 0i64..100_000, b in 0i64..100_000, ha in 0u32..24, hb in 0u32..24) {
            let base = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
            let x = (base + Duration::days(a)).and_hms_opt(ha, 0, 0).unwrap();
            let y = (base + Duration::days(b)).and_hms_opt(hb, 0, 0).unwrap();
            prop_assert_eq!(diff("day", x, y), Some((b - a) as i128));
            prop_assert_eq!(diff("hour", x, y), Some(((b - a) * 24 + hb as i64 - ha as i64) as i128));
            let months = (y.year() - x.year()) as i128 * 12 + y.month() as i128 - x.month() as i128;
            prop_assert_eq!(diff("month", x, y), Some(months));
            // Adding the difference in days gets back to the same date.
            prop_assert_eq!(add("day", b - a, x).map(|d| d.date()), Some(y.date()));
        }
    }
}
