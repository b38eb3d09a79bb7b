//! Values come back exactly as SQL Server returns them, or with SQL Server's error — never
//! rounded, truncated or silently dropped. Each check names the Microsoft documentation page
//! its expected value comes from. Run through tiberius, a real TDS client.

mod common;

use common::{TestServer, connect, sim};
use cutover_mssql::Connection;
use cutover_sim::server::TlsMode;
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

/// 12345678901234567890.1234567891 at scale 10: 30 digits, beyond a double's 15.
fn big_decimal() -> Numeric {
    Numeric::new_with_scale(123_456_789_012_345_678_901_234_567_891, 10)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_38_digit_decimal_keeps_every_digit_as_literal_parameter_and_column() {
    let (_server, mut conn) = server().await;
    // "decimal and numeric (Transact-SQL)": precision up to 38 digits, stored exactly.
    let literal = "SELECT CAST(12345678901234567890.1234567891 AS decimal(38,10))";
    assert_eq!(numeric(&mut conn, literal).await, big_decimal());
    assert_eq!(numeric(&mut conn, "SELECT 12345678901234567890.1234567891").await, big_decimal());
    let rows = conn.query_rows("SELECT @P1", &[&big_decimal()]).await.unwrap();
    assert_eq!(rows[0].get::<Numeric, _>(0), Some(big_decimal()));

    conn.simple_query("CREATE TABLE dbo.amounts (id int PRIMARY KEY, d decimal(38,10) NOT NULL)")
        .await
        .unwrap();
    conn.execute("INSERT INTO dbo.amounts VALUES (1, @P1)", &[&big_decimal()]).await.unwrap();
    conn.simple_query(
        "INSERT INTO dbo.amounts VALUES (2, 12345678901234567890.1234567890), (3, -0.5), (4, 9.25)",
    )
    .await
    .unwrap();
    assert_eq!(numeric(&mut conn, "SELECT d FROM dbo.amounts WHERE id = 1").await, big_decimal());
    // Comparisons and order are numeric and exact: the two big values differ in the 30th digit.
    let ids = |rows: Vec<tiberius::Row>| rows.iter().map(|r| r.get::<i32, _>(0).unwrap()).collect::<Vec<_>>();
    let rows = conn.query_rows("SELECT id FROM dbo.amounts WHERE d = @P1", &[&big_decimal()]).await.unwrap();
    assert_eq!(ids(rows), vec![1]);
    let rows = conn.query_rows("SELECT id FROM dbo.amounts ORDER BY d DESC", &[]).await.unwrap();
    assert_eq!(ids(rows), vec![1, 2, 4, 3]);
    let rows = conn.query_rows("SELECT id FROM dbo.amounts ORDER BY d + 0", &[]).await.unwrap();
    assert_eq!(ids(rows), vec![3, 4, 2, 1]);
    let rows = conn.query_rows("SELECT id FROM dbo.amounts WHERE d * 1 > 10 ORDER BY id", &[]).await.unwrap();
    assert_eq!(ids(rows), vec![1, 2]);
    // SUM of decimal(38,10) is decimal(38,10) ("SUM (Transact-SQL)"), exact.
    let sum = numeric(&mut conn, "SELECT SUM(d) FROM dbo.amounts WHERE id <= 2").await;
    assert_eq!(sum, Numeric::new_with_scale(246_913_578_024_691_357_802_469_135_781, 10));
    assert_eq!(numeric(&mut conn, "SELECT MAX(d) FROM dbo.amounts").await, big_decimal());
}

#[tokio::test(flavor = "multi_thread")]
async fn decimal_arithmetic_is_exact_at_sql_servers_precision_and_scale() {
    let (_server, mut conn) = server().await;
    // "Precision, scale, and length (Transact-SQL)": 1.0/3 is decimal(13,12) = 0.333333333333;
    // times 3 it stays at scale 12: 0.999999999999, not 1.
    assert_eq!(numeric(&mut conn, "SELECT 1.0/3*3").await, Numeric::new_with_scale(999_999_999_999, 12));
    // 0.0000009000 (decimal(30,10)) × 1.0000000000 (decimal(30,10)) is decimal(38,6): 0.000001.
    let sql = "SELECT CAST(0.0000009000 AS DECIMAL(30,10)) * CAST(1.0000000000 AS DECIMAL(30,10))";
    assert_eq!(numeric(&mut conn, sql).await, Numeric::new_with_scale(1, 6));
    // decimal(38,10) + decimal(10,10) keeps 28 integral places and scale 10.
    let sql = "SELECT CAST(12345678901234567890.1234567891 AS decimal(38,10)) + CAST(0.0000000009 AS decimal(10,10))";
    assert_eq!(
        numeric(&mut conn, sql).await,
        Numeric::new_with_scale(123_456_789_012_345_678_901_234_567_900, 10)
    );
    // Beyond 38 digits: 8115.
    let sql = "SELECT CAST(99999999999999999999999999999999999999 AS decimal(38,0)) + 1";
    assert_eq!(error_number(&mut conn, sql).await, 8115);
    // A variable compares by value ("Comparison Operators"): 7.5 < 10.
    let rows = conn
        .query_rows("DECLARE @d decimal(10,2) = 7.5; SELECT CASE WHEN @d < 10 THEN 1 ELSE 0 END", &[])
        .await
        .unwrap();
    assert_eq!(rows[0].get::<i32, _>(0), Some(1));
}

/// The money values of `sql`'s first column, as exact text: tiberius decodes money into an
/// f64, so each value is sent as `CONVERT(varchar, m, 2)` ("CAST and CONVERT (Transact-SQL)":
/// money style 2 has no commas and four digits after the point).
async fn money_texts(conn: &mut Connection, sql: &str) -> Vec<String> {
    let rows = conn.query_rows(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter().map(|r| r.get::<&str, _>(0).expect("not NULL").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn money_at_its_limits_comes_back_whole() {
    let (_server, mut conn) = server().await;
    // "money and smallmoney (Transact-SQL)": -922,337,203,685,477.5808 to 922,337,203,685,477.5807.
    let sql = "SELECT CONVERT(varchar(30), CAST(922337203685477.5807 AS money), 2) \
               UNION ALL SELECT CONVERT(varchar(30), CAST(-922337203685477.5808 AS money), 2)";
    assert_eq!(money_texts(&mut conn, sql).await, ["922337203685477.5807", "-922337203685477.5808"]);
    conn.simple_query("CREATE TABLE dbo.ledger (id int PRIMARY KEY, m money NOT NULL)").await.unwrap();
    conn.simple_query(
        "INSERT INTO dbo.ledger VALUES (1, 922337203685477.5807), (2, -922337203685477.5808), (3, 1.5)",
    )
    .await
    .unwrap();
    let sql = "SELECT CONVERT(varchar(30), m, 2) FROM dbo.ledger ORDER BY id";
    assert_eq!(
        money_texts(&mut conn, sql).await,
        ["922337203685477.5807", "-922337203685477.5808", "1.5000"]
    );
    // The raw column streams too (as tiberius's f64), every row of it.
    let rows = conn.query_rows("SELECT m FROM dbo.ledger ORDER BY m", &[]).await.unwrap();
    let got: Vec<Option<f64>> = rows.iter().map(|r| r.get::<f64, _>(0)).collect();
    // The documented limits, written as documented; tiberius's f64 is their nearest double.
    #[allow(clippy::excessive_precision)]
    let limits = (-922337203685477.5808, 922337203685477.5807);
    assert_eq!(got, vec![Some(limits.0), Some(1.5), Some(limits.1)]);
    // money + money is money ("Data type precedence"); one more cent overflows it: 8115, not a
    // silently empty result. (money + 0.01 would be decimal, which decimal outranks.)
    let sql = "SELECT m + CAST(0.01 AS money) FROM dbo.ledger WHERE id = 1";
    assert_eq!(error_number(&mut conn, sql).await, 8115);
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_raised_inside_expressions_keep_their_sql_server_number() {
    let (_server, mut conn) = server().await;
    // "MSSQLSERVER_8134": Divide by zero error encountered.
    assert_eq!(error_number(&mut conn, "SELECT 1/0").await, 8134);
    // "CAST and CONVERT (Transact-SQL)": a string that is not a number fails with 245.
    assert_eq!(error_number(&mut conn, "SELECT CAST('abc' AS int)").await, 245);
}

#[tokio::test(flavor = "multi_thread")]
async fn smalldatetime_out_of_range_is_an_error_and_rounds_to_the_minute() {
    let (_server, mut conn) = server().await;
    conn.simple_query("CREATE TABLE dbo.visits (id int PRIMARY KEY, at smalldatetime NULL)").await.unwrap();
    // "smalldatetime (Transact-SQL)": 1900-01-01 through 2079-06-06. A string beyond it is 242
    // ("The conversion of a varchar data type to a smalldatetime data type resulted in an
    // out-of-range value"), a date/time value 298 ("… smalldatetime overflow error").
    assert_eq!(error_number(&mut conn, "INSERT INTO dbo.visits VALUES (1, '2079-06-07')").await, 242);
    assert_eq!(error_number(&mut conn, "INSERT INTO dbo.visits VALUES (2, '1899-12-31 23:59')").await, 242);
    assert_eq!(error_number(&mut conn, "SELECT CAST('2080-01-01' AS smalldatetime)").await, 242);
    let late = chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    let err = conn.execute("INSERT INTO dbo.visits VALUES (3, @P1)", &[&late]).await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(298), "{err}");
    let sql = "SELECT DATEADD(year, 100, CAST('2000-01-01' AS smalldatetime))";
    // "DATEADD (Transact-SQL)": a result beyond the type's range is 517.
    assert_eq!(error_number(&mut conn, sql).await, 517);
    // Nothing was stored, so the table still reads.
    let rows = conn.query_rows("SELECT COUNT(*) FROM dbo.visits", &[]).await.unwrap();
    assert_eq!(rows[0].get::<i32, _>(0), Some(0));
    // 29.998 seconds and less round down, 29.999 and more up; 2079-06-06 23:59 is the last value.
    conn.simple_query(
        "INSERT INTO dbo.visits VALUES (4, '2007-05-08 12:35:29.998'), (5, '2007-05-08 12:35:29.999'), \
         (6, '2079-06-06 23:59')",
    )
    .await
    .unwrap();
    let rows = conn.query_rows("SELECT at FROM dbo.visits ORDER BY id", &[]).await.unwrap();
    let at: Vec<String> =
        rows.iter().map(|r| r.get::<chrono::NaiveDateTime, _>(0).unwrap().to_string()).collect();
    assert_eq!(at, ["2007-05-08 12:35:00", "2007-05-08 12:36:00", "2079-06-06 23:59:00"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_loaded_money_rows_are_all_there_to_the_last_digit() {
    use tiberius::IntoRow;
    let (_server, mut conn) = server().await;
    conn.simple_query(
        "CREATE TABLE dbo.payments (id int NOT NULL PRIMARY KEY, m money NOT NULL, sm smallmoney NULL)",
    )
    .await
    .unwrap();
    // "money and smallmoney (Transact-SQL)": money's largest value and smallmoney's smallest.
    let rows = [
        (
            1,
            Numeric::new_with_scale(9_223_372_036_854_775_807, 4),
            Some(Numeric::new_with_scale(-2_147_483_648, 4)),
        ),
        (2, Numeric::new_with_scale(1234, 2), None),
        (3, Numeric::new_with_scale(-5, 4), Some(Numeric::new_with_scale(15, 1))),
    ];
    let mut bulk = conn.client_mut().bulk_insert("dbo.payments").await.unwrap();
    for (id, m, sm) in rows {
        bulk.send((id, m, sm).into_row()).await.unwrap();
    }
    assert_eq!(bulk.finalize().await.unwrap().total(), 3);
    let sql = "SELECT CONVERT(varchar(30), m, 2) + '|' + ISNULL(CONVERT(varchar(30), sm, 2), 'NULL') \
               FROM dbo.payments ORDER BY id";
    assert_eq!(
        money_texts(&mut conn, sql).await,
        ["922337203685477.5807|-214748.3648", "12.3400|NULL", "-0.0005|1.5000"]
    );
}
