//! The catalog views the simulator serves, with SQL Server 2022's documented column names and
//! types, in documented order: ONE declarative table that the fill code, the tests and
//! `docs/simulator-catalog.md` all read.
//!
//! Views that inherit sys.objects' columns (sys.tables, sys.views, sys.key_constraints, …) list
//! [`OBJECT_COLUMNS`] as their first part, as Microsoft's pages do.
//!
//! Reason: (why this file is over 700 lines) it is data, not logic — 66 views' column lists
//! copied in documented order from their Microsoft pages, and the one `CATALOG_VIEWS` table that
//! `docs/simulator-catalog.md` is generated from in that order. Each entry is a few lines with
//! no branching; splitting it by view family would scatter one table that is read (and checked
//! against the docs) as a whole, without making any entry easier to find than a search for the
//! view's name.

/// (column name, SQL Server type text, nullable)
pub type ColumnSpec = (&'static str, &'static str, bool);

/// Where a view's rows come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Same rows whichever database is current (sys.databases, sys.master_files).
    Server,
    /// Describes one database (the current one, or `db.sys.tables`).
    Database,
}

/// Who may read a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Everyone (catalog views show what the login may see; the simulator shows all).
    Public,
    /// VIEW SERVER STATE, or VIEW SERVER PERFORMANCE STATE (the DMVs).
    ServerState,
}

/// One catalog view.
#[derive(Debug)]
pub struct CatalogView {
    /// `sys.tables`, `INFORMATION_SCHEMA.COLUMNS` (as documented; matched case-insensitively).
    pub name: &'static str,
    pub scope: Scope,
    pub permission: Permission,
    /// Column parts, concatenated in order.
    pub parts: &'static [&'static [ColumnSpec]],
    /// Which instances have it.
    pub availability: Availability,
    /// A table-valued function's parameters (empty for a view).
    pub params: &'static [&'static str],
}

/// Which instances serve a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    /// Every profile.
    All,
    /// Azure SQL Managed Instance profiles only (error 208 elsewhere).
    ManagedInstance,
}

impl CatalogView {
    /// The columns, in order.
    pub fn columns(&self) -> impl Iterator<Item = &'static ColumnSpec> + '_ {
        self.parts.iter().flat_map(|p| p.iter())
    }

    /// The schema part (`sys`, `INFORMATION_SCHEMA`).
    pub fn schema(&self) -> &'static str {
        self.name.split_once('.').map(|(s, _)| s).unwrap_or("sys")
    }

    /// The name part (`tables`).
    pub fn short_name(&self) -> &'static str {
        self.name.split_once('.').map(|(_, n)| n).unwrap_or(self.name)
    }
}

/// The columns every object view inherits from sys.objects.
pub const OBJECT_COLUMNS: &[ColumnSpec] = &[
    ("name", "sysname", false),
    ("object_id", "int", false),
    ("principal_id", "int", true),
    ("schema_id", "int", false),
    ("parent_object_id", "int", false),
    ("type", "char(2)", true),
    ("type_desc", "nvarchar(60)", true),
    ("create_date", "datetime", false),
    ("modify_date", "datetime", false),
    ("is_ms_shipped", "bit", false),
    ("is_published", "bit", false),
    ("is_schema_published", "bit", false),
];

const TABLE_COLUMNS: &[ColumnSpec] = &[
    ("lob_data_space_id", "int", false),
    ("filestream_data_space_id", "int", true),
    ("max_column_id_used", "int", false),
    ("lock_on_bulk_load", "bit", false),
    ("uses_ansi_nulls", "bit", true),
    ("is_replicated", "bit", true),
    ("has_replication_filter", "bit", true),
    ("is_merge_published", "bit", true),
    ("is_sync_tran_subscribed", "bit", true),
    ("has_unchecked_assembly_data", "bit", false),
    ("text_in_row_limit", "int", true),
    ("large_value_types_out_of_row", "bit", true),
    ("is_tracked_by_cdc", "bit", true),
    ("lock_escalation", "tinyint", true),
    ("lock_escalation_desc", "nvarchar(60)", true),
    ("is_filetable", "bit", true),
    ("is_memory_optimized", "bit", true),
    ("durability", "tinyint", true),
    ("durability_desc", "nvarchar(60)", true),
    ("temporal_type", "tinyint", true),
    ("temporal_type_desc", "nvarchar(60)", true),
    ("history_table_id", "int", true),
    ("is_remote_data_archive_enabled", "bit", true),
    ("is_external", "bit", false),
    ("history_retention_period", "int", true),
    ("history_retention_period_unit", "int", true),
    ("history_retention_period_unit_desc", "nvarchar(10)", true),
    ("is_node", "bit", true),
    ("is_edge", "bit", true),
    ("data_retention_period", "int", true),
    ("data_retention_period_unit", "int", true),
    ("data_retention_period_unit_desc", "nvarchar(10)", true),
    ("ledger_type", "tinyint", true),
    ("ledger_type_desc", "nvarchar(60)", true),
    ("ledger_view_id", "int", true),
    ("is_dropped_ledger_table", "bit", true),
];

