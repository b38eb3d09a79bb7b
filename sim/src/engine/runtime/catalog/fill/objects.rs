//! The fills of the object views: sys.objects, sys.tables, sys.views, sys.columns, sys.schemas,
//! sys.types and sys.sql_modules.

use super::{Ctx, Fill, object_exprs, objects_of, with};
use crate::types::all_type_names;

/// `sys.objects`.
pub(super) fn sys_objects(_c: &Ctx) -> Fill {
    Fill { from: "{m}.\"__cutover_objects\" o".to_string(), exprs: object_exprs() }
}

/// `sys.tables`.
pub(super) fn sys_tables(_c: &Ctx) -> Fill {
    Fill {
        from: objects_of("'U'"),
        exprs: with(
            object_exprs(),
            &[
                (
                    "lob_data_space_id",
                    "CASE WHEN EXISTS (SELECT 1 FROM {m}.\"__cutover_columns\" c WHERE c.object_id = o.object_id \
                     AND (c.max_length = -1 OR c.system_type_id IN (34, 35, 99))) THEN 1 ELSE 0 END",
                ),
                (
                    "max_column_id_used",
                    "(SELECT max(column_id) FROM {m}.\"__cutover_columns\" c WHERE c.object_id = o.object_id)",
                ),
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
    }
}

/// `sys.views`.
pub(super) fn sys_views(_c: &Ctx) -> Fill {
    Fill {
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
    }
}

/// `sys.columns`.
pub(super) fn sys_columns(_c: &Ctx) -> Fill {
    Fill {
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
                (
                    "is_ansi_padded",
                    "CASE WHEN c.system_type_id IN (165, 167, 173, 175, 231, 239) THEN 1 ELSE 0 END",
                ),
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
    }
}

/// `sys.schemas`.
pub(super) fn sys_schemas(_c: &Ctx) -> Fill {
    Fill {
        from: "{m}.\"__cutover_schemas\" s".into(),
        exprs: with(
            Vec::new(),
            &[("name", "s.name"), ("schema_id", "s.schema_id"), ("principal_id", "s.principal_id")],
        ),
    }
}

/// `sys.types`.
pub(super) fn sys_types(_c: &Ctx) -> Fill {
    Fill {
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
    }
}

/// `sys.sql_modules`.
pub(super) fn sys_sql_modules(_c: &Ctx) -> Fill {
    Fill {
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
    }
}

/// sys.types rows: (name, system_type_id, user_type_id, max_length, precision, scale, collation).
pub(super) fn types_rows() -> String {
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
