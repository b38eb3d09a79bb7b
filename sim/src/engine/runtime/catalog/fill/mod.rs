//! Filling a catalog view's temp table: one `INSERT … SELECT` per view over the metadata
//! tables (or, for server-wide and size views, over rows the runtime computes). Columns a view
//! does not set get NULL when nullable, else `0` / `''` — the value SQL Server shows for a
//! feature the simulator does not have.

mod information_schema;
mod keys;
mod objects;
mod storage;

use super::views::CatalogView;
use crate::engine::runtime::database::quote;
use crate::engine::runtime::objects::meta_error;
use crate::engine::runtime::session::Session;
use crate::error::SqlError;
use crate::types::SqlType;

/// A view's fill: `FROM` clause (with `{m}` for the database's SQLite schema) and the
/// expressions of the columns it sets.
pub(super) struct Fill {
    pub from: String,
    pub exprs: Vec<(&'static str, String)>,
}

pub(super) const OBJECT_TYPE_DESC: &str = "CASE o.type WHEN 'U' THEN 'USER_TABLE' WHEN 'V' THEN 'VIEW' \
    WHEN 'PK' THEN 'PRIMARY_KEY_CONSTRAINT' WHEN 'UQ' THEN 'UNIQUE_CONSTRAINT' \
    WHEN 'F' THEN 'FOREIGN_KEY_CONSTRAINT' WHEN 'D' THEN 'DEFAULT_CONSTRAINT' \
    WHEN 'C' THEN 'CHECK_CONSTRAINT' END";

pub(super) fn object_exprs() -> Vec<(&'static str, String)> {
    vec![
        ("name", "o.name".into()),
        ("object_id", "o.object_id".into()),
        ("schema_id", "o.schema_id".into()),
        ("parent_object_id", "o.parent_object_id".into()),
        ("type", "substr(o.type || '  ', 1, 2)".into()),
        ("type_desc", OBJECT_TYPE_DESC.into()),
        ("create_date", "o.create_date".into()),
        ("modify_date", "o.modify_date".into()),
    ]
}

pub(super) fn with(
    mut base: Vec<(&'static str, String)>,
    more: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    base.extend(more.iter().map(|(c, e)| (*c, e.to_string())));
    base
}

pub(super) fn objects_of(types: &str) -> String {
    format!("{{m}}.\"__cutover_objects\" o WHERE o.type IN ({types})")
}

/// What a view's fill may depend on.
pub(super) struct Ctx<'s> {
    pub session: &'s Session,
    pub db: &'s str,
    pub db_id: i64,
}

/// What gives one view's fill.
type FillFn = fn(&Ctx) -> Fill;

/// Each catalog view filled by a query over the metadata tables, and the function giving it.
const FILLS: &[(&str, FillFn)] = &[
    ("sys.objects", objects::sys_objects),
    ("sys.tables", objects::sys_tables),
    ("sys.views", objects::sys_views),
    ("sys.columns", objects::sys_columns),
    ("sys.schemas", objects::sys_schemas),
    ("sys.types", objects::sys_types),
    ("sys.sql_modules", objects::sys_sql_modules),
    ("sys.indexes", keys::sys_indexes),
    ("sys.index_columns", keys::sys_index_columns),
    ("sys.key_constraints", keys::sys_key_constraints),
    ("sys.foreign_keys", keys::sys_foreign_keys),
    ("sys.foreign_key_columns", keys::sys_foreign_key_columns),
    ("sys.default_constraints", keys::sys_default_constraints),
    ("sys.check_constraints", keys::sys_check_constraints),
    ("sys.partitions", storage::sys_partitions),
    ("sys.dm_db_partition_stats", storage::sys_dm_db_partition_stats),
    ("sys.databases", storage::sys_databases),
    ("sys.master_files", storage::sys_master_files),
    ("sys.database_files", storage::sys_database_files),
    ("INFORMATION_SCHEMA.TABLES", information_schema::information_schema_tables),
    ("INFORMATION_SCHEMA.COLUMNS", information_schema::information_schema_columns),
    ("INFORMATION_SCHEMA.TABLE_CONSTRAINTS", information_schema::information_schema_table_constraints),
    ("INFORMATION_SCHEMA.KEY_COLUMN_USAGE", information_schema::information_schema_key_column_usage),
];

fn fill_for(session: &Session, view: &CatalogView, db: &str, db_id: i64) -> Result<Fill, SqlError> {
    let (_, fill) = FILLS
        .iter()
        .find(|(name, _)| *name == view.name)
        .ok_or_else(|| SqlError::invalid_object(view.name))?;
    Ok(fill(&Ctx { session, db, db_id }))
}

/// Refills the temp table `key` for `view`.
pub(crate) fn fill(
    session: &mut Session,
    view: &CatalogView,
    key: &str,
    database: Option<&str>,
) -> Result<(), SqlError> {
    let db = database.map(str::to_string).unwrap_or_else(|| session.database());
    let alias = session.schema_of(&db)?;
    let db_id = session.database_entry(&db)?.id;
    let table = format!("temp.{}", quote(key));
    let cols: Vec<String> = view
        .columns()
        .map(|(name, ty, _)| {
            let collate = SqlType::parse(ty).is_some_and(|t| t.is_character());
            format!("{} {}{}", quote(name), quote(ty), if collate { " COLLATE tsql_ci" } else { "" })
        })
        .collect();
    let mut cols = cols;
    for hidden in super::dmv::hidden_columns(view) {
        cols.push(format!("{} BLOB", quote(&format!("__{hidden}"))));
    }
    let conn = &session.conn;
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {} ({}); DELETE FROM {table};",
        quote(key),
        cols.join(", ")
    ))
    .map_err(meta_error)?;
    if let Some(rows) = crate::engine::runtime::instance_objects::rows(session, view)? {
        return super::dmv::insert(session, view, &table, rows);
    }
    if super::dmv::is_dmv(view) {
        return super::dmv::fill(session, view, &table, database);
    }
    if matches!(view.name, "sys.partitions" | "sys.dm_db_partition_stats") {
        storage::table_sizes(session, &alias)?;
    }
    let fill = fill_for(session, view, &db, db_id)?;
    let mut names = Vec::new();
    let mut exprs = Vec::new();
    for (name, ty, nullable) in view.columns() {
        names.push(quote(name));
        let given = fill.exprs.iter().find(|(c, _)| c.eq_ignore_ascii_case(name)).map(|(_, e)| e.clone());
        let expr = given.unwrap_or_else(|| default_value(ty, *nullable).to_string());
        exprs.push(expr.replace("{m}", &quote(&alias)));
    }
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM {}",
        names.join(", "),
        exprs.join(", "),
        fill.from.replace("{m}", &quote(&alias))
    );
    session.conn.execute_batch(&sql).map_err(meta_error)
}

pub(crate) fn default_value(ty: &str, nullable: bool) -> &'static str {
    if nullable {
        return "NULL";
    }
    match SqlType::parse(ty) {
        Some(t) if t.is_character() => "''",
        Some(SqlType::UniqueIdentifier) => "'00000000-0000-0000-0000-000000000000'",
        _ => "0",
    }
}
