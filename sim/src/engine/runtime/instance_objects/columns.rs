//! Documented columns of the instance-level catalog views and msdb's Agent tables (SQL Server
//! 2022), referenced from the one catalog table in `catalog/views.rs`.

use crate::engine::runtime::catalog::views::ColumnSpec;

const PRINCIPAL: &[ColumnSpec] = &[
    ("name", "sysname", false),
    ("principal_id", "int", false),
    ("sid", "varbinary(85)", true),
    ("type", "char(1)", false),
    ("type_desc", "nvarchar(60)", true),
    ("is_disabled", "int", true),
    ("create_date", "datetime", false),
    ("modify_date", "datetime", false),
    ("default_database_name", "sysname", true),
    ("default_language_name", "sysname", true),
    ("credential_id", "int", true),
];

pub const SERVER_PRINCIPALS: &[&[ColumnSpec]] =
    &[PRINCIPAL, &[("owning_principal_id", "int", true), ("is_fixed_role", "bit", false)]];

pub const SQL_LOGINS: &[&[ColumnSpec]] = &[
    PRINCIPAL,
    &[
        ("owning_principal_id", "int", true),
        ("is_fixed_role", "bit", false),
        ("is_policy_checked", "bit", true),
        ("is_expiration_checked", "bit", true),
        ("password_hash", "varbinary(256)", true),
    ],
];

pub const SERVER_ROLE_MEMBERS: &[&[ColumnSpec]] =
    &[&[("role_principal_id", "int", false), ("member_principal_id", "int", false)]];

pub const CREDENTIALS: &[&[ColumnSpec]] = &[&[
    ("credential_id", "int", false),
    ("name", "sysname", false),
    ("credential_identity", "nvarchar(4000)", true),
    ("create_date", "datetime", false),
    ("modify_date", "datetime", false),
    ("target_type", "nvarchar(100)", true),
    ("target_id", "int", true),
]];

pub const SERVERS: &[&[ColumnSpec]] = &[&[
    ("server_id", "int", false),
    ("name", "sysname", false),
    ("product", "sysname", false),
    ("provider", "sysname", false),
    ("data_source", "nvarchar(4000)", true),
    ("location", "nvarchar(4000)", true),
    ("provider_string", "nvarchar(4000)", true),
    ("catalog", "sysname", true),
    ("connect_timeout", "int", true),
    ("query_timeout", "int", true),
    ("is_linked", "bit", false),
    ("is_remote_login_enabled", "bit", false),
    ("is_rpc_out_enabled", "bit", false),
    ("is_data_access_enabled", "bit", false),
    ("is_collation_compatible", "bit", false),
    ("uses_remote_collation", "bit", false),
    ("collation_name", "sysname", true),
    ("lazy_schema_validation", "bit", false),
    ("is_system", "bit", false),
    ("is_publisher", "bit", false),
    ("is_subscriber", "bit", true),
    ("is_distributor", "bit", true),
    ("is_nonsql_subscriber", "bit", true),
    ("is_remote_proc_transaction_promotion_enabled", "bit", true),
    ("modify_date", "datetime", false),
    ("is_rda_server", "bit", true),
]];

pub const SERVER_TRIGGERS: &[&[ColumnSpec]] = &[&[
    ("name", "sysname", false),
    ("object_id", "int", false),
    ("parent_class", "tinyint", false),
    ("parent_class_desc", "nvarchar(60)", true),
    ("parent_id", "int", false),
    ("type", "char(2)", false),
    ("type_desc", "nvarchar(60)", true),
    ("create_date", "datetime", false),
    ("modify_date", "datetime", false),
    ("is_ms_shipped", "bit", false),
    ("is_disabled", "bit", false),
]];

pub const SERVER_SQL_MODULES: &[&[ColumnSpec]] = &[&[
    ("object_id", "int", false),
    ("definition", "nvarchar(max)", true),
    ("uses_ansi_nulls", "bit", true),
    ("uses_quoted_identifier", "bit", true),
    ("execute_as_principal_id", "int", true),
]];

pub const DATABASE_ENCRYPTION_KEYS: &[&[ColumnSpec]] = &[&[
    ("database_id", "int", false),
    ("encryption_state", "int", true),
    ("create_date", "datetime", false),
    ("regenerate_date", "datetime", false),
    ("modify_date", "datetime", false),
    ("set_date", "datetime", false),
    ("opened_date", "datetime", false),
    ("key_algorithm", "nvarchar(32)", false),
    ("key_length", "int", false),
    ("encryptor_thumbprint", "varbinary(32)", true),
    ("encryptor_type", "nvarchar(32)", true),
    ("percent_complete", "real", false),
    ("encryption_state_desc", "nvarchar(32)", true),
    ("encryption_scan_state", "int", true),
    ("encryption_scan_state_desc", "nvarchar(32)", true),
    ("encryption_scan_modify_date", "datetime", true),
]];

