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
/// --deep runs every read-only statement cutover can send to a server of this edition (the
/// list `cutover queries --edition …` prints; event-session DDL is never run) and reports each
/// that fails with the server's error and, for a permission error, the permission it needs:
/// exit 0 when all ran, 1 when any failed, 2 when it could not connect. --bundle FILE writes the
/// redacted JSON bundle (versions, edition, failing statements and errors; no data, no server,
/// login or database names, no secrets) to attach to a bug report.
///
/// Examples:
///   CUTOVER_PASSWORD=… cutover probe --server "Server=tcp:sql01,1433;User Id=cutover"
///   cutover probe --server src --json        # [servers.src] in cutover.toml
///   cutover probe --server src --deep --bundle cutover-deep.json
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

    /// Also run every read-only statement cutover sends to a server of this edition, and report
    /// each that fails (exit 1) with its error and the permission it needs.
    #[arg(long)]
    deep: bool,

    /// With --deep: write the redacted JSON bundle (versions, edition, failing statements and
    /// their errors) to FILE, to attach to a bug report.
    #[arg(long, value_name = "FILE", requires = "deep")]
    bundle: Option<std::path::PathBuf>,
}

pub async fn run(args: ProbeArgs) -> anyhow::Result<Outcome> {
    let format = args.output.for_command("probe", &[Format::Terminal, Format::Json])?;
    let target = resolve_server(&args.server, args.config.as_deref())?;
    if args.deep {
        return deep(&target, format, args.bundle.as_deref()).await;
    }
    let report =
        cutover_mssql::probe::probe(&target).await.with_context(|| format!("could not probe {target}"))?;
    output::print(&match format {
        Format::Json => output::json(&report)?,
        _ => report.render_text(),
    });
    Ok(Outcome::Pass)
}

/// `probe --deep`: the manifest's read-only statements for the server's edition, run on it.
async fn deep(
    target: &cutover_mssql::ServerTarget,
    format: Format,
    bundle: Option<&std::path::Path>,
) -> anyhow::Result<Outcome> {
    let mut conn =
        cutover_mssql::connect(target).await.with_context(|| format!("could not connect to {target}"))?;
    let identity = cutover_mssql::read_identity(&mut conn)
        .await
        .with_context(|| format!("could not read the identity of {target}"))?;
    let Some(report) = cutover_manifest::deep::run(&mut conn, &identity).await else {
        return Ok(Outcome::Incomplete(format!(
            "{target} is {} {}: probe --deep covers SQL Server 2016-2022 and Managed Instance",
            identity.edition, identity.product_version
        )));
    };
    if let Err(e) = conn.close().await {
        tracing::debug!(error = %e, "closing after probe --deep");
    }
    if let Some(path) = bundle {
        std::fs::write(path, output::json(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    output::print(&match format {
        Format::Json => output::json(&report)?,
        _ => report.render_text(),
    });
    Ok(if report.all_succeeded() { Outcome::Pass } else { Outcome::Fail })
}
