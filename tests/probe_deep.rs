//! A DBA checks cutover against their own server before trusting it: `cutover probe --deep` runs
//! every read-only statement cutover sends to that edition and names what fails and why. Here
//! the server is the simulator (each profile); against a real one: CUTOVER_TEST_MSSQL.

mod common;

use common::{DATABASE, PASSWORD, live, sim, sim_named};
use cutover_sim::server::TlsMode;
use std::process::{Command, Output};

fn cutover(args: &[String], password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .env("CUTOVER_PASSWORD", password)
        .output()
        .expect("the binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `probe --deep --json --bundle` against `conn`; returns the output and the bundle.
async fn deep(conn: String, password: &'static str) -> (Output, Option<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.json");
    let args: Vec<String> =
        ["probe", "--server", &conn, "--deep", "--json", "--bundle", bundle.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let out = tokio::task::spawn_blocking(move || cutover(&args, password)).await.unwrap();
    let written =
        std::fs::read_to_string(&bundle).ok().map(|t| serde_json::from_str(&t).expect("the bundle is JSON"));
    (out, written)
}

fn failures(bundle: &serde_json::Value) -> Vec<serde_json::Value> {
    bundle["failures"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_probe_runs_every_read_only_statement_and_writes_a_redacted_bundle() {
    let server = sim(TlsMode::Enabled).await;
    let (out, bundle) = deep(server.conn.clone(), PASSWORD).await;
    let bundle = bundle.unwrap_or_else(|| panic!("no bundle: {}", text(&out)));
    eprintln!("{}", serde_json::to_string_pretty(&bundle).unwrap());
    let failed = failures(&bundle);
    assert_eq!(out.status.code(), Some(if failed.is_empty() { 0 } else { 1 }), "{}", text(&out));
    assert!(bundle["ran"].as_u64().unwrap() > 50, "{bundle}");
    assert_eq!(bundle["succeeded"].as_u64().unwrap() + failed.len() as u64, bundle["ran"].as_u64().unwrap());
    let not_run = bundle["not_run"].to_string();
    assert!(not_run.contains("capture.create_session") && not_run.contains("dry run"), "{not_run}");
    let written = bundle.to_string();
    for secret in [PASSWORD, "SIM-TEST", "127.0.0.1", DATABASE] {
        assert!(!written.contains(secret), "the bundle holds {secret}: {written}");
    }
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(), bundle);
    common::schemas::check("probe-deep.schema.json", "probe --deep --bundle", &bundle);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_without_server_state_sees_each_failing_statement_with_the_permission_it_needs() {
    let server = sim(TlsMode::Enabled).await;
    let (out, bundle) = deep(server.conn.replace("User Id=cutover", "User Id=nostate"), PASSWORD).await;
    let bundle = bundle.unwrap_or_else(|| panic!("no bundle: {}", text(&out)));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let refused: Vec<_> = failures(&bundle).into_iter().filter(|f| f["permission_error"] == true).collect();
    let waits =
        refused.iter().find(|f| f["id"] == "collect.family.waits").unwrap_or_else(|| panic!("{bundle}"));
    // sys.dm_os_wait_stats on SQL Server 2022 (the default profile): VIEW SERVER PERFORMANCE STATE.
    assert_eq!(waits["needs_permission"], "VIEW SERVER PERFORMANCE STATE", "{waits}");
    assert!(waits["number"].as_u64().is_some() && !waits["error"].as_str().unwrap().is_empty(), "{waits}");
    assert!(refused.iter().all(|f| f["needs_permission"].is_string()), "{refused:?}");
    let terminal = tokio::task::spawn_blocking({
        let conn = server.conn.replace("User Id=cutover", "User Id=nostate");
        move || cutover(&["probe".into(), "--server".into(), conn, "--deep".into()], PASSWORD)
    })
    .await
    .unwrap();
    let shown = String::from_utf8_lossy(&terminal.stdout);
    assert!(
        shown.contains("FAILED collect.family.waits")
            && shown.contains("needs: VIEW SERVER PERFORMANCE STATE"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_managed_instance_it_runs_the_instance_statements() {
    let server = sim_named(TlsMode::Enabled, "mi-gp").await;
    let (out, bundle) = deep(server.conn.clone(), PASSWORD).await;
    let bundle = bundle.unwrap_or_else(|| panic!("no bundle: {}", text(&out)));
    assert_eq!(bundle["edition"], "mi", "{bundle}");
    let not_run = bundle["not_run"].to_string();
    let failed = serde_json::Value::Array(failures(&bundle)).to_string();
    // The resource statistics of the instance ran (or failed with the server's reason), never skipped.
    assert!(!not_run.contains("collect.family.resource_stats"), "{not_run}");
    assert!(!failed.contains("collect.family.resource_stats"), "{failed}");
    assert!(!bundle.to_string().contains("assess."), "assess runs on the source, never on the instance");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_it_cannot_log_in_to_exits_2() {
    let server = sim(TlsMode::Enabled).await;
    let (out, bundle) = deep(server.conn.clone(), "Not-The-Password").await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(bundle.is_none(), "no bundle without a server");
    assert!(String::from_utf8_lossy(&out.stderr).contains("18456"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
async fn live_every_read_only_statement_runs_on_the_real_server() {
    let server = live();
    let password = Box::leak(std::env::var("CUTOVER_PASSWORD").unwrap_or_default().into_boxed_str());
    let (out, bundle) = deep(server.conn.clone(), password).await;
    assert_eq!(out.status.code(), Some(0), "{}\n{bundle:#?}", text(&out));
}

/// Every read-only statement of the product runs on every profile of the simulator, msdb's
/// backup and restore history included (`msdb.dbo.backupset`, `msdb.dbo.restorehistory`, empty
/// as on a server that never restored).
#[tokio::test(flavor = "multi_thread")]
async fn every_profile_of_the_simulator_runs_every_one_of_the_products_statements() {
    for profile in ["sqlserver-2019", "sqlserver-2022", "mi-gp", "mi-bc"] {
        let server = sim_named(TlsMode::Enabled, profile).await;
        let (out, bundle) = deep(server.conn.clone(), PASSWORD).await;
        let bundle = bundle.unwrap_or_else(|| panic!("{profile}: no bundle: {}", text(&out)));
        let failed: Vec<_> = failures(&bundle).into_iter().map(|f| f.to_string()).collect();
        assert!(failed.is_empty(), "{profile}: {failed:#?}");
        assert_eq!(out.status.code(), Some(0), "{profile}: {}", text(&out));
        assert!(bundle["ran"].as_u64().unwrap() > 50, "{profile}: {bundle}");
    }
}
