//! Transactions through tiberius: it decodes the ENVCHANGE begin/commit/rollback tokens the
//! simulator now sends (a malformed one is a protocol error) and echoes the descriptor in
//! later requests. Expected behaviour from "ROLLBACK TRANSACTION" and "SAVE TRANSACTION
//! (Transact-SQL)".

mod common;

use common::{connect, sim};
use cutover_sim::server::TlsMode;

#[tokio::test(flavor = "multi_thread")]
async fn a_savepoint_rollback_undoes_only_the_work_after_it() {
    let server = sim(TlsMode::Disabled).await;
    let mut conn = connect(&server).await;
    conn.simple_query("CREATE TABLE dbo.steps (id int PRIMARY KEY)").await.unwrap();
    conn.simple_query("BEGIN TRAN order_tx; INSERT INTO dbo.steps VALUES (1); SAVE TRAN after_one")
        .await
        .unwrap();
    conn.execute("INSERT INTO dbo.steps VALUES (@P1)", &[&2i32]).await.unwrap();
    conn.simple_query("ROLLBACK TRAN after_one").await.unwrap();
    // "ROLLBACK TRANSACTION savepoint_name doesn't decrement @@TRANCOUNT."
    assert_eq!(conn.query_scalar::<i32>("SELECT @@TRANCOUNT", &[]).await.unwrap(), Some(1));
    let err = conn.simple_query("ROLLBACK TRAN no_such_name").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(6401), "{err}");
    conn.simple_query("COMMIT TRAN order_tx").await.unwrap();
    let rows = conn.query_rows("SELECT id FROM dbo.steps", &[]).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.get::<i32, _>(0).unwrap()).collect::<Vec<_>>(), vec![1]);
    // ROLLBACK with the outermost name ends the whole transaction.
    conn.simple_query("BEGIN TRAN t2; INSERT INTO dbo.steps VALUES (3); ROLLBACK TRAN t2").await.unwrap();
    assert_eq!(conn.query_scalar::<i32>("SELECT COUNT(*) FROM dbo.steps", &[]).await.unwrap(), Some(1));
}
