//! `cutover probe`: connect, identify the server, and say what can be collected.

use super::Outcome;
use super::output::{self, Format, FormatArgs};
use super::server_arg::resolve_server;
use anyhow::Context;
use cutover_mssql::ServerSpec;

/// Connect to a server, identify it, and check the permissions cutover needs.
///
/// Shows SERVERPROPERTY identity, the edition family (on-premises, Managed Instance, Azure SQL
/// Database), round-trip latency, the permissions held and missing, and the exact GRANT
/// statements that fix what is missing. Exits 2 when the server cannot be reached or the login
/// fails, with a message that names the fix.
///
/// Examples:
///   CUTOVER_PASSWORD=… cutover probe --server "Server=tcp:sql01,1433;User Id=cutover"
///   cutover probe --server src --json        # [servers.src] in cutover.toml
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ProbeArgs {
    /// A connection string (ADO.NET or JDBC) or a server name from cutover.toml.
    #[arg(long, value_name = "CONN")]
    server: ServerSpec,

    #[command(flatten)]
    output: FormatArgs,

    /// The cutover.toml to read server names from (default: ./cutover.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

pub async fn run(args: ProbeArgs) -> anyhow::Result<Outcome> {
    let format = args.output.for_command("probe", &[Format::Terminal, Format::Json])?;
    let target = resolve_server(&args.server, args.config.as_deref())?;
    let report =
        cutover_mssql::probe::probe(&target).await.with_context(|| format!("could not probe {target}"))?;
    output::print(&match format {
        Format::Json => output::json(&report)?,
        _ => report.render_text(),
    });
    Ok(Outcome::Pass)
}
