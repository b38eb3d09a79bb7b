//! The row encoding, built in T-SQL and mirrored in Rust.
//!
//! Each column becomes one *field*: a NULL is the single byte `0x00`; a value is its family's
//! tag byte (never 0), its payload length as 4 big-endian bytes, then the payload. Fields are
//! concatenated in column order and the row is `HASHBYTES('SHA2_256', fields)`. Framing makes
//! `('ab','c')` and `('a','bc')` differ, the tag makes NULL differ from `''`, and every payload
//! keeps full precision:
//!
//! | family | types | payload |
//! |---|---|---|
//! | integer (1) | bit, tinyint, smallint, int, bigint | `CONVERT(binary(8), CAST(x AS bigint))`, big-endian two's complement |
//! | decimal (2) | decimal, numeric, money, smallmoney | `CONVERT(varchar(50), x)` at the declared scale (money as decimal(19,4)) |
//! | float (3) | float, real | `CONVERT(binary(8), CAST(x AS float))`: the IEEE 754 bits, big-endian |
//! | text (4) | char, varchar, text, nchar, nvarchar, ntext, sysname, xml | UTF-16LE: `CAST(CAST(x AS nvarchar(max)) AS varbinary(max))` |
//! | binary (5) | binary, varbinary, image, hierarchyid, geometry, geography | the bytes |
//! | guid (6) | uniqueidentifier | `CONVERT(char(36), x)`, upper case |
//! | temporal (7) | date (style 23), datetime (121), smalldatetime (120), datetime2 and datetimeoffset (as scale 7, style 121), time (as time(7)) | the ASCII text |
//!
//! Never `FORMAT` (culture-dependent), never CHECKSUM/BINARY_CHECKSUM. `rowversion` differs
//! between any two databases by design and `sql_variant` has no fixed encoding: both are left
//! out and named in the report.

use sha2::{Digest, Sha256};

/// How a column is encoded (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Integer,
    Decimal,
    Money,
    Float,
    Text,
    Binary,
    Guid,
    Date,
    DateTime,
    SmallDateTime,
    DateTime2,
    DateTimeOffset,
    Time,
    /// Left out of the row hash (rowversion, sql_variant, unknown types).
    Excluded,
}

impl Family {
    /// The family of a type name as `sys.types` spells it.
    pub fn of(type_name: &str) -> Family {
        match type_name.to_ascii_lowercase().as_str() {
            "bit" | "tinyint" | "smallint" | "int" | "bigint" => Family::Integer,
            "decimal" | "numeric" => Family::Decimal,
            "money" | "smallmoney" => Family::Money,
            "float" | "real" => Family::Float,
            "char" | "varchar" | "text" | "nchar" | "nvarchar" | "ntext" | "sysname" | "xml" => Family::Text,
            "binary" | "varbinary" | "image" | "hierarchyid" | "geometry" | "geography" => Family::Binary,
            "uniqueidentifier" => Family::Guid,
            "date" => Family::Date,
            "datetime" => Family::DateTime,
            "smalldatetime" => Family::SmallDateTime,
            "datetime2" => Family::DateTime2,
            "datetimeoffset" => Family::DateTimeOffset,
            "time" => Family::Time,
            _ => Family::Excluded,
        }
    }

    /// The tag byte that starts a non-NULL field.
    pub fn tag(self) -> u8 {
        match self {
            Family::Integer => 1,
            Family::Decimal | Family::Money => 2,
            Family::Float => 3,
            Family::Text => 4,
            Family::Binary => 5,
            Family::Guid => 6,
            _ => 7,
        }
    }
}

/// The explicit relaxations, applied identically on both sides (and named in the report).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Relax {
    /// RTRIM text before hashing.
    pub trim_trailing_spaces: bool,
    /// UPPER text before hashing.
    pub case_insensitive: bool,
    /// ROUND floats to this many decimal places before hashing.
    pub float_decimals: Option<u8>,
}

