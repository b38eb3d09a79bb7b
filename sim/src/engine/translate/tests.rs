//! Translator tests: T-SQL in, SQLite run on an in-memory database with the `tsql_*`
//! functions registered, values and SQL Server result types checked.

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use rusqlite::types::Value;

use super::{parse_batch, translate};
use crate::engine::functions::{register, testing::Fixed};
use crate::engine::{Catalog, DropKind, ObjectName, ResolvedTable, ResultColumn, Step, TableKind};
use crate::error::SqlError;
use crate::types::{Column, Len, SqlType};

struct TestCatalog {
    conn: rusqlite::Connection,
    tables: HashMap<String, ResolvedTable>,
    vars: HashMap<String, SqlType>,
}

/// (column, type, nullable)
type Cols = &'static [(&'static str, &'static str, bool)];

const SCHEMA: &[(&str, Cols)] = &[
    (
        "orders",
        &[
            ("id", "int", false),
            ("customer", "nvarchar(50)", true),
            ("amount", "decimal(10,2)", true),
            ("qty", "smallint", true),
            ("big", "bigint", true),
            ("created", "datetime", true),
            ("code", "varchar(10)", true),
            ("guid", "uniqueidentifier", true),
            ("price", "float", true),
        ],
    ),
    ("customers", &[("id", "int", false), ("name", "nvarchar(50)", false), ("city", "varchar(30)", true)]),
];

