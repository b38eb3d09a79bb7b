//! Validation at real sizes (issue 18), on two simulators; never run in CI (minutes to hours).
//!
//! ```sh
//! cargo bench --bench validate_scale -- linear        # 1M, 10M, 100M rows, one difference each
//! cargo bench --bench validate_scale -- incremental   # 10M rows, full run, 0.1 % changed, --since
//! VALIDATE_SCALE_ROWS=1000000,10000000 VALIDATE_SCALE_DIR=/big/disk cargo bench --bench validate_scale -- linear
//! ```
//!
//! `linear`: `dbo.big` (id bigint identity key, qty int, price decimal(12,2), name
//! nvarchar(40)) is built once per size: 100,000 rows inserted through the simulator (so every
//! value is in the simulator's own storage form), then copied inside the SQLite file
//! (`INSERT … SELECT id + k·100000, …`) up to the size, then the file is copied for the target
//! and one row changed there. The simulators run in this process behind byte-counting proxies;
//! the real `cutover validate --mode checksum` runs as a child process, so its wall time and
//! peak resident memory (VmHWM) are the validator's alone. Printed per size: wall time, rows/s,
//! validator peak memory, bytes the servers sent, queries, and the simulators' CPU per row (this
//! process's CPU over the run: the server-side cost of hashing a row here). The files are
//! deleted after each size.
//!
//! `incremental`: `dbo.orders` (bigint key, qty, price, name, a rowversion column, Change
//! Tracking on) with 10,000,000 rows (`VALIDATE_INCREMENTAL_ROWS`), a full run, then 0.1 % of
//! the rows changed on the source (6,000 updates, 3,000 inserts, 1,000 deletes) and the same on
//! the target but one of each; `--since` must name exactly those three. Prints both runs'
//! times and their ratio (target ≤ 5 %).

mod support;

use cutover_sim::engine::runtime::{Identity, Instance, InstanceConfig, LoginDef};
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;
use support::proxy::{Proxy, proxy};

const SEED_ROWS: u64 = 100_000;

fn env_rows(name: &str, default: &str) -> Vec<u64> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|v| v.trim().replace('_', "").parse().ok())
        .collect()
}

fn work_dir(name: &str) -> PathBuf {
    let base =
        std::env::var("VALIDATE_SCALE_DIR").map(PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    let dir = base.join(format!("cutover-validate-scale-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("work dir");
    dir
}

fn instance_on(dir: &Path, name: &str) -> Instance {
    std::fs::create_dir_all(dir).expect("data dir");
    let config = InstanceConfig {
        name: name.into(),
        data_dir: Some(dir.to_path_buf()),
        logins: vec![LoginDef::sysadmin("bench", support::PASSWORD)],
        identity: Identity::sqlserver_2022(),
        profile: cutover_sim::profile::Profile::default_profile(),
    };
    Instance::start(config).expect("simulator starts")
}

async fn serve(instance: Instance) -> SimServer {
    SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() })
        .await
        .expect("server")
}

async fn exec(client: &mut tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>, sql: &str) {
    client.simple_query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}")).into_results().await.expect(sql);
}

/// Simulators on `dir/src` and `dir/tgt`, each behind a byte-counting proxy.
async fn serve_pair(dir: &Path) -> ([SimServer; 2], [Proxy; 2]) {
    let (a, b) = (
        serve(instance_on(&dir.join("src"), "SRC")).await,
        serve(instance_on(&dir.join("tgt"), "TGT")).await,
    );
    let proxies = [proxy(a.local_addr().port()).await, proxy(b.local_addr().port()).await];
    ([a, b], proxies)
}

fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)
}

/// What one `cutover validate` child did.
struct Measured {
    exit: i32,
    seconds: f64,
    peak_mb: f64,
    server_cpu: f64,
    bytes: u64,
    report: serde_json::Value,
}

