//! Windows-1252, the code page of SQL_Latin1_General_CP1_CI_AS, for char/varchar/text data.
//!
//! Bytes 0x00-0x7F and 0xA0-0xFF are the same code points as Latin-1; 0x80-0x9F hold the
//! typographic characters in [`HIGH`]. Characters outside the code page encode as `?`, as SQL
//! Server does when it converts Unicode to a varchar column.

use bytes::{BufMut, BytesMut};

/// Code points of bytes 0x80..=0x9F (the five unassigned bytes map to the C1 controls).
const HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// The Windows-1252 byte for `c`, or `b'?'`.
pub fn encode_char(c: char) -> u8 {
    match c as u32 {
        0..=0x7F | 0xA0..=0xFF => c as u8,
        _ => HIGH.iter().position(|h| *h == c).map(|i| 0x80 + i as u8).unwrap_or(b'?'),
    }
}

/// Appends `s` in Windows-1252, at most `max` bytes; returns the number of bytes written.
pub fn put_ansi(dst: &mut BytesMut, s: &str, max: usize) -> usize {
    if s.is_ascii() {
        let n = s.len().min(max);
        dst.put_slice(&s.as_bytes()[..n]);
        return n;
    }
    let mut n = 0;
    for c in s.chars().take(max) {
        dst.put_u8(encode_char(c));
        n += 1;
    }
    n
}

/// Number of bytes `s` takes in Windows-1252 (one per character).
pub fn ansi_len(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.chars().count() }
}

/// Decodes Windows-1252 bytes.
pub fn decode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| decode_byte(*b)).collect()
}

fn decode_byte(b: u8) -> char {
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_whole_code_page() {
        let all: Vec<u8> = (0..=255).collect();
        let text = decode(&all);
        let mut buf = BytesMut::new();
        assert_eq!(put_ansi(&mut buf, &text, usize::MAX), 256);
        assert_eq!(&buf[..], &all[..]);
    }

    #[test]
    fn outside_characters_become_question_marks() {
        let mut buf = BytesMut::new();
        put_ansi(&mut buf, "é€😀漢", 10);
        assert_eq!(&buf[..], &[0xE9, 0x80, b'?', b'?']);
        assert_eq!(ansi_len("é€😀漢"), 4);
    }
}