impl TestCatalog {
    fn new() -> Self {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        register(&conn, Arc::new(Fixed)).unwrap();
        let mut tables = HashMap::new();
        for (name, cols) in SCHEMA {
            let decl: Vec<String> = cols
                .iter()
                .map(|(c, t, _)| {
                    let ty = SqlType::parse(t).unwrap();
                    let coll = if ty.is_character() { " COLLATE tsql_ci" } else { "" };
                    format!("\"{c}\" {t}{coll}")
                })
                .collect();
            conn.execute_batch(&format!("CREATE TABLE \"dbo.{name}\" ({});", decl.join(", "))).unwrap();
            let columns =
                cols.iter().map(|(c, t, n)| Column::new(*c, SqlType::parse(t).unwrap(), *n)).collect();
            tables.insert(
                name.to_string(),
                ResolvedTable { sqlite_ref: format!("main.\"dbo.{name}\""), columns, kind: TableKind::Table },
            );
        }
        conn.execute_batch(
            "INSERT INTO \"dbo.orders\" VALUES
               (1, 'alice', 10.50, 2, 5000000000, '2024-01-05 10:00:00.0000000', 'A1', '6F9619FF-8B86-D011-B42D-00C04FC964FF', 1.5),
               (2, 'Bob', 20, 3, 1, '2024-02-10 12:30:00.0000000', 'B2', NULL, 2.5),
               (3, 'alice', 5.25, 1, 2, '2024-03-01 00:00:00.0000000', 'a1  ', NULL, NULL),
               (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
             INSERT INTO \"dbo.customers\" VALUES (1, 'Alice', 'Paris'), (2, 'bob', 'Oslo'), (3, 'Carol', NULL);",
        )
        .unwrap();
        let mut vars = HashMap::new();
        vars.insert("@n".to_string(), SqlType::Int);
        vars.insert("@s".to_string(), SqlType::NVarChar(Len::N(20)));
        vars.insert("@d".to_string(), SqlType::DateTime);
        vars.insert("@P1".to_string(), SqlType::Int);
        TestCatalog { conn, tables, vars }
    }
}

impl Catalog for TestCatalog {
    fn current_database(&self) -> String {
        "shop".into()
    }
    fn resolve_table(&self, name: &ObjectName) -> Result<ResolvedTable, SqlError> {
        if name.database.as_deref().is_some_and(|d| !d.eq_ignore_ascii_case("shop")) {
            return Err(SqlError::no_such_database(name.database.as_deref().unwrap_or("")));
        }
        self.tables
            .get(&name.name.to_lowercase())
            .cloned()
            .ok_or_else(|| SqlError::invalid_object(&name.name))
    }
    fn resolve_table_function(&self, name: &ObjectName, args: &[String]) -> Result<ResolvedTable, SqlError> {
        if name.name.eq_ignore_ascii_case("dm_io_virtual_file_stats") {
            return Ok(ResolvedTable {
                sqlite_ref: format!(
                    "(SELECT coalesce({}, 5) AS database_id, 1 AS file_id)",
                    args.first().cloned().unwrap_or("NULL".into())
                ),
                columns: vec![
                    Column::new("database_id", SqlType::SmallInt, false),
                    Column::new("file_id", SqlType::SmallInt, false),
                ],
                kind: TableKind::Catalog,
            });
        }
        Err(SqlError::invalid_object(&name.name))
    }
    fn variable_type(&self, name: &str) -> Option<SqlType> {
        self.vars.get(name).copied()
    }
    fn database_exists(&self, name: &str) -> bool {
        matches!(name.to_ascii_lowercase().as_str(), "shop" | "master")
    }
}

fn steps(cat: &TestCatalog, sql: &str) -> Result<Vec<Step>, SqlError> {
    parse_batch(sql)?.iter().map(|p| translate(p, cat)).collect()
}

fn step(cat: &TestCatalog, sql: &str) -> Step {
    let mut all = steps(cat, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(all.len(), 1, "{sql}");
    all.remove(0)
}

/// Runs a query; returns its columns and rows.
fn query(cat: &TestCatalog, sql: &str) -> (Vec<ResultColumn>, Vec<Vec<Value>>) {
    let Step::Query { sql: lite, columns } = step(cat, sql) else { panic!("{sql}: not a query") };
    let mut stmt = cat.conn.prepare(&lite).unwrap_or_else(|e| panic!("{sql}\n→ {lite}\n{e}"));
    let n = stmt.column_count();
    for i in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(i).unwrap_or_default().to_string();
        let v = match name.as_str() {
            "@n" | "@P1" => Value::Integer(2),
            "@s" => Value::Text("ALICE".into()),
            _ => Value::Null,
        };
        stmt.raw_bind_parameter(i, v).unwrap();
    }
    let mut rows = Vec::new();
    let mut raw = stmt.raw_query();
    while let Some(r) = raw.next().unwrap_or_else(|e| panic!("{sql}\n→ {lite}\n{e}")) {
        rows.push((0..n).map(|i| r.get::<_, Value>(i).unwrap()).collect());
    }
    assert_eq!(columns.len(), n, "{lite}");
    (columns, rows)
}

fn ty(cols: &[ResultColumn], i: usize) -> SqlType {
    cols[i].ty.unwrap_or_else(|| panic!("column {i} has no type: {cols:?}"))
}

fn one(cat: &TestCatalog, sql: &str) -> (SqlType, Value) {
    let (cols, rows) = query(cat, sql);
    (ty(&cols, 0), rows[0][0].clone())
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

fn err(cat: &TestCatalog, sql: &str) -> SqlError {
    match steps(cat, sql) {
        Err(e) => e,
        Ok(s) => panic!("{sql}: expected an error, got {s:?}"),
    }
}

#[test]
fn column_literal_and_aggregate_types() {
    let cat = TestCatalog::new();
    let (cols, rows) = query(
        &cat,
        "SELECT customer, COUNT(*) AS n, COUNT_BIG(*) AS nb, SUM(qty) AS s, SUM(amount) AS sa, SUM(big) AS sb, \
         AVG(qty) AS a, MIN(code) AS mn, 1 AS one, 3000000000 AS lit, 1.50 AS d, 'abc' AS v, N'abcd' AS nv, NULL AS z \
         FROM dbo.orders WHERE id < 4 GROUP BY customer ORDER BY customer",
    );
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["customer", "n", "nb", "s", "sa", "sb", "a", "mn", "one", "lit", "d", "v", "nv", "z"]);
    assert_eq!(ty(&cols, 0), SqlType::NVarChar(Len::N(50)));
    assert!(cols[0].nullable);
    assert_eq!(ty(&cols, 1), SqlType::Int);
    assert!(!cols[1].nullable);
    assert_eq!(ty(&cols, 2), SqlType::BigInt);
    assert_eq!(ty(&cols, 3), SqlType::Int);
    assert_eq!(ty(&cols, 4), SqlType::Decimal { precision: 38, scale: 2 });
    assert_eq!(ty(&cols, 5), SqlType::BigInt);
    assert_eq!(ty(&cols, 6), SqlType::Int);
    assert_eq!(ty(&cols, 7), SqlType::VarChar(Len::N(10)));
    assert_eq!(ty(&cols, 8), SqlType::Int);
    assert_eq!(ty(&cols, 9), SqlType::Decimal { precision: 10, scale: 0 });
    assert_eq!(ty(&cols, 10), SqlType::Decimal { precision: 3, scale: 2 });
    assert_eq!(ty(&cols, 11), SqlType::VarChar(Len::N(3)));
    assert_eq!(ty(&cols, 12), SqlType::NVarChar(Len::N(4)));
    assert_eq!(ty(&cols, 13), SqlType::Int);
    // 'alice' twice (case-insensitive grouping), 'Bob' once.
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], Value::Integer(2));
    assert_eq!(rows[0][6], Value::Integer(1)); // AVG(2, 1) = 1 in int
    assert_eq!(rows[1][0], t("Bob"));
}

#[test]
fn unnamed_expressions_have_empty_names_and_star_expands() {
    let cat = TestCatalog::new();
    let (cols, _) = query(&cat, "SELECT id + 1, LEN(customer), @@VERSION, * FROM orders");
    assert_eq!(cols[0].name, "");
    assert_eq!(ty(&cols, 1), SqlType::Int);
    assert_eq!(ty(&cols, 2), SqlType::NVarChar(Len::N(300)));
    assert_eq!(cols[3].name, "id");
    assert_eq!(cols.len(), 3 + 9);
    assert_eq!(ty(&cols, 8), SqlType::DateTime);
}

