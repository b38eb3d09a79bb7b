//! Type names: parsing `nvarchar(50)`, `decimal(18, 2)`, `datetime2(7)` and printing them back,
//! plus the facets the catalog views show (system_type_id, max_length, precision, scale).

use super::{Len, SqlType};

/// One row of the type table: name, sys.types system_type_id, and how its facets are read.
struct TypeRow {
    name: &'static str,
    system_type_id: u8,
}

const TYPES: &[TypeRow] = &[
    TypeRow { name: "image", system_type_id: 34 },
    TypeRow { name: "text", system_type_id: 35 },
    TypeRow { name: "uniqueidentifier", system_type_id: 36 },
    TypeRow { name: "date", system_type_id: 40 },
    TypeRow { name: "time", system_type_id: 41 },
    TypeRow { name: "datetime2", system_type_id: 42 },
    TypeRow { name: "datetimeoffset", system_type_id: 43 },
    TypeRow { name: "tinyint", system_type_id: 48 },
    TypeRow { name: "smallint", system_type_id: 52 },
    TypeRow { name: "int", system_type_id: 56 },
    TypeRow { name: "smalldatetime", system_type_id: 58 },
    TypeRow { name: "real", system_type_id: 59 },
    TypeRow { name: "money", system_type_id: 60 },
    TypeRow { name: "datetime", system_type_id: 61 },
    TypeRow { name: "float", system_type_id: 62 },
    TypeRow { name: "ntext", system_type_id: 99 },
    TypeRow { name: "bit", system_type_id: 104 },
    TypeRow { name: "decimal", system_type_id: 106 },
    TypeRow { name: "numeric", system_type_id: 108 },
    TypeRow { name: "smallmoney", system_type_id: 122 },
    TypeRow { name: "bigint", system_type_id: 127 },
    TypeRow { name: "varbinary", system_type_id: 165 },
    TypeRow { name: "varchar", system_type_id: 167 },
    TypeRow { name: "binary", system_type_id: 173 },
    // rowversion's name in sys.types; its columns are binary(8) (runtime::rowversion).
    TypeRow { name: "timestamp", system_type_id: 189 },
    TypeRow { name: "char", system_type_id: 175 },
    TypeRow { name: "nvarchar", system_type_id: 231 },
    TypeRow { name: "nchar", system_type_id: 239 },
    TypeRow { name: "xml", system_type_id: 241 },
    TypeRow { name: "sysname", system_type_id: 231 },
];

/// Every type name the simulator knows, with its sys.types system_type_id.
pub fn all_type_names() -> impl Iterator<Item = (&'static str, u8)> {
    TYPES.iter().map(|t| (t.name, t.system_type_id))
}

impl SqlType {
    /// Parses a T-SQL type name with optional facets: `int`, `NVARCHAR(MAX)`, `decimal(18,2)`,
    /// `numeric`, `datetime2(3)`, `float(24)`, `[varchar](10)`, `character varying(5)`.
    pub fn parse(text: &str) -> Option<SqlType> {
        let cleaned: String = text.replace(['[', ']'], "");
        let cleaned = cleaned.trim().to_ascii_lowercase();
        let (name, args) = match cleaned.find('(') {
            Some(i) => {
                let close = cleaned.rfind(')')?;
                (cleaned[..i].trim().to_string(), split_args(&cleaned[i + 1..close]))
            }
            None => (cleaned.clone(), Vec::new()),
        };
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = |i: usize| args.get(i).and_then(|a| a.parse::<u32>().ok());
        let len = |default: u16| match args.first().map(String::as_str) {
            Some("max") => Some(Len::Max),
            Some(a) => a.parse::<u16>().ok().map(Len::N),
            None => Some(Len::N(default)),
        };
        let fixed = |default: u16| n(0).map(|v| v as u16).unwrap_or(default);
        Some(match name.as_str() {
            "tinyint" => SqlType::TinyInt,
            "smallint" => SqlType::SmallInt,
            "int" | "integer" => SqlType::Int,
            "bigint" => SqlType::BigInt,
            "bit" => SqlType::Bit,
            "real" => SqlType::Real,
            "float" | "double precision" => match n(0) {
                Some(p) if p <= 24 => SqlType::Real,
                _ => SqlType::Float,
            },
            "decimal" | "numeric" | "dec" => {
                let precision = n(0).unwrap_or(18) as u8;
                let scale = n(1).unwrap_or(0) as u8;
                if precision == 0 || precision > 38 || scale > precision {
                    return None;
                }
                SqlType::Decimal { precision, scale }
            }
            "money" => SqlType::Money,
            "smallmoney" => SqlType::SmallMoney,
            "char" | "character" => SqlType::Char(fixed(1)),
            "varchar" | "character varying" | "char varying" => SqlType::VarChar(len(1)?),
            "nchar" | "national character" | "national char" => SqlType::NChar(fixed(1)),
            "nvarchar" | "national character varying" | "national char varying" => SqlType::NVarChar(len(1)?),
            "sysname" => SqlType::SysName,
            "text" => SqlType::Text,
            "ntext" => SqlType::NText,
            "binary" => SqlType::Binary(fixed(1)),
            "varbinary" | "binary varying" => SqlType::VarBinary(len(1)?),
            "image" => SqlType::Image,
            "date" => SqlType::Date,
            "time" => SqlType::Time(n(0).unwrap_or(7) as u8),
            "datetime" => SqlType::DateTime,
            "smalldatetime" => SqlType::SmallDateTime,
            "datetime2" => SqlType::DateTime2(n(0).unwrap_or(7) as u8),
            "datetimeoffset" => SqlType::DateTimeOffset(n(0).unwrap_or(7) as u8),
            "uniqueidentifier" => SqlType::UniqueIdentifier,
            "xml" => SqlType::Xml,
            _ => return None,
        })
    }

