//! The capture never leaves its event session on the server: not after Ctrl-C (SIGINT to the
//! real binary), not after its connection is dropped mid-run, and not when a Managed Instance
//! refuses a blob target that has no credential.

mod capture_support;
mod common;

use capture_support::{
    assert_no_event_session, known_workload, prepare, spawn_capture, wait_for_event_session,
};
use common::cli::{args, cutover_async, scratch_dir, text};
use common::{connect, sim, sim_named};
use cutover_sim::server::TlsMode;
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_the_capture_keeps_what_was_read_and_drops_the_session() {
    let server = sim(TlsMode::Enabled).await;
    prepare(&server).await;
    let dir = scratch_dir("capture-ctrl-c");
    let out_file = dir.join("cap");
    let child = spawn_capture(&server, &out_file, &["--duration", "60s", "--poll", "100ms"]);
    wait_for_event_session(&server).await;
    known_workload(&server).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(kill.success());
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "Ctrl-C stopped the 60 s capture promptly");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stopping") && stderr.contains("stopped and dropped"), "{}", text(&out));
    assert_no_event_session(&server).await;
    let sessions = capture_support::workload_sessions(&out_file);
    let events: usize = sessions.iter().map(|s| s.events.len()).sum();
    assert_eq!(events, 8 + 8 + 3, "every workload event read before the signal is on disk: {sessions:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_fails_the_capture_but_still_drops_the_session() {
    let server = sim(TlsMode::Enabled).await;
    let dir = scratch_dir("capture-dropped");
    let child = spawn_capture(&server, &dir.join("cap"), &["--duration", "60s", "--poll", "100ms"]);
    wait_for_event_session(&server).await;
    let capture_spid = server
        .instance()
        .sessions()
        .into_iter()
        .find(|s| s.app_name == "cutover-capture")
        .expect("the capture's connection is open")
        .spid;
    assert!(server.instance().faults().drop_connection(capture_spid));
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read the event files"), "{}", text(&out));
    assert!(stderr.contains("stopped and dropped"), "{}", text(&out));
    assert_no_event_session(&server).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn managed_instance_needs_a_blob_url_and_its_credential() {
    let server = sim_named(TlsMode::Enabled, "mi-gp").await;
    let dir = scratch_dir("capture-mi");
    let out_file = dir.join("mi");
    let base = ["capture", "--server", &server.conn, "--out", out_file.to_str().unwrap(), "--duration", "1s"];
    let out = cutover_async(args(&base)).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--blob-url"), "{}", text(&out));

    let url = "https://acct.blob.core.windows.net/xe";
    let mut with_url = base.to_vec();
    with_url.extend(["--blob-url", url]);
    let out = cutover_async(args(&with_url)).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot start the event session") && stderr.contains("25602"), "{}", text(&out));
    assert_no_event_session(&server).await;

    let mut conn = connect(&server).await;
    conn.simple_query(&format!(
        "CREATE CREDENTIAL [{url}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=2022-11-02&sig=x'"
    ))
    .await
    .expect("credential created");
    let out = cutover_async(args(&with_url)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_no_event_session(&server).await;
    let _ = std::fs::remove_dir_all(&dir);
}
