//! `cutover workload init` and `cutover replay` run as the real binary against the simulator.

mod common;

use common::cli::{args, cutover, cutover_async, json, out_dir, text};
use common::sim;
use cutover_sim::server::TlsMode;

#[tokio::test(flavor = "multi_thread")]
async fn init_then_replay_the_order_mix_at_a_rate() {
    let server = sim(TlsMode::Enabled).await;
    let out =
        cutover_async(args(&["workload", "init", "--server", &server.conn, "--workload", "orders"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("dbo.orders: 5000 rows"), "{}", text(&out));

    let dir = out_dir("orders");
    let n = 1200u64;
    let out = cutover_async(args(&[
        "replay",
        "--server",
        &server.conn,
        "--workload",
        "orders",
        "--rate",
        "300/s",
        "--arrival",
        "fixed",
        "--count",
        &n.to_string(),
        "--warmup",
        "0s",
        "--allow-writes",
        "--out",
        dir.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let summary = json(&dir.join("summary.json"));
    assert_eq!(summary["schema"], "cutover.replay.summary/1");
    let totals = &summary["totals"];
    let errors_log = std::fs::read_to_string(dir.join("errors.jsonl")).unwrap();
    assert_eq!(totals["ok"].as_u64().unwrap() + totals["errors"].as_u64().unwrap(), n, "{summary:#}");
    // The simulator locks writes per database (SQLite): a write transaction waits for another
    // (up to 5 s) and may time out on the lock (1222) or be a deadlock victim (1205) as on a
    // busy server; such errors are counted by number and logged, and nothing else fails.
    for (number, _) in totals["errors_by_number"].as_object().unwrap() {
        assert!(number == "1222" || number == "1205", "unexpected error {number}: {errors_log}");
    }
    assert_eq!(errors_log.lines().count() as u64, totals["errors"].as_u64().unwrap());
    assert!(totals["errors"].as_u64().unwrap() < n / 10, "{summary:#}");
    // The mix follows the weights within four standard deviations.
    let templates = summary["templates"].as_array().unwrap();
    let total_weight: f64 = templates.iter().map(|t| t["weight"].as_f64().unwrap()).sum();
    for t in templates {
        let p = t["weight"].as_f64().unwrap() / total_weight;
        let expected = n as f64 * p;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        let got = t["ok"].as_f64().unwrap() + t["errors"].as_f64().unwrap();
        assert!((got - expected).abs() <= 4.0 * sd + 1.0, "{}: {got} vs {expected:.0} ± {sd:.1}", t["name"]);
        assert!(t["response_us"]["p99"].as_u64().unwrap() >= t["service_us"]["p50"].as_u64().unwrap());
    }
    let run = json(&dir.join("run.json"));
    assert_eq!(run["status"], "complete");
    assert_eq!(run["server"]["server_name"], "SIM-TEST");
    assert_eq!(run["target_rate"], 300.0);
    let achieved = run["achieved_rate"].as_f64().unwrap();
    assert!((achieved - 300.0).abs() < 30.0, "achieved {achieved}/s");
    assert!(run["fidelity"]["share"].as_f64().unwrap() > 0.5, "{run:#}");
    let hlog = std::fs::read_to_string(dir.join("latency.hlog")).unwrap();
    assert!(
        hlog.contains("#[StartTime:")
            && hlog.contains("Tag=customer_by_id.response,")
            && hlog.contains("Tag=new_order.service,")
            && hlog.contains("Tag=lag,"),
        "{hlog}"
    );
    assert!(dir.join("errors.jsonl").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_mix_runs_closed_loop_without_the_write_flag() {
    let server = sim(TlsMode::Enabled).await;
    let out =
        cutover_async(args(&["workload", "init", "--server", &server.conn, "--workload", "reporting"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dir = out_dir("reporting");
    let out = cutover_async(args(&[
        "replay",
        "--server",
        &server.conn,
        "--workload",
        "reporting",
        "--concurrency",
        "2",
        "--think-time",
        "0s",
        "--count",
        "40",
        "--warmup",
        "0s",
        "--json",
        "--out",
        dir.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints the summary");
    assert_eq!(
        summary["totals"]["ok"],
        40,
        "{summary:#}\n{}",
        std::fs::read_to_string(dir.join("errors.jsonl")).unwrap_or_default()
    );
    let run = json(&dir.join("run.json"));
    assert!(run["notes"][0].as_str().unwrap().contains("closed loop"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cutover replay --workload orders EXTRA` against an unreachable server, refused before
/// anything runs: exit 2 and nothing written. Its stderr.
fn refused_orders_replay(name: &str, extra: &[&str]) -> String {
    let dir = out_dir(name);
    let server = "Server=tcp:127.0.0.1,1;User Id=x";
    let mut all = vec!["replay", "--server", server, "--workload", "orders", "--out", dir.to_str().unwrap()];
    all.extend_from_slice(extra);
    let out = cutover(&all);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!dir.exists(), "nothing was written or run");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_writing_workload_is_refused_without_the_flag() {
    let stderr = refused_orders_replay("refused", &[]);
    assert!(stderr.contains("--allow-writes") && stderr.contains("new_order"), "{stderr}");
}

#[test]
fn a_run_no_longer_than_its_warm_up_is_refused_before_it_starts() {
    let stderr = refused_orders_replay("all-warm-up", &["--duration", "5s", "--allow-writes"]);
    assert!(stderr.contains("5s warm-up") && stderr.contains("--warmup 0s"), "{stderr}");
}

#[test]
fn a_malformed_workload_file_exits_2_with_file_and_line() {
    let dir = out_dir("malformed");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(&file, "[workload]\nname = \"bad\"\nrate = \"100/s\"\n\n[[template]]\nname = \"q\"\nweight = \"lots\"\nsql = \"SELECT 1\"\n").unwrap();
    let out = cutover(&[
        "replay",
        "--server",
        "Server=tcp:127.0.0.1,1;User Id=x",
        "--workload",
        file.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.toml:7:"), "file:line named: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    std::fs::write(&file, "[workload]\nname = \"bad\"\nrate = \"100/s\"\n\n[[template]]\nname = \"q\"\nsql = \"SELECT @nope\"\n").unwrap();
    let out = cutover(&[
        "replay",
        "--server",
        "Server=tcp:127.0.0.1,1;User Id=x",
        "--workload",
        file.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:7:") && stderr.contains("@nope") && stderr.contains("template[0] q.sql"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
