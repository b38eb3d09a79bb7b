//! `cutover assess`: Managed Instance blockers and warnings on a source server; and the
//! instance-level object comparison behind `cutover validate --instance-objects`.

use super::Outcome;
use super::output::{self, Format, FormatArgs};
use super::server_arg::resolve_server;
use anyhow::Context;
use cutover_assess::instance;
use cutover_assess::rules::{self, report};
use cutover_mssql::ServerSpec;
use std::path::{Path, PathBuf};

/// Check a source server for Azure SQL Managed Instance blockers and warnings.
///
/// Runs the rules in assess/data/assess-rules.toml (each a catalog or DMV query with its
/// Microsoft source): database size and file counts, FILESTREAM and FileTables, multiple log
/// files, compatibility levels, TDE, trace flags, SQL Agent job steps of unsupported
/// subsystems, Windows logins, linked servers to unsupported providers, server settings. Each
/// finding names the object, the reason and the documented remediation.
///
/// Exit codes: 0 no blocker, 1 a blocker was found, 2 could not assess (a rule that could not
/// run is never a pass).
///
/// Examples:
///   CUTOVER_PASSWORD=… cutover assess --server src
///   cutover assess --server "Server=…" --format markdown --out assessment/   # + assess.json
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct AssessArgs {
    /// The source: a connection string (ADO.NET or JDBC) or a server name from cutover.toml.
    #[arg(long, value_name = "CONN")]
    server: ServerSpec,
    #[command(flatten)]
    output: FormatArgs,
    /// Folder to write the report into: assess.json and assess.md.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// A rules file to use instead of the bundled one (same format as assess/data/assess-rules.toml).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// The cutover.toml to read server names from (default: ./cutover.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Writes each `(file name, text)` into `dir`, saying so on stderr.
pub fn write_files(dir: &Path, files: &[(&str, String)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create --out {}", dir.display()))?;
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("could not write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

pub async fn run(args: AssessArgs) -> anyhow::Result<Outcome> {
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read --rules {}", path.display()))?;
            rules::parse(&text, &path.display().to_string())?
        }
        None => rules::bundled(),
    };
    let target = resolve_server(&args.server, args.config.as_deref())?;
    let mut conn =
        cutover_mssql::connect(&target).await.with_context(|| format!("could not connect to {target}"))?;
    let result = rules::run::assess(&mut conn, &rules).await;
    let (json, markdown) = (output::json(&result)?, report::markdown(&result));
    if let Some(dir) = &args.out {
        write_files(dir, &[("assess.json", json.clone()), ("assess.md", markdown.clone())])?;
    }
    output::print(&match args.output.get() {
        Format::Json => json,
        Format::Markdown => markdown,
        Format::Terminal => report::terminal(&result),
    });
    Ok(Outcome::judge(result.blockers(), result.unchecked.len(), || {
        format!(
            "{} rule(s) could not be checked; the report names each with its error",
            result.unchecked.len()
        )
    }))
}

/// `cutover validate --instance-objects [--script FILE]`: logins, roles, credentials, Agent
/// objects, linked servers, server triggers and configuration, source against target.
pub async fn instance_objects(
    source: &cutover_mssql::ServerTarget,
    target: &cutover_mssql::ServerTarget,
    script: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut src = cutover_mssql::connect(source)
        .await
        .with_context(|| format!("could not connect to the source {source}"))?;
    let mut tgt = cutover_mssql::connect(target)
        .await
        .with_context(|| format!("could not connect to the target {target}"))?;
    let (s, t) = (instance::read(&mut src).await, instance::read(&mut tgt).await);
    let diff = instance::diff::diff(&s, &t);
    if let Some(path) = script {
        let sql = instance::script::script(&diff, &s, &t);
        std::fs::write(path, sql).with_context(|| format!("could not write --script {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    output::print(&match format {
        Format::Json => output::json(&diff)?,
        _ => instance::report::terminal(&diff),
    });
    Ok(Outcome::judge(usize::from(diff.has_differences()), diff.unreadable.len(), || {
        format!(
            "{} inventory section(s) could not be read: {}",
            diff.unreadable.len(),
            diff.unreadable.join("; ")
        )
    }))
}
