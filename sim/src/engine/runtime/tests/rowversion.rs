//! rowversion columns and @@DBTS as SQL Server documents them
//! (learn.microsoft.com/sql/t-sql/data-types/rowversion-transact-sql, …/functions/dbts-transact-sql):
//! one counter per database, the next value for every insert and update of a row in a table
//! with a rowversion column, never rolled back; explicit values refused (273, 272).

use super::*;

fn hex(v: &Value) -> String {
    match v {
        Value::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
        other => panic!("not binary: {other:?}"),
    }
}

/// `SELECT hex of rv … ORDER BY id` and `@@DBTS`.
fn versions(s: &mut Session, table: &str) -> Vec<String> {
    let out = ok(s, &format!("SELECT rv FROM {table} ORDER BY id"));
    out.single().rows.iter().map(|r| hex(&r[0])).collect()
}

fn dbts(s: &mut Session) -> String {
    hex(&ok(s, "SELECT @@DBTS").single().rows[0][0])
}

#[test]
fn every_insert_and_update_takes_the_database_s_next_rowversion() {
    let inst = instance();
    inst.create_database("shop").expect("database");
    let mut s = sa(&inst, "shop");
    assert_eq!(dbts(&mut s), "00000000000007D0", "a new database's @@DBTS");
    ok(&mut s, "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, value int NULL, rv rowversion)");
    ok(&mut s, "CREATE TABLE dbo.stamps (id int NOT NULL PRIMARY KEY, rv timestamp NULL)");
    ok(&mut s, "INSERT INTO dbo.items (id, value) VALUES (1, 10), (2, 20)");
    ok(&mut s, "INSERT INTO dbo.stamps (id) VALUES (1)");
    ok(&mut s, "INSERT INTO dbo.items VALUES (3, 30, DEFAULT), (4, 40, NULL)");
    assert_eq!(
        versions(&mut s, "dbo.items"),
        ["00000000000007D1", "00000000000007D2", "00000000000007D4", "00000000000007D5"],
        "one counter for the whole database, shared by its tables"
    );
    assert_eq!(versions(&mut s, "dbo.stamps"), ["00000000000007D3"]);
    ok(&mut s, "UPDATE dbo.items SET value = value WHERE id = 2");
    assert_eq!(versions(&mut s, "dbo.items")[1], "00000000000007D6", "an update takes the next value");
    assert_eq!(dbts(&mut s), "00000000000007D6", "@@DBTS is the last value used");
    let changed = ok(&mut s, "SELECT id FROM dbo.items WHERE rv > 0x00000000000007D4 ORDER BY id");
    let ids: Vec<Value> = changed.single().rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, [Value::Int(2), Value::Int(4)], "rows above a watermark compare in counter order");
    // The counter is not transactional: a rolled-back insert used its value.
    ok(&mut s, "BEGIN TRAN; INSERT INTO dbo.stamps (id) VALUES (2); ROLLBACK");
    ok(&mut s, "INSERT INTO dbo.stamps (id) VALUES (3)");
    assert_eq!(versions(&mut s, "dbo.stamps")[1], "00000000000007D8");
}

#[test]
fn catalogs_show_timestamp_and_explicit_values_are_refused() {
    let inst = instance();
    inst.create_database("shop").expect("database");
    let mut s = sa(&inst, "shop");
    let two = fails(&mut s, "CREATE TABLE dbo.two (a rowversion, b timestamp)", 2738);
    assert_eq!(
        two,
        "A table can only have one timestamp column. Because table 'two' already has one, the column 'b' cannot be added."
    );
    fails(&mut s, "CREATE TABLE dbo.d (id int, rv rowversion DEFAULT 0x01)", 1755);
    ok(&mut s, "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, value int NULL, rv rowversion)");
    let explicit = fails(&mut s, "INSERT INTO dbo.items (id, value, rv) VALUES (1, 1, 0x01)", 273);
    assert!(explicit.starts_with("Cannot insert an explicit value into a timestamp column."), "{explicit}");
    ok(&mut s, "INSERT INTO dbo.items (id, value) VALUES (1, 1)");
    assert_eq!(fails(&mut s, "UPDATE dbo.items SET rv = 0x01", 272), "Cannot update a timestamp column.");
    let cols = ok(
        &mut s,
        "SELECT ty.name, c.system_type_id, c.max_length, c.is_nullable FROM sys.columns c \
         JOIN sys.types ty ON ty.user_type_id = c.user_type_id \
         WHERE c.object_id = OBJECT_ID('dbo.items') AND c.name = 'rv'",
    );
    let row = &cols.single().rows[0];
    assert_eq!(text(&row[0]), "timestamp", "sys.types names rowversion columns timestamp");
    assert_eq!((int(&row[1]), int(&row[2]), int(&row[3])), (189, 8, 0), "binary(8), NOT NULL by default");
    // Added to a table with rows, the column is filled at once.
    ok(&mut s, "CREATE TABLE dbo.late (id int NOT NULL PRIMARY KEY)");
    ok(&mut s, "INSERT INTO dbo.late VALUES (1), (2)");
    ok(&mut s, "ALTER TABLE dbo.late ADD rv rowversion");
    assert_eq!(versions(&mut s, "dbo.late").len(), 2);
    assert!(versions(&mut s, "dbo.late").iter().all(|v| v.as_str() > "00000000000007D1"));
}

/// SQLite's plan for the translation of `sql` (one SELECT), as `EXPLAIN QUERY PLAN` details.
fn plan_of(s: &mut Session, sql: &str) -> String {
    let parsed = crate::engine::translate::parse_batch(sql).expect("parses");
    let step = {
        let catalog = SessionCatalog::new(s);
        crate::engine::translate::translate(&parsed[0], &catalog).expect("translates")
    };
    let Step::Query { sql, .. } = step else { panic!("not a query: {step:?}") };
    let mut stmt = s.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("explains");
    let rows = stmt.query_map([], |r| r.get::<_, String>(3)).expect("plan");
    rows.map(|r| r.expect("row")).collect::<Vec<_>>().join("; ")
}

/// SQL Server answers `WHERE rv > @watermark` with a seek when the rowversion column is indexed
/// (the point of indexing it for incremental loads: "Use rowversion … to determine whether any
/// value in the row has changed", rowversion-transact-sql); a scan otherwise. The simulator's
/// index is a SQLite index, used the same way.
#[test]
fn rows_above_a_watermark_are_sought_through_an_index_on_the_rowversion_column() {
    let inst = instance();
    inst.create_database("shop").expect("database");
    let mut s = sa(&inst, "shop");
    ok(&mut s, "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, value int NULL, rv rowversion)");
    ok(&mut s, "INSERT INTO dbo.items (id, value) VALUES (1, 10), (2, 20), (3, 30)");
    let query = "SELECT id FROM dbo.items WHERE rv > 0x00000000000007D2";
    ok(&mut s, query);
    let before = plan_of(&mut s, query);
    assert!(before.starts_with("SCAN"), "no index on rv: a scan ({before})");
    ok(&mut s, "CREATE INDEX ix_items_rv ON dbo.items (rv)");
    let after = plan_of(&mut s, query);
    assert!(after.contains("SEARCH") && after.contains("ix_items_rv"), "indexed: a seek ({after})");
    let ids = ok(&mut s, query);
    assert_eq!(ids.single().rows, [[Value::Int(3)]], "the same rows either way");
}
