//! `cargo bench --bench validate_merge` (release; not run by tests): the validator's hot paths
//! on two in-process simulators holding `dbo.wide` (bulk-loaded with tiberius `bulk_insert`),
//! the target with one changed row.
//!
//! - `merge/stream_merge` vs `merge/raw_tiberius_stream`: the streaming (key, row hash) merge
//!   of the whole table as one leaf (both sides' leaf query streamed and paired, naming the one
//!   changed key) against raw tiberius streaming the same leaf query from both sides and only
//!   counting rows — the target is ≥ 80% of the raw throughput.
//! - `merge/checksum_then_merge`: what a table with a difference costs end to end (the whole
//!   table's checksums on both servers, then the same merge).
//! - `pushdown/checksums_pushed_down/S` vs `pushdown/naive_download_and_hash`: S segment
//!   checksums computed on the servers against downloading every row of both sides and
//!   hashing in Rust. Before timing, the bytes each approach pulls from the servers (counted
//!   by a TCP proxy in front of each simulator) are printed: pushed down they grow with the
//!   segments, naive with the rows.
//!
//! Rows: `VALIDATE_BENCH_ROWS` (default 100,000).

mod support;

use support::proxy::{Proxy, proxy};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cutover_mssql::{Connection, Encryption, Secret, ServerTarget};
use cutover_sim::server::SimServer;
use cutover_validate::catalog::read_schema;
use cutover_validate::compare::{Sides, Tuning, compare_keyed, merge};
use cutover_validate::encoding::{RefValue, Relax, row_hash};
use cutover_validate::plan::{Range, TablePlan};
use cutover_validate::queries::typed;
use cutover_validate::sums::Checksum;
use futures_util::StreamExt;
use std::sync::atomic::Ordering;
use tokio::runtime::Runtime;

async fn connect(port: u16) -> Connection {
    let mut t = ServerTarget::new("127.0.0.1", port);
    t.database = Some("bench".into());
    t.user = Some("bench".into());
    t.password = Some(Secret::new(support::PASSWORD));
    t.encryption = Encryption::NotSupported;
    t.command_timeout = None;
    cutover_mssql::connect(&t).await.expect("connect")
}

struct Fixture {
    _servers: [SimServer; 2],
    proxies: [Proxy; 2],
    conns: [Connection; 2],
    plan: TablePlan,
    rows: u64,
}

impl Fixture {
    fn bytes(&self) -> u64 {
        self.proxies.iter().map(|p| p.from_server.load(Ordering::Relaxed)).sum()
    }
}

async fn fixture(rows: u64) -> Fixture {
    let (src, tgt) = (support::start_sim().await, support::start_sim().await);
    for (i, server) in [&src, &tgt].into_iter().enumerate() {
        let mut c = support::raw_client(server).await;
        support::load_wide(&mut c, rows).await;
        if i == 1 {
            let sql = format!("UPDATE dbo.wide SET qty = -1 WHERE id = {}", rows / 2);
            c.simple_query(sql).await.expect("plant").into_results().await.expect("planted");
        }
    }
    let proxies = [proxy(src.local_addr().port()).await, proxy(tgt.local_addr().port()).await];
    let mut conns = [connect(proxies[0].port).await, connect(proxies[1].port).await];
    let s = read_schema(&mut conns[0]).await.expect("source schema");
    let t = read_schema(&mut conns[1]).await.expect("target schema");
    let (ss, ts) = (&s.tables["dbo.wide"], &t.tables["dbo.wide"]);
    let plan = TablePlan::new(ss, ts, &Relax::default(), None, &|_| false, &mut Vec::new());
    Fixture { _servers: [src, tgt], proxies, conns, plan, rows }
}

const TUNE: Tuning = Tuning { leaf_rows: u64::MAX, fanout: 16, max_diffs: 100, columns: false };

async fn stream_merge(f: &mut Fixture) {
    let [a, b] = &mut f.conns;
    let mut sides = Sides { src: a, tgt: b, table: "dbo.wide".into(), out: Default::default() };
    merge(&mut sides, &f.plan, &Range::default(), &TUNE).await.expect("merge");
    assert_eq!(sides.out.total, 1, "exactly the planted row");
}

async fn checksum_then_merge(f: &mut Fixture) {
    let [a, b] = &mut f.conns;
    let mut sides = Sides { src: a, tgt: b, table: "dbo.wide".into(), out: Default::default() };
    let same = compare_keyed(&mut sides, &f.plan, &TUNE).await.expect("compare");
    assert!(!same && sides.out.total == 1, "exactly the planted row");
}

