//! [`ServerIdentity`]: what a server is, read with `SERVERPROPERTY` and
//! `@@VERSION` (always visible) plus `sys.dm_os_sys_info` where the login may
//! see it (a permission error there leaves those fields `None`). The edition
//! family comes from `SERVERPROPERTY('EngineEdition')` alone.

use chrono::NaiveDateTime;
use serde::Serialize;
use tiberius::{FromSql, Row};

use crate::classify::ErrorKind;
use crate::connect::Connection;
use crate::convert::statement_first_line;
use crate::error::Error;

/// Which kind of SQL Server this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EditionFamily {
    /// SQL Server on a machine or VM (engine editions 1–4).
    OnPremises,
    /// Azure SQL Managed Instance (engine edition 8).
    ManagedInstance,
    /// Azure SQL Database (engine edition 5).
    AzureSqlDatabase,
    /// Anything else (Synapse, Edge, …), with its engine edition.
    Other(i32),
}

impl EditionFamily {
    /// The family for a `SERVERPROPERTY('EngineEdition')` value.
    pub fn from_engine_edition(engine_edition: i32) -> Self {
        match engine_edition {
            1..=4 => Self::OnPremises,
            5 => Self::AzureSqlDatabase,
            8 => Self::ManagedInstance,
            other => Self::Other(other),
        }
    }

    /// A short human label.
    pub fn label(self) -> String {
        match self {
            Self::OnPremises => "SQL Server (on-premises / VM)".into(),
            Self::ManagedInstance => "Azure SQL Managed Instance".into(),
            Self::AzureSqlDatabase => "Azure SQL Database".into(),
            Self::Other(n) => format!("other (engine edition {n})"),
        }
    }
}

/// What a server says about itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerIdentity {
    /// `SERVERPROPERTY('ServerName')`.
    pub server_name: String,
    /// `SERVERPROPERTY('MachineName')`.
    pub machine_name: String,
    /// `SERVERPROPERTY('ProductVersion')`, e.g. `16.0.4135.4`.
    pub product_version: String,
    /// `SERVERPROPERTY('ProductLevel')`, e.g. `RTM`.
    pub product_level: String,
    /// `SERVERPROPERTY('Edition')`.
    pub edition: String,
    /// `SERVERPROPERTY('EngineEdition')`.
    pub engine_edition: i32,
    /// Decided from `engine_edition`.
    pub family: EditionFamily,
    /// `@@VERSION`.
    pub version_string: String,
    /// The first component of `product_version` (16 = SQL Server 2022).
    pub major_version: Option<u32>,
    /// `sys.dm_os_sys_info.cpu_count`, when visible.
    pub cpu_count: Option<i64>,
    /// `sys.dm_os_sys_info.physical_memory_kb / 1024`, when visible.
    pub memory_mb: Option<i64>,
    /// `sys.dm_os_sys_info.sqlserver_start_time`, when visible.
    pub start_time: Option<NaiveDateTime>,
}

/// The always-visible part.
pub const IDENTITY_SQL: &str = "SELECT \
    CAST(SERVERPROPERTY('ServerName') AS nvarchar(256)) AS server_name, \
    CAST(SERVERPROPERTY('MachineName') AS nvarchar(256)) AS machine_name, \
    CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version, \
    CAST(SERVERPROPERTY('ProductLevel') AS nvarchar(128)) AS product_level, \
    CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition, \
    CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition, \
    CAST(@@VERSION AS nvarchar(4000)) AS version_string";

/// The part that needs VIEW SERVER STATE (or VIEW SERVER PERFORMANCE STATE).
pub const SYS_INFO_SQL: &str = "SELECT CAST(cpu_count AS bigint) AS cpu_count, \
    CAST(physical_memory_kb / 1024 AS bigint) AS memory_mb, \
    sqlserver_start_time FROM sys.dm_os_sys_info";

/// Reads the identity of the server behind `conn`.
pub async fn read_identity(conn: &mut Connection) -> Result<ServerIdentity, Error> {
    let rows = conn.query_rows(IDENTITY_SQL, &[]).await?;
    let row = rows.first().ok_or_else(|| result_error(conn, IDENTITY_SQL, "no row".into()))?;
    let mut identity = identity_from_row(row).map_err(|detail| result_error(conn, IDENTITY_SQL, detail))?;
    if let Some(info) = read_sys_info(conn).await? {
        identity.cpu_count = info.0;
        identity.memory_mb = info.1;
        identity.start_time = info.2;
    }
    Ok(identity)
}

type SysInfo = (Option<i64>, Option<i64>, Option<NaiveDateTime>);

