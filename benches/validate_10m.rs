//! `cargo bench --bench validate_10m` (release; not run by tests; no criterion: one run is
//! minutes long): the memory target. Two in-process simulators hold `dbo.wide`
//! (bulk-loaded, `VALIDATE_10M_ROWS` rows, default 10,000,000); the target has 10 scattered
//! differences (8 changed rows, 1 missing, 1 extra). The real `cutover validate` binary then
//! runs against them as a child process, and this program prints its wall time, its peak
//! resident memory (VmHWM, read from /proc while it runs) and whether the report names exactly
//! the 10 planted keys.
//!
//! The simulators live in this process, not the measured one: the figure is the validator's
//! own memory, which is what runs next to a production server.

mod support;

use std::collections::BTreeSet;
use tokio::runtime::Runtime;

fn rows() -> u64 {
    std::env::var("VALIDATE_10M_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000)
}

/// The ids planted: 8 changed, 1 deleted from the target, 1 only in the target.
fn planted(rows: u64) -> (Vec<u64>, u64, u64) {
    let spread: Vec<u64> = (0..9).map(|j| (j * 1_111_111 + 4_321) % rows).collect();
    let (changed, deleted) = (spread[..8].to_vec(), spread[8]);
    (changed, deleted, rows + 7)
}

async fn exec(client: &mut tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>, sql: &str) {
    client.simple_query(sql).await.expect(sql).into_results().await.expect(sql);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench` probes benches with --list; this one only runs when asked.
    }
    let rt = Runtime::new().expect("runtime");
    let n = rows();
    let (changed, deleted, extra) = planted(n);
    let (src, tgt) = rt.block_on(async {
        let (src, tgt) = (support::start_sim().await, support::start_sim().await);
        for (i, server) in [&src, &tgt].into_iter().enumerate() {
            let mut c = support::raw_client(server).await;
            let secs = support::load_wide(&mut c, n).await;
            println!("side {i}: bulk-loaded {n} rows in {secs:.1} s");
            if i == 1 {
                let ids: Vec<String> = changed.iter().map(u64::to_string).collect();
                exec(&mut c, &format!("UPDATE dbo.wide SET qty = -1 WHERE id IN ({})", ids.join(", "))).await;
                exec(&mut c, &format!("DELETE FROM dbo.wide WHERE id = {deleted}")).await;
                exec(
                    &mut c,
                    &format!(
                        "INSERT INTO dbo.wide VALUES ({extra}, 1, 1.00, N'extra', '2024-01-01 00:00:00')"
                    ),
                )
                .await;
            }
        }
        (src, tgt)
    });
    let out = std::env::temp_dir().join(format!("cutover-validate-10m-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let (source, target) =
        (support::bench_conn(src.local_addr().port()), support::bench_conn(tgt.local_addr().port()));
    let watched = support::validate_checksum(env!("CARGO_BIN_EXE_cutover"), &source, &target, &out, &[]);
    let (status, secs, peak) = (watched.status, watched.seconds, watched.peak_kb);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json")).expect("json");
    let found: BTreeSet<u64> = report["tables"][0]["differences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["key"]["id"].as_str().and_then(|v| v.parse().ok()))
        .collect();
    let wanted: BTreeSet<u64> = changed.iter().copied().chain([deleted, extra]).collect();
    let stats = &report["stats"];
    println!(
        "validate_10m: rows={n} exit={} seconds={secs:.1} peak_rss_kb={peak} peak_rss_mb={:.1} queries={} rows_received={} found={} exact={}",
        status.code().unwrap_or(-1),
        peak as f64 / 1024.0,
        stats["queries"],
        stats["rows_received"],
        found.len(),
        found == wanted
    );
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(found, wanted, "the report names exactly the planted keys");
}