/// `[name]` with `]` doubled.
pub fn quote_ident(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

/// `N'text'` with quotes doubled.
pub fn quote_nstr(text: &str) -> String {
    format!("N'{}'", text.replace('\'', "''"))
}

/// A text column as `nvarchar(max)`, with the text relaxations applied.
fn text_sql(col: &str, relax: &Relax) -> String {
    let mut text = format!("CAST({col} AS nvarchar(max))");
    if relax.trim_trailing_spaces {
        text = format!("RTRIM({text})");
    }
    if relax.case_insensitive {
        text = format!("UPPER({text})");
    }
    text
}

/// The T-SQL payload expression (varbinary) of a non-NULL value of `col`.
pub fn payload_sql(col: &str, type_name: &str, relax: &Relax) -> Option<String> {
    let family = Family::of(type_name);
    Some(match family {
        Family::Integer => format!("CONVERT(binary(8), CAST({col} AS bigint))"),
        Family::Decimal => format!("CAST(CONVERT(varchar(50), {col}) AS varbinary(50))"),
        Family::Money => format!("CAST(CONVERT(varchar(50), CAST({col} AS decimal(19,4))) AS varbinary(50))"),
        Family::Float => match relax.float_decimals {
            Some(d) => format!("CONVERT(binary(8), ROUND(CAST({col} AS float), {d}))"),
            None => format!("CONVERT(binary(8), CAST({col} AS float))"),
        },
        Family::Text => format!("CAST({} AS varbinary(max))", text_sql(col, relax)),
        Family::Binary => format!("CAST({col} AS varbinary(max))"),
        Family::Guid => format!("CAST(CONVERT(char(36), {col}) AS varbinary(36))"),
        Family::Date => format!("CAST(CONVERT(varchar(10), {col}, 23) AS varbinary(10))"),
        Family::DateTime => format!("CAST(CONVERT(varchar(23), {col}, 121) AS varbinary(23))"),
        Family::SmallDateTime => format!("CAST(CONVERT(varchar(19), {col}, 120) AS varbinary(19))"),
        Family::DateTime2 => {
            format!("CAST(CONVERT(varchar(27), CAST({col} AS datetime2(7)), 121) AS varbinary(27))")
        }
        Family::DateTimeOffset => {
            format!("CAST(CONVERT(varchar(34), CAST({col} AS datetimeoffset(7)), 121) AS varbinary(34))")
        }
        Family::Time => format!("CAST(CONVERT(varchar(16), CAST({col} AS time(7))) AS varbinary(16))"),
        Family::Excluded => return None,
    })
}

/// The payload length of families whose payload always has the same size (8-byte integers and
/// floats, 36-character GUIDs, fixed-style dates and times): the length is then a literal
/// rather than a second evaluation of the payload under DATALENGTH — the same bytes, half the
/// work per row.
fn fixed_len(family: Family) -> Option<u32> {
    Some(match family {
        Family::Integer | Family::Float => 8,
        Family::Guid => 36,
        Family::Date => 10,
        Family::DateTime => 23,
        Family::SmallDateTime => 19,
        Family::DateTime2 => 27,
        Family::DateTimeOffset => 34,
        Family::Time => 16,
        _ => return None,
    })
}

/// The T-SQL field expression: `0x00` for NULL, else tag + 4-byte length + payload.
pub fn field_sql(col: &str, type_name: &str, relax: &Relax) -> Option<String> {
    let payload = payload_sql(col, type_name, relax)?;
    let family = Family::of(type_name);
    let tag = family.tag();
    let head = match (fixed_len(family), family) {
        (Some(n), _) => format!("0x{tag:02X}{n:08X}"),
        // DATALENGTH of the nvarchar is the length of its UTF-16 bytes, without building them.
        (None, Family::Text) => {
            format!("0x{tag:02X} + CAST(DATALENGTH({}) AS binary(4))", text_sql(col, relax))
        }
        (None, _) => format!("0x{tag:02X} + CAST(DATALENGTH({payload}) AS binary(4))"),
    };
    Some(format!("CASE WHEN {col} IS NULL THEN 0x00 ELSE {head} + {payload} END"))
}

/// `HASHBYTES('SHA2_256', field1 + field2 + …)` over `(quoted column, type name)` pairs.
pub fn row_hash_sql(columns: &[(String, String)], relax: &Relax) -> String {
    let fields: Vec<String> = columns.iter().filter_map(|(c, t)| field_sql(c, t, relax)).collect();
    if fields.is_empty() {
        return "HASHBYTES('SHA2_256', 0x)".to_string();
    }
    format!("HASHBYTES('SHA2_256', {})", fields.join(" + "))
}

/// A value in the client-side reference encoding.
#[derive(Debug, Clone, PartialEq)]
pub enum RefValue {
    Null,
    Int(i64),
    /// Decimal or money as its full-scale text (`"12.3400"`).
    Decimal(String),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    /// uniqueidentifier as `XXXXXXXX-XXXX-…` text.
    Guid(String),
    /// A temporal value as its fixed-style text.
    Temporal(String),
}

/// The reference encoding of one field.
pub fn encode_field(v: &RefValue, out: &mut Vec<u8>) {
    let (tag, payload): (u8, Vec<u8>) = match v {
        RefValue::Null => {
            out.push(0);
            return;
        }
        RefValue::Int(i) => (1, i.to_be_bytes().to_vec()),
        RefValue::Decimal(s) => (2, s.as_bytes().to_vec()),
        RefValue::Float(f) => (3, f.to_bits().to_be_bytes().to_vec()),
        RefValue::Text(s) => (4, s.encode_utf16().flat_map(u16::to_le_bytes).collect()),
        RefValue::Bytes(b) => (5, b.clone()),
        RefValue::Guid(s) => (6, s.to_ascii_uppercase().into_bytes()),
        RefValue::Temporal(s) => (7, s.as_bytes().to_vec()),
    };
    out.push(tag);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&payload);
}

