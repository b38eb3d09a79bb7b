//! `cutover sim`: run the embedded SQL Server simulator in the foreground.

use super::Outcome;
use anyhow::{Context, bail};
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::profile::Profile;
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Run the embedded SQL Server simulator: a real TDS server over SQLite.
///
/// Tries the tool (and runs the tests) with no SQL Server at hand. It prints the connection
/// string to use and runs until Ctrl-C. Data lives in a temporary folder unless --data-dir is
/// given.
///
/// Example:
///   cutover sim --port 14330 --login cutover:Sim-Passw0rd --database shop
///   CUTOVER_PASSWORD=Sim-Passw0rd cutover probe \
///     --server "Server=tcp:127.0.0.1,14330;User Id=cutover;TrustServerCertificate=true"
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct SimArgs {
    /// Instance profile: sqlserver-2019, sqlserver-2022, mi-gp, mi-bc.
    #[arg(long, default_value = "sqlserver-2022")]
    profile: String,

    /// TCP port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 14330)]
    port: u16,

    /// Address to bind; the default keeps the simulator private to this machine.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,

    /// Turn TLS off: PRELOGIN answers "encryption not supported" (clients must use Encrypt=false
    /// or the simulator-only Encrypt=not_supported).
    #[arg(long, conflicts_with = "tls_required")]
    no_tls: bool,

    /// Refuse connections that do not encrypt.
    #[arg(long)]
    tls_required: bool,

    /// A login as user:password (repeatable). The first login gets every permission; add
    /// `:readonly` or `:nostate` (no VIEW SERVER STATE) after the password for restricted ones.
    #[arg(long = "login", value_name = "USER:PASSWORD", default_value = "cutover:cutover")]
    logins: Vec<String>,

    /// Databases to create at start (repeatable).
    #[arg(long = "database", value_name = "NAME")]
    databases: Vec<String>,

    /// Keep the databases in this folder (kept across restarts) instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Server name the instance reports (@@SERVERNAME, SERVERPROPERTY('ServerName')).
    #[arg(long, default_value = "SIM")]
    name: String,

    /// Serve the fault/lifecycle admin interface over HTTP on this address, e.g.
    /// 127.0.0.1:14331 (`curl -X POST http://127.0.0.1:14331/restart`; see the README).
    #[arg(long, value_name = "ADDR")]
    admin: Option<SocketAddr>,
}

pub async fn run(args: SimArgs) -> anyhow::Result<Outcome> {
    let profile = profile_for(&args.profile)?;
    let identity = profile.identity(&args.name);
    let logins = args
        .logins
        .iter()
        .enumerate()
        .map(|(i, l)| parse_login(l, i == 0))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let first_user = logins[0].name.clone();
    let config = InstanceConfig {
        name: args.name.clone(),
        data_dir: args.data_dir.clone(),
        logins,
        identity,
        profile,
    };
    let instance = Instance::start(config)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("could not start the simulated instance")?;
    for db in &args.databases {
        instance
            .create_database(db)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("could not create database {db}"))?;
    }
    let tls = match (args.no_tls, args.tls_required) {
        (true, _) => TlsMode::Disabled,
        (_, true) => TlsMode::Required,
        _ => TlsMode::Enabled,
    };
    let bind = SocketAddr::new(args.bind, args.port);
    let server = SimServer::start(instance, ServerConfig { bind, tls }).await.with_context(|| {
        format!(
            "could not listen on {bind}: is another process using port {}? Pick another with --port",
            args.port
        )
    })?;
    let admin = match args.admin {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("could not listen on {addr} for --admin: pick another address"))?;
            let line = format!(
                "  admin:             http://{} (POST /restart, /drop, /stall?ms=N, /fail?error=N, …)\n",
                listener.local_addr()?
            );
            let _ = std::io::stdout().lock().write_all(line.as_bytes());
            Some(tokio::spawn(cutover_sim::admin::serve(listener, server.instance().clone())))
        }
        None => None,
    };
    let interrupted = super::interrupt::ctrl_c()?;
    print_banner(&server, &args, &first_user, tls);
    interrupted.await;
    eprintln!("stopping the simulator");
    if let Some(task) = admin {
        task.abort();
    }
    server.shutdown().await;
    Ok(Outcome::Pass)
}

fn print_banner(server: &SimServer, args: &SimArgs, user: &str, tls: TlsMode) {
    let mut conn = server.connection_string(user);
    if tls == TlsMode::Disabled {
        conn.push_str(";Encrypt=not_supported");
    }
    // A reader that went away (`cutover sim | head`) must not take the simulator down.
    let banner = format!(
        "cutover sim: {} ({}) listening on {}\n  connection string: {conn}\n  \
         password:          set CUTOVER_PASSWORD to the password given with --login\n  \
         TLS:               {tls:?} (self-signed certificate generated at start)\nPress Ctrl-C to stop.\n",
        args.name,
        args.profile,
        server.local_addr()
    );
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner.as_bytes()).and_then(|_| stdout.flush());
}

fn profile_for(profile: &str) -> anyhow::Result<&'static Profile> {
    match Profile::named(profile) {
        Some(p) => Ok(p),
        None => bail!("unknown --profile {profile:?}: choose one of {}", Profile::names().join(", ")),
    }
}

/// `user:password[:readonly|:nostate]`
fn parse_login(spec: &str, admin: bool) -> anyhow::Result<LoginDef> {
    let mut parts = spec.splitn(3, ':');
    let name = parts.next().unwrap_or_default();
    let Some(password) = parts.next() else {
        bail!("--login expects USER:PASSWORD, got {name:?} with no password");
    };
    if name.is_empty() || password.is_empty() {
        bail!("--login expects USER:PASSWORD with neither part empty");
    }
    let flag = parts.next();
    let mut perms: Vec<String> =
        ["VIEW SERVER STATE", "VIEW ANY DEFINITION", "VIEW SERVER PERFORMANCE STATE"]
            .map(String::from)
            .to_vec();
    if admin {
        perms.push("CONTROL SERVER".into());
    }
    match flag {
        None | Some("readonly") => {}
        Some("nostate") => perms.retain(|p| !p.contains("STATE")),
        Some(other) => bail!("--login flag {other:?} is unknown: use readonly or nostate"),
    }
    Ok(LoginDef {
        name: name.to_string(),
        password: password.to_string(),
        server_permissions: perms,
        can_write: flag != Some("readonly"),
        default_database: "master".to_string(),
    })
}
