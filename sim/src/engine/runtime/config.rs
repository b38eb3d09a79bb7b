//! What an instance is started with: its name, where its database files live, its logins and
//! the identity it reports (SERVERPROPERTY, @@VERSION), plus the injectable clock.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::profile::Profile;

/// The server-level permissions the simulator knows by name.
pub mod perms {
    pub const VIEW_SERVER_STATE: &str = "VIEW SERVER STATE";
    pub const VIEW_SERVER_PERFORMANCE_STATE: &str = "VIEW SERVER PERFORMANCE STATE";
    pub const VIEW_ANY_DEFINITION: &str = "VIEW ANY DEFINITION";
    pub const VIEW_ANY_DATABASE: &str = "VIEW ANY DATABASE";
    pub const CONNECT_SQL: &str = "CONNECT SQL";
    /// sysadmin: implies every other permission.
    pub const CONTROL_SERVER: &str = "CONTROL SERVER";
}

/// How a simulated instance starts.
#[derive(Clone, Debug)]
pub struct InstanceConfig {
    /// The server name (`@@SERVERNAME`, `SERVERPROPERTY('ServerName')`), e.g. `SIM-SOURCE`.
    pub name: String,
    /// Where the database files live; `None` → a temporary directory owned by the instance and
    /// removed when the last handle to it drops.
    pub data_dir: Option<PathBuf>,
    pub logins: Vec<LoginDef>,
    pub identity: Identity,
    /// Resources, storage latency and which DMVs exist ([`Profile::default_profile`] is SQL
    /// Server 2022). [`InstanceConfig::for_profile`] also takes the identity from it.
    pub profile: &'static Profile,
}

impl InstanceConfig {
    /// An instance named `SIM` with one sysadmin login `sa` and SQL Server 2022's identity.
    pub fn default_with_sa(password: &str) -> Self {
        InstanceConfig {
            name: "SIM".to_string(),
            data_dir: None,
            logins: vec![LoginDef::sysadmin("sa", password)],
            identity: Identity::sqlserver_2022(),
            profile: Profile::default_profile(),
        }
    }

    /// An instance of `profile` (identity, resources, DMVs) named `name`, with the given logins.
    pub fn for_profile(name: &str, profile: &'static Profile, logins: Vec<LoginDef>) -> Self {
        InstanceConfig {
            name: name.to_string(),
            data_dir: None,
            logins,
            identity: profile.identity(name),
            profile,
        }
    }
}

/// A SQL login and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginDef {
    pub name: String,
    pub password: String,
    /// Server permissions by name, see [`perms`]; `CONTROL SERVER` makes the login a sysadmin.
    pub server_permissions: Vec<String>,
    /// INSERT/UPDATE/DELETE and DDL; without it those raise error 229.
    pub can_write: bool,
    pub default_database: String,
}

impl LoginDef {
    /// A sysadmin login (CONTROL SERVER, writes allowed, default database master).
    pub fn sysadmin(name: &str, password: &str) -> Self {
        LoginDef {
            name: name.to_string(),
            password: password.to_string(),
            server_permissions: vec![perms::CONTROL_SERVER.to_string()],
            can_write: true,
            default_database: "master".to_string(),
        }
    }

    /// A monitoring login: VIEW SERVER STATE and VIEW ANY DEFINITION, read-only.
    pub fn monitor(name: &str, password: &str) -> Self {
        LoginDef {
            name: name.to_string(),
            password: password.to_string(),
            server_permissions: vec![
                perms::VIEW_SERVER_STATE.to_string(),
                perms::VIEW_ANY_DEFINITION.to_string(),
            ],
            can_write: false,
            default_database: "master".to_string(),
        }
    }
}

/// What the instance says it is. Profiles (on-premises, Managed Instance) fill this in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `16.0.4135.4`
    pub product_version: String,
    /// `RTM`
    pub product_level: String,
    /// `Standard Edition (64-bit)`
    pub edition: String,
    /// 2 Standard, 3 Enterprise, 5 SQL Database, 8 Managed Instance.
    pub engine_edition: i32,
    /// `@@VERSION`, shaped like SQL Server's.
    pub version_string: String,
    pub machine_name: String,
    /// `@@SERVICENAME`; `None` on Managed Instance (NULL).
    pub service_name: Option<String>,
    pub cpu_count: i32,
    pub memory_mb: i64,
    pub collation: String,
    /// Minutes east of UTC for GETDATE() / SYSDATETIMEOFFSET().
    pub utc_offset_minutes: i32,
}

impl Identity {
    /// SQL Server 2022 CU on a 4-core, 16 GB Standard Edition box.
    pub fn sqlserver_2022() -> Self {
        Identity {
            product_version: "16.0.4135.4".to_string(),
            product_level: "RTM".to_string(),
            edition: "Standard Edition (64-bit)".to_string(),
            engine_edition: 2,
            version_string: "Microsoft SQL Server 2022 (RTM-CU15) (KB5041321) - 16.0.4135.4 (X64) \n\
                 \tJul 10 2024 14:09:09 \n\
                 \tCopyright (C) 2022 Microsoft Corporation\n\
                 \tStandard Edition (64-bit) on Windows Server 2022 Standard 10.0 <X64> (Build 20348: ) (Hypervisor)\n"
                .to_string(),
            machine_name: "SIM".to_string(),
            service_name: Some("MSSQLSERVER".to_string()),
            cpu_count: 4,
            memory_mb: 16384,
            collation: "SQL_Latin1_General_CP1_CI_AS".to_string(),
            utc_offset_minutes: 0,
        }
    }

    /// The major version (`16` from `16.0.4135.4`).
    pub fn major_version(&self) -> i64 {
        self.product_version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(16)
    }
}

impl Default for Identity {
    fn default() -> Self {
        Identity::sqlserver_2022()
    }
}

/// The instance clock. Real time by default; tests install a [`ManualClock`].
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, as UTC.
    fn now_utc(&self) -> NaiveDateTime;
}

/// The wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_utc(&self) -> NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<NaiveDateTime>,
}

impl ManualClock {
    pub fn new(start: NaiveDateTime) -> Arc<Self> {
        Arc::new(ManualClock { now: Mutex::new(start) })
    }

    pub fn set(&self, now: NaiveDateTime) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now_utc(&self) -> NaiveDateTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}
