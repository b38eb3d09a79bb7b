//! `cutover replay --listen`: a Prometheus scrape in the middle of a run shows throughput,
//! errors, latency and lag per template, with bounded labels, and agrees with summary.json.

mod common;

use std::time::Duration;

use common::cli::{json, out_dir, scratch_dir, spawn_replay};
use common::sim;
use cutover_sim::server::TlsMode;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// GET /metrics, or None while nothing listens yet.
fn scrape(port: u16) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    std::io::Write::write_all(&mut s, b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
    let mut body = String::new();
    std::io::Read::read_to_string(&mut s, &mut body).ok()?;
    Some(body)
}

/// The value of the sample line that starts with `prefix`.
fn value(body: &str, prefix: &str) -> Option<f64> {
    body.lines().find(|l| l.starts_with(prefix))?.rsplit(' ').next()?.parse().ok()
}

const WORKLOAD: &str = r#"
[workload]
name = "listen"
seed = 7
rate = "200/s"
arrival = "fixed"
duration = "5s"
warmup = "0s"

[[template]]
name = "one"
weight = 3
sql = "SELECT 1"

[[template]]
name = "missing"
weight = 1
sql = "SELECT * FROM dbo.no_such_table"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_scrape_mid_run_shows_throughput_errors_and_latency_per_template() {
    let server = sim(TlsMode::Enabled).await;
    let dir = scratch_dir("listen-workload");
    let file = dir.join("listen.toml");
    std::fs::write(&file, WORKLOAD).unwrap();
    let out = out_dir("listen");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = spawn_replay(&server.conn, &file, &out, &["--listen", &listen]);

    // Mid-run: wait until the first intervals are published, well before the 5 s end.
    let body = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if let Some(body) = scrape(port)
                && value(&body, "cutover_replay_completed_total{template=\"one\"}")
                    .is_some_and(|v| v >= 100.0)
            {
                return body;
            }
            assert!(std::time::Instant::now() < deadline, "no metrics with completed units in 20 s");
        }
    })
    .await
    .unwrap();
    let result = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");

    common::promtool::check_metrics(common::promtool::body(&body));
    for (name, kind) in [
        ("cutover_replay_completed_total", "counter"),
        ("cutover_replay_errors_total", "counter"),
        ("cutover_replay_late_total", "counter"),
        ("cutover_replay_skipped_total", "counter"),
        ("cutover_replay_response_time_seconds", "gauge"),
        ("cutover_replay_service_time_seconds", "gauge"),
        ("cutover_replay_schedule_lag_seconds", "gauge"),
        ("cutover_replay_fidelity_ratio", "gauge"),
    ] {
        assert!(body.contains(&format!("# TYPE {name} {kind}")), "{name} {kind}: {body}");
    }
    // The failing template's errors by SQL error number (208: invalid object name).
    let errors = value(&body, "cutover_replay_errors_total{error=\"208\",template=\"missing\"}");
    assert!(errors.is_some_and(|v| v > 0.0), "{body}");
    // Latency in seconds: a SELECT 1 on the local simulator answers within a second.
    let p99 =
        value(&body, "cutover_replay_response_time_seconds{run_quantile=\"0.99\",template=\"one\"}").unwrap();
    let service =
        value(&body, "cutover_replay_service_time_seconds{run_quantile=\"0.5\",template=\"one\"}").unwrap();
    assert!(p99 > 0.0 && p99 < 1.0 && service <= p99, "p99 {p99}, service p50 {service}");
    let elapsed = value(&body, "cutover_replay_elapsed_seconds").unwrap();
    assert!(elapsed < 5.0, "scraped mid-run, not at the end: {elapsed}");
    for line in body.lines().filter(|l| l.starts_with("cutover_replay_")) {
        assert!(!line.to_ascii_lowercase().contains("select"), "no SQL text in labels: {line}");
        assert!(line.rsplit(' ').next().unwrap().parse::<f64>().is_ok(), "{line}");
    }

    // The run still wrote its results; the scrape was a prefix of them.
    let summary = json(&out.join("summary.json"));
    let ok = summary["templates"].as_array().unwrap().iter().find(|t| t["name"] == "one").unwrap()["ok"]
        .as_f64()
        .unwrap();
    let scraped = value(&body, "cutover_replay_completed_total{template=\"one\"}").unwrap();
    assert!(scraped <= ok, "scraped {scraped} of {ok}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&out);
}
