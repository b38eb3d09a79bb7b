//! The command line: one file per command, one place that decides exit codes.
//!
//! Exit codes follow diff(1): **0** pass / identical, **1** fail / differences found, **2** could
//! not complete (bad input, connection, permission). Errors print their cause chain once, with
//! secrets redacted, and never a backtrace.

mod collect;
mod exit;
mod interrupt;
mod probe;
mod replay;
mod server_arg;
mod sim;
mod validate;
mod workload;

use clap::{Parser, Subcommand};
pub use exit::Outcome;

/// Baselines, replay, comparison and data validation for moving SQL Server to Azure SQL
/// Managed Instance.
///
/// Every command talks TDS to a server: a real SQL Server or Managed Instance, or the embedded
/// simulator (`cutover sim`). Connection strings are ADO.NET (`Server=tcp:host,1433;…`) or JDBC
/// (`jdbc:sqlserver://…`), or the name of a server in `cutover.toml`. Passwords come from
/// `CUTOVER_PASSWORD`, `Password=${ENV_VAR}` or `password_env`/`password_file` in cutover.toml —
/// never from the command line.
///
/// Exit codes: 0 pass, 1 fail or differences found, 2 could not complete.
#[derive(Parser, Debug)]
#[command(name = "cutover", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// More log output (-v info, -vv debug); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Collect(collect::CollectArgs),
    Probe(probe::ProbeArgs),
    Replay(replay::ReplayArgs),
    Sim(sim::SimArgs),
    Validate(validate::ValidateArgs),
    Workload(workload::WorkloadArgs),
}

/// Parses the command line, runs the command and maps its outcome to an exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let outcome = match runtime() {
        Ok(rt) => rt.block_on(run(cli.command)),
        Err(e) => Err(anyhow::Error::new(e).context("could not start the async runtime")),
    };
    exit::report(outcome)
}

async fn run(command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Collect(args) => collect::run(args).await,
        Command::Probe(args) => probe::run(args).await,
        Command::Replay(args) => replay::run(args).await,
        Command::Sim(args) => sim::run(args).await,
        Command::Validate(args) => validate::run(args).await,
        Command::Workload(args) => workload::run(args).await,
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUTOVER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
