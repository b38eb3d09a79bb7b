//! `cutover validate` (and the data phase of `cutover gate`): the catalog reads, and the
//! generated per-table statements for every column type it hashes and every key shape it
//! segments by, built by the same `TablePlan` the run uses over example tables.

use cutover_validate::catalog::{
    CHECKS_SQL, COLUMNS_SQL, ColumnDef, DATABASE_SQL, DEFAULTS_SQL, FOREIGN_KEYS_SQL, INDEXES_SQL, IndexDef,
    METADATA_COUNTS_SQL, TableSchema,
};
use cutover_validate::encoding::Relax;
use cutover_validate::objects::MODULES_SQL;
use cutover_validate::plan::{Range, TablePlan};

use crate::statement::Statement;

const VALIDATE: &[&str] = &["validate", "gate"];
const TABLE_PERMISSION: &str = "SELECT on the table (e.g. db_datareader)";
const NEEDS_TABLES: &str = "your tables (validate reads them by name)";

/// Every type validate hashes, with an example key value (text as the key texts are).
const TYPES: &[(&str, &str, i64, i64, i64)] = &[
    // (type, example key text, max_length, precision, scale)
    ("bit", "1", 1, 1, 0),
    ("tinyint", "7", 1, 3, 0),
    ("smallint", "-7", 2, 5, 0),
    ("int", "42", 4, 10, 0),
    ("bigint", "9000000000", 8, 19, 0),
    ("decimal", "12.50", 9, 18, 2),
    ("numeric", "-0.125", 9, 10, 3),
    ("money", "12.3400", 8, 19, 4),
    ("smallmoney", "1.5000", 4, 10, 4),
    ("float", "1.5", 8, 53, 0),
    ("real", "0.25", 4, 24, 0),
    ("char", "AB", 10, 0, 0),
    ("varchar", "O'Neil", 50, 0, 0),
    ("nchar", "Zoë", 20, 0, 0),
    ("nvarchar", "Zoë", 100, 0, 0),
    ("sysname", "Zoë", 256, 0, 0),
    ("text", "", 16, 0, 0),
    ("ntext", "", 16, 0, 0),
    ("xml", "", -1, 0, 0),
    ("binary", "0x0A0B", 8, 0, 0),
    ("varbinary", "0x0A0B", -1, 0, 0),
    ("image", "", 16, 0, 0),
    ("hierarchyid", "0x58", 892, 0, 0),
    ("geometry", "", -1, 0, 0),
    ("geography", "", -1, 0, 0),
    ("uniqueidentifier", "6F9619FF-8B86-D011-B42D-00C04FC964FF", 16, 0, 0),
    ("date", "2024-01-31", 3, 10, 0),
    ("datetime", "2024-01-31 12:00:00.000", 8, 23, 3),
    ("smalldatetime", "2024-01-31 12:00:00", 4, 16, 0),
    ("datetime2", "2024-01-31 12:00:00.1234567", 8, 27, 7),
    ("datetimeoffset", "2024-01-31 12:00:00.1234567 +01:00", 10, 34, 7),
    ("time", "12:00:00.1234567", 5, 16, 7),
    ("rowversion", "", 8, 0, 0),
    ("sql_variant", "", 8016, 0, 0),
];

/// The example of `name` in [`TYPES`].
fn ty(name: &str) -> &'static (&'static str, &'static str, i64, i64, i64) {
    TYPES.iter().find(|t| t.0 == name).unwrap_or(&TYPES[0])
}

/// Types SQL Server can key an index by (not large objects, spatial types or sql_variant), and
/// rowversion, which validate leaves out of keys.
fn keyable(type_name: &str) -> bool {
    !matches!(
        type_name,
        "text" | "ntext" | "xml" | "image" | "geometry" | "geography" | "rowversion" | "sql_variant"
    )
}

fn column(name: &str, t: &(&str, &str, i64, i64, i64)) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        type_name: t.0.into(),
        max_length: t.2,
        precision: t.3,
        scale: t.4,
        nullable: false,
        collation: None,
        identity: false,
        computed: false,
    }
}

fn table(name: &str, columns: Vec<ColumnDef>, key: &[&str]) -> TableSchema {
    let indexes = if key.is_empty() {
        Vec::new()
    } else {
        vec![IndexDef {
            name: format!("PK_{name}"),
            type_desc: "CLUSTERED".into(),
            primary_key: true,
            unique: true,
            unique_constraint: false,
            columns: key.iter().map(|k| k.to_string()).collect(),
            included: Vec::new(),
        }]
    };
    TableSchema { schema: "dbo".into(), name: name.into(), columns, indexes, ..TableSchema::default() }
}