const VIEW_COLUMNS: &[ColumnSpec] = &[
    ("is_replicated", "bit", true),
    ("has_replication_filter", "bit", true),
    ("has_opaque_metadata", "bit", false),
    ("has_unchecked_assembly_data", "bit", false),
    ("with_check_option", "bit", false),
    ("is_date_correlation_view", "bit", false),
    ("is_tracked_by_cdc", "bit", true),
    ("has_snapshot", "bit", true),
    ("ledger_view_type", "tinyint", true),
    ("ledger_view_type_desc", "nvarchar(60)", true),
    ("is_dropped_ledger_view", "bit", true),
];

const COLUMN_COLUMNS: &[ColumnSpec] = &[
    ("object_id", "int", false),
    ("name", "sysname", true),
    ("column_id", "int", false),
    ("system_type_id", "tinyint", false),
    ("user_type_id", "int", false),
    ("max_length", "smallint", false),
    ("precision", "tinyint", false),
    ("scale", "tinyint", false),
    ("collation_name", "sysname", true),
    ("is_nullable", "bit", true),
    ("is_ansi_padded", "bit", false),
    ("is_rowguidcol", "bit", false),
    ("is_identity", "bit", false),
    ("is_computed", "bit", false),
    ("is_filestream", "bit", false),
    ("is_replicated", "bit", true),
    ("is_non_sql_subscribed", "bit", true),
    ("is_merge_published", "bit", true),
    ("is_dts_replicated", "bit", true),
    ("is_xml_document", "bit", false),
    ("xml_collection_id", "int", false),
    ("default_object_id", "int", false),
    ("rule_object_id", "int", false),
    ("is_sparse", "bit", true),
    ("is_column_set", "bit", true),
    ("generated_always_type", "tinyint", true),
    ("generated_always_type_desc", "nvarchar(60)", true),
    ("encryption_type", "int", true),
    ("encryption_type_desc", "nvarchar(64)", true),
    ("encryption_algorithm_name", "sysname", true),
    ("column_encryption_key_id", "int", true),
    ("column_encryption_key_database_name", "sysname", true),
    ("is_hidden", "bit", true),
    ("is_masked", "bit", true),
    ("graph_type", "int", true),
    ("graph_type_desc", "nvarchar(60)", true),
    ("is_data_deletion_filter_column", "bit", true),
    ("ledger_view_column_type", "int", true),
    ("ledger_view_column_type_desc", "nvarchar(60)", true),
    ("is_dropped_ledger_column", "bit", true),
];

const SCHEMA_COLUMNS: &[ColumnSpec] =
    &[("name", "sysname", false), ("schema_id", "int", false), ("principal_id", "int", true)];

const TYPE_COLUMNS: &[ColumnSpec] = &[
    ("name", "sysname", false),
    ("system_type_id", "tinyint", false),
    ("user_type_id", "int", false),
    ("schema_id", "int", false),
    ("principal_id", "int", true),
    ("max_length", "smallint", false),
    ("precision", "tinyint", false),
    ("scale", "tinyint", false),
    ("collation_name", "sysname", true),
    ("is_nullable", "bit", true),
    ("is_user_defined", "bit", false),
    ("is_assembly_type", "bit", false),
    ("default_object_id", "int", false),
    ("rule_object_id", "int", false),
    ("is_table_type", "bit", false),
];