/// Runs `cutover validate` against the two proxies; measures the child and this process.
fn validate(proxies: &[Proxy; 2], out: &Path, extra: &[&str]) -> Measured {
    let _ = std::fs::remove_dir_all(out);
    let bytes0: u64 = proxies.iter().map(|p| p.from_server.load(Ordering::Relaxed)).sum();
    let cpu0 = support::process_cpu_secs();
    let (source, target) = (support::bench_conn(proxies[0].port), support::bench_conn(proxies[1].port));
    let watched = support::validate_checksum(env!("CARGO_BIN_EXE_cutover"), &source, &target, out, extra);
    let (status, seconds, peak) = (watched.status, watched.seconds, watched.peak_kb);
    let server_cpu = support::process_cpu_secs() - cpu0;
    let bytes = proxies.iter().map(|p| p.from_server.load(Ordering::Relaxed)).sum::<u64>() - bytes0;
    let report =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json")).expect("json");
    Measured {
        exit: status.code().unwrap_or(-1),
        seconds,
        peak_mb: peak as f64 / 1024.0,
        server_cpu,
        bytes,
        report,
    }
}

/// (kind, key value) of every difference in the report.
fn differences(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report["tables"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["differences"].as_array().cloned().unwrap_or_default())
        .map(|d| {
            let key =
                d["key"].as_object().and_then(|k| k.values().next()).and_then(|v| v.as_str()).unwrap_or("");
            (d["kind"].as_str().unwrap_or("").to_string(), key.to_string())
        })
        .collect();
    out.sort();
    out
}

const CREATE_BIG: &str = "CREATE TABLE dbo.big (id bigint IDENTITY(1,1) NOT NULL PRIMARY KEY, qty int NOT NULL, \
    price decimal(12,2) NOT NULL, name nvarchar(40) NOT NULL)";

/// The seed rows of `dbo.big`, 1,000 per INSERT (ids 1..=rows from the identity).
async fn seed_big(
    client: &mut tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>,
    rows: u64,
) {
    exec(client, CREATE_BIG).await;
    let mut done = 0;
    while done < rows {
        let n = (rows - done).min(1000);
        let values: Vec<String> = (done..done + n)
            .map(|i| format!("({}, {}.{:02}, N'customer {}')", i % 100, i % 100_000, i % 100, i % 5000))
            .collect();
        exec(client, &format!("INSERT INTO dbo.big (qty, price, name) VALUES {}", values.join(", "))).await;
        done += n;
    }
}

/// `dbo.big` with `rows` rows in `dir/src` (and a copy with one row changed in `dir/tgt`).
fn build_big(rt: &tokio::runtime::Runtime, dir: &Path, rows: u64) -> u64 {
    let src = dir.join("src");
    rt.block_on(async {
        let instance = instance_on(&src, "SRC");
        instance.create_database("bench").expect("database");
        let server = serve(instance).await;
        let mut c = support::raw_client(&server).await;
        seed_big(&mut c, rows.min(SEED_ROWS)).await;
        drop(c);
        server.shutdown().await;
    });
    let file = src.join("bench.sqlite");
    let db = rusqlite::Connection::open(&file).expect("open the source file");
    let started = Instant::now();
    let mut k = 1;
    while k * SEED_ROWS < rows {
        let n = (rows - k * SEED_ROWS).min(SEED_ROWS);
        db.execute(
            "INSERT INTO \"dbo.big\" (id, qty, price, name) SELECT id + ?1, qty, price, name FROM \"dbo.big\" WHERE id <= ?2",
            [(k * SEED_ROWS) as i64, n as i64],
        )
        .expect("copy rows");
        k += 1;
    }
    db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    drop(db);
    println!("  built {rows} rows in {:.0} s, {:.0} MB", started.elapsed().as_secs_f64(), file_mb(&file));
    std::fs::create_dir_all(dir.join("tgt")).expect("tgt dir");
    std::fs::copy(&file, dir.join("tgt").join("bench.sqlite")).expect("copy for the target");
    let changed = rows / 2 + 7;
    let tgt = rusqlite::Connection::open(dir.join("tgt").join("bench.sqlite")).expect("open the target file");
    tgt.execute("UPDATE \"dbo.big\" SET qty = qty + 1 WHERE id = ?1", [changed as i64]).expect("plant");
    tgt.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    changed
}