fn plan(t: &TableSchema, relax: &Relax) -> TablePlan {
    TablePlan::new(t, t, relax, None, &|_| false, &mut Vec::new())
}

fn table_statement(id: String, purpose: String, sql: String) -> Statement {
    Statement::read(id, VALIDATE, purpose, sql).statement_permission(TABLE_PERMISSION).needs(NEEDS_TABLES)
}

/// checksum, boundaries, leaf rows and per-column hashes for one keyed table.
fn keyed(out: &mut Vec<Statement>, shape: &str, t: &TableSchema, key: &[String], relax: &Relax) {
    let p = plan(t, relax);
    let range = Range { lo: Some(key.to_vec()), hi: Some(key.to_vec()) };
    let id = |what: &str| format!("validate.{shape}.{what}");
    out.push(table_statement(
        id("checksum"),
        format!("Segment checksum, key {shape}"),
        p.checksum_sql(&range),
    ));
    out.push(table_statement(
        id("boundaries"),
        format!("Every n-th key of a segment, key {shape}"),
        p.boundaries_sql(&range, 1000),
    ));
    out.push(table_statement(
        id("leaf"),
        format!("(key, row hash) of a small segment, key {shape}"),
        p.leaf_sql(&range),
    ));
    out.push(table_statement(
        id("columns"),
        format!("Per-column hashes of one differing row, key {shape}"),
        p.columns_sql(key),
    ));
}

pub fn statements() -> Vec<Statement> {
    let catalog = |id: &str, purpose: &str, sql: &str| {
        Statement::read(format!("validate.catalog.{id}"), VALIDATE, purpose, sql)
    };
    let mut out = vec![
        catalog("database", "The database's compatibility level and collation", DATABASE_SQL),
        catalog("columns", "Every user table's columns and types", COLUMNS_SQL),
        catalog("indexes", "Keys and indexes (the key validate segments by)", INDEXES_SQL),
        catalog("foreign_keys", "Foreign keys", FOREIGN_KEYS_SQL),
        catalog("defaults", "Default constraints", DEFAULTS_SQL),
        catalog("checks", "Check constraints", CHECKS_SQL),
        catalog("metadata_counts", "Row counts from partition metadata", METADATA_COUNTS_SQL),
        catalog("modules", "--objects: views, procedures, functions and triggers by definition", MODULES_SQL),
    ];
    // Every column type, keyed by int: the row hash covers them all (rowversion and sql_variant
    // are left out by name, as the report says).
    let all: Vec<ColumnDef> = std::iter::once(column("id", ty("int")))
        .chain(TYPES.iter().map(|t| column(&format!("c_{}", t.0), t)))
        .collect();
    let types = table("types", all, &["id"]);
    out.push(table_statement(
        "validate.table.count".into(),
        "Row count of a table on each side".into(),
        plan(&types, &Relax::default()).count_sql(),
    ));
    keyed(&mut out, "all_types", &types, &["42".into()], &Relax::default());
    let relaxed = Relax { trim_trailing_spaces: true, case_insensitive: true, float_decimals: Some(6) };
    let p = plan(&types, &relaxed);
    out.push(table_statement(
        "validate.all_types.relaxed_checksum".into(),
        "Segment checksum with --trim-trailing-spaces, --case-insensitive and --float-decimals".into(),
        p.checksum_sql(&Range::default()),
    ));
    // Every key shape: one column of each keyable type, and a composite key.
    for t in TYPES.iter().filter(|t| keyable(t.0)) {
        let cols = vec![column("k", t), column("v", ty("int"))];
        keyed(
            &mut out,
            &format!("key_{}", t.0),
            &table(&format!("key_{}", t.0), cols, &["k"]),
            &[t.1.into()],
            &Relax::default(),
        );
    }
    let composite = table(
        "composite",
        vec![column("region", ty("nvarchar")), column("id", ty("int")), column("v", ty("varchar"))],
        &["region", "id"],
    );
    keyed(&mut out, "key_composite", &composite, &["North".into(), "7".into()], &Relax::default());
    // A table without a key: compared as a bag of row hashes.
    let heap = table("heap", vec![column("a", ty("int")), column("b", ty("nvarchar"))], &[]);
    let p = plan(&heap, &Relax::default());
    out.push(table_statement(
        "validate.keyless.buckets".into(),
        "Keyless table: checksums by row-hash prefix".into(),
        p.buckets_sql(&[0x1F]),
    ));
    out.push(table_statement(
        "validate.keyless.bag_rows".into(),
        "Keyless table: row hashes with their counts under a prefix".into(),
        p.bag_rows_sql(&[0x1F]),
    ));
    out
}