/// The reference encoding of a row.
pub fn encode_row(values: &[RefValue]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        encode_field(v, &mut out);
    }
    out
}

/// SHA-256 of the reference encoding: what HASHBYTES returns for the same row.
pub fn row_hash(values: &[RefValue]) -> [u8; 32] {
    Sha256::digest(encode_row(values)).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn null_empty_and_shifted_values_encode_differently() {
        let t = |s: &str| RefValue::Text(s.into());
        assert_ne!(encode_row(&[RefValue::Null]), encode_row(&[t("")]));
        assert_ne!(encode_row(&[t("ab"), t("c")]), encode_row(&[t("a"), t("bc")]));
        assert_ne!(encode_row(&[t("a ")]), encode_row(&[t("a")]));
        assert_eq!(encode_row(&[t("é")]), vec![4, 0, 0, 0, 2, 0xE9, 0]);
    }

    #[test]
    fn sql_names_the_styles_and_never_format() {
        let sql = row_hash_sql(
            &[
                ("[a]".into(), "datetime2".into()),
                ("[b]".into(), "float".into()),
                ("[c]".into(), "nvarchar".into()),
            ],
            &Relax::default(),
        );
        assert!(sql.contains("121") && sql.contains("binary(8)") && !sql.contains("FORMAT"), "{sql}");
        assert!(field_sql("[x]", "timestamp", &Relax::default()).is_none());
    }

    fn value() -> impl Strategy<Value = RefValue> {
        prop_oneof![
            Just(RefValue::Null),
            any::<i64>().prop_map(RefValue::Int),
            any::<f64>().prop_map(RefValue::Float),
            ".{0,6}".prop_map(RefValue::Text),
            proptest::collection::vec(any::<u8>(), 0..6).prop_map(RefValue::Bytes),
            "[0-9.]{0,6}".prop_map(RefValue::Decimal),
        ]
    }

    /// Decodes a reference encoding back into (tag, payload) fields; the encoding is injective
    /// iff this always succeeds and consumes the buffer.
    fn decode(mut b: &[u8]) -> Option<Vec<(u8, Vec<u8>)>> {
        let mut out = Vec::new();
        while let Some((&tag, rest)) = b.split_first() {
            if tag == 0 {
                out.push((0, Vec::new()));
                b = rest;
                continue;
            }
            let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            out.push((tag, rest.get(4..4 + len)?.to_vec()));
            b = &rest[4 + len..];
        }
        Some(out)
    }

    proptest! {
        #[test]
        fn encoding_is_injective(a in proptest::collection::vec(value(), 0..5),
                                 b in proptest::collection::vec(value(), 0..5)) {
            let (ea, eb) = (encode_row(&a), encode_row(&b));
            let da = decode(&ea).expect("decodes");
            prop_assert_eq!(da.len(), a.len());
            if ea == eb {
                prop_assert_eq!(da, decode(&eb).expect("decodes"));
            }
            let tagged = |v: &RefValue| std::mem::discriminant(v);
            if a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| tagged(x) == tagged(y) && x != y) && !a.is_empty() {
                let float_nan = a.iter().chain(&b).any(|v| matches!(v, RefValue::Float(f) if f.is_nan()));
                if !float_nan {
                    prop_assert_ne!(ea, eb);
                }
            }
        }
    }
}
