//! Shared test setup: a simulated SQL Server in-process (or the real one named by
//! `CUTOVER_TEST_MSSQL`), and connections to it through cutover's own connection layer.
#![allow(dead_code)]

pub mod cli;
pub mod outside;
pub mod promtool;
pub mod schemas;
pub mod synthetic;

use cutover_mssql::{Connection, Env, ServerTarget};
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};
use std::collections::HashMap;

pub const USER: &str = "cutover";
pub const PASSWORD: &str = "Test-Passw0rd!";
pub const DATABASE: &str = "shop";

/// The environment variable that names a real SQL Server for the live runs.
pub const LIVE_VAR: &str = "CUTOVER_TEST_MSSQL";

/// A server the tests talk to.
pub struct TestServer {
    pub sim: Option<SimServer>,
    /// ADO.NET connection string without the password.
    pub conn: String,
}

impl TestServer {
    /// A connection string with the password read from `Password=${CUTOVER_TEST_PASSWORD}`.
    pub fn conn_with(&self, extra: &str) -> String {
        format!("{};{extra}", self.conn)
    }

    pub fn instance(&self) -> &Instance {
        self.sim.as_ref().expect("simulator-only test").instance()
    }

    pub fn port(&self) -> u16 {
        self.sim.as_ref().map(|s| s.local_addr().port()).unwrap_or(1433)
    }
}

/// An in-process simulator with a sysadmin login, a monitoring login without VIEW SERVER STATE,
/// a read-only login, and the database `shop`.
pub async fn sim(tls: TlsMode) -> TestServer {
    sim_profile(tls, cutover_sim::profile::Profile::default_profile()).await
}

/// As [`sim`], for a named profile (`sqlserver-2019`, `sqlserver-2022`, `mi-gp`, `mi-bc`).
pub async fn sim_named(tls: TlsMode, profile: &str) -> TestServer {
    let profile = cutover_sim::profile::Profile::named(profile).expect("a known profile");
    sim_profile(tls, profile).await
}

async fn sim_profile(tls: TlsMode, profile: &'static cutover_sim::profile::Profile) -> TestServer {
    sim_with_logins(tls, profile, Vec::new()).await
}

/// As [`sim`], with extra sysadmin logins `(name, password)` besides the test's own.
pub async fn sim_with_login(tls: TlsMode, name: &str, password: &str) -> TestServer {
    let profile = cutover_sim::profile::Profile::default_profile();
    sim_with_logins(tls, profile, vec![LoginDef::sysadmin(name, password)]).await
}

async fn sim_with_logins(
    tls: TlsMode,
    profile: &'static cutover_sim::profile::Profile,
    extra: Vec<LoginDef>,
) -> TestServer {
    init_logging();
    let mut readonly = LoginDef::sysadmin("reader", PASSWORD);
    readonly.can_write = false;
    readonly.server_permissions.clear();
    let mut nostate = LoginDef::sysadmin("nostate", PASSWORD);
    nostate.server_permissions.clear();
    let config = InstanceConfig {
        name: "SIM-TEST".into(),
        data_dir: None,
        logins: [vec![LoginDef::sysadmin(USER, PASSWORD), readonly, nostate], extra].concat(),
        identity: profile.identity("SIM-TEST"),
        profile,
    };
    let instance = Instance::start(config).expect("simulator starts");
    instance.create_database(DATABASE).expect("database created");
    let server =
        SimServer::start(instance, ServerConfig { tls, ..Default::default() }).await.expect("server starts");
    let mut conn = format!(
        "Server=tcp:127.0.0.1,{};Database={DATABASE};User Id={USER};TrustServerCertificate=true",
        server.local_addr().port()
    );
    if tls == TlsMode::Disabled {
        conn.push_str(";Encrypt=not_supported");
    }
    TestServer { sim: Some(server), conn }
}

/// The wall clock, `back_ms` behind: installed shifted so the instance seems to have started
/// earlier, then set to zero before anyone reads it (so no clock ever goes backwards).
#[derive(Debug)]
struct ShiftedClock {
    back_ms: std::sync::atomic::AtomicI64,
}

