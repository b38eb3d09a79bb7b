//! Simulator protocol throughput, each against its physical limit in the same run:
//! - streaming a 1M-row × 5-column result to tiberius, vs SQLite alone running the same query;
//! - parameterised point lookups across 8 connections.
//!
//! `cargo bench --bench sim_protocol` (figures in BENCHMARKS.md).

#[path = "support/mod.rs"]
mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::TryStreamExt;
use std::time::{Duration, Instant};

const ROWS: u64 = 1_000_000;
const SELECT: &str = "SELECT id, qty, price, name, placed FROM dbo.wide";

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = rt.block_on(support::start_sim());
    let mut client = rt.block_on(support::raw_client(&server));
    let load_secs = rt.block_on(support::load_wide(&mut client, ROWS));
    eprintln!("loaded {ROWS} rows in {load_secs:.2} s");
    let db_path =
        server.instance().data_dir().join(cutover_sim::engine::runtime::database::file_name("bench"));

    let mut group = c.benchmark_group("stream_1m_rows_5_columns");
    group.sample_size(10).measurement_time(Duration::from_secs(30)).throughput(Throughput::Elements(ROWS));
    group.bench_function("tiberius_via_simulator", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut stream = client.simple_query(SELECT).await.unwrap();
                let mut n = 0u64;
                while let Some(item) = stream.try_next().await.unwrap() {
                    if item.as_row().is_some() {
                        n += 1;
                    }
                }
                assert_eq!(n, ROWS);
            })
        })
    });
    group.bench_function("sqlite_alone", |b| {
        let conn = rusqlite::Connection::open(&db_path).unwrap();
        b.iter(|| {
            let mut stmt =
                conn.prepare_cached(r#"SELECT id, qty, price, name, placed FROM "dbo.wide""#).unwrap();
            let mut rows = stmt.query([]).unwrap();
            let mut n = 0u64;
            while let Some(row) = rows.next().unwrap() {
                let _ = (row.get_ref(0), row.get_ref(1), row.get_ref(2), row.get_ref(3), row.get_ref(4));
                n += 1;
            }
            assert_eq!(n, ROWS);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("point_lookups_8_connections");
    let lookups_per_conn = 500u64;
    group.sample_size(10).throughput(Throughput::Elements(8 * lookups_per_conn));
    let clients: Vec<_> = (0..8).map(|_| rt.block_on(support::raw_client(&server))).collect();
    let clients = std::sync::Arc::new(tokio::sync::Mutex::new(clients));
    group.bench_function("sp_executesql_by_primary_key", |b| {
        b.iter_custom(|iters| {
            let clients = clients.clone();
            rt.block_on(async move {
                let mut pool = clients.lock().await;
                let started = Instant::now();
                for _ in 0..iters {
                    let tasks = pool.drain(..).enumerate().map(|(w, mut client)| {
                        tokio::spawn(async move {
                            for i in 0..lookups_per_conn {
                                let id = ((w as u64 * 7919 + i * 104_729) % ROWS) as i64;
                                let row = client
                                    .query("SELECT qty, name FROM dbo.wide WHERE id = @P1", &[&id])
                                    .await
                                    .unwrap()
                                    .into_row()
                                    .await
                                    .unwrap();
                                assert!(row.is_some());
                            }
                            client
                        })
                    });
                    let tasks: Vec<_> = tasks.collect();
                    for t in tasks {
                        pool.push(t.await.unwrap());
                    }
                }
                started.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
