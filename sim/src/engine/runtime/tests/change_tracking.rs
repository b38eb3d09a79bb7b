//! Change Tracking as SQL Server documents it (learn.microsoft.com/sql/relational-databases/
//! system-functions/changetable-transact-sql and the pages it links): enabling it on a database
//! then a table, CHANGETABLE(CHANGES …) netting each key's changes relative to the baseline,
//! one version per transaction, and the errors for each misuse.

use super::*;

fn scalar(s: &mut Session, sql: &str) -> Value {
    ok(s, sql).single().rows[0][0].clone()
}

/// (id, operation, version) of `CHANGETABLE(CHANGES dbo.items, baseline)` by id.
fn changes(s: &mut Session, baseline: &str) -> Vec<(i64, String, i64)> {
    let out = ok(
        s,
        &format!(
            "SELECT c.id, c.SYS_CHANGE_OPERATION, c.SYS_CHANGE_VERSION FROM CHANGETABLE(CHANGES dbo.items, {baseline}) AS c ORDER BY c.id"
        ),
    );
    out.single().rows.iter().map(|r| (int(&r[0]), text(&r[1]), int(&r[2]))).collect()
}

fn setup() -> (Instance, Session) {
    let inst = instance();
    inst.create_database("shop").expect("database");
    let mut s = sa(&inst, "shop");
    ok(&mut s, "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, value int NULL)");
    ok(&mut s, "CREATE TABLE dbo.heap (id int NULL)");
    (inst, s)
}

#[test]
fn enabling_follows_the_documented_order_and_errors() {
    let (_inst, mut s) = setup();
    assert_eq!(scalar(&mut s, "SELECT CHANGE_TRACKING_CURRENT_VERSION()"), Value::Null, "off: NULL");
    let msg = fails(&mut s, "ALTER TABLE dbo.items ENABLE CHANGE_TRACKING", 1718);
    assert_eq!(
        msg,
        "Change tracking must be enabled on database 'shop' before it can be enabled on table 'items'."
    );
    ok(&mut s, "ALTER DATABASE shop SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 2 DAYS, AUTO_CLEANUP = ON)");
    fails(&mut s, "ALTER DATABASE shop SET CHANGE_TRACKING = ON", 5088);
    assert_eq!(scalar(&mut s, "SELECT CHANGE_TRACKING_CURRENT_VERSION()"), Value::Int(0));
    fails(&mut s, "ALTER TABLE dbo.heap ENABLE CHANGE_TRACKING", 4997);
    assert_eq!(
        scalar(&mut s, "SELECT CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID('dbo.items'))"),
        Value::Null,
        "not tracked: NULL"
    );
    ok(&mut s, "ALTER TABLE dbo.items ENABLE CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = OFF)");
    fails(&mut s, "ALTER TABLE dbo.items ENABLE CHANGE_TRACKING", 4996);
    assert_eq!(
        scalar(&mut s, "SELECT CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID('dbo.items'))"),
        Value::Int(0)
    );
    fails(&mut s, "SELECT * FROM CHANGETABLE(CHANGES dbo.heap, 0) AS c", 22105);
    fails(&mut s, "ALTER DATABASE shop SET CHANGE_TRACKING = OFF", 22115);
    let refused =
        batch(&mut s, "ALTER TABLE dbo.heap ENABLE CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = ON)");
    assert!(refused.errors[0].message.contains("TRACK_COLUMNS_UPDATED"), "{:?}", refused.errors);
    ok(&mut s, "ALTER TABLE dbo.items DISABLE CHANGE_TRACKING");
    fails(&mut s, "ALTER TABLE dbo.items DISABLE CHANGE_TRACKING", 4998);
    ok(&mut s, "ALTER DATABASE shop SET CHANGE_TRACKING = OFF");
}

