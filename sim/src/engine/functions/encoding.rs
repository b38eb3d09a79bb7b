//! Windows-1252, the code page of SQL_Latin1_General_CP1_CI_AS: what a `varchar` holds on a
//! real server, so HASHBYTES, DATALENGTH and CAST to varbinary see the same bytes.

/// Code points of bytes 0x80-0x9F (the rest of 0x00-0xFF map to themselves).
const HIGH: [u32; 32] = [
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
    0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161,
    0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
];

/// Encodes text as Windows-1252; characters it cannot represent become `?`, as SQL Server does.
pub fn cp1252_encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            let cp = c as u32;
            if cp < 0x80 || (0xA0..=0xFF).contains(&cp) {
                cp as u8
            } else {
                HIGH.iter().position(|&h| h == cp).map(|i| 0x80 + i as u8).unwrap_or(b'?')
            }
        })
        .collect()
}

/// Decodes Windows-1252 bytes.
pub fn cp1252_decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => char::from_u32(HIGH[(b - 0x80) as usize]).unwrap_or('?'),
            other => other as char,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_euro_and_latin1() {
        assert_eq!(cp1252_encode("€é a"), vec![0x80, 0xE9, 0x20, 0x61]);
        assert_eq!(cp1252_decode(&[0x80, 0xE9]), "€é");
        assert_eq!(cp1252_encode("日"), b"?".to_vec());
    }
}
