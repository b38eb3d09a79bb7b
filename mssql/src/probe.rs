//! [`probe`]: connect, identify the server, time a few round trips, check the
//! permissions cutover needs, say what can be collected with them, and write
//! the exact GRANT statements for what is missing.
//!
//! Permissions and capabilities are tables ([`PERMISSIONS`], [`CAPABILITIES`])
//! evaluated by pure functions, so the reasoning is tested without a server.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::connect::{Connection, connect};
use crate::error::Error;
use crate::identity::{EditionFamily, ServerIdentity, cell, read_identity};
use crate::target::ServerTarget;

/// Round trips timed by the probe.
pub const LATENCY_SAMPLES: usize = 5;

/// The round trip the probe times.
pub const LATENCY_SQL: &str = "SELECT 1";

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

/// Round-trip latency of `SELECT 1`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Latency {
    /// Round trips timed.
    pub samples: usize,
    /// Fastest, in milliseconds.
    pub min_ms: f64,
    /// Median, in milliseconds.
    pub median_ms: f64,
}

impl Latency {
    /// Min and median of `samples` (none → zeros).
    pub fn from_samples(samples: &[Duration]) -> Self {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let median = match ms.len() {
            0 => 0.0,
            n if n % 2 == 1 => ms[n / 2],
            n => (ms[n / 2 - 1] + ms[n / 2]) / 2.0,
        };
        Self { samples: ms.len(), min_ms: ms.first().copied().unwrap_or(0.0), median_ms: median }
    }
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

/// Everything `cutover probe` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProbeReport {
    /// The target, as `host,port/database (user)`.
    pub target: String,
    /// What the server is.
    pub identity: ServerIdentity,
    /// Who we are on it.
    pub principal: Principal,
    /// `SELECT 1` round trips.
    pub latency: Latency,
    /// Each permission checked.
    pub permissions: Vec<PermissionCheck>,
    /// What can be collected.
    pub capabilities: Vec<Capability>,
    /// GRANT statements that would enable what is unavailable.
    pub grants: Vec<String>,
}

/// Connects to `target` and probes it.
pub async fn probe(target: &ServerTarget) -> Result<ProbeReport, Error> {
    let mut conn = connect(target).await?;
    let report = probe_connection(&mut conn).await?;
    if let Err(e) = conn.close().await {
        tracing::debug!(error = %e, "closing after probe");
    }
    Ok(report)
}

/// Probes over an open connection.
pub async fn probe_connection(conn: &mut Connection) -> Result<ProbeReport, Error> {
    let identity = read_identity(conn).await?;
    let latency = measure_latency(conn).await?;
    let specs: Vec<&PermissionSpec> = PERMISSIONS.iter().filter(|p| (p.applies)(&identity)).collect();
    let (principal, held) = read_permissions(conn, &specs).await?;
    Ok(evaluate(conn.target(), identity, principal, latency, &held))
}

async fn measure_latency(conn: &mut Connection) -> Result<Latency, Error> {
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    for _ in 0..LATENCY_SAMPLES {
        let start = Instant::now();
        conn.query_scalar::<i32>(LATENCY_SQL, &[]).await?;
        samples.push(start.elapsed());
    }
    Ok(Latency::from_samples(&samples))
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

/// Permission name → held (`Some(true/false)`) or unknown (`None`).
type Held = Vec<(&'static str, Option<bool>)>;

async fn read_permissions(
    conn: &mut Connection,
    specs: &[&PermissionSpec],
) -> Result<(Principal, Held), Error> {
    let sql = permissions_sql(specs);
    let rows = conn.query_rows(&sql, &[]).await?;
    let Some(row) = rows.first() else {
        return Ok((Principal::default(), specs.iter().map(|s| (s.name, None)).collect()));
    };
    let text = |name: &str| cell::<&str>(row, name).ok().flatten().map(str::to_string);
    let principal =
        Principal { login: text("login_name"), user: text("user_name"), database: text("database_name") };
    let held = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name, cell::<i32>(row, format!("p{i}").as_str()).ok().flatten().map(|v| v == 1)))
        .collect();
    Ok((principal, held))
}

