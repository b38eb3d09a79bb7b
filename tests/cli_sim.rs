//! `cutover sim` as a user runs it: it prints a connection string that works, serves until
//! Ctrl-C, and then stops cleanly.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn sim_prints_a_working_connection_string_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["sim", "--port", "0", "--login", "alice:Alice-Passw0rd", "--database", "shop"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cutover sim starts");
    let stdout = child.stdout.take().unwrap();
    // Read the banner, and keep reading (as a terminal would) until the process ends.
    let (found, banner) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(conn) = line.trim().strip_prefix("connection string:")
                && let Some(tx) = found.take()
            {
                let _ = tx.send(conn.trim().to_string());
            }
        }
    });
    let conn = banner.await.expect("the banner names a connection string");
    assert!(conn.contains("User Id=alice") && !conn.contains("Alice-Passw0rd"), "{conn}");

    let with_password = format!("{conn};Database=shop;Password=Alice-Passw0rd");
    let mut client = common::connect_str(&with_password).await;
    assert_eq!(
        client.query_scalar::<String>("SELECT DB_NAME()", &[]).await.unwrap().as_deref(),
        Some("shop")
    );

    let mut stderr = child.stderr.take().unwrap();
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status =
        tokio::time::timeout(Duration::from_secs(10), tokio::task::spawn_blocking(move || child.wait()))
            .await
            .expect("the simulator stops within 10 s of Ctrl-C")
            .unwrap()
            .unwrap();
    let mut errors = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut errors).unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {errors}");
}

#[test]
fn an_unknown_profile_is_refused_with_the_choices() {
    let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["sim", "--port", "0", "--profile", "sqlserver-2000"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mi-gp") && stderr.contains("sqlserver-2019"), "{stderr}");
}
