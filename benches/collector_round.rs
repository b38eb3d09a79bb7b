//! The collector's costs against the in-process simulator.
//!
//! ```sh
//! cargo bench --bench collector_round            # everything below
//! cargo bench --bench collector_round -- round   # criterion: one sampling round; round trips and CPU per round
//! cargo bench --bench collector_round -- state   # state bytes per sample over 100,000 samples (flat?)
//! cargo bench --bench collector_round -- fleet   # 50 instances at 1 s for 30 s: late samples (target 0),
//!                                                # simulators in a child process, then on this runtime
//! cargo bench --bench collector_round -- disk    # 24 h at 15 s on disk, extrapolated (target ≤ 50 MB)
//! cargo bench --bench collector_round -- estate  # 200 instances at 15 s from one process, baseline on disk and
//!                                                # /metrics scraped every 15 s (COLLECTOR_ESTATE_SECS, default 300)
//! ```
//!
//! Targets (issue 4): ≤ 2 round trips per instance per round of the per-interval families,
//! < 5 ms of collector CPU per round, no late samples with 50 instances at 1 s, memory flat over
//! 100,000 samples, ≤ 50 MB for a 24 h baseline at 15 s.
//!
//! The simulators run in a child process (this bench binary re-run with
//! `COLLECTOR_BENCH_SIM_HOST=N`, printing the N ports), so this process's CPU (`/proc/self/stat`)
//! is the collector's alone and the simulators' CPU is read from the child's `/proc/PID/stat`.
//! `fleet_shared` repeats the fleet with the 50 simulators on this process's runtime, as the first
//! measurement did, to show what sharing the runtime and the 2 cores with them costs.

#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use criterion::Criterion;
use cutover_collector::run::{self, Options};
use cutover_collector::sampler::{InstanceSampler, Settings};
use cutover_collector::summary::Summaries;
use cutover_mssql::ServerTarget;
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::profile::Profile;
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};

use support::PASSWORD;

async fn start_sim(name: &str) -> (SimServer, ServerTarget) {
    let config = InstanceConfig::for_profile(
        name,
        Profile::default_profile(),
        vec![LoginDef::sysadmin("bench", PASSWORD)],
    );
    let instance = Instance::start(config).expect("simulator starts");
    instance.create_database("bench").expect("database");
    let server = SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() })
        .await
        .expect("server");
    let target = target_at(server.local_addr().port());
    (server, target)
}

fn target_at(port: u16) -> ServerTarget {
    let conn = format!(
        "Server=tcp:127.0.0.1,{port};Database=bench;User Id=bench;Password={PASSWORD};Encrypt=not_supported"
    );
    cutover_mssql::resolve(&conn, None, &cutover_mssql::SystemEnv).expect("parses").target
}

const SIM_HOST: &str = "COLLECTOR_BENCH_SIM_HOST";

/// The child: `n` simulators, their ports on stdout, until stdin closes.
fn sim_host(n: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let _servers: Vec<SimServer> = rt.block_on(async {
        let mut servers = Vec::new();
        for i in 0..n {
            let (server, _) = start_sim(&format!("SIM-{i:02}")).await;
            println!("{}", server.local_addr().port());
            servers.push(server);
        }
        servers
    });
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
}

/// `n` simulators in a child process: their targets, and the child (ends when dropped).
struct SimHost {
    child: std::process::Child,
    targets: Vec<ServerTarget>,
}

impl SimHost {
    fn start(n: usize) -> SimHost {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().expect("bench binary"))
            .env(SIM_HOST, n.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("simulator host starts");
        let stdout = child.stdout.take().expect("piped");
        let targets = std::io::BufReader::new(stdout)
            .lines()
            .take(n)
            .map(|l| target_at(l.expect("a port").trim().parse().expect("a port number")))
            .collect();
        SimHost { child, targets }
    }

    /// The simulators' CPU so far, in seconds.
    fn cpu_secs(&self) -> f64 {
        support::cpu_secs_of(&format!("/proc/{}/stat", self.child.id()))
    }
}