const INDEX_COLUMNS: &[ColumnSpec] = &[
    ("object_id", "int", false),
    ("name", "sysname", true),
    ("index_id", "int", false),
    ("type", "tinyint", false),
    ("type_desc", "nvarchar(60)", true),
    ("is_unique", "bit", true),
    ("data_space_id", "int", true),
    ("ignore_dup_key", "bit", true),
    ("is_primary_key", "bit", true),
    ("is_unique_constraint", "bit", true),
    ("fill_factor", "tinyint", false),
    ("is_padded", "bit", true),
    ("is_disabled", "bit", true),
    ("is_hypothetical", "bit", true),
    ("is_ignored_in_optimization", "bit", true),
    ("allow_row_locks", "bit", true),
    ("allow_page_locks", "bit", true),
    ("has_filter", "bit", true),
    ("filter_definition", "nvarchar(max)", true),
    ("compression_delay", "int", true),
    ("suppress_dup_key_messages", "bit", true),
    ("auto_created", "bit", true),
    ("optimize_for_sequential_key", "bit", true),
];

const INDEX_COLUMN_COLUMNS: &[ColumnSpec] = &[
    ("object_id", "int", false),
    ("index_id", "int", false),
    ("index_column_id", "int", false),
    ("column_id", "int", false),
    ("key_ordinal", "tinyint", false),
    ("partition_ordinal", "tinyint", false),
    ("is_descending_key", "bit", true),
    ("is_included_column", "bit", true),
    ("column_store_order_ordinal", "tinyint", false),
];

const KEY_CONSTRAINT_COLUMNS: &[ColumnSpec] =
    &[("unique_index_id", "int", true), ("is_system_named", "bit", false), ("is_enforced", "bit", true)];

const FOREIGN_KEY_COLUMNS: &[ColumnSpec] = &[
    ("referenced_object_id", "int", true),
    ("key_index_id", "int", true),
    ("is_disabled", "bit", false),
    ("is_not_for_replication", "bit", false),
    ("is_not_trusted", "bit", false),
    ("delete_referential_action", "tinyint", true),
    ("delete_referential_action_desc", "nvarchar(60)", true),
    ("update_referential_action", "tinyint", true),
    ("update_referential_action_desc", "nvarchar(60)", true),
    ("is_system_named", "bit", false),
];

const FOREIGN_KEY_COLUMN_COLUMNS: &[ColumnSpec] = &[
    ("constraint_object_id", "int", false),
    ("constraint_column_id", "int", false),
    ("parent_object_id", "int", false),
    ("parent_column_id", "int", false),
    ("referenced_object_id", "int", false),
    ("referenced_column_id", "int", false),
];

const DEFAULT_CONSTRAINT_COLUMNS: &[ColumnSpec] = &[
    ("parent_column_id", "int", false),
    ("definition", "nvarchar(max)", true),
    ("is_system_named", "bit", false),
];

const CHECK_CONSTRAINT_COLUMNS: &[ColumnSpec] = &[
    ("is_disabled", "bit", false),
    ("is_not_for_replication", "bit", false),
    ("is_not_trusted", "bit", false),
    ("parent_column_id", "int", false),
    ("definition", "nvarchar(max)", true),
    ("uses_database_collation", "bit", true),
    ("is_system_named", "bit", false),
];

const PARTITION_COLUMNS: &[ColumnSpec] = &[
    ("partition_id", "bigint", false),
    ("object_id", "int", false),
    ("index_id", "int", false),
    ("partition_number", "int", false),
    ("hobt_id", "bigint", false),
    ("rows", "bigint", true),
    ("filestream_filegroup_id", "smallint", false),
    ("data_compression", "tinyint", false),
    ("data_compression_desc", "nvarchar(60)", true),
    ("xml_compression", "bit", true),
    ("xml_compression_desc", "varchar(3)", true),
];

