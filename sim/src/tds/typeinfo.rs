//! TYPE_INFO: how each SQL Server type is described on the wire (MS-TDS 2.2.5.4-2.2.5.6).
//!
//! [`RULES`] is the one table of type codes: the layout of each code's TYPE_INFO, how its
//! values are length-prefixed, and what kind of data they carry. [`TypeInfo::of`] maps every
//! [`SqlType`] to the nullable variable-length form the server sends (INTN, DECIMALN, NVARCHAR
//! with a 0xFFFF maximum for MAX, ...); [`TypeInfo::decode`] reads any form a client sends,
//! including the fixed-length legacy codes and TEXT/NTEXT/IMAGE/XML.
//!
//! Forms sent for types without their own wire form: text → varchar(max), ntext and xml →
//! nvarchar(max), image → varbinary(max), sysname → nvarchar(128).

use super::COLLATION;
use super::wire::{Reader, invalid};
use crate::types::{Len, SqlType};
use bytes::{BufMut, BytesMut};
use std::io;

/// Type codes.
pub mod code {
    pub const NULL: u8 = 0x1F;
    pub const INT1: u8 = 0x30;
    pub const BIT: u8 = 0x32;
    pub const INT2: u8 = 0x34;
    pub const INT4: u8 = 0x38;
    pub const DATETIM4: u8 = 0x3A;
    pub const FLT4: u8 = 0x3B;
    pub const MONEY: u8 = 0x3C;
    pub const DATETIME: u8 = 0x3D;
    pub const FLT8: u8 = 0x3E;
    pub const MONEY4: u8 = 0x7A;
    pub const INT8: u8 = 0x7F;
    pub const GUID: u8 = 0x24;
    pub const INTN: u8 = 0x26;
    pub const BITN: u8 = 0x68;
    pub const DECIMALN: u8 = 0x6A;
    pub const NUMERICN: u8 = 0x6C;
    pub const FLTN: u8 = 0x6D;
    pub const MONEYN: u8 = 0x6E;
    pub const DATETIMN: u8 = 0x6F;
    pub const DATEN: u8 = 0x28;
    pub const TIMEN: u8 = 0x29;
    pub const DATETIME2N: u8 = 0x2A;
    pub const DATETIMEOFFSETN: u8 = 0x2B;
    pub const BIGVARBIN: u8 = 0xA5;
    pub const BIGVARCHR: u8 = 0xA7;
    pub const BIGBINARY: u8 = 0xAD;
    pub const BIGCHAR: u8 = 0xAF;
    pub const NVARCHAR: u8 = 0xE7;
    pub const NCHAR: u8 = 0xEF;
    pub const XML: u8 = 0xF1;
    pub const TEXT: u8 = 0x23;
    pub const IMAGE: u8 = 0x22;
    pub const NTEXT: u8 = 0x63;
}

/// The 2-byte maximum length that marks a MAX type (its values are PLP).
pub const MAX_LEN: u16 = 0xFFFF;

/// What follows the type code in TYPE_INFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Nothing: a fixed-length type of this many bytes.
    Fixed(u8),
    /// A 1-byte maximum value length (INTN, FLTN, GUID, ...).
    ByteLen,
    /// A 1-byte length, precision and scale (DECIMALN, NUMERICN).
    Decimal,
    /// A scale byte (TIMEN, DATETIME2N, DATETIMEOFFSETN).
    Scale,
    /// Nothing (DATEN).
    Bare,
    /// A 2-byte maximum length (0xFFFF = MAX), then a collation if `collation`.
    UShort { collation: bool },
    /// A 4-byte maximum length, then a collation if `collation` (TEXT, NTEXT, IMAGE).
    Long { collation: bool },
    /// A schema-present byte, and if 1 the schema names (XML).
    Xml,
}

/// What a value's bytes mean, once its length prefix is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Int,
    Bit,
    Float,
    Money,
    DateTime,
    Decimal,
    Guid,
    Date,
    Time,
    DateTime2,
    DateTimeOffset,
    /// Code-page (Windows-1252) characters.
    Ansi,
    /// UTF-16LE characters.
    Utf16,
    Binary,
}