/// Builds the report from what was read (pure; tested without a server).
pub fn evaluate(
    target: &ServerTarget,
    identity: ServerIdentity,
    principal: Principal,
    latency: Latency,
    held: &[(&'static str, Option<bool>)],
) -> ProbeReport {
    let status_of = |name: &str| match held.iter().find(|(n, _)| *n == name) {
        None => PermissionStatus::NotApplicable,
        Some((_, Some(true))) => PermissionStatus::Held,
        Some((_, Some(false))) => PermissionStatus::Missing,
        Some((_, None)) => PermissionStatus::Unknown,
    };
    let permissions = PERMISSIONS
        .iter()
        .map(|p| PermissionCheck {
            permission: p.name.to_string(),
            scope: p.scope,
            status: status_of(p.name),
        })
        .collect();
    let family = identity.family;
    let capabilities: Vec<Capability> =
        CAPABILITIES.iter().map(|c| capability(c.name, c.needs(family), &status_of)).collect();
    let grants = grants(&capabilities, &principal, target, identity.family);
    ProbeReport {
        target: target.to_string(),
        identity,
        principal,
        latency,
        permissions,
        capabilities,
        grants,
    }
}

fn capability(name: &str, needs_any: &[&str], status_of: &dyn Fn(&str) -> PermissionStatus) -> Capability {
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
fn grants(
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

impl ProbeReport {
    /// The terminal rendering: an aligned block.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let id = &self.identity;
        field(&mut out, "server", &self.target);
        field(&mut out, "name", &format!("{} (machine {})", id.server_name, id.machine_name));
        field(&mut out, "kind", &format!("{} — engine edition {}", id.family.label(), id.engine_edition));
        field(&mut out, "edition", &id.edition);
        field(&mut out, "version", &format!("{} {}", id.product_version, id.product_level));
        field(&mut out, "cpu / memory", &hardware(id));
        if let Some(start) = id.start_time {
            field(&mut out, "started", &start.format("%Y-%m-%d %H:%M:%S").to_string());
        }
        let l = &self.latency;
        field(
            &mut out,
            "latency",
            &format!("min {:.2} ms, median {:.2} ms ({} × SELECT 1)", l.min_ms, l.median_ms, l.samples),
        );
        field(&mut out, "login", &principal_line(&self.principal));
        out.push_str("\npermissions\n");
        for p in self.permissions.iter().filter(|p| p.status != PermissionStatus::NotApplicable) {
            item(&mut out, &p.permission, permission_word(p.status));
        }
        out.push_str("\ncan collect\n");
        for c in &self.capabilities {
            item(&mut out, &c.name, &capability_word(c));
        }
        if !self.grants.is_empty() {
            out.push_str("\nto fix, run as an administrator (server grants in master):\n");
            for grant in &self.grants {
                let _ = writeln!(out, "  {grant}");
            }
        }
        out
    }
}

const KEY_WIDTH: usize = 13;
const ITEM_WIDTH: usize = 42;

fn field(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key:<KEY_WIDTH$} {value}");
}

fn item(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "  {name:<ITEM_WIDTH$} {value}");
}

fn hardware(id: &ServerIdentity) -> String {
    match (id.cpu_count, id.memory_mb) {
        (None, None) => "not visible (sys.dm_os_sys_info)".into(),
        (cpu, mem) => format!(
            "{} CPUs, {} MB",
            cpu.map_or("?".into(), |c| c.to_string()),
            mem.map_or("?".into(), |m| m.to_string())
        ),
    }
}

fn principal_line(p: &Principal) -> String {
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
    format!("{} as user {} in {}", or_unknown(&p.login), or_unknown(&p.user), or_unknown(&p.database))
}

fn permission_word(status: PermissionStatus) -> &'static str {
    match status {
        PermissionStatus::Held => "held",
        PermissionStatus::Missing => "MISSING",
        PermissionStatus::Unknown => "unknown",
        PermissionStatus::NotApplicable => "n/a",
    }
}

