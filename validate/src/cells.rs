//! Reading catalog and checksum cells whatever integer width the server chose.

use tiberius::{ColumnData, Row};

fn cell(row: &Row, i: usize) -> Option<&ColumnData<'static>> {
    row.cells().nth(i).map(|(_, d)| d)
}

/// An integer-ish cell (tinyint…bigint, bit, numeric with scale 0) or `None` for NULL.
pub fn int(row: &Row, i: usize) -> Option<i128> {
    match cell(row, i)? {
        ColumnData::U8(v) => v.map(i128::from),
        ColumnData::I16(v) => v.map(i128::from),
        ColumnData::I32(v) => v.map(i128::from),
        ColumnData::I64(v) => v.map(i128::from),
        ColumnData::Bit(v) => v.map(i128::from),
        ColumnData::Numeric(v) => v.map(|n| n.value() / 10i128.pow(u32::from(n.scale()))),
        ColumnData::String(v) => v.as_ref().and_then(|s| s.trim().parse().ok()),
        _ => None,
    }
}

/// A text cell, or `None` for NULL.
pub fn text(row: &Row, i: usize) -> Option<String> {
    match cell(row, i)? {
        ColumnData::String(v) => v.as_ref().map(|s| s.to_string()),
        ColumnData::Xml(v) => v.as_ref().map(|x| x.to_string()),
        _ => None,
    }
}

/// A binary cell, or `None` for NULL.
pub fn bytes(row: &Row, i: usize) -> Option<Vec<u8>> {
    match cell(row, i)? {
        ColumnData::Binary(v) => v.as_ref().map(|b| b.to_vec()),
        _ => None,
    }
}

/// A text cell borrowed from the row (no copy), or `None` for NULL or another type.
pub fn str_ref(row: &Row, i: usize) -> Option<&str> {
    match cell(row, i)? {
        ColumnData::String(v) => v.as_deref(),
        _ => None,
    }
}

/// A binary cell borrowed from the row (no copy), or `None` for NULL or another type.
pub fn bytes_ref(row: &Row, i: usize) -> Option<&[u8]> {
    match cell(row, i)? {
        ColumnData::Binary(v) => v.as_deref(),
        _ => None,
    }
}

pub fn flag(row: &Row, i: usize) -> bool {
    int(row, i).unwrap_or(0) != 0
}

pub fn text_or_empty(row: &Row, i: usize) -> String {
    text(row, i).unwrap_or_default()
}
