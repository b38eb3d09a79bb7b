//! ERROR (0xAA) and INFO (0xAB): number i32, state u8, class u8, message US_VARCHAR, server
//! name B_VARCHAR, procedure name B_VARCHAR, line number i32 (TDS ≥ 7.2), after a u16 length.

use super::{token, with_u16_len};
use crate::error::SqlError;
use crate::tds::wire::{put_b_varchar, put_us_varchar};
use bytes::{BufMut, BytesMut};

/// Appends an ERROR token for `e`; follow it with a DONE carrying the ERROR bit.
pub fn write_error(dst: &mut BytesMut, e: &SqlError, server: &str) {
    write_message(dst, token::ERROR, e, server);
}

/// Appends an INFO token (a message of class ≤ 10, e.g. 5701 "Changed database context").
pub fn write_info(dst: &mut BytesMut, e: &SqlError, server: &str) {
    write_message(dst, token::INFO, e, server);
}

fn write_message(dst: &mut BytesMut, token: u8, e: &SqlError, server: &str) {
    with_u16_len(dst, token, |dst| {
        dst.put_i32_le(e.number);
        dst.put_u8(e.state);
        dst.put_u8(e.class);
        put_us_varchar(dst, &e.message);
        put_b_varchar(dst, server);
        put_b_varchar(dst, &e.procedure);
        dst.put_i32_le(e.line);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tds::wire::Reader;

    #[test]
    fn error_round_trips_and_length_is_exact() {
        let e = SqlError::syntax("FROM").at_line(3);
        let mut buf = BytesMut::new();
        write_error(&mut buf, &e, "SIM01");
        assert_eq!(buf[0], 0xAA);
        let mut r = Reader::new(&buf[1..]);
        let len = r.u16_le().unwrap() as usize;
        assert_eq!(len, r.remaining());
        assert_eq!(r.i32_le().unwrap(), 102);
        assert_eq!((r.u8().unwrap(), r.u8().unwrap()), (1, 15));
        assert_eq!(r.us_varchar().unwrap(), "Incorrect syntax near 'FROM'.");
        assert_eq!(r.b_varchar().unwrap(), "SIM01");
        assert_eq!(r.b_varchar().unwrap(), "");
        assert_eq!(r.i32_le().unwrap(), 3);
        r.expect_end("ERROR").unwrap();
    }

    #[test]
    fn info_bytes() {
        let mut buf = BytesMut::new();
        write_info(&mut buf, &SqlError::new(5701, 0, "ok").with_state(2), "S");
        assert_eq!(
            &buf[..],
            &[
                0xAB, 20, 0, // length
                0x45, 0x16, 0, 0, 2, 0, // number 5701, state 2, class 0
                2, 0, b'o', 0, b'k', 0, // message
                1, b'S', 0, // server
                0, // procedure
                1, 0, 0, 0, // line
            ]
        );
    }
}