#[test]
fn character_comparisons_are_case_insensitive_and_ignore_trailing_spaces() {
    let cat = TestCatalog::new();
    let (_, rows) = query(&cat, "SELECT id FROM orders WHERE customer = 'ALICE' ORDER BY id");
    assert_eq!(rows.len(), 2);
    let (_, rows) = query(&cat, "SELECT id FROM orders WHERE UPPER(code) = 'a1' ORDER BY id");
    assert_eq!(rows.len(), 2, "expressions compare under tsql_ci, 'a1  ' = 'a1'");
    let (_, rows) = query(&cat, "SELECT id FROM orders WHERE customer LIKE 'AL%' AND code IN ('A1', 'x')");
    assert_eq!(rows.len(), 2);
    let (_, rows) = query(&cat, "SELECT DISTINCT LOWER(customer) FROM orders WHERE customer IS NOT NULL");
    assert_eq!(rows.len(), 2);
    let (_, rows) = query(&cat, "SELECT id FROM orders WHERE customer = @s");
    assert_eq!(rows.len(), 2);
}

#[test]
fn arithmetic_types_and_integer_division() {
    let cat = TestCatalog::new();
    assert_eq!(one(&cat, "SELECT 7 / 2"), (SqlType::Int, Value::Integer(3)));
    let (ty_, v) = one(&cat, "SELECT 7 / 2.0");
    assert!(matches!(ty_, SqlType::Decimal { .. }));
    assert_eq!(v, Value::Real(3.5));
    let (c, rows) = query(
        &cat,
        "SELECT qty + big, qty + amount, price * 2, amount / qty, id % 2 FROM orders WHERE id = 2",
    );
    assert_eq!(ty(&c, 0), SqlType::BigInt);
    assert_eq!(ty(&c, 1), SqlType::Decimal { precision: 11, scale: 2 });
    assert_eq!(ty(&c, 2), SqlType::Float);
    assert!(matches!(ty(&c, 3), SqlType::Decimal { .. }));
    // decimal / smallint is decimal(p, 8) ("Precision, scale, and length"), computed exactly.
    assert_eq!(rows[0][3], Value::Real(6.66666667));
    assert_eq!(rows[0][4], Value::Integer(0));
    assert_eq!(one(&cat, "SELECT '1' + 1"), (SqlType::Int, Value::Integer(2)));
    let e = steps(&cat, "SELECT 1 / 0").unwrap();
    let Step::Query { sql, .. } = &e[0] else { panic!() };
    let err = cat.conn.query_row(sql, [], |r| r.get::<_, Value>(0)).unwrap_err();
    assert_eq!(crate::engine::functions::sql_error(&err).unwrap().number, 8134);
}

#[test]
fn string_concatenation_and_functions() {
    let cat = TestCatalog::new();
    let (c, rows) = query(
        &cat,
        "SELECT customer + N'!', code + 'x', CONCAT(customer, NULL, id), CONCAT_WS('-', code, NULL, 'z'), \
         SUBSTRING(customer, 2, 3), LEFT(code, 1), RIGHT(code, 1), REPLACE(customer, 'ALI', 'X'), \
         CHARINDEX('C', customer), LTRIM(RTRIM('  a  ')), REPLICATE('ab', 2), REVERSE(code), DATALENGTH(customer), \
         DATALENGTH(code), LEN(N'ab  '), UPPER(customer), ISNULL(customer, N'-') FROM orders WHERE id = 1",
    );
    let r = &rows[0];
    assert_eq!(r[0], t("alice!"));
    assert_eq!(ty(&c, 0), SqlType::NVarChar(Len::N(51)));
    assert_eq!(r[1], t("A1x"));
    assert_eq!(ty(&c, 1), SqlType::VarChar(Len::N(11)));
    assert_eq!(r[2], t("alice1"));
    assert!(!c[2].nullable);
    assert_eq!(r[3], t("A1-z"));
    assert_eq!(r[4], t("lic"));
    assert_eq!((r[5].clone(), r[6].clone()), (t("A"), t("1")));
    assert_eq!(r[7], t("Xce"));
    assert_eq!(r[8], Value::Integer(4));
    assert_eq!(r[9], t("a"));
    assert_eq!(r[10], t("abab"));
    assert_eq!(r[11], t("1A"));
    assert_eq!(r[12], Value::Integer(10));
    assert_eq!(r[13], Value::Integer(2));
    assert_eq!(r[14], Value::Integer(2));
    assert_eq!(r[15], t("ALICE"));
    assert_eq!(ty(&c, 16), SqlType::NVarChar(Len::N(50)));
    let (_, rows) = query(&cat, "SELECT CONCAT(customer, 'x') FROM orders WHERE id = 4");
    assert_eq!(rows[0][0], t("x"));
    let (_, rows) = query(&cat, "SELECT customer + 'x' FROM orders WHERE id = 4");
    assert_eq!(rows[0][0], Value::Null);
}