#[test]
fn changes_are_netted_per_key_relative_to_the_baseline() {
    let (_inst, mut s) = setup();
    ok(&mut s, "ALTER DATABASE shop SET CHANGE_TRACKING = ON");
    ok(&mut s, "INSERT INTO dbo.items VALUES (1, 1), (2, 2), (3, 3)");
    ok(&mut s, "ALTER TABLE dbo.items ENABLE CHANGE_TRACKING");
    ok(&mut s, "INSERT INTO dbo.items VALUES (10, 10)"); // v1
    ok(&mut s, "UPDATE dbo.items SET value = 11 WHERE id = 10"); // v2
    ok(&mut s, "UPDATE dbo.items SET value = 20 WHERE id = 2"); // v3
    ok(&mut s, "DELETE FROM dbo.items WHERE id = 3"); // v4
    ok(&mut s, "DELETE FROM dbo.items WHERE id = 1; INSERT INTO dbo.items VALUES (1, 100)"); // v5, v6
    assert_eq!(scalar(&mut s, "SELECT CHANGE_TRACKING_CURRENT_VERSION()"), Value::Int(6));
    // "an insert at 10 and an update at 15: from baseline 12 an update, from 8 an insert".
    assert_eq!(
        changes(&mut s, "0"),
        [(1, "U".into(), 6), (2, "U".into(), 3), (3, "D".into(), 4), (10, "I".into(), 2)],
        "a delete then an insert of the same key is an update"
    );
    assert_eq!(
        changes(&mut s, "1"),
        [(1, "U".into(), 6), (2, "U".into(), 3), (3, "D".into(), 4), (10, "U".into(), 2)]
    );
    assert_eq!(changes(&mut s, "4"), [(1, "U".into(), 6)]);
    assert_eq!(changes(&mut s, "6"), Vec::<(i64, String, i64)>::new());
    let all = ok(&mut s, "SELECT COUNT(*) FROM CHANGETABLE(CHANGES dbo.items, NULL) AS c");
    assert_eq!(all.single().rows[0][0], Value::Int(4), "a NULL baseline: every tracked change");
    // The documented join for a synchronization: deleted rows come back with NULL data.
    let sync = ok(
        &mut s,
        "DECLARE @v bigint = 3; SELECT c.id, e.value, c.SYS_CHANGE_OPERATION FROM CHANGETABLE(CHANGES dbo.items, @v) AS c \
         LEFT OUTER JOIN dbo.items AS e ON e.id = c.id ORDER BY c.id",
    );
    let rows: Vec<(i64, Value)> = sync.single().rows.iter().map(|r| (int(&r[0]), r[1].clone())).collect();
    assert_eq!(rows, [(1, Value::Int(100)), (3, Value::Null)]);
}

#[test]
fn one_version_per_transaction_and_truncate_resets_the_table() {
    let (_inst, mut s) = setup();
    ok(&mut s, "ALTER DATABASE shop SET CHANGE_TRACKING = ON");
    ok(&mut s, "ALTER TABLE dbo.items ENABLE CHANGE_TRACKING");
    ok(
        &mut s,
        "BEGIN TRAN; INSERT INTO dbo.items VALUES (1, 1); INSERT INTO dbo.items VALUES (2, 2); COMMIT",
    );
    assert_eq!(
        changes(&mut s, "0"),
        [(1, "I".into(), 1), (2, "I".into(), 1)],
        "one transaction, one version"
    );
    ok(&mut s, "BEGIN TRAN; INSERT INTO dbo.items VALUES (3, 3); ROLLBACK");
    assert_eq!(
        scalar(&mut s, "SELECT CHANGE_TRACKING_CURRENT_VERSION()"),
        Value::Int(1),
        "rolled back: no version"
    );
    ok(&mut s, "TRUNCATE TABLE dbo.items");
    assert_eq!(
        scalar(&mut s, "SELECT CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID('dbo.items'))"),
        Value::Int(1)
    );
    assert_eq!(
        changes(&mut s, "0"),
        Vec::<(i64, String, i64)>::new(),
        "as if change tracking had just been enabled"
    );
}
