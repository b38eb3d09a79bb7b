//! Bounds-checked reading and UTF-16 writing of TDS primitives.
//!
//! [`Reader`] walks a client payload and turns every short read into an `InvalidData` error
//! (never a panic). The `put_*` functions append the string forms TDS uses: B_VARCHAR (1-byte
//! character count), US_VARCHAR (2-byte character count), both UTF-16LE.

use bytes::{BufMut, BytesMut};
use std::io;

/// An `InvalidData` error with `msg`.
pub fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// A cursor over a received payload whose reads are checked against its end.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread rest, without consuming it.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(invalid(format!(
                "truncated TDS data: needed {n} bytes at offset {}, {} left",
                self.pos,
                self.remaining()
            )));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn skip(&mut self, n: usize) -> io::Result<()> {
        self.take(n).map(|_| ())
    }

    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> io::Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16_le(&mut self) -> io::Result<u16> {
        self.array().map(u16::from_le_bytes)
    }

    pub fn u16_be(&mut self) -> io::Result<u16> {
        self.array().map(u16::from_be_bytes)
    }

    pub fn u32_le(&mut self) -> io::Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u32_be(&mut self) -> io::Result<u32> {
        self.array().map(u32::from_be_bytes)
    }

    pub fn i32_le(&mut self) -> io::Result<i32> {
        self.array().map(i32::from_le_bytes)
    }

    pub fn u64_le(&mut self) -> io::Result<u64> {
        self.array().map(u64::from_le_bytes)
    }

    /// `units` UTF-16LE code units as a string (unpaired surrogates become U+FFFD).
    pub fn utf16(&mut self, units: usize) -> io::Result<String> {
        let bytes = self.take(units.checked_mul(2).ok_or_else(|| invalid("string too long"))?)?;
        Ok(utf16_to_string(bytes))
    }

    /// B_VARCHAR: 1-byte character count, UTF-16LE.
    pub fn b_varchar(&mut self) -> io::Result<String> {
        let units = self.u8()? as usize;
        self.utf16(units)
    }

    /// US_VARCHAR: 2-byte character count, UTF-16LE.
    pub fn us_varchar(&mut self) -> io::Result<String> {
        let units = self.u16_le()? as usize;
        self.utf16(units)
    }

    /// Fails unless every byte was consumed; `what` names the structure for the message.
    pub fn expect_end(&self, what: &str) -> io::Result<()> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(invalid(format!("{n} unexpected trailing bytes after {what}"))),
        }
    }
}

/// Decodes UTF-16LE bytes (an odd trailing byte is ignored), replacing unpaired surrogates.
pub fn utf16_to_string(bytes: &[u8]) -> String {
    let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

/// Appends `s` as UTF-16LE; returns the number of code units written.
pub fn put_utf16(dst: &mut BytesMut, s: &str) -> usize {
    dst.reserve(s.len() * 2);
    let mut units = 0;
    for unit in s.encode_utf16() {
        dst.put_u16_le(unit);
        units += 1;
    }
    units
}

/// Appends at most `max_units` code units of `s` (never splitting a surrogate pair).
pub fn put_utf16_limited(dst: &mut BytesMut, s: &str, max_units: usize) -> usize {
    let mut units = 0;
    let mut buf = [0u16; 2];
    for c in s.chars() {
        let encoded = c.encode_utf16(&mut buf);
        if units + encoded.len() > max_units {
            break;
        }
        for unit in encoded.iter() {
            dst.put_u16_le(*unit);
        }
        units += encoded.len();
    }
    units
}

/// B_VARCHAR: 1-byte character count then UTF-16LE (truncated to 255 code units).
pub fn put_b_varchar(dst: &mut BytesMut, s: &str) {
    let at = dst.len();
    dst.put_u8(0);
    let units = put_utf16_limited(dst, s, u8::MAX as usize);
    dst[at] = units as u8;
}

/// US_VARCHAR: 2-byte character count then UTF-16LE (truncated to 65535 code units).
pub fn put_us_varchar(dst: &mut BytesMut, s: &str) {
    let at = dst.len();
    dst.put_u16_le(0);
    let units = put_utf16_limited(dst, s, u16::MAX as usize);
    dst[at..at + 2].copy_from_slice(&(units as u16).to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reads_are_errors_not_panics() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16_le().unwrap(), 0x0201);
        assert!(r.u16_le().is_err());
        assert!(r.take(usize::MAX).is_err());
        assert_eq!(r.u8().unwrap(), 3);
        r.expect_end("test").unwrap();
    }

    #[test]
    fn b_varchar_round_trips_and_truncates() {
        let mut buf = BytesMut::new();
        put_b_varchar(&mut buf, "héllo");
        assert_eq!(&buf[..3], &[5, b'h', 0]);
        let mut r = Reader::new(&buf);
        assert_eq!(r.b_varchar().unwrap(), "héllo");
        r.expect_end("b_varchar").unwrap();

        let long = "x".repeat(300);
        let mut buf = BytesMut::new();
        put_b_varchar(&mut buf, &long);
        assert_eq!(buf[0], 255);
        assert_eq!(buf.len(), 1 + 255 * 2);
    }

    #[test]
    fn us_varchar_round_trips_with_surrogate_pairs() {
        let mut buf = BytesMut::new();
        put_us_varchar(&mut buf, "a😀");
        assert_eq!(&buf[..2], &[3, 0]);
        let mut r = Reader::new(&buf);
        assert_eq!(r.us_varchar().unwrap(), "a😀");
        r.expect_end("us_varchar").unwrap();
    }
}