#[test]
fn top_offset_fetch_and_order() {
    let cat = TestCatalog::new();
    let (_, rows) = query(&cat, "SELECT TOP (2) id FROM orders ORDER BY id DESC");
    assert_eq!(rows, vec![vec![Value::Integer(4)], vec![Value::Integer(3)]]);
    let (_, rows) = query(&cat, "SELECT TOP 1 id FROM orders ORDER BY id");
    assert_eq!(rows, vec![vec![Value::Integer(1)]]);
    let (_, rows) = query(&cat, "SELECT id FROM orders ORDER BY id OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY");
    assert_eq!(rows, vec![vec![Value::Integer(2)], vec![Value::Integer(3)]]);
    let (_, rows) = query(&cat, "SELECT id FROM orders ORDER BY id OFFSET 3 ROWS");
    assert_eq!(rows, vec![vec![Value::Integer(4)]]);
    let (_, rows) = query(&cat, "SELECT TOP (@n) id AS k FROM orders ORDER BY k DESC");
    assert_eq!(rows.len(), 2);
    let (_, rows) = query(&cat, "SELECT id, customer AS c FROM orders WHERE id < 4 ORDER BY c DESC, 1");
    assert_eq!(rows[0][1], t("Bob"));
}

#[test]
fn joins_derived_tables_ctes_unions_and_windows() {
    let cat = TestCatalog::new();
    let (c, rows) = query(
        &cat,
        "SELECT o.id, c.name, c.city FROM dbo.orders AS o LEFT JOIN customers c ON c.name = o.customer ORDER BY o.id",
    );
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][1], t("Alice"));
    assert_eq!(rows[1][1], t("bob"));
    assert!(c[1].nullable, "LEFT JOIN makes the right side nullable");
    assert!(!c[0].nullable);
    let (c, rows) = query(&cat, "SELECT x.total FROM (SELECT SUM(qty) AS total FROM orders) AS x");
    assert_eq!((ty(&c, 0), rows[0][0].clone()), (SqlType::Int, Value::Integer(6)));
    let (c, rows) = query(
        &cat,
        "WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 5), m(k) AS (SELECT COUNT(*) FROM n) SELECT k FROM m",
    );
    assert_eq!((ty(&c, 0), rows[0][0].clone()), (SqlType::Int, Value::Integer(5)));
    let (c, rows) = query(&cat, "SELECT id AS k FROM orders UNION SELECT id FROM customers ORDER BY k DESC");
    assert_eq!(rows.len(), 4);
    assert_eq!(c[0].name, "k");
    let (c, rows) =
        query(&cat, "SELECT code FROM orders WHERE id = 1 UNION SELECT city FROM customers WHERE id = 1");
    assert_eq!(ty(&c, 0), SqlType::VarChar(Len::N(30)));
    assert_eq!(rows.len(), 2);
    let (c, rows) = query(
        &cat,
        "SELECT id, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY id DESC) AS rn, RANK() OVER (ORDER BY customer) AS r, \
         NTILE(2) OVER (ORDER BY id) AS nt, SUM(qty) OVER () AS tot FROM orders ORDER BY id",
    );
    assert_eq!(ty(&c, 1), SqlType::BigInt);
    assert_eq!(ty(&c, 2), SqlType::BigInt);
    assert_eq!(ty(&c, 3), SqlType::BigInt);
    assert_eq!(ty(&c, 4), SqlType::Int);
    assert_eq!(rows[0][1], Value::Integer(2));
    let (_, rows) = query(
        &cat,
        "SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer = c.name) \
         AND c.id IN (SELECT id FROM orders) ORDER BY name",
    );
    assert_eq!(rows.len(), 2);
    let (_, rows) = query(
        &cat,
        "SELECT (SELECT MAX(id) FROM orders o WHERE o.customer = c.name) FROM customers c ORDER BY c.id",
    );
    assert_eq!(rows[0][0], Value::Integer(3));
    let (c, rows) =
        query(&cat, "SELECT v.a, v.b FROM (VALUES (1, N'x'), (2, N'yy')) AS v(a, b) ORDER BY v.a DESC");
    assert_eq!((ty(&c, 1), rows[0][1].clone()), (SqlType::NVarChar(Len::N(2)), t("yy")));
    let (c, rows) = query(&cat, "SELECT f.database_id FROM sys.dm_io_virtual_file_stats(NULL, NULL) AS f");
    assert_eq!((ty(&c, 0), rows[0][0].clone()), (SqlType::SmallInt, Value::Integer(5)));
}

