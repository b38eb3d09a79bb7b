//! The probe's reasoning without a server: which permissions apply, the report and its
//! GRANTs from given answers, the rendering and the JSON shape.

use super::*;
use crate::identity::EditionFamily;
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
        vec!["GRANT VIEW SERVER PERFORMANCE STATE TO [cutover];", "GRANT VIEW ANY DEFINITION TO [cutover];"]
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
    let r =
        report(identity(5, "12.0"), &[("VIEW DATABASE STATE", Some(false)), ("VIEW DEFINITION", Some(true))]);
    assert_eq!(r.grants, vec!["GRANT VIEW DATABASE STATE TO [cutover_user];"]);
    assert_eq!(r.permissions[0].status, PermissionStatus::NotApplicable);
}

#[test]
fn null_answers_are_unknown_not_missing() {
    let r = report(
        identity(3, "15.0"),
        &[("VIEW SERVER STATE", None), ("VIEW ANY DEFINITION", Some(true)), ("VIEW DATABASE STATE", None)],
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