impl Drop for SimHost {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Only the per-interval families (query stats and configuration far in the future).
fn fast_only(interval: Duration) -> Settings {
    Settings {
        interval,
        query_interval: Duration::from_secs(86_400),
        config_interval: Duration::from_secs(86_400),
        ..Settings::default()
    }
}

fn rss_kb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Criterion: one round of the per-interval families on a warm sampler; then round trips and
/// CPU per round over 500 rounds, the collector's (this process) and the simulator's (the child)
/// apart.
fn round(rt: &tokio::runtime::Runtime) {
    let host = SimHost::start(1);
    let target = host.targets[0].clone();
    let mut sampler = InstanceSampler::new("src".into(), target, fast_only(Duration::from_secs(15)));
    // The first round connects, probes each family alone, reads query stats and configuration.
    let first = rt.block_on(sampler.round(Instant::now()));
    assert!(first.up, "{:?}", first.errors);
    let mut c = Criterion::default().configure_from_args();
    c.bench_function("collector_round_fast_families", |b| {
        b.iter(|| rt.block_on(sampler.round(Instant::now())))
    });
    let (mut trips, mut queries, mut points) = (0u64, 0u64, 0usize);
    let n = 500;
    let (cpu0, sim0, t0) = (support::process_cpu_secs(), host.cpu_secs(), Instant::now());
    for _ in 0..n {
        let r = rt.block_on(sampler.round(Instant::now()));
        trips += r.round_trips;
        queries += r.queries;
        points += r.points.len();
    }
    let (cpu, sim, wall) =
        (support::process_cpu_secs() - cpu0, host.cpu_secs() - sim0, t0.elapsed().as_secs_f64());
    let per = |secs: f64| secs * 1000.0 / f64::from(n);
    println!("round_trips_per_round {:.2} (target ≤ 2)", trips as f64 / f64::from(n));
    println!("queries_per_round {:.1}", queries as f64 / f64::from(n));
    println!("points_per_round {:.0}", points as f64 / f64::from(n));
    println!("collector_cpu_ms_per_round {:.2} (target < 5; this process only)", per(cpu));
    println!("simulator_cpu_ms_per_round {:.2} (the child process)", per(sim));
    println!("wall_ms_per_round {:.2}", per(wall));
}

/// State per sample: the sampler's delta state and the summary sketches, after 1,000 and after
/// 100,000 samples (real rounds, then each round's points replayed with drift).
fn state(rt: &tokio::runtime::Runtime) {
    let (_server, target) = rt.block_on(start_sim("SIM-STATE"));
    let mut sampler = InstanceSampler::new("src".into(), target, fast_only(Duration::from_secs(15)));
    let mut summaries = Summaries::default();
    let mut rounds = Vec::new();
    for _ in 0..20 {
        let r = rt.block_on(sampler.round(Instant::now()));
        for p in &r.points {
            summaries.record("src", p);
        }
        rounds.push(r);
    }
    let per_round = rounds.iter().map(|r| r.points.len()).sum::<usize>() / rounds.len();
    let mut samples = 20usize;
    let report = |label: &str, summaries: &Summaries, samples: usize, rss0: f64| {
        // A sketch bucket is a BTreeMap entry: a 4-byte key and an 8-byte count, ~24 bytes with
        // the node overhead.
        let bytes = summaries.buckets_held() * 24 + summaries.series() * 160;
        println!(
            "{label}: samples {samples}, series {}, sketch buckets {}, state ≈ {} KB \
             ({:.1} bytes per sample), sampler state series {}, rss growth {:.0} KB",
            summaries.series(),
            summaries.buckets_held(),
            bytes / 1024,
            bytes as f64 / samples as f64,
            sampler.state_series(),
            rss_kb() - rss0,
        );
    };
    let rss0 = rss_kb();
    let mut drift = 0u64;
    let mut replay = |summaries: &mut Summaries, until: usize, samples: &mut usize| {
        while *samples < until {
            let r = &rounds[*samples % rounds.len()];
            drift = drift.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let f = 0.5 + (drift >> 40) as f64 / (1u64 << 24) as f64;
            for p in &r.points {
                let mut p = p.clone();
                p.value *= f;
                summaries.record("src", &p);
            }
            *samples += 1;
        }
    };
    replay(&mut summaries, 1_000, &mut samples);
    report("after_1000_samples", &summaries, samples, rss0);
    replay(&mut summaries, 100_000, &mut samples);
    report("after_100000_samples", &summaries, samples, rss0);
    println!("points_per_sample {per_round}");
}

fn fleet_options(servers: Vec<(String, ServerTarget)>) -> Options {
    Options {
        servers,
        settings: Settings { interval: Duration::from_secs(1), ..Settings::default() },
        duration: Some(Duration::from_secs(30)),
        out: None,
        csv: false,
        listen: None,
        flush_every: Duration::from_secs(60),
    }
}

/// 50 instances at 1 s for 30 s, the simulators in a child process: every round on time?
fn fleet(rt: &tokio::runtime::Runtime) {
    let host = SimHost::start(50);
    let servers = host.targets.iter().enumerate().map(|(i, t)| (format!("sim{i:02}"), t.clone())).collect();
    let (cpu0, sim0) = (support::process_cpu_secs(), host.cpu_secs());
    let report = rt.block_on(run::run(fleet_options(servers), std::future::pending())).expect("runs");
    println!(
        "fleet_50_at_1s_30s (simulators in a child process): rounds {} (expected 1500), late {} (target 0), \
         collector cpu {:.1} s, simulators cpu {:.1} s, of 60 core-seconds",
        report.rounds,
        report.late,
        support::process_cpu_secs() - cpu0,
        host.cpu_secs() - sim0
    );
}

/// The same with the 50 simulators on this process's runtime (the first measurement's setup).
fn fleet_shared(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let mut servers = Vec::new();
        let mut keep = Vec::new();
        for i in 0..50 {
            let (server, target) = start_sim(&format!("SIM-{i:02}")).await;
            keep.push(server);
            servers.push((format!("sim{i:02}"), target));
        }
        let cpu0 = support::process_cpu_secs();
        let report = run::run(fleet_options(servers), std::future::pending()).await.expect("runs");
        println!(
            "fleet_50_at_1s_30s (simulators on the same runtime): rounds {} (expected 1500), late {} (target 0), \
             cpu {:.1} s of 60 core-seconds",
            report.rounds,
            report.late,
            support::process_cpu_secs() - cpu0
        );
    });
}

