//! `cutover probe` (and every command that first reads the server's identity).

use cutover_mssql::identity::{IDENTITY_SQL, SYS_INFO_SQL};
use cutover_mssql::probe::{LATENCY_SQL, PERMISSIONS, PermissionSpec, permissions_sql};
use cutover_mssql::{EditionFamily, ServerIdentity};

use crate::edition::Edition;
use crate::statement::Statement;

const IDENTIFY: &[&str] = &["probe", "collect", "gate"];

/// What `probe` checks on a server of `edition`: the identity it would read there.
fn identity(edition: Edition) -> ServerIdentity {
    ServerIdentity {
        server_name: String::new(),
        machine_name: String::new(),
        product_version: format!("{}.0", edition.reported_major()),
        product_level: String::new(),
        edition: String::new(),
        engine_edition: if edition.family() == EditionFamily::ManagedInstance { 8 } else { 3 },
        family: edition.family(),
        version_string: String::new(),
        major_version: Some(edition.reported_major()),
        cpu_count: None,
        memory_mb: None,
        start_time: None,
    }
}

pub fn statements(edition: Edition) -> Vec<Statement> {
    let id = identity(edition);
    let specs: Vec<&PermissionSpec> = PERMISSIONS.iter().filter(|p| (p.applies)(&id)).collect();
    vec![
        Statement::read(
            "probe.identity",
            IDENTIFY,
            "What the server is: name, version, edition",
            IDENTITY_SQL,
        ),
        Statement::read(
            "probe.sys_info",
            IDENTIFY,
            "CPUs, memory and start time (left out when the login may not see it)",
            SYS_INFO_SQL,
        ),
        Statement::read("probe.latency", &["probe"], "Round-trip time, five times", LATENCY_SQL),
        Statement::read(
            "probe.permissions",
            &["probe"],
            "Who the login is and which of the permissions cutover needs it holds",
            permissions_sql(&specs),
        ),
    ]
}
