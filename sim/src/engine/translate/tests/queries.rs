//! Query shapes: TOP/OFFSET, joins, derived tables, CTEs, unions, windows, and the hints and
//! misparse traps the pre-pass handles.

use super::*;

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
