//! A simulator that ends with a transaction open, started again on its data directory: the
//! transaction's row-locked writes (committed by SQLite statement by statement) are rolled back
//! before anyone connects, as SQL Server's recovery rolls back the transactions that had not
//! committed ("SQL Server transaction log architecture and management guide": at startup,
//! recovery "rolls back all incomplete transactions"); committed ones stay.

use std::path::Path;

use super::*;

fn config(dir: &Path) -> InstanceConfig {
    let mut config = InstanceConfig::default_with_sa("Secret#1");
    config.data_dir = Some(dir.to_path_buf());
    config
}

/// A `shop` database with three accounts, on a kept data directory.
fn shop_on(dir: &Path) -> (Instance, Session) {
    let inst = Instance::start(config(dir)).unwrap();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    ok(
        &mut s,
        "CREATE TABLE dbo.accounts (id int PRIMARY KEY, balance int, owner varchar(20)); \
         INSERT INTO dbo.accounts VALUES (1, 100, 'ann'), (2, 50, 'bob'), (3, 10, 'cy'); \
         CREATE TABLE dbo.orders (order_id int IDENTITY(1,1) PRIMARY KEY, item varchar(20)); \
         INSERT INTO dbo.orders (item) VALUES ('pen'), ('ink')",
    );
    (inst, s)
}

/// The process ends without its sessions running their disconnect (a kill): nothing rolls back.
fn crash(inst: Instance, session: Session) {
    std::mem::forget(session);
    drop(inst);
}

fn accounts(s: &mut Session) -> Vec<Vec<Value>> {
    let out = ok(s, "SELECT id, balance, owner FROM dbo.accounts ORDER BY id");
    out.results.last().unwrap().rows.clone()
}

fn row(id: i64, balance: i64, owner: &str) -> Vec<Value> {
    vec![Value::Int(id), Value::Int(balance), Value::Str(owner.into())]
}

/// What the data file itself holds, read past the simulator.
fn file_balance(dir: &Path, id: i64) -> Option<i64> {
    let conn = rusqlite::Connection::open(dir.join("shop.sqlite")).unwrap();
    conn.query_row("SELECT balance FROM \"dbo.accounts\" WHERE id = ?1", [id], |r| r.get(0)).ok()
}

fn journal_rows(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("shop.sqlite")).unwrap();
    conn.query_row("SELECT count(*) FROM \"__cutover_undo\"", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_transaction_open_when_the_simulator_dies_is_rolled_back_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let (inst, mut s) = shop_on(dir.path());
    let before = accounts(&mut s);
    ok(
        &mut s,
        "BEGIN TRAN; \
         UPDATE dbo.accounts SET balance = 0 WHERE id = 1; \
         INSERT INTO dbo.accounts VALUES (4, 999, 'eve'); \
         DELETE FROM dbo.accounts WHERE id = 2; \
         INSERT INTO dbo.orders (item) VALUES ('paper')",
    );
    crash(inst, s);
    // Row locks committed the statements to the file: without recovery they would stay.
    assert_eq!(file_balance(dir.path(), 1), Some(0));
    assert_eq!(file_balance(dir.path(), 4), Some(999));
    assert!(journal_rows(dir.path()) > 0);

    let inst = Instance::start(config(dir.path())).unwrap();
    let mut s = sa(&inst, "shop");
    assert_eq!(accounts(&mut s), before, "exactly the rows from before the transaction");
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM dbo.orders"), Value::Int(2));
    // "IDENTITY (Property)": values are not reused after a rollback; recovery is one.
    ok(&mut s, "INSERT INTO dbo.orders (item) VALUES ('glue')");
    assert_eq!(scalar(&mut s, "SELECT MAX(order_id) FROM dbo.orders"), Value::Int(4));
    assert_eq!(journal_rows(dir.path()), 0, "recovery leaves nothing to replay twice");
}

#[test]
fn a_committed_transaction_survives_the_restart_and_leaves_no_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (inst, mut s) = shop_on(dir.path());
    ok(
        &mut s,
        "BEGIN TRAN; UPDATE dbo.accounts SET balance = 70 WHERE id = 1; \
         INSERT INTO dbo.accounts VALUES (4, 5, 'dan'); COMMIT",
    );
    assert_eq!(journal_rows(dir.path()), 0);
    crash(inst, s);

    let inst = Instance::start(config(dir.path())).unwrap();
    let mut s = sa(&inst, "shop");
    assert_eq!(
        accounts(&mut s),
        vec![row(1, 70, "ann"), row(2, 50, "bob"), row(3, 10, "cy"), row(4, 5, "dan")]
    );
}

#[test]
fn a_savepoint_rollback_forgets_only_what_it_undid_and_recovery_undoes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (inst, mut s) = shop_on(dir.path());
    let before = accounts(&mut s);
    ok(
        &mut s,
        "BEGIN TRAN; UPDATE dbo.accounts SET balance = 1 WHERE id = 1; SAVE TRAN s; \
         UPDATE dbo.accounts SET balance = 2 WHERE id = 2; ROLLBACK TRAN s",
    );
    assert_eq!(file_balance(dir.path(), 2), Some(50), "the savepoint's part is undone");
    assert_eq!(journal_rows(dir.path()), 3, "one entry (three columns) left: the first UPDATE's");
    crash(inst, s);

    let inst = Instance::start(config(dir.path())).unwrap();
    let mut s = sa(&inst, "shop");
    assert_eq!(accounts(&mut s), before);
}

#[test]
fn a_rollback_and_a_disconnect_empty_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (inst, mut s) = shop_on(dir.path());
    ok(&mut s, "BEGIN TRAN; UPDATE dbo.accounts SET balance = 1 WHERE id = 1; ROLLBACK");
    assert_eq!(journal_rows(dir.path()), 0);
    let mut other = sa(&inst, "shop");
    ok(&mut other, "BEGIN TRAN; DELETE FROM dbo.accounts WHERE id = 3");
    drop(other);
    assert_eq!(journal_rows(dir.path()), 0);
    assert_eq!(file_balance(dir.path(), 3), Some(10));
    drop(s);
}

#[test]
fn the_journal_is_in_no_catalog_view() {
    let dir = tempfile::tempdir().unwrap();
    let (_inst, mut s) = shop_on(dir.path());
    ok(&mut s, "BEGIN TRAN; UPDATE dbo.accounts SET balance = 1 WHERE id = 1");
    assert!(journal_rows(dir.path()) > 0, "the journal holds the open transaction's entry");
    for sql in [
        "SELECT COUNT(*) FROM sys.tables",
        "SELECT COUNT(*) FROM sys.objects WHERE type = 'U'",
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES",
    ] {
        assert_eq!(scalar(&mut s, sql), Value::Int(2), "{sql}: accounts and orders only");
    }
    for sql in [
        "SELECT COUNT(*) FROM sys.objects WHERE name LIKE '%undo%'",
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE COLUMN_NAME = 'tran_id'",
        "SELECT COUNT(*) FROM sys.columns WHERE name = 'tran_id'",
    ] {
        assert_eq!(scalar(&mut s, sql), Value::Int(0), "{sql}");
    }
    ok(&mut s, "ROLLBACK");
}