#[test]
fn cast_convert_and_conditional_types() {
    let cat = TestCatalog::new();
    let (c, rows) = query(
        &cat,
        "SELECT CONVERT(varchar(19), created, 120), CAST(amount AS int), CAST(id AS varchar), CAST(id AS bigint), \
         TRY_CAST('x' AS int), CONVERT(date, created), CAST(amount AS float), CONVERT(nvarchar(10), guid) \
         FROM orders WHERE id = 1",
    );
    assert_eq!(rows[0][0], t("2024-01-05 10:00:00"));
    assert_eq!(ty(&c, 0), SqlType::VarChar(Len::N(19)));
    assert_eq!((ty(&c, 1), rows[0][1].clone()), (SqlType::Int, Value::Integer(10)));
    assert_eq!(ty(&c, 2), SqlType::VarChar(Len::N(30)));
    assert_eq!(rows[0][2], t("1"));
    assert_eq!(ty(&c, 3), SqlType::BigInt);
    assert_eq!(rows[0][4], Value::Null);
    assert_eq!((ty(&c, 5), rows[0][5].clone()), (SqlType::Date, t("2024-01-05")));
    assert_eq!(ty(&c, 6), SqlType::Float);
    assert_eq!(rows[0][7], t("6F9619FF-8"));
    let (c, rows) = query(
        &cat,
        "SELECT ISNULL(qty, 0), COALESCE(qty, big, 0), IIF(id > 1, 'big', 'small'), \
         CASE WHEN id = 1 THEN 1 WHEN id = 2 THEN 2.5 ELSE NULL END, CASE code WHEN 'a1' THEN N'yes' ELSE 'no' END, \
         NULLIF(code, 'A1') FROM orders WHERE id = 1",
    );
    assert_eq!(ty(&c, 0), SqlType::SmallInt);
    assert_eq!(ty(&c, 1), SqlType::BigInt);
    assert_eq!(ty(&c, 2), SqlType::VarChar(Len::N(5)));
    assert_eq!(ty(&c, 3), SqlType::Decimal { precision: 11, scale: 1 });
    assert_eq!((ty(&c, 4), rows[0][4].clone()), (SqlType::NVarChar(Len::N(3)), t("yes")));
    assert_eq!(rows[0][5], Value::Null);
}

#[test]
fn dates_hashes_guids_and_metadata() {
    let cat = TestCatalog::new();
    let (c, rows) = query(
        &cat,
        "SELECT GETDATE(), SYSDATETIME(), DATEADD(day, 1, created), DATEDIFF(year, '2024-12-31', '2025-01-01'), \
         DATEPART(month, created), YEAR(created), NEWID(), DB_NAME(), OBJECT_ID('dbo.orders'), SERVERPROPERTY('EngineEdition'), \
         SERVERPROPERTY('ProductVersion'), SUSER_SNAME(), HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE'), \
         CURRENT_TIMESTAMP, SYSTEM_USER, DATEADD(month, 1, '2024-01-31') FROM orders WHERE id = 1",
    );
    let types: Vec<SqlType> = (0..c.len()).map(|i| ty(&c, i)).collect();
    assert_eq!(types[0], SqlType::DateTime);
    assert_eq!(types[1], SqlType::DateTime2(7));
    assert_eq!(types[2], SqlType::DateTime);
    assert_eq!(rows[0][2], t("2024-01-06 10:00:00.0000000"));
    assert_eq!((types[3], rows[0][3].clone()), (SqlType::Int, Value::Integer(1)));
    assert_eq!(rows[0][4], Value::Integer(1));
    assert_eq!(rows[0][5], Value::Integer(2024));
    assert_eq!(types[6], SqlType::UniqueIdentifier);
    assert_eq!((types[7], rows[0][7].clone()), (SqlType::NVarChar(Len::N(128)), t("shop")));
    assert_eq!(types[8], SqlType::Int);
    assert_eq!((types[9], rows[0][9].clone()), (SqlType::Int, Value::Integer(8)));
    assert_eq!(types[10], SqlType::NVarChar(Len::N(128)));
    assert_eq!(rows[0][11], t("sa"));
    assert_eq!(rows[0][12], Value::Integer(1));
    assert_eq!(rows[0][15], t("2024-02-29 00:00:00.0000000"));
    let Step::Query { sql, columns } =
        step(&cat, "SELECT HASHBYTES('SHA2_256', N'abc'), HASHBYTES('MD5', code) FROM orders WHERE id = 1")
    else {
        panic!()
    };
    assert!(sql.contains("'nvarchar(3)'") && sql.contains("'varchar(10)'"), "{sql}");
    assert_eq!(columns[0].ty, Some(SqlType::VarBinary(Len::N(8000))));
    let md5: Vec<u8> = cat.conn.query_row(&sql, [], |r| r.get(1)).unwrap();
    assert_eq!(md5.len(), 16);
    let (_, rows) = query(&cat, "SELECT id FROM orders WHERE guid = '6f9619ff-8b86-d011-b42d-00c04fc964ff'");
    assert_eq!(rows.len(), 1, "GUID literals compare in canonical upper-case form");
    let (_, rows) = query(&cat, "SELECT id FROM orders WHERE created >= '2024-02-10T12:30:00' ORDER BY id");
    assert_eq!(rows.len(), 2, "date strings are converted before comparing");
}