const PARTITION_STATS_COLUMNS: &[ColumnSpec] = &[
    ("partition_id", "bigint", false),
    ("object_id", "int", false),
    ("index_id", "int", false),
    ("partition_number", "int", false),
    ("in_row_data_page_count", "bigint", false),
    ("in_row_used_page_count", "bigint", false),
    ("in_row_reserved_page_count", "bigint", false),
    ("lob_used_page_count", "bigint", false),
    ("lob_reserved_page_count", "bigint", false),
    ("row_overflow_used_page_count", "bigint", false),
    ("row_overflow_reserved_page_count", "bigint", false),
    ("used_page_count", "bigint", false),
    ("reserved_page_count", "bigint", false),
    ("row_count", "bigint", false),
];

/// Shared by sys.master_files (after database_id) and sys.database_files.
const FILE_COLUMNS: &[ColumnSpec] = &[
    ("file_id", "int", false),
    ("file_guid", "uniqueidentifier", true),
    ("type", "tinyint", false),
    ("type_desc", "nvarchar(60)", true),
    ("data_space_id", "int", false),
    ("name", "sysname", false),
    ("physical_name", "nvarchar(260)", false),
    ("state", "tinyint", true),
    ("state_desc", "nvarchar(60)", true),
    ("size", "int", false),
    ("max_size", "int", false),
    ("growth", "int", false),
    ("is_media_read_only", "bit", false),
    ("is_read_only", "bit", false),
    ("is_sparse", "bit", false),
    ("is_percent_growth", "bit", false),
    ("is_name_reserved", "bit", false),
    ("is_persistent_log_buffer", "bit", false),
    ("create_lsn", "numeric(25,0)", true),
    ("drop_lsn", "numeric(25,0)", true),
    ("read_only_lsn", "numeric(25,0)", true),
    ("read_write_lsn", "numeric(25,0)", true),
    ("differential_base_lsn", "numeric(25,0)", true),
    ("differential_base_guid", "uniqueidentifier", true),
    ("differential_base_time", "datetime", true),
    ("redo_start_lsn", "numeric(25,0)", true),
    ("redo_start_fork_guid", "uniqueidentifier", true),
    ("redo_target_lsn", "numeric(25,0)", true),
    ("redo_target_fork_guid", "uniqueidentifier", true),
    ("backup_lsn", "numeric(25,0)", true),
];

const MASTER_FILE_HEAD: &[ColumnSpec] = &[("database_id", "int", false)];
const MASTER_FILE_TAIL: &[ColumnSpec] = &[("credential_id", "int", true)];

