//! Capture throughput: can `cutover capture` keep up with 5,000 events/s?
//!
//! The simulator records 5,000 `rpc_completed` events (typed `sp_executesql` calls from four
//! raw tiberius clients) into a started event session. Then, with criterion:
//!
//! - `poll_5000_events`: one poll exactly as the capture does it — the one read query
//!   (`sys.fn_xe_file_target_read_file`) returning 5,000 event rows, each parsed (quick-xml),
//!   converted to a typed trace line and written to a file, flushed. At a 1 s poll and 5,000
//!   events/s this must take well under a second; `5,000 / time` is the capture's capacity.
//! - `client_pipeline`: parse + convert + serialise per event without the server (events/s).
//!
//! It also prints the bytes of one poll's rows (what a poll holds in memory: it is bounded by
//! the events of one poll interval, never the capture's length) and how fast the four clients
//! produced the events. `cargo bench --bench capture_throughput`; figures in BENCHMARKS.md.

#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cutover_mssql::{Encryption, Secret, ServerTarget};
use cutover_workloads::capture::convert::{Converted, convert};
use cutover_workloads::capture::ddl::READ_SQL;
use cutover_workloads::capture::statement::Prepared;
use cutover_workloads::capture::writer::{Identity, Rotation, TraceWriter};
use cutover_workloads::capture::xml::parse_event;

const EVENTS: usize = 5_000;
const CLIENTS: usize = 4;

const SESSION: &str = "CREATE EVENT SESSION bench_capture ON SERVER \
    ADD EVENT sqlserver.rpc_completed (ACTION (sqlserver.session_id, sqlserver.database_name, \
      sqlserver.client_app_name, sqlserver.username) WHERE ([sqlserver].[client_app_name] <> N'reader')), \
    ADD EVENT sqlserver.sql_batch_completed (ACTION (sqlserver.session_id)) \
    ADD TARGET package0.event_file (SET filename = N'bench_capture.xel') WITH (MAX_DISPATCH_LATENCY = 1 SECONDS)";

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = rt.block_on(support::start_sim());
    let (produce_s, rows) = rt.block_on(async {
        let mut admin = support::raw_client(&server).await;
        admin.simple_query(SESSION).await.unwrap().into_results().await.unwrap();
        admin
            .simple_query("ALTER EVENT SESSION bench_capture ON SERVER STATE = START")
            .await
            .unwrap()
            .into_results()
            .await
            .unwrap();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let mut client = support::raw_client(&server).await;
            tasks.push(tokio::spawn(async move {
                for i in 0..EVENTS / CLIENTS {
                    let id = (c * EVENTS + i) as i32;
                    let name = format!("customer {i}");
                    client
                        .query("SELECT @P1 AS id, @P2 AS name", &[&id, &name.as_str()])
                        .await
                        .unwrap()
                        .into_results()
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let produce_s = started.elapsed().as_secs_f64();
        let mut reader = reader(&server).await;
        let rows = reader
            .query_rows(READ_SQL, &[&"bench_capture*.xel", &None::<String>, &None::<i64>])
            .await
            .unwrap();
        (produce_s, rows)
    });
    let xml: Vec<String> =
        rows.iter().map(|r| r.get::<&str, _>("event_data").unwrap_or("").to_string()).collect();
    let bytes: usize = xml.iter().map(String::len).sum();
    println!(
        "capture_setup: {} events recorded; {CLIENTS} clients produced them at {:.0} events/s; one poll's rows hold {:.1} MB of event XML",
        xml.len(),
        xml.len() as f64 / produce_s,
        bytes as f64 / 1e6
    );
    assert!(xml.len() >= EVENTS, "every call was recorded");

    let out = std::env::temp_dir().join(format!("cutover-bench-capture-{}", std::process::id()));
    let mut group = c.benchmark_group("capture");
    group.throughput(Throughput::Elements(xml.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut reader = rt.block_on(reader(&server));
    group.bench_function("poll_5000_events", |b| {
        b.iter(|| {
            rt.block_on(async {
                let rows = reader
                    .query_rows(READ_SQL, &[&"bench_capture*.xel", &None::<String>, &None::<i64>])
                    .await
                    .unwrap();
                // Each poll into a fresh capture folder, as one capture's first part.
                let _ = std::fs::remove_dir_all(&out);
                let identity = Identity {
                    capture: "bench_capture".into(),
                    started_at: "2026-01-01T00:00:00Z".into(),
                    source: None,
                };
                let mut writer = TraceWriter::create(&out, Rotation::default(), identity).unwrap();
                let mut prepared = Prepared::default();
                for r in &rows {
                    let e = parse_event(r.get::<&str, _>("event_data").unwrap_or("")).unwrap();
                    if let Converted::Line(line) = convert(&e, &mut prepared) {
                        writer.write(&line).unwrap();
                    }
                }
                writer.flush().unwrap();
                assert!(writer.lines as usize >= EVENTS);
            })
        })
    });
    group.bench_function("client_pipeline", |b| {
        b.iter(|| {
            let mut prepared = Prepared::default();
            let mut n = 0usize;
            for x in &xml {
                let e = parse_event(x).unwrap();
                if let Converted::Line(line) = convert(&e, &mut prepared) {
                    n += serde_json::to_string(&line).unwrap().len();
                }
            }
            n
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&out);
}

/// The reader, through cutover's connection layer, as the capture connects.
async fn reader(server: &cutover_sim::server::SimServer) -> cutover_mssql::Connection {
    let mut target = ServerTarget::new("127.0.0.1", server.local_addr().port());
    target.database = Some("bench".into());
    target.user = Some("bench".into());
    target.password = Some(Secret::new(support::PASSWORD));
    target.encryption = Encryption::NotSupported;
    target.application_name = "reader".into();
    cutover_mssql::connect(&target).await.expect("connect to the simulator")
}

criterion_group!(benches, bench);
criterion_main!(benches);
