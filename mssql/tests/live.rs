//! Live-server tests: run only when `CUTOVER_TEST_MSSQL` holds a connection
//! string (secrets via `Password=${VAR}` or `CUTOVER_PASSWORD`), e.g.
//!
//! ```text
//! CUTOVER_TEST_MSSQL='Server=tcp:localhost,1433;User Id=sa;Password=${SA_PASSWORD};TrustServerCertificate=true' \
//!     cargo test -p cutover-mssql --test live
//! ```

use cutover_mssql::{ErrorKind, ServerTarget, SystemEnv, connect, probe, read_identity};

const VAR: &str = "CUTOVER_TEST_MSSQL";

/// The server in `CUTOVER_TEST_MSSQL`. Each test here is `#[ignore]`d (counted as skipped) and
/// run by `scripts/live-test.sh`; run without the variable, it fails instead of passing untested.
fn live_target() -> ServerTarget {
    let conn = std::env::var(VAR).unwrap_or_else(|_| panic!("{VAR} is not set (scripts/live-test.sh)"));
    match ServerTarget::parse(&conn, &SystemEnv) {
        Ok(parsed) => parsed.target,
        Err(e) => panic!("{VAR} does not parse: {e}"),
    }
}

#[tokio::test]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
async fn connects_and_runs_queries() {
    let target = live_target();
    let mut conn = connect(&target).await.expect("connect");
    let one: Option<i32> = conn.query_scalar("SELECT @P1 + 1", &[&41i32]).await.expect("scalar");
    assert_eq!(one, Some(42));
    let rows =
        conn.query_rows("SELECT name FROM sys.databases WHERE database_id <= 4", &[]).await.expect("rows");
    assert!(!rows.is_empty());
    let sets = conn.simple_query("SELECT 1; SELECT 2, 3").await.expect("batch");
    assert_eq!(sets.len(), 2);
}

#[tokio::test]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
async fn server_errors_are_classified() {
    let target = live_target();
    let mut conn = connect(&target).await.expect("connect");
    let err = conn.query_rows("SELECT * FROM dbo.cutover_no_such_table", &[]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidObject, "{err}");
    assert_eq!(err.sql().map(|e| e.number), Some(208));
    let err = conn.query_rows("SELEC 1", &[]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Syntax, "{err}");
    // A server error leaves the connection usable.
    assert!(!conn.is_broken());
    assert_eq!(conn.query_scalar::<i32>("SELECT 1", &[]).await.expect("after error"), Some(1));
}

#[tokio::test]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
async fn command_timeout_is_a_timeout() {
    let mut target = live_target();
    target.command_timeout = Some(std::time::Duration::from_secs(1));
    let mut conn = connect(&target).await.expect("connect");
    let err = conn.simple_query("WAITFOR DELAY '00:00:05'").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(conn.is_broken());
    conn.reconnect().await.expect("reconnect");
    assert_eq!(conn.query_scalar::<i32>("SELECT 1", &[]).await.expect("after reconnect"), Some(1));
}

#[tokio::test]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
async fn wrong_password_is_a_login_error_without_the_password() {
    let mut target = live_target();
    if target.access_token.is_some() {
        return;
    }
    let wrong = "cutover-wrong-password-Zq9";
    target.password = Some(cutover_mssql::Secret::new(wrong));
    let err = connect(&target).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Login, "{err}");
    assert!(!err.to_string().contains(wrong));
}

#[tokio::test]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
async fn identity_and_probe() {
    let target = live_target();
    let mut conn = connect(&target).await.expect("connect");
    let identity = read_identity(&mut conn).await.expect("identity");
    assert!(!identity.product_version.is_empty());
    let report = probe(&target).await.expect("probe");
    assert_eq!(report.latency.samples, 5);
    println!("{}", report.render_text());
}
