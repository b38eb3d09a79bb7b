//! BulkLoad (packet type 0x07): what a client sends after `INSERT BULK` — a COLMETADATA token
//! describing the columns, ROW/NBCROW tokens with typed values, and a DONE.
//!
//! text, ntext and image columns follow the bulk-copy layout clients send (FreeTDS's
//! `tds7_bcp_send_colmetadata`, tedious's `BulkLoad`), which SQL Server reads: the COLMETADATA
//! table name is one US_VARCHAR (not the NumParts list of a server's COLMETADATA), and each value
//! is a text pointer (B_VARBYTE, 0 length = NULL), an 8-byte timestamp, then a 4-byte length
//! and the data (MS-TDS 2.2.7.19 ROW, TextPointer/Timestamp).

use super::params::decode_value;
use super::typeinfo::TypeInfo;
use super::wire::{Reader, invalid};
use crate::types::{SqlType, Value};
use std::io;

const COLMETADATA: u8 = 0x81;
const ROW: u8 = 0xD1;
const NBCROW: u8 = 0xD2;
const DONE: u8 = 0xFD;

/// One column of the bulk stream, as the client described it.
#[derive(Clone, Debug, PartialEq)]
pub struct BulkColumn {
    pub name: String,
    pub ty: SqlType,
    type_info: TypeInfo,
}

/// Decodes a BulkLoad message as its packets arrive: COLMETADATA once, then as many complete
/// rows as each chunk holds; a row cut by a packet boundary waits for the next chunk.
#[derive(Debug, Default)]
pub struct BulkDecoder {
    buf: Vec<u8>,
    columns: Option<Vec<BulkColumn>>,
    done: bool,
}

impl BulkDecoder {
    /// The columns, once COLMETADATA has arrived.
    pub fn columns(&self) -> Option<&[BulkColumn]> {
        self.columns.as_deref()
    }

