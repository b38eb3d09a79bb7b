//! SQL Server's type rules, as the translator derives result types from T-SQL:
//! literal types, data type precedence, arithmetic and concatenation results, decimal
//! precision/scale, aggregates, and the `@@` globals.

use crate::types::{Len, SqlType};

/// Data type precedence (higher wins an implicit conversion), from SQL Server's table.
pub(super) fn precedence(t: &SqlType) -> u8 {
    use SqlType as T;
    match t {
        T::Xml => 30,
        T::DateTimeOffset(_) => 29,
        T::DateTime2(_) => 28,
        T::DateTime => 27,
        T::SmallDateTime => 26,
        T::Date => 25,
        T::Time(_) => 24,
        T::Float => 23,
        T::Real => 22,
        T::Decimal { .. } => 21,
        T::Money => 20,
        T::SmallMoney => 19,
        T::BigInt => 18,
        T::Int => 17,
        T::SmallInt => 16,
        T::TinyInt => 15,
        T::Bit => 14,
        T::NText => 13,
        T::Text => 12,
        T::Image => 11,
        T::UniqueIdentifier => 10,
        T::NVarChar(_) | T::SysName => 9,
        T::NChar(_) => 8,
        T::VarChar(_) => 7,
        T::Char(_) => 6,
        T::VarBinary(_) => 5,
        T::Binary(_) => 4,
    }
}

pub(super) fn is_numeric(t: &SqlType) -> bool {
    t.is_integer()
        || matches!(
            t,
            SqlType::Bit
                | SqlType::Real
                | SqlType::Float
                | SqlType::Decimal { .. }
                | SqlType::Money
                | SqlType::SmallMoney
        )
}

pub(super) fn is_binary(t: &SqlType) -> bool {
    matches!(t, SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image)
}

/// Character length of a character type (`None` for MAX and the LOB types).
pub(super) fn char_len(t: &SqlType) -> Option<u32> {
    match t {
        SqlType::Char(n) | SqlType::NChar(n) | SqlType::Binary(n) => Some(*n as u32),
        SqlType::VarChar(Len::N(n)) | SqlType::NVarChar(Len::N(n)) | SqlType::VarBinary(Len::N(n)) => {
            Some(*n as u32)
        }
        SqlType::SysName => Some(128),
        _ => None,
    }
}

/// How many characters a value of `t` takes when converted to a string (for CONCAT and `+`).
pub(super) fn display_len(t: &SqlType) -> Option<u32> {
    Some(match t {
        SqlType::TinyInt => 3,
        SqlType::SmallInt => 6,
        SqlType::Int => 12,
        SqlType::BigInt => 24,
        SqlType::Bit => 1,
        SqlType::Real | SqlType::Float => 30,
        SqlType::Decimal { precision, .. } => *precision as u32 + 2,
        SqlType::Money | SqlType::SmallMoney => 30,
        SqlType::UniqueIdentifier => 36,
        SqlType::Date => 10,
        SqlType::Time(_) => 16,
        SqlType::DateTime | SqlType::SmallDateTime => 30,
        SqlType::DateTime2(_) => 27,
        SqlType::DateTimeOffset(_) => 34,
        other => return char_len(other),
    })
}

/// A character type of the given family and length, capped at 8000 bytes / 4000 characters.
pub(super) fn string_type(unicode: bool, len: Option<u32>) -> SqlType {
    let cap = if unicode { 4000 } else { 8000 };
    let len = match len {
        Some(n) if n <= cap => Len::N(n.max(1) as u16),
        _ => Len::Max,
    };
    if unicode { SqlType::NVarChar(len) } else { SqlType::VarChar(len) }
}

/// The type of an integer or decimal literal: int, then decimal(p,0) beyond int's range (as
/// SQL Server types `3000000000`), decimal(p,s) with a point, float with an exponent.
pub(super) fn number_literal(text: &str) -> SqlType {
    if text.contains(['e', 'E']) {
        return SqlType::Float;
    }
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count() as u8;
    match text.split_once('.') {
        None => {
            if text.parse::<i32>().is_ok() {
                SqlType::Int
            } else {
                let p = digits(text.trim_start_matches('0')).clamp(1, 38);
                SqlType::Decimal { precision: p, scale: 0 }
            }
        }
        Some((int, frac)) => {
            let s = digits(frac).min(38);
            let i = digits(int.trim_start_matches('0'));
            SqlType::Decimal { precision: (i + s).clamp(1, 38).max(s), scale: s }
        }
    }
}

/// decimal, numeric, money and smallmoney: the types the simulator computes exactly.
pub(super) fn is_exact_decimal(t: &SqlType) -> bool {
    matches!(t, SqlType::Decimal { .. } | SqlType::Money | SqlType::SmallMoney)
}

/// Exact numerics: the integer types, bit and the exact decimals.
pub(super) fn is_exact_numeric(t: &SqlType) -> bool {
    t.is_integer() || *t == SqlType::Bit || is_exact_decimal(t)
}

