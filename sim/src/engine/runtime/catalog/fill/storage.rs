//! The fills of the storage views: sys.partitions, sys.dm_db_partition_stats (over table sizes
//! the runtime measures), sys.databases, sys.master_files and sys.database_files.

use super::{Ctx, Fill, with};
use crate::engine::runtime::database::{literal, quote};
use crate::engine::runtime::objects::meta_error;
use crate::engine::runtime::session::Session;
use crate::error::SqlError;

/// `sys.partitions`.
pub(super) fn sys_partitions(_c: &Ctx) -> Fill {
    Fill {
        from: "{m}.\"__cutover_indexes\" i JOIN temp.\"__cutover_sizes\" z ON z.object_id = i.object_id"
            .into(),
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
    }
}

/// `sys.dm_db_partition_stats`.
pub(super) fn sys_dm_db_partition_stats(_c: &Ctx) -> Fill {
    let pages = "CASE WHEN i.index_id <= 1 THEN z.pages WHEN z.row_count = 0 THEN 0 ELSE z.pages / 4 + 1 END";
    let used = format!("CASE WHEN z.row_count = 0 THEN 0 ELSE ({pages}) + 1 END");
    let reserved = format!("CASE WHEN z.row_count = 0 THEN 0 ELSE ((({used}) + 7) / 8) * 8 END");
    Fill {
        from: "{m}.\"__cutover_indexes\" i JOIN temp.\"__cutover_sizes\" z ON z.object_id = i.object_id"
            .into(),
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

/// `sys.databases`.
pub(super) fn sys_databases(c: &Ctx) -> Fill {
    let session = c.session;
    Fill { from: format!("({}) d", databases_rows(session)), exprs: database_exprs(session) }
}

/// `sys.master_files`.
pub(super) fn sys_master_files(c: &Ctx) -> Fill {
    let session = c.session;
    Fill { from: format!("({}) f", files_rows(session, None)), exprs: file_exprs(true) }
}

/// `sys.database_files`.
pub(super) fn sys_database_files(c: &Ctx) -> Fill {
    let session = c.session;
    let db_id = c.db_id;
    Fill { from: format!("({}) f", files_rows(session, Some(db_id))), exprs: file_exprs(false) }
}

pub(super) fn databases_rows(session: &Session) -> String {
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
                literal(&super::super::dmv::storage::physical_database_name(
                    session.instance(),
                    &d.name,
                    d.id
                )),
                i64::from(encrypted)
            )
        })
        .collect();
    rows.join(" UNION ALL ")
}

pub(super) fn database_exprs(session: &Session) -> Vec<(&'static str, String)> {
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
pub(super) fn files_rows(session: &Session, only: Option<i64>) -> String {
    let rows: Vec<String> = super::super::dmv::storage::database_files(session.instance())
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
pub(super) fn added_files(session: &Session, only: Option<i64>) -> Vec<String> {
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

pub(super) fn file_exprs(with_database: bool) -> Vec<(&'static str, String)> {
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
pub(super) fn table_sizes(session: &Session, alias: &str) -> Result<(), SqlError> {
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
