//! msdb's backup and restore history tables, as SQL Server keeps them: ordinary tables in
//! `msdb.dbo` with the columns of "backupset (Transact-SQL)" and "restorehistory
//! (Transact-SQL)". The simulator neither backs up nor restores (BACKUP and RESTORE are
//! refused by name), so they start empty, as on a server that never ran either; a sysadmin may
//! insert history rows, as on SQL Server.

use super::instance::Instance;
use super::sink::CollectSink;
use crate::error::SqlError;

/// "backupset (Transact-SQL)": every column the page lists for SQL Server 2016-2019.
const BACKUPSET: &str = "CREATE TABLE dbo.backupset (
    backup_set_id int IDENTITY(1,1) NOT NULL PRIMARY KEY,
    backup_set_uuid uniqueidentifier NOT NULL,
    media_set_id int NOT NULL,
    first_family_number tinyint NULL, first_media_number smallint NULL,
    last_family_number tinyint NULL, last_media_number smallint NULL,
    catalog_family_number tinyint NULL, catalog_media_number smallint NULL,
    position int NULL, expiration_date datetime NULL, software_vendor_id int NULL,
    name nvarchar(128) NULL, description nvarchar(255) NULL, user_name nvarchar(128) NULL,
    software_major_version tinyint NULL, software_minor_version tinyint NULL,
    software_build_version smallint NULL, time_zone smallint NULL, mtf_minor_version tinyint NULL,
    first_lsn numeric(25,0) NULL, last_lsn numeric(25,0) NULL, checkpoint_lsn numeric(25,0) NULL,
    database_backup_lsn numeric(25,0) NULL, database_creation_date datetime NULL,
    backup_start_date datetime NULL, backup_finish_date datetime NULL, type char(1) NULL,
    sort_order smallint NULL, code_page smallint NULL, compatibility_level tinyint NULL,
    database_version int NULL, backup_size numeric(20,0) NULL, database_name nvarchar(128) NULL,
    server_name nvarchar(128) NULL, machine_name nvarchar(128) NULL, flags int NULL,
    unicode_locale int NULL, unicode_compare_style int NULL, collation_name nvarchar(128) NULL,
    is_password_protected bit NULL, recovery_model nvarchar(60) NULL,
    has_bulk_logged_data bit NULL, is_snapshot bit NULL, is_readonly bit NULL,
    is_single_user bit NULL, has_backup_checksums bit NULL, is_damaged bit NULL,
    begins_log_chain bit NULL, has_incomplete_metadata bit NULL, is_force_offline bit NULL,
    is_copy_only bit NULL, first_recovery_fork_guid uniqueidentifier NULL,
    last_recovery_fork_guid uniqueidentifier NULL, fork_point_lsn numeric(25,0) NULL,
    database_guid uniqueidentifier NULL, family_guid uniqueidentifier NULL,
    differential_base_lsn numeric(25,0) NULL, differential_base_guid uniqueidentifier NULL,
    compressed_backup_size numeric(20,0) NULL, key_algorithm nvarchar(32) NULL,
    encryptor_thumbprint varbinary(20) NULL, encryptor_type nvarchar(32) NULL)";

/// Columns "backupset (Transact-SQL)" says SQL Server 2022 introduced (Managed Instance has
/// them too).
const BACKUPSET_2022: &str = "ALTER TABLE dbo.backupset ADD last_valid_restore_time datetime NULL, \
     compression_algorithm nvarchar(32) NULL";

/// "restorehistory (Transact-SQL)".
const RESTOREHISTORY: &str = "CREATE TABLE dbo.restorehistory (
    restore_history_id int IDENTITY(1,1) NOT NULL PRIMARY KEY,
    restore_date datetime NULL, destination_database_name nvarchar(128) NULL,
    user_name nvarchar(128) NULL, backup_set_id int NOT NULL REFERENCES dbo.backupset (backup_set_id),
    restore_type char(1) NULL, replace bit NULL, recovery bit NULL, restart bit NULL,
    stop_at datetime NULL, device_count tinyint NULL, stop_at_mark_name nvarchar(128) NULL,
    stop_before bit NULL)";

impl Instance {
    /// Creates msdb's history tables when msdb has none yet (a new data directory).
    pub(crate) fn create_msdb_history(&self) -> Result<(), SqlError> {
        // The instance's own statements are not the workload's: no counters, no plans.
        let accounting = self.knobs().enabled();
        self.knobs().set_enabled(false);
        let created = self.create_history_tables();
        self.knobs().set_enabled(accounting);
        created
    }

    fn create_history_tables(&self) -> Result<(), SqlError> {
        let Some(admin) = self.sysadmin_login() else { return Ok(()) };
        let mut session = self.system_session(&admin, "msdb")?;
        let mut sink = CollectSink::new();
        session.execute("SELECT OBJECT_ID(N'dbo.restorehistory')", &[], &mut sink);
        let exists = sink
            .results
            .first()
            .and_then(|r| r.rows.first())
            .is_some_and(|row| row[0] != crate::types::Value::Null);
        if exists {
            return Ok(());
        }
        let mut statements = vec![BACKUPSET, RESTOREHISTORY];
        if self.profile().is_managed_instance() || self.identity().major_version() >= 16 {
            statements.insert(1, BACKUPSET_2022);
        }
        for sql in statements {
            let mut sink = CollectSink::new();
            session.execute(sql, &[], &mut sink);
            if let Some(e) = sink.errors.into_iter().next() {
                return Err(e);
            }
        }
        Ok(())
    }
}
