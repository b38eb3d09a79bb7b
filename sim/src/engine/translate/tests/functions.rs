//! Built-in functions: strings, dates, hashes, GUIDs and metadata.

use super::*;

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
