//! The collations the translator relies on:
//! - `tsql_ci`: SQL_Latin1_General_CP1_CI_AS-like — case-insensitive (Unicode lower-casing),
//!   accent-sensitive, trailing spaces ignored;
//! - `tsql_guid`: uniqueidentifier order — SQL Server compares the last six bytes first, then
//!   bytes 8-9, then 6-7, 4-5 and 0-3 (each of the first three groups little-endian), which is
//!   `SqlGuid`'s order over the canonical text bytes 10-15, 8-9, 7-6, 5-4, 3-0;
//! - `tsql_decimal`: decimal, numeric and money columns, kept as exact text, in numeric order
//!   ([`crate::types::decimal::compare_text`]).

use std::cmp::Ordering;

use super::Def;
use crate::types::storage::parse_guid;

pub(super) const FUNCTIONS: &[Def] = &[];

/// Registers `tsql_ci`, `tsql_guid` and `tsql_decimal` on `conn`.
pub fn register_collations(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.create_collation("tsql_ci", compare_ci)?;
    conn.create_collation("tsql_guid", compare_guid)?;
    conn.create_collation("tsql_decimal", crate::types::decimal::compare_text)?;
    Ok(())
}

fn fold(c: char) -> char {
    if c.is_ascii() { c.to_ascii_lowercase() } else { c.to_lowercase().next().unwrap_or(c) }
}

/// Case-insensitive comparison ignoring trailing spaces.
pub fn compare_ci(a: &str, b: &str) -> Ordering {
    let a = a.trim_end_matches(' ').chars().map(fold);
    let b = b.trim_end_matches(' ').chars().map(fold);
    a.cmp(b)
}

/// Canonical-text byte positions in SQL Server's comparison order.
const GUID_ORDER: [usize; 16] = [10, 11, 12, 13, 14, 15, 8, 9, 7, 6, 5, 4, 3, 2, 1, 0];

/// uniqueidentifier comparison; text that is not a GUID sorts by [`compare_ci`] after GUIDs.
pub fn compare_guid(a: &str, b: &str) -> Ordering {
    match (parse_guid(a), parse_guid(b)) {
        (Some(x), Some(y)) => GUID_ORDER.iter().map(|&i| x[i]).cmp(GUID_ORDER.iter().map(|&i| y[i])),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => compare_ci(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ci_ignores_case_and_trailing_spaces() {
        assert_eq!(compare_ci("abc", "ABC  "), Ordering::Equal);
        assert_eq!(compare_ci("ÄBC", "äbc"), Ordering::Equal);
        assert_eq!(compare_ci("a", "B"), Ordering::Less);
        assert_ne!(compare_ci("a ", " a"), Ordering::Equal);
    }

    #[test]
    fn guid_order_puts_the_last_group_first() {
        let a = "00000000-0000-0000-0000-000000000001";
        let b = "FF000000-0000-0000-0000-000000000000";
        assert_eq!(compare_guid(b, a), Ordering::Less);
        let c = "00000000-0000-0000-0100-000000000000";
        let d = "00000000-0000-0000-0001-000000000000";
        // Bytes 8-9 compare in text order: 00 01 < 01 00.
        assert_eq!(compare_guid(d, c), Ordering::Less);
        // Within 0-3 the last byte is most significant.
        assert_eq!(
            compare_guid("01000000-0000-0000-0000-000000000000", "00000001-0000-0000-0000-000000000000"),
            Ordering::Less
        );
    }

    #[test]
    fn collations_sort_in_sqlite() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        register_collations(&c).unwrap();
        let n: i64 = c.query_row("SELECT 'Hello ' = 'hello' COLLATE tsql_ci", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }

    proptest! {
        #[test]
        fn ci_is_a_total_order_consistent_with_case(a in "[a-zA-Z ]{0,8}", b in "[a-zA-Z ]{0,8}") {
            prop_assert_eq!(compare_ci(&a, &b), compare_ci(&a.to_uppercase(), &b.to_lowercase()));
            prop_assert_eq!(compare_ci(&a, &b), compare_ci(&b, &a).reverse());
        }
    }
}
