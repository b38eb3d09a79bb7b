//! Arithmetic SQLite does differently: division by zero is an error (8134), ROUND rounds the
//! decimal digits (half away from zero, negative lengths, truncation mode), POWER keeps the
//! type of its first argument, domain errors are 3623.

use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};

use super::{Def, arg, def, int_arg, raise, real_arg, value_text, volatile};
use crate::engine::FunctionContext;
use crate::error::SqlError;
use crate::types::decimal::Dec;
use crate::types::storage::{format_decimal, parse_decimal};

pub(super) const FUNCTIONS: &[Def] = &[
    def("tsql_div_check", 2, div_check),
    def("tsql_mod", 2, modulo),
    def("tsql_sign", 1, sign),
    def("tsql_round", 3, round),
    def("tsql_floor", 1, floor),
    def("tsql_ceiling", 1, ceiling),
    def("tsql_power", 3, power),
    def("tsql_math", 3, math),
    volatile("tsql_rand", 0, rand_fn),
];

type R = rusqlite::Result<Value>;

fn is_zero(v: ValueRef<'_>) -> bool {
    match v {
        ValueRef::Integer(0) => true,
        ValueRef::Real(f) => f == 0.0,
        ValueRef::Text(t) => String::from_utf8_lossy(t).trim().parse::<f64>().is_ok_and(|f| f == 0.0),
        _ => false,
    }
}

pub(super) fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Passes the quotient through, raising 8134 when the divisor is zero.
fn div_check(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    if is_zero(arg(c, 1)) {
        return Err(raise(SqlError::divide_by_zero()));
    }
    Ok(owned(arg(c, 0)))
}

fn modulo(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    if is_zero(arg(c, 1)) {
        return Err(raise(SqlError::divide_by_zero()));
    }
    let (Some(a), Some(b)) = (real_arg(c, 0)?, real_arg(c, 1)?) else { return Ok(Value::Null) };
    Ok(Value::Real(a % b))
}

fn sign(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    Ok(match arg(c, 0) {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n.signum()),
        _ => match real_arg(c, 0)? {
            Some(f) if f > 0.0 => Value::Real(1.0),
            Some(f) if f < 0.0 => Value::Real(-1.0),
            Some(_) => Value::Real(0.0),
            None => Value::Null,
        },
    })
}

/// A decimal as the SQLite value the storage layer expects (INTEGER, REAL or TEXT).
pub(crate) fn decimal_value(mantissa: i128, scale: u8) -> Value {
    crate::types::storage::decimal_storage(mantissa, scale)
}

/// ROUND(x, n[, truncate]) on the decimal digits of x.
fn round(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let Some(n) = int_arg(c, 1)? else { return Ok(Value::Null) };
    let truncate = int_arg(c, 2)?.unwrap_or(0) != 0;
    let v = arg(c, 0);
    let Some(text) = value_text(v) else { return Ok(Value::Null) };
    let is_int = matches!(v, ValueRef::Integer(_));
    if n >= 0 && is_int {
        return Ok(owned(v));
    }
    let scale = n.clamp(-38, 38);
    let digits = scale.max(0) as u8;
    let keep = |t: &str| -> Option<i128> {
        if truncate {
            // Drop the digits beyond `digits` without rounding.
            let (int, frac) = t.split_once('.').unwrap_or((t, ""));
            let frac: String = frac.chars().take(digits as usize).collect();
            parse_decimal(&format!("{int}.{frac}"), digits)
        } else {
            parse_decimal(t, digits)
        }
    };
    let Some(mut mantissa) = keep(&text) else {
        return Err(raise(SqlError::new(8114, 16, "Error converting data type varchar to float.")));
    };
    if scale < 0 {
        let unit = 10i128.checked_pow((-scale) as u32).unwrap_or(i128::MAX);
        let rem = mantissa % unit;
        mantissa -= rem;
        if !truncate && rem.abs() * 2 >= unit {
            mantissa += unit * rem.signum();
        }
    }
    if is_int {
        return Ok(Value::Integer(i64::try_from(mantissa).unwrap_or(i64::MAX)));
    }
    Ok(match v {
        ValueRef::Real(_) => Value::Real(format_decimal(mantissa, digits).parse().unwrap_or(0.0)),
        _ => decimal_value(mantissa, digits),
    })
}

fn integral(f: f64) -> Value {
    if f.abs() < 9.0e15 { Value::Integer(f as i64) } else { Value::Real(f) }
}

fn floor(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    rounded(c, false)
}