    /// The base type name as sys.types shows it (`nvarchar`, `decimal`, `datetime2`).
    pub fn name(&self) -> &'static str {
        match self {
            SqlType::TinyInt => "tinyint",
            SqlType::SmallInt => "smallint",
            SqlType::Int => "int",
            SqlType::BigInt => "bigint",
            SqlType::Bit => "bit",
            SqlType::Real => "real",
            SqlType::Float => "float",
            SqlType::Decimal { .. } => "decimal",
            SqlType::Money => "money",
            SqlType::SmallMoney => "smallmoney",
            SqlType::Char(_) => "char",
            SqlType::VarChar(_) => "varchar",
            SqlType::NChar(_) => "nchar",
            SqlType::NVarChar(_) => "nvarchar",
            SqlType::Text => "text",
            SqlType::NText => "ntext",
            SqlType::Binary(_) => "binary",
            SqlType::VarBinary(_) => "varbinary",
            SqlType::Image => "image",
            SqlType::Date => "date",
            SqlType::Time(_) => "time",
            SqlType::DateTime => "datetime",
            SqlType::SmallDateTime => "smalldatetime",
            SqlType::DateTime2(_) => "datetime2",
            SqlType::DateTimeOffset(_) => "datetimeoffset",
            SqlType::UniqueIdentifier => "uniqueidentifier",
            SqlType::Xml => "xml",
            SqlType::SysName => "sysname",
        }
    }

    /// The full T-SQL spelling with facets: `nvarchar(50)`, `decimal(18,2)`, `varbinary(max)`.
    pub fn to_sql(&self) -> String {
        let len = |l: &Len| match l {
            Len::Max => "max".to_string(),
            Len::N(n) => n.to_string(),
        };
        match self {
            SqlType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            SqlType::Char(n) | SqlType::NChar(n) | SqlType::Binary(n) => {
                format!("{}({n})", self.name())
            }
            SqlType::VarChar(l) | SqlType::NVarChar(l) | SqlType::VarBinary(l) => {
                format!("{}({})", self.name(), len(l))
            }
            SqlType::Time(s) | SqlType::DateTime2(s) | SqlType::DateTimeOffset(s) => {
                format!("{}({s})", self.name())
            }
            _ => self.name().to_string(),
        }
    }

    /// sys.types / sys.columns `system_type_id`.
    pub fn system_type_id(&self) -> u8 {
        let name = match self {
            SqlType::SysName => "nvarchar",
            other => other.name(),
        };
        TYPES.iter().find(|t| t.name == name).map(|t| t.system_type_id).unwrap_or(0)
    }

    /// sys.columns `max_length`: bytes, -1 for MAX, 16 for text/ntext/image pointers.
    pub fn max_length(&self) -> i16 {
        match self {
            SqlType::TinyInt | SqlType::Bit => 1,
            SqlType::SmallInt => 2,
            SqlType::Int | SqlType::Real | SqlType::SmallMoney | SqlType::SmallDateTime => 4,
            SqlType::BigInt | SqlType::Float | SqlType::Money | SqlType::DateTime => 8,
            SqlType::Decimal { precision, .. } => decimal_bytes(*precision) as i16,
            SqlType::Char(n) | SqlType::Binary(n) => *n as i16,
            SqlType::NChar(n) => (*n as i16).saturating_mul(2),
            SqlType::VarChar(Len::N(n)) | SqlType::VarBinary(Len::N(n)) => *n as i16,
            SqlType::NVarChar(Len::N(n)) => (*n as i16).saturating_mul(2),
            SqlType::SysName => 256,
            SqlType::VarChar(Len::Max)
            | SqlType::NVarChar(Len::Max)
            | SqlType::VarBinary(Len::Max)
            | SqlType::Xml => -1,
            SqlType::Text | SqlType::NText | SqlType::Image => 16,
            SqlType::UniqueIdentifier => 16,
            SqlType::Date => 3,
            SqlType::Time(s) => time_bytes(*s) as i16,
            SqlType::DateTime2(s) => time_bytes(*s) as i16 + 3,
            SqlType::DateTimeOffset(s) => time_bytes(*s) as i16 + 5,
        }
    }

    /// sys.columns `precision`.
    pub fn precision(&self) -> u8 {
        match self {
            SqlType::TinyInt => 3,
            SqlType::SmallInt => 5,
            SqlType::Int => 10,
            SqlType::BigInt => 19,
            SqlType::Bit => 1,
            SqlType::Real => 24,
            SqlType::Float => 53,
            SqlType::Decimal { precision, .. } => *precision,
            SqlType::Money => 19,
            SqlType::SmallMoney => 10,
            SqlType::Date => 10,
            SqlType::Time(s) => {
                if *s == 0 {
                    8
                } else {
                    9 + s
                }
            }
            SqlType::DateTime => 23,
            SqlType::SmallDateTime => 16,
            SqlType::DateTime2(s) => {
                if *s == 0 {
                    19
                } else {
                    20 + s
                }
            }
            SqlType::DateTimeOffset(s) => {
                if *s == 0 {
                    26
                } else {
                    27 + s
                }
            }
            _ => 0,
        }
    }

    /// sys.columns `scale`.
    pub fn scale(&self) -> u8 {
        match self {
            SqlType::Decimal { scale, .. } => *scale,
            SqlType::Money | SqlType::SmallMoney => 4,
            SqlType::DateTime => 3,
            SqlType::Time(s) | SqlType::DateTime2(s) | SqlType::DateTimeOffset(s) => *s,
            _ => 0,
        }
    }

    /// Character types (they carry a collation).
    pub fn is_character(&self) -> bool {
        matches!(
            self,
            SqlType::Char(_)
                | SqlType::VarChar(_)
                | SqlType::NChar(_)
                | SqlType::NVarChar(_)
                | SqlType::Text
                | SqlType::NText
                | SqlType::SysName
        )
    }

    /// Unicode character types (UTF-16 on the wire).
    pub fn is_unicode(&self) -> bool {
        matches!(self, SqlType::NChar(_) | SqlType::NVarChar(_) | SqlType::NText | SqlType::SysName)
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt)
    }

    /// Date and time types (date, time, datetime, smalldatetime, datetime2, datetimeoffset).
    pub fn is_temporal(&self) -> bool {
        matches!(
            self,
            SqlType::Date
                | SqlType::Time(_)
                | SqlType::DateTime
                | SqlType::SmallDateTime
                | SqlType::DateTime2(_)
                | SqlType::DateTimeOffset(_)
        )
    }
}

