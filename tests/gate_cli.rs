//! `cutover gate` run as the real binary against two simulated instances (a SQL Server 2019
//! source, a General Purpose Managed Instance target): identical data passes, a planted
//! difference fails and is named in every report form, an unreachable server is "could not
//! complete" with the earlier results still on disk, and a broken gate file says what is wrong.

mod common;

use common::cli::{cutover_async, json, scratch_dir, text};
use common::{TestServer, connect, sim_named};
use cutover_sim::server::TlsMode;
use std::path::{Path, PathBuf};

/// A source and a target with the same small table.
async fn pair() -> (TestServer, TestServer) {
    let source = sim_named(TlsMode::Enabled, "sqlserver-2019").await;
    let target = sim_named(TlsMode::Enabled, "mi-gp").await;
    for server in [&source, &target] {
        let mut conn = connect(server).await;
        let values: Vec<String> = (1..=60).map(|i| format!("({i}, N'item {i}', {i}.50)")).collect();
        conn.simple_query(&format!(
            "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, name nvarchar(40) NOT NULL, price decimal(10,2) NOT NULL); \
             INSERT INTO dbo.items VALUES {};",
            values.join(", ")
        ))
        .await
        .unwrap();
    }
    (source, target)
}

/// A gate file validating `dbo.*` between the two, the password from the environment.
fn gate_file(dir: &Path, source: &str, target: &str, extra: &str) -> PathBuf {
    let path = dir.join("gate.toml");
    let text = format!(
        "name = \"test gate\"\nsource = \"src\"\ntarget = \"tgt\"\n\
         [servers.src]\nconnection = \"{source}\"\npassword_env = \"CUTOVER_PASSWORD\"\n\
         [servers.tgt]\nconnection = \"{target}\"\npassword_env = \"CUTOVER_PASSWORD\"\n\
         [validate]\ntables = [\"dbo.*\"]\n{extra}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

async fn gate(policy: &Path, out: &Path) -> std::process::Output {
    cutover_async(vec![
        "gate".into(),
        "--policy".into(),
        policy.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ])
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn identical_data_passes_the_gate_and_every_report_says_so() {
    let (source, target) = pair().await;
    let dir = scratch_dir("gate-pass");
    let out = dir.join("report");
    let result = gate(&gate_file(&dir, &source.conn, &target.conn, ""), &out).await;
    assert_eq!(result.status.code(), Some(0), "{}", text(&result));
    let report = json(&out.join("gate.json"));
    assert_eq!(report["verdict"], "pass", "{report}");
    assert_eq!(report["partial"], false);
    assert_eq!(report["schema_version"], 1);
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.iter().any(|c| c["name"] == "dbo.items: checksum" && c["status"] == "pass"), "{report}");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), checks.len(), "one test case per check: {junit}");
    assert!(!junit.contains("<failure") && !junit.contains("<error"), "{junit}");
    assert!(
        std::fs::read_to_string(out.join("gate.md")).unwrap().starts_with("# Cutover gate — test gate: PASS")
    );
    assert!(out.join("validate/report.json").is_file());
    assert!(!String::from_utf8_lossy(&result.stdout).contains(common::PASSWORD));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planted_difference_fails_the_gate_and_is_named_in_every_form() {
    let (source, target) = pair().await;
    let mut conn = connect(&target).await;
    conn.simple_query("UPDATE dbo.items SET price = 99.99 WHERE id = 17").await.unwrap();
    let dir = scratch_dir("gate-fail");
    let out = dir.join("report");
    let result = gate(&gate_file(&dir, &source.conn, &target.conn, ""), &out).await;
    assert_eq!(result.status.code(), Some(1), "{}", text(&result));
    assert!(String::from_utf8_lossy(&result.stdout).contains("(id=17) changed: price"), "{}", text(&result));
    let report = json(&out.join("gate.json"));
    assert_eq!(report["verdict"], "fail");
    let failed: Vec<&serde_json::Value> =
        report["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "fail").collect();
    assert_eq!(failed.len(), 1, "exactly the planted difference: {report}");
    assert_eq!(failed[0]["name"], "dbo.items: checksum");
    assert!(failed[0]["details"].to_string().contains("dbo.items (id=17) changed: price"), "{report}");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<failure ").count(), 1, "{junit}");
    assert!(std::fs::read_to_string(out.join("gate.md")).unwrap().contains("(id=17) changed: price"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_is_incomplete_and_earlier_results_stay_on_disk() {
    let (source, target) = pair().await;
    let dir = scratch_dir("gate-unreachable");
    let out = dir.join("report");
    let policy = gate_file(&dir, &source.conn, &target.conn, "");
    let first = gate(&policy, &out).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let earlier = std::fs::read_to_string(out.join("validate/report.json")).unwrap();

    target.sim.unwrap().shutdown().await;
    let second = gate(&policy, &out).await;
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("the gate is incomplete") && stderr.contains("could not connect to the target"),
        "{stderr}"
    );
    let report = json(&out.join("gate.json"));
    assert_eq!(report["verdict"], "incomplete", "{report}");
    assert_eq!(report["checks"][0]["status"], "error");
    assert_eq!(std::fs::read_to_string(out.join("validate/report.json")).unwrap(), earlier);
    assert!(std::fs::read_to_string(out.join("junit.xml")).unwrap().contains("<error message=\"ERROR: "));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_baseline_folder_is_an_error_never_a_skip_to_a_pass() {
    let (source, target) = pair().await;
    let dir = scratch_dir("gate-missing");
    let extra = "[performance]\nbaseline = \"nowhere/src\"\ncandidate = \"nowhere/tgt\"\n";
    let result = gate(&gate_file(&dir, &source.conn, &target.conn, extra), &dir.join("report")).await;
    assert_eq!(result.status.code(), Some(2), "{}", text(&result));
    let report = json(&dir.join("report/gate.json"));
    let statuses: Vec<(&str, &str)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["phase"] != "validate")
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert!(statuses.contains(&("source baseline", "error")), "{statuses:?}");
    assert!(statuses.iter().all(|(_, s)| *s != "pass"), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistake_in_the_gate_file_names_the_key_and_the_format() {
    let dir = scratch_dir("gate-bad-file");
    let path = dir.join("gate.toml");
    std::fs::write(&path, "source = \"a\"\ntarget = \"b\"\n[validate]\ntabels = [\"dbo.*\"]\n").unwrap();
    let result = gate(&path, &dir.join("report")).await;
    assert_eq!(result.status.code(), Some(2), "{}", text(&result));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("tabels") && stderr.contains("docs/gate.md"), "{stderr}");
}
