//! Transactions as T-SQL and drivers see them: nesting, named rollbacks, savepoints and the
//! begin/commit/rollback notifications (ENVCHANGE 8/9/10) that carry the transaction
//! descriptor. Expected behaviour from "BEGIN TRANSACTION", "ROLLBACK TRANSACTION" and
//! "SAVE TRANSACTION (Transact-SQL)".

use super::*;
use crate::engine::TransactionChange;
use crate::engine::runtime::CollectSink;
use crate::tds::tm::{Next, TmRequest};

fn exec(s: &mut Session, sql: &str) -> CollectSink {
    let mut sink = CollectSink::new();
    s.execute(sql, &[], &mut sink);
    sink
}

fn ids(s: &mut Session) -> Vec<i64> {
    let out = exec(s, "SELECT id FROM dbo.t ORDER BY id");
    out.single().rows.iter().map(|r| int(&r[0])).collect()
}

fn session() -> (Instance, Session) {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    let out = exec(&mut s, "CREATE TABLE dbo.t (id int PRIMARY KEY)");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    (inst, s)
}

#[test]
fn rolling_back_to_a_savepoint_keeps_the_transaction_and_the_work_before_it() {
    let (_inst, mut s) = session();
    let out = exec(
        &mut s,
        "BEGIN TRAN outer_tx; INSERT INTO dbo.t VALUES (1); SAVE TRAN before_two; INSERT INTO dbo.t VALUES (2);
         ROLLBACK TRAN before_two; SELECT @@TRANCOUNT;",
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // "ROLLBACK TRANSACTION savepoint_name doesn't decrement @@TRANCOUNT."
    assert_eq!(out.single().rows[0][0], Value::Int(1));
    assert_eq!(ids(&mut s), vec![1]);
    // The savepoint stays: work after it can be rolled back to it again.
    let out = exec(&mut s, "INSERT INTO dbo.t VALUES (3); ROLLBACK TRAN before_two; COMMIT");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(ids(&mut s), vec![1]);
    assert_eq!(s.trancount(), 0);
}

#[test]
fn rollback_with_the_outermost_name_rolls_everything_back() {
    let (_inst, mut s) = session();
    let out = exec(&mut s, "BEGIN TRAN T1; INSERT INTO dbo.t VALUES (1); BEGIN TRAN; ROLLBACK TRAN T1");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(s.trancount(), 0);
    assert_eq!(ids(&mut s), Vec::<i64>::new());
}

#[test]
fn an_unknown_or_nested_name_is_6401_and_rolls_nothing_back() {
    let (_inst, mut s) = session();
    // Only the outermost name is registered; names are case-sensitive.
    let out = exec(
        &mut s,
        "BEGIN TRAN T1; INSERT INTO dbo.t VALUES (1); BEGIN TRAN inner_tx; ROLLBACK TRAN inner_tx",
    );
    assert_eq!(out.error_numbers(), vec![6401]);
    let out = exec(&mut s, "ROLLBACK TRAN t1");
    assert_eq!(out.error_numbers(), vec![6401]);
    assert_eq!(s.trancount(), 2);
    assert_eq!(exec(&mut s, "COMMIT; COMMIT").error_numbers(), Vec::<i32>::new());
    assert_eq!(ids(&mut s), vec![1]);
}

#[test]
fn save_outside_a_transaction_is_628() {
    let (_inst, mut s) = session();
    assert_eq!(exec(&mut s, "SAVE TRANSACTION sp1").error_numbers(), vec![628]);
    assert_eq!(exec(&mut s, "SAVE TRAN").error_numbers(), vec![102]);
}

#[test]
fn only_the_outermost_transaction_is_announced_with_its_descriptor() {
    let (_inst, mut s) = session();
    let out = exec(&mut s, "BEGIN TRAN; BEGIN TRAN; SAVE TRAN sp; COMMIT; COMMIT; BEGIN TRAN; ROLLBACK");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let [
        TransactionChange::Begin(a),
        TransactionChange::Commit(b),
        TransactionChange::Begin(c),
        TransactionChange::Rollback(d),
    ] = out.transactions[..]
    else {
        panic!("{:?}", out.transactions)
    };
    assert_eq!((a, c), (b, d));
    assert_ne!(a, c, "each transaction has its own descriptor");
    assert_ne!(a, 0);
}

#[test]
fn transaction_manager_requests_commit_and_begin_the_next_transaction() {
    let (inst, mut s) = session();
    let mut sink = CollectSink::new();
    s.transaction_request(&TmRequest::Begin { isolation: 4, name: String::new() }, &mut sink);
    exec(&mut s, "INSERT INTO dbo.t VALUES (7)");
    // python-tds's commit(cont=True): commit, then begin the next transaction at once.
    let next = Some(Next { isolation: 0, name: String::new() });
    s.transaction_request(&TmRequest::Commit { name: String::new(), next }, &mut sink);
    assert!(sink.errors.is_empty(), "{:?}", sink.errors);
    assert!(matches!(
        sink.transactions[..],
        [TransactionChange::Begin(_), TransactionChange::Commit(_), TransactionChange::Begin(_)]
    ));
    assert_eq!(s.trancount(), 1);
    // "sys.dm_exec_sessions": transaction_isolation_level 4 = Serializable.
    let info = inst.sessions().into_iter().find(|i| i.spid == s.spid()).unwrap();
    assert_eq!(info.isolation_level, 4);
    let mut other = sa(&inst, "shop");
    assert_eq!(ids(&mut other), vec![7], "the first transaction was committed");
}
