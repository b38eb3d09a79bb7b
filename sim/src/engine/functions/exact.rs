//! Exact numerics (decimal, numeric, money, smallmoney) where SQLite would use doubles:
//! `tsql_dec(op, a, b, 'type')` computes `a op b` exactly at the result type the translator
//! derived (SQL Server's precision and scale rules), `tsql_dec_cmp(a, b)` compares exactly,
//! `tsql_dec_key(a)` is a sort key in numeric order, and the aggregates `tsql_dec_min`,
//! `tsql_dec_max` and `tsql_avg_decimal` do what MIN, MAX and AVG do, exactly.
//!
//! Operands may be INTEGER, REAL (read as the shortest decimal that round-trips) or decimal
//! TEXT; results are stored as [`crate::types::storage::decimal_storage`] says.

use std::cmp::Ordering;

use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};

use super::math::{decimal_value, owned};
use super::{Def, arg, def, raise, text_arg, type_arg};
use crate::engine::FunctionContext;
use crate::error::SqlError;
use crate::types::SqlType;
use crate::types::decimal::{Dec, DecError, Op, sort_key};

pub(super) const FUNCTIONS: &[Def] =
    &[def("tsql_dec", 4, dec), def("tsql_dec_cmp", 2, dec_cmp), def("tsql_dec_key", 1, dec_key)];

type R = rusqlite::Result<Value>;

/// A cell as an exact decimal; `None` for NULL, 8114 for text that is not a number.
pub(crate) fn dec_of(v: ValueRef<'_>) -> rusqlite::Result<Option<Dec>> {
    let d = match v {
        ValueRef::Null => return Ok(None),
        ValueRef::Integer(i) => Some(Dec::new(i128::from(i), 0)),
        ValueRef::Real(f) => Dec::from_f64(f),
        ValueRef::Text(t) => Dec::parse(&String::from_utf8_lossy(t)),
        ValueRef::Blob(_) => None,
    };
    d.map(Some)
        .ok_or_else(|| raise(SqlError::new(8114, 16, "Error converting data type varchar to numeric.")))
}

/// 8115 naming the type, as SQL Server words it.
fn overflow(ty: &SqlType) -> rusqlite::Error {
    let name = if matches!(ty, SqlType::Decimal { .. }) { "numeric" } else { ty.name() };
    raise(SqlError::new(
        8115,
        16,
        format!("Arithmetic overflow error converting expression to data type {name}."),
    ))
}

/// The scale of a result of type `ty`, and whether `mantissa` at that scale fits it.
fn scale_of(ty: &SqlType) -> u8 {
    match ty {
        SqlType::Decimal { scale, .. } => *scale,
        SqlType::Money | SqlType::SmallMoney => 4,
        _ => 0,
    }
}

fn fits(ty: &SqlType, mantissa: i128) -> bool {
    match ty {
        SqlType::Decimal { precision, .. } => mantissa.unsigned_abs() < 10u128.pow(u32::from(*precision)),
        SqlType::Money => i64::try_from(mantissa).is_ok(),
        SqlType::SmallMoney => i32::try_from(mantissa).is_ok(),
        _ => true,
    }
}

/// A mantissa at `ty`'s scale as the stored result, or 8115.
fn result(ty: &SqlType, mantissa: i128) -> R {
    if fits(ty, mantissa) { Ok(decimal_value(mantissa, scale_of(ty))) } else { Err(overflow(ty)) }
}

/// `tsql_dec(op, a, b, 'type')`: `+ - * / %` exactly, or `neg`/`abs` of `a`.
fn dec(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let ty = type_arg(c, 3).unwrap_or(SqlType::Decimal { precision: 38, scale: 0 });
    let op = text_arg(c, 0).unwrap_or_default();
    let Some(a) = dec_of(arg(c, 1))? else { return Ok(Value::Null) };
    let scale = scale_of(&ty);
    let mantissa = match op.as_str() {
        "neg" | "abs" => {
            let m = a.at_scale(scale).ok_or_else(|| overflow(&ty))?;
            if op == "neg" || m < 0 { -m } else { m }
        }
        symbol => {
            let op = Op::from_symbol(symbol)
                .ok_or_else(|| raise(SqlError::unsupported(&format!("decimal operator {symbol}"))))?;
            let Some(b) = dec_of(arg(c, 2))? else { return Ok(Value::Null) };
            match a.apply(op, b, scale) {
                Ok(m) => m,
                Err(DecError::DivideByZero) => return Err(raise(SqlError::divide_by_zero())),
                Err(DecError::Overflow) => return Err(overflow(&ty)),
            }
        }
    };
    result(&ty, mantissa)
}

