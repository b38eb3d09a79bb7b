//! uniqueidentifier byte order on the wire.
//!
//! `Value::Guid` keeps the canonical text order (`6F9619FF-8B86-D011-…` → `6F 96 19 FF 8B 86
//! D0 11 …`). On the wire the first three groups are little-endian (they are the `u32, u16,
//! u16` fields of a Windows GUID) and the last eight bytes are as written.

/// Canonical text order → wire order.
pub fn to_wire(g: &[u8; 16]) -> [u8; 16] {
    swap(g)
}

/// Wire order → canonical text order.
pub fn from_wire(w: &[u8; 16]) -> [u8; 16] {
    swap(w)
}

/// Reverses bytes 0..4, 4..6 and 6..8; the operation is its own inverse.
fn swap(src: &[u8; 16]) -> [u8; 16] {
    let mut out = *src;
    out[..4].reverse();
    out[4..6].reverse();
    out[6..8].reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::storage::parse_guid;

    #[test]
    fn known_vector() {
        let canonical = parse_guid("6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap();
        let wire =
            [0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF];
        assert_eq!(to_wire(&canonical), wire);
        assert_eq!(from_wire(&wire), canonical);
    }
}