/// One row of the type-code table.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub code: u8,
    pub name: &'static str,
    pub layout: Layout,
    pub kind: Kind,
}

const fn rule(code: u8, name: &'static str, layout: Layout, kind: Kind) -> Rule {
    Rule { code, name, layout, kind }
}

const CHARS: Layout = Layout::UShort { collation: true };
const BYTES: Layout = Layout::UShort { collation: false };

/// Every type code the codec reads or writes.
pub const RULES: &[Rule] = &[
    rule(code::NULL, "NULLTYPE", Layout::Fixed(0), Kind::Null),
    rule(code::INT1, "INT1", Layout::Fixed(1), Kind::Int),
    rule(code::BIT, "BIT", Layout::Fixed(1), Kind::Bit),
    rule(code::INT2, "INT2", Layout::Fixed(2), Kind::Int),
    rule(code::INT4, "INT4", Layout::Fixed(4), Kind::Int),
    rule(code::DATETIM4, "DATETIM4", Layout::Fixed(4), Kind::DateTime),
    rule(code::FLT4, "FLT4", Layout::Fixed(4), Kind::Float),
    rule(code::MONEY, "MONEY", Layout::Fixed(8), Kind::Money),
    rule(code::DATETIME, "DATETIME", Layout::Fixed(8), Kind::DateTime),
    rule(code::FLT8, "FLT8", Layout::Fixed(8), Kind::Float),
    rule(code::MONEY4, "MONEY4", Layout::Fixed(4), Kind::Money),
    rule(code::INT8, "INT8", Layout::Fixed(8), Kind::Int),
    rule(code::GUID, "GUIDTYPE", Layout::ByteLen, Kind::Guid),
    rule(code::INTN, "INTN", Layout::ByteLen, Kind::Int),
    rule(code::BITN, "BITN", Layout::ByteLen, Kind::Bit),
    rule(code::DECIMALN, "DECIMALN", Layout::Decimal, Kind::Decimal),
    rule(code::NUMERICN, "NUMERICN", Layout::Decimal, Kind::Decimal),
    rule(code::FLTN, "FLTN", Layout::ByteLen, Kind::Float),
    rule(code::MONEYN, "MONEYN", Layout::ByteLen, Kind::Money),
    rule(code::DATETIMN, "DATETIMN", Layout::ByteLen, Kind::DateTime),
    rule(code::DATEN, "DATEN", Layout::Bare, Kind::Date),
    rule(code::TIMEN, "TIMEN", Layout::Scale, Kind::Time),
    rule(code::DATETIME2N, "DATETIME2N", Layout::Scale, Kind::DateTime2),
    rule(code::DATETIMEOFFSETN, "DATETIMEOFFSETN", Layout::Scale, Kind::DateTimeOffset),
    rule(code::BIGVARBIN, "BIGVARBIN", BYTES, Kind::Binary),
    rule(code::BIGVARCHR, "BIGVARCHR", CHARS, Kind::Ansi),
    rule(code::BIGBINARY, "BIGBINARY", BYTES, Kind::Binary),
    rule(code::BIGCHAR, "BIGCHAR", CHARS, Kind::Ansi),
    rule(code::NVARCHAR, "NVARCHAR", CHARS, Kind::Utf16),
    rule(code::NCHAR, "NCHAR", CHARS, Kind::Utf16),
    rule(code::TEXT, "TEXT", Layout::Long { collation: true }, Kind::Ansi),
    rule(code::NTEXT, "NTEXT", Layout::Long { collation: true }, Kind::Utf16),
    rule(code::IMAGE, "IMAGE", Layout::Long { collation: false }, Kind::Binary),
    rule(code::XML, "XML", Layout::Xml, Kind::Utf16),
];

