//! `cutover gate`: one gate file, one verdict for a release pipeline (the engine is the
//! `cutover-gate` crate; this file parses the flags, shows progress and maps the verdict).

use super::Outcome;
use super::output::{self, Format, FormatArgs};
use anyhow::Context;
use cutover_gate::{Gate, GateFile, GateReport, Verdict};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One verdict for a release: validate the data, compare performance, exit 0/1/2.
///
/// The gate file (TOML, docs/gate.md; an example is examples/gate.toml) names the source and
/// the target (connection strings or cutover.toml names; secrets from the environment), the
/// tables to validate, the baselines and replays to compare (existing folders, or a workload to
/// replay on each side while collecting), and the thresholds (a compare policy). The gate runs
/// what is needed, reads what exists, and writes one combined report to --out:
///   gate.json  gate.md  junit.xml (one test case per check)
///   validate/  (report.json, report.md, junit.xml)   compare/ (report.html and the other forms)
///   baselines/<side>/  runs/<side>/  (when the gate produced them)
///
/// Exit codes: 0 every check passed; 1 differences or regressions; 2 something could not be
/// checked (unreachable server, missing input). A skipped check is never a pass.
///
/// Examples:
///   SRC_PASSWORD=… MI_PASSWORD=… cutover gate --policy gate.toml
///   cutover gate --policy ci/gate.toml --out artifacts/gate --json
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct GateArgs {
    /// The gate file (TOML; docs/gate.md).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Folder for the reports (default: `out` in the gate file, else gate-report/ next to it).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    output: FormatArgs,
}

pub async fn run(args: GateArgs) -> anyhow::Result<Outcome> {
    let file = GateFile::load(&args.policy)?;
    let out = args.out.clone().or(file.out.clone()).unwrap_or_else(|| default_out(&args.policy));
    let gate = Gate {
        file,
        file_path: args.policy.clone(),
        out: out.clone(),
        env: &cutover_mssql::SystemEnv,
        started_at: cutover_workloads::run::timestamp(std::time::SystemTime::now()),
    };
    let mut steps = Steps::new(args.output.is_json());
    let report = cutover_gate::run(&gate, &mut steps).await.context("the gate could not write its report")?;
    steps.finish();
    match args.output.get() {
        Format::Json => output::print(&output::json(&report)?),
        Format::Markdown => output::print(&report.render_markdown()),
        Format::Terminal => output::print(&report.render_text()),
    }
    eprintln!("report: {}", out.join("gate.md").display());
    verdict(&report, &out)
}

/// The verdict as an outcome; incomplete (exit 2) says where to look.
pub fn verdict(report: &GateReport, out: &Path) -> anyhow::Result<Outcome> {
    Ok(match report.verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Fail => Outcome::Fail,
        Verdict::Incomplete => {
            let first =
                report.problems().first().map(|c| format!(": first, {}", c.summary)).unwrap_or_default();
            Outcome::Incomplete(format!(
                "the gate is incomplete{first}; every check is in {}",
                out.join("gate.md").display()
            ))
        }
    })
}

fn default_out(policy: &Path) -> PathBuf {
    policy.parent().unwrap_or(Path::new(".")).join("gate-report")
}

/// Progress on stderr: a spinner with the phase on a terminal, one line per phase otherwise;
/// nothing with --json.
pub struct Steps {
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Steps {
    pub fn new(quiet: bool) -> Steps {
        let tty = std::io::stderr().is_terminal();
        let bar = (tty && !quiet).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Steps { bar, lines: !tty && !quiet }
    }

    /// Clears the spinner.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl cutover_gate::Progress for Steps {
    fn phase(&mut self, message: &str) {
        match &self.bar {
            Some(bar) => {
                bar.println(format!("▸ {message}"));
                bar.set_message(message.to_string());
            }
            None if self.lines => eprintln!("{message}"),
            None => {}
        }
    }

    fn detail(&mut self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.to_string());
        }
    }
}
