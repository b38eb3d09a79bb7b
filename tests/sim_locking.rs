//! Two sessions over TDS meeting each other's uncommitted writes, as locking READ COMMITTED
//! has them ("SET TRANSACTION ISOLATION LEVEL (Transact-SQL)": a statement cannot read data
//! modified but not committed by other transactions; "SET LOCK_TIMEOUT": 1222 when the wait
//! runs out). Writers lock rows ("Transaction locking and row versioning guide": an exclusive
//! lock on each modified row, held to the end of the transaction; X is compatible with no
//! other lock, so a second writer of that row waits; a cycle of waits is a deadlock, 1205);
//! readers wait per table (docs/simulator-tsql.md, "Concurrency").

mod common;

use std::time::{Duration, Instant};

use common::{connect, sim};
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};

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
    // stays usable (SET LOCK_TIMEOUT, Microsoft docs); a NOLOCK reader does not wait and reads
    // the uncommitted value ("SET TRANSACTION ISOLATION LEVEL": READ UNCOMMITTED statements
    // "can read rows that were modified by other transactions but not yet committed").
    writer.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 0 WHERE id = 2").await.unwrap();
    reader.simple_query("SET LOCK_TIMEOUT 200").await.unwrap();
    let err = reader.simple_query("SELECT balance FROM dbo.accounts WHERE id = 2").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1222), "{err}");
    assert!(!reader.is_broken(), "a lock timeout leaves the connection usable");
    let dirty = reader
        .query_scalar::<i32>("SELECT balance FROM dbo.accounts WITH (NOLOCK) WHERE id = 2", &[])
        .await
        .unwrap();
    assert_eq!(dirty, Some(0), "the uncommitted value");
    writer.simple_query("ROLLBACK").await.unwrap();
    let after =
        reader.query_scalar::<i32>("SELECT balance FROM dbo.accounts WHERE id = 2", &[]).await.unwrap();
    assert_eq!(after, Some(50), "rolled back");
}

async fn accounts(server: &common::TestServer) -> cutover_mssql::Connection {
    let mut c = connect(server).await;
    c.simple_query(
        "CREATE TABLE dbo.accounts (id int PRIMARY KEY, balance int); \
         INSERT INTO dbo.accounts VALUES (1, 100), (2, 50), (3, 10); \
         CREATE TABLE dbo.audit (id int PRIMARY KEY, note varchar(20))",
    )
    .await
    .unwrap();
    c
}