/// The rule for a type code.
pub fn rule_for(code: u8) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// How a value of a TYPE_INFO is length-prefixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// No prefix: exactly this many bytes; never NULL.
    Fixed(u8),
    /// 1-byte length; 0 = NULL.
    Byte,
    /// 2-byte length; 0xFFFF = NULL.
    UShort,
    /// 4-byte length; -1 = NULL (TEXT/NTEXT/IMAGE parameters).
    Long,
    /// Partially length-prefixed: u64 total (or unknown), chunks, 0 terminator; all-ones = NULL.
    Plp,
}

/// A TYPE_INFO: type code and facets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeInfo {
    pub code: u8,
    /// The maximum value length: bytes for fixed, …N, char and binary types (0xFFFF = MAX);
    /// 0 where the layout has none.
    pub len: u32,
    pub precision: u8,
    /// Scale of DECIMALN/NUMERICN and of the time types.
    pub scale: u8,
    pub collation: Option<[u8; 5]>,
}

impl TypeInfo {
    fn new(code: u8, len: u32) -> Self {
        TypeInfo { code, len, precision: 0, scale: 0, collation: None }
    }

    fn chars(code: u8, len: u16) -> Self {
        TypeInfo { collation: Some(COLLATION), ..TypeInfo::new(code, len as u32) }
    }

    fn scaled(code: u8, scale: u8) -> Self {
        TypeInfo { scale: scale.min(7), ..TypeInfo::new(code, 0) }
    }

    /// The form the server sends for `ty` in COLMETADATA and RETURNVALUE.
    pub fn of(ty: &SqlType) -> Self {
        use SqlType as T;
        use code::*;
        match *ty {
            T::TinyInt => TypeInfo::new(INTN, 1),
            T::SmallInt => TypeInfo::new(INTN, 2),
            T::Int => TypeInfo::new(INTN, 4),
            T::BigInt => TypeInfo::new(INTN, 8),
            T::Bit => TypeInfo::new(BITN, 1),
            T::Real => TypeInfo::new(FLTN, 4),
            T::Float => TypeInfo::new(FLTN, 8),
            T::Decimal { precision, scale } => {
                let precision = precision.clamp(1, 38);
                TypeInfo {
                    precision,
                    scale: scale.min(precision),
                    ..TypeInfo::new(DECIMALN, super::numeric::decimal_len(precision) as u32)
                }
            }
            T::Money => TypeInfo::new(MONEYN, 8),
            T::SmallMoney => TypeInfo::new(MONEYN, 4),
            T::Char(n) if n <= 8000 => TypeInfo::chars(BIGCHAR, n.max(1)),
            T::VarChar(Len::N(n)) if n <= 8000 => TypeInfo::chars(BIGVARCHR, n.max(1)),
            T::Char(_) | T::VarChar(_) | T::Text => TypeInfo::chars(BIGVARCHR, MAX_LEN),
            T::NChar(n) if n <= 4000 => TypeInfo::chars(NCHAR, n.max(1) * 2),
            T::NVarChar(Len::N(n)) if n <= 4000 => TypeInfo::chars(NVARCHAR, n.max(1) * 2),
            T::SysName => TypeInfo::chars(NVARCHAR, 256),
            T::NChar(_) | T::NVarChar(_) | T::NText | T::Xml => TypeInfo::chars(NVARCHAR, MAX_LEN),
            T::Binary(n) if n <= 8000 => TypeInfo::new(BIGBINARY, n.max(1) as u32),
            T::VarBinary(Len::N(n)) if n <= 8000 => TypeInfo::new(BIGVARBIN, n.max(1) as u32),
            T::Binary(_) | T::VarBinary(_) | T::Image => TypeInfo::new(BIGVARBIN, MAX_LEN as u32),
            T::Date => TypeInfo::new(DATEN, 3),
            T::Time(s) => TypeInfo::scaled(TIMEN, s),
            T::DateTime2(s) => TypeInfo::scaled(DATETIME2N, s),
            T::DateTimeOffset(s) => TypeInfo::scaled(DATETIMEOFFSETN, s),
            T::DateTime => TypeInfo::new(DATETIMN, 8),
            T::SmallDateTime => TypeInfo::new(DATETIMN, 4),
            T::UniqueIdentifier => TypeInfo::new(GUID, 16),
        }
    }