const DATABASE_COLUMNS: &[ColumnSpec] = &[
    ("name", "sysname", false),
    ("database_id", "int", false),
    ("source_database_id", "int", true),
    ("owner_sid", "varbinary(85)", true),
    ("create_date", "datetime", false),
    ("compatibility_level", "tinyint", false),
    ("collation_name", "sysname", true),
    ("user_access", "tinyint", true),
    ("user_access_desc", "nvarchar(60)", true),
    ("is_read_only", "bit", true),
    ("is_auto_close_on", "bit", false),
    ("is_auto_shrink_on", "bit", true),
    ("state", "tinyint", true),
    ("state_desc", "nvarchar(60)", true),
    ("is_in_standby", "bit", true),
    ("is_cleanly_shutdown", "bit", true),
    ("is_supplemental_logging_enabled", "bit", true),
    ("snapshot_isolation_state", "tinyint", true),
    ("snapshot_isolation_state_desc", "nvarchar(60)", true),
    ("is_read_committed_snapshot_on", "bit", true),
    ("recovery_model", "tinyint", true),
    ("recovery_model_desc", "nvarchar(60)", true),
    ("page_verify_option", "tinyint", true),
    ("page_verify_option_desc", "nvarchar(60)", true),
    ("is_auto_create_stats_on", "bit", true),
    ("is_auto_create_stats_incremental_on", "bit", true),
    ("is_auto_update_stats_on", "bit", true),
    ("is_auto_update_stats_async_on", "bit", true),
    ("is_ansi_null_default_on", "bit", true),
    ("is_ansi_nulls_on", "bit", true),
    ("is_ansi_padding_on", "bit", true),
    ("is_ansi_warnings_on", "bit", true),
    ("is_arithabort_on", "bit", true),
    ("is_concat_null_yields_null_on", "bit", true),
    ("is_numeric_roundabort_on", "bit", true),
    ("is_quoted_identifier_on", "bit", true),
    ("is_recursive_triggers_on", "bit", true),
    ("is_cursor_close_on_commit_on", "bit", true),
    ("is_local_cursor_default", "bit", true),
    ("is_fulltext_enabled", "bit", true),
    ("is_trustworthy_on", "bit", true),
    ("is_db_chaining_on", "bit", true),
    ("is_parameterization_forced", "bit", true),
    ("is_master_key_encrypted_by_server", "bit", false),
    ("is_query_store_on", "bit", true),
    ("is_published", "bit", false),
    ("is_subscribed", "bit", false),
    ("is_merge_published", "bit", false),
    ("is_distributor", "bit", false),
    ("is_sync_with_backup", "bit", false),
    ("service_broker_guid", "uniqueidentifier", false),
    ("is_broker_enabled", "bit", false),
    ("log_reuse_wait", "tinyint", true),
    ("log_reuse_wait_desc", "nvarchar(60)", true),
    ("is_date_correlation_on", "bit", false),
    ("is_cdc_enabled", "bit", false),
    ("is_encrypted", "bit", true),
    ("is_honor_broker_priority_on", "bit", true),
    ("replica_id", "uniqueidentifier", true),
    ("group_database_id", "uniqueidentifier", true),
    ("resource_pool_id", "int", true),
    ("default_language_lcid", "smallint", true),
    ("default_language_name", "nvarchar(128)", true),
    ("default_fulltext_language_lcid", "int", true),
    ("default_fulltext_language_name", "nvarchar(128)", true),
    ("is_nested_triggers_on", "bit", true),
    ("is_transform_noise_words_on", "bit", true),
    ("two_digit_year_cutoff", "smallint", true),
    ("containment", "tinyint", true),
    ("containment_desc", "nvarchar(60)", true),
    ("target_recovery_time_in_seconds", "int", true),
    ("delayed_durability", "int", true),
    ("delayed_durability_desc", "nvarchar(60)", true),
    ("is_memory_optimized_elevate_to_snapshot_on", "bit", true),
    ("is_federation_member", "bit", true),
    ("is_remote_data_archive_enabled", "bit", true),
    ("is_mixed_page_allocation_on", "bit", true),
    ("is_temporal_history_retention_enabled", "bit", true),
    ("catalog_collation_type", "int", false),
    ("catalog_collation_type_desc", "nvarchar(60)", true),
    ("physical_database_name", "nvarchar(128)", true),
    ("is_result_set_caching_on", "bit", true),
    ("is_accelerated_database_recovery_on", "bit", true),
    ("is_tempdb_spill_to_remote_store", "bit", true),
    ("is_stale_page_detection_on", "bit", true),
    ("is_memory_optimized_enabled", "bit", true),
    ("is_data_retention_enabled", "bit", true),
    ("is_ledger_on", "bit", true),
    ("is_change_feed_enabled", "bit", true),
];

const IS_TABLES_COLUMNS: &[ColumnSpec] = &[
    ("TABLE_CATALOG", "nvarchar(128)", true),
    ("TABLE_SCHEMA", "nvarchar(128)", true),
    ("TABLE_NAME", "sysname", false),
    ("TABLE_TYPE", "varchar(10)", true),
];

const IS_COLUMNS_COLUMNS: &[ColumnSpec] = &[
    ("TABLE_CATALOG", "nvarchar(128)", true),
    ("TABLE_SCHEMA", "nvarchar(128)", true),
    ("TABLE_NAME", "sysname", false),
    ("COLUMN_NAME", "sysname", true),
    ("ORDINAL_POSITION", "int", true),
    ("COLUMN_DEFAULT", "nvarchar(4000)", true),
    ("IS_NULLABLE", "varchar(3)", true),
    ("DATA_TYPE", "nvarchar(128)", true),
    ("CHARACTER_MAXIMUM_LENGTH", "int", true),
    ("CHARACTER_OCTET_LENGTH", "int", true),
    ("NUMERIC_PRECISION", "tinyint", true),
    ("NUMERIC_PRECISION_RADIX", "smallint", true),
    ("NUMERIC_SCALE", "int", true),
    ("DATETIME_PRECISION", "smallint", true),
    ("CHARACTER_SET_CATALOG", "sysname", true),
    ("CHARACTER_SET_SCHEMA", "sysname", true),
    ("CHARACTER_SET_NAME", "sysname", true),
    ("COLLATION_CATALOG", "sysname", true),
    ("COLLATION_SCHEMA", "sysname", true),
    ("COLLATION_NAME", "sysname", true),
    ("DOMAIN_CATALOG", "sysname", true),
    ("DOMAIN_SCHEMA", "sysname", true),
    ("DOMAIN_NAME", "sysname", true),
];

