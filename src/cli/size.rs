//! `cutover size`: recommend a Managed Instance configuration from a source baseline, and write
//! the gate that confirms it on the new instance.

use super::Outcome;
use super::output::{self, Format, FormatArgs};
use anyhow::{Context, bail};
use cutover_assess::limits::Limits;
use cutover_assess::size::confirm::{self, ConfirmOptions};
use cutover_assess::size::{self, SizeOptions};
use cutover_mssql::{SecretSource, ServerSpec, ServerTarget, SystemEnv};
use std::path::PathBuf;

/// Recommend Azure SQL Managed Instance configurations from a source baseline.
///
/// Reads the baseline `cutover collect` wrote and computes the demand at the chosen percentile
/// and at the peak: cores in use, memory and page life expectancy, IOPS and throughput, the
/// latency the workload felt (data reads, log writes per commit, tempdb), the log rate,
/// tempdb, data and log size. A figure the baseline cannot give is reported as unknown, with
/// the DMV and the grant that would provide it, and never sized as zero.
///
/// Then sizes every tier (General Purpose, Next-gen General Purpose, Business Critical) on each
/// hardware (standard-series, premium-series, premium-series memory optimized) with the limits
/// in assess/data/mi-limits.toml (each row quotes Microsoft's page and its date). The tier is
/// the cheapest whose documented storage latency keeps up with the data reads and commits the
/// workload leans on; the reason says what each cheaper tier would cost (ms per commit, % on
/// writing statements). Names the resource that decided the size and the headroom left, sizes
/// General Purpose files and Next-gen IOPS, and warns when one metric alone exceeds every option.
///
/// --confirm-gate FILE writes a `cutover gate` file that replays a workload on a new instance of
/// the recommended size and checks it against this baseline: CPU p95 within the share sized
/// for, the log rate within the cap less the headroom, data reads and log writes within the
/// tier's documented latency, writing statements no slower than the tier explains.
///
/// Exit codes: 0 a configuration fits, 1 none fits, 2 could not read the baseline, or the
/// baseline shows none of CPU, memory and IO (nothing to size against: no recommendation).
///
/// Examples:
///   cutover size --baseline baselines/src
///   cutover size --baseline baselines/src --percentile 99 --headroom 30% --format markdown --out sizing/
///   cutover size --baseline baselines/src --confirm-gate confirm.toml \
///     --confirm-target "Server=tcp:mi-new.abc.database.windows.net,1433;Database=shop;User Id=cutover"
///   cutover gate --policy confirm.toml          # once the new instance holds a restored copy
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct SizeArgs {
    /// The baseline folder (baseline.json and series/) written by `cutover collect --out`.
    #[arg(long, value_name = "DIR")]
    baseline: PathBuf,
    /// Percentile of the sample times to size for (the SKU recommender uses 95).
    #[arg(long, default_value_t = 95.0)]
    percentile: f64,
    /// Capacity to keep on top of the demand: 20%, 0.2.
    #[arg(long, default_value = "20%")]
    headroom: String,
    /// The baseline's instance to size (default: the first).
    #[arg(long)]
    instance: Option<String>,
    #[command(flatten)]
    output: FormatArgs,
    /// Folder to write the report into: size.json and size.md.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// A resource-limits table to use instead of the bundled one (same format as
    /// assess/data/mi-limits.toml; every row must name its source page and date).
    #[arg(long, value_name = "FILE")]
    limits: Option<PathBuf>,
    /// Write a gate file that confirms the recommendation on the new instance: it replays a
    /// workload there while collecting, and compares with this baseline under thresholds taken
    /// from the sizing (CPU share sized for, log rate cap less headroom, the tier's documented
    /// latency). Run it with `cutover gate --policy FILE` once the instance holds a restored
    /// copy of the databases.
    #[arg(long, value_name = "FILE", help_heading = "Confirm gate")]
    confirm_gate: Option<PathBuf>,
    /// The new instance for the gate: a connection string or a cutover.toml name (default: a
    /// placeholder to edit in the file).
    #[arg(long, value_name = "CONN", requires = "confirm_gate", help_heading = "Confirm gate")]
    confirm_target: Option<ServerSpec>,
    /// The environment variable holding the new instance's password.
    #[arg(long, value_name = "VAR", default_value = "MI_PASSWORD", help_heading = "Confirm gate")]
    confirm_password_env: String,
    /// The workload to replay: a file from `cutover capture` (the source's own), or a bundled
    /// name (orders, reporting).
    #[arg(long, value_name = "FILE|NAME", default_value = "orders", help_heading = "Confirm gate")]
    confirm_workload: String,
    /// How long to replay (and collect) on the new instance. CPU comes from the resource pools'
    /// counter every sample; Managed Instance's sys.server_resource_stats (cpu_percent) reports
    /// 5-10 minutes late, so only a longer run has it too.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration_text, help_heading = "Confirm gate")]
    confirm_duration: String,
    /// Replay rate (default: the workload's).
    #[arg(long, value_name = "RATE", help_heading = "Confirm gate")]
    confirm_rate: Option<String>,
    /// The source's replay of the same workload (`cutover replay --out`), to also compare
    /// response times template by template.
    #[arg(long, value_name = "DIR", help_heading = "Confirm gate")]
    confirm_replay: Option<PathBuf>,
}