async fn balances(c: &mut cutover_mssql::Connection) -> Vec<(i32, i32)> {
    let rows = c.query_rows("SELECT id, balance FROM dbo.accounts ORDER BY id", &[]).await.unwrap();
    rows.iter().map(|r| (r.get::<i32, _>(0).unwrap(), r.get::<i32, _>(1).unwrap())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_transactions_writing_different_rows_of_one_table_both_go_on() {
    let server = sim(TlsMode::Disabled).await;
    let mut alice = accounts(&server).await;
    let mut bob = connect(&server).await;
    // A wait would end in 1222 after 300 ms: nothing here may wait.
    bob.simple_query("SET LOCK_TIMEOUT 300").await.unwrap();
    alice.simple_query("SET LOCK_TIMEOUT 300").await.unwrap();
    alice.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 90 WHERE id = 1").await.unwrap();
    // Another row of the same table, a new row, another table of the same database.
    bob.simple_query(
        "BEGIN TRAN; UPDATE dbo.accounts SET balance = 60 WHERE id = 2; \
         INSERT INTO dbo.accounts VALUES (4, 1); INSERT INTO dbo.audit VALUES (1, 'bob')",
    )
    .await
    .unwrap();
    alice
        .simple_query("INSERT INTO dbo.accounts VALUES (5, 5); DELETE FROM dbo.accounts WHERE id = 3")
        .await
        .unwrap();
    alice.simple_query("COMMIT").await.unwrap();
    bob.simple_query("COMMIT").await.unwrap();
    assert_eq!(balances(&mut alice).await, vec![(1, 90), (2, 60), (4, 1), (5, 5)]);
    assert_eq!(alice.query_scalar::<i32>("SELECT COUNT(*) FROM dbo.audit", &[]).await.unwrap(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_second_writer_of_a_row_waits_for_the_first_and_works_on_its_result() {
    let server = sim(TlsMode::Disabled).await;
    let mut alice = accounts(&server).await;
    let mut bob = connect(&server).await;
    alice
        .simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = balance - 30 WHERE id = 1")
        .await
        .unwrap();
    let commit = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        alice.simple_query("COMMIT").await.unwrap();
        alice
    });
    let started = Instant::now();
    bob.simple_query("UPDATE dbo.accounts SET balance = balance + 5 WHERE id = 1").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300), "did not wait: {:?}", started.elapsed());
    let mut alice = commit.await.unwrap();
    // Bob's update ran on Alice's committed 70, not on the 100 before it.
    assert_eq!(balances(&mut alice).await[0], (1, 75));

    // With SET LOCK_TIMEOUT the second writer gives up with 1222 (SET LOCK_TIMEOUT, Microsoft
    // docs) and its transaction stays open; the first one's rollback restores the row.
    alice.simple_query("BEGIN TRAN; DELETE FROM dbo.accounts WHERE id = 2").await.unwrap();
    bob.simple_query("SET LOCK_TIMEOUT 200; BEGIN TRAN").await.unwrap();
    let err = bob.simple_query("UPDATE dbo.accounts SET balance = 0 WHERE id = 2").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1222), "{err}");
    assert_eq!(bob.query_scalar::<i32>("SELECT @@TRANCOUNT", &[]).await.unwrap(), Some(1));
    // A duplicate of Alice's uncommitted key waits too (it may be rolled back).
    alice.simple_query("INSERT INTO dbo.accounts VALUES (7, 7)").await.unwrap();
    let err = bob.simple_query("INSERT INTO dbo.accounts VALUES (7, 8)").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1222), "{err}");
    alice.simple_query("ROLLBACK").await.unwrap();
    bob.simple_query("INSERT INTO dbo.accounts VALUES (7, 8); COMMIT").await.unwrap();
    assert_eq!(balances(&mut bob).await, vec![(1, 75), (2, 50), (3, 10), (7, 8)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_puts_back_exactly_the_rows_before_and_does_not_reuse_identity_values() {
    let server = sim(TlsMode::Disabled).await;
    let mut alice = accounts(&server).await;
    let mut bob = connect(&server).await;
    alice
        .simple_query("CREATE TABLE dbo.orders (id int IDENTITY(1,1) PRIMARY KEY, item nvarchar(10), qty decimal(9,2)); \
                       INSERT INTO dbo.orders (item, qty) VALUES (N'tea', 1.50), (N'café', 2.25)")
        .await
        .unwrap();
    alice
        .simple_query(
            "BEGIN TRAN; UPDATE dbo.orders SET item = N'x', qty = 0 WHERE id = 1; \
             DELETE FROM dbo.orders WHERE id = 2; INSERT INTO dbo.orders (item, qty) VALUES (N'new', 9)",
        )
        .await
        .unwrap();
    // Meanwhile Bob writes another table of the database and commits.
    bob.simple_query("UPDATE dbo.accounts SET balance = 1 WHERE id = 3").await.unwrap();
    alice.simple_query("ROLLBACK").await.unwrap();
    let rows = alice
        .query_rows("SELECT id, item, CAST(qty AS varchar(10)) FROM dbo.orders ORDER BY id", &[])
        .await
        .unwrap();
    let got: Vec<(i32, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<i32, _>(0).unwrap(),
                r.get::<&str, _>(1).unwrap().into(),
                r.get::<&str, _>(2).unwrap().into(),
            )
        })
        .collect();
    assert_eq!(got, vec![(1, "tea".into(), "1.50".into()), (2, "café".into(), "2.25".into())]);
    // "IDENTITY (Property)": identity values are not reused when a transaction that inserted
    // rows is rolled back; the rolled-back row had 3, so the next one gets 4.
    alice.simple_query("INSERT INTO dbo.orders (item, qty) VALUES (N'next', 1)").await.unwrap();
    assert_eq!(alice.query_scalar::<i32>("SELECT MAX(id) FROM dbo.orders", &[]).await.unwrap(), Some(4));
    assert_eq!(balances(&mut bob).await[2], (3, 1), "Bob's committed write stays");
}