pub const FILETABLES: &[&[ColumnSpec]] = &[&[
    ("object_id", "int", false),
    ("is_enabled", "bit", false),
    ("directory_name", "nvarchar(255)", true),
    ("filename_collation_id", "int", false),
    ("filename_collation_name", "sysname", true),
]];

pub const SYSJOBS: &[&[ColumnSpec]] = &[&[
    ("job_id", "uniqueidentifier", false),
    ("originating_server_id", "int", false),
    ("name", "sysname", false),
    ("enabled", "tinyint", false),
    ("description", "nvarchar(512)", true),
    ("start_step_id", "int", false),
    ("category_id", "int", false),
    ("owner_sid", "varbinary(85)", false),
    ("notify_level_eventlog", "int", false),
    ("notify_level_email", "int", false),
    ("notify_level_netsend", "int", false),
    ("notify_level_page", "int", false),
    ("notify_email_operator_id", "int", false),
    ("notify_netsend_operator_id", "int", false),
    ("notify_page_operator_id", "int", false),
    ("delete_level", "int", false),
    ("date_created", "datetime", false),
    ("date_modified", "datetime", false),
    ("version_number", "int", false),
]];

pub const SYSJOBSTEPS: &[&[ColumnSpec]] = &[&[
    ("job_id", "uniqueidentifier", false),
    ("step_id", "int", false),
    ("step_name", "sysname", false),
    ("subsystem", "nvarchar(40)", false),
    ("command", "nvarchar(max)", true),
    ("flags", "int", false),
    ("additional_parameters", "nvarchar(max)", true),
    ("cmdexec_success_code", "int", false),
    ("on_success_action", "tinyint", false),
    ("on_success_step_id", "int", false),
    ("on_fail_action", "tinyint", false),
    ("on_fail_step_id", "int", false),
    ("server", "sysname", true),
    ("database_name", "sysname", true),
    ("database_user_name", "sysname", true),
    ("retry_attempts", "int", false),
    ("retry_interval", "int", false),
    ("os_run_priority", "int", false),
    ("output_file_name", "nvarchar(200)", true),
    ("last_run_outcome", "int", false),
    ("last_run_duration", "int", false),
    ("last_run_retries", "int", false),
    ("last_run_date", "int", false),
    ("last_run_time", "int", false),
    ("proxy_id", "int", true),
    ("step_uid", "uniqueidentifier", true),
]];

pub const SYSSCHEDULES: &[&[ColumnSpec]] = &[&[
    ("schedule_id", "int", false),
    ("schedule_uid", "uniqueidentifier", false),
    ("originating_server_id", "int", false),
    ("name", "sysname", false),
    ("owner_sid", "varbinary(85)", false),
    ("enabled", "int", false),
    ("freq_type", "int", false),
    ("freq_interval", "int", false),
    ("freq_subday_type", "int", false),
    ("freq_subday_interval", "int", false),
    ("freq_relative_interval", "int", false),
    ("freq_recurrence_factor", "int", false),
    ("active_start_date", "int", false),
    ("active_end_date", "int", false),
    ("active_start_time", "int", false),
    ("active_end_time", "int", false),
    ("date_created", "datetime", false),
    ("date_modified", "datetime", false),
    ("version_number", "int", false),
]];

pub const SYSJOBSCHEDULES: &[&[ColumnSpec]] = &[&[
    ("schedule_id", "int", false),
    ("job_id", "uniqueidentifier", false),
    ("next_run_date", "int", false),
    ("next_run_time", "int", false),
]];

pub const SYSOPERATORS: &[&[ColumnSpec]] = &[&[
    ("id", "int", false),
    ("name", "sysname", false),
    ("enabled", "tinyint", false),
    ("email_address", "nvarchar(100)", true),
    ("last_email_date", "int", false),
    ("last_email_time", "int", false),
    ("pager_address", "nvarchar(100)", true),
    ("last_pager_date", "int", false),
    ("last_pager_time", "int", false),
    ("weekday_pager_start_time", "int", false),
    ("weekday_pager_end_time", "int", false),
    ("saturday_pager_start_time", "int", false),
    ("saturday_pager_end_time", "int", false),
    ("sunday_pager_start_time", "int", false),
    ("sunday_pager_end_time", "int", false),
    ("pager_days", "tinyint", false),
    ("netsend_address", "nvarchar(100)", true),
    ("last_netsend_date", "int", false),
    ("last_netsend_time", "int", false),
    ("category_id", "int", false),
]];
