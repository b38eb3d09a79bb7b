//! Shared bench setup: an in-process simulator and raw tiberius clients (the physical limit the
//! issue names: what a client can pull through the protocol).
#![allow(dead_code)]

pub mod proxy;

use cutover_sim::engine::runtime::{Identity, Instance, InstanceConfig, LoginDef};
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub const PASSWORD: &str = "Bench-Passw0rd";

/// One named part of a bench, run on the bench's runtime.
pub type Part = (&'static str, fn(&tokio::runtime::Runtime));

/// Runs the parts of a bench the command line names, in order, on one multi-threaded runtime:
/// `cargo bench --bench x -- NAME` runs the parts whose name contains NAME, no name runs them
/// all; nothing runs under `cargo test --benches` or criterion's listing (`--list`, `--test`).
pub fn run_parts(parts: &[Part]) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let filter = args.iter().find(|a| !a.starts_with('-'));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    for (name, part) in parts {
        if filter.is_none_or(|f| name.contains(f.as_str())) {
            part(&rt);
        }
    }
}

pub async fn start_sim() -> SimServer {
    let config = InstanceConfig {
        name: "SIM-BENCH".into(),
        data_dir: None,
        logins: vec![LoginDef::sysadmin("bench", PASSWORD)],
        identity: Identity::sqlserver_2022(),
        profile: cutover_sim::profile::Profile::default_profile(),
    };
    let instance = Instance::start(config).expect("simulator starts");
    instance.create_database("bench").expect("database");
    SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() })
        .await
        .expect("server")
}

/// The bench login on the bench database of `server`, unencrypted, through cutover's layer.
pub fn bench_target(server: &SimServer) -> cutover_mssql::ServerTarget {
    let mut target = cutover_mssql::ServerTarget::new("127.0.0.1", server.local_addr().port());
    target.database = Some("bench".into());
    target.user = Some("bench".into());
    target.password = Some(cutover_mssql::Secret::new(PASSWORD));
    target.encryption = cutover_mssql::Encryption::NotSupported;
    target
}

/// A field of `/proc/self/status` (`VmRSS:`, `VmHWM:`) in MB; NaN off Linux.
pub fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A raw tiberius client (no cutover layer), unencrypted, to the bench database.
pub async fn raw_client(server: &SimServer) -> Client<Compat<TcpStream>> {
    let mut config = Config::new();
    config.host("127.0.0.1");
    config.port(server.local_addr().port());
    config.database("bench");
    config.authentication(AuthMethod::sql_server("bench", PASSWORD));
    config.encryption(EncryptionLevel::NotSupported);
    // No command bound: finishing a 10M-row bulk load takes the simulator longer than 30 s.
    config.command_timeout(None);
    let tcp = TcpStream::connect(config.get_addr()).await.expect("tcp");
    tcp.set_nodelay(true).expect("nodelay");
    Client::connect(config, tcp.compat_write()).await.expect("login")
}

const CREATE_WIDE: &str = "CREATE TABLE dbo.wide (id bigint NOT NULL PRIMARY KEY, qty int NOT NULL, \
    price decimal(12,2) NOT NULL, name nvarchar(40) NOT NULL, placed datetime2(7) NOT NULL)";

async fn create_wide(client: &mut Client<Compat<TcpStream>>) {
    client.simple_query(CREATE_WIDE).await.expect("create").into_results().await.expect("create done");
}

/// Creates `dbo.wide` (id bigint PK, qty int, price decimal(12,2), name nvarchar(40), placed
/// datetime2) and bulk-loads `rows` rows (INSERT BULK + BulkLoad, as bcp and SqlBulkCopy do);
/// returns the seconds taken.
pub async fn load_wide(client: &mut Client<Compat<TcpStream>>, rows: u64) -> f64 {
    use tiberius::IntoRow;
    create_wide(client).await;
    let base = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    let started = std::time::Instant::now();
    let mut bulk = client.bulk_insert("dbo.wide").await.expect("bulk insert");
    for i in 0..rows {
        let price = rust_decimal::Decimal::new((i % 100_000) as i64, 2);
        let placed = base + chrono::Duration::microseconds(i as i64);
        let row = (i as i64, (i % 100) as i32, price, format!("customer {}", i % 5000), placed);
        bulk.send(row.into_row()).await.expect("row");
    }
    bulk.finalize().await.expect("finalize");
    started.elapsed().as_secs_f64()
}

