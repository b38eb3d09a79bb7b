//! Row locks between two in-process sessions: only what does not wait (or times out) can be
//! told here; waits that end are told over TDS in `tests/sim_locking.rs`.

use super::*;

#[test]
fn deleting_a_key_holds_that_key_only() {
    let (inst, mut a) = shop();
    exec(&mut a, "CREATE TABLE dbo.t (id int PRIMARY KEY, v int); INSERT INTO dbo.t VALUES (1, 1), (2, 2)");
    let mut b = sa(&inst, "shop");
    exec(&mut b, "SET LOCK_TIMEOUT 100");
    let out = exec(&mut a, "BEGIN TRAN; DELETE FROM dbo.t WHERE id = 1");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // "Transaction locking and row versioning guide": a deleted key stays locked to the end of
    // the transaction; other keys are free.
    let out = exec(&mut b, "INSERT INTO dbo.t VALUES (5, 5)");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(exec(&mut b, "INSERT INTO dbo.t VALUES (1, 9)").error_numbers(), vec![1222]);
    exec(&mut a, "ROLLBACK");
    assert_eq!(scalar(&mut b, "SELECT SUM(v) FROM dbo.t"), Value::Int(8));
}