/// Storage bytes of a decimal of this precision (5, 9, 13 or 17).
pub fn decimal_bytes(precision: u8) -> u8 {
    match precision {
        0..=9 => 5,
        10..=19 => 9,
        20..=28 => 13,
        _ => 17,
    }
}

/// Bytes of the time part for a fractional-seconds scale (3, 4 or 5).
pub fn time_bytes(scale: u8) -> u8 {
    match scale {
        0..=2 => 3,
        3..=4 => 4,
        _ => 5,
    }
}

fn split_args(s: &str) -> Vec<String> {
    s.split(',').map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_common_types() {
        for (text, printed) in [
            ("int", "int"),
            ("NVARCHAR(MAX)", "nvarchar(max)"),
            ("decimal(18, 2)", "decimal(18,2)"),
            ("numeric", "decimal(18,0)"),
            ("[varchar](10)", "varchar(10)"),
            ("datetime2", "datetime2(7)"),
            ("float(24)", "real"),
            ("char", "char(1)"),
        ] {
            assert_eq!(SqlType::parse(text).unwrap().to_sql(), printed, "{text}");
        }
        assert_eq!(SqlType::parse("decimal(39,2)"), None);
        assert_eq!(SqlType::parse("widget"), None);
    }

    #[test]
    fn facets_match_sys_columns() {
        let t = SqlType::parse("nvarchar(50)").unwrap();
        assert_eq!((t.system_type_id(), t.max_length()), (231, 100));
        let d = SqlType::parse("decimal(38,10)").unwrap();
        assert_eq!((d.max_length(), d.precision(), d.scale()), (17, 38, 10));
        assert_eq!(SqlType::DateTime2(7).max_length(), 8);
        assert_eq!(SqlType::VarBinary(Len::Max).max_length(), -1);
    }
}