async fn raw_count(c: &mut Connection, sql: &str) -> u64 {
    let stream = c.client_mut().query(sql, &[]).await.expect("query");
    stream.into_row_stream().fold(0u64, |n, r| async move { n + u64::from(r.is_ok()) }).await
}

async fn raw_stream(f: &mut Fixture) {
    let sql = f.plan.leaf_sql(&Range::default());
    let [a, b] = &mut f.conns;
    let (x, y) = tokio::join!(raw_count(a, &sql), raw_count(b, &sql));
    assert_eq!(x + y, 2 * f.rows);
}

async fn segment_ranges(f: &mut Fixture, segments: u64) -> Vec<Range> {
    let whole = Range::default();
    let sql = f.plan.boundaries_sql(&whole, f.rows.div_ceil(segments));
    let rows = f.conns[0].query_rows(&sql, &[]).await.expect("boundaries");
    let mut lo = None;
    let mut out = Vec::new();
    for r in rows {
        let k = vec![r.get::<&str, _>(0).map(str::to_string).unwrap_or_default()];
        out.push(Range { lo: lo.clone(), hi: Some(k.clone()) });
        lo = Some(k);
    }
    out.push(Range { lo, hi: None });
    out
}

async fn pushed_down(f: &mut Fixture, ranges: &[Range]) -> u64 {
    let mut differing = 0;
    for r in ranges {
        let sql = f.plan.checksum_sql(r);
        let [a, b] = &mut f.conns;
        let (x, y) = tokio::join!(a.query_rows(&sql, &[]), b.query_rows(&sql, &[]));
        let cells = |rows: Vec<tiberius::Row>| -> Vec<String> {
            rows.iter().flat_map(|r| r.cells().map(|(_, d)| typed(d)).collect::<Vec<_>>()).collect()
        };
        differing += u64::from(cells(x.expect("checksum")) != cells(y.expect("checksum")));
    }
    differing
}

async fn naive(f: &mut Fixture) -> [Checksum; 2] {
    let mut out = [Checksum::default(); 2];
    for (side, conn) in f.conns.iter_mut().enumerate() {
        let stream = conn.client_mut().query("SELECT * FROM dbo.wide", &[]).await.expect("download");
        let mut rows = stream.into_row_stream();
        while let Some(row) = rows.next().await {
            let row = row.expect("row");
            let values: Vec<RefValue> = row.cells().map(|(_, d)| RefValue::Text(typed(d))).collect();
            out[side].add(&row_hash(&values));
        }
    }
    out
}

fn rows() -> u64 {
    std::env::var("VALIDATE_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let n = rows();
    let mut f = rt.block_on(fixture(n));

    let mut g = c.benchmark_group("merge");
    g.throughput(Throughput::Elements(2 * n));
    g.sample_size(10);
    g.bench_function("stream_merge", |b| b.iter(|| rt.block_on(stream_merge(&mut f))));
    g.bench_function("raw_tiberius_stream", |b| b.iter(|| rt.block_on(raw_stream(&mut f))));
    g.bench_function("checksum_then_merge", |b| b.iter(|| rt.block_on(checksum_then_merge(&mut f))));
    g.finish();

    let mut g = c.benchmark_group("pushdown");
    g.sample_size(10);
    for segments in [16u64, 256] {
        let ranges = rt.block_on(segment_ranges(&mut f, segments));
        let before = f.bytes();
        let differing = rt.block_on(pushed_down(&mut f, &ranges));
        assert_eq!(differing, 1, "the planted row's segment");
        println!("pushdown bytes: rows={n} segments={segments} bytes_from_servers={}", f.bytes() - before);
        g.bench_with_input(BenchmarkId::new("checksums_pushed_down", segments), &ranges, |b, r| {
            b.iter(|| rt.block_on(pushed_down(&mut f, r)))
        });
    }
    let before = f.bytes();
    let sums = rt.block_on(naive(&mut f));
    assert_ne!(sums[0], sums[1], "the planted row differs");
    println!("naive bytes: rows={n} bytes_from_servers={}", f.bytes() - before);
    g.bench_function("naive_download_and_hash", |b| b.iter(|| rt.block_on(naive(&mut f))));
    g.finish();
}

criterion_group!(validate, benches);
criterion_main!(validate);