fn capability_word(c: &Capability) -> String {
    match (c.status, &c.needs) {
        (CapabilityStatus::Available, _) => "yes".into(),
        (CapabilityStatus::Unknown, _) => "unknown".into(),
        (CapabilityStatus::Unavailable, Some(needs)) => format!("no (needs {needs})"),
        (CapabilityStatus::Unavailable, None) => "no".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::major_version;

    fn identity(engine_edition: i32, version: &str) -> ServerIdentity {
        ServerIdentity {
            server_name: "SQLPROD01".into(),
            machine_name: "SQLPROD01".into(),
            product_version: version.into(),
            product_level: "RTM".into(),
            edition: "Enterprise Edition (64-bit)".into(),
            engine_edition,
            family: EditionFamily::from_engine_edition(engine_edition),
            version_string: "Microsoft SQL Server".into(),
            major_version: major_version(version),
            cpu_count: Some(8),
            memory_mb: Some(32768),
            start_time: None,
        }
    }

    fn principal() -> Principal {
        Principal {
            login: Some("cutover".into()),
            user: Some("cutover_user".into()),
            database: Some("Sales".into()),
        }
    }

    fn target() -> ServerTarget {
        let mut t = ServerTarget::new("sql1", 1433);
        t.user = Some("cutover".into());
        t.database = Some("Sales".into());
        t
    }

    fn latency() -> Latency {
        Latency { samples: 5, min_ms: 0.4, median_ms: 0.5 }
    }

    fn report(id: ServerIdentity, held: &[(&'static str, Option<bool>)]) -> ProbeReport {
        evaluate(&target(), id, principal(), latency(), held)
    }

    fn applicable(id: &ServerIdentity) -> Vec<&'static str> {
        PERMISSIONS.iter().filter(|p| (p.applies)(id)).map(|p| p.name).collect()
    }

    #[test]
    fn which_permissions_apply() {
        assert_eq!(
            applicable(&identity(3, "15.0.2000.5")),
            vec!["VIEW SERVER STATE", "VIEW ANY DEFINITION", "VIEW DATABASE STATE"]
        );
        assert_eq!(applicable(&identity(3, "16.0.1000.6")).len(), 4);
        assert_eq!(applicable(&identity(8, "12.0.2000.8")).len(), 4);
        assert_eq!(applicable(&identity(5, "12.0.2000.8")), vec!["VIEW DATABASE STATE", "VIEW DEFINITION"]);
    }

    #[test]
    fn permissions_sql_uses_constant_names() {
        let id = identity(5, "12.0");
        let specs: Vec<&PermissionSpec> = PERMISSIONS.iter().filter(|p| (p.applies)(&id)).collect();
        let sql = permissions_sql(&specs);
        assert!(
            sql.contains("HAS_PERMS_BY_NAME(NULL, 'DATABASE', 'VIEW DATABASE STATE') AS int) AS p0"),
            "{sql}"
        );
        assert!(sql.contains("SUSER_SNAME()"));
    }

    #[test]
    fn all_held_means_everything_available_and_no_grants() {
        let r = report(
            identity(3, "15.0"),
            &[
                ("VIEW SERVER STATE", Some(true)),
                ("VIEW ANY DEFINITION", Some(true)),
                ("VIEW DATABASE STATE", Some(true)),
            ],
        );
        assert!(r.capabilities.iter().all(|c| c.status == CapabilityStatus::Available));
        assert!(r.grants.is_empty());
    }

    #[test]
    fn sql_2019_missing_view_server_state() {
        let r = report(
            identity(3, "15.0"),
            &[
                ("VIEW SERVER STATE", Some(false)),
                ("VIEW ANY DEFINITION", Some(true)),
                ("VIEW DATABASE STATE", Some(false)),
            ],
        );
        assert_eq!(
            r.grants,
            vec![
                "GRANT VIEW SERVER STATE TO [cutover];",
                "USE [Sales]; GRANT VIEW DATABASE STATE TO [cutover_user];"
            ]
        );
        let dmv = &r.capabilities[1];
        assert_eq!(dmv.status, CapabilityStatus::Unavailable);
        assert_eq!(dmv.needs.as_deref(), Some("VIEW SERVER STATE"));
    }

    #[test]
    fn sql_2022_prefers_least_privilege() {
        let r = report(
            identity(3, "16.0"),
            &[
                ("VIEW SERVER STATE", Some(false)),
                ("VIEW SERVER PERFORMANCE STATE", Some(false)),
                ("VIEW ANY DEFINITION", Some(false)),
                ("VIEW DATABASE STATE", Some(true)),
            ],
        );
        assert_eq!(
            r.grants,
            vec![
                "GRANT VIEW SERVER PERFORMANCE STATE TO [cutover];",
                "GRANT VIEW ANY DEFINITION TO [cutover];"
            ]
        );
    }

    #[test]
    fn performance_state_alone_is_enough_for_the_baseline() {
        let r = report(
            identity(8, "12.0"),
            &[
                ("VIEW SERVER STATE", Some(false)),
                ("VIEW SERVER PERFORMANCE STATE", Some(true)),
                ("VIEW ANY DEFINITION", Some(true)),
                ("VIEW DATABASE STATE", Some(true)),
            ],
        );
        assert!(r.grants.is_empty(), "{:?}", r.grants);
    }

    #[test]
    fn azure_sql_database_grants_database_state_without_use() {
        let r = report(
            identity(5, "12.0"),
            &[("VIEW DATABASE STATE", Some(false)), ("VIEW DEFINITION", Some(true))],
        );
        assert_eq!(r.grants, vec!["GRANT VIEW DATABASE STATE TO [cutover_user];"]);
        assert_eq!(r.permissions[0].status, PermissionStatus::NotApplicable);
    }

    #[test]
    fn null_answers_are_unknown_not_missing() {
        let r = report(
            identity(3, "15.0"),
            &[
                ("VIEW SERVER STATE", None),
                ("VIEW ANY DEFINITION", Some(true)),
                ("VIEW DATABASE STATE", None),
            ],
        );
        assert_eq!(r.permissions[0].status, PermissionStatus::Unknown);
        assert_eq!(r.capabilities[1].status, CapabilityStatus::Unknown);
        assert!(r.grants.is_empty());
    }

    #[test]
    fn brackets_escape() {
        assert_eq!(bracket("we]ird"), "[we]]ird]");
    }

    #[test]
    fn latency_stats() {
        let ms = |v: u64| Duration::from_millis(v);
        let l = Latency::from_samples(&[ms(5), ms(1), ms(3), ms(2), ms(4)]);
        assert_eq!((l.samples, l.min_ms, l.median_ms), (5, 1.0, 3.0));
        assert_eq!(Latency::from_samples(&[ms(1), ms(3)]).median_ms, 2.0);
        assert_eq!(Latency::from_samples(&[]).samples, 0);
    }

    #[test]
    fn text_rendering() {
        let r = report(
            identity(3, "15.0.2000.5"),
            &[
                ("VIEW SERVER STATE", Some(false)),
                ("VIEW ANY DEFINITION", Some(true)),
                ("VIEW DATABASE STATE", Some(true)),
            ],
        );
        let expected = "\
server        sql1,1433/Sales (cutover)
name          SQLPROD01 (machine SQLPROD01)
kind          SQL Server (on-premises / VM) — engine edition 3
edition       Enterprise Edition (64-bit)
version       15.0.2000.5 RTM
cpu / memory  8 CPUs, 32768 MB
latency       min 0.40 ms, median 0.50 ms (5 × SELECT 1)
login         cutover as user cutover_user in Sales

permissions
  VIEW SERVER STATE                          MISSING
  VIEW ANY DEFINITION                        held
  VIEW DATABASE STATE                        held

can collect
  edition and version (SERVERPROPERTY)       yes
  DMV baseline: waits, IO, counters, memory  no (needs VIEW SERVER STATE)
  query statistics (dm_exec_query_stats)     no (needs VIEW SERVER STATE)
  Query Store (this database)                yes
  schema definitions (validate)              yes

to fix, run as an administrator (server grants in master):
  GRANT VIEW SERVER STATE TO [cutover];
";
        assert_eq!(r.render_text(), expected);
    }

    #[test]
    fn json_shape() {
        let r = report(identity(8, "12.0"), &[("VIEW SERVER STATE", Some(true))]);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["identity"]["family"], "managed_instance");
        assert_eq!(json["permissions"][0]["status"], "held");
        assert_eq!(json["latency"]["samples"], 5);
    }
}
