//! Two sessions over TDS meeting each other's uncommitted writes, as locking READ COMMITTED
//! has them ("SET TRANSACTION ISOLATION LEVEL (Transact-SQL)": a statement cannot read data
//! modified but not committed by other transactions; "SET LOCK_TIMEOUT": 1222 when the wait
//! runs out; "Deadlocks guide": one session of a cycle is chosen as the victim, 1205). The
//! simulator does this per table, not per row (docs/simulator-tsql.md, "Concurrency").

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

    // With SET LOCK_TIMEOUT the reader gives up with 1222; a NOLOCK reader does not wait.
    writer.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 0 WHERE id = 2").await.unwrap();
    reader.simple_query("SET LOCK_TIMEOUT 200").await.unwrap();
    let err = reader.simple_query("SELECT balance FROM dbo.accounts WHERE id = 2").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1222), "{err}");
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

#[tokio::test(flavor = "multi_thread")]
async fn two_sessions_waiting_for_each_other_end_in_a_deadlock_victim() {
    let server = sim(TlsMode::Disabled).await;
    let mut a = connect(&server).await;
    let mut b = connect(&server).await;
    a.simple_query("CREATE DATABASE sales; CREATE DATABASE stock").await.unwrap();
    a.simple_query("CREATE TABLE sales.dbo.orders (id int); CREATE TABLE stock.dbo.items (id int)")
        .await
        .unwrap();
    a.simple_query("BEGIN TRAN; INSERT INTO sales.dbo.orders VALUES (1)").await.unwrap();
    b.simple_query("BEGIN TRAN; INSERT INTO stock.dbo.items VALUES (1)").await.unwrap();
    // A reads what B wrote (waits); then B reads what A wrote: a cycle, B is the victim.
    let a_reads = tokio::spawn(async move {
        let n = a.query_scalar::<i32>("SELECT COUNT(*) FROM stock.dbo.items", &[]).await;
        (a, n)
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let err = b.simple_query("SELECT COUNT(*) FROM sales.dbo.orders").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1205), "{err}");
    // The victim's transaction was rolled back, so A's read goes on and sees B's row gone.
    assert_eq!(b.query_scalar::<i32>("SELECT @@TRANCOUNT", &[]).await.unwrap(), Some(0));
    let (mut a, n) = a_reads.await.unwrap();
    assert_eq!(n.unwrap(), Some(0));
    a.simple_query("COMMIT").await.unwrap();
}
