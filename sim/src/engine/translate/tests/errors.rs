//! Errors: syntax errors with their line, and constructs refused by name.

use super::*;

#[test]
fn syntax_errors_fail_the_batch_with_their_line() {
    let cat = TestCatalog::new();
    let e = err(&cat, "SELECT 1\nSELECT FROM WHERE");
    assert_eq!((e.number, e.class, e.line), (102, 15, 2));
    assert!(e.message.starts_with("Incorrect syntax near '"), "{}", e.message);
    let e = err(&cat, "SELECT 'abc");
    assert_eq!(e.number, 105);
}

#[test]
fn unsupported_constructs_are_named() {
    let cat = TestCatalog::new();
    for (sql, construct) in [
        ("MERGE INTO t USING s ON 1 = 1 WHEN MATCHED THEN DELETE;", "MERGE"),
        ("EXEC sp_who", "EXECUTE"),
        ("CREATE PROCEDURE p @a INT AS SELECT 1", "CREATE PROCEDURE"),
        ("BEGIN TRY SELECT 1 END TRY BEGIN CATCH SELECT 2 END CATCH", "BEGIN TRY"),
        ("WHILE @n < 3 SET @n += 1", "WHILE"),
        ("DELETE TOP (10) FROM orders", "DELETE TOP"),
        ("DBCC CHECKDB", "DBCC"),
        ("DECLARE @t TABLE (a int)", "table variables"),
        ("DECLARE c CURSOR FOR SELECT 1", "cursors"),
        ("SELECT id FROM orders FOR XML PATH('')", "FOR XML"),
        ("SELECT id INTO #t FROM orders", "SELECT … INTO"),
        ("SELECT CHECKSUM(id) FROM orders", "CHECKSUM"),
        ("SELECT dbo.fn(1)", "user-defined function"),
        ("SELECT STDEV(qty) FROM orders", "STDEV"),
        ("CREATE TABLE t (a int, b AS a + 1)", "computed columns"),
        ("IF 1 = 1 SELECT 1", "IF"),
    ] {
        let e = err(&cat, sql);
        assert_eq!(e.number, 40517, "{sql}: {e}");
        assert!(e.message.contains(construct), "{sql}: {}", e.message);
    }
}