const IS_TABLE_CONSTRAINTS_COLUMNS: &[ColumnSpec] = &[
    ("CONSTRAINT_CATALOG", "nvarchar(128)", true),
    ("CONSTRAINT_SCHEMA", "nvarchar(128)", true),
    ("CONSTRAINT_NAME", "sysname", false),
    ("TABLE_CATALOG", "nvarchar(128)", true),
    ("TABLE_SCHEMA", "nvarchar(128)", true),
    ("TABLE_NAME", "sysname", false),
    ("CONSTRAINT_TYPE", "varchar(11)", true),
    ("IS_DEFERRABLE", "varchar(2)", false),
    ("INITIALLY_DEFERRED", "varchar(2)", false),
];

const IS_KEY_COLUMN_USAGE_COLUMNS: &[ColumnSpec] = &[
    ("CONSTRAINT_CATALOG", "nvarchar(128)", true),
    ("CONSTRAINT_SCHEMA", "nvarchar(128)", true),
    ("CONSTRAINT_NAME", "sysname", false),
    ("TABLE_CATALOG", "nvarchar(128)", true),
    ("TABLE_SCHEMA", "nvarchar(128)", true),
    ("TABLE_NAME", "sysname", false),
    ("COLUMN_NAME", "nvarchar(128)", true),
    ("ORDINAL_POSITION", "int", false),
];

/// sys.fn_my_permissions(securable, 'SERVER' | 'DATABASE').
pub const FN_MY_PERMISSIONS_COLUMNS: &[ColumnSpec] = &[
    ("entity_name", "sysname", true),
    ("subentity_name", "sysname", true),
    ("permission_name", "nvarchar(60)", true),
];

/// sys.sql_modules: the definition of each SQL-defined module (in the simulator: views).
const SQL_MODULE_COLUMNS: &[ColumnSpec] = &[
    ("object_id", "int", false),
    ("definition", "nvarchar(max)", true),
    ("uses_ansi_nulls", "bit", true),
    ("uses_quoted_identifier", "bit", true),
    ("is_schema_bound", "bit", true),
    ("uses_database_collation", "bit", true),
    ("is_recompiled", "bit", true),
    ("null_on_null_input", "bit", true),
    ("execute_as_principal_id", "int", true),
    ("uses_native_compilation", "bit", true),
    ("inline_type", "bit", true),
    ("is_inlineable", "bit", true),
];

use super::dmv_columns as dmv;
use crate::engine::runtime::instance_objects::columns as io;
use Availability::All;
use Permission::{Public, ServerState};
use Scope::{Database, Server};

