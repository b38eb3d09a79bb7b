//! Aggregates SQLite gets wrong: `SUM` over decimal/money, which SQL Server sums exactly at
//! precision 38 (SQLite's SUM overflows at 2^63 and its TOTAL rounds through a double).

use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};

use crate::error::SqlError;
use crate::types::storage::parse_decimal;

/// `tsql_sum_decimal(x, scale)`: the exact sum as a scaled i128, stored like a decimal cell
/// (an integer when the scale is 0 and it fits, else its text).
struct SumDecimal;

impl Aggregate<(i128, u8, bool), Value> for SumDecimal {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<(i128, u8, bool)> {
        Ok((0, 0, false))
    }

    fn step(&self, c: &mut Context<'_>, acc: &mut (i128, u8, bool)) -> rusqlite::Result<()> {
        let scale = c.get::<i64>(1).unwrap_or(0).clamp(0, 38) as u8;
        acc.1 = scale;
        let v = match c.get_raw(0) {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(i) => Some(i as i128 * 10i128.pow(scale as u32)),
            ValueRef::Real(f) => parse_decimal(&format!("{f}"), scale),
            ValueRef::Text(t) | ValueRef::Blob(t) => parse_decimal(&String::from_utf8_lossy(t), scale),
        };
        let sum = v.and_then(|v| acc.0.checked_add(v)).filter(|s| s.unsigned_abs() < 10u128.pow(38));
        match sum {
            Some(s) => {
                *acc = (s, scale, true);
                Ok(())
            }
            None => Err(super::raise(SqlError::new(
                8115,
                16,
                "Arithmetic overflow error converting expression to data type numeric.",
            ))),
        }
    }

    fn finalize(&self, _: &mut Context<'_>, acc: Option<(i128, u8, bool)>) -> rusqlite::Result<Value> {
        Ok(match acc {
            Some((s, scale, true)) => crate::types::storage::decimal_storage(s, scale),
            _ => Value::Null,
        })
    }
}

/// Registers the aggregates on `conn`.
pub fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_aggregate_function("tsql_sum_decimal", 2, flags, SumDecimal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_decimals_past_bigint_exactly() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (9223372036854775807), (9223372036854775807), (-1), (NULL);")
            .unwrap();
        let v: Value = c.query_row("SELECT tsql_sum_decimal(x, 0) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(v, Value::Text("18446744073709551613".into()));
        let v: Value = c
            .query_row(
                "SELECT tsql_sum_decimal(x, 2) FROM (SELECT '1.25' AS x UNION ALL SELECT '-0.05')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, Value::Real(1.2));
        let v: Value = c.query_row("SELECT tsql_sum_decimal(x, 0) FROM t WHERE 0", [], |r| r.get(0)).unwrap();
        assert_eq!(v, Value::Null);
    }
}
