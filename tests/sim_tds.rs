//! The simulator speaks TDS the way clients expect: tiberius through cutover's connection layer
//! runs plain and parameterised queries, gets every type back exactly, sees SQL Server's errors,
//! cancels mid-stream, and connects with TLS, login-only TLS, TDS 8.0 strict and no TLS.

mod common;

use common::{TestServer, connect, connect_str, sim};
use cutover_mssql::ErrorKind;
use cutover_sim::server::TlsMode;
use futures_util::TryStreamExt;
use tiberius::{ColumnType, QueryItem};

/// Ten million rows from cross joins of a ten-row VALUES table: portable to SQL Server, which
/// caps recursive CTEs at 100 levels by default.
const TEN_MILLION_ROWS: &str = "(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) a(x), \
    (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) b(x), (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) c(x), \
    (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) d(x), (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) e(x), \
    (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) f(x), (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) g(x)";

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_query_returns_sql_server_types() {
    check_plain_query_types(&sim(TlsMode::Enabled).await.conn).await;
}

async fn check_plain_query_types(conn_str: &str) {
    let mut conn = connect_str(conn_str).await;
    let rows = conn
        .query_rows(
            "SELECT 1 AS one, CAST(2 AS bigint) AS two, N'x' AS s, COUNT(*) AS n FROM sys.databases",
            &[],
        )
        .await
        .unwrap();
    let row = &rows[0];
    let types: Vec<ColumnType> = row.columns().iter().map(|c| c.column_type()).collect();
    assert_eq!(types, vec![ColumnType::Int4, ColumnType::Int8, ColumnType::NVarchar, ColumnType::Int4]);
    assert_eq!(row.get::<i32, _>("one"), Some(1));
    assert_eq!(row.get::<i64, _>("two"), Some(2));
    assert_eq!(row.get::<&str, _>("s"), Some("x"));
    assert!(row.get::<i32, _>("n").unwrap() >= 3, "master, tempdb and shop at least");
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_are_created_filled_and_read_with_parameters() {
    let server = sim(TlsMode::Enabled).await;
    let mut conn = connect(&server).await;
    conn.simple_query(
        "CREATE TABLE dbo.orders (id int IDENTITY(1,1) PRIMARY KEY CLUSTERED, customer nvarchar(50) NOT NULL, \
         amount decimal(12,2) NULL, placed datetime2(7) NOT NULL)",
    )
    .await
    .unwrap();
    let placed = chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
        .unwrap()
        .and_hms_nano_opt(23, 59, 59, 123_456_700)
        .unwrap();
    for (customer, amount) in [("Ada", "10.50"), ("Grace", "-3.25"), ("ada", "7.00")] {
        let amount: rust_decimal::Decimal = amount.parse().unwrap();
        let n = conn
            .execute(
                "INSERT INTO dbo.orders (customer, amount, placed) VALUES (@P1, @P2, @P3)",
                &[&customer, &amount, &placed],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
    let rows = conn
        .query_rows(
            "SELECT id, customer, amount, placed FROM dbo.orders WHERE customer = @P1 ORDER BY id",
            &[&"ADA"],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the default collation is case-insensitive");
    assert_eq!(rows[0].get::<i32, _>("id"), Some(1));
    assert_eq!(rows[0].get::<rust_decimal::Decimal, _>("amount"), Some("10.50".parse().unwrap()));
    assert_eq!(rows[1].get::<&str, _>("customer"), Some("ada"));
    assert_eq!(rows[0].get::<chrono::NaiveDateTime, _>("placed"), Some(placed));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_parameter_type_round_trips_with_edge_values_and_null() {
    check_parameter_round_trips(&sim(TlsMode::Enabled).await.conn).await;
}

async fn check_parameter_round_trips(conn_str: &str) {
    let mut conn = connect_str(conn_str).await;
    macro_rules! round_trip {
        ($value:expr, $ty:ty) => {{
            let v: $ty = $value;
            let rows = conn.query_rows("SELECT @P1 AS v", &[&v]).await.unwrap();
            let got: Option<$ty> = rows[0].get::<$ty, _>("v").map(|x| x.to_owned());
            assert_eq!(got, Some(v.clone()), "round trip of {:?}", v);
        }};
    }
    round_trip!(i32::MIN, i32);
    round_trip!(i32::MAX, i32);
    round_trip!(i64::MIN, i64);
    round_trip!(i16::MAX, i16);
    round_trip!(255u8, u8);
    round_trip!(true, bool);
    round_trip!(1.5f32, f32);
    round_trip!(f64::MAX, f64);
    round_trip!(-0.1f64, f64);
    round_trip!("-12345678901234567890.123456789".parse().unwrap(), rust_decimal::Decimal);
    round_trip!(chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap(), chrono::NaiveDate);
    round_trip!(chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(), chrono::NaiveDate);
    round_trip!(chrono::NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_900).unwrap(), chrono::NaiveTime);
    round_trip!(
        chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_nano_opt(0, 0, 0, 100).unwrap(),
        chrono::NaiveDateTime
    );
    round_trip!(tiberius::Uuid::parse_str("6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap(), tiberius::Uuid);

    for text in ["", "plain", "ünïcødé ✓ 𝄞", &"x".repeat(9000)] {
        let rows = conn.query_rows("SELECT @P1 AS v, LEN(@P1) AS n", &[&text]).await.unwrap();
        assert_eq!(rows[0].get::<&str, _>("v"), Some(text));
    }
    let bytes: Vec<u8> = (0..=255).collect();
    let rows = conn.query_rows("SELECT @P1 AS v", &[&bytes]).await.unwrap();
    assert_eq!(rows[0].get::<&[u8], _>("v"), Some(&bytes[..]));

    let none: Option<i32> = None;
    let rows = conn.query_rows("SELECT @P1 AS v", &[&none]).await.unwrap();
    assert_eq!(rows[0].get::<i32, _>("v"), None);

    let offset = chrono::FixedOffset::west_opt(5 * 3600 + 1800).unwrap();
    let dto = chrono::DateTime::<chrono::FixedOffset>::from_naive_utc_and_offset(
        chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap().and_hms_opt(12, 0, 0).unwrap(),
        offset,
    );
    let rows = conn.query_rows("SELECT @P1 AS v", &[&dto]).await.unwrap();
    assert_eq!(rows[0].get::<chrono::DateTime<chrono::FixedOffset>, _>("v"), Some(dto));
}

#[tokio::test(flavor = "multi_thread")]
async fn sql_server_errors_arrive_with_their_numbers_and_are_classified() {
    check_errors(&sim(TlsMode::Enabled).await.conn).await;
}

async fn check_errors(conn_str: &str) {
    let mut conn = connect_str(conn_str).await;
    let err = conn.query_rows("SELECT * FROM dbo.no_such_table", &[]).await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(208), "{err}");
    assert_eq!(err.kind(), ErrorKind::InvalidObject);
    let err = conn.query_rows("SELEC 1", &[]).await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(102), "{err}");
    assert_eq!(err.kind(), ErrorKind::Syntax);
    // The connection is still usable after errors.
    assert_eq!(conn.query_scalar::<i32>("SELECT 42", &[]).await.unwrap(), Some(42));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_login_failed_18456() {
    let server = sim(TlsMode::Enabled).await;
    let conn = server.conn.replace("User Id=cutover", "User Id=cutover;Password=wrong-one");
    let Err(err) = cutover_mssql::connect(&common::target(&conn)).await else { panic!("login must fail") };
    assert_eq!(err.kind(), ErrorKind::Login, "{err}");
    assert!(err.to_string().contains("18456"), "{err}");
    assert!(!err.to_string().contains("wrong-one"), "the password leaked: {err}");
}

/// A query abandoned mid-stream leaves the connection usable, and an ATTENTION sent while idle
/// is acknowledged (a DONE with ATTN, in a message of its own) without desynchronising it.
///
/// A cancel *during* a result is checked with pytds and tedious (`tests/conformance.rs`):
/// SQL Server ends the response in flight and acknowledges the ATTENTION in a separate message
/// (as a SqlClient packet trace shows: dotnet/SqlClient#2714), while tiberius 0.13's
/// `cancel_query` looks for the acknowledgement only inside the response in flight.
#[tokio::test(flavor = "multi_thread")]
async fn a_query_is_cancelled_mid_stream_and_the_connection_is_reused() {
    check_cancel_mid_stream(&sim(TlsMode::Enabled).await.conn).await;
}

async fn check_cancel_mid_stream(conn_str: &str) {
    let mut conn = connect_str(conn_str).await;
    let client = conn.client_mut();
    {
        let mut stream = client
            .simple_query(&format!("SELECT a.x + 10 * b.x + 100 * c.x AS i FROM {TEN_MILLION_ROWS}"))
            .await
            .unwrap();
        let mut seen = 0;
        while let Some(item) = stream.try_next().await.unwrap() {
            if let QueryItem::Row(_) = item {
                seen += 1;
                if seen == 1000 {
                    break;
                }
            }
        }
    }
    // tiberius drains the abandoned result before its next request.
    let rows = client.simple_query("SELECT 7 AS seven").await.unwrap().into_first_result().await.unwrap();
    assert_eq!(rows[0].get::<i32, _>(0), Some(7));
    // An attention while idle is acknowledged too, and the connection stays in step.
    client.cancel_query().await.expect("an idle attention is acknowledged");
    let rows = client.simple_query("SELECT 8 AS eight").await.unwrap().into_first_result().await.unwrap();
    assert_eq!(rows[0].get::<i32, _>(0), Some(8));
}

#[tokio::test(flavor = "multi_thread")]
async fn thirty_two_connections_work_at_once() {
    check_concurrent_connections(&sim(TlsMode::Enabled).await.conn).await;
}

async fn check_concurrent_connections(conn: &str) {
    let mut tasks = Vec::new();
    for i in 0..32i32 {
        let conn_str = conn.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = connect_str(&conn_str).await;
            let mut total = 0;
            for j in 0..20i32 {
                total += conn.query_scalar::<i32>("SELECT @P1 + @P2", &[&i, &j]).await.unwrap().unwrap();
            }
            (i, total)
        }));
    }
    for task in tasks {
        let (i, total) = task.await.unwrap();
        assert_eq!(total, 20 * i + 190);
    }
}

async fn answers_select_one(server: &TestServer, conn: &str) {
    let _ = server;
    let mut conn = connect_str(conn).await;
    assert_eq!(conn.query_scalar::<i32>("SELECT 1", &[]).await.unwrap(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_full_login_only_strict_and_plain_all_connect() {
    let server = sim(TlsMode::Enabled).await;
    answers_select_one(&server, &server.conn).await;
    answers_select_one(&server, &server.conn_with("Encrypt=false")).await;
    answers_select_one(&server, &server.conn_with("Encrypt=strict")).await;
    let plain = sim(TlsMode::Disabled).await;
    answers_select_one(&plain, &plain.conn).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_required_certificate_check_rejects_the_self_signed_simulator() {
    let server = sim(TlsMode::Enabled).await;
    let conn = server.conn.replace(";TrustServerCertificate=true", "");
    let Err(err) = cutover_mssql::connect(&common::target(&conn)).await else {
        panic!("an untrusted certificate must fail")
    };
    assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_million_rows_stream_to_the_client() {
    let server = sim(TlsMode::Enabled).await;
    let mut conn = connect(&server).await;
    let client = conn.client_mut();
    let mut stream = client
        .simple_query(
            "WITH d(x) AS (SELECT x FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) v(x)), \
             n(i) AS (SELECT 1 + a.x + 10 * b.x + 100 * c.x + 1000 * e.x + 10000 * f.x + 100000 * g.x \
                      FROM d a, d b, d c, d e, d f, d g) \
             SELECT i, i * 2 AS d, N'row' AS s FROM n",
        )
        .await
        .unwrap();
    let (mut rows, mut sum) = (0u64, 0i64);
    while let Some(item) = stream.try_next().await.unwrap() {
        if let QueryItem::Row(row) = item {
            rows += 1;
            sum += row.get::<i32, _>(0).unwrap() as i64;
        }
    }
    assert_eq!(rows, 1_000_000);
    assert_eq!(sum, 500_000_500_000);
}

/// The same protocol checks against a real SQL Server when `CUTOVER_TEST_MSSQL` names one.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
async fn the_same_checks_pass_against_a_live_server() {
    let live = common::live();
    check_plain_query_types(&live.conn).await;
    check_parameter_round_trips(&live.conn).await;
    check_errors(&live.conn).await;
    check_cancel_mid_stream(&live.conn).await;
    check_concurrent_connections(&live.conn).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_load_inserts_typed_rows() {
    use tiberius::IntoRow;
    let server = sim(TlsMode::Enabled).await;
    let mut conn = connect(&server).await;
    conn.simple_query("CREATE TABLE dbo.items (id bigint NOT NULL PRIMARY KEY, label nvarchar(20) NULL, price decimal(10,2) NOT NULL)")
        .await
        .unwrap();
    let client = conn.client_mut();
    let mut bulk = client.bulk_insert("dbo.items").await.unwrap();
    for i in 0..5000i64 {
        let label = if i % 10 == 0 { None } else { Some(format!("item {i}")) };
        let price = rust_decimal::Decimal::new(i * 101, 2);
        bulk.send((i, label, price).into_row()).await.unwrap();
    }
    let result = bulk.finalize().await.unwrap();
    assert_eq!(result.total(), 5000);
    let rows = conn
        .query_rows("SELECT COUNT(*) AS n, SUM(price) AS total, COUNT(label) AS labelled FROM dbo.items", &[])
        .await
        .unwrap();
    assert_eq!(rows[0].get::<i32, _>("n"), Some(5000));
    assert_eq!(rows[0].get::<i32, _>("labelled"), Some(4500));
    let expected: i64 = (0..5000i64).map(|i| i * 101).sum();
    assert_eq!(
        rows[0].get::<rust_decimal::Decimal, _>("total"),
        Some(rust_decimal::Decimal::new(expected, 2))
    );
    // A duplicate key fails the whole load with SQL Server's error, and nothing is inserted.
    let client = conn.client_mut();
    let mut bulk = client.bulk_insert("dbo.items").await.unwrap();
    bulk.send((9000i64, Some("new".to_string()), rust_decimal::Decimal::ONE).into_row()).await.unwrap();
    bulk.send((1i64, Some("dup".to_string()), rust_decimal::Decimal::ONE).into_row()).await.unwrap();
    let err = bulk.finalize().await.expect_err("a duplicate key must fail the load");
    assert!(err.to_string().contains("2627"), "{err}");
    assert_eq!(conn.query_scalar::<i32>("SELECT COUNT(*) FROM dbo.items", &[]).await.unwrap(), Some(5000));
}
