//! Golden test per SQL Server type: the row encoding built in T-SQL and hashed by the server
//! (the simulator over TDS, or the live server in `CUTOVER_TEST_MSSQL`) equals the client-side
//! reference encoding of the same values, byte for byte through SHA2_256, and the server's
//! DECIMAL(38,0) sum reduced mod 2^64 equals the client's wrapping sum.

mod common;

use common::{connect, live, sim};
use cutover_sim::server::TlsMode;
use cutover_validate::encoding::{RefValue, Relax, row_hash, row_hash_sql};
use cutover_validate::sums::{AGGREGATE_SQL, Checksum};

fn t(s: &str) -> RefValue {
    RefValue::Temporal(s.into())
}

/// (type, T-SQL literal, reference value)
fn cases() -> Vec<(&'static str, &'static str, RefValue)> {
    use RefValue::*;
    vec![
        ("bit", "1", Int(1)),
        ("tinyint", "255", Int(255)),
        ("smallint", "-3", Int(-3)),
        ("int", "-2147483648", Int(i32::MIN as i64)),
        ("int", "NULL", Null),
        ("bigint", "9223372036854775807", Int(i64::MAX)),
        ("decimal(12,4)", "1.2", Decimal("1.2000".into())),
        ("numeric(5,0)", "-42", Decimal("-42".into())),
        ("decimal(38,10)", "-0.001", Decimal("-0.0010000000".into())),
        ("money", "12.3456", Decimal("12.3456".into())),
        ("smallmoney", "1.5", Decimal("1.5000".into())),
        ("float", "0.1", Float(0.1)),
        ("float", "-1.5e-300", Float(-1.5e-300)),
        ("float", "1e308", Float(1e308)),
        ("real", "0.5", Float(0.5)),
        ("char(3)", "'x'", Text("x  ".into())),
        ("varchar(10)", "'héllo'", Text("héllo".into())),
        ("varchar(10)", "''", Text(String::new())),
        ("nvarchar(10)", "N'中文€𝄞'", Text("中文€𝄞".into())),
        ("nchar(2)", "N'a'", Text("a ".into())),
        ("nvarchar(max)", "N'ab'", Text("ab".into())),
        ("binary(4)", "0x0102", Bytes(vec![1, 2, 0, 0])),
        ("varbinary(10)", "0xABCD", Bytes(vec![0xAB, 0xCD])),
        ("varbinary(10)", "0x", Bytes(vec![])),
        (
            "uniqueidentifier",
            "'6f9619ff-8b86-d011-b42d-00c04fd430c8'",
            Guid("6F9619FF-8B86-D011-B42D-00C04FD430C8".into()),
        ),
        ("date", "'2024-02-29'", t("2024-02-29")),
        ("datetime", "'2024-01-02 03:04:05.003'", t("2024-01-02 03:04:05.003")),
        ("smalldatetime", "'2024-01-02 03:04:00'", t("2024-01-02 03:04:00")),
        ("datetime2(3)", "'2024-01-02 03:04:05.123'", t("2024-01-02 03:04:05.1230000")),
        ("datetime2(7)", "'2024-01-02 03:04:05.1234567'", t("2024-01-02 03:04:05.1234567")),
        (
            "datetimeoffset(7)",
            "'2024-01-02 03:04:05.1234567 +02:00'",
            t("2024-01-02 03:04:05.1234567 +02:00"),
        ),
        ("time(7)", "'12:34:56.1234567'", t("12:34:56.1234567")),
        ("time(0)", "'01:02:03'", t("01:02:03.0000000")),
    ]
}

fn base_type(decl: &str) -> String {
    decl.split('(').next().unwrap_or(decl).to_string()
}

async fn golden(conn: &mut cutover_mssql::Connection) {
    let mut failures = Vec::new();
    for (i, (ty, lit, value)) in cases().into_iter().enumerate() {
        let table = format!("golden_{i}");
        conn.simple_query(&format!(
            "CREATE TABLE {table} (c {ty} NULL, d int NULL); INSERT INTO {table} VALUES ({lit}, NULL)"
        ))
        .await
        .unwrap_or_else(|e| panic!("{ty} {lit}: {e}"));
        let cols = vec![("[c]".to_string(), base_type(ty)), ("[d]".to_string(), "int".to_string())];
        let sql = format!("SELECT {} FROM {table}", row_hash_sql(&cols, &Relax::default()));
        let server: Vec<u8> = conn
            .query_scalar::<Vec<u8>>(&sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{ty}: {sql}: {e}"))
            .unwrap_or_default();
        let reference = row_hash(&[value.clone(), RefValue::Null]);
        if server != reference {
            failures.push(format!("{ty} {lit}: server {server:02x?} reference {reference:02x?} ({value:?})"));
        }
    }
    assert!(failures.is_empty(), "encodings differ:\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn server_encoding_equals_the_reference_for_every_type_on_the_simulator() {
    let server = sim(TlsMode::Enabled).await;
    golden(&mut connect(&server).await).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
async fn server_encoding_equals_the_reference_on_a_live_server() {
    let server = live();
    let mut conn = connect(&server).await;
    conn.simple_query("IF DB_ID('cutover_golden') IS NULL CREATE DATABASE cutover_golden").await.unwrap();
    conn.simple_query("USE cutover_golden").await.unwrap();
    golden(&mut conn).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn server_sum_mod_2_64_equals_the_client_sum() {
    let server = sim(TlsMode::Enabled).await;
    let mut conn = connect(&server).await;
    let values: Vec<String> = (0..200).map(|i| format!("({i}, N'row {i}')")).collect();
    conn.simple_query(&format!(
        "CREATE TABLE s (id int NOT NULL, v nvarchar(20) NULL); INSERT INTO s VALUES {}",
        values.join(", ")
    ))
    .await
    .unwrap();
    let cols = vec![("[id]".to_string(), "int".to_string()), ("[v]".to_string(), "nvarchar".to_string())];
    let sql = format!(
        "SELECT {AGGREGATE_SQL} FROM (SELECT {} AS h FROM s) x",
        row_hash_sql(&cols, &Relax::default())
    );
    let rows = conn.query_rows(&sql, &[]).await.unwrap();
    let n: i64 = rows[0].get(0).unwrap();
    let s: tiberius::numeric::Numeric = rows[0].get(1).unwrap();
    let mut client = Checksum::default();
    for i in 0..200 {
        client.add(&row_hash(&[RefValue::Int(i), RefValue::Text(format!("row {i}"))]));
    }
    assert_eq!(Checksum::from_server(n, Some(s.value())), client);
}
