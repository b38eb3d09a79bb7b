//! The catalog views return the documented columns and tell the truth about the user's tables.

use super::*;
use crate::engine::IndexDef;
use crate::engine::runtime::catalog::views::{Availability, CATALOG_VIEWS, markdown};
use crate::types::Column;

fn orders(s: &mut Session) {
    let mut id = col("id", "int", false);
    id.identity = Some((1, 1));
    let mut status = col("status", "nvarchar(20)", false);
    status.default = Some(("'new'".into(), "'new'".into()));
    run_ok(
        s,
        Step::CreateTable(table(
            "dbo.orders",
            vec![
                id,
                col("customer", "varchar(50)", true),
                col("amount", "decimal(18,2)", false),
                status,
                col("placed", "datetime2(3)", true),
            ],
            Some(key(&["id"])),
        )),
    );
    run_ok(
        s,
        Step::CreateIndex(IndexDef {
            name: "ix_orders_customer".into(),
            table: name("dbo.orders"),
            key: KeyDef { name: None, columns: vec![("customer".into(), false)], clustered: false },
            unique: false,
            include: vec!["amount".into()],
        }),
    );
}

#[test]
fn every_view_returns_exactly_its_documented_columns() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    // Functions need arguments and MI-only views are absent here: see tests/dmv.rs.
    for view in CATALOG_VIEWS.iter().filter(|v| v.params.is_empty() && v.availability == Availability::All) {
        let out = select_from(&mut s, view.name, "*", "WHERE 0");
        assert!(out.errors.is_empty(), "{}: {:?}", view.name, out.errors);
        let want: Vec<Column> = view
            .columns()
            .map(|(n, t, null)| {
                Column::new(*n, SqlType::parse(t).unwrap_or_else(|| panic!("{t} parses")), *null)
            })
            .collect();
        assert_eq!(out.single().columns, want, "{}", view.name);
    }
}

#[test]
fn the_catalog_document_matches_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/simulator-catalog.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(doc, markdown(), "regenerate docs/simulator-catalog.md from catalog::views::markdown()");
}

#[test]
fn sys_tables_columns_and_types_describe_the_users_table() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    orders(&mut s);
    let out = select_from(&mut s, "sys.tables", "*", "");
    let rs = out.single();
    assert_eq!(rs.rows.len(), 1);
    assert_eq!(rs.get(0, "name"), Some(&Value::Str("orders".into())));
    assert_eq!(rs.get(0, "type"), Some(&Value::Str("U ".into())));
    assert_eq!(rs.get(0, "type_desc"), Some(&Value::Str("USER_TABLE".into())));
    assert_eq!(rs.get(0, "schema_id"), Some(&Value::Int(1)));
    let object_id = int(rs.get(0, "object_id").unwrap());

    let out = select_from(&mut s, "sys.columns", "*", "ORDER BY column_id");
    let rs = out.single();
    let row = |n: usize, c: &str| rs.get(n, c).cloned().unwrap();
    assert_eq!(rs.rows.len(), 5);
    assert_eq!(int(&row(0, "object_id")), object_id);
    assert_eq!(
        (text(&row(0, "name")), int(&row(0, "system_type_id")), int(&row(0, "is_identity"))),
        ("id".into(), 56, 1)
    );
    assert_eq!(
        (int(&row(1, "system_type_id")), int(&row(1, "max_length")), int(&row(1, "is_nullable"))),
        (167, 50, 1)
    );
    assert_eq!(row(1, "collation_name"), Value::Str("SQL_Latin1_General_CP1_CI_AS".into()));
    assert_eq!((int(&row(2, "precision")), int(&row(2, "scale")), int(&row(2, "max_length"))), (18, 2, 9));
    assert_eq!((int(&row(3, "max_length")), int(&row(3, "is_nullable"))), (40, 0));
    assert_ne!(int(&row(3, "default_object_id")), 0);
    assert_eq!(
        (int(&row(4, "system_type_id")), int(&row(4, "scale")), int(&row(4, "precision"))),
        (42, 3, 23)
    );

    let out = select_from(&mut s, "sys.default_constraints", "*", "");
    assert_eq!(out.single().get(0, "definition"), Some(&Value::Str("('new')".into())));
    assert_eq!(out.single().get(0, "parent_column_id"), Some(&Value::Int(4)));

    let out = select_from(&mut s, "INFORMATION_SCHEMA.COLUMNS", "*", "ORDER BY ORDINAL_POSITION");
    let rs = out.single();
    assert_eq!(rs.get(1, "DATA_TYPE"), Some(&Value::Str("varchar".into())));
    assert_eq!(rs.get(1, "CHARACTER_MAXIMUM_LENGTH"), Some(&Value::Int(50)));
    assert_eq!(rs.get(3, "CHARACTER_MAXIMUM_LENGTH"), Some(&Value::Int(20)));
    assert_eq!(rs.get(2, "NUMERIC_PRECISION"), Some(&Value::Int(18)));
    assert_eq!(rs.get(0, "IS_NULLABLE"), Some(&Value::Str("NO".into())));
    assert_eq!(rs.get(0, "TABLE_CATALOG"), Some(&Value::Str("shop".into())));

    let out = select_from(&mut s, "INFORMATION_SCHEMA.TABLES", "*", "");
    assert_eq!(out.single().get(0, "TABLE_TYPE"), Some(&Value::Str("BASE TABLE".into())));
}

