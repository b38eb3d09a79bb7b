//! CONVERT's date and time styles ("CAST and CONVERT (Transact-SQL)", Date and time styles).

use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::types::SqlType;

pub(super) const MON: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date/time of type `t` as text in a CONVERT style.
pub(super) fn format_date(t: &SqlType, dt: NaiveDateTime, off: Option<i16>, style: Option<i64>) -> String {
    let frac_digits = match t {
        SqlType::DateTime => 3,
        SqlType::SmallDateTime => 0,
        other => other.scale() as usize,
    };
    let dt = match t {
        SqlType::DateTime => super::super::dates::round_datetime(dt),
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
