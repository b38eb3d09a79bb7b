//! SQLBatch: optional ALL_HEADERS (always sent from TDS 7.2), then the batch text in UTF-16LE.

use super::headers::{self, AllHeaders};
use super::wire::{Reader, utf16_to_string};
use bytes::{BufMut, BytesMut};
use std::io;

/// The batch text of a SQLBatch payload.
pub fn decode(payload: &[u8]) -> io::Result<String> {
    decode_with_headers(payload).map(|(_, text)| text)
}

/// The ALL_HEADERS (if present) and the batch text.
pub fn decode_with_headers(payload: &[u8]) -> io::Result<(Option<AllHeaders>, String)> {
    let mut r = Reader::new(payload);
    let headers = headers::read_if_present(&mut r)?;
    Ok((headers, utf16_to_string(r.rest())))
}

/// Encodes a SQLBatch payload as a TDS 7.2+ client does (for tests and tools).
pub fn encode(dst: &mut BytesMut, text: &str) {
    headers::encode(dst, &AllHeaders { transaction_descriptor: 0, outstanding_requests: 1 });
    for unit in text.encode_utf16() {
        dst.put_u16_le(unit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_headers() {
        let mut buf = BytesMut::new();
        encode(&mut buf, "SELECT N'ünï😀' AS x;");
        let (headers, text) = decode_with_headers(&buf).unwrap();
        assert_eq!(text, "SELECT N'ünï😀' AS x;");
        assert_eq!(headers.unwrap().outstanding_requests, 1);
        let bare: Vec<u8> = "SELECT 1".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(decode(&bare).unwrap(), "SELECT 1");
        assert_eq!(decode(&[]).unwrap(), "");
    }
}
