//! Conversions to binary types (styles 0, 1 and 2) and to uniqueidentifier.

use rusqlite::types::{Value, ValueRef};

use super::super::encoding::cp1252_encode;
use super::*;
use crate::error::SqlError;
use crate::types::storage::{format_guid, parse_guid};
use crate::types::{Len, SqlType};

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

pub(super) fn fit_binary(target: &SqlType, mut b: Vec<u8>) -> Vec<u8> {
    match target {
        SqlType::Binary(n) => {
            b.resize(*n as usize, 0);
            b
        }
        SqlType::VarBinary(Len::N(n)) => {
            b.truncate(*n as usize);
            b
        }
        _ => b,
    }
}

/// Numbers are padded and truncated on the left: CAST(CAST(6 AS bigint) AS binary(4)) is
/// 0x00000006, CAST(1 AS binary(8)) is 0x0000000000000001.
pub(super) fn fit_number_binary(target: &SqlType, b: Vec<u8>) -> Vec<u8> {
    let n = match target {
        SqlType::Binary(n) | SqlType::VarBinary(Len::N(n)) => *n as usize,
        _ => return b,
    };
    if b.len() >= n {
        return b[b.len() - n..].to_vec();
    }
    if matches!(target, SqlType::Binary(_)) {
        let mut out = vec![0u8; n - b.len()];
        out.extend_from_slice(&b);
        return out;
    }
    b
}

pub(super) fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = if s.len() % 2 == 1 { format!("0{s}") } else { s.to_string() };
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

pub(super) fn to_binary(
    v: ValueRef<'_>,
    style: Option<i64>,
    source: Option<SqlType>,
) -> Result<Vec<u8>, SqlError> {
    Ok(match v {
        // binary(n) is stored unpadded; its value is padded with zeros to n bytes.
        ValueRef::Blob(b) => match source {
            Some(SqlType::Binary(n)) if b.len() < n as usize => {
                let mut b = b.to_vec();
                b.resize(n as usize, 0);
                b
            }
            _ => b.to_vec(),
        },
        ValueRef::Integer(n) => {
            let width = match source {
                Some(SqlType::TinyInt | SqlType::Bit) => 1,
                Some(SqlType::SmallInt) => 2,
                Some(SqlType::BigInt) => 8,
                Some(SqlType::Int) => 4,
                _ if i32::try_from(n).is_ok() => 4,
                _ => 8,
            };
            n.to_be_bytes()[8 - width..].to_vec()
        }
        ValueRef::Real(f) => f.to_be_bytes().to_vec(),
        _ => {
            let t = value_text(v).unwrap_or_default();
            match style.unwrap_or(0) {
                1 => t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).and_then(unhex).ok_or_else(
                    || {
                        SqlError::new(
                            8114,
                            16,
                            format!("Error converting data type {} to varbinary.", type_word(source)),
                        )
                    },
                )?,
                2 => unhex(&t).ok_or_else(|| {
                    SqlError::new(
                        8114,
                        16,
                        format!("Error converting data type {} to varbinary.", type_word(source)),
                    )
                })?,
                _ if source.is_some_and(|s| s.is_unicode()) => {
                    t.encode_utf16().flat_map(u16::to_le_bytes).collect()
                }
                _ => cp1252_encode(&t),
            }
        }
    })
}

pub(super) fn to_guid(v: ValueRef<'_>) -> Result<Value, SqlError> {
    let failed = || {
        SqlError::new(
            8169,
            16,
            "Conversion failed when converting from a character string to uniqueidentifier.",
        )
    };
    match v {
        ValueRef::Blob(b) if b.len() >= 16 => {
            // Binary → GUID: the first three groups are little-endian.
            let mut g = [0u8; 16];
            let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
            for (i, &o) in order.iter().enumerate() {
                g[i] = b[o];
            }
            Ok(Value::Text(format_guid(&g)))
        }
        _ => {
            let t = value_text(v).unwrap_or_default();
            let trimmed = t.trim();
            let head = trimmed.get(..36.min(trimmed.len())).unwrap_or(trimmed);
            let g = parse_guid(trimmed).or_else(|| parse_guid(head)).ok_or_else(failed)?;
            Ok(Value::Text(format_guid(&g)))
        }
    }
}