#[test]
fn primary_keys_and_indexes_appear_in_sys_indexes_and_key_constraints() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    orders(&mut s);
    let out = select_from(&mut s, "sys.indexes", "*", "ORDER BY index_id");
    let rs = out.single();
    assert_eq!(rs.rows.len(), 2);
    assert_eq!(rs.get(0, "index_id"), Some(&Value::Int(1)));
    assert_eq!(rs.get(0, "type_desc"), Some(&Value::Str("CLUSTERED".into())));
    assert_eq!(rs.get(0, "is_primary_key"), Some(&Value::Bit(true)));
    let pk_name = text(rs.get(0, "name").unwrap());
    assert!(pk_name.starts_with("PK__orders__"), "{pk_name}");
    assert_eq!(rs.get(1, "name"), Some(&Value::Str("ix_orders_customer".into())));
    assert_eq!(rs.get(1, "type_desc"), Some(&Value::Str("NONCLUSTERED".into())));

    let out = select_from(&mut s, "sys.index_columns", "*", "ORDER BY index_id, index_column_id");
    let rs = out.single();
    assert_eq!(rs.rows.len(), 3);
    assert_eq!(rs.get(2, "is_included_column"), Some(&Value::Bit(true)));
    assert_eq!(rs.get(2, "key_ordinal"), Some(&Value::Int(0)));

    let out = select_from(&mut s, "sys.key_constraints", "*", "");
    let rs = out.single();
    assert_eq!(rs.get(0, "name"), Some(&Value::Str(pk_name)));
    assert_eq!(rs.get(0, "type"), Some(&Value::Str("PK".into())));
    assert_eq!(rs.get(0, "unique_index_id"), Some(&Value::Int(1)));
    assert_eq!(rs.get(0, "is_system_named"), Some(&Value::Bit(true)));

    let out = select_from(&mut s, "INFORMATION_SCHEMA.KEY_COLUMN_USAGE", "*", "");
    assert_eq!(out.single().get(0, "COLUMN_NAME"), Some(&Value::Str("id".into())));
}

#[test]
fn partition_stats_follow_the_row_count() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    orders(&mut s);
    let rows = |s: &mut Session| {
        let out = select_from(s, "sys.dm_db_partition_stats", "*", "WHERE index_id <= 1");
        int(out.single().get(0, "row_count").unwrap())
    };
    assert_eq!(rows(&mut s), 0);
    run_ok(
        &mut s,
        modify(
            "INSERT INTO main.\"dbo.orders\" (customer, amount) VALUES ('a', 1), ('b', 2), ('c', 3)",
            "dbo.orders",
        ),
    );
    assert_eq!(rows(&mut s), 3);
    // Another session's writes show too.
    let mut other = sa(&inst, "shop");
    run_ok(&mut other, modify("DELETE FROM main.\"dbo.orders\" WHERE customer = 'a'", "dbo.orders"));
    assert_eq!(rows(&mut s), 2);
    let out = select_from(&mut s, "sys.partitions", "*", "WHERE index_id = 1");
    assert_eq!(out.single().get(0, "rows"), Some(&Value::Int(2)));
    let out = select_from(&mut s, "sys.dm_db_partition_stats", "*", "WHERE index_id = 1");
    assert!(int(out.single().get(0, "used_page_count").unwrap()) >= 1);
}

#[test]
fn another_databases_catalog_and_the_server_views() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut shop = sa(&inst, "shop");
    orders(&mut shop);
    let mut s = sa(&inst, "master");
    let out = select_from(&mut s, "shop.sys.tables", "name", "");
    assert_eq!(out.single().rows, vec![vec![Value::Str("orders".into())]]);
    let out = select_from(&mut s, "sys.tables", "name", "");
    assert!(out.single().rows.is_empty(), "master has no user tables");

    let out = select_from(&mut s, "sys.databases", "*", "ORDER BY database_id");
    let rs = out.single();
    let names: Vec<String> = rs.rows.iter().map(|r| text(&r[0])).collect();
    assert_eq!(names, vec!["master", "tempdb", "model", "msdb", "shop"]);
    assert_eq!(rs.get(4, "state_desc"), Some(&Value::Str("ONLINE".into())));
    assert_eq!(rs.get(4, "compatibility_level"), Some(&Value::Int(160)));
    assert_eq!(rs.get(4, "recovery_model_desc"), Some(&Value::Str("FULL".into())));

    let out = select_from(&mut s, "sys.master_files", "*", "WHERE database_id = 5 ORDER BY file_id");
    let rs = out.single();
    assert_eq!(rs.rows.len(), 2);
    assert_eq!(rs.get(1, "type_desc"), Some(&Value::Str("LOG".into())));
    assert_eq!(rs.get(1, "name"), Some(&Value::Str("shop_log".into())));
    let out = select_from(&mut shop, "sys.database_files", "name", "");
    assert_eq!(out.single().rows.len(), 2);

    let out = select_from(&mut s, "sys.types", "*", "WHERE name = 'nvarchar'");
    assert_eq!(out.single().get(0, "system_type_id"), Some(&Value::Int(231)));
    let out = select_from(&mut s, "sys.objects", "name", "WHERE 0");
    assert!(out.errors.is_empty());
    assert_eq!(select_from(&mut s, "sys.no_such_view", "*", "").error_numbers(), vec![208]);
    assert_eq!(select_from(&mut s, "nope.sys.tables", "*", "").error_numbers(), vec![911]);
}

#[test]
#[ignore = "writes docs/simulator-catalog.md; run when the catalog table changes"]
fn write_the_catalog_document() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/simulator-catalog.md");
    std::fs::write(path, markdown()).unwrap();
}
