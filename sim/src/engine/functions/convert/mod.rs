//! CAST / CONVERT / TRY_CONVERT: `tsql_convert(target, value, style, source)`.
//!
//! `target` and `source` are SQL Server type texts (`varchar(30)`, `datetime`, '' when the
//! source type is unknown); the result is the SQLite storage form of the target type. Styles:
//! dates 0/100, 1/101, 2/102, 3/103, 4/104, 5/105, 10/110, 11/111, 12/112, 108, 113/13, 114,
//! 120/20, 121/21, 126, 127, 23; binary↔string 0, 1 (`0x…`), 2 (hex).

mod binary;
mod date_styles;
mod numbers;
mod temporal;
mod text;

use binary::*;
use date_styles::*;
use numbers::*;
use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};
use temporal::*;
use text::*;

use super::{Def, arg, def, int_arg, raise, text_arg, type_arg, value_text};
use crate::engine::FunctionContext;
use crate::error::SqlError;
use crate::types::SqlType;

pub(super) const FUNCTIONS: &[Def] = &[
    def("tsql_convert", 4, convert),
    def("tsql_try_convert", 4, try_convert),
    def("tsql_isnumeric", 1, isnumeric),
];

fn run(c: &Context<'_>) -> Result<Value, SqlError> {
    let target = type_arg(c, 0).ok_or_else(|| {
        let text = text_arg(c, 0).unwrap_or_default();
        SqlError::new(243, 16, format!("Type {text} is not a defined system type."))
    })?;
    let style = int_arg(c, 2).map_err(|_| SqlError::new(281, 16, "The style is not a valid number."))?;
    let source = type_arg(c, 3);
    convert_value(&target, arg(c, 1), style, source)
}

fn convert(c: &Context<'_>, _: &dyn FunctionContext) -> rusqlite::Result<Value> {
    run(c).map_err(raise)
}

fn try_convert(c: &Context<'_>, _: &dyn FunctionContext) -> rusqlite::Result<Value> {
    Ok(run(c).unwrap_or(Value::Null))
}

fn isnumeric(c: &Context<'_>, _: &dyn FunctionContext) -> rusqlite::Result<Value> {
    let ok = match arg(c, 0) {
        ValueRef::Integer(_) | ValueRef::Real(_) => true,
        ValueRef::Text(_) => {
            let t = text_arg(c, 0).unwrap_or_default();
            let t = t.trim().trim_start_matches(['$', '+', '-']);
            !t.is_empty() && t.parse::<f64>().is_ok()
        }
        _ => false,
    };
    Ok(Value::Integer(ok as i64))
}

fn type_word(t: Option<SqlType>) -> &'static str {
    match t {
        Some(t) if t.is_unicode() => "nvarchar",
        Some(t) => t.name(),
        None => "varchar",
    }
}

fn conversion_failed(value: &str, source: Option<SqlType>, target: &SqlType) -> SqlError {
    SqlError::new(
        245,
        16,
        format!(
            "Conversion failed when converting the {} value '{value}' to data type {}.",
            type_word(source),
            target.name()
        ),
    )
}

fn overflow(source: Option<SqlType>, target: &SqlType) -> SqlError {
    let from = match source {
        Some(t) if t.is_integer() => t.name(),
        Some(SqlType::Decimal { .. }) => "numeric",
        Some(t) if t.is_character() => "expression",
        _ => "expression",
    };
    let to = if matches!(target, SqlType::Decimal { .. }) { "numeric" } else { target.name() };
    SqlError::new(8115, 16, format!("Arithmetic overflow error converting {from} to data type {to}."))
}

