//! Values come back exactly as SQL Server returns them, or with SQL Server's error — never
//! rounded, truncated or silently dropped. Each check names the Microsoft documentation page
//! its expected value comes from. Run through tiberius, a real TDS client.

mod common;

use common::{TestServer, connect, sim};
use cutover_mssql::Connection;
use cutover_sim::server::TlsMode;
use rust_decimal::Decimal;
use tiberius::numeric::Numeric;

async fn server() -> (TestServer, Connection) {
    let server = sim(TlsMode::Disabled).await;
    let conn = connect(&server).await;
    (server, conn)
}

/// The SQL Server error number `sql` fails with; panics when it succeeds.
async fn error_number(conn: &mut Connection, sql: &str) -> u32 {
    match conn.simple_query(sql).await {
        Ok(sets) => panic!("{sql}: expected an error, got {sets:?}"),
        Err(e) => e.sql().map(|s| s.number).unwrap_or_else(|| panic!("{sql}: not a server error: {e}")),
    }
}

/// The first column of the first row of `sql` as a `Numeric` (tiberius's exact decimal).
async fn numeric(conn: &mut Connection, sql: &str) -> Numeric {
    let rows = conn.query_rows(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    let row = rows.first().unwrap_or_else(|| panic!("{sql}: no rows"));
    row.get::<Numeric, _>(0).unwrap_or_else(|| panic!("{sql}: NULL"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_integer_overflow_is_error_8115_not_an_empty_result() {
    let (_server, mut conn) = server().await;
    // "int, bigint, smallint, and tinyint (Transact-SQL)": int is -2^31 .. 2^31-1; beyond it
    // SQL Server raises 8115 "Arithmetic overflow error converting expression to data type int".
    assert_eq!(error_number(&mut conn, "SELECT 2147483647 + 1 AS x").await, 8115);
    assert_eq!(error_number(&mut conn, "SELECT CAST(9223372036854775807 AS bigint) + 1 AS x").await, 8115);
    // The connection stays usable and later statements still answer.
    let rows = conn.query_rows("SELECT 2147483646 + 1 AS x", &[]).await.unwrap();
    assert_eq!(rows[0].get::<i32, _>(0), Some(i32::MAX));
}