#[tokio::test(flavor = "multi_thread")]
async fn rolling_back_to_a_savepoint_undoes_only_what_follows_it() {
    let server = sim(TlsMode::Disabled).await;
    let mut alice = accounts(&server).await;
    let mut bob = connect(&server).await;
    bob.simple_query("SET LOCK_TIMEOUT 300").await.unwrap();
    alice
        .simple_query(
            "BEGIN TRAN; UPDATE dbo.accounts SET balance = 1 WHERE id = 1; SAVE TRAN half; \
             UPDATE dbo.accounts SET balance = 2 WHERE id = 1; DELETE FROM dbo.accounts WHERE id = 3; \
             INSERT INTO dbo.accounts VALUES (9, 9)",
        )
        .await
        .unwrap();
    bob.simple_query("UPDATE dbo.accounts SET balance = 55 WHERE id = 2").await.unwrap();
    // "ROLLBACK TRANSACTION savepoint_name doesn't decrement @@TRANCOUNT."
    alice.simple_query("ROLLBACK TRAN half").await.unwrap();
    assert_eq!(alice.query_scalar::<i32>("SELECT @@TRANCOUNT", &[]).await.unwrap(), Some(1));
    assert_eq!(balances(&mut alice).await, vec![(1, 1), (2, 55), (3, 10)]);
    alice.simple_query("COMMIT").await.unwrap();
    assert_eq!(balances(&mut bob).await, vec![(1, 1), (2, 55), (3, 10)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn crossed_writers_deadlock_and_the_victim_is_rolled_back() {
    let server = sim(TlsMode::Disabled).await;
    let mut alice = accounts(&server).await;
    let mut bob = connect(&server).await;
    alice.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 101 WHERE id = 1").await.unwrap();
    bob.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 51 WHERE id = 2").await.unwrap();
    // Alice now wants Bob's row and waits ...
    let waiting = tokio::spawn(async move {
        let r = alice.simple_query("UPDATE dbo.accounts SET balance = 102 WHERE id = 2").await;
        (alice, r.map(|_| ()))
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ... and Bob wants Alice's: a cycle. SQL Server picks a victim, which gets 1205 and has
    // its transaction rolled back ("Deadlocking" in the locking guide; error 1205).
    let bob_result = bob.simple_query("UPDATE dbo.accounts SET balance = 52 WHERE id = 1").await;
    let err = bob_result.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1205), "{err}");
    assert_eq!(bob.query_scalar::<i32>("SELECT @@TRANCOUNT", &[]).await.unwrap(), Some(0));
    let (mut alice, alice_result) = waiting.await.unwrap();
    alice_result.expect("the other session goes on");
    alice.simple_query("COMMIT").await.unwrap();
    assert_eq!(balances(&mut bob).await, vec![(1, 101), (2, 102), (3, 10)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn ddl_inside_a_transaction_takes_the_database_lock() {
    let server = sim(TlsMode::Disabled).await;
    let mut alice = accounts(&server).await;
    let mut bob = connect(&server).await;
    bob.simple_query("SET LOCK_TIMEOUT 200").await.unwrap();
    // docs/simulator-tsql.md "Concurrency": a transaction that runs DDL holds the whole
    // database to its end (stricter than SQL Server, which locks the schema of that table).
    alice.simple_query("BEGIN TRAN; CREATE TABLE dbo.later (id int)").await.unwrap();
    let err = bob.simple_query("UPDATE dbo.accounts SET balance = 0 WHERE id = 2").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1222), "{err}");
    alice.simple_query("ROLLBACK").await.unwrap();
    bob.simple_query("UPDATE dbo.accounts SET balance = 0 WHERE id = 2").await.unwrap();
    // And a transaction holding row locks makes a later DDL of another session wait.
    alice.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 7 WHERE id = 1").await.unwrap();
    // (ALTER TABLE takes a schema-modification lock, which waits for the row writer's intent
    // locks: "Lock compatibility", Sch-M is compatible with no mode.)
    let err = bob.simple_query("ALTER TABLE dbo.accounts ADD note int").await.unwrap_err();
    assert_eq!(err.sql().map(|e| e.number), Some(1222), "{err}");
    alice.simple_query("COMMIT").await.unwrap();
    bob.simple_query("ALTER TABLE dbo.accounts ADD note int").await.unwrap();
}

/// A server on a kept data directory (`cutover sim --data-dir`), with the test login.
async fn kept_server(dir: &std::path::Path) -> SimServer {
    let profile = cutover_sim::profile::Profile::default_profile();
    let config = InstanceConfig {
        name: "SIM-TEST".into(),
        data_dir: Some(dir.to_path_buf()),
        logins: vec![LoginDef::sysadmin(common::USER, common::PASSWORD)],
        identity: profile.identity("SIM-TEST"),
        profile,
    };
    let instance = Instance::start(config).unwrap();
    if instance.database(common::DATABASE).is_none() {
        instance.create_database(common::DATABASE).unwrap();
    }
    SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() }).await.unwrap()
}

fn conn_string(server: &SimServer) -> String {
    format!(
        "Server=tcp:127.0.0.1,{};Database={};User Id={};TrustServerCertificate=true;Encrypt=not_supported",
        server.local_addr().port(),
        common::DATABASE,
        common::USER
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transaction_open_at_shutdown_is_not_there_after_the_restart() {
    // SQL Server rolls back what had not committed when it stops or restarts ("SQL Server
    // transaction log architecture and management guide", recovery); a kill is told in
    // sim/src/engine/runtime/tests/recovery.rs.
    let dir = tempfile::tempdir().unwrap();
    let server = kept_server(dir.path()).await;
    let mut c = common::connect_str(&conn_string(&server)).await;
    c.simple_query(
        "CREATE TABLE dbo.accounts (id int PRIMARY KEY, balance int); \
         INSERT INTO dbo.accounts VALUES (1, 100), (2, 50), (3, 10)",
    )
    .await
    .unwrap();
    c.simple_query("BEGIN TRAN; UPDATE dbo.accounts SET balance = 0 WHERE id = 1; COMMIT").await.unwrap();
    c.simple_query(
        "BEGIN TRAN; UPDATE dbo.accounts SET balance = 7 WHERE id = 2; \
         INSERT INTO dbo.accounts VALUES (4, 4); DELETE FROM dbo.accounts WHERE id = 3",
    )
    .await
    .unwrap();
    let instance = server.instance().clone();
    server.shutdown().await;
    drop(c);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !instance.sessions().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(instance);

    let server = kept_server(dir.path()).await;
    let mut c = common::connect_str(&conn_string(&server)).await;
    assert_eq!(balances(&mut c).await, vec![(1, 0), (2, 50), (3, 10)], "committed kept, open rolled back");
}
