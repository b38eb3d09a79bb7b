//! Loading 1M rows into the simulator through TDS, and the memory it holds afterwards.
//!
//! `cargo bench --bench sim_load` prints one line per figure (a documented bench command, not a
//! criterion loop: loading is a one-shot measurement). Targets: < 15 s, < 400 MB.

#[path = "support/mod.rs"]
mod support;

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` / criterion's listing: nothing to list here.
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let server = support::start_sim().await;
        let mut client = support::raw_client(&server).await;
        let before = support::status_mb("VmRSS:");
        let secs = support::load_wide(&mut client, 1_000_000).await;
        let n = client
            .query("SELECT COUNT_BIG(*) FROM dbo.wide", &[])
            .await
            .unwrap()
            .into_row()
            .await
            .unwrap()
            .and_then(|r| r.get::<i64, _>(0))
            .unwrap();
        assert_eq!(n, 1_000_000);
        println!("bulk_load_1m_rows_seconds {secs:.2} (target < 15)");
        println!("bulk_rows_per_second {:.0}", 1_000_000.0 / secs);
        println!("rss_before_mb {before:.0}");
        println!(
            "rss_after_load_mb {:.0} (target < 400, simulator and client in one process)",
            support::status_mb("VmRSS:")
        );
        println!("peak_rss_mb {:.0}", support::status_mb("VmHWM:"));
        // For comparison: the same rows as 1,000-row INSERT … VALUES batches (T-SQL parsed each time).
        let other = support::start_sim().await;
        let mut client = support::raw_client(&other).await;
        let secs = support::insert_wide(&mut client, 200_000).await;
        println!("insert_values_200k_rows_seconds {secs:.2} ({:.0} rows/s)", 200_000.0 / secs);
    });
}
