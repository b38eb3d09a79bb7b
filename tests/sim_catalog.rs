//! Every catalog view and DMV the simulator offers answers over TDS with SQL Server's documented
//! column names and types, as listed in the declarative table
//! `sim/src/engine/runtime/catalog/views.rs` (and `docs/simulator-catalog.md`, generated from it).
//! Checked from the client's side: what tiberius decodes from COLMETADATA.

mod common;

use common::{connect, sim_named};
use cutover_sim::engine::runtime::catalog::views::CATALOG_VIEWS;
use cutover_sim::server::TlsMode;
use cutover_sim::types::SqlType;
use tiberius::ColumnType;

/// The TDS column type a client sees for a SQL Server type (nullable forms, as SQL Server sends).
fn wire_type(ty: &SqlType) -> ColumnType {
    match ty {
        SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt => ColumnType::Intn,
        SqlType::Bit => ColumnType::Bitn,
        SqlType::Real | SqlType::Float => ColumnType::Floatn,
        SqlType::Decimal { .. } => ColumnType::Decimaln,
        SqlType::Money | SqlType::SmallMoney => ColumnType::Money,
        SqlType::Char(_) => ColumnType::BigChar,
        SqlType::VarChar(_) | SqlType::Text => ColumnType::BigVarChar,
        SqlType::NChar(_) => ColumnType::NChar,
        SqlType::NVarChar(_) | SqlType::NText | SqlType::SysName | SqlType::Xml => ColumnType::NVarchar,
        SqlType::Binary(_) => ColumnType::BigBinary,
        SqlType::VarBinary(_) | SqlType::Image => ColumnType::BigVarBin,
        SqlType::Date => ColumnType::Daten,
        SqlType::Time(_) => ColumnType::Timen,
        SqlType::DateTime | SqlType::SmallDateTime => ColumnType::Datetimen,
        SqlType::DateTime2(_) => ColumnType::Datetime2,
        SqlType::DateTimeOffset(_) => ColumnType::DatetimeOffsetn,
        SqlType::UniqueIdentifier => ColumnType::Guid,
    }
}

/// tiberius reports fixed-width integers by their decoded width once a value arrives; with no
/// rows it reports the nullable type family, so compare families.
fn family(t: ColumnType) -> ColumnType {
    match t {
        ColumnType::Int1 | ColumnType::Int2 | ColumnType::Int4 | ColumnType::Int8 => ColumnType::Intn,
        ColumnType::Bit => ColumnType::Bitn,
        ColumnType::Float4 | ColumnType::Float8 => ColumnType::Floatn,
        ColumnType::Money4 => ColumnType::Money,
        ColumnType::Datetime | ColumnType::Datetime4 => ColumnType::Datetimen,
        ColumnType::Text => ColumnType::BigVarChar,
        ColumnType::NText => ColumnType::NVarchar,
        ColumnType::Image => ColumnType::BigVarBin,
        ColumnType::Xml => ColumnType::NVarchar,
        other => other,
    }
}

/// Table-valued functions need arguments (216 without them); these are the ones to pass.
const FUNCTION_ARGS: &[(&str, &str)] = &[
    ("sys.dm_io_virtual_file_stats", "(NULL, NULL)"),
    ("sys.fn_my_permissions", "(NULL, 'SERVER')"),
    ("sys.dm_exec_sql_text", "(0x00)"),
];

/// The result columns of `sql` as the client decodes them from COLMETADATA.
async fn read_columns(
    client: &mut cutover_mssql::TdsClient,
    sql: &str,
) -> tiberius::Result<Vec<tiberius::Column>> {
    let mut stream = client.simple_query(sql).await?;
    let columns = stream.columns().await?.map(|c| c.to_vec()).unwrap_or_default();
    stream.into_results().await?;
    Ok(columns)
}

/// Checks every view that exists on this profile; returns how many were checked.
async fn check_views(profile: &str) -> usize {
    let server = sim_named(TlsMode::Enabled, profile).await;
    let mut conn = connect(&server).await;
    let mut checked = 0;
    for view in CATALOG_VIEWS {
        let args =
            FUNCTION_ARGS.iter().find(|(n, _)| n.eq_ignore_ascii_case(view.name)).map_or("", |(_, a)| a);
        let sql = format!("SELECT TOP 0 * FROM {}{args}", view.name);
        let columns = match read_columns(conn.client_mut(), &sql).await {
            Ok(columns) => columns,
            // Managed Instance-only views do not exist on SQL Server profiles.
            Err(tiberius::error::Error::Server(e)) if e.code() == 208 => continue,
            Err(e) => panic!("{profile}: {}: {e}", view.name),
        };
        let documented: Vec<_> = view.columns().collect();
        let got_names: Vec<&str> = columns.iter().map(|c| c.name()).collect();
        let want_names: Vec<&str> = documented.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(got_names, want_names, "{profile}: {}: column names and order", view.name);
        for (col, (name, ty, _)) in columns.iter().zip(&documented) {
            let ty = SqlType::parse(ty).unwrap_or_else(|| panic!("{}.{name}: unknown type {ty}", view.name));
            assert_eq!(
                family(col.column_type()),
                wire_type(&ty),
                "{profile}: {}.{name} ({})",
                view.name,
                ty.to_sql()
            );
        }
        checked += 1;
    }
    checked
}

#[tokio::test(flavor = "multi_thread")]
async fn every_catalog_view_has_its_documented_columns_and_types_on_the_wire() {
    let on_premises = check_views("sqlserver-2019").await;
    let managed = check_views("mi-gp").await;
    assert!(managed > on_premises, "MI-only views are checked on mi-gp ({managed} vs {on_premises})");
    assert_eq!(managed, CATALOG_VIEWS.len(), "every view exists on Managed Instance");
}

#[test]
fn the_catalog_doc_is_generated_from_the_table() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/simulator-catalog.md")).unwrap();
    assert_eq!(
        doc,
        cutover_sim::engine::runtime::catalog::views::markdown(),
        "regenerate docs/simulator-catalog.md"
    );
}