/// True when every value of `from` fits `to` unchanged (an int into decimal(12,2), a
/// decimal(5,2) into decimal(10,3)); a conversion that might overflow must go through
/// `tsql_convert`, which raises SQL Server's 8115.
pub(super) fn decimal_fits(from: &SqlType, to: &SqlType) -> bool {
    if matches!(to, SqlType::Money | SqlType::SmallMoney) {
        return from == to
            || matches!(from, SqlType::Bit | SqlType::TinyInt | SqlType::SmallInt)
            || (*from == SqlType::Int && *to == SqlType::Money)
            || (*from == SqlType::SmallMoney && *to == SqlType::Money);
    }
    let (p1, s1) = as_decimal(from);
    let (p2, s2) = as_decimal(to);
    s1 <= s2 && p1 - s1 <= p2 - s2
}

/// (precision, scale) a value of `t` takes part in decimal arithmetic with.
fn as_decimal(t: &SqlType) -> (u8, u8) {
    match t {
        SqlType::Decimal { precision, scale } => (*precision, *scale),
        SqlType::TinyInt => (3, 0),
        SqlType::SmallInt => (5, 0),
        SqlType::Int => (10, 0),
        SqlType::BigInt => (19, 0),
        SqlType::Bit => (1, 0),
        SqlType::Money => (19, 4),
        SqlType::SmallMoney => (10, 4),
        _ => (18, 0),
    }
}