    /// The table row for this code (every constructed `TypeInfo` has one).
    pub fn rule(&self) -> &'static Rule {
        rule_for(self.code).unwrap_or(&RULES[0])
    }

    pub fn kind(&self) -> Kind {
        self.rule().kind
    }

    /// How values of this type are length-prefixed.
    pub fn prefix(&self) -> Prefix {
        match self.rule().layout {
            Layout::Fixed(n) => Prefix::Fixed(n),
            Layout::ByteLen | Layout::Decimal | Layout::Scale | Layout::Bare => Prefix::Byte,
            Layout::UShort { .. } if self.len == MAX_LEN as u32 => Prefix::Plp,
            Layout::UShort { .. } => Prefix::UShort,
            Layout::Long { .. } => Prefix::Long,
            Layout::Xml => Prefix::Plp,
        }
    }

    /// Appends the TYPE_INFO bytes.
    pub fn encode(&self, dst: &mut BytesMut) {
        dst.put_u8(self.code);
        match self.rule().layout {
            Layout::Fixed(_) | Layout::Bare => {}
            Layout::ByteLen => dst.put_u8(self.len as u8),
            Layout::Decimal => dst.put_slice(&[self.len as u8, self.precision, self.scale]),
            Layout::Scale => dst.put_u8(self.scale),
            Layout::UShort { collation } => {
                dst.put_u16_le(self.len as u16);
                if collation {
                    dst.put_slice(&self.collation.unwrap_or(COLLATION));
                }
            }
            Layout::Long { collation } => {
                dst.put_u32_le(self.len);
                if collation {
                    dst.put_slice(&self.collation.unwrap_or(COLLATION));
                }
            }
            Layout::Xml => dst.put_u8(0),
        }
    }

    /// Reads a TYPE_INFO a client sent (RPC parameters), validating its facets.
    pub fn decode(r: &mut Reader<'_>) -> io::Result<Self> {
        let code = r.u8()?;
        if code == 0xF3 {
            return Err(invalid("table-valued parameters (TVP_TYPE 0xF3) are not supported"));
        }
        let rule = rule_for(code).ok_or_else(|| invalid(format!("unsupported TDS type code {code:#04x}")))?;
        let mut ti = TypeInfo::new(code, 0);
        match rule.layout {
            Layout::Fixed(n) => ti.len = n as u32,
            Layout::ByteLen => ti.len = r.u8()? as u32,
            Layout::Decimal => {
                ti.len = r.u8()? as u32;
                ti.precision = r.u8()?;
                ti.scale = r.u8()?;
            }
            Layout::Scale => ti.scale = r.u8()?,
            Layout::Bare => ti.len = 3,
            Layout::UShort { collation } => {
                ti.len = r.u16_le()? as u32;
                ti.collation = collation.then(|| read_collation(r)).transpose()?;
            }
            Layout::Long { collation } => {
                ti.len = r.u32_le()?;
                ti.collation = collation.then(|| read_collation(r)).transpose()?;
            }
            Layout::Xml => {
                if r.u8()? != 0 {
                    r.b_varchar()?;
                    r.b_varchar()?;
                    r.us_varchar()?;
                }
                ti.len = MAX_LEN as u32;
            }
        }
        ti.validate(rule)?;
        Ok(ti)
    }

    fn validate(&self, rule: &Rule) -> io::Result<()> {
        let ok = match (rule.layout, rule.kind) {
            (Layout::ByteLen, Kind::Int) => matches!(self.len, 1 | 2 | 4 | 8),
            (Layout::ByteLen, Kind::Bit) => self.len == 1,
            (Layout::ByteLen, Kind::Float | Kind::Money | Kind::DateTime) => matches!(self.len, 4 | 8),
            (Layout::ByteLen, Kind::Guid) => self.len == 16,
            (Layout::Decimal, _) => {
                (1..=17).contains(&self.len)
                    && (1..=38).contains(&self.precision)
                    && self.scale <= self.precision
            }
            (Layout::Scale, _) => self.scale <= 7,
            _ => true,
        };
        if ok { Ok(()) } else { Err(invalid(format!("invalid TYPE_INFO for {}: {self:?}", rule.name))) }
    }

    /// The SQL Server type a client's TYPE_INFO declares.
    pub fn sql_type(&self) -> SqlType {
        use SqlType as T;
        use code::*;
        let var_len = |n: u32| if n == MAX_LEN as u32 { Len::Max } else { Len::N(n as u16) };
        match (self.kind(), self.len) {
            (Kind::Null, _) => T::Int,
            (Kind::Int, 1) => T::TinyInt,
            (Kind::Int, 2) => T::SmallInt,
            (Kind::Int, 4) => T::Int,
            (Kind::Int, _) => T::BigInt,
            (Kind::Bit, _) => T::Bit,
            (Kind::Float, 4) => T::Real,
            (Kind::Float, _) => T::Float,
            (Kind::Money, 4) => T::SmallMoney,
            (Kind::Money, _) => T::Money,
            (Kind::DateTime, 4) => T::SmallDateTime,
            (Kind::DateTime, _) => T::DateTime,
            (Kind::Decimal, _) => T::Decimal { precision: self.precision, scale: self.scale },
            (Kind::Guid, _) => T::UniqueIdentifier,
            (Kind::Date, _) => T::Date,
            (Kind::Time, _) => T::Time(self.scale),
            (Kind::DateTime2, _) => T::DateTime2(self.scale),
            (Kind::DateTimeOffset, _) => T::DateTimeOffset(self.scale),
            (_, n) => match self.code {
                BIGCHAR => T::Char(n.min(8000) as u16),
                BIGVARCHR => T::VarChar(var_len(n)),
                NCHAR => T::NChar((n / 2).min(4000) as u16),
                NVARCHAR => T::NVarChar(if n == MAX_LEN as u32 { Len::Max } else { Len::N((n / 2) as u16) }),
                BIGBINARY => T::Binary(n.min(8000) as u16),
                BIGVARBIN => T::VarBinary(var_len(n)),
                TEXT => T::Text,
                NTEXT => T::NText,
                IMAGE => T::Image,
                _ => T::Xml,
            },
        }
    }
}

