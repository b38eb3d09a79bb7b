//! Translator tests: T-SQL in, SQLite run on an in-memory database with the `tsql_*`
//! functions registered, values and SQL Server result types checked.

mod errors;
mod functions;
mod queries;
mod statements;
mod types;

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
