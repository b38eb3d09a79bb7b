//! `cutover collect` as the real binary against a simulated Managed Instance (profile `mi-gp`):
//! the MI-only families (sys.server_resource_stats CPU, the job object's memory cap) are
//! collected, and the opaque MI names (GUID counter instances, `data_x` files) are mapped to
//! database names.

mod common;

use common::{DATABASE, PASSWORD, USER};
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::profile::Profile;
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};
use std::process::Command;

async fn sim_profile(profile: &str) -> (SimServer, String) {
    common::init_logging();
    let profile = Profile::named(profile).expect("profile exists");
    let config = InstanceConfig::for_profile("SIM-MI", profile, vec![LoginDef::sysadmin(USER, PASSWORD)]);
    let instance = Instance::start(config).expect("simulator starts");
    instance.create_database(DATABASE).expect("database created");
    // sys.server_resource_stats rows appear 45 s after a start: a server up for a minute.
    common::age(&instance, std::time::Duration::from_secs(60));
    let server = SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() })
        .await
        .expect("server starts");
    let conn = format!(
        "Server=tcp:127.0.0.1,{};Database={DATABASE};User Id={USER};Encrypt=not_supported",
        server.local_addr().port()
    );
    (server, conn)
}

/// A GUID as MI uses for physical database names (8-4-4-4-12 hex digits).
fn looks_like_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `k=v,k=v` → the value of `key`.
fn label(labels: &str, key: &str) -> Option<String> {
    cutover_baseline::labels::get(labels, key)
}

#[tokio::test(flavor = "multi_thread")]
async fn managed_instance_families_and_names() {
    let (_server, conn) = sim_profile("mi-gp").await;
    let dir = std::env::temp_dir().join(format!("cutover-collect-mi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out_dir = dir.to_string_lossy().into_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(["collect", "--server", &conn, "--interval", "1s", "--duration", "3s", "--out", &out_dir])
            .env("CUTOVER_PASSWORD", PASSWORD)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(json["instances"][0]["identity"]["family"], "managed_instance", "{json}");
    assert!(json["instances"][0]["refused_families"].as_object().is_none_or(|m| m.is_empty()), "{json}");
    let mut rows = Vec::new();
    for part in json["series_files"].as_array().unwrap() {
        rows.extend(cutover_baseline::read::read_part(&dir.join(part.as_str().unwrap())).unwrap());
    }
    let has = |family: &str, metric: &str| rows.iter().any(|r| r.family == family && r.metric == metric);

    // MI CPU comes from sys.server_resource_stats; no ring buffer on MI.
    assert!(has("resource_stats", "cpu_percent"), "server_resource_stats CPU");
    assert!(rows.iter().filter(|r| r.metric == "cpu_percent").all(|r| (0.0..=100.0).contains(&r.value)));
    assert!(!rows.iter().any(|r| r.family == "cpu"), "the ring buffer is not read on MI");
    // The memory cap is the job object's, in bytes.
    let cap: Vec<f64> =
        rows.iter().filter(|r| r.metric == "process_memory_limit_bytes").map(|r| r.value).collect();
    assert!(!cap.is_empty() && cap.iter().all(|v| *v > 0.0), "job object memory: {cap:?}");

    // Names: database labels are names, never physical GUIDs; files carry their database.
    for r in &rows {
        for (k, v) in cutover_baseline::labels::decode(&r.labels) {
            assert!(!looks_like_guid(&v), "{k}={v} is an MI physical name: {r:?}");
        }
    }
    let files: Vec<&str> =
        rows.iter().filter(|r| r.family == "file_stats").map(|r| r.labels.as_str()).collect();
    assert!(!files.is_empty());
    assert!(files.iter().all(|l| label(l, "database").is_some_and(|d| !d.is_empty())), "{files:?}");
    assert!(files.iter().any(|l| label(l, "database").as_deref() == Some(DATABASE)), "{files:?}");
    // database_id 0 on MI is the remote buffer pool extension, not a database.
    assert!(files.iter().any(|l| label(l, "database").as_deref() == Some("RBPEX")), "{files:?}");
    let counter_dbs: Vec<String> = rows
        .iter()
        .filter(|r| r.family == "perf_counters")
        .filter_map(|r| label(&r.labels, "counter_instance"))
        .collect();
    assert!(
        counter_dbs.iter().any(|d| d == DATABASE),
        "per-database counters named by database: {counter_dbs:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
