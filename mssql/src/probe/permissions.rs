//! The permissions cutover checks and the capabilities they enable, as tables
//! ([`PERMISSIONS`], [`CAPABILITIES`]); the one query that reads them all
//! ([`permissions_sql`]); a capability's status from its permissions, and the GRANT
//! statements that would enable what is unavailable.

use std::fmt::Write as _;

use serde::Serialize;

use crate::identity::{EditionFamily, ServerIdentity};
use crate::target::ServerTarget;

/// Where a permission is granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// To a login, in master.
    Server,
    /// To a user, in the current database.
    Database,
}

/// One permission cutover checks.
#[derive(Clone, Copy, Debug)]
pub struct PermissionSpec {
    /// The permission name as GRANT spells it.
    pub name: &'static str,
    /// Server or database.
    pub scope: Scope,
    /// Whether it exists on this server.
    pub applies: fn(&ServerIdentity) -> bool,
}

fn not_sql_db(id: &ServerIdentity) -> bool {
    id.family != EditionFamily::AzureSqlDatabase
}

fn has_performance_state(id: &ServerIdentity) -> bool {
    match id.family {
        EditionFamily::ManagedInstance => true,
        EditionFamily::AzureSqlDatabase => false,
        _ => id.major_version.is_some_and(|v| v >= 16),
    }
}

fn sql_db_only(id: &ServerIdentity) -> bool {
    id.family == EditionFamily::AzureSqlDatabase
}

fn always(_: &ServerIdentity) -> bool {
    true
}

/// The permissions checked, in report order.
pub const PERMISSIONS: &[PermissionSpec] = &[
    PermissionSpec { name: "VIEW SERVER STATE", scope: Scope::Server, applies: not_sql_db },
    PermissionSpec {
        name: "VIEW SERVER PERFORMANCE STATE",
        scope: Scope::Server,
        applies: has_performance_state,
    },
    PermissionSpec { name: "VIEW ANY DEFINITION", scope: Scope::Server, applies: not_sql_db },
    PermissionSpec { name: "VIEW DATABASE STATE", scope: Scope::Database, applies: always },
    PermissionSpec { name: "VIEW DEFINITION", scope: Scope::Database, applies: sql_db_only },
];

/// Whether a permission is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionStatus {
    /// HAS_PERMS_BY_NAME said 1.
    Held,
    /// HAS_PERMS_BY_NAME said 0.
    Missing,
    /// HAS_PERMS_BY_NAME said NULL.
    Unknown,
    /// Does not exist on this kind of server.
    NotApplicable,
}

/// A permission and its status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PermissionCheck {
    /// The permission.
    pub permission: String,
    /// Server or database.
    pub scope: Scope,
    /// Held or not.
    pub status: PermissionStatus,
}

/// Something cutover collects, and the permissions any one of which enables it.
#[derive(Clone, Copy, Debug)]
pub struct CapabilitySpec {
    /// What it is.
    pub name: &'static str,
    /// On SQL Server and Managed Instance: enabling permissions, least
    /// privilege first; empty means always available. Permissions that do
    /// not exist on the server are skipped.
    pub needs_any: &'static [&'static str],
    /// The same on Azure SQL Database.
    pub sql_db_needs_any: &'static [&'static str],
}

impl CapabilitySpec {
    /// The enabling permissions on a server of `family`.
    pub fn needs(&self, family: EditionFamily) -> &'static [&'static str] {
        match family {
            EditionFamily::AzureSqlDatabase => self.sql_db_needs_any,
            _ => self.needs_any,
        }
    }
}

const SERVER_STATE: &[&str] = &["VIEW SERVER PERFORMANCE STATE", "VIEW SERVER STATE"];
const DATABASE_STATE: &[&str] = &["VIEW DATABASE STATE"];

/// What cutover can collect, in report order.
pub const CAPABILITIES: &[CapabilitySpec] = &[
    CapabilitySpec { name: "edition and version (SERVERPROPERTY)", needs_any: &[], sql_db_needs_any: &[] },
    CapabilitySpec {
        name: "DMV baseline: waits, IO, counters, memory",
        needs_any: SERVER_STATE,
        sql_db_needs_any: DATABASE_STATE,
    },
    CapabilitySpec {
        name: "query statistics (dm_exec_query_stats)",
        needs_any: SERVER_STATE,
        sql_db_needs_any: DATABASE_STATE,
    },
    CapabilitySpec {
        name: "Query Store (this database)",
        needs_any: DATABASE_STATE,
        sql_db_needs_any: DATABASE_STATE,
    },
    CapabilitySpec {
        name: "schema definitions (validate)",
        needs_any: &["VIEW ANY DEFINITION"],
        sql_db_needs_any: &["VIEW DEFINITION"],
    },
];