/// A duration as written (it goes into the gate file), checked against the one grammar now
/// rather than when the gate runs.
fn duration_text(text: &str) -> Result<String, String> {
    cutover_common::duration::parse_positive(text).map(|_| text.trim().to_string())
}

pub async fn run(args: SizeArgs) -> anyhow::Result<Outcome> {
    let limits = match &args.limits {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read --limits {}", path.display()))?;
            Limits::parse(&text, &path.display().to_string())?
        }
        None => Limits::bundled(),
    };
    let opts = SizeOptions {
        percentile: args.percentile,
        headroom: size::parse_headroom(&args.headroom)?,
        instance: args.instance.clone(),
    };
    if let Some(target) = &args.confirm_target {
        refuse_literal_password(target, &args.confirm_password_env)?;
    }
    let mut report = size::size(&args.baseline, &opts, &limits)?;
    if let Some(path) = &args.confirm_gate {
        write_confirm_gate(&args, path, &mut report)?;
    }
    let (json, markdown) = (output::json(&report)?, size::report::markdown(&report));
    if let Some(dir) = &args.out {
        super::assess::write_files(dir, &[("size.json", json.clone()), ("size.md", markdown.clone())])?;
    }
    output::print(&match args.output.get() {
        Format::Json => json,
        Format::Markdown => markdown,
        Format::Terminal => size::report::terminal(&report),
    });
    if let Some(why) = &report.sizing.not_offered {
        return Ok(Outcome::Incomplete(format!("the sizing could not complete: {why}")));
    }
    Ok(if report.sizing.chosen.is_some() { Outcome::Pass } else { Outcome::Fail })
}

/// The gate file names the password's environment variable; a password written into
/// --confirm-target would be copied into the file (and clash with the variable).
fn refuse_literal_password(target: &ServerSpec, password_env: &str) -> anyhow::Result<()> {
    if !target.is_connection_string() {
        return Ok(());
    }
    let parsed = ServerTarget::parse(target.expose(), &SystemEnv)?;
    if parsed.target.password_source == Some(SecretSource::ConnectionString) {
        bail!(
            "--confirm-target {target}: leave the password out of the connection string; the gate \
             reads it from ${password_env} (--confirm-password-env)"
        );
    }
    Ok(())
}

/// Writes the gate that confirms the recommendation (none when there is no recommendation).
fn write_confirm_gate(
    args: &SizeArgs,
    path: &std::path::Path,
    report: &mut size::SizeReport,
) -> anyhow::Result<()> {
    let opts = ConfirmOptions {
        path: path.to_path_buf(),
        target: args.confirm_target.as_ref().map(|t| t.expose().to_string()),
        password_env: args.confirm_password_env.clone(),
        workload: args.confirm_workload.clone(),
        duration: args.confirm_duration.clone(),
        rate: args.confirm_rate.clone(),
        replay_baseline: args.confirm_replay.clone(),
    };
    match confirm::gate_toml(report, &opts) {
        Some(text) => {
            std::fs::write(path, text)
                .with_context(|| format!("could not write --confirm-gate {}", path.display()))?;
            eprintln!("wrote {} (run it with: cutover gate --policy {})", path.display(), path.display());
            report.confirm_gate = Some(path.display().to_string());
        }
        None => eprintln!("no gate written to {}: there is no recommendation to confirm", path.display()),
    }
    Ok(())
}