    /// True once the closing DONE token was read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Adds a chunk and returns the complete rows it finished. With `last`, anything left
    /// incomplete is an error.
    pub fn push(&mut self, chunk: &[u8], last: bool) -> io::Result<Vec<Vec<Value>>> {
        self.buf.extend_from_slice(chunk);
        let mut rows = Vec::new();
        let mut consumed = 0;
        let buf = std::mem::take(&mut self.buf);
        let result = loop {
            let mut r = Reader::new(&buf[consumed..]);
            match self.next_token(&mut r, &mut rows) {
                Ok(true) => consumed += r.position(),
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        self.buf = buf;
        self.buf.drain(..consumed);
        match result {
            Err(e) if last => Err(e),
            _ if last && !self.done => Err(invalid("the bulk load ended without its DONE token")),
            _ => Ok(rows),
        }
    }

    /// Reads one token; `Ok(false)` when nothing is left or the stream is done.
    fn next_token(&mut self, r: &mut Reader<'_>, rows: &mut Vec<Vec<Value>>) -> io::Result<bool> {
        if self.done || r.is_empty() {
            return Ok(false);
        }
        let token = r.u8()?;
        match (&self.columns, token) {
            (None, COLMETADATA) => self.columns = Some(decode_columns(r)?),
            (None, other) => {
                return Err(invalid(format!("a bulk load must start with COLMETADATA, not 0x{other:02X}")));
            }
            (Some(columns), ROW) => rows.push(decode_row(r, columns, None)?),
            (Some(columns), NBCROW) => {
                let bitmap = r.take(columns.len().div_ceil(8))?.to_vec();
                rows.push(decode_row(r, columns, Some(&bitmap))?);
            }
            (Some(_), DONE) => {
                r.skip(12)?;
                self.done = true;
            }
            (Some(_), other) => {
                return Err(invalid(format!("unexpected token 0x{other:02X} in a bulk load")));
            }
        }
        Ok(true)
    }
}

fn decode_columns(r: &mut Reader<'_>) -> io::Result<Vec<BulkColumn>> {
    let count = r.u16_le()?;
    if count == 0xFFFF {
        return Ok(Vec::new());
    }
    (0..count)
        .map(|_| {
            r.u32_le()?; // user type
            r.u16_le()?; // flags
            let type_info = TypeInfo::decode(r)?;
            let ty = type_info.sql_type();
            if has_text_pointer(ty) {
                r.us_varchar()?; // the table name
            }
            let name = r.b_varchar()?;
            Ok(BulkColumn { name, ty, type_info })
        })
        .collect()
}

fn has_text_pointer(ty: SqlType) -> bool {
    matches!(ty, SqlType::Text | SqlType::NText | SqlType::Image)
}

/// A text/ntext/image value: text pointer and timestamp (NULL when the pointer is empty), then
/// the value with its 4-byte length.
fn decode_text_value(r: &mut Reader<'_>, type_info: &TypeInfo) -> io::Result<Value> {
    let pointer = r.u8()? as usize;
    if pointer == 0 {
        return Ok(Value::Null);
    }
    r.skip(pointer + 8)?;
    decode_value(r, type_info)
}

fn decode_row(r: &mut Reader<'_>, columns: &[BulkColumn], nulls: Option<&[u8]>) -> io::Result<Vec<Value>> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| match nulls {
            Some(bitmap) if bitmap[i / 8] & (1 << (i % 8)) != 0 => Ok(Value::Null),
            _ if has_text_pointer(c.ty) => decode_text_value(r, &c.type_info),
            _ => decode_value(r, &c.type_info),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tds::tokens::{self, DoneKind, DoneStatus};
    use crate::types::{Cell, Column, Len};
    use bytes::BytesMut;

    #[test]
    fn a_bulk_stream_decodes_to_typed_rows_and_is_consumed_whole() {
        let columns = vec![
            Column::new("id", SqlType::BigInt, false),
            Column::new("name", SqlType::NVarChar(Len::N(40)), true),
        ];
        let mut buf = BytesMut::new();
        tokens::write_colmetadata(&mut buf, &columns);
        tokens::write_row(&mut buf, &columns, &[Cell::Integer(7), Cell::Text("seven")]).unwrap();
        tokens::write_row(&mut buf, &columns, &[Cell::Integer(8), Cell::Null]).unwrap();
        tokens::write_done(&mut buf, DoneKind::Done, DoneStatus::default(), 0);
        let expected =
            vec![vec![Value::Int(7), Value::Str("seven".into())], vec![Value::Int(8), Value::Null]];
        // Whatever the packet boundaries, the same rows come out, each once.
        for cut in 0..buf.len() {
            let mut decoder = BulkDecoder::default();
            let mut rows = decoder.push(&buf[..cut], false).unwrap();
            rows.extend(decoder.push(&buf[cut..], true).unwrap());
            assert_eq!(rows, expected, "cut at {cut}");
            let names: Vec<&str> = decoder.columns().unwrap().iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, ["id", "name"]);
            assert!(decoder.is_done());
        }
    }

    /// A text column as tedious and FreeTDS send it: US_VARCHAR table name in COLMETADATA, and
    /// each value behind a 16-byte text pointer and an 8-byte timestamp (an empty pointer = NULL).
    #[test]
    fn text_columns_carry_a_table_name_and_text_pointers() {
        let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
        let mut buf = vec![COLMETADATA, 1, 0];
        buf.extend([0, 0, 0, 0, 0x09, 0x00]); // user type, flags (nullable, updatable)
        buf.extend([0x23, 0xFF, 0xFF, 0xFF, 0x7F, 0x09, 0x04, 0xD0, 0x00, 0x34]); // TEXT, max, collation
        buf.extend([2, 0]);
        buf.extend(utf16("tt")); // table name, US_VARCHAR
        buf.push(4);
        buf.extend(utf16("body")); // column name, B_VARCHAR
        buf.push(ROW);
        buf.push(16);
        buf.extend([0u8; 16 + 8]); // text pointer, timestamp
        buf.extend(5u32.to_le_bytes());
        buf.extend(b"hello");
        buf.extend([ROW, 0]); // NULL: empty text pointer
        buf.extend([DONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let mut decoder = BulkDecoder::default();
        let rows = decoder.push(&buf, true).unwrap();
        assert_eq!(rows, vec![vec![Value::Str("hello".into())], vec![Value::Null]]);
        assert_eq!(decoder.columns().unwrap()[0].name, "body");
    }

    #[test]
    fn a_truncated_stream_is_an_error_not_a_panic() {
        let columns = vec![Column::new("id", SqlType::Int, false)];
        let mut buf = BytesMut::new();
        tokens::write_colmetadata(&mut buf, &columns);
        tokens::write_row(&mut buf, &columns, &[Cell::Integer(1)]).unwrap();
        for cut in 0..buf.len() {
            assert!(BulkDecoder::default().push(&buf[..cut], true).is_err(), "cut at {cut}");
        }
    }
}
