//! `cutover capture --from-query-store`: Query Store of the source becomes a workload file
//! whose mix and rate reproduce what ran, and which replays on another instance.

mod capture_support;
mod common;

use common::cli::{args, cutover_async, json, scratch_dir, text};
use common::{connect, sim};
use cutover_sim::server::TlsMode;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn query_store_capture_reproduces_the_known_mix() {
    let source = sim(TlsMode::Enabled).await;
    let target = sim(TlsMode::Enabled).await;
    capture_support::prepare(&source).await;
    capture_support::prepare(&target).await;
    // The known mix: 3 lookups for every count, for about two seconds.
    let mut conn = connect(&source).await;
    let started = Instant::now();
    let mut i = 0i32;
    while started.elapsed() < Duration::from_secs(2) {
        for _ in 0..3 {
            i = i % 4 + 1;
            conn.query_rows("SELECT name FROM dbo.items WHERE id = @P1", &[&i]).await.unwrap();
        }
        conn.simple_query("SELECT COUNT(*) FROM dbo.items").await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ran = started.elapsed().as_secs_f64();

    let dir = scratch_dir("capture-qs");
    let file = dir.join("shop.toml");
    let out = cutover_async(args(&[
        "capture",
        "--server",
        &source.conn,
        "--from-query-store",
        "--since",
        "1h",
        "--database",
        "shop",
        "--min-executions",
        "10",
        "--out",
        file.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let toml = std::fs::read_to_string(&file).unwrap();
    let w = cutover_workloads::spec::Workload::parse("shop.toml", &toml, &dir)
        .unwrap_or_else(|e| panic!("{e}\n{toml}"));
    assert_eq!(w.templates.len(), 2, "{toml}");
    let weight =
        |needle: &str| w.templates.iter().find(|t| toml_sql(t).contains(needle)).map(|t| t.weight).unwrap();
    let (lookups, counts) = (weight("WHERE id ="), weight("COUNT(*)"));
    assert_eq!(lookups, 3 * counts, "{toml}");
    let rate: f64 = toml
        .lines()
        .find_map(|l| l.strip_prefix("rate = \""))
        .unwrap()
        .trim_end_matches("/s\"")
        .parse()
        .unwrap();
    let observed = (lookups + counts) as f64 / ran;
    assert!((rate / observed - 1.0).abs() < 0.25, "rate {rate}/s vs observed {observed}/s\n{toml}");

    // Replayed on the target, the mix comes out 3:1.
    let out = cutover_async(args(&[
        "replay",
        "--server",
        &target.conn,
        "--workload",
        file.to_str().unwrap(),
        "--count",
        "400",
        "--rate",
        "400/s",
        "--json",
        "--out",
        dir.join("replay").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary = json(&dir.join("replay").join("summary.json"));
    assert_eq!(summary["totals"]["errors"], 0, "{summary:#}");
    let ok = |name: &str| {
        summary["templates"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap()["ok"]
            .as_f64()
            .unwrap()
    };
    let share = ok("q1") / (ok("q1") + ok("q2"));
    assert!((share - 0.75).abs() < 0.08, "lookup share {share}: {summary:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn toml_sql(t: &cutover_workloads::spec::Template) -> String {
    t.statements.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>().join("; ")
}
