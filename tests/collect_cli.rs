//! `cutover collect` run as the real binary against the in-process simulator: a baseline on
//! disk, /metrics parsed back, a login without VIEW SERVER STATE, a restart mid-run.

mod common;

use common::{PASSWORD, sim};
use cutover_sim::server::TlsMode;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn cutover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .env("CUTOVER_PASSWORD", PASSWORD)
        .output()
        .expect("the binary runs")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn collect_writes_a_baseline_and_serves_metrics_through_a_restart() {
    let server = sim(TlsMode::Enabled).await;
    let conn = server.conn.clone();
    let dir = std::env::temp_dir().join(format!("cutover-collect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = free_port();
    let out_dir = dir.to_string_lossy().into_owned();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "collect",
            "--server",
            &conn,
            "--interval",
            "1s",
            "--query-interval",
            "2s",
            "--duration",
            "8s",
        ])
        .args(["--out", &out_dir, "--csv", "--listen", &listen, "--flush", "2s"])
        .env("CUTOVER_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    tokio::time::sleep(Duration::from_secs(4)).await;
    server.instance().faults().restart();
    let body = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("listening");
        std::io::Write::write_all(&mut s, b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
        let mut body = String::new();
        std::io::Read::read_to_string(&mut s, &mut body).unwrap();
        body
    })
    .await
    .unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(PASSWORD));

    // /metrics: names, types, units, labels; Prometheus's own linter has nothing to say.
    common::promtool::check_metrics(common::promtool::body(&body));
    assert!(body.contains("# TYPE mssql_up gauge"), "{body}");
    assert!(body.contains("# TYPE mssql_wait_time_seconds_total counter"), "{body}");
    assert!(body.contains("# TYPE mssql_batch_requests_total counter"), "{body}");
    assert!(body.contains("# TYPE mssql_page_life_expectancy_seconds gauge"), "{body}");
    assert!(body.contains("mssql_io_stall_read_seconds_total{"), "{body}");
    for line in body.lines().filter(|l| l.starts_with("mssql_")) {
        assert!(line.contains("sql_instance=\""), "{line}");
        assert!(!line.contains(" instance=\"") && !line.contains("{instance=\""), "{line}");
        assert!(!line.to_ascii_lowercase().contains("select "), "no SQL text in labels: {line}");
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }

    // The baseline: JSON, Parquet parts, CSV, the restart as a gap.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(json["complete"], true, "{json}");
    assert_eq!(json["instances"][0]["identity"]["family"], "on_premises");
    let causes: Vec<&str> =
        json["gaps"].as_array().unwrap().iter().filter_map(|g| g["cause"].as_str()).collect();
    assert!(
        causes.contains(&"restart") || causes.contains(&"connection_lost"),
        "restart visible: {causes:?}"
    );
    let mut rows = 0;
    let mut families = std::collections::BTreeSet::new();
    for part in json["series_files"].as_array().unwrap() {
        for r in cutover_baseline::read::read_part(&dir.join(part.as_str().unwrap())).unwrap() {
            assert!(r.value.is_finite());
            if r.metric.ends_with("_seconds") && r.unit == "seconds/s" {
                assert!(r.value >= 0.0, "no negative rates: {r:?}");
            }
            families.insert(r.family);
            rows += 1;
        }
    }
    assert_eq!(rows, json["rows_written"].as_u64().unwrap() as usize);
    for f in ["perf_counters", "waits", "file_stats", "memory", "schedulers", "requests", "tempdb"] {
        assert!(families.contains(f), "{f} in {families:?}");
    }
    assert!(
        std::fs::read_to_string(dir.join("series.csv"))
            .unwrap()
            .starts_with("timestamp,instance,family,metric,labels,value,unit")
    );
    assert!(!json["summary"].as_array().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_without_view_server_state_is_told_the_grant() {
    let server = sim(TlsMode::Enabled).await;
    let conn = server.conn.replace("User Id=cutover", "User Id=nostate");
    let out = tokio::task::spawn_blocking(move || cutover(&["collect", "--server", &conn, "--once"]))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GRANT VIEW SERVER"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn once_prints_one_sample() {
    let server = sim(TlsMode::Enabled).await;
    let conn = server.conn.clone();
    let out = tokio::task::spawn_blocking(move || cutover(&["collect", "--server", &conn, "--once"]))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("page_life_expectancy_seconds"), "{stdout}");
}