/// An estate from one collector, as deployed (examples/kubernetes/collector.yaml): 200 instances
/// (`COLLECTOR_ESTATE_INSTANCES`) at 15 s for `COLLECTOR_ESTATE_SECS` (default 300: 20 rounds
/// each), the simulators in a child process, the baseline written to disk (Parquet, flushed every
/// minute) and `/metrics` served and scraped every 15 s as Prometheus would. Prints late rounds
/// (target 0), this process's memory before, after and at peak (VmRSS, VmHWM), CPU per round,
/// the bytes on disk, and the scrapes' size, series and slowest time.
fn estate(rt: &tokio::runtime::Runtime) {
    let n: usize =
        std::env::var("COLLECTOR_ESTATE_INSTANCES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let secs: u64 = std::env::var("COLLECTOR_ESTATE_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    // `COLLECTOR_ESTATE_DISK=0` / `COLLECTOR_ESTATE_SCRAPE=0`: no baseline on disk / no `/metrics`
    // (to tell which one the memory is).
    let on = |knob: &str| std::env::var(knob).map_or(true, |v| v != "0");
    let (disk, scrape) = (on("COLLECTOR_ESTATE_DISK"), on("COLLECTOR_ESTATE_SCRAPE"));
    let host = SimHost::start(n);
    let servers = host.targets.iter().enumerate().map(|(i, t)| (format!("sim{i:03}"), t.clone())).collect();
    let dir = std::env::temp_dir().join(format!("cutover-bench-estate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let listen =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
    let opts = Options {
        servers,
        settings: Settings { interval: Duration::from_secs(15), ..Settings::default() },
        duration: Some(Duration::from_secs(secs)),
        out: disk.then(|| dir.clone()),
        csv: false,
        listen: scrape.then_some(listen),
        flush_every: Duration::from_secs(60),
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let scraper = {
        let stop = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || if scrape { scrape_every_15s(listen, &stop) } else { Scrapes::default() })
    };
    let rss_curve = {
        let stop = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || rss_every_30s(&stop))
    };
    let (rss0, cpu0, sim0) = (rss_kb(), support::process_cpu_secs(), host.cpu_secs());
    let started = Instant::now();
    let report = rt.block_on(run::run(opts, std::future::pending())).expect("runs");
    let peak_mb = support::status_mb("VmHWM:");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let scrapes = scraper.join().expect("scraper");
    let curve = rss_curve.join().expect("rss sampler");
    let cpu = support::process_cpu_secs() - cpu0;
    println!(
        "estate_{n}_at_15s_{secs}s (simulators in a child process): rounds {} (expected {}), late {} (target 0), \
         gaps {}, errors {}, wall {:.0} s, collector cpu {:.1} s ({:.2} ms per round), simulators cpu {:.1} s, \
         collector rss {:.1} MB before, {:.1} MB after, peak {:.1} MB; on disk {:.1} MB; /metrics scraped {} times: \
         {} bytes, {} series, slowest {:.0} ms; disk {disk}, scrape {scrape}; rss every 30 s (MB): {}",
        report.rounds,
        n as u64 * secs / 15,
        report.late,
        report.gaps,
        report.errors,
        started.elapsed().as_secs_f64(),
        cpu,
        cpu * 1000.0 / report.rounds.max(1) as f64,
        host.cpu_secs() - sim0,
        rss0 / 1024.0,
        rss_kb() / 1024.0,
        peak_mb,
        dir_size(&dir) as f64 / 1e6,
        scrapes.count,
        scrapes.bytes,
        scrapes.series,
        scrapes.slowest_ms,
        curve.iter().map(|mb| format!("{mb:.0}")).collect::<Vec<_>>().join(" "),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// This process's VmRSS in MB every 30 s until `stop`: flat, or growing with run length?
fn rss_every_30s(stop: &std::sync::atomic::AtomicBool) -> Vec<f64> {
    let mut out = Vec::new();
    let mut next = Instant::now() + Duration::from_secs(30);
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(200));
        if Instant::now() >= next {
            next += Duration::from_secs(30);
            out.push(rss_kb() / 1024.0);
        }
    }
    out
}

/// What the scrapes of `/metrics` saw: the last one's size and series, the slowest's time.
#[derive(Default)]
struct Scrapes {
    count: u64,
    bytes: usize,
    series: usize,
    slowest_ms: f64,
}

/// `GET /metrics` every 15 s (Prometheus's scrape at the collector's interval) until `stop`.
fn scrape_every_15s(addr: std::net::SocketAddr, stop: &std::sync::atomic::AtomicBool) -> Scrapes {
    use std::io::{Read, Write};
    let mut out = Scrapes::default();
    let mut next = Instant::now() + Duration::from_secs(15);
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        next += Duration::from_secs(15);
        let started = Instant::now();
        let Ok(mut conn) = std::net::TcpStream::connect(addr) else { continue };
        let mut body = String::new();
        let sent = conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: collector\r\nConnection: close\r\n\r\n");
        if sent.is_err() || conn.read_to_string(&mut body).is_err() {
            continue;
        }
        out.slowest_ms = out.slowest_ms.max(started.elapsed().as_secs_f64() * 1000.0);
        out.count += 1;
        out.bytes = body.len();
        out.series = body.lines().filter(|l| l.starts_with("mssql_")).count();
    }
    out
}

/// One instance at a 1 s interval for 60 s, with the flush and query cadence of a 15 s run
/// (4 rounds per flush, query stats every 20 rounds); the folder's size × 5,760 / rounds.
fn disk(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let (_server, target) = start_sim("SIM-DISK").await;
        let dir = std::env::temp_dir().join(format!("cutover-bench-disk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let opts = Options {
            servers: vec![("src".into(), target)],
            settings: Settings {
                interval: Duration::from_secs(1),
                query_interval: Duration::from_secs(20),
                config_interval: Duration::from_secs(240),
                ..Settings::default()
            },
            duration: Some(Duration::from_secs(60)),
            out: Some(dir.clone()),
            csv: false,
            listen: None,
            flush_every: Duration::from_secs(4),
        };
        let report = run::run(opts, std::future::pending()).await.expect("runs");
        let size = dir_size(&dir);
        let per_day = size as f64 * 5_760.0 / report.rounds.max(1) as f64;
        println!(
            "disk: {} rounds, {:.1} KB on disk, {:.0} bytes per round; 24 h at 15 s ≈ {:.1} MB (target ≤ 50)",
            report.rounds,
            size as f64 / 1024.0,
            size as f64 / report.rounds.max(1) as f64,
            per_day / 1e6
        );
        let _ = std::fs::remove_dir_all(&dir);
    });
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    if let Some(n) = std::env::var(SIM_HOST).ok().and_then(|n| n.parse().ok()) {
        return sim_host(n);
    }
    support::run_parts(&[
        ("round", round),
        ("state", state),
        ("fleet", fleet),
        ("fleet_shared", fleet_shared),
        ("disk", disk),
        ("estate", estate),
    ]);
}