/// The same table loaded with 1,000-row `INSERT … VALUES` batches (T-SQL parsed per batch);
/// returns the seconds taken.
pub async fn insert_wide(client: &mut Client<Compat<TcpStream>>, rows: u64) -> f64 {
    create_wide(client).await;
    let started = std::time::Instant::now();
    let mut id = 0u64;
    while id < rows {
        let end = (id + 1000).min(rows);
        let values: Vec<String> = (id..end)
            .map(|i| {
                format!(
                    "({i},{},{}.{:02},N'customer {}','2024-01-01 00:00:00.{:07}')",
                    i % 100,
                    i % 1000,
                    i % 100,
                    i % 5000,
                    i % 10_000_000
                )
            })
            .collect();
        let sql = format!("INSERT INTO dbo.wide (id, qty, price, name, placed) VALUES {}", values.join(","));
        client.execute(sql, &[]).await.expect("insert");
        id = end;
    }
    started.elapsed().as_secs_f64()
}

/// CPU time of this whole process in seconds, nanosecond resolution: the process CPU-time
/// clock (`CLOCK_PROCESS_CPUTIME_ID`), which counts every thread the process ever ran — the
/// simulators' connection threads and blocking tasks that have already exited included (a sum
/// over the live threads of `/proc/self/task` missed those: it measured 0.1 s for 2M row hashes).
pub fn process_cpu_secs() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// User + system CPU of the process whose `/proc/<pid>/stat` this is, in seconds.
pub fn cpu_secs_of(stat_path: &str) -> f64 {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name; 100 ticks/s.
    (ticks(11) + ticks(12)) / 100.0
}

/// The median (upper middle for an even count) of `v`.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The connection string of the `bench` login to a simulator on `port` (no TLS).
pub fn bench_conn(port: u16) -> String {
    format!("Server=tcp:127.0.0.1,{port};Database=bench;User Id=bench;Encrypt=not_supported")
}

/// Runs `BIN validate --mode checksum` (the `cutover` binary: benches of the root package pass
/// `env!("CARGO_BIN_EXE_cutover")`) from `source` to `target` into `out`, with `extra` flags,
/// watching its time and peak memory.
pub fn validate_checksum(
    bin: &str,
    source: &str,
    target: &str,
    out: &std::path::Path,
    extra: &[&str],
) -> Watched {
    let mut args: Vec<String> = ["validate", "--source", source, "--target", target, "--mode", "checksum"]
        .into_iter()
        .chain(["--query-timeout", "3600", "--out"])
        .map(str::to_string)
        .collect();
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    println!("  running: cutover {}", args.join(" "));
    run_watched(
        std::process::Command::new(bin)
            .args(&args)
            .env("CUTOVER_PASSWORD", PASSWORD)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit()),
    )
}

/// What [`run_watched`] saw of a child process.
pub struct Watched {
    pub status: std::process::ExitStatus,
    pub seconds: f64,
    /// Peak resident memory (VmHWM) in KB, sampled every 20 ms; 0 off Linux.
    pub peak_kb: u64,
}

/// Runs `cmd` to its end, sampling its peak resident memory from /proc.
pub fn run_watched(cmd: &mut std::process::Command) -> Watched {
    let peak_of = |pid: u32| -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let started = std::time::Instant::now();
    let mut child = cmd.spawn().expect("the child process starts");
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = peak_of(child.id()) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Watched { status, seconds: started.elapsed().as_secs_f64(), peak_kb }
}
