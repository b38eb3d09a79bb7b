//! COLMETADATA (0x81) and RETURNVALUE (0xAC).
//!
//! COLMETADATA = column count u16 (0xFFFF = no metadata), then per column: user type u32 (0),
//! flags u16, TYPE_INFO, name B_VARCHAR. RETURNVALUE = ordinal u16, name B_VARCHAR, status u8
//! (0x01 OUTPUT parameter), user type u32, flags u16, TYPE_INFO, value.

use super::token;
use crate::error::SqlError;
use crate::tds::typeinfo::write_type_info;
use crate::tds::values::encode_value;
use crate::tds::wire::put_b_varchar;
use crate::types::{Column, SqlType, Value};
use bytes::{BufMut, BytesMut};

/// Column flag: the column is nullable.
pub const FLAG_NULLABLE: u16 = 0x0001;
/// Column flag: updatability unknown (usUpdateable = 2), what SQL Server sends for most
/// result columns.
pub const FLAG_UPDATEABLE_UNKNOWN: u16 = 0x0008;
/// RETURNVALUE status: an OUTPUT parameter.
pub const RETURN_OUTPUT_PARAM: u8 = 0x01;

fn column_flags(nullable: bool) -> u16 {
    FLAG_UPDATEABLE_UNKNOWN | if nullable { FLAG_NULLABLE } else { 0 }
}

/// Appends COLMETADATA describing `columns`.
pub fn write_colmetadata(dst: &mut BytesMut, columns: &[Column]) {
    dst.put_u8(token::COLMETADATA);
    dst.put_u16_le(columns.len().min(0xFFFE) as u16);
    for column in columns.iter().take(0xFFFE) {
        dst.put_u32_le(0);
        dst.put_u16_le(column_flags(column.nullable));
        write_type_info(dst, &column.ty);
        put_b_varchar(dst, &column.name);
    }
}

/// Appends COLMETADATA with count 0xFFFF ("no metadata").
pub fn write_no_metadata(dst: &mut BytesMut) {
    dst.put_u8(token::COLMETADATA);
    dst.put_u16_le(0xFFFF);
}

/// Appends RETURNVALUE for an OUTPUT parameter; `name` keeps its `@`.
pub fn write_return_value(
    dst: &mut BytesMut,
    ordinal: u16,
    name: &str,
    ty: &SqlType,
    value: &Value,
) -> Result<(), SqlError> {
    dst.put_u8(token::RETURNVALUE);
    dst.put_u16_le(ordinal);
    put_b_varchar(dst, name);
    dst.put_u8(RETURN_OUTPUT_PARAM);
    dst.put_u32_le(0);
    dst.put_u16_le(column_flags(true));
    write_type_info(dst, ty);
    encode_value(dst, ty, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tds::params::decode_typed;
    use crate::tds::typeinfo::{TypeInfo, tests::all_types};
    use crate::tds::wire::Reader;
    use crate::types::Len;

    #[test]
    fn colmetadata_bytes() {
        let columns =
            [Column::new("id", SqlType::Int, false), Column::new("n", SqlType::NVarChar(Len::N(5)), true)];
        let mut buf = BytesMut::new();
        write_colmetadata(&mut buf, &columns);
        assert_eq!(
            &buf[..],
            &[
                0x81, 2, 0, // count
                0, 0, 0, 0, 0x08, 0, 0x26, 4, 2, b'i', 0, b'd', 0, // id int not null
                0, 0, 0, 0, 0x09, 0, 0xE7, 10, 0, 0x09, 0x04, 0xD0, 0x00, 0x34, 1, b'n',
                0, // n nvarchar(5)
            ]
        );
        let mut buf = BytesMut::new();
        write_no_metadata(&mut buf);
        assert_eq!(&buf[..], &[0x81, 0xFF, 0xFF]);
    }

    #[test]
    fn colmetadata_of_every_type_parses_back() {
        let columns: Vec<Column> = all_types()
            .into_iter()
            .enumerate()
            .map(|(i, ty)| Column::new(format!("c{i}"), ty, true))
            .collect();
        let mut buf = BytesMut::new();
        write_colmetadata(&mut buf, &columns);
        let mut r = Reader::new(&buf);
        assert_eq!(r.u8().unwrap(), 0x81);
        assert_eq!(r.u16_le().unwrap() as usize, columns.len());
        for column in &columns {
            assert_eq!(r.u32_le().unwrap(), 0);
            assert_eq!(r.u16_le().unwrap(), 0x09);
            assert_eq!(TypeInfo::decode(&mut r).unwrap(), TypeInfo::of(&column.ty));
            assert_eq!(r.b_varchar().unwrap(), column.name);
        }
        r.expect_end("COLMETADATA").unwrap();
    }

    #[test]
    fn return_value_round_trips() {
        let mut buf = BytesMut::new();
        write_return_value(&mut buf, 1, "@out", &SqlType::BigInt, &Value::Int(-5)).unwrap();
        let mut r = Reader::new(&buf);
        assert_eq!(r.u8().unwrap(), 0xAC);
        assert_eq!(r.u16_le().unwrap(), 1);
        assert_eq!(r.b_varchar().unwrap(), "@out");
        assert_eq!(r.u8().unwrap(), 1);
        r.skip(6).unwrap();
        assert_eq!(decode_typed(&mut r).unwrap(), (SqlType::BigInt, Value::Int(-5)));
        r.expect_end("RETURNVALUE").unwrap();
    }
}
