//! Result types: columns, literals, aggregates, arithmetic, CAST/CONVERT, collation.

use super::*;

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