#[test]
fn hints_and_misparse_traps() {
    let cat = TestCatalog::new();
    let (_, rows) = query(
        &cat,
        "SELECT o.id FROM orders o WITH (NOLOCK) JOIN customers (NOLOCK) ON customers.id = o.id OPTION (RECOMPILE)",
    );
    assert_eq!(rows.len(), 3);
    let (_, rows) =
        query(&cat, "SELECT id FROM orders WITH (NOLOCK, INDEX(ix_a)) WHERE id = 1 -- OPTION (x)\n");
    assert_eq!(rows.len(), 1);
    let (c, _) = query(&cat, "SELECT total = COUNT(*) FROM orders");
    assert_eq!(c[0].name, "total");
    let all = steps(&cat, "SELECT @n = COUNT(*) FROM orders").unwrap();
    let [Step::Assign { sql, targets }] = all.as_slice() else { panic!("{all:?}") };
    assert_eq!(targets, &vec!["@n".to_string()]);
    assert_eq!(cat.conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap(), 4);
    let all = steps(&cat, "SET @n += 1\nSET @s = 'x' + N'y'\nSET @d = '2024-01-01'").unwrap();
    let Step::Assign { sql, targets } = &all[0] else { panic!() };
    assert_eq!(targets, &vec!["@n".to_string()]);
    assert!(sql.contains("@n + 1"), "{sql}");
    let Step::Assign { sql, .. } = &all[2] else { panic!() };
    assert_eq!(
        cat.conn.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap(),
        "2024-01-01 00:00:00.0000000"
    );
    // A statement without a semicolon never swallows the next as an alias.
    let all = steps(&cat, "SELECT 1 SET NOCOUNT ON SELECT id FROM orders COMMIT").unwrap();
    assert!(matches!(all[1], Step::SetOption { .. }));
    assert!(matches!(all[3], Step::Commit));
    let Step::Query { columns, .. } = &all[2] else { panic!() };
    assert_eq!(columns.len(), 1);
}

