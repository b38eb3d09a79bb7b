//! `cutover compare`: two baselines and/or two replays side by side, judged by a policy.

use super::Outcome;
use super::output::{self, Format, FormatArgs};
use anyhow::Context;
use cutover_compare::CompareOptions;
use std::path::PathBuf;

/// Compare a source and a target: DMV baselines (`cutover collect`) and/or replays (`cutover
/// replay`), under a policy of thresholds.
///
/// Metrics are aligned across editions (CPU from the ring buffer or sys.server_resource_stats,
/// files by database and type, waits by type and category); queries by query_hash; replay
/// templates from their merged HdrHistogram logs (shards added losslessly). A difference fails
/// only when it is beyond the policy's threshold and outside measurement noise (Mann-Whitney),
/// with enough samples (15 executions per query, as DEA required). Each check says why in one
/// sentence. Policy format and defaults: docs/policy.md.
///
/// With --validate DIR it merges `cutover validate --shard i/N` report folders (DIR holds one
/// per shard) into one report and one verdict: a table no shard validated is never a pass.
///
/// Exit codes: 0 pass, 1 a check failed, 2 could not compare (missing or corrupt input, another
/// format version, nothing in common).
///
/// Examples:
///   cutover compare --validate shards/ --out validate-report/
///   cutover compare --baseline baselines/src --candidate baselines/mi --out report/
///   cutover compare --replay-baseline runs/src --replay-candidate runs/mi --policy policy.toml \
///     --out report/ --format markdown
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct CompareArgs {
    /// The source's baseline folder (`cutover collect --out`).
    #[arg(long, value_name = "DIR", requires = "candidate")]
    baseline: Option<PathBuf>,
    /// The target's baseline folder.
    #[arg(long, value_name = "DIR", requires = "baseline")]
    candidate: Option<PathBuf>,
    /// The source's replay folder (`cutover replay --out`), or a folder of shard folders.
    #[arg(long, value_name = "DIR", requires = "replay_candidate")]
    replay_baseline: Option<PathBuf>,
    /// The target's replay folder, or a folder of shard folders.
    #[arg(long, value_name = "DIR", requires = "replay_baseline")]
    replay_candidate: Option<PathBuf>,
    /// A folder of `cutover validate --shard i/N --out` folders (or one report folder): merged
    /// into one validation report (report.json, report.md, junit.xml in --out).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["baseline", "replay_baseline"])]
    validate: Option<PathBuf>,
    /// Policy TOML (docs/policy.md); default: the built-in policy.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Folder for the reports, every form: report.txt, report.md, report.json, junit.xml and
    /// report.html (self-contained, open it in a browser).
    #[arg(long, value_name = "DIR", default_value = "compare-report")]
    out: PathBuf,
    #[command(flatten)]
    output: FormatArgs,
    /// Print the built-in policy and exit.
    #[arg(long, exclusive = true)]
    print_policy: bool,
}

/// Runs `cutover compare`.
pub async fn run(args: CompareArgs) -> anyhow::Result<Outcome> {
    if args.print_policy {
        print!("{}", cutover_compare::policy::DEFAULT_POLICY);
        return Ok(Outcome::Pass);
    }
    if let Some(dir) = &args.validate {
        return merge_validation(dir, &args.out, &args.output);
    }
    let opts = CompareOptions {
        baseline: args.baseline,
        candidate: args.candidate,
        replay_baseline: args.replay_baseline,
        replay_candidate: args.replay_candidate,
        policy: args.policy,
    };
    let out = args.out.clone();
    let comparison = tokio::task::spawn_blocking(move || cutover_compare::compare(&opts))
        .await
        .context("the comparison stopped unexpectedly")?
        .context("could not compare")?;
    let written = cutover_compare::write_reports(&comparison, &out, &cutover_compare::Format::ALL)
        .context("could not write the reports")?;
    let form = match args.output.get() {
        Format::Terminal => cutover_compare::Format::Terminal,
        Format::Markdown => cutover_compare::Format::Markdown,
        Format::Json => cutover_compare::Format::Json,
    };
    output::print(&cutover_compare::render(&comparison, form));
    for path in written {
        eprintln!("wrote {}", path.display());
    }
    Ok(if comparison.passed() { Outcome::Pass } else { Outcome::Fail })
}

/// `--validate DIR`: the shard reports merged, written to `out`, judged.
fn merge_validation(
    dir: &std::path::Path,
    out: &std::path::Path,
    output: &FormatArgs,
) -> anyhow::Result<Outcome> {
    use cutover_validate::report::{Status, Verdict};
    let report = cutover_validate::merge::merge_dir(dir).context("could not merge the validation reports")?;
    let written = report.write_to(out).context("could not write the merged report")?;
    output::print(&match output.get() {
        Format::Json => output::json(&report)?,
        Format::Markdown => report.render_markdown(),
        Format::Terminal => report.render_text(),
    });
    for path in written {
        eprintln!("wrote {}", path.display());
    }
    let count = |s: Status| report.tables.iter().filter(|t| t.status() == s).count();
    Ok(match report.verdict {
        Verdict::Identical | Verdict::SampleIdentical => Outcome::Pass,
        Verdict::Differences => Outcome::Fail,
        Verdict::Incomplete => Outcome::judge(
            count(Status::Fail),
            (count(Status::Error) + count(Status::NotCovered)).max(1),
            || {
                format!(
                    "the merged validation is incomplete; every table is in {}",
                    out.join("report.md").display()
                )
            },
        ),
    })
}
