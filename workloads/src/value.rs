//! [`ParamValue`]: a typed parameter value, sent to the server as a typed RPC parameter.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Serialize;
use tiberius::{ColumnData, ToSql};

/// One typed parameter value. The variant decides the SQL Server type on the wire.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// NULL (sent as `nvarchar(4000)` NULL).
    Null,
    /// `bit`.
    Bit(bool),
    /// `tinyint`.
    TinyInt(u8),
    /// `smallint`.
    SmallInt(i16),
    /// `int`.
    Int(i32),
    /// `bigint`.
    BigInt(i64),
    /// `float`.
    Float(f64),
    /// `decimal(p, s)`.
    Decimal(Decimal),
    /// `nvarchar`.
    NVarChar(String),
    /// `date`.
    Date(NaiveDate),
    /// `datetime2`.
    DateTime(NaiveDateTime),
}

impl ToSql for ParamValue {
    fn to_sql(&self) -> ColumnData<'_> {
        match self {
            ParamValue::Null => ColumnData::String(None),
            ParamValue::Bit(v) => v.to_sql(),
            ParamValue::TinyInt(v) => v.to_sql(),
            ParamValue::SmallInt(v) => v.to_sql(),
            ParamValue::Int(v) => v.to_sql(),
            ParamValue::BigInt(v) => v.to_sql(),
            ParamValue::Float(v) => v.to_sql(),
            ParamValue::Decimal(v) => v.to_sql(),
            ParamValue::NVarChar(v) => v.to_sql(),
            ParamValue::Date(v) => v.to_sql(),
            ParamValue::DateTime(v) => v.to_sql(),
        }
    }
}

/// The integer SQL types a generator can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntType {
    /// `tinyint`
    TinyInt,
    /// `smallint`
    SmallInt,
    /// `int`
    Int,
    /// `bigint`
    BigInt,
}

impl IntType {
    /// Parses a SQL type name (`int`, `bigint`, `smallint`, `tinyint`).
    pub fn parse(name: &str) -> Option<IntType> {
        match name.to_ascii_lowercase().as_str() {
            "tinyint" => Some(IntType::TinyInt),
            "smallint" => Some(IntType::SmallInt),
            "int" => Some(IntType::Int),
            "bigint" => Some(IntType::BigInt),
            _ => None,
        }
    }

    /// The inclusive range of the type.
    pub fn range(self) -> (i64, i64) {
        match self {
            IntType::TinyInt => (0, 255),
            IntType::SmallInt => (i16::MIN.into(), i16::MAX.into()),
            IntType::Int => (i32::MIN.into(), i32::MAX.into()),
            IntType::BigInt => (i64::MIN, i64::MAX),
        }
    }

    /// The value as this type (callers keep `v` inside [`IntType::range`]).
    pub fn value(self, v: i64) -> ParamValue {
        match self {
            IntType::TinyInt => ParamValue::TinyInt(u8::try_from(v).unwrap_or(u8::MAX)),
            IntType::SmallInt => ParamValue::SmallInt(i16::try_from(v).unwrap_or(i16::MAX)),
            IntType::Int => ParamValue::Int(i32::try_from(v).unwrap_or(i32::MAX)),
            IntType::BigInt => ParamValue::BigInt(v),
        }
    }
}