fn ceiling(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    rounded(c, true)
}

/// FLOOR (`up` false) or CEILING: exact on decimal text, in doubles on floats.
fn rounded(c: &Context<'_>, up: bool) -> R {
    Ok(match arg(c, 0) {
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Null => Value::Null,
        ValueRef::Text(t) => match Dec::parse(&String::from_utf8_lossy(t)) {
            Some(d) => decimal_value(d.integral(up), 0),
            None => real_arg(c, 0)?
                .map(|f| integral(if up { f.ceil() } else { f.floor() }))
                .unwrap_or(Value::Null),
        },
        _ => real_arg(c, 0)?.map(|f| integral(if up { f.ceil() } else { f.floor() })).unwrap_or(Value::Null),
    })
}

/// POWER(x, y) in the type of x: integer types truncate, as SQL Server does.
fn power(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(x), Some(y)) = (real_arg(c, 0)?, real_arg(c, 1)?) else { return Ok(Value::Null) };
    let r = x.powf(y);
    if !r.is_finite() {
        return Err(raise(SqlError::new(232, 16, "Arithmetic overflow error for type float.")));
    }
    let ty = super::type_arg(c, 2);
    Ok(match ty {
        Some(t) if t.is_integer() => Value::Integer(r.trunc() as i64),
        _ => Value::Real(r),
    })
}

fn domain_error() -> rusqlite::Error {
    raise(SqlError::new(3623, 16, "An invalid floating point operation occurred."))
}

fn math(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let name = super::text_arg(c, 0).unwrap_or_default();
    let Some(x) = real_arg(c, 1)? else { return Ok(Value::Null) };
    let base = real_arg(c, 2)?;
    let r = match name.as_str() {
        "sqrt" if x < 0.0 => return Err(domain_error()),
        "sqrt" => x.sqrt(),
        "square" => x * x,
        "exp" => x.exp(),
        "log" | "log10" if x <= 0.0 => return Err(domain_error()),
        "log" => match base {
            Some(b) if b <= 0.0 || b == 1.0 => return Err(domain_error()),
            Some(b) => x.ln() / b.ln(),
            None => x.ln(),
        },
        "log10" => x.log10(),
        "sin" => x.sin(),
        "cos" => x.cos(),
        "tan" => x.tan(),
        "asin" | "acos" if !(-1.0..=1.0).contains(&x) => return Err(domain_error()),
        "asin" => x.asin(),
        "acos" => x.acos(),
        "atan" => x.atan(),
        "degrees" => x.to_degrees(),
        "radians" => x.to_radians(),
        _ => return Err(raise(SqlError::unsupported(&format!("math function {name}")))),
    };
    Ok(Value::Real(r))
}

fn rand_fn(_: &Context<'_>, _: &dyn FunctionContext) -> R {
    Ok(Value::Real(rand::random::<f64>()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use rusqlite::types::Value;

    #[test]
    fn rounding_and_errors() {
        let c = conn();
        assert_eq!(eval(&c, "tsql_round(2.675, 2, NULL)").unwrap(), Value::Real(2.68));
        assert_eq!(eval(&c, "tsql_round(-2.5, 0, NULL)").unwrap(), Value::Real(-3.0));
        assert_eq!(eval(&c, "tsql_round(1234, -2, NULL)").unwrap(), Value::Integer(1200));
        assert_eq!(eval(&c, "tsql_round(1250, -2, NULL)").unwrap(), Value::Integer(1300));
        assert_eq!(eval(&c, "tsql_round(2.679, 2, 1)").unwrap(), Value::Real(2.67));
        assert_eq!(int(&c, "tsql_floor(-1.5)"), -2);
        assert_eq!(int(&c, "tsql_ceiling(1.2)"), 2);
        assert_eq!(int(&c, "tsql_power(2, 10, 'int')"), 1024);
        assert_eq!(int(&c, "tsql_power(2, -1, 'int')"), 0);
        assert_eq!(eval(&c, "tsql_math('sqrt', 16, NULL)").unwrap(), Value::Real(4.0));
        assert_eq!(int(&c, "tsql_sign(-7)"), -1);
        assert!(eval(&c, "tsql_math('sqrt', -1, NULL)").is_err());
        assert!(eval(&c, "tsql_div_check(1 / 0, 0)").is_err());
        assert_eq!(int(&c, "tsql_div_check(7 / 2, 2)"), 3);
        assert!(eval(&c, "tsql_mod(1.5, 0)").is_err());
    }
}
