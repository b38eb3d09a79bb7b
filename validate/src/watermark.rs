//! Watermarks: what a run records per table and side so a later `--since` run checks only
//! what changed after it.
//!
//! - `rowversion`: `@@DBTS`, the database's last-used rowversion value, read before the
//!   table's first row is compared. SQL Server gives every inserted or updated row of a table
//!   with a rowversion column the next value of one counter per database, so rows above the
//!   watermark changed later ([rowversion], [@@DBTS]). The source's and the target's counters
//!   are unrelated: each side keeps its own. Deletes leave no rowversion behind.
//! - Change Tracking: `CHANGE_TRACKING_CURRENT_VERSION()` read at the same moment, when
//!   `CHANGE_TRACKING_MIN_VALID_VERSION(object_id)` is not NULL (Change Tracking enabled on the
//!   table) ([CHANGETABLE]): `CHANGETABLE(CHANGES t, version)` then lists every row inserted,
//!   updated or deleted since, by primary key.
//!
//! A transaction still open when the watermark is read and committing after its rows were
//! compared is seen by the full run under locking READ COMMITTED (the read waits for it), not
//! under read-committed snapshot; `docs/validate-report.md` says so.
//!
//! [rowversion]: https://learn.microsoft.com/sql/t-sql/data-types/rowversion-transact-sql
//! [@@DBTS]: https://learn.microsoft.com/sql/t-sql/functions/dbts-transact-sql
//! [CHANGETABLE]: https://learn.microsoft.com/sql/relational-databases/system-functions/changetable-transact-sql

use crate::catalog::{Schema, TableSchema};
use crate::cells::{bytes, int};
use crate::compare::Sides;
use crate::report::{SideMark, Watermarks};
use cutover_mssql::Connection;

/// The name sys.types gives rowversion columns.
const ROWVERSION_TYPE: &str = "timestamp";

/// The table's rowversion column, if it has one.
pub fn rowversion_column(t: &TableSchema) -> Option<String> {
    t.columns.iter().find(|c| c.type_name.eq_ignore_ascii_case(ROWVERSION_TYPE)).map(|c| c.name.clone())
}

/// The query that reads one side's watermarks for a table (`[schema].[name]`).
pub fn watermark_sql(quoted_table: &str) -> String {
    format!(
        "SELECT @@DBTS, CHANGE_TRACKING_CURRENT_VERSION(), CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID(N'{}'))",
        quoted_table.replace('\'', "''")
    )
}

/// `0x00000000000007D5`.
pub fn hex(b: &[u8]) -> String {
    let digits: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!("0x{digits}")
}

/// Both sides' watermarks for `table`; `None` when neither side has a rowversion column or
/// Change Tracking on it (or the watermark query failed: the table is then validated whole by
/// a later `--since` run, never skipped).
pub async fn read(sides: &mut Sides<'_>, s: &Schema, t: &Schema, table: &str) -> Option<Watermarks> {
    let (ss, ts) = (s.tables.get(table)?, t.tables.get(table)?);
    let (qs, qt) = (watermark_sql(&ss.quoted()), watermark_sql(&ts.quoted()));
    let (a, b) = tokio::join!(side(sides.src, &qs, ss), side(sides.tgt, &qt, ts));
    sides.out.queries += 2;
    let marks = Watermarks { source: a, target: b };
    let empty = SideMark::default();
    (marks.source != empty || marks.target != empty).then_some(marks)
}

async fn side(conn: &mut Connection, sql: &str, t: &TableSchema) -> SideMark {
    let column = rowversion_column(t);
    let rows = match conn.query_rows(sql, &[]).await {
        Ok(rows) => rows,
        // A server without Change Tracking's functions still has @@DBTS.
        Err(_) if column.is_some() => match conn.query_rows("SELECT @@DBTS", &[]).await {
            Ok(rows) => {
                let rowversion = rows.first().and_then(|r| bytes(r, 0)).map(|b| hex(&b));
                return SideMark { rowversion, rowversion_column: column, change_tracking: None };
            }
            Err(_) => return SideMark::default(),
        },
        Err(_) => return SideMark::default(),
    };
    let Some(r) = rows.first() else { return SideMark::default() };
    let tracked = int(r, 2).is_some();
    SideMark {
        rowversion: column.as_ref().and(bytes(r, 0)).map(|b| hex(&b)),
        rowversion_column: column,
        change_tracking: if tracked { int(r, 1).map(|v| v as i64) } else { None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_quotes_the_table_and_the_hex_is_sql_server_s() {
        assert_eq!(
            watermark_sql("[dbo].[o'x]"),
            "SELECT @@DBTS, CHANGE_TRACKING_CURRENT_VERSION(), CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID(N'[dbo].[o''x]'))"
        );
        assert_eq!(hex(&[0, 0, 0, 0, 0, 0, 7, 0xD5]), "0x00000000000007D5");
    }
}