/// `sys.dm_os_sys_info`, or `None` when the login may not see it.
async fn read_sys_info(conn: &mut Connection) -> Result<Option<SysInfo>, Error> {
    let rows = match conn.query_rows(SYS_INFO_SQL, &[]).await {
        Ok(rows) => rows,
        Err(e) if matches!(e.kind(), ErrorKind::Permission | ErrorKind::InvalidObject) => {
            tracing::debug!(error = %e, "sys.dm_os_sys_info not visible");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let read = || -> Result<SysInfo, String> {
        Ok((cell(row, "cpu_count")?, cell(row, "memory_mb")?, cell(row, "sqlserver_start_time")?))
    };
    read().map(Some).map_err(|detail| result_error(conn, SYS_INFO_SQL, detail))
}

/// Builds the identity from a row of [`IDENTITY_SQL`].
pub fn identity_from_row(row: &Row) -> Result<ServerIdentity, String> {
    let text = |name: &str| -> Result<String, String> {
        Ok(cell::<&str>(row, name)?.unwrap_or_default().to_string())
    };
    let engine_edition = cell::<i32>(row, "engine_edition")?.unwrap_or(0);
    let product_version = text("product_version")?;
    Ok(ServerIdentity {
        server_name: text("server_name")?,
        machine_name: text("machine_name")?,
        major_version: major_version(&product_version),
        product_version,
        product_level: text("product_level")?,
        edition: text("edition")?,
        engine_edition,
        family: EditionFamily::from_engine_edition(engine_edition),
        version_string: text("version_string")?,
        cpu_count: None,
        memory_mb: None,
        start_time: None,
    })
}

/// `16.0.4135.4` → 16.
pub fn major_version(product_version: &str) -> Option<u32> {
    product_version.split('.').next()?.trim().parse().ok()
}

/// A typed cell by column name, with a message instead of a panic.
pub(crate) fn cell<'a, T: FromSql<'a>>(row: &'a Row, name: &str) -> Result<Option<T>, String> {
    row.try_get::<T, _>(name).map_err(|e| format!("column {name}: {e}"))
}

fn result_error(conn: &Connection, sql: &str, detail: String) -> Error {
    Error::Result { server: conn.target().to_string(), statement: statement_first_line(sql), detail }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use tiberius::{ColumnData, ColumnType};

    use super::*;

    fn text(v: &str) -> ColumnData<'static> {
        ColumnData::String(Some(Cow::Owned(v.to_string())))
    }

    fn row(engine_edition: i32, version: &str) -> Row {
        Row::builder()
            .column("server_name", ColumnType::NVarchar, text("SQLPROD01"))
            .column("machine_name", ColumnType::NVarchar, text("SQLPROD01"))
            .column("product_version", ColumnType::NVarchar, text(version))
            .column("product_level", ColumnType::NVarchar, text("RTM"))
            .column("edition", ColumnType::NVarchar, text("Enterprise Edition (64-bit)"))
            .column("engine_edition", ColumnType::Int4, ColumnData::I32(Some(engine_edition)))
            .column(
                "version_string",
                ColumnType::NVarchar,
                text("Microsoft SQL Server 2022 (RTM) - 16.0.1000.6"),
            )
            .build()
    }

    #[test]
    fn families_from_engine_edition() {
        assert_eq!(EditionFamily::from_engine_edition(3), EditionFamily::OnPremises);
        assert_eq!(EditionFamily::from_engine_edition(1), EditionFamily::OnPremises);
        assert_eq!(EditionFamily::from_engine_edition(8), EditionFamily::ManagedInstance);
        assert_eq!(EditionFamily::from_engine_edition(5), EditionFamily::AzureSqlDatabase);
        assert_eq!(EditionFamily::from_engine_edition(9), EditionFamily::Other(9));
    }

    #[test]
    fn identity_from_a_row() {
        let id = identity_from_row(&row(8, "12.0.2000.8")).unwrap();
        assert_eq!(id.family, EditionFamily::ManagedInstance);
        assert_eq!(id.major_version, Some(12));
        assert_eq!(id.server_name, "SQLPROD01");
        assert_eq!(id.cpu_count, None);
        let json = serde_json::to_value(&id).unwrap();
        assert_eq!(json["family"], "managed_instance");
    }

    #[test]
    fn wrong_types_are_errors_not_panics() {
        let bad = Row::builder().column("engine_edition", ColumnType::NVarchar, text("eight")).build();
        let err = identity_from_row(&bad).unwrap_err();
        assert!(err.contains("engine_edition"), "{err}");
    }

    #[test]
    fn major_versions() {
        assert_eq!(major_version("16.0.4135.4"), Some(16));
        assert_eq!(major_version(""), None);
    }
}