fn linear(rt: &tokio::runtime::Runtime) {
    let sizes = env_rows("VALIDATE_SCALE_ROWS", "1000000,10000000,100000000");
    let parallel = std::env::var("VALIDATE_SCALE_PARALLEL").unwrap_or_else(|_| "4".into());
    let mut first: Option<(u64, f64)> = None;
    for n in sizes {
        let dir = work_dir("linear");
        println!("validate_scale linear: {n} rows");
        let changed = build_big(rt, &dir, n);
        let db_mb = file_mb(&dir.join("src").join("bench.sqlite"));
        let (servers, proxies) = rt.block_on(serve_pair(&dir));
        let m = validate(&proxies, &dir.join("report"), &["--parallel", &parallel]);
        let diffs = differences(&m.report);
        let exact = diffs == [("changed".to_string(), changed.to_string())];
        let stats = &m.report["stats"];
        let big = m.report["tables"].as_array().and_then(|t| t.first()).cloned().unwrap_or_default();
        let (base_rows, base_secs) = *first.get_or_insert((n, m.seconds));
        println!(
            "validate_scale linear: rows={n} exit={} seconds={:.1} rows_per_s={:.0} peak_rss_mb={:.1} \
             server_bytes={} bytes_per_row={:.4} queries={} segments={} sim_cpu_s={:.1} sim_cpu_us_per_row={:.2} \
             db_mb_per_side={db_mb:.0} time_ratio_vs_first={:.2} rows_ratio_vs_first={:.1} exact={exact}",
            m.exit,
            m.seconds,
            2.0 * n as f64 / m.seconds,
            m.peak_mb,
            m.bytes,
            m.bytes as f64 / (2 * n) as f64,
            stats["queries"],
            big["segments_compared"],
            m.server_cpu,
            m.server_cpu * 1e6 / (2 * n) as f64,
            m.seconds / base_secs,
            n as f64 / base_rows as f64,
        );
        rt.block_on(async {
            for s in servers {
                s.shutdown().await;
            }
        });
        let _ = std::fs::remove_dir_all(&dir);
        assert!(exact, "the report names exactly the changed row: {diffs:?}");
    }
}

const CREATE_ORDERS: &str = "CREATE TABLE dbo.orders (id bigint NOT NULL PRIMARY KEY, qty int NOT NULL, \
    price decimal(12,2) NOT NULL, name nvarchar(40) NOT NULL, rv rowversion)";

/// The window's writes (0.1 % of `rows`): 6/10 updates, 3/10 inserts, 1/10 deletes; `miss`
/// leaves one of each out.
fn window_sql(rows: u64, miss: bool) -> Vec<String> {
    let changed = rows / 1000;
    let (updates, inserts, deletes) = (changed * 6 / 10, changed * 3 / 10, changed / 10);
    let (upd_step, del_step) = (rows / updates.max(1), rows / deletes.max(1));
    let skip = |id: u64| if miss { format!(" AND id <> {id}") } else { String::new() };
    let mut out = vec![
        format!(
            "UPDATE dbo.orders SET qty = qty + 1 WHERE id % {upd_step} = 1{}",
            skip(1 + upd_step * (updates / 2))
        ),
        format!("DELETE FROM dbo.orders WHERE id % {del_step} = 5{}", skip(5 + del_step * (deletes / 2))),
    ];
    let last = if miss { inserts - 1 } else { inserts };
    let ids: Vec<u64> = (1..=last).map(|i| rows + i).collect();
    for chunk in ids.chunks(1000) {
        let values: Vec<String> = chunk.iter().map(|id| format!("({id}, 1, 1.00, N'new {id}')")).collect();
        out.push(format!("INSERT INTO dbo.orders (id, qty, price, name) VALUES {}", values.join(", ")));
    }
    out
}

