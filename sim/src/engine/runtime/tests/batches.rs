//! Whole T-SQL batches through `Session::execute`: the translator and the runtime together.

use super::*;

fn exec(s: &mut Session, sql: &str) -> CollectSink {
    let mut sink = CollectSink::new();
    s.execute(sql, &[], &mut sink);
    sink
}

#[test]
fn a_user_creates_fills_and_reads_a_table_in_tsql() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let out = exec(&mut s, "CREATE DATABASE shop");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let out = exec(
        &mut s,
        "USE shop;
         CREATE TABLE dbo.orders (id INT IDENTITY(1,1) PRIMARY KEY, customer NVARCHAR(50) NOT NULL, amount DECIMAL(18,2) NULL);
         INSERT INTO dbo.orders (customer, amount) VALUES (N'Ann', 10.50), (N'Bob', NULL);
         SELECT id, customer, amount FROM dbo.orders ORDER BY id;",
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(s.database(), "shop");
    let rs = out.single();
    assert_eq!(
        rs.columns.iter().map(|c| c.ty.to_sql()).collect::<Vec<_>>(),
        vec!["int", "nvarchar(50)", "decimal(18,2)"]
    );
    assert_eq!(
        rs.rows[0],
        vec![Value::Int(1), Value::Str("Ann".into()), Value::Decimal { value: 1050, scale: 2 }]
    );
    assert_eq!(rs.rows[1][2], Value::Null);
    assert_eq!(out.counts.last(), Some(&Some(2)));
}

#[test]
fn parameters_bind_by_name() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let mut sink = CollectSink::new();
    s.execute("SELECT @P1 AS p", &[param("@P1", "nvarchar(10)", Value::Str("hi".into()))], &mut sink);
    assert!(sink.errors.is_empty(), "{:?}", sink.errors);
    assert_eq!(sink.single().rows, vec![vec![Value::Str("hi".into())]]);
}

#[test]
fn a_syntax_error_runs_nothing_and_statement_errors_let_the_batch_go_on() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let out = exec(&mut s, "SELECT 1; SELEC 2;");
    assert_eq!(out.results.len(), 0);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.counts, vec![None]);

    exec(&mut s, "CREATE TABLE dbo.t (id INT PRIMARY KEY)");
    let out = exec(
        &mut s,
        "INSERT INTO dbo.t VALUES (1); INSERT INTO dbo.t VALUES (1); SELECT COUNT(*) AS n FROM dbo.t;",
    );
    assert_eq!(out.error_numbers(), vec![2627]);
    assert_eq!(out.errors[0].line, 1);
    assert_eq!(out.single().rows, vec![vec![Value::Int(1)]]);

    let out = exec(&mut s, "SELECT * FROM dbo.missing;\nSELECT 1 AS n;");
    assert_eq!(out.error_numbers(), vec![208]);
    assert!(out.results.is_empty(), "208 ends the batch");
}

#[test]
fn insert_without_a_column_list_skips_identity_and_computed_columns() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let out = exec(
        &mut s,
        "CREATE TABLE dbo.t (id INT IDENTITY(1,1) NOT NULL, name VARCHAR(10) NULL);
         INSERT INTO dbo.t VALUES ('a');
         SELECT id, name FROM dbo.t;",
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.single().rows, vec![vec![Value::Int(1), Value::Str("a".into())]]);
}

#[test]
fn catalog_views_answer_tsql_queries() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let out = exec(
        &mut s,
        "CREATE TABLE dbo.orders (id INT NOT NULL PRIMARY KEY, note NVARCHAR(40) NULL);
         SELECT t.name, c.name AS col, c.max_length FROM sys.tables t JOIN sys.columns c ON c.object_id = t.object_id ORDER BY c.column_id;",
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let rs = out.single();
    assert_eq!(rs.rows.len(), 2);
    assert_eq!(rs.rows[1][1], Value::Str("note".into()));
    assert_eq!(rs.rows[1][2], Value::Int(80));
    assert_eq!(rs.columns[2].ty, SqlType::SmallInt);
}

#[test]
fn an_assigning_select_returns_no_rows_and_keeps_the_last_rows_values() {
    // "SELECT @local_variable (Transact-SQL)": the SELECT returns no result set; when it
    // returns several rows the variable gets the last one's value; when it returns none the
    // variable keeps its value.
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    let out = exec(
        &mut s,
        "CREATE TABLE dbo.v (id int PRIMARY KEY, name nvarchar(10));
         INSERT INTO dbo.v VALUES (1, N'a'), (2, N'b'), (3, N'c');
         DECLARE @id int = 9, @name nvarchar(10);
         SELECT @id = id, @name = name FROM dbo.v ORDER BY id;
         SELECT @id, @name;
         SELECT @id = id FROM dbo.v WHERE id > 10;
         SELECT @id, @@ROWCOUNT;",
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.results.len(), 2, "only the two plain SELECTs return result sets");
    assert_eq!(out.results[0].rows[0], vec![Value::Int(3), Value::Str("c".into())]);
    assert_eq!(out.results[1].rows[0], vec![Value::Int(3), Value::Int(0)]);
    // Row-by-row accumulation (`@v = @v + name`) is not simulated: refused, never answered
    // with only the last row.
    let out = exec(&mut s, "DECLARE @v nvarchar(100) = N''; SELECT @v = @v + name FROM dbo.v ORDER BY id");
    assert_eq!(out.error_numbers(), vec![40517]);
    let out = exec(&mut s, "DECLARE @v int = 1; SELECT @v = @v + 1; SELECT @v");
    assert_eq!(out.single().rows[0][0], Value::Int(2));
}
