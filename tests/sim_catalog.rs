//! Every catalog view and DMV the simulator offers answers over TDS with SQL Server's documented
//! column names and types, as listed in the declarative table
//! `sim/src/engine/runtime/catalog/views.rs` (and `docs/simulator-catalog.md`, generated from it).
//! Checked from the client's side: what tiberius decodes from COLMETADATA.

mod common;

use common::{connect, sim};
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

#[tokio::test(flavor = "multi_thread")]
async fn every_catalog_view_has_its_documented_columns_and_types_on_the_wire() {
    let server = sim(TlsMode::Enabled).await;
    let mut conn = connect(&server).await;
    let mut checked = 0;
    for view in CATALOG_VIEWS {
        let sql = format!("SELECT TOP 0 * FROM {}", view.name);
        let client = conn.client_mut();
        let mut stream = match client.simple_query(sql.as_str()).await {
            Ok(stream) => stream,
            Err(e) => panic!("{}: {e}", view.name),
        };
        let columns =
            stream.columns().await.unwrap_or_else(|e| panic!("{}: {e}", view.name)).map(|c| c.to_vec());
        let _ = stream.into_results().await;
        let Some(columns) = columns else {
            // Table-valued functions (e.g. sys.fn_my_permissions) need arguments.
            continue;
        };
        let documented: Vec<_> = view.columns().collect();
        let got_names: Vec<&str> = columns.iter().map(|c| c.name()).collect();
        let want_names: Vec<&str> = documented.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(got_names, want_names, "{}: column names and order", view.name);
        for (col, (name, ty, _)) in columns.iter().zip(&documented) {
            let ty = SqlType::parse(ty).unwrap_or_else(|| panic!("{}.{name}: unknown type {ty}", view.name));
            assert_eq!(family(col.column_type()), wire_type(&ty), "{}.{name} ({})", view.name, ty.to_sql());
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} views checked");
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