fn incremental(rt: &tokio::runtime::Runtime) {
    let rows = env_rows("VALIDATE_INCREMENTAL_ROWS", "10000000")[0];
    let dir = work_dir("incremental");
    println!("validate_scale incremental: {rows} rows");
    let started = Instant::now();
    rt.block_on(async {
        let instance = instance_on(&dir.join("src"), "SRC");
        instance.create_database("bench").expect("database");
        let server = serve(instance).await;
        let mut c = support::raw_client(&server).await;
        exec(&mut c, "ALTER DATABASE bench SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 2 DAYS, AUTO_CLEANUP = ON)").await;
        exec(&mut c, CREATE_ORDERS).await;
        let seed = rows.min(SEED_ROWS);
        for start in (0..seed).step_by(1000) {
            let values: Vec<String> = (start + 1..=(start + 1000).min(seed))
                .map(|i| format!("({i}, {}, {}.{:02}, N'customer {}')", i % 100, i % 100_000, i % 100, i % 5000))
                .collect();
            exec(&mut c, &format!("INSERT INTO dbo.orders (id, qty, price, name) VALUES {}", values.join(", "))).await;
        }
        let mut k = 1;
        while k * seed < rows {
            exec(
                &mut c,
                &format!(
                    "INSERT INTO dbo.orders (id, qty, price, name) SELECT id + {}, qty, price, name FROM dbo.orders WHERE id <= {seed}",
                    k * seed
                ),
            )
            .await;
            k += 1;
        }
        exec(&mut c, "ALTER TABLE dbo.orders ENABLE CHANGE_TRACKING").await;
        drop(c);
        server.shutdown().await;
    });
    let file = dir.join("src").join("bench.sqlite");
    {
        let db = rusqlite::Connection::open(&file).expect("open");
        db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    }
    println!("  built {rows} rows in {:.0} s, {:.0} MB", started.elapsed().as_secs_f64(), file_mb(&file));
    std::fs::create_dir_all(dir.join("tgt")).expect("tgt");
    std::fs::copy(&file, dir.join("tgt").join("bench.sqlite")).expect("copy");
    let (servers, proxies) = rt.block_on(serve_pair(&dir));
    let full = validate(&proxies, &dir.join("full"), &["--parallel", "4"]);
    assert_eq!(full.exit, 0, "identical at first");
    rt.block_on(async {
        for (server, miss) in servers.iter().zip([false, true]) {
            let mut c = support::raw_client(server).await;
            for sql in window_sql(rows, miss) {
                exec(&mut c, &sql).await;
            }
        }
    });
    let since = dir.join("full").display().to_string();
    let inc = validate(&proxies, &dir.join("window"), &["--parallel", "4", "--since", &since]);
    let diffs = differences(&inc.report);
    let orders = inc.report["tables"].as_array().and_then(|t| t.first()).cloned().unwrap_or_default();
    println!(
        "validate_scale incremental: rows={rows} changed={} full_seconds={:.1} incremental_seconds={:.1} ratio={:.4} \
         full_bytes={} incremental_bytes={} incremental_rows_compared={} incremental_rows_read={} \
         full_peak_mb={:.1} incremental_peak_mb={:.1} exit={} differences={diffs:?}",
        rows / 1000,
        full.seconds,
        inc.seconds,
        inc.seconds / full.seconds,
        full.bytes,
        inc.bytes,
        orders["incremental"]["rows_compared"],
        orders["incremental"]["rows_read"],
        full.peak_mb,
        inc.peak_mb,
        inc.exit,
    );
    rt.block_on(async {
        for s in servers {
            s.shutdown().await;
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(diffs.len(), 3, "one missed update, insert and delete: {diffs:?}");
}

fn main() {
    support::run_parts(&[("linear", linear), ("incremental", incremental)]);
}
