//! Reading result cells by column name as text, whatever their SQL Server type.

use tiberius::{ColumnData, Row};

/// The cell of column `name` as text (`None` for NULL or a missing column).
pub fn text(row: &Row, name: &str) -> Option<String> {
    let i = row.columns().iter().position(|c| c.name().eq_ignore_ascii_case(name))?;
    let cell = row.cells().nth(i).map(|(_, d)| d)?;
    match cell {
        ColumnData::String(v) => v.as_ref().map(|s| s.to_string()),
        ColumnData::U8(v) => v.map(|x| x.to_string()),
        ColumnData::I16(v) => v.map(|x| x.to_string()),
        ColumnData::I32(v) => v.map(|x| x.to_string()),
        ColumnData::I64(v) => v.map(|x| x.to_string()),
        ColumnData::F32(v) => v.map(|x| x.to_string()),
        ColumnData::F64(v) => v.map(|x| x.to_string()),
        ColumnData::Bit(v) => v.map(|x| if x { "1".into() } else { "0".into() }),
        ColumnData::Guid(v) => v.map(|x| x.to_string().to_uppercase()),
        ColumnData::Numeric(v) => v.map(|x| x.to_string()),
        _ => None,
    }
}

/// Text or an empty string.
pub fn text_or_empty(row: &Row, name: &str) -> String {
    text(row, name).unwrap_or_default()
}
