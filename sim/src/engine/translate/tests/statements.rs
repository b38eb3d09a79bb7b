//! Statements other than queries: session statements, DML and DDL steps.

use super::*;

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