/// Converts one SQLite value of SQL Server type `source` to `target`'s storage form.
pub fn convert_value(
    target: &SqlType,
    v: ValueRef<'_>,
    style: Option<i64>,
    source: Option<SqlType>,
) -> Result<Value, SqlError> {
    if let ValueRef::Null = v {
        return Ok(Value::Null);
    }
    use SqlType as T;
    match target {
        T::TinyInt | T::SmallInt | T::Int | T::BigInt => to_integer(target, v, source),
        T::Bit => to_bit(v, source),
        T::Real | T::Float => to_float(target, v, source),
        T::Decimal { scale, .. } => to_decimal(target, *scale, v, source),
        T::Money | T::SmallMoney => to_decimal(target, 4, v, source),
        t if t.is_character() || *t == T::Xml => {
            Ok(Value::Text(fit_string(target, to_string(v, style, source)?)))
        }
        T::Binary(_) | T::VarBinary(_) | T::Image if matches!(v, ValueRef::Integer(_)) => {
            Ok(Value::Blob(fit_number_binary(target, to_binary(v, style, source)?)))
        }
        T::Binary(_) | T::VarBinary(_) | T::Image => {
            Ok(Value::Blob(fit_binary(target, to_binary(v, style, source)?)))
        }
        T::UniqueIdentifier => to_guid(v),
        _ => to_temporal(target, v, style, source),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn conversions_by_target() {
        let c = conn();
        assert_eq!(int(&c, "tsql_convert('int', ' 42 ', NULL, 'varchar(10)')"), 42);
        assert_eq!(int(&c, "tsql_convert('int', 2.7, NULL, 'float')"), 2);
        let e = eval(&c, "tsql_convert('int', 'abc', NULL, 'varchar(3)')").unwrap_err();
        let e = super::super::sql_error(&e).unwrap();
        assert_eq!(e.number, 245);
        assert_eq!(e.message, "Conversion failed when converting the varchar value 'abc' to data type int.");
        assert!(eval(&c, "tsql_convert('tinyint', 300, NULL, 'int')").is_err());
        assert_eq!(eval(&c, "tsql_try_convert('int', 'abc', NULL, 'varchar(3)')").unwrap(), Value::Null);
        assert_eq!(
            eval(&c, "tsql_convert('decimal(10,2)', '1.005', NULL, 'varchar(5)')").unwrap(),
            Value::Real(1.01)
        );
        assert_eq!(
            eval(&c, "tsql_convert('decimal(38,10)', '12345678901234567890.5', NULL, 'varchar(30)')")
                .unwrap(),
            Value::Text("12345678901234567890.5000000000".into())
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1230000', NULL, 'datetime')"),
            "Jan  5 2024  1:04PM"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1230000', 120, 'datetime')"),
            "2024-01-05 13:04:05"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1230000', 121, 'datetime')"),
            "2024-01-05 13:04:05.123"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1230000', 126, 'datetime')"),
            "2024-01-05T13:04:05.123"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(30)', '2024-01-05 13:04:05.1234567', NULL, 'datetime2(7)')"),
            "2024-01-05 13:04:05.1234567"
        );
        assert_eq!(
            text(&c, "tsql_convert('varchar(10)', '2024-01-05 00:00:00', 101, 'datetime')"),
            "01/05/2024"
        );
        assert_eq!(text(&c, "tsql_convert('varchar(10)', '2024-01-05', 103, 'date')"), "05/01/2024");
        assert_eq!(text(&c, "tsql_convert('varchar(8)', '2024-01-05', 112, 'date')"), "20240105");
        assert_eq!(text(&c, "tsql_convert('char(5)', 'ab', NULL, 'varchar(2)')"), "ab   ");
        assert_eq!(text(&c, "tsql_convert('varchar(2)', 'abc', NULL, 'varchar(3)')"), "ab");
        assert_eq!(
            text(&c, "tsql_convert('datetime', '20240105', NULL, 'varchar(8)')"),
            "2024-01-05 00:00:00.0000000"
        );
        assert_eq!(text(&c, "tsql_convert('date', '05/01/2024', 103, 'varchar(10)')"), "2024-01-05");
        assert_eq!(
            text(&c, "tsql_convert('datetime2(3)', '2024-01-05 10:00:00.12345', NULL, 'varchar(30)')"),
            "2024-01-05 10:00:00.1230000"
        );
        assert_eq!(
            text(
                &c,
                "tsql_convert('uniqueidentifier', '6f9619ff-8b86-d011-b42d-00c04fc964ff', NULL, 'varchar(36)')"
            ),
            "6F9619FF-8B86-D011-B42D-00C04FC964FF"
        );
        assert_eq!(text(&c, "tsql_convert('varchar(10)', X'0AFF', 1, 'varbinary(2)')"), "0x0AFF");
        let blob = |sql: &str| eval(&c, sql).unwrap();
        assert_eq!(
            blob("tsql_convert('varbinary(max)', X'0102', NULL, 'binary(4)')"),
            Value::Blob(vec![1, 2, 0, 0])
        );
        assert_eq!(blob("tsql_convert('binary(4)', 6, NULL, 'bigint')"), Value::Blob(vec![0, 0, 0, 6]));
        assert_eq!(
            blob("tsql_convert('binary(8)', 1, NULL, 'int')"),
            Value::Blob(vec![0, 0, 0, 0, 0, 0, 0, 1])
        );
        assert_eq!(blob("tsql_convert('binary(1)', 258, NULL, 'int')"), Value::Blob(vec![2]));
        let bin_int = |sql: &str| match eval(&c, sql).unwrap() {
            Value::Integer(n) => n,
            other => panic!("{sql}: {other:?}"),
        };
        assert_eq!(
            bin_int("tsql_convert('bigint', X'CA00000000000001', NULL, 'binary(8)')"),
            0xCA00000000000001u64 as i64
        );
        assert_eq!(bin_int("tsql_convert('int', X'FFFFFFFF', NULL, 'binary(4)')"), -1);
        assert_eq!(bin_int("tsql_convert('int', X'01FFFFFFFE', NULL, 'binary(5)')"), -2);
        assert_eq!(bin_int("tsql_convert('tinyint', X'01FF', NULL, 'binary(2)')"), 255);
        assert_eq!(bin_int("tsql_convert('bigint', X'0102', NULL, 'binary(2)')"), 0x0102);
        assert_eq!(text(&c, "tsql_convert('varchar(10)', X'0AFF', 2, 'varbinary(2)')"), "0AFF");
        assert_eq!(
            eval(&c, "tsql_convert('varbinary(4)', 1, NULL, 'int')").unwrap(),
            Value::Blob(vec![0, 0, 0, 1])
        );
        assert_eq!(
            eval(&c, "tsql_convert('varbinary(10)', 'ab', NULL, 'nvarchar(2)')").unwrap(),
            Value::Blob(vec![b'a', 0, b'b', 0])
        );
        assert_eq!(text(&c, "tsql_convert('varchar(30)', 1.5, NULL, 'decimal(10,2)')"), "1.50");
        assert_eq!(text(&c, "tsql_convert('varchar(30)', 123456789.0, NULL, 'float')"), "1.23457e+008");
        assert_eq!(text(&c, "tsql_convert('varchar(30)', 1234567.891, 1, 'money')"), "1,234,567.89");
        assert_eq!(int(&c, "tsql_convert('bit', 'true', NULL, 'varchar(4)')"), 1);
        assert_eq!(int(&c, "tsql_isnumeric('12.5')"), 1);
        assert_eq!(int(&c, "tsql_isnumeric('x')"), 0);
    }
}
