//! SQL Server's type system as the simulator sees it.
//!
//! [`SqlType`] is a column or parameter type with its length, precision and scale; [`Value`] is
//! a typed value (what RPC parameters decode into); [`Cell`] is a borrowed SQLite storage value
//! (what the engine hands to the TDS encoder, which converts it using the column's [`SqlType`]).
//! How each SQL Server type is stored in SQLite is decided in [`storage`], once.

mod names;
pub use names::all_type_names;
pub mod decimal;
pub mod storage;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Length of a variable-length type: a number (bytes for binary/varchar, characters for
/// nvarchar) or `MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Len {
    N(u16),
    Max,
}

/// A SQL Server data type with its facets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlType {
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Bit,
    Real,
    Float,
    /// `decimal` and `numeric` (the wire and storage are the same).
    Decimal {
        precision: u8,
        scale: u8,
    },
    Money,
    SmallMoney,
    Char(u16),
    VarChar(Len),
    NChar(u16),
    NVarChar(Len),
    Text,
    NText,
    Binary(u16),
    VarBinary(Len),
    Image,
    Date,
    /// `time(scale)`
    Time(u8),
    DateTime,
    SmallDateTime,
    /// `datetime2(scale)`
    DateTime2(u8),
    /// `datetimeoffset(scale)`
    DateTimeOffset(u8),
    UniqueIdentifier,
    Xml,
    /// `sysname` is `nvarchar(128) NOT NULL`; kept distinct only for display in catalogs.
    SysName,
}

/// A result-set or table column: name, type and nullability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: SqlType, nullable: bool) -> Self {
        Column { name: name.into(), ty, nullable }
    }
}

/// A typed value, as decoded from an RPC parameter or produced by the engine.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bit(bool),
    /// tinyint, smallint, int, bigint
    Int(i64),
    /// real and float
    Float(f64),
    /// decimal, numeric, money, smallmoney: `value / 10^scale`
    Decimal {
        value: i128,
        scale: u8,
    },
    Str(String),
    Bytes(Vec<u8>),
    Date(NaiveDate),
    Time(NaiveTime),
    /// datetime, smalldatetime, datetime2
    DateTime(NaiveDateTime),
    /// datetimeoffset: the local date-time and the offset in minutes
    DateTimeOffset(NaiveDateTime, i16),
    /// uniqueidentifier in canonical text order (the order its string form shows)
    Guid([u8; 16]),
}

/// A typed, named parameter of an RPC call (`@P1`, `@id`, ...). The name keeps its `@`.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: SqlType,
    pub value: Value,
    /// OUTPUT parameter (status flag 0x01)
    pub output: bool,
}

/// A borrowed SQLite storage value, mirroring `rusqlite::types::ValueRef` without the dependency.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}
