//! `cutover demo`: the whole story on two simulated instances in this process, ending in a
//! report. It is the gate, run on simulators: the demo writes the gate file it runs into the
//! output folder, so what a newcomer sees is what they would run on their own servers.

mod sims;
mod sizing;
mod story;

use super::Outcome;
use super::gate::Steps;
use anyhow::{Context, bail};
use cutover_gate::Progress as _;
use cutover_gate::{Gate, GateFile, GateReport, Status};
use std::path::PathBuf;

/// The whole story on two simulated instances, ending in a report (about a minute).
///
/// Starts a simulated SQL Server 2019 (the source) and a simulated Managed Instance, General
/// Purpose (the target) in this process; seeds the order-entry workload on both; changes one
/// customer's email on the target (the planted difference); validates the data; replays the
/// workload on each side while collecting a DMV baseline; compares; and prints where the
/// HTML report is and what it found; then sizes a Managed Instance from the source baseline
/// (`cutover size`) and writes the gate that would confirm that size on a new instance.
/// Everything is written to --out:
///   gate.toml (the gate the demo ran)  gate.json  gate.md  junit.xml
///   validate/  baselines/source|target/  runs/source|target/  compare/report.html
///   confirm-gate.toml (`cutover size --confirm-gate`: edit its target, run `cutover gate`)
///
/// Exit codes: 0 when the demo ran to the end and the report found the planted difference (the
/// story worked); 2 when something could not run. With --strict the exit code is the gate's
/// verdict instead: 1, because the planted difference fails the gate.
///
/// Example:
///   cutover demo --out demo-out && open demo-out/compare/report.html
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct DemoArgs {
    /// Folder for everything the demo writes.
    #[arg(long, value_name = "DIR", default_value = "demo-out")]
    out: PathBuf,
    /// Seconds of replay on each side (the collector samples every second meanwhile).
    #[arg(long, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u64).range(2..=600))]
    seconds: u64,
    /// Replay rate on each side.
    #[arg(long, value_name = "RATE", default_value = "100/s")]
    rate: String,
    /// Exit with the gate's verdict (1: the planted difference fails it) instead of 0.
    #[arg(long)]
    strict: bool,
}

const PASSWORD: &str = "Demo-Passw0rd!";

pub async fn run(args: DemoArgs) -> anyhow::Result<Outcome> {
    let mut steps = Steps::new(false);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("could not create --out {}: pick a writable folder", args.out.display()))?;
    steps
        .phase("starting a simulated SQL Server 2019 (source) and Managed Instance General Purpose (target)");
    let source = sims::start("source", "sqlserver-2019", "SRC2019", PASSWORD).await?;
    let target = sims::start("target", "mi-gp", "MI-GP", PASSWORD).await?;
    let env = story::DemoEnv(PASSWORD.to_string());
    steps.phase("seeding the order-entry workload on both (the same deterministic rows)");
    let (a, b) = tokio::join!(story::seed(&source, &env), story::seed(&target, &env));
    let rows = a?;
    b?;
    steps.phase(&format!(
        "planting one difference on the target: {} ({}) {} changed",
        story::PLANTED_TABLE,
        story::PLANTED_KEY,
        story::PLANTED_COLUMN
    ));
    story::plant(&target, &env).await?;
    let gate_path = args.out.join("gate.toml");
    std::fs::write(&gate_path, story::gate_toml(&source, &target, args.seconds, &args.rate))
        .with_context(|| format!("could not write {}", gate_path.display()))?;
    let gate = Gate {
        file: GateFile::load(&gate_path)?,
        file_path: gate_path.clone(),
        out: args.out.clone(),
        env: &env,
        started_at: cutover_workloads::run::timestamp(std::time::SystemTime::now()),
    };
    let report =
        cutover_gate::run(&gate, &mut steps).await.context("the demo's gate could not write its report")?;
    steps.finish();
    source.server.shutdown().await;
    target.server.shutdown().await;
    print!("{}", report.render_text());
    let sized = sizing::run(&report, &args.out, args.seconds, &args.rate);
    let outcome = explain(&report, &args, rows)?;
    println!();
    sized.iter().for_each(|l| println!("{l}"));
    Ok(outcome)
}

/// What the demo found, where to look, and the exit code.
fn explain(report: &GateReport, args: &DemoArgs, rows: u64) -> anyhow::Result<Outcome> {
    let found = planted_found(report);
    println!();
    println!("The demo seeded {rows} rows on each side and changed one on the target.");
    match &found {
        Some(check) => println!("Validation found it: {}", check.summary),
        None => println!("Validation did NOT find the planted difference."),
    }
    if let Some(html) = report.files.get("compare_html") {
        println!("Performance report (open in a browser): {}", args.out.join(html).display());
    }
    println!(
        "Everything: {} (the gate it ran: {})",
        args.out.display(),
        args.out.join("gate.toml").display()
    );
    if found.is_none() {
        bail!(
            "the planted difference ({} {}) is not in the report: the demo did not work",
            story::PLANTED_TABLE,
            story::PLANTED_KEY
        );
    }
    if args.strict {
        return super::gate::verdict(report, &args.out);
    }
    let broken: Vec<&cutover_gate::Check> =
        report.checks.iter().filter(|c| matches!(c.status, Status::Error | Status::Skipped)).collect();
    if let Some(first) = broken.first() {
        bail!("{} step(s) of the demo could not run; first: {} {}", broken.len(), first.phase, first.summary);
    }
    Ok(Outcome::Pass)
}

/// The failing validation check that names the planted key and column.
fn planted_found(report: &GateReport) -> Option<&cutover_gate::Check> {
    report.checks.iter().find(|c| {
        c.phase == "validate"
            && c.status == Status::Fail
            && c.name.starts_with(story::PLANTED_TABLE)
            && c.details.iter().any(|d| d.contains(story::PLANTED_KEY) && d.contains(story::PLANTED_COLUMN))
    })
}