impl cutover_sim::engine::runtime::Clock for ShiftedClock {
    fn now_utc(&self) -> chrono::NaiveDateTime {
        let back = self.back_ms.load(std::sync::atomic::Ordering::Relaxed);
        chrono::Utc::now().naive_utc() - chrono::Duration::milliseconds(back)
    }
}

/// Makes a simulated instance look as if it had been up for `uptime` already, as a real server
/// has: the CPU ring buffer and Managed Instance resource-stats rows appear only after a minute.
pub fn age(instance: &Instance, uptime: std::time::Duration) {
    let clock = std::sync::Arc::new(ShiftedClock {
        back_ms: std::sync::atomic::AtomicI64::new(uptime.as_millis() as i64),
    });
    instance.set_clock(clock.clone());
    clock.back_ms.store(0, std::sync::atomic::Ordering::Relaxed);
}

/// The live server named by `CUTOVER_TEST_MSSQL`. Live tests are `#[ignore = "needs
/// CUTOVER_TEST_MSSQL"]` (counted as skipped) and run by `scripts/live-test.sh`; run without the
/// variable they fail rather than pass without testing anything.
#[allow(dead_code, reason = "each test binary uses a part of common")]
pub fn live() -> TestServer {
    match std::env::var(LIVE_VAR).ok().filter(|s| !s.trim().is_empty()) {
        Some(conn) => TestServer { sim: None, conn },
        None => panic!("{LIVE_VAR} is not set: a live test ran without a server (scripts/live-test.sh)"),
    }
}

/// An environment that supplies the test password (and nothing else).
pub struct TestEnv(pub HashMap<String, String>);

impl Env for TestEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

pub fn test_env() -> TestEnv {
    let mut vars = HashMap::new();
    vars.insert("CUTOVER_PASSWORD".to_string(), PASSWORD.to_string());
    TestEnv(vars)
}

/// Parses a connection string the way every cutover command does.
pub fn target(conn: &str) -> ServerTarget {
    let test = test_env();
    let env: &dyn Env = if conn.contains("Password=") { &cutover_mssql::SystemEnv } else { &test };
    cutover_mssql::resolve(conn, None, env).expect("connection string parses").target
}

/// Connects through cutover's connection layer.
pub async fn connect(server: &TestServer) -> Connection {
    connect_str(&server.conn).await
}

/// Runs `sql` as one batch on a fresh connection; panics naming the batch if it fails.
pub async fn batch(server: &TestServer, sql: &str) {
    let mut c = connect(server).await;
    c.simple_query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub async fn connect_str(conn: &str) -> Connection {
    cutover_mssql::connect(&target(conn)).await.unwrap_or_else(|e| panic!("connect to {conn}: {e}"))
}

/// Logs from the simulator when `CUTOVER_LOG` is set (e.g. `CUTOVER_LOG=debug`).
pub fn init_logging() {
    if let Ok(filter) = std::env::var("CUTOVER_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

/// True when python-tds can be imported. Tests that need it skip (and say so) without it,
/// unless `CUTOVER_REQUIRE_PYTDS` is set (as in CI), where its absence fails them.
pub fn python_tds_available() -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", "import pytds"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        found || std::env::var("CUTOVER_REQUIRE_PYTDS").is_err(),
        "python-tds is required here but not installed"
    );
    if !found {
        eprintln!("skipped: python-tds is not installed (pip install python-tds)");
    }
    found
}

/// Runs a python-tds `script` against `server` (argv: port, database, user, password, then
/// `extra`) off the async runtime; returns (success, stdout, stderr).
pub async fn run_python_tds(server: &TestServer, script: &str, extra: &[&str]) -> (bool, String, String) {
    let mut args: Vec<String> = vec![
        "-c".into(),
        script.into(),
        server.port().to_string(),
        DATABASE.into(),
        USER.into(),
        PASSWORD.into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = tokio::task::spawn_blocking(move || std::process::Command::new("python3").args(&args).output())
        .await
        .expect("python3 runs")
        .expect("python3 starts");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}
