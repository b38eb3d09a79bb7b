//! `cutover size`: recommend a Managed Instance configuration from a source baseline.

use super::Outcome;
use anyhow::Context;
use cutover_assess::limits::Limits;
use cutover_assess::size::{self, SizeOptions};
use std::path::PathBuf;

/// Recommend Azure SQL Managed Instance configurations from a source baseline.
///
/// Reads the baseline `cutover collect` wrote and computes the demand at the chosen percentile
/// and at the peak: cores in use, memory and page life expectancy, IOPS, read/write
/// throughput, the IO latency the workload saw, the log generation rate, tempdb, data and log
/// size. Then sizes General Purpose and Business Critical on each hardware series with the
/// limits in assess/data/mi-limits.toml (Microsoft's resource-limits page), picks the tier from
/// the IO latency (General Purpose when the workload saw above 5 ms, Business Critical below 3
/// ms), names the resource that decided the size and the headroom left, sizes General Purpose
/// files for their IOPS, and warns when one metric alone exceeds the largest option.
///
/// Exit codes: 0 a configuration fits, 1 none fits, 2 could not read the baseline.
///
/// Examples:
///   cutover size --baseline baselines/src
///   cutover size --baseline baselines/src --percentile 99 --headroom 30% --format markdown --out sizing.md
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
    /// terminal, markdown or json.
    #[arg(long, default_value = "terminal", value_parser = ["terminal", "markdown", "json"])]
    format: String,
    /// Write the output to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// A resource-limits table to use instead of the bundled one (same format as
    /// assess/data/mi-limits.toml).
    #[arg(long, value_name = "FILE")]
    limits: Option<PathBuf>,
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
    let report = size::size(&args.baseline, &opts, &limits)?;
    let text = match args.format.as_str() {
        "json" => serde_json::to_string_pretty(&report)? + "\n",
        "markdown" => size::report::markdown(&report),
        _ => size::report::terminal(&report),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("could not write --out {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(if report.sizing.chosen.is_some() { Outcome::Pass } else { Outcome::Fail })
}
