//! Table patterns of `--tables`, `--exclude` and `--priority`: `dbo.*`, or a bare name that
//! matches in any schema; `*` and `?` wildcards, case-insensitive ([`cutover_common::glob`]).

use cutover_common::glob::glob;

/// True when `pattern` (`dbo.*`, `orders`: a bare name matches in any schema) names `table`.
pub fn table_matches(pattern: &str, table: &str) -> bool {
    let target = if pattern.contains('.') { table } else { table.split_once('.').map_or(table, |(_, t)| t) };
    glob(pattern, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_matches_in_any_schema_and_a_dotted_one_exactly() {
        assert!(table_matches("orders", "sales.orders") && table_matches("ORDERS", "dbo.Orders"));
        assert!(table_matches("dbo.*", "dbo.customers") && !table_matches("dbo.*", "sales.customers"));
        assert!(table_matches("*log", "dbo.auditlog") && table_matches("ord?rs", "x.orders"));
        assert!(!table_matches("orders", "dbo.orders_archive"));
    }
}
