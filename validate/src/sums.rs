//! Segment checksums: `COUNT_BIG(*)` and the sum of each row hash's first 8 bytes (a signed
//! bigint) as DECIMAL(38,0), reduced mod 2^64 on the client. A sum cannot overflow on the
//! server (2^63 rows × 2^63 < 10^38), duplicate rows add up instead of cancelling (unlike XOR or
//! CHECKSUM_AGG), and mod 2^64 keeps the comparison exact for any row count.

/// Row count and hash sum of a set of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checksum {
    pub count: u64,
    /// Sum of the first 8 hash bytes (as signed bigints), mod 2^64.
    pub sum: u64,
}

impl Checksum {
    /// From the server's COUNT_BIG and DECIMAL(38,0) SUM (NULL when there are no rows).
    pub fn from_server(count: i64, sum: Option<i128>) -> Checksum {
        Checksum { count: count.max(0) as u64, sum: reduce(sum.unwrap_or(0)) }
    }

    /// Adds one row hash (client side).
    pub fn add(&mut self, hash: &[u8]) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(prefix(hash) as u64);
    }
}

/// `x mod 2^64` as the two's-complement truncation.
pub fn reduce(x: i128) -> u64 {
    x as u64
}

/// The first 8 bytes of a hash as a signed big-endian integer: what
/// `CONVERT(bigint, SUBSTRING(h, 1, 8))` returns.
pub fn prefix(hash: &[u8]) -> i64 {
    let mut b = [0u8; 8];
    let n = hash.len().min(8);
    b[..n].copy_from_slice(&hash[..n]);
    i64::from_be_bytes(b)
}

/// The T-SQL aggregate over a derived column `h` holding row hashes.
pub const AGGREGATE_SQL: &str =
    "COUNT_BIG(*) AS n, SUM(CAST(CONVERT(bigint, SUBSTRING(h, 1, 8)) AS decimal(38,0))) AS s";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reduces_negative_and_huge_sums() {
        assert_eq!(reduce(-1), u64::MAX);
        assert_eq!(reduce(1i128 << 64), 0);
        assert_eq!(prefix(&[0xFF; 32]), -1);
        assert_eq!(Checksum::from_server(0, None), Checksum::default());
    }

    proptest! {
        #[test]
        fn decimal_sum_mod_2_64_equals_wrapping_sum(hashes in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 8), 0..200)) {
            let exact: i128 = hashes.iter().map(|h| prefix(h) as i128).sum();
            let mut c = Checksum::default();
            for h in &hashes { c.add(h); }
            prop_assert_eq!(Checksum::from_server(hashes.len() as i64, Some(exact)), c);
        }

        #[test]
        fn order_does_not_matter_and_duplicates_count(mut hashes in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 32), 1..50)) {
            let sum = |hs: &[Vec<u8>]| { let mut c = Checksum::default(); for h in hs { c.add(h); } c };
            let before = sum(&hashes);
            hashes.reverse();
            prop_assert_eq!(before, sum(&hashes));
            let dup = hashes[0].clone();
            hashes.push(dup);
            prop_assert_ne!(before, sum(&hashes));
        }
    }
}
