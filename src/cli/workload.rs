//! `cutover workload`: set up a workload's schema and data.

use super::Outcome;
use super::server_arg::resolve_server;
use anyhow::Context;
use cutover_mssql::ServerSpec;
use std::path::PathBuf;

/// Work with workload files.
#[derive(clap::Args, Debug)]
pub struct WorkloadArgs {
    #[command(subcommand)]
    command: WorkloadCommand,
}

#[derive(clap::Subcommand, Debug)]
enum WorkloadCommand {
    Init(InitArgs),
}

/// Create a workload's tables and fill them with deterministic data.
///
/// Runs the workload's [setup] schema (dropping and re-creating its tables) and fills each
/// table with rows drawn from seeded generators: the same workload and --scale give the same
/// data everywhere. Point it at a disposable database.
///
/// Example:
///   cutover workload init --server "Server=tcp:127.0.0.1,14330;Database=shop;User Id=cutover;\
///     TrustServerCertificate=true" --workload orders --scale 2
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
struct InitArgs {
    /// A connection string (ADO.NET or JDBC) or a server name from cutover.toml.
    #[arg(long, value_name = "CONN")]
    server: ServerSpec,

    /// The workload: a .toml file, or a bundled name (orders, reporting).
    #[arg(long, value_name = "FILE|NAME")]
    workload: String,

    /// Multiply every table's row count.
    #[arg(long, default_value_t = 1)]
    scale: u64,

    /// USE this database first (default: the workload's, else the connection's).
    #[arg(long, value_name = "NAME")]
    database: Option<String>,

    /// The cutover.toml to read server names from (default: ./cutover.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub async fn run(args: WorkloadArgs) -> anyhow::Result<Outcome> {
    match args.command {
        WorkloadCommand::Init(args) => init(args).await,
    }
}

async fn init(args: InitArgs) -> anyhow::Result<Outcome> {
    if args.scale == 0 {
        anyhow::bail!("--scale must be at least 1");
    }
    let mut workload = cutover_workloads::bundled::load(&args.workload)?;
    if args.database.is_some() {
        workload.database = args.database;
    }
    let target = resolve_server(&args.server, args.config.as_deref())?;
    let mut conn =
        cutover_mssql::connect(&target).await.with_context(|| format!("could not connect to {target}"))?;
    let report = cutover_workloads::setup::init(&mut conn, &workload, args.scale, |_, _, _| {})
        .await
        .with_context(|| format!("could not initialise workload {} on {target}", workload.name))?;
    let _ = conn.close().await;
    println!("workload {}: {} schema batches", workload.name, report.batches);
    for (table, rows) in &report.rows {
        println!("  {table}: {rows} rows");
    }
    Ok(Outcome::Pass)
}