/// Caps a decimal result at 38 digits the way SQL Server reduces the scale.
fn cap_decimal(p: u32, s: u32) -> SqlType {
    if p <= 38 {
        return SqlType::Decimal { precision: p.max(1) as u8, scale: s as u8 };
    }
    let int_digits = p - s;
    let scale = if int_digits < 32 { s.min(38 - int_digits) } else { s.min(6) };
    SqlType::Decimal { precision: 38, scale: scale as u8 }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// The result type of `a op b` for numeric operands (SQL Server's rules).
pub(super) fn arithmetic(op: Arith, a: &SqlType, b: &SqlType) -> SqlType {
    let top = if precedence(a) >= precedence(b) { *a } else { *b };
    match top {
        SqlType::Decimal { .. } => {
            let (p1, s1) = as_decimal(a);
            let (p2, s2) = as_decimal(b);
            let (p1, s1, p2, s2) = (p1 as u32, s1 as u32, p2 as u32, s2 as u32);
            match op {
                Arith::Add | Arith::Sub => {
                    // "Precision, scale, and length": beyond 38 digits the integral part keeps
                    // max(p1 - s1, p2 - s2) places and the scale gets the rest.
                    let (s, int) = (s1.max(s2), (p1 - s1).max(p2 - s2));
                    if s + int < 38 {
                        cap_decimal(s + int + 1, s)
                    } else {
                        SqlType::Decimal { precision: 38, scale: s.min(38u32.saturating_sub(int)) as u8 }
                    }
                }
                Arith::Mul => cap_decimal(p1 + p2 + 1, s1 + s2),
                Arith::Div => {
                    let s = 6.max(s1 + p2 + 1);
                    cap_decimal(p1 - s1 + s2 + s, s)
                }
                Arith::Mod => {
                    let s = s1.max(s2);
                    cap_decimal((p1 - s1).min(p2 - s2) + s, s)
                }
            }
        }
        SqlType::Bit => SqlType::Int,
        other if is_numeric(&other) => other,
        other => other,
    }
}

/// The type a CASE, COALESCE or UNION column takes over several branch types: the one of
/// highest precedence, widened to hold every branch (longest string, widest decimal).
pub(super) fn combine(a: &SqlType, b: &SqlType) -> SqlType {
    if a.is_character() && b.is_character() {
        let unicode = a.is_unicode() || b.is_unicode();
        let len = match (char_len(a), char_len(b)) {
            (Some(x), Some(y)) => Some(x.max(y)),
            _ => None,
        };
        if matches!(a, SqlType::Text | SqlType::NText) || matches!(b, SqlType::Text | SqlType::NText) {
            return if unicode { SqlType::NText } else { SqlType::Text };
        }
        let fixed = matches!(a, SqlType::Char(_) | SqlType::NChar(_))
            && matches!(b, SqlType::Char(_) | SqlType::NChar(_));
        return match (fixed, unicode, len) {
            (true, true, Some(n)) => SqlType::NChar(n as u16),
            (true, false, Some(n)) => SqlType::Char(n as u16),
            _ => string_type(unicode, len),
        };
    }
    if is_binary(a) && is_binary(b) {
        return match (char_len(a), char_len(b)) {
            (Some(x), Some(y)) => SqlType::VarBinary(Len::N(x.max(y) as u16)),
            _ => SqlType::VarBinary(Len::Max),
        };
    }
    let top = if precedence(a) >= precedence(b) { *a } else { *b };
    match top {
        SqlType::Decimal { .. } => {
            let (p1, s1) = as_decimal(a);
            let (p2, s2) = as_decimal(b);
            let s = s1.max(s2) as u32;
            let int = (p1 - s1).max(p2 - s2) as u32;
            cap_decimal(int + s, s)
        }
        SqlType::DateTime2(_) | SqlType::Time(_) | SqlType::DateTimeOffset(_) => {
            let scale = a.scale().max(b.scale());
            match top {
                SqlType::DateTime2(_) => SqlType::DateTime2(scale),
                SqlType::Time(_) => SqlType::Time(scale),
                _ => SqlType::DateTimeOffset(scale),
            }
        }
        other => other,
    }
}

/// The type `a + b` takes when both are strings: a concatenation of the summed length.
pub(super) fn concat_type(a: &SqlType, b: &SqlType) -> SqlType {
    let unicode = a.is_unicode() || b.is_unicode();
    let len = match (display_len(a), display_len(b)) {
        (Some(x), Some(y)) => Some(x + y),
        _ => None,
    };
    string_type(unicode, len)
}

/// SUM's result type.
pub(super) fn sum_type(t: &SqlType) -> SqlType {
    match t {
        SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::Bit => SqlType::Int,
        SqlType::BigInt => SqlType::BigInt,
        SqlType::Decimal { scale, .. } => SqlType::Decimal { precision: 38, scale: *scale },
        SqlType::Money | SqlType::SmallMoney => SqlType::Money,
        _ => SqlType::Float,
    }
}

/// AVG's result type.
pub(super) fn avg_type(t: &SqlType) -> SqlType {
    match t {
        SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::Bit => SqlType::Int,
        SqlType::BigInt => SqlType::BigInt,
        SqlType::Decimal { scale, .. } => SqlType::Decimal { precision: 38, scale: (*scale).max(6) },
        SqlType::Money | SqlType::SmallMoney => SqlType::Money,
        _ => SqlType::Float,
    }
}

/// The type of `@@NAME` (name without `@@`, any case); `None` for unknown globals.
pub fn global_variable_type(name: &str) -> Option<SqlType> {
    let nv = |n| SqlType::NVarChar(Len::N(n));
    Some(match name.to_ascii_uppercase().as_str() {
        "VERSION" => nv(300),
        "SERVERNAME" | "SERVICENAME" | "LANGUAGE" => nv(128),
        "SPID" | "LANGID" => SqlType::SmallInt,
        "ROWCOUNT" | "TRANCOUNT" | "ERROR" | "MAX_CONNECTIONS" | "CPU_BUSY" | "IO_BUSY" | "IDLE"
        | "OPTIONS" | "PROCID" | "LOCK_TIMEOUT" | "TEXTSIZE" | "MICROSOFTVERSION" | "NESTLEVEL"
        | "CONNECTIONS" | "PACK_RECEIVED" | "PACK_SENT" | "PACKET_ERRORS" | "TOTAL_READ" | "TOTAL_WRITE"
        | "TOTAL_ERRORS" | "TIMETICKS" | "MAX_PRECISION" | "FETCH_STATUS" | "REMSERVER" => SqlType::Int,
        "DATEFIRST" => SqlType::TinyInt,
        "IDENTITY" => SqlType::Decimal { precision: 38, scale: 0 },
        "DBTS" => SqlType::VarBinary(Len::N(8)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_types() {
        assert_eq!(number_literal("1"), SqlType::Int);
        assert_eq!(number_literal("2147483648"), SqlType::Decimal { precision: 10, scale: 0 });
        assert_eq!(number_literal("1.50"), SqlType::Decimal { precision: 3, scale: 2 });
        assert_eq!(number_literal("0.5"), SqlType::Decimal { precision: 1, scale: 1 });
        assert_eq!(number_literal("1e3"), SqlType::Float);
    }

    #[test]
    fn arithmetic_follows_precedence() {
        assert_eq!(arithmetic(Arith::Add, &SqlType::Int, &SqlType::BigInt), SqlType::BigInt);
        assert_eq!(arithmetic(Arith::Add, &SqlType::Int, &SqlType::Float), SqlType::Float);
        let d = SqlType::Decimal { precision: 10, scale: 2 };
        assert_eq!(arithmetic(Arith::Add, &SqlType::Int, &d), SqlType::Decimal { precision: 13, scale: 2 });
        // decimal(38,10) + decimal(10,10): the integral part keeps 28 places, the scale 10.
        let wide = SqlType::Decimal { precision: 38, scale: 10 };
        let tiny = SqlType::Decimal { precision: 10, scale: 10 };
        assert_eq!(arithmetic(Arith::Add, &wide, &tiny), wide);
        assert_eq!(arithmetic(Arith::Mul, &d, &d), SqlType::Decimal { precision: 21, scale: 4 });
        assert_eq!(
            arithmetic(Arith::Div, &SqlType::Decimal { precision: 38, scale: 10 }, &d),
            SqlType::Decimal { precision: 38, scale: 8 }
        );
    }

    #[test]
    fn combine_widens() {
        assert_eq!(
            combine(&SqlType::VarChar(Len::N(3)), &SqlType::NVarChar(Len::N(2))),
            SqlType::NVarChar(Len::N(3))
        );
        assert_eq!(combine(&SqlType::Int, &SqlType::BigInt), SqlType::BigInt);
        assert_eq!(
            sum_type(&SqlType::Decimal { precision: 10, scale: 2 }),
            SqlType::Decimal { precision: 38, scale: 2 }
        );
    }
}
