//! `cargo bench --bench compare_baselines` (release; not run by tests): the targets.
//!
//! - `compare/baselines_24h_1s_200_metrics`: two synthetic 24 h baselines at 1 s with 200
//!   metrics each (86,400 × 200 ≈ 17.3M points a side, 1,440 Parquet parts, written by the
//!   format's own writer) loaded with polars, aligned, summarised and tested. Target: < 10 s
//!   and < 4 GB; one comparison is timed on its own first, with the peak resident set (VmHWM).
//! - `compare/merge_64_shard_logs`: 64 shard folders' `latency.hlog` (6 templates × response
//!   and service × 60 one-second intervals each) merged losslessly. Target: < 1 s.
//!
//! `cargo bench --workspace --bench compare_baselines -- merge` runs the second alone.
//! The data is generated once into `$CUTOVER_BENCH_DATA` (default /tmp/cutover-bench-compare)
//! and reused by later runs.

use criterion::{Criterion, criterion_group, criterion_main};
use cutover_compare::testdata::{SynthTemplate, day_at_one_second, write_replay};
use cutover_compare::{CompareOptions, compare};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn data_dir() -> PathBuf {
    PathBuf::from(std::env::var("CUTOVER_BENCH_DATA").unwrap_or_else(|_| "/tmp/cutover-bench-compare".into()))
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "?".into())
}

fn ensure_baseline(dir: &Path, scale: f64, seed: u64) {
    if dir.join("baseline.json").is_file() {
        return;
    }
    let t = Instant::now();
    let _ = std::fs::remove_dir_all(dir);
    day_at_one_second("sql01", scale, seed).write(dir).expect("baseline written");
    eprintln!("generated {} in {:.0?}", dir.display(), t.elapsed());
}

fn ensure_shards(dir: &Path) -> Vec<PathBuf> {
    let templates: Vec<SynthTemplate> = (0..6)
        .map(|i| SynthTemplate {
            name: format!("t{i}"),
            median_us: 500.0 * f64::from(i + 1),
            spread: 0.5,
            per_second: 50,
            errors: Vec::new(),
        })
        .collect();
    (0..64u64)
        .map(|i| {
            let shard = dir.join(format!("shard-{i:02}"));
            if !shard.join("run.json").is_file() {
                write_replay(&shard, &templates, 60, i).expect("shard written");
            }
            shard
        })
        .collect()
}

/// The 24 h comparison once, timed, with the peak resident set after it (criterion then times
/// more runs, whose figures include the warm page cache).
fn one_comparison(opts: &CompareOptions) {
    let t = Instant::now();
    let result = compare(opts).expect("compare");
    eprintln!(
        "one comparison: {:.2?}, {} metrics, {} checks, {}; VmHWM {}",
        t.elapsed(),
        result.metrics.len(),
        result.checks.len(),
        result.headline(),
        vm_hwm()
    );
}

fn bench(c: &mut Criterion) {
    let root = data_dir();
    let mut g = c.benchmark_group("compare");
    g.sample_size(10).measurement_time(Duration::from_secs(60)).warm_up_time(Duration::from_secs(1));
    g.bench_function("baselines_24h_1s_200_metrics", |b| {
        ensure_baseline(&root.join("src"), 1.0, 1);
        ensure_baseline(&root.join("tgt"), 1.1, 2);
        eprintln!("VmHWM after generation: {}", vm_hwm());
        let opts = CompareOptions {
            baseline: Some(root.join("src")),
            candidate: Some(root.join("tgt")),
            ..Default::default()
        };
        one_comparison(&opts);
        b.iter(|| compare(&opts).expect("compare"))
    });
    g.bench_function("merge_64_shard_logs", |b| {
        let shards = ensure_shards(&root.join("shards"));
        b.iter(|| {
            let m = cutover_compare::replay::hlog::merge(&shards).expect("merge");
            assert_eq!(m.totals["t0.response"].len(), 64 * 60 * 50);
            m
        })
    });
    g.finish();
    eprintln!("VmHWM after the runs: {}", vm_hwm());
}

criterion_group!(benches, bench);
criterion_main!(benches);
