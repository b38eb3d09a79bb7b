//! `cutover collect` driven by the `[collect]` section of cutover.toml: servers by name,
//! intervals, duration and the output folder from the file; flags win over the file.

mod common;

use common::{PASSWORD, sim};
use cutover_sim::server::TlsMode;
use std::process::Command;

#[tokio::test(flavor = "multi_thread")]
async fn servers_and_intervals_from_cutover_toml() {
    let server = sim(TlsMode::Disabled).await;
    let dir = std::env::temp_dir().join(format!("cutover-collect-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("baseline");
    let toml = format!(
        "[servers.src]\nconnection = \"{}\"\npassword_env = \"CUTOVER_PASSWORD\"\n\n\
         [collect]\nservers = [\"src\"]\ninterval = \"1s\"\nquery_interval = \"2s\"\n\
         duration = \"60s\"\nflush = \"1s\"\nout = \"{}\"\n",
        server.conn,
        out.display()
    );
    let config = dir.join("cutover.toml");
    std::fs::write(&config, toml).unwrap();
    let run = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            // --duration on the command line wins over the file's 60s.
            .args(["collect", "--duration", "3s", "--config"])
            .arg(&config)
            .env("CUTOVER_PASSWORD", PASSWORD)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("baseline.json")).unwrap()).unwrap();
    let settings = &json["settings"];
    assert_eq!(settings["interval_seconds"], 1.0, "{settings}");
    assert_eq!(settings["query_interval_seconds"], 2.0, "{settings}");
    assert_eq!(settings["flush_seconds"], 1.0, "{settings}");
    assert_eq!(settings["duration_seconds"], 3.0, "the flag wins: {settings}");
    assert_eq!(settings["servers"][0], "src", "{settings}");
    assert_eq!(json["complete"], true);
    assert!(json["rows_written"].as_u64().unwrap() > 0);

    // A misspelt key names the file and the keys it may hold.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[collect]\nintervall = \"15s\"\n").unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["collect", "--server", "x", "--once", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_ne!(run.status.code(), Some(0));
    assert!(stderr.contains("bad.toml") && stderr.contains("intervall"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
