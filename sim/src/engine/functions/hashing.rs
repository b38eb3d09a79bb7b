//! HASHBYTES, bit-exact with SQL Server: the bytes hashed are the value's SQL Server bytes —
//! varchar/char as Windows-1252 (char padded to its length), nvarchar/nchar as UTF-16LE,
//! binary types as they are, integers big-endian at their width. And NEWID.

use std::borrow::Cow;

use md5::{Digest, Md5};
use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::encoding::cp1252_encode;
use super::{Def, arg, def, type_arg, value_text, volatile};
use crate::engine::FunctionContext;
use crate::types::SqlType;
use crate::types::storage::format_guid;

pub(super) const FUNCTIONS: &[Def] = &[def("tsql_hashbytes", 3, hashbytes), volatile("tsql_newid", 0, newid)];

/// The bytes SQL Server hashes for a value of type `ty`: borrowed when SQLite already holds
/// them (binary values, the concatenated row encodings the validator hashes), else encoded.
pub(crate) fn value_bytes(v: ValueRef<'_>, ty: Option<SqlType>) -> Cow<'_, [u8]> {
    let text = || value_text(v).unwrap_or_default();
    Cow::Owned(match (ty, v) {
        (Some(SqlType::Binary(n)), ValueRef::Blob(b)) if b.len() < n as usize => {
            let mut b = b.to_vec();
            b.resize(n as usize, 0);
            b
        }
        (_, ValueRef::Blob(b)) => return Cow::Borrowed(b),
        (Some(SqlType::NChar(n)), _) => {
            let mut units: Vec<u16> = text().encode_utf16().collect();
            units.resize(units.len().max(n as usize), b' ' as u16);
            units.into_iter().flat_map(u16::to_le_bytes).collect()
        }
        (Some(t), _) if t.is_unicode() || t == SqlType::Xml => {
            text().encode_utf16().flat_map(u16::to_le_bytes).collect()
        }
        (Some(SqlType::Char(n)), _) => {
            let mut b = cp1252_encode(&text());
            b.resize(b.len().max(n as usize), b' ');
            b
        }
        (Some(t), ValueRef::Integer(i)) if t.is_integer() || t == SqlType::Bit => {
            let width = match t {
                SqlType::TinyInt | SqlType::Bit => 1,
                SqlType::SmallInt => 2,
                SqlType::Int => 4,
                _ => 8,
            };
            i.to_be_bytes()[8 - width..].to_vec()
        }
        (None, ValueRef::Integer(i)) => {
            if let Ok(small) = i32::try_from(i) {
                small.to_be_bytes().to_vec()
            } else {
                i.to_be_bytes().to_vec()
            }
        }
        _ => cp1252_encode(&text()),
    })
}

/// The HASHBYTES algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    /// The algorithm HASHBYTES names (`'SHA2_256'`, any case).
    pub(crate) fn parse(name: &[u8]) -> Option<Algorithm> {
        const NAMES: [(&[u8], Algorithm); 5] = [
            (b"MD5", Algorithm::Md5),
            (b"SHA", Algorithm::Sha1),
            (b"SHA1", Algorithm::Sha1),
            (b"SHA2_256", Algorithm::Sha256),
            (b"SHA2_512", Algorithm::Sha512),
        ];
        NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, a)| *a)
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Algorithm::Md5 => Md5::digest(data).to_vec(),
            Algorithm::Sha1 => Sha1::digest(data).to_vec(),
            Algorithm::Sha256 => Sha256::digest(data).to_vec(),
            Algorithm::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

fn hashbytes(c: &Context<'_>, _: &dyn FunctionContext) -> rusqlite::Result<Value> {
    let algorithm = match arg(c, 0) {
        ValueRef::Text(name) => Algorithm::parse(name),
        _ => None,
    };
    let v = arg(c, 1);
    let (Some(algorithm), false) = (algorithm, matches!(v, ValueRef::Null)) else { return Ok(Value::Null) };
    Ok(Value::Blob(algorithm.digest(&value_bytes(v, type_arg(c, 2)))))
}

fn newid(_: &Context<'_>, _: &dyn FunctionContext) -> rusqlite::Result<Value> {
    let mut g: [u8; 16] = rand::random();
    g[6] = (g[6] & 0x0F) | 0x40;
    g[8] = (g[8] & 0x3F) | 0x80;
    Ok(Value::Text(format_guid(&g)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn hex(v: Value) -> String {
        match v {
            Value::Blob(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn known_vectors() {
        let c = conn();
        assert_eq!(
            hex(eval(&c, "tsql_hashbytes('MD5', 'abc', 'varchar(3)')").unwrap()),
            "900150983CD24FB0D6963F7D28E17F72"
        );
        assert_eq!(
            hex(eval(&c, "tsql_hashbytes('SHA1', 'abc', 'varchar(3)')").unwrap()),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
        // N'abc' hashes its UTF-16LE bytes 61 00 62 00 63 00.
        let expected: String =
            Sha256::digest([0x61, 0, 0x62, 0, 0x63, 0]).iter().map(|x| format!("{x:02X}")).collect();
        assert_eq!(hex(eval(&c, "tsql_hashbytes('SHA2_256', 'abc', 'nvarchar(3)')").unwrap()), expected);
        assert_eq!(
            hex(eval(&c, "tsql_hashbytes('SHA2_256', 'abc', 'varchar(3)')").unwrap()),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
        assert_eq!(hex(eval(&c, "tsql_hashbytes('SHA2_512', X'', 'varbinary(1)')").unwrap()).len(), 128);
        // varchar '€' is the single byte 0x80 in Windows-1252.
        assert_eq!(*value_bytes(ValueRef::Text("€".as_bytes()), SqlType::parse("varchar(1)")), [0x80]);
        assert_eq!(*value_bytes(ValueRef::Integer(1), Some(SqlType::Int)), [0, 0, 0, 1]);
        assert_eq!(eval(&c, "tsql_hashbytes('MD5', NULL, 'varchar(3)')").unwrap(), Value::Null);
        assert_eq!(eval(&c, "tsql_hashbytes('XYZ', 'a', 'varchar(3)')").unwrap(), Value::Null);
    }

    #[test]
    fn newid_is_a_v4_guid() {
        let c = conn();
        let g = text(&c, "tsql_newid()");
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        assert_eq!(g, g.to_uppercase());
        assert_ne!(g, text(&c, "tsql_newid()"));
    }
}
