//! Sessions as a client sees them through tiberius: its own `#temp` tables, dropped when it
//! disconnects; APP_NAME() as its login said; its IP address in sys.dm_exec_connections.

mod common;

use common::{connect, connect_str, sim};
use cutover_sim::server::TlsMode;

#[tokio::test(flavor = "multi_thread")]
async fn temp_tables_are_private_and_end_with_the_connection() {
    let server = sim(TlsMode::Disabled).await;
    let mut a = connect(&server).await;
    let mut b = connect(&server).await;
    a.simple_query("CREATE TABLE #cart (id int); INSERT INTO #cart VALUES (1)").await.unwrap();
    // "CREATE TABLE (Transact-SQL)": a local temporary table is visible only to its session.
    let err = b.simple_query("SELECT * FROM #cart").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(208), "{err}");
    assert_eq!(a.query_scalar::<i32>("SELECT COUNT(*) FROM #cart", &[]).await.unwrap(), Some(1));
    drop(a);
    // … and dropped when the session ends: a new session may create it afresh.
    let mut c = connect(&server).await;
    c.simple_query("CREATE TABLE #cart (id int)").await.unwrap();
    assert_eq!(c.query_scalar::<i32>("SELECT COUNT(*) FROM #cart", &[]).await.unwrap(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn app_name_and_client_address_are_the_clients() {
    let server = sim(TlsMode::Disabled).await;
    let mut conn = connect_str(&server.conn_with("Application Name=billing-report")).await;
    let rows = conn
        .query_rows(
            "SELECT APP_NAME(), c.client_net_address FROM sys.dm_exec_connections c WHERE c.session_id = @@SPID",
            &[],
        )
        .await
        .unwrap();
    // "APP_NAME (Transact-SQL)": the application name the session's client set.
    assert_eq!(rows[0].get::<&str, _>(0), Some("billing-report"));
    // "sys.dm_exec_connections": client_net_address is the client's IP address.
    assert_eq!(rows[0].get::<&str, _>(1), Some("127.0.0.1"));
    let host = conn.query_scalar::<String>("SELECT HOST_NAME()", &[]).await.unwrap();
    assert!(host.is_some_and(|h| !h.is_empty()), "HOST_NAME() is the client's workstation name");
}
