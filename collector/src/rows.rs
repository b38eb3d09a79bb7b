//! Reading result cells by type without panics: any numeric column as `f64`/`i64`, any
//! column as label text, dates as server-clock timestamps.

use chrono::NaiveDateTime;
use tiberius::{ColumnData, Row};

/// The cell named `name`, if the row has that column.
fn cell<'a>(row: &'a Row, name: &str) -> Option<&'a ColumnData<'static>> {
    row.cells().find(|(c, _)| c.name().eq_ignore_ascii_case(name)).map(|(_, d)| d)
}

/// A numeric cell as f64 (NULL, text and missing columns: `None`).
pub fn number(row: &Row, name: &str) -> Option<f64> {
    match cell(row, name)? {
        ColumnData::U8(v) => v.map(f64::from),
        ColumnData::I16(v) => v.map(f64::from),
        ColumnData::I32(v) => v.map(f64::from),
        ColumnData::I64(v) => v.map(|v| v as f64),
        ColumnData::F32(v) => v.map(f64::from),
        ColumnData::F64(v) => *v,
        ColumnData::Bit(v) => v.map(|b| if b { 1.0 } else { 0.0 }),
        ColumnData::Numeric(v) => v.map(|n| n.value() as f64 / 10f64.powi(i32::from(n.scale()))),
        _ => None,
    }
}

/// A numeric cell as i64 (cumulative counters; decimals are truncated).
pub fn integer(row: &Row, name: &str) -> Option<i64> {
    match cell(row, name)? {
        ColumnData::I64(v) => *v,
        ColumnData::I32(v) => v.map(i64::from),
        ColumnData::I16(v) => v.map(i64::from),
        ColumnData::U8(v) => v.map(i64::from),
        _ => number(row, name).map(|f| f as i64),
    }
}

/// A cell as label text: strings trimmed, numbers printed, NULL → empty.
pub fn text(row: &Row, name: &str) -> String {
    match cell(row, name) {
        Some(ColumnData::String(Some(s))) => s.trim().to_string(),
        Some(ColumnData::Binary(Some(b))) => b.iter().fold(String::from("0x"), |mut s, byte| {
            s.push_str(&format!("{byte:02X}"));
            s
        }),
        Some(_) => integer(row, name).map(|v| v.to_string()).unwrap_or_default(),
        None => String::new(),
    }
}

/// A date/time cell as a naive timestamp.
pub fn timestamp(row: &Row, name: &str) -> Option<NaiveDateTime> {
    let index = row.columns().iter().position(|c| c.name().eq_ignore_ascii_case(name))?;
    row.try_get::<NaiveDateTime, _>(index).ok().flatten()
}