/// -1, 0 or 1; NULL when either side is NULL.
fn dec_cmp(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(a), Some(b)) = (dec_of(arg(c, 0))?, dec_of(arg(c, 1))?) else { return Ok(Value::Null) };
    Ok(Value::Integer(match a.cmp_exact(b) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}

fn dec_key(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    Ok(match dec_of(arg(c, 0))? {
        Some(d) => Value::Blob(sort_key(d)),
        None => Value::Null,
    })
}

/// `tsql_dec_min(x)` / `tsql_dec_max(x)`: the least / greatest value in numeric order, as
/// it was stored.
struct Extreme {
    max: bool,
}

impl Aggregate<Option<(Dec, Value)>, Value> for Extreme {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Option<(Dec, Value)>> {
        Ok(None)
    }

    fn step(&self, c: &mut Context<'_>, best: &mut Option<(Dec, Value)>) -> rusqlite::Result<()> {
        let raw = c.get_raw(0);
        let Some(d) = dec_of(raw)? else { return Ok(()) };
        let wanted = if self.max { Ordering::Greater } else { Ordering::Less };
        if best.as_ref().is_none_or(|(b, _)| d.cmp_exact(*b) == wanted) {
            *best = Some((d, owned(raw)));
        }
        Ok(())
    }

    fn finalize(&self, _: &mut Context<'_>, best: Option<Option<(Dec, Value)>>) -> rusqlite::Result<Value> {
        Ok(best.flatten().map_or(Value::Null, |(_, v)| v))
    }
}

/// `tsql_avg_decimal(x, 'result type')`: the exact sum divided by the count, at the result
/// type's scale (decimal(38, max(s, 6)) or money).
struct Average;

impl Aggregate<(Dec, i128, Option<SqlType>), Value> for Average {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<(Dec, i128, Option<SqlType>)> {
        Ok((Dec::ZERO, 0, None))
    }

    fn step(&self, c: &mut Context<'_>, acc: &mut (Dec, i128, Option<SqlType>)) -> rusqlite::Result<()> {
        let ty = type_arg(c, 1).unwrap_or(SqlType::Decimal { precision: 38, scale: 6 });
        let Some(d) = dec_of(c.get_raw(0))? else { return Ok(()) };
        let scale = acc.0.scale.max(d.scale);
        let sum = acc.0.apply(Op::Add, d, scale).map_err(|_| overflow(&ty))?;
        *acc = (Dec::new(sum, scale), acc.1 + 1, Some(ty));
        Ok(())
    }

    fn finalize(&self, _: &mut Context<'_>, acc: Option<(Dec, i128, Option<SqlType>)>) -> R {
        let Some((sum, n, Some(ty))) = acc.filter(|a| a.1 > 0) else { return Ok(Value::Null) };
        let mantissa = sum.apply(Op::Div, Dec::new(n, 0), scale_of(&ty)).map_err(|_| overflow(&ty))?;
        result(&ty, mantissa)
    }
}

/// Registers the aggregates on `conn`.
pub(super) fn register_aggregates(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_aggregate_function("tsql_dec_min", 1, flags, Extreme { max: false })?;
    conn.create_aggregate_function("tsql_dec_max", 1, flags, Extreme { max: true })?;
    conn.create_aggregate_function("tsql_avg_decimal", 2, flags, Average)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use rusqlite::types::Value;

    #[test]
    fn arithmetic_is_exact_beyond_fifteen_digits() {
        let c = conn();
        let sum = eval(&c, "tsql_dec('+', '12345678901234567890.1234567891', 1, 'decimal(38,10)')").unwrap();
        assert_eq!(sum, Value::Text("12345678901234567891.1234567891".into()));
        // 1.0/3*3 = 0.999999999999 in SQL Server, not 1.
        let third = eval(&c, "tsql_dec('/', 1.0, 3, 'decimal(13,12)')").unwrap();
        assert_eq!(
            eval(&c, &format!("tsql_dec('*', {}, 3, 'decimal(24,12)')", sql(&third))).unwrap(),
            Value::Real(0.999999999999)
        );
        assert!(eval(&c, "tsql_dec('+', 922337203685477.5807, 1, 'money')").is_err());
        assert!(eval(&c, "tsql_dec('/', 1, 0, 'decimal(10,6)')").is_err());
        assert_eq!(int(&c, "tsql_dec_cmp('12345678901234567890.5', 12345678901234567890)"), 1);
        assert_eq!(int(&c, "tsql_dec_cmp('7.50', 10)"), -1);
        let v: Value = c
            .query_row(
                "SELECT tsql_dec_max(x) FROM (SELECT '99999999999999999999.5' AS x UNION ALL SELECT 5 UNION ALL SELECT '-1e30')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, Value::Text("99999999999999999999.5".into()));
        let avg: Value = c
            .query_row(
                "SELECT tsql_avg_decimal(x, 'decimal(38,6)') FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 2)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(avg, Value::Real(1.666667));
    }

    fn sql(v: &Value) -> String {
        match v {
            Value::Real(f) => format!("{f}"),
            Value::Text(t) => format!("'{t}'"),
            other => format!("{other:?}"),
        }
    }
}
