//! Loading 1M rows into the simulator through TDS, and the memory it holds afterwards; and the
//! cost of single-row writes by key (autocommit and inside one transaction), the path the row
//! locks go through.
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
        point_writes(&mut client, 200_000).await;
    });
}

/// `UPDATE … WHERE id = @P1` one row at a time: 5,000 as autocommit statements, then 5,000
/// inside one transaction (committed at the end).
async fn point_writes(
    client: &mut tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>,
    rows: i64,
) {
    const N: i64 = 5_000;
    let update = "UPDATE dbo.wide SET qty = qty + 1 WHERE id = @P1";
    for (label, in_transaction) in [("autocommit", false), ("in_one_transaction", true)] {
        if in_transaction {
            client.simple_query("BEGIN TRAN").await.unwrap().into_results().await.unwrap();
        }
        let started = std::time::Instant::now();
        for i in 0..N {
            let id = (i * 7_919) % rows;
            client.execute(update, &[&id]).await.unwrap();
        }
        if in_transaction {
            client.simple_query("COMMIT").await.unwrap().into_results().await.unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        println!("point_updates_{label}_per_second {:.0} ({N} in {secs:.2} s)", N as f64 / secs);
    }
}
