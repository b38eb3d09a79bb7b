//! Two sessions over TDS meeting each other's uncommitted writes, as locking READ COMMITTED
//! has them ("SET TRANSACTION ISOLATION LEVEL (Transact-SQL)": a statement cannot read data
//! modified but not committed by other transactions; "SET LOCK_TIMEOUT": 1222 when the wait
//! runs out). The simulator does this per table, not per row (docs/simulator-tsql.md,
//! "Concurrency").

mod common;

use std::time::{Duration, Instant};

use common::{connect, sim};
use cutover_sim::server::TlsMode;

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_waits_for_the_writers_commit_and_then_sees_its_rows() {
    let server = sim(TlsMode::Disabled).await;
    let mut writer = connect(&server).await;
    let mut reader = connect(&server).await;
    writer.simple_query("CREATE TABLE dbo.accounts (id int PRIMARY KEY, balance int)").await.unwrap();
    writer.simple_query("INSERT INTO dbo.accounts VALUES (1, 100), (2, 50)").await.unwrap();

    writer.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 70 WHERE id = 1").await.unwrap();
    let commit = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        writer.simple_query("COMMIT").await.unwrap();
        writer
    });
    let started = Instant::now();
    let balance =
        reader.query_scalar::<i32>("SELECT balance FROM dbo.accounts WHERE id = 1", &[]).await.unwrap();
    // The reader waited for the commit and read the committed new balance, never the old one.
    assert_eq!(balance, Some(70));
    assert!(started.elapsed() >= Duration::from_millis(300), "did not wait: {:?}", started.elapsed());
    let mut writer = commit.await.unwrap();

    // With SET LOCK_TIMEOUT the reader gives up with 1222, a statement error: the connection
    // stays usable (SET LOCK_TIMEOUT, Microsoft docs); a NOLOCK reader does not wait.
    writer.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 0 WHERE id = 2").await.unwrap();
    reader.simple_query("SET LOCK_TIMEOUT 200").await.unwrap();
    let err = reader.simple_query("SELECT balance FROM dbo.accounts WHERE id = 2").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1222), "{err}");
    assert!(!reader.is_broken(), "a lock timeout leaves the connection usable");
    let unlocked = reader
        .query_scalar::<i32>("SELECT balance FROM dbo.accounts WITH (NOLOCK) WHERE id = 2", &[])
        .await
        .unwrap();
    assert_eq!(unlocked, Some(50), "the last committed value");
    writer.simple_query("ROLLBACK").await.unwrap();
    let after =
        reader.query_scalar::<i32>("SELECT balance FROM dbo.accounts WHERE id = 2", &[]).await.unwrap();
    assert_eq!(after, Some(50), "rolled back");
}