fn read_collation(r: &mut Reader<'_>) -> io::Result<[u8; 5]> {
    let mut c = [0u8; 5];
    c.copy_from_slice(r.take(5)?);
    Ok(c)
}

/// Appends the TYPE_INFO the server sends for `ty`.
pub fn write_type_info(dst: &mut BytesMut, ty: &SqlType) {
    TypeInfo::of(ty).encode(dst);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One of every SqlType, with edge facets.
    pub(crate) fn all_types() -> Vec<SqlType> {
        use SqlType as T;
        vec![
            T::TinyInt,
            T::SmallInt,
            T::Int,
            T::BigInt,
            T::Bit,
            T::Real,
            T::Float,
            T::Decimal { precision: 38, scale: 10 },
            T::Decimal { precision: 5, scale: 2 },
            T::Decimal { precision: 18, scale: 0 },
            T::Money,
            T::SmallMoney,
            T::Char(10),
            T::VarChar(Len::N(50)),
            T::VarChar(Len::Max),
            T::NChar(4),
            T::NVarChar(Len::N(60)),
            T::NVarChar(Len::Max),
            T::Text,
            T::NText,
            T::Binary(16),
            T::VarBinary(Len::N(100)),
            T::VarBinary(Len::Max),
            T::Image,
            T::Date,
            T::Time(7),
            T::Time(0),
            T::DateTime,
            T::SmallDateTime,
            T::DateTime2(7),
            T::DateTime2(3),
            T::DateTimeOffset(7),
            T::DateTimeOffset(2),
            T::UniqueIdentifier,
            T::Xml,
            T::SysName,
        ]
    }

    /// The type a client reads back for `ty` (the forms substituted on the wire).
    pub(crate) fn wire_equivalent(ty: &SqlType) -> SqlType {
        use SqlType as T;
        match *ty {
            T::Text => T::VarChar(Len::Max),
            T::NText | T::Xml => T::NVarChar(Len::Max),
            T::Image => T::VarBinary(Len::Max),
            T::SysName => T::NVarChar(Len::N(128)),
            other => other,
        }
    }

    #[test]
    fn every_type_info_round_trips_and_is_consumed() {
        for ty in all_types() {
            let mut buf = BytesMut::new();
            write_type_info(&mut buf, &ty);
            let mut r = Reader::new(&buf);
            let ti = TypeInfo::decode(&mut r).unwrap();
            r.expect_end("TYPE_INFO").unwrap();
            assert_eq!(ti, TypeInfo::of(&ty), "{ty:?}");
            assert_eq!(ti.sql_type(), wire_equivalent(&ty), "{ty:?}");
        }
    }

    #[test]
    fn exact_type_info_bytes() {
        let cases: &[(SqlType, &[u8])] = &[
            (SqlType::Int, &[0x26, 4]),
            (SqlType::Bit, &[0x68, 1]),
            (SqlType::Decimal { precision: 18, scale: 4 }, &[0x6A, 9, 18, 4]),
            (SqlType::NVarChar(Len::N(60)), &[0xE7, 120, 0, 0x09, 0x04, 0xD0, 0x00, 0x34]),
            (SqlType::VarChar(Len::Max), &[0xA7, 0xFF, 0xFF, 0x09, 0x04, 0xD0, 0x00, 0x34]),
            (SqlType::VarBinary(Len::Max), &[0xA5, 0xFF, 0xFF]),
            (SqlType::Date, &[0x28]),
            (SqlType::DateTime2(7), &[0x2A, 7]),
            (SqlType::DateTime, &[0x6F, 8]),
            (SqlType::UniqueIdentifier, &[0x24, 16]),
        ];
        for (ty, bytes) in cases {
            let mut buf = BytesMut::new();
            write_type_info(&mut buf, ty);
            assert_eq!(&buf[..], *bytes, "{ty:?}");
        }
    }

    #[test]
    fn client_legacy_forms_decode() {
        let cases: &[(&[u8], SqlType)] = &[
            (&[0x38], SqlType::Int),
            (&[0x7F], SqlType::BigInt),
            (&[0x30], SqlType::TinyInt),
            (&[0x3E], SqlType::Float),
            (&[0x3D], SqlType::DateTime),
            (&[0x3C], SqlType::Money),
            (&[0x6C, 17, 38, 5], SqlType::Decimal { precision: 38, scale: 5 }),
            (&[0x63, 0xFF, 0xFF, 0xFF, 0x7F, 9, 4, 0xD0, 0, 0x34], SqlType::NText),
            (&[0x22, 0xFF, 0xFF, 0xFF, 0x7F], SqlType::Image),
            (&[0xF1, 0], SqlType::Xml),
        ];
        for (bytes, ty) in cases {
            let mut r = Reader::new(bytes);
            let ti = TypeInfo::decode(&mut r).unwrap();
            r.expect_end("TYPE_INFO").unwrap();
            assert_eq!(ti.sql_type(), *ty);
        }
    }

    #[test]
    fn invalid_type_info_is_an_error() {
        for bytes in
            [&[0x26, 3][..], &[0x6A, 17, 39, 0], &[0x6A, 17, 10, 11], &[0x2A, 8], &[0x99], &[0xE7, 1]]
        {
            assert!(TypeInfo::decode(&mut Reader::new(bytes)).is_err(), "{bytes:?}");
        }
    }
}
