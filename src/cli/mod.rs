//! The command line: one file per command, one place that decides exit codes.
//!
//! Exit codes follow diff(1): **0** pass / identical, **1** fail / differences found, **2** could
//! not complete (bad input, connection, permission). Errors print their cause chain once, with
//! secrets redacted, and never a backtrace.

mod assess;
mod capture;
mod collect;
mod compare;
mod completions;
mod demo;
mod exit;
mod gate;
mod interrupt;
mod output;
mod probe;
mod queries;
mod replay;
mod server_arg;
mod sim;
mod size;
mod validate;
mod validate_progress;
mod workload;

use clap::{Parser, Subcommand};
pub use exit::Outcome;

/// Baselines, replay, comparison and data validation for moving SQL Server to Azure SQL
/// Managed Instance: is the data all there, unchanged, and is the new server at least as fast?
///
/// Start here: `cutover demo` runs the whole story on two simulated servers in about a minute
/// and prints where its report is; `cutover gate --policy gate.toml` is the same story on your
/// servers, as one verdict for a release pipeline (docs/gate.md).
///
/// A cutover, step by step: `probe` (can we connect, what may we read) → `collect` (a DMV
/// baseline of the source) → `size`/`assess` (pick the Managed Instance, find blockers) →
/// `capture` (record the real workload) → migrate → `validate` (the data) → `replay` (the
/// workload on both) → `compare` (the performance) → `gate` (one verdict).
///
/// Servers: an ADO.NET (`Server=tcp:host,1433;Database=db;User Id=u`) or JDBC
/// (`jdbc:sqlserver://host:1433;databaseName=db;user=u`) connection string, or a name from
/// `cutover.toml`. Secrets come from `CUTOVER_PASSWORD`, `Password=${ENV_VAR}` or
/// `password_env`/`password_file` (tokens: `access_token_env`) — never from the command line,
/// and never in logs or reports. TLS is on with certificate validation by default;
/// `TrustServerCertificate=true` and `Encrypt=false` are explicit opt-ins, `Encrypt=strict` is
/// TDS 8.0. Grant the login VIEW SERVER STATE and VIEW ANY DEFINITION on the source and on
/// the Managed Instance, and db_datareader in the databases to validate; `cutover probe`
/// prints the GRANTs that are missing.
///
/// Exit codes (every command): 0 pass; 1 fail, differences or regressions found; 2 could not
/// complete (bad input, connection, permission). A skipped check is never a pass.
///
/// Files other tools read are documented in docs/ (baselines: Parquet + JSON; replays:
/// HdrHistogram logs + JSON; reports: JSON with a schema version, Markdown, JUnit XML, HTML).
/// Past one machine: `collect --listen` for Prometheus across many instances, `replay --shard
/// i/N` across agents, checksums computed on the servers by `validate`.
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
    Assess(assess::AssessArgs),
    Capture(capture::CaptureArgs),
    Collect(collect::CollectArgs),
    Compare(compare::CompareArgs),
    Completions(completions::CompletionsArgs),
    Demo(demo::DemoArgs),
    Gate(gate::GateArgs),
    Man(completions::ManArgs),
    Probe(probe::ProbeArgs),
    Queries(queries::QueriesArgs),
    Replay(replay::ReplayArgs),
    Sim(sim::SimArgs),
    Size(size::SizeArgs),
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
        Command::Assess(args) => assess::run(args).await,
        Command::Capture(args) => capture::run(args).await,
        Command::Collect(args) => collect::run(args).await,
        Command::Compare(args) => compare::run(args).await,
        Command::Completions(args) => completions::completions(args),
        Command::Demo(args) => demo::run(args).await,
        Command::Gate(args) => gate::run(args).await,
        Command::Man(args) => completions::man(args),
        Command::Probe(args) => probe::run(args).await,
        Command::Queries(args) => queries::run(args),
        Command::Replay(args) => replay::run(args).await,
        Command::Sim(args) => sim::run(args).await,
        Command::Size(args) => size::run(args).await,
        Command::Validate(args) => validate::run(args).await,
        Command::Workload(args) => workload::run(args).await,
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

fn init_logging(verbose: u8) {
    // tiberius logs every server error message and warns about an untrusted certificate on
    // every connection; cutover reports the errors it meets itself (counted, in its reports) and
    // warns once per server about the certificate (cutover_mssql::connect).
    let default = match verbose {
        0 => "warn,tiberius=off",
        1 => "info,tiberius=off",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUTOVER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour only on a terminal: piped or redirected logs stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi)
        .init();
}