#[test]
fn session_statements() {
    let cat = TestCatalog::new();
    let all = steps(
        &cat,
        "SET NOCOUNT ON;\nSET DEADLOCK_PRIORITY LOW\nSET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED\nSET ANSI_NULLS, QUOTED_IDENTIFIER ON\n\
         SET LOCK_TIMEOUT -1\nBEGIN TRAN\nCOMMIT TRANSACTION\nBEGIN TRANSACTION t1\nROLLBACK TRAN t1\nUSE [master]\nGO\n\
         DECLARE @a int = 1, @b nvarchar(10)\nPRINT 'hello'\nPRINT 42\nCREATE DATABASE shop2",
    )
    .unwrap();
    let opt = |i: usize| match &all[i] {
        Step::SetOption { name, value } => (name.clone(), value.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(opt(0), ("NOCOUNT".into(), "ON".into()));
    assert_eq!(opt(1), ("DEADLOCK_PRIORITY".into(), "LOW".into()));
    assert_eq!(opt(2), ("TRANSACTION ISOLATION LEVEL".into(), "READ UNCOMMITTED".into()));
    assert_eq!(opt(3), ("ANSI_NULLS".into(), "ON".into()));
    assert_eq!(opt(4), ("QUOTED_IDENTIFIER".into(), "ON".into()));
    assert_eq!(opt(5), ("LOCK_TIMEOUT".into(), "-1".into()));
    assert!(matches!(all[6], Step::Begin { .. }));
    assert!(matches!(all[7], Step::Commit));
    assert!(matches!(all[8], Step::Begin { .. }));
    assert!(matches!(all[9], Step::Rollback { .. }));
    assert_eq!(all[10], Step::Use { database: "master".into() });
    assert_eq!(all[11], Step::Declare { name: "@a".into(), ty: SqlType::Int, init: Some("1".into()) });
    assert_eq!(all[12], Step::Declare { name: "@b".into(), ty: SqlType::NVarChar(Len::N(10)), init: None });
    assert_eq!(all[13], Step::Print { expr: "'hello'".into() });
    assert!(matches!(&all[14], Step::Print { expr } if expr.contains("tsql_convert")));
    assert_eq!(all[15], Step::CreateDatabase { name: "shop2".into() });
    let e = err(&cat, "USE nowhere");
    assert_eq!(e.number, 911);
    let lines: Vec<i32> =
        parse_batch("SELECT 1\n\nSELECT 2\nGO\nSELECT 3").unwrap().iter().map(|p| p.line()).collect();
    assert_eq!(lines, vec![1, 3, 5]);
}

#[test]
fn dml_converts_values_to_storage() {
    let cat = TestCatalog::new();
    let run = |sql: &str| -> usize {
        let Step::Modify { sql: lite, table } = step(&cat, sql) else { panic!("{sql}") };
        assert!(table.name.eq_ignore_ascii_case("orders") || table.name.eq_ignore_ascii_case("customers"));
        cat.conn.execute(&lite, []).unwrap_or_else(|e| panic!("{sql}\n→ {lite}\n{e}"))
    };
    assert_eq!(
        run(
            "INSERT INTO dbo.orders (id, customer, created, guid) VALUES (10, N'zed', '2024-05-01', 'ab2dd4ad-7ac5-4a25-a1c4-b9a0b1c6e7b2'), (11, 'y', NULL, NULL)"
        ),
        2
    );
    let (_, rows) = query(&cat, "SELECT created, guid FROM orders WHERE id = 10");
    assert_eq!(rows[0][0], t("2024-05-01 00:00:00.0000000"));
    assert_eq!(rows[0][1], t("AB2DD4AD-7AC5-4A25-A1C4-B9A0B1C6E7B2"));
    assert_eq!(run("INSERT INTO customers (id, name) SELECT id, customer FROM orders WHERE id >= 10"), 2);
    assert_eq!(run("UPDATE orders SET qty = qty + 1, code = 'Z' WHERE id = 1"), 1);
    assert_eq!(
        run(
            "UPDATE o SET o.amount = c.id FROM orders o JOIN customers c ON c.name = o.customer WHERE o.id < 4"
        ),
        3
    );
    let (_, rows) = query(&cat, "SELECT amount FROM orders WHERE id = 2");
    assert_eq!(rows[0][0], Value::Integer(2));
    assert_eq!(run("UPDATE orders SET big = 0 FROM customers c WHERE c.id = orders.id"), 5);
    assert_eq!(run("DELETE FROM customers WHERE id >= 10"), 2);
    assert_eq!(run("DELETE o FROM orders o JOIN customers c ON c.id = o.id WHERE c.city = 'Oslo'"), 1);
    assert_eq!(run("DELETE orders WHERE id = 11"), 1);
    assert_eq!(
        step(&cat, "TRUNCATE TABLE dbo.orders"),
        Step::Truncate {
            table: ObjectName { database: None, schema: Some("dbo".into()), name: "orders".into() }
        }
    );
    assert_eq!(err(&cat, "INSERT INTO orders (id, nope) VALUES (1, 2)").number, 207);
    assert_eq!(err(&cat, "INSERT INTO orders (id) VALUES (1, 2)").number, 110);
    assert_eq!(err(&cat, "SELECT * FROM nope").number, 208);
    assert_eq!(err(&cat, "SELECT nope FROM orders").number, 207);
    assert_eq!(err(&cat, "SELECT id FROM orders o JOIN customers c ON 1 = 1").number, 209);
    assert_eq!(err(&cat, "SELECT @zz").number, 137);
}

#[test]
fn ddl_steps() {
    let cat = TestCatalog::new();
    let Step::CreateTable(def) = step(
        &cat,
        "CREATE TABLE [dbo].[t1] (\n  [id] int IDENTITY(100, 5) NOT NULL,\n  name nvarchar(max) COLLATE Latin1_General_CS_AS NULL,\n  \
         price decimal(10,2) CONSTRAINT df_price DEFAULT 0,\n  made datetime2 DEFAULT GETDATE(),\n  cust int REFERENCES customers(id),\n  \
         code char(3) UNIQUE CLUSTERED,\n  CONSTRAINT pk_t1 PRIMARY KEY NONCLUSTERED ([id] ASC) WITH (PAD_INDEX = OFF),\n  CHECK (price >= 0)\n) ON [PRIMARY]",
    ) else {
        panic!()
    };
    assert_eq!(def.name, ObjectName { database: None, schema: Some("dbo".into()), name: "t1".into() });
    let id = &def.columns[0];
    assert_eq!((id.ty, id.identity, id.nullable), (SqlType::Int, Some((100, 5)), false));
    assert_eq!(def.columns[1].ty, SqlType::NVarChar(Len::Max));
    assert!(def.columns[1].nullable);
    assert_eq!(def.columns[1].collation.as_deref(), Some("Latin1_General_CS_AS"));
    assert_eq!(def.columns[2].default, Some(("((0))".into(), "0".into())));
    assert!(def.columns[3].default.as_ref().is_some_and(|(_, s)| s.contains("tsql_getdate")));
    assert_eq!(def.columns[3].ty, SqlType::DateTime2(7));
    let pk = def.primary_key.as_ref().unwrap();
    assert_eq!(
        (pk.name.as_deref(), pk.clustered, pk.columns.clone()),
        (Some("pk_t1"), false, vec![("id".to_string(), false)])
    );
    assert_eq!(def.uniques.len(), 1);
    assert!(def.uniques[0].clustered);
    assert_eq!(def.foreign_keys[0].referenced_columns, vec!["id".to_string()]);
    assert_eq!(def.checks.len(), 1);
    assert!(def.checks[0].2.contains("\"price\" >= 0"), "{:?}", def.checks);
    let Step::CreateTable(def) = step(&cat, "CREATE TABLE t2 (id int PRIMARY KEY, v varchar)") else {
        panic!()
    };
    assert!(def.primary_key.unwrap().clustered);
    assert_eq!(def.columns[1].ty, SqlType::VarChar(Len::N(1)));
    let Step::CreateIndex(ix) = step(
        &cat,
        "CREATE UNIQUE NONCLUSTERED INDEX ix_o ON dbo.orders (customer ASC, created DESC) INCLUDE (amount)",
    ) else {
        panic!()
    };
    assert_eq!(ix.name, "ix_o");
    assert!(ix.unique && !ix.key.clustered);
    assert_eq!(ix.key.columns, vec![("customer".to_string(), false), ("created".to_string(), true)]);
    assert_eq!(ix.include, vec!["amount".to_string()]);
    let Step::CreateIndex(ix) = step(&cat, "CREATE CLUSTERED INDEX cx ON orders (id)") else { panic!() };
    assert!(ix.key.clustered);
    let Step::CreateView { name, sql, definition, columns } = step(
        &cat,
        "CREATE VIEW dbo.v_orders AS SELECT id, customer AS who, COUNT(*) OVER () AS n FROM orders",
    ) else {
        panic!()
    };
    assert_eq!(name.name, "v_orders");
    assert!(definition.starts_with("CREATE VIEW dbo.v_orders AS SELECT"));
    assert_eq!(columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "who", "n"]);
    assert_eq!(columns[2].ty, Some(SqlType::Int));
    cat.conn.execute_batch(&format!("CREATE VIEW v AS {sql}")).unwrap();
    assert_eq!(err(&cat, "CREATE VIEW v2 AS SELECT COUNT(*) FROM orders").number, 4511);
    let all = steps(
        &cat,
        "DROP TABLE IF EXISTS a, dbo.b; DROP VIEW v; DROP INDEX ix ON dbo.orders; DROP INDEX orders.ix2",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), 5);
    assert!(
        matches!(&all[0], Step::Drop { kind: DropKind::Table, if_exists: true, name } if name.name == "a")
    );
    assert!(matches!(&all[2], Step::Drop { kind: DropKind::View, .. }));
    assert!(
        matches!(&all[3], Step::Drop { kind: DropKind::Index, name, .. } if name.name == "ix" && name.schema.as_deref() == Some("dbo.orders"))
    );
    assert!(
        matches!(&all[4], Step::Drop { kind: DropKind::Index, name, .. } if name.name == "ix2" && name.schema.as_deref() == Some("orders"))
    );
    let all =
        steps(&cat, "ALTER TABLE orders ADD note nvarchar(20) NULL, flag bit NOT NULL DEFAULT 0").unwrap();
    assert!(
        matches!(&all[0], Step::AlterTableAdd { column, .. } if column.name == "note" && column.nullable)
    );
    assert!(
        matches!(&all[1], Step::AlterTableAdd { column, .. } if column.ty == SqlType::Bit && !column.nullable)
    );
}

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any string literal and any bracketed identifier survive the trip unchanged.
    #[test]
    fn quoting_never_breaks(s in "[^\u{0}]{0,20}", ident in "[^\u{0}\\]]{1,20}") {
        let cat = TestCatalog::new();
        let lit = s.replace('\'', "''");
        let sql = format!("SELECT N'{lit}' AS [{ident}], '{lit}' + 'x'");
        let (cols, rows) = query(&cat, &sql);
        prop_assert_eq!(&cols[0].name, &ident);
        prop_assert_eq!(&rows[0][0], &Value::Text(s.clone()));
        prop_assert_eq!(&rows[0][1], &Value::Text(format!("{s}x")));
    }

    /// Integer arithmetic agrees with SQL Server's truncating division and int typing.
    #[test]
    fn integer_arithmetic_matches(a in -1000i64..1000, b in 1i64..50) {
        let cat = TestCatalog::new();
        let (cols, rows) = query(&cat, &format!("SELECT {a} / {b}, {a} % {b}, {a} * {b} + 1"));
        prop_assert_eq!(ty(&cols, 0), SqlType::Int);
        prop_assert_eq!(&rows[0][0], &Value::Integer(a / b));
        prop_assert_eq!(&rows[0][1], &Value::Integer(a % b));
        prop_assert_eq!(&rows[0][2], &Value::Integer(a * b + 1));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No input makes parsing or translation panic: it is a step or an error.
    #[test]
    fn arbitrary_text_never_panics(sql in "(SELECT|FROM|WHERE|\\(|\\)|'|\\[|\\]|N'|--|/\\*|GO\n|,|=|\\+|@n|id|orders|TOP|NOLOCK|WITH|OPTION|SET|DECLARE|CLUSTERED|DELETE|ALTER TABLE|ADD| |\n|1|\\.){0,30}") {
        let cat = TestCatalog::new();
        if let Ok(parsed) = parse_batch(&sql) {
            for p in &parsed {
                let _ = translate(p, &cat);
            }
        }
    }
}

