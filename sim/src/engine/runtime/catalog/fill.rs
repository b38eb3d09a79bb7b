//! Filling a catalog view's temp table: one `INSERT … SELECT` per view over the metadata
//! tables (or, for server-wide and size views, over rows the runtime computes). Columns a view
//! does not set get NULL when nullable, else `0` / `''` — the value SQL Server shows for a
//! feature the simulator does not have.

use super::views::CatalogView;
use crate::engine::runtime::database::{literal, quote};
use crate::engine::runtime::objects::meta_error;
use crate::engine::runtime::session::Session;
use crate::error::SqlError;
use crate::types::{SqlType, all_type_names};

/// A view's fill: `FROM` clause (with `{m}` for the database's SQLite schema) and the
/// expressions of the columns it sets.
struct Fill {
    from: String,
    exprs: Vec<(&'static str, String)>,
}

const OBJECT_TYPE_DESC: &str = "CASE o.type WHEN 'U' THEN 'USER_TABLE' WHEN 'V' THEN 'VIEW' \
    WHEN 'PK' THEN 'PRIMARY_KEY_CONSTRAINT' WHEN 'UQ' THEN 'UNIQUE_CONSTRAINT' \
    WHEN 'F' THEN 'FOREIGN_KEY_CONSTRAINT' WHEN 'D' THEN 'DEFAULT_CONSTRAINT' \
    WHEN 'C' THEN 'CHECK_CONSTRAINT' END";

fn object_exprs() -> Vec<(&'static str, String)> {
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

fn with(mut base: Vec<(&'static str, String)>, more: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    base.extend(more.iter().map(|(c, e)| (*c, e.to_string())));
    base
}

fn objects_of(types: &str) -> String {
    format!("{{m}}.\"__cutover_objects\" o WHERE o.type IN ({types})")
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
        table_sizes(session, &alias)?;
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

fn fill_for(session: &Session, view: &CatalogView, db: &str, db_id: i64) -> Result<Fill, SqlError> {
    let dbl = literal(db);
    Ok(match view.name {
        "sys.objects" => Fill { from: "{m}.\"__cutover_objects\" o".to_string(), exprs: object_exprs() },
        "sys.tables" => Fill {
            from: objects_of("'U'"),
            exprs: with(
                object_exprs(),
                &[
                    (
                        "lob_data_space_id",
                        "CASE WHEN EXISTS (SELECT 1 FROM {m}.\"__cutover_columns\" c WHERE c.object_id = o.object_id \
                         AND (c.max_length = -1 OR c.system_type_id IN (34, 35, 99))) THEN 1 ELSE 0 END",
                    ),
                    ("max_column_id_used", "(SELECT max(column_id) FROM {m}.\"__cutover_columns\" c WHERE c.object_id = o.object_id)"),
                    ("uses_ansi_nulls", "1"),
                    ("is_replicated", "0"),
                    ("has_replication_filter", "0"),
                    ("is_merge_published", "0"),
                    ("is_sync_tran_subscribed", "0"),
                    ("text_in_row_limit", "0"),
                    ("large_value_types_out_of_row", "0"),
                    ("is_tracked_by_cdc", "0"),
                    ("lock_escalation", "0"),
                    ("lock_escalation_desc", "'TABLE'"),
                    ("is_filetable", "0"),
                    ("is_memory_optimized", "0"),
                    ("durability", "0"),
                    ("durability_desc", "'SCHEMA_AND_DATA'"),
                    ("temporal_type", "0"),
                    ("temporal_type_desc", "'NON_TEMPORAL_TABLE'"),
                    ("is_remote_data_archive_enabled", "0"),
                    ("is_node", "0"),
                    ("is_edge", "0"),
                    ("data_retention_period", "-1"),
                    ("data_retention_period_unit", "-1"),
                    ("data_retention_period_unit_desc", "'INFINITE'"),
                    ("ledger_type", "0"),
                    ("ledger_type_desc", "'NON_LEDGER_TABLE'"),
                    ("is_dropped_ledger_table", "0"),
                ],
            ),
        },
        "sys.views" => Fill {
            from: objects_of("'V'"),
            exprs: with(
                object_exprs(),
                &[
                    ("is_replicated", "0"),
                    ("has_replication_filter", "0"),
                    ("is_tracked_by_cdc", "0"),
                    ("has_snapshot", "0"),
                    ("ledger_view_type", "0"),
                    ("ledger_view_type_desc", "'NON_LEDGER_VIEW'"),
                    ("is_dropped_ledger_view", "0"),
                ],
            ),
        },
        "sys.columns" => Fill {
            from: "{m}.\"__cutover_columns\" c".into(),
            exprs: with(
                Vec::new(),
                &[
                    ("object_id", "c.object_id"),
                    ("name", "c.name"),
                    ("column_id", "c.column_id"),
                    ("system_type_id", "c.system_type_id"),
                    ("user_type_id", "c.user_type_id"),
                    ("max_length", "c.max_length"),
                    ("precision", "c.precision"),
                    ("scale", "c.scale"),
                    ("collation_name", "c.collation_name"),
                    ("is_nullable", "c.is_nullable"),
                    ("is_ansi_padded", "CASE WHEN c.system_type_id IN (165, 167, 173, 175, 231, 239) THEN 1 ELSE 0 END"),
                    ("is_identity", "c.is_identity"),
                    ("is_computed", "c.computed_text IS NOT NULL"),
                    ("default_object_id", "c.default_object_id"),
                    ("is_replicated", "0"),
                    ("is_non_sql_subscribed", "0"),
                    ("is_merge_published", "0"),
                    ("is_dts_replicated", "0"),
                    ("is_sparse", "0"),
                    ("is_column_set", "0"),
                    ("generated_always_type", "0"),
                    ("generated_always_type_desc", "'NOT_APPLICABLE'"),
                    ("is_hidden", "0"),
                    ("is_masked", "0"),
                    ("is_data_deletion_filter_column", "0"),
                    ("is_dropped_ledger_column", "0"),
                ],
            ),
        },
        "sys.schemas" => Fill {
            from: "{m}.\"__cutover_schemas\" s".into(),
            exprs: with(Vec::new(), &[("name", "s.name"), ("schema_id", "s.schema_id"), ("principal_id", "s.principal_id")]),
        },
        "sys.types" => Fill {
            from: format!("({}) t", types_rows()),
            exprs: with(
                Vec::new(),
                &[
                    ("name", "t.name"),
                    ("system_type_id", "t.sid"),
                    ("user_type_id", "t.uid"),
                    ("schema_id", "4"),
                    ("max_length", "t.ml"),
                    ("precision", "t.p"),
                    ("scale", "t.s"),
                    ("collation_name", "t.coll"),
                    ("is_nullable", "t.uid <> 256"),
                ],
            ),
        },
        "sys.indexes" => Fill {
            from: "{m}.\"__cutover_indexes\" i".into(),
            exprs: with(
                Vec::new(),
                &[
                    ("object_id", "i.object_id"),
                    ("name", "i.name"),
                    ("index_id", "i.index_id"),
                    ("type", "i.type"),
                    ("type_desc", "CASE i.type WHEN 0 THEN 'HEAP' WHEN 1 THEN 'CLUSTERED' ELSE 'NONCLUSTERED' END"),
                    ("is_unique", "i.is_unique"),
                    ("data_space_id", "1"),
                    ("ignore_dup_key", "0"),
                    ("is_primary_key", "i.is_primary_key"),
                    ("is_unique_constraint", "i.is_unique_constraint"),
                    ("is_padded", "0"),
                    ("is_disabled", "0"),
                    ("is_hypothetical", "0"),
                    ("is_ignored_in_optimization", "0"),
                    ("allow_row_locks", "1"),
                    ("allow_page_locks", "1"),
                    ("has_filter", "0"),
                    ("suppress_dup_key_messages", "0"),
                    ("auto_created", "0"),
                    ("optimize_for_sequential_key", "0"),
                ],
            ),
        },
        "sys.index_columns" => Fill {
            from: "{m}.\"__cutover_index_columns\" ic".into(),
            exprs: with(
                Vec::new(),
                &[
                    ("object_id", "ic.object_id"),
                    ("index_id", "ic.index_id"),
                    ("index_column_id", "ic.index_column_id"),
                    ("column_id", "ic.column_id"),
                    ("key_ordinal", "ic.key_ordinal"),
                    ("is_descending_key", "ic.is_descending_key"),
                    ("is_included_column", "ic.is_included_column"),
                ],
            ),
        },
        "sys.key_constraints" => Fill {
            from: objects_of("'PK', 'UQ'"),
            exprs: with(
                object_exprs(),
                &[
                    (
                        "unique_index_id",
                        "(SELECT i.index_id FROM {m}.\"__cutover_indexes\" i WHERE i.constraint_object_id = o.object_id)",
                    ),
                    ("is_system_named", "o.is_system_named"),
                ],
            ),
        },
        "sys.foreign_keys" => Fill {
            from: objects_of("'F'"),
            exprs: with(
                object_exprs(),
                &[
                    (
                        "referenced_object_id",
                        "(SELECT f.referenced_object_id FROM {m}.\"__cutover_fk_columns\" f WHERE f.constraint_object_id = o.object_id LIMIT 1)",
                    ),
                    (
                        "key_index_id",
                        "(SELECT i.index_id FROM {m}.\"__cutover_indexes\" i WHERE i.is_unique = 1 AND i.object_id = \
                         (SELECT f.referenced_object_id FROM {m}.\"__cutover_fk_columns\" f WHERE f.constraint_object_id = o.object_id LIMIT 1) \
                         ORDER BY i.is_primary_key DESC LIMIT 1)",
                    ),
                    ("delete_referential_action", "0"),
                    ("delete_referential_action_desc", "'NO_ACTION'"),
                    ("update_referential_action", "0"),
                    ("update_referential_action_desc", "'NO_ACTION'"),
                    ("is_system_named", "o.is_system_named"),
                ],
            ),
        },
        "sys.foreign_key_columns" => Fill {
            from: "{m}.\"__cutover_fk_columns\" f".into(),
            exprs: with(
                Vec::new(),
                &[
                    ("constraint_object_id", "f.constraint_object_id"),
                    ("constraint_column_id", "f.constraint_column_id"),
                    ("parent_object_id", "f.parent_object_id"),
                    ("parent_column_id", "f.parent_column_id"),
                    ("referenced_object_id", "f.referenced_object_id"),
                    ("referenced_column_id", "f.referenced_column_id"),
                ],
            ),
        },
        "sys.default_constraints" => Fill {
            from: objects_of("'D'"),
            exprs: with(
                object_exprs(),
                &[
                    (
                        "parent_column_id",
                        "coalesce((SELECT c.column_id FROM {m}.\"__cutover_columns\" c WHERE c.default_object_id = o.object_id), 0)",
                    ),
                    ("definition", "o.definition"),
                    ("is_system_named", "o.is_system_named"),
                ],
            ),
        },
        "sys.check_constraints" => Fill {
            from: objects_of("'C'"),
            exprs: with(
                object_exprs(),
                &[("definition", "o.definition"), ("uses_database_collation", "1"), ("is_system_named", "o.is_system_named")],
            ),
        },
        "sys.sql_modules" => Fill {
            from: objects_of("'V', 'P', 'FN', 'IF', 'TF', 'TR'"),
            exprs: with(
                Vec::new(),
                &[
                    ("object_id", "o.object_id"),
                    ("definition", "o.definition"),
                    ("uses_ansi_nulls", "1"),
                    ("uses_quoted_identifier", "1"),
                    ("uses_database_collation", "1"),
                    ("is_inlineable", "0"),
                ],
            ),
        },
        "sys.partitions" => Fill {
            from: "{m}.\"__cutover_indexes\" i JOIN temp.\"__cutover_sizes\" z ON z.object_id = i.object_id".into(),
            exprs: with(
                Vec::new(),
                &[
                    ("partition_id", "72057594037927936 + i.object_id * 65536 + i.index_id"),
                    ("object_id", "i.object_id"),
                    ("index_id", "i.index_id"),
                    ("partition_number", "1"),
                    ("hobt_id", "72057594037927936 + i.object_id * 65536 + i.index_id"),
                    ("rows", "z.row_count"),
                    ("data_compression_desc", "'NONE'"),
                    ("xml_compression", "0"),
                    ("xml_compression_desc", "'OFF'"),
                ],
            ),
        },
        "sys.dm_db_partition_stats" => {
            let pages = "CASE WHEN i.index_id <= 1 THEN z.pages WHEN z.row_count = 0 THEN 0 ELSE z.pages / 4 + 1 END";
            let used = format!("CASE WHEN z.row_count = 0 THEN 0 ELSE ({pages}) + 1 END");
            let reserved = format!("CASE WHEN z.row_count = 0 THEN 0 ELSE ((({used}) + 7) / 8) * 8 END");
            Fill {
                from: "{m}.\"__cutover_indexes\" i JOIN temp.\"__cutover_sizes\" z ON z.object_id = i.object_id".into(),
                exprs: vec![
                    ("partition_id", "72057594037927936 + i.object_id * 65536 + i.index_id".into()),
                    ("object_id", "i.object_id".into()),
                    ("index_id", "i.index_id".into()),
                    ("partition_number", "1".into()),
                    ("in_row_data_page_count", pages.to_string()),
                    ("in_row_used_page_count", used.clone()),
                    ("in_row_reserved_page_count", reserved.clone()),
                    ("used_page_count", used),
                    ("reserved_page_count", reserved),
                    ("row_count", "z.row_count".into()),
                ],
            }
        }
        "sys.databases" => Fill {
            from: format!("({}) d", databases_rows(session)),
            exprs: database_exprs(session),
        },
        "sys.master_files" => Fill { from: format!("({}) f", files_rows(session, None)), exprs: file_exprs(true) },
        "sys.database_files" => Fill { from: format!("({}) f", files_rows(session, Some(db_id))), exprs: file_exprs(false) },
        "INFORMATION_SCHEMA.TABLES" => Fill {
            from: "{m}.\"__cutover_objects\" o JOIN {m}.\"__cutover_schemas\" s ON s.schema_id = o.schema_id WHERE o.type IN ('U', 'V')"
                .into(),
            exprs: vec![
                ("TABLE_CATALOG", dbl.clone()),
                ("TABLE_SCHEMA", "s.name".into()),
                ("TABLE_NAME", "o.name".into()),
                ("TABLE_TYPE", "CASE o.type WHEN 'U' THEN 'BASE TABLE' ELSE 'VIEW' END".into()),
            ],
        },
        "INFORMATION_SCHEMA.COLUMNS" => Fill {
            from: "{m}.\"__cutover_columns\" c JOIN {m}.\"__cutover_objects\" o ON o.object_id = c.object_id \
                   JOIN {m}.\"__cutover_schemas\" s ON s.schema_id = o.schema_id WHERE o.type IN ('U', 'V')"
                .into(),
            exprs: with(
                vec![("TABLE_CATALOG", dbl.clone())],
                &[
                    ("TABLE_SCHEMA", "s.name"),
                    ("TABLE_NAME", "o.name"),
                    ("COLUMN_NAME", "c.name"),
                    ("ORDINAL_POSITION", "c.column_id"),
                    ("COLUMN_DEFAULT", "c.default_text"),
                    ("IS_NULLABLE", "CASE WHEN c.is_nullable THEN 'YES' ELSE 'NO' END"),
                    ("DATA_TYPE", "CASE c.type_name WHEN 'sysname' THEN 'nvarchar' ELSE c.type_name END"),
                    (
                        "CHARACTER_MAXIMUM_LENGTH",
                        "CASE WHEN c.max_length = -1 AND c.system_type_id IN (165, 167, 231, 241) THEN -1 \
                         WHEN c.system_type_id IN (231, 239) THEN c.max_length / 2 \
                         WHEN c.system_type_id IN (165, 167, 173, 175) THEN c.max_length \
                         WHEN c.system_type_id IN (35, 34) THEN 2147483647 WHEN c.system_type_id = 99 THEN 1073741823 END",
                    ),
                    (
                        "CHARACTER_OCTET_LENGTH",
                        "CASE WHEN c.max_length = -1 AND c.system_type_id IN (165, 167, 231, 241) THEN -1 \
                         WHEN c.system_type_id IN (165, 167, 173, 175, 231, 239) THEN c.max_length \
                         WHEN c.system_type_id IN (35, 34, 99) THEN 2147483647 END",
                    ),
                    ("NUMERIC_PRECISION", "CASE WHEN c.system_type_id IN (48, 52, 56, 127, 59, 62, 106, 108, 60, 122) THEN c.precision END"),
                    (
                        "NUMERIC_PRECISION_RADIX",
                        "CASE WHEN c.system_type_id IN (59, 62) THEN 2 WHEN c.system_type_id IN (48, 52, 56, 127, 106, 108, 60, 122) THEN 10 END",
                    ),
                    ("NUMERIC_SCALE", "CASE WHEN c.system_type_id IN (48, 52, 56, 127, 106, 108, 60, 122) THEN c.scale END"),
                    (
                        "DATETIME_PRECISION",
                        "CASE WHEN c.system_type_id IN (40, 58) THEN 0 WHEN c.system_type_id = 61 THEN 3 \
                         WHEN c.system_type_id IN (41, 42, 43) THEN c.scale END",
                    ),
                    (
                        "CHARACTER_SET_NAME",
                        "CASE WHEN c.system_type_id IN (167, 175, 35) THEN 'iso_1' WHEN c.system_type_id IN (231, 239, 99) THEN 'UNICODE' END",
                    ),
                    ("COLLATION_NAME", "c.collation_name"),
                ],
            ),
        },
        "INFORMATION_SCHEMA.TABLE_CONSTRAINTS" => Fill {
            from: "{m}.\"__cutover_objects\" o JOIN {m}.\"__cutover_objects\" p ON p.object_id = o.parent_object_id \
                   JOIN {m}.\"__cutover_schemas\" s ON s.schema_id = p.schema_id WHERE o.type IN ('PK', 'UQ', 'F', 'C')"
                .into(),
            exprs: with(
                vec![("CONSTRAINT_CATALOG", dbl.clone()), ("TABLE_CATALOG", dbl.clone())],
                &[
                    ("CONSTRAINT_SCHEMA", "s.name"),
                    ("CONSTRAINT_NAME", "o.name"),
                    ("TABLE_SCHEMA", "s.name"),
                    ("TABLE_NAME", "p.name"),
                    (
                        "CONSTRAINT_TYPE",
                        "CASE o.type WHEN 'PK' THEN 'PRIMARY KEY' WHEN 'UQ' THEN 'UNIQUE' WHEN 'F' THEN 'FOREIGN KEY' ELSE 'CHECK' END",
                    ),
                    ("IS_DEFERRABLE", "'NO'"),
                    ("INITIALLY_DEFERRED", "'NO'"),
                ],
            ),
        },
        "INFORMATION_SCHEMA.KEY_COLUMN_USAGE" => Fill {
            from: "(SELECT i.constraint_object_id AS cid, ic.object_id AS tid, ic.column_id AS col, ic.key_ordinal AS ord \
                   FROM {m}.\"__cutover_indexes\" i JOIN {m}.\"__cutover_index_columns\" ic ON ic.object_id = i.object_id \
                   AND ic.index_id = i.index_id WHERE i.constraint_object_id <> 0 AND ic.is_included_column = 0 \
                   UNION ALL SELECT constraint_object_id, parent_object_id, parent_column_id, constraint_column_id \
                   FROM {m}.\"__cutover_fk_columns\") k \
                   JOIN {m}.\"__cutover_objects\" o ON o.object_id = k.cid \
                   JOIN {m}.\"__cutover_objects\" p ON p.object_id = k.tid \
                   JOIN {m}.\"__cutover_schemas\" s ON s.schema_id = p.schema_id \
                   JOIN {m}.\"__cutover_columns\" c ON c.object_id = k.tid AND c.column_id = k.col"
                .into(),
            exprs: with(
                vec![("CONSTRAINT_CATALOG", dbl.clone()), ("TABLE_CATALOG", dbl)],
                &[
                    ("CONSTRAINT_SCHEMA", "s.name"),
                    ("CONSTRAINT_NAME", "o.name"),
                    ("TABLE_SCHEMA", "s.name"),
                    ("TABLE_NAME", "p.name"),
                    ("COLUMN_NAME", "c.name"),
                    ("ORDINAL_POSITION", "k.ord"),
                ],
            ),
        },
        other => return Err(SqlError::invalid_object(other)),
    })
}

/// sys.types rows: (name, system_type_id, user_type_id, max_length, precision, scale, collation).
fn types_rows() -> String {
    let rows: Vec<String> = all_type_names()
        .map(|(name, sid)| {
            let (ml, p, s): (i32, i32, i32) = match name {
                "image" | "text" | "ntext" | "uniqueidentifier" => (16, 0, 0),
                "date" => (3, 10, 0),
                "time" => (5, 16, 7),
                "datetime2" => (8, 27, 7),
                "datetimeoffset" => (10, 34, 7),
                "tinyint" => (1, 3, 0),
                "smallint" => (2, 5, 0),
                "int" => (4, 10, 0),
                "smalldatetime" => (4, 16, 0),
                "real" => (4, 24, 0),
                "money" => (8, 19, 4),
                "datetime" => (8, 23, 3),
                "float" => (8, 53, 0),
                "bit" => (1, 1, 0),
                "decimal" | "numeric" => (17, 38, 38),
                "smallmoney" => (4, 10, 4),
                "bigint" => (8, 19, 0),
                "timestamp" => (8, 0, 0),
                "xml" => (-1, 0, 0),
                "sysname" => (256, 0, 0),
                _ => (8000, 0, 0),
            };
            let uid = if name == "sysname" { 256 } else { i32::from(sid) };
            let coll = if matches!(name, "text" | "ntext" | "varchar" | "char" | "nvarchar" | "nchar" | "sysname") {
                "'SQL_Latin1_General_CP1_CI_AS'"
            } else {
                "NULL"
            };
            format!("SELECT '{name}' AS name, {sid} AS sid, {uid} AS uid, {ml} AS ml, {p} AS p, {s} AS s, {coll} AS coll")
        })
        .collect();
    rows.join(" UNION ALL ")
}

fn databases_rows(session: &Session) -> String {
    let rows: Vec<String> = session
        .instance()
        .databases()
        .iter()
        .map(|d| {
            let (compat, encrypted) =
                crate::engine::runtime::instance_objects::database_options(session, &d.name);
            format!(
                "SELECT {} AS name, {} AS id, {} AS created, {} AS pdn, {compat} AS compat, {} AS enc",
                literal(&d.name),
                d.id,
                literal(&d.create_date),
                literal(&super::dmv::storage::physical_database_name(session.instance(), &d.name, d.id)),
                i64::from(encrypted)
            )
        })
        .collect();
    rows.join(" UNION ALL ")
}

fn database_exprs(session: &Session) -> Vec<(&'static str, String)> {
    let collation = literal(&session.instance().identity().collation);
    let simple = "d.id IN (1, 2, 4)";
    vec![
        ("name", "d.name".into()),
        ("database_id", "d.id".into()),
        ("owner_sid", "X'01'".into()),
        ("create_date", "d.created".into()),
        ("compatibility_level", "d.compat".into()),
        ("collation_name", collation),
        ("user_access", "0".into()),
        ("user_access_desc", "'MULTI_USER'".into()),
        ("is_read_only", "0".into()),
        ("is_auto_shrink_on", "0".into()),
        ("state", "0".into()),
        ("state_desc", "'ONLINE'".into()),
        ("is_in_standby", "0".into()),
        ("is_cleanly_shutdown", "0".into()),
        ("is_supplemental_logging_enabled", "0".into()),
        ("snapshot_isolation_state", "CASE WHEN d.id = 1 THEN 1 ELSE 0 END".into()),
        ("snapshot_isolation_state_desc", "CASE WHEN d.id = 1 THEN 'ON' ELSE 'OFF' END".into()),
        ("is_read_committed_snapshot_on", "0".into()),
        ("recovery_model", format!("CASE WHEN {simple} THEN 3 ELSE 1 END")),
        ("recovery_model_desc", format!("CASE WHEN {simple} THEN 'SIMPLE' ELSE 'FULL' END")),
        ("page_verify_option", "2".into()),
        ("page_verify_option_desc", "'CHECKSUM'".into()),
        ("is_auto_create_stats_on", "1".into()),
        ("is_auto_create_stats_incremental_on", "0".into()),
        ("is_auto_update_stats_on", "1".into()),
        ("is_auto_update_stats_async_on", "0".into()),
        ("is_ansi_null_default_on", "0".into()),
        ("is_ansi_nulls_on", "0".into()),
        ("is_ansi_padding_on", "0".into()),
        ("is_ansi_warnings_on", "0".into()),
        ("is_arithabort_on", "0".into()),
        ("is_concat_null_yields_null_on", "0".into()),
        ("is_numeric_roundabort_on", "0".into()),
        ("is_quoted_identifier_on", "0".into()),
        ("is_recursive_triggers_on", "0".into()),
        ("is_cursor_close_on_commit_on", "0".into()),
        ("is_local_cursor_default", "0".into()),
        ("is_fulltext_enabled", "1".into()),
        ("is_trustworthy_on", "CASE WHEN d.id = 4 THEN 1 ELSE 0 END".into()),
        ("is_db_chaining_on", "CASE WHEN d.id IN (1, 2, 4) THEN 1 ELSE 0 END".into()),
        ("is_parameterization_forced", "0".into()),
        ("is_query_store_on", "CASE WHEN d.id > 4 THEN 1 ELSE 0 END".into()),
        ("service_broker_guid", "printf('%08X-0000-0000-0000-%012X', d.id, d.id)".into()),
        ("log_reuse_wait", "0".into()),
        ("log_reuse_wait_desc", "'NOTHING'".into()),
        ("is_encrypted", "d.enc".into()),
        ("is_honor_broker_priority_on", "0".into()),
        ("resource_pool_id", "NULL".into()),
        ("default_language_lcid", "NULL".into()),
        ("is_nested_triggers_on", "NULL".into()),
        ("containment", "0".into()),
        ("containment_desc", "'NONE'".into()),
        ("target_recovery_time_in_seconds", "60".into()),
        ("delayed_durability", "0".into()),
        ("delayed_durability_desc", "'DISABLED'".into()),
        ("is_memory_optimized_elevate_to_snapshot_on", "0".into()),
        ("is_federation_member", "0".into()),
        ("is_remote_data_archive_enabled", "0".into()),
        ("is_mixed_page_allocation_on", "CASE WHEN d.id <= 4 THEN 1 ELSE 0 END".into()),
        ("is_temporal_history_retention_enabled", "1".into()),
        ("catalog_collation_type", "0".into()),
        ("catalog_collation_type_desc", "'DATABASE_DEFAULT'".into()),
        ("physical_database_name", "d.pdn".into()),
        ("is_result_set_caching_on", "0".into()),
        ("is_accelerated_database_recovery_on", "0".into()),
        ("is_tempdb_spill_to_remote_store", "0".into()),
        ("is_stale_page_detection_on", "0".into()),
        ("is_memory_optimized_enabled", "1".into()),
        ("is_data_retention_enabled", "0".into()),
        ("is_ledger_on", "0".into()),
        ("is_change_feed_enabled", "0".into()),
    ]
}

/// Data and log file rows of one database (or all): database_id, file_id, type, name,
/// physical name, size in 8 KB pages.
fn files_rows(session: &Session, only: Option<i64>) -> String {
    let rows: Vec<String> = super::dmv::storage::database_files(session.instance())
        .into_iter()
        .filter(|f| only.is_none_or(|id| id == f.database_id))
        .map(|f| {
            format!(
                "SELECT {} AS db, {} AS fid, {} AS type, {} AS name, {} AS path, {} AS size",
                f.database_id,
                f.file_id,
                f.file_type,
                literal(&f.name),
                literal(&f.physical_name),
                f.size_pages
            )
        })
        .chain(added_files(session, only))
        .collect();
    if rows.is_empty() {
        return "SELECT 0 AS db, 0 AS fid, 0 AS type, '' AS name, '' AS path, 0 AS size WHERE 0".to_string();
    }
    rows.join(" UNION ALL ")
}

/// Files ALTER DATABASE … ADD FILE added (instance_objects), as `files_rows` rows.
fn added_files(session: &Session, only: Option<i64>) -> Vec<String> {
    let instance = session.instance();
    let mut next_id = 1000;
    crate::engine::runtime::instance_objects::added_files(session)
        .into_iter()
        .filter_map(|(db, name, ty, path)| instance.database(&db).map(|d| (d.id, name, ty, path)))
        .filter(|(id, ..)| only.is_none_or(|o| o == *id))
        .map(|(id, name, ty, path)| {
            next_id += 1;
            format!(
                "SELECT {id} AS db, {next_id} AS fid, {ty} AS type, {} AS name, {} AS path, 1024 AS size",
                literal(&name),
                literal(&path)
            )
        })
        .collect()
}

fn file_exprs(with_database: bool) -> Vec<(&'static str, String)> {
    let mut e: Vec<(&'static str, String)> = vec![
        ("file_id", "f.fid".into()),
        ("file_guid", "printf('%08X-%04X-0000-0000-%012X', f.db, f.fid, f.db * 16 + f.fid)".into()),
        ("type", "f.type".into()),
        ("type_desc", "CASE f.type WHEN 0 THEN 'ROWS' WHEN 2 THEN 'FILESTREAM' ELSE 'LOG' END".into()),
        ("data_space_id", "CASE f.type WHEN 0 THEN 1 ELSE 0 END".into()),
        ("name", "f.name".into()),
        ("physical_name", "f.path".into()),
        ("state", "0".into()),
        ("state_desc", "'ONLINE'".into()),
        ("size", "f.size".into()),
        ("max_size", "CASE f.type WHEN 0 THEN -1 ELSE 268435456 END".into()),
        ("growth", "CASE f.type WHEN 0 THEN 8192 ELSE 8192 END".into()),
    ];
    if with_database {
        e.push(("database_id", "f.db".into()));
    }
    e
}

/// Fills `temp."__cutover_sizes"` (object_id, row_count, pages) for a database's user tables.
fn table_sizes(session: &Session, alias: &str) -> Result<(), SqlError> {
    let conn = &session.conn;
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS \"__cutover_sizes\" (object_id INTEGER PRIMARY KEY, row_count INTEGER, pages INTEGER); \
         DELETE FROM temp.\"__cutover_sizes\";",
    )
    .map_err(meta_error)?;
    let a = quote(alias);
    let tables: Vec<(i64, String)> = {
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT object_id, sqlite_name FROM {a}.\"__cutover_objects\" WHERE type = 'U'"
            ))
            .map_err(meta_error)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(meta_error)?;
        rows.flatten().collect()
    };
    for (object_id, sqlite_name) in tables {
        let rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {a}.{}", quote(&sqlite_name)), [], |r| r.get(0))
            .map_err(meta_error)?;
        let row_bytes: i64 = conn
            .query_row(
                &format!(
                    "SELECT coalesce(sum(CASE WHEN max_length < 0 THEN 100 WHEN max_length > 200 AND system_type_id IN (165, 167, 231) \
                     THEN max_length / 4 ELSE max_length END), 0) + 11 FROM {a}.\"__cutover_columns\" WHERE object_id = ?1"
                ),
                [object_id],
                |r| r.get(0),
            )
            .map_err(meta_error)?;
        let per_page = (8060 / row_bytes.max(1)).max(1);
        let pages = (rows + per_page - 1) / per_page;
        conn.execute("INSERT INTO temp.\"__cutover_sizes\" VALUES (?1, ?2, ?3)", (object_id, rows, pages))
            .map_err(meta_error)?;
    }
    Ok(())
}
