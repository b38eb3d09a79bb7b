//! ALL_HEADERS: the header block that starts SQLBatch and RPC requests (TDS ≥ 7.2).
//!
//! `TotalLength u32` (itself included), then headers of `HeaderLength u32, HeaderType u16,
//! data`: type 1 query notifications, 2 transaction descriptor (`u64` + outstanding request
//! count `u32`), 3 trace activity.

use super::wire::{Reader, invalid};
use std::io;

/// Header type of the transaction descriptor.
pub const TRANSACTION_DESCRIPTOR: u16 = 2;

/// What the server uses from ALL_HEADERS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllHeaders {
    /// The client's current transaction descriptor (0 = none).
    pub transaction_descriptor: u64,
    pub outstanding_requests: u32,
}

/// Reads ALL_HEADERS when the payload starts with a consistent block; `None` (nothing consumed)
/// when it does not (a TDS 7.1 SQLBatch starts directly with text).
pub fn read_if_present(r: &mut Reader<'_>) -> io::Result<Option<AllHeaders>> {
    let mut probe = r.clone();
    let Ok(total) = probe.u32_le() else { return Ok(None) };
    let total = total as usize;
    if total < 4 || total > r.remaining() {
        return Ok(None);
    }
    let Ok(headers) = parse_headers(probe.take(total - 4)?) else { return Ok(None) };
    *r = probe;
    Ok(Some(headers))
}

/// Reads ALL_HEADERS, which must be present (RPC requests).
pub fn read(r: &mut Reader<'_>) -> io::Result<AllHeaders> {
    let total = r.u32_le()? as usize;
    if total < 4 {
        return Err(invalid(format!("ALL_HEADERS total length {total}")));
    }
    parse_headers(r.take(total - 4)?)
}

fn parse_headers(block: &[u8]) -> io::Result<AllHeaders> {
    let mut r = Reader::new(block);
    let mut out = AllHeaders::default();
    while !r.is_empty() {
        let len = r.u32_le()? as usize;
        if len < 6 {
            return Err(invalid(format!("ALL_HEADERS header length {len}")));
        }
        let kind = r.u16_le()?;
        let mut data = Reader::new(r.take(len - 6)?);
        if kind == TRANSACTION_DESCRIPTOR {
            out.transaction_descriptor = data.u64_le()?;
            out.outstanding_requests = data.u32_le()?;
        }
    }
    Ok(out)
}

/// Encodes ALL_HEADERS with just a transaction descriptor header (what clients send).
pub fn encode(dst: &mut bytes::BytesMut, headers: &AllHeaders) {
    use bytes::BufMut;
    dst.put_u32_le(22);
    dst.put_u32_le(18);
    dst.put_u16_le(TRANSACTION_DESCRIPTOR);
    dst.put_u64_le(headers.transaction_descriptor);
    dst.put_u32_le(headers.outstanding_requests);
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    #[test]
    fn round_trip_and_detection() {
        let h = AllHeaders { transaction_descriptor: 0x0102_0304, outstanding_requests: 1 };
        let mut buf = BytesMut::new();
        encode(&mut buf, &h);
        let mut r = Reader::new(&buf);
        assert_eq!(read_if_present(&mut r).unwrap(), Some(h));
        r.expect_end("ALL_HEADERS").unwrap();
        let text: Vec<u8> = "SELECT 1".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let mut r = Reader::new(&text);
        assert_eq!(read_if_present(&mut r).unwrap(), None);
        assert_eq!(r.position(), 0);
        assert!(read(&mut Reader::new(&[2, 0, 0, 0])).is_err());
        assert!(read(&mut Reader::new(&[10, 0, 0, 0, 5, 0, 0, 0, 2, 0])).is_err());
    }
}