#[test]
fn binary_plus_binary_concatenates_bytes() {
    let cat = TestCatalog::new();
    let (cols, rows) = query(
        &cat,
        "SELECT 0x01 + CAST(DATALENGTH(customer) AS binary(4)) + CAST(customer AS varbinary(max)), \
         0x00 + 0x0102, CAST(NULL AS varbinary(4)) + 0x01 FROM orders WHERE id = 1",
    );
    let mut want = vec![1u8, 0, 0, 0, 10];
    want.extend("alice".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(rows[0][0], Value::Blob(want));
    assert_eq!(cols[0].ty, Some(SqlType::VarBinary(Len::Max)));
    assert_eq!(rows[0][1], Value::Blob(vec![0, 1, 2]));
    assert_eq!(cols[1].ty, Some(SqlType::VarBinary(Len::N(3))));
    assert_eq!(rows[0][2], Value::Null);
}

#[test]
fn sum_of_decimals_is_exact_past_bigint() {
    let cat = TestCatalog::new();
    let (cols, rows) = query(
        &cat,
        "SELECT SUM(CAST(CONVERT(bigint, 0x7FFFFFFFFFFFFFFF) AS decimal(38,0))), SUM(amount) FROM orders",
    );
    assert_eq!(rows[0][0], Value::Text("36893488147419103228".into()));
    assert_eq!(cols[0].ty, Some(SqlType::Decimal { precision: 38, scale: 0 }));
    assert_eq!(rows[0][1], Value::Real(35.75));
}