/// Whether a capability is available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapabilityStatus {
    /// An enabling permission is held.
    Available,
    /// None is held.
    Unavailable,
    /// Could not tell.
    Unknown,
}

/// A capability and its status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Capability {
    /// What it is.
    pub name: String,
    /// Available or not.
    pub status: CapabilityStatus,
    /// The permission that would enable it, when unavailable.
    pub needs: Option<String>,
}

/// Who the probe ran as.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// `SUSER_SNAME()`.
    pub login: Option<String>,
    /// `USER_NAME()`.
    pub user: Option<String>,
    /// `DB_NAME()`.
    pub database: Option<String>,
}

/// The HAS_PERMS_BY_NAME query for `specs` (constant names only, no input).
pub fn permissions_sql(specs: &[&PermissionSpec]) -> String {
    let mut sql = String::from(
        "SELECT SUSER_SNAME() AS login_name, USER_NAME() AS user_name, DB_NAME() AS database_name",
    );
    for (i, spec) in specs.iter().enumerate() {
        let class = match spec.scope {
            Scope::Server => "NULL",
            Scope::Database => "'DATABASE'",
        };
        let _ = write!(sql, ", CAST(HAS_PERMS_BY_NAME(NULL, {class}, '{}') AS int) AS p{i}", spec.name);
    }
    sql
}

pub(super) fn capability(
    name: &str,
    needs_any: &[&str],
    status_of: &dyn Fn(&str) -> PermissionStatus,
) -> Capability {
    let relevant: Vec<(&str, PermissionStatus)> = needs_any
        .iter()
        .map(|n| (*n, status_of(n)))
        .filter(|(_, s)| *s != PermissionStatus::NotApplicable)
        .collect();
    let (status, needs) =
        if needs_any.is_empty() || relevant.iter().any(|(_, s)| *s == PermissionStatus::Held) {
            (CapabilityStatus::Available, None)
        } else if relevant.iter().any(|(_, s)| *s == PermissionStatus::Unknown) {
            (CapabilityStatus::Unknown, None)
        } else {
            (CapabilityStatus::Unavailable, relevant.first().map(|(n, _)| n.to_string()))
        };
    Capability { name: name.to_string(), status, needs }
}

/// One GRANT per distinct permission that would enable an unavailable capability.
pub(super) fn grants(
    capabilities: &[Capability],
    principal: &Principal,
    target: &ServerTarget,
    family: EditionFamily,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for needs in capabilities.iter().filter_map(|c| c.needs.as_deref()) {
        let Some(spec) = PERMISSIONS.iter().find(|p| p.name == needs) else {
            continue;
        };
        let grant = grant_statement(spec, principal, target, family);
        if !out.contains(&grant) {
            out.push(grant);
        }
    }
    out
}

/// `GRANT … TO [login];` for server permissions, `GRANT … TO [user];` (with a
/// `USE` outside Azure SQL Database) for database permissions.
pub fn grant_statement(
    spec: &PermissionSpec,
    principal: &Principal,
    target: &ServerTarget,
    family: EditionFamily,
) -> String {
    let login = principal.login.as_deref().or(target.login()).unwrap_or("<login>");
    match spec.scope {
        Scope::Server => format!("GRANT {} TO {};", spec.name, bracket(login)),
        Scope::Database => {
            let user = principal.user.as_deref().unwrap_or(login);
            let grant = format!("GRANT {} TO {};", spec.name, bracket(user));
            let database = principal.database.as_deref().or(target.database.as_deref());
            match (family, database) {
                (EditionFamily::AzureSqlDatabase, _) | (_, None) => grant,
                (_, Some(db)) => format!("USE {}; {grant}", bracket(db)),
            }
        }
    }
}

/// `[name]`, with `]` doubled.
pub fn bracket(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}
