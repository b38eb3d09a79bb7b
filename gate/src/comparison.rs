//! The compare phase: `cutover-compare` over the two baselines and/or the two replays, with the
//! gate's policy; its reports (the HTML page included) go to `<out>/compare/`, and each of its
//! checks becomes a gate check.
//!
//! Verdicts map as: fail → fail, warn → warn, indeterminate (within noise, or too few samples
//! to tell) → warn, not comparable (one side missing, unusable input) → skipped, which is never a
//! pass. A comparison that cannot be made at all is an error.

use crate::check::{Check, Status};
use cutover_compare::{CompareOptions, Format, Verdict};
use std::path::{Path, PathBuf};

const PHASE: &str = "compare";

/// What compare reads.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub baseline: Option<PathBuf>,
    pub candidate: Option<PathBuf>,
    pub replay_baseline: Option<PathBuf>,
    pub replay_candidate: Option<PathBuf>,
    pub policy: Option<PathBuf>,
}

/// What the compare phase found, and where its HTML page is.
#[derive(Debug, Default)]
pub struct Outcome {
    pub checks: Vec<Check>,
    pub html: Option<PathBuf>,
    pub headline: Option<String>,
}

/// Compares, and writes every report form into `out`.
pub fn run(inputs: &Inputs, out: &Path) -> Outcome {
    let opts = CompareOptions {
        baseline: inputs.baseline.clone(),
        candidate: inputs.candidate.clone(),
        replay_baseline: inputs.replay_baseline.clone(),
        replay_candidate: inputs.replay_candidate.clone(),
        policy: inputs.policy.clone(),
    };
    let comparison = match cutover_compare::compare(&opts) {
        Ok(c) => c,
        Err(e) => {
            let why = format!("could not compare: {}", cutover_mssql::one_line(&e));
            return Outcome {
                checks: vec![Check::new(PHASE, "compare", Status::Error, why)],
                ..Outcome::default()
            };
        }
    };
    let mut checks: Vec<Check> = comparison.checks.iter().map(one).collect();
    if checks.is_empty() {
        checks.push(Check::new(
            PHASE,
            "compare",
            Status::Error,
            "the comparison produced no check: nothing was judged",
        ));
    }
    let mut html = None;
    match cutover_compare::write_reports(&comparison, out, &Format::ALL) {
        Ok(paths) => html = paths.into_iter().find(|p| p.extension().is_some_and(|e| e == "html")),
        Err(e) => checks.push(Check::new(
            PHASE,
            "reports",
            Status::Error,
            format!("could not write the compare reports: {}", cutover_mssql::one_line(&e)),
        )),
    }
    Outcome { checks, html, headline: Some(comparison.headline()) }
}

fn one(c: &cutover_compare::Check) -> Check {
    let status = match c.verdict {
        Verdict::Fail => Status::Fail,
        Verdict::Warn | Verdict::Indeterminate => Status::Warn,
        Verdict::NotComparable => Status::Skipped,
        Verdict::Pass => Status::Pass,
    };
    let name = format!("{} {}", c.subject, c.measure);
    let mut details = Vec::new();
    if !c.threshold.is_empty() {
        details.push(format!("policy: {}", c.threshold));
    }
    if let (Some(b), Some(k)) = (c.baseline, c.candidate) {
        details.push(format!("source {b:.4} {u}, target {k:.4} {u}", u = c.unit));
    }
    Check::new(PHASE, name, status, format!("{}: {}", c.verdict.label(), c.reason)).with_details(details)
}