/// Every catalog view the simulator serves.
pub const CATALOG_VIEWS: &[CatalogView] = &[
    CatalogView {
        name: "sys.databases",
        scope: Server,
        permission: Public,
        parts: &[DATABASE_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.master_files",
        scope: Server,
        permission: Public,
        parts: &[MASTER_FILE_HEAD, FILE_COLUMNS, MASTER_FILE_TAIL],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.schemas",
        scope: Database,
        permission: Public,
        parts: &[SCHEMA_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.objects",
        scope: Database,
        permission: Public,
        parts: &[OBJECT_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.tables",
        scope: Database,
        permission: Public,
        parts: &[OBJECT_COLUMNS, TABLE_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.views",
        scope: Database,
        permission: Public,
        parts: &[OBJECT_COLUMNS, VIEW_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.columns",
        scope: Database,
        permission: Public,
        parts: &[COLUMN_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.types",
        scope: Database,
        permission: Public,
        parts: &[TYPE_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.indexes",
        scope: Database,
        permission: Public,
        parts: &[INDEX_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.index_columns",
        scope: Database,
        permission: Public,
        parts: &[INDEX_COLUMN_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.key_constraints",
        scope: Database,
        permission: Public,
        parts: &[OBJECT_COLUMNS, KEY_CONSTRAINT_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.foreign_keys",
        scope: Database,
        permission: Public,
        parts: &[OBJECT_COLUMNS, FOREIGN_KEY_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.foreign_key_columns",
        scope: Database,
        permission: Public,
        parts: &[FOREIGN_KEY_COLUMN_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.default_constraints",
        scope: Database,
        permission: Public,
        parts: &[OBJECT_COLUMNS, DEFAULT_CONSTRAINT_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.check_constraints",
        scope: Database,
        permission: Public,
        parts: &[OBJECT_COLUMNS, CHECK_CONSTRAINT_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.partitions",
        scope: Database,
        permission: Public,
        parts: &[PARTITION_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_db_partition_stats",
        scope: Database,
        permission: ServerState,
        parts: &[PARTITION_STATS_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.database_files",
        scope: Database,
        permission: Public,
        parts: &[FILE_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "INFORMATION_SCHEMA.TABLES",
        scope: Database,
        permission: Public,
        parts: &[IS_TABLES_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "INFORMATION_SCHEMA.COLUMNS",
        scope: Database,
        permission: Public,
        parts: &[IS_COLUMNS_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "INFORMATION_SCHEMA.TABLE_CONSTRAINTS",
        scope: Database,
        permission: Public,
        parts: &[IS_TABLE_CONSTRAINTS_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "INFORMATION_SCHEMA.KEY_COLUMN_USAGE",
        scope: Database,
        permission: Public,
        parts: &[IS_KEY_COLUMN_USAGE_COLUMNS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_performance_counters",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::PERFORMANCE_COUNTERS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_wait_stats",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::WAIT_STATS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_waiting_tasks",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::WAITING_TASKS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_io_virtual_file_stats",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::VIRTUAL_FILE_STATS],
        availability: All,
        params: &["database_id", "file_id"],
    },
    CatalogView {
        name: "sys.dm_os_sys_info",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::SYS_INFO],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_sys_memory",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::SYS_MEMORY],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_process_memory",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::PROCESS_MEMORY],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_memory_clerks",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::MEMORY_CLERKS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_schedulers",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::SCHEDULERS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_ring_buffers",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::RING_BUFFERS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_exec_query_stats",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::QUERY_STATS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_exec_sql_text",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::SQL_TEXT],
        availability: All,
        params: &["sql_handle"],
    },
    CatalogView {
        name: "sys.dm_exec_requests",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::REQUESTS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_exec_sessions",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::SESSIONS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_exec_connections",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::CONNECTIONS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_db_log_space_usage",
        scope: Database,
        permission: ServerState,
        parts: &[dmv::LOG_SPACE_USAGE],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_db_file_space_usage",
        scope: Database,
        permission: ServerState,
        parts: &[dmv::FILE_SPACE_USAGE],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_tran_version_store_space_usage",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::VERSION_STORE_SPACE_USAGE],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.server_resource_stats",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::SERVER_RESOURCE_STATS],
        availability: Availability::ManagedInstance,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_instance_resource_governance",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::INSTANCE_RESOURCE_GOVERNANCE],
        availability: Availability::ManagedInstance,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_os_job_object",
        scope: Server,
        permission: ServerState,
        parts: &[dmv::JOB_OBJECT],
        availability: Availability::ManagedInstance,
        params: &[],
    },
    CatalogView {
        name: "sys.configurations",
        scope: Server,
        permission: Public,
        parts: &[dmv::CONFIGURATIONS],
        availability: All,
        params: &[],
    },
    // Instance-level objects (runtime/instance_objects); msdb's Agent tables as `dbo.sys*`.
    CatalogView {
        name: "sys.server_principals",
        scope: Server,
        permission: Public,
        parts: io::SERVER_PRINCIPALS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.sql_logins",
        scope: Server,
        permission: Public,
        parts: io::SQL_LOGINS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.server_role_members",
        scope: Server,
        permission: Public,
        parts: io::SERVER_ROLE_MEMBERS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.credentials",
        scope: Server,
        permission: Public,
        parts: io::CREDENTIALS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.servers",
        scope: Server,
        permission: Public,
        parts: io::SERVERS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.server_triggers",
        scope: Server,
        permission: Public,
        parts: io::SERVER_TRIGGERS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.server_sql_modules",
        scope: Server,
        permission: Public,
        parts: io::SERVER_SQL_MODULES,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_database_encryption_keys",
        scope: Server,
        permission: ServerState,
        parts: io::DATABASE_ENCRYPTION_KEYS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.filetables",
        scope: Database,
        permission: Public,
        parts: io::FILETABLES,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "dbo.sysjobs",
        scope: Server,
        permission: Public,
        parts: io::SYSJOBS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "dbo.sysjobsteps",
        scope: Server,
        permission: Public,
        parts: io::SYSJOBSTEPS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "dbo.sysschedules",
        scope: Server,
        permission: Public,
        parts: io::SYSSCHEDULES,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "dbo.sysjobschedules",
        scope: Server,
        permission: Public,
        parts: io::SYSJOBSCHEDULES,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "dbo.sysoperators",
        scope: Server,
        permission: Public,
        parts: io::SYSOPERATORS,
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.dm_xe_sessions",
        scope: Server,
        permission: ServerState,
        parts: &[crate::engine::runtime::xe::views::DM_XE_SESSIONS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.server_event_sessions",
        scope: Server,
        permission: ServerState,
        parts: &[crate::engine::runtime::xe::views::SERVER_EVENT_SESSIONS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.query_store_query_text",
        scope: Database,
        permission: ServerState,
        parts: &[crate::engine::runtime::query_store::QUERY_TEXT],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.query_store_query",
        scope: Database,
        permission: ServerState,
        parts: &[crate::engine::runtime::query_store::QUERY],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.query_store_plan",
        scope: Database,
        permission: ServerState,
        parts: &[crate::engine::runtime::query_store::PLAN],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.query_store_runtime_stats",
        scope: Database,
        permission: ServerState,
        parts: &[crate::engine::runtime::query_store::RUNTIME_STATS],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.query_store_runtime_stats_interval",
        scope: Database,
        permission: ServerState,
        parts: &[crate::engine::runtime::query_store::RUNTIME_STATS_INTERVAL],
        availability: All,
        params: &[],
    },
    CatalogView {
        name: "sys.sql_modules",
        scope: Database,
        permission: Public,
        parts: &[SQL_MODULE_COLUMNS],
        availability: All,
        params: &[],
    },
];

/// Finds a catalog view by schema and name (case-insensitive).
pub fn find(schema: &str, name: &str) -> Option<&'static CatalogView> {
    CATALOG_VIEWS
        .iter()
        .find(|v| v.schema().eq_ignore_ascii_case(schema) && v.short_name().eq_ignore_ascii_case(name))
}

/// The catalog as a Markdown document (`docs/simulator-catalog.md` is this text).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Catalog views served by the simulator\n\n\
         Generated from `sim/src/engine/runtime/catalog/views.rs` (a test checks this file matches).\n\
         Column names, types and order follow SQL Server 2022's documentation. Views marked\n\
         *VIEW SERVER STATE* raise error 300 for a login without that permission (or VIEW SERVER\n\
         PERFORMANCE STATE). `sys.fn_my_permissions(NULL, 'SERVER' | 'DATABASE')` returns\n\
         `entity_name sysname, subentity_name sysname, permission_name nvarchar(60)`.\n",
    );
    for v in CATALOG_VIEWS {
        let scope = match v.scope {
            Scope::Server => "server",
            Scope::Database => "database",
        };
        let perm = match v.permission {
            Permission::Public => "",
            Permission::ServerState => ", requires VIEW SERVER STATE",
        };
        let only = match v.availability {
            Availability::All => "",
            Availability::ManagedInstance => ", Managed Instance profiles only",
        };
        let title = if v.params.is_empty() {
            v.name.to_string()
        } else {
            format!("{}({})", v.name, v.params.join(", "))
        };
        out.push_str(&format!(
            "\n## {title}\n\nScope: {scope}{perm}{only}.\n\n| column | type | nullable |\n|---|---|---|\n"
        ));
        for (name, ty, nullable) in v.columns() {
            out.push_str(&format!("| {name} | {ty} | {} |\n", if *nullable { "yes" } else { "no" }));
        }
    }
    out
}
