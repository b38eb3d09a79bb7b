//! # cutover-compare
//!
//! Lines up two baselines and/or two replays, applies a policy, classifies each query and
//! template as the Database Experimentation Assistant did (improved, degraded, unchanged,
//! indeterminate, new or resolved errors) and writes reports: terminal, Markdown, JSON
//! (schema `cutover.compare/1`), JUnit XML and one self-contained HTML page with inline SVG.
//!
//! | module | concern |
//! |---|---|
//! | [`baseline`] | baselines opened through `cutover-baseline`, their Parquet series via polars, alignment across editions, metric and query comparison |
//! | [`replay`] | HdrHistogram interval logs merged over shards, summaries, per-template comparison |
//! | [`policy`] | the TOML policy and its defaults (`docs/policy.md`) |
//! | [`stats`], [`verdict`] | summaries, Mann-Whitney, and the one function that judges a check |
//! | [`model`] | [`Comparison`]: the JSON report's schema |
//! | [`report`] | the five report forms |
//!
//! polars lives in this crate only, so the rest of the workspace builds fast. The crate reads
//! files only: it builds no SQL Server client, async runtime or HTTP server.

pub mod baseline;
pub mod error;
pub mod model;
pub mod policy;
pub mod replay;
pub mod report;
pub mod stats;
#[doc(hidden)]
pub mod testdata;
pub mod verdict;

use std::path::{Path, PathBuf};

pub use error::CompareError;
pub use model::{Check, Class, Comparison, SCHEMA, Verdict};
pub use policy::Policy;
pub use report::{Format, render, write_reports};

use baseline::queries::QueryInfo;
use cutover_baseline::Baseline;
use model::{Area, SideInfo};

/// What to compare: two baselines, two replays, or both; and the policy.
#[derive(Clone, Debug, Default)]
pub struct CompareOptions {
    /// The source's baseline folder (`cutover collect --out`).
    pub baseline: Option<PathBuf>,
    /// The target's baseline folder.
    pub candidate: Option<PathBuf>,
    /// The source's replay folder (`cutover replay --out`, or a folder of shard folders).
    pub replay_baseline: Option<PathBuf>,
    /// The target's replay folder.
    pub replay_candidate: Option<PathBuf>,
    /// The policy file; `None` = the defaults.
    pub policy: Option<PathBuf>,
}

/// Compares what `opts` names under its policy.
pub fn compare(opts: &CompareOptions) -> Result<Comparison, CompareError> {
    let policy = Policy::load(opts.policy.as_deref())?;
    let mut c = Comparison {
        schema: SCHEMA.into(),
        cutover_version: env!("CARGO_PKG_VERSION").into(),
        policy: opts.policy.as_ref().map_or("defaults".into(), |p| p.display().to_string()),
        ..Default::default()
    };
    let baselines = pair(&opts.baseline, &opts.candidate, "a baseline", "--baseline and --candidate")?;
    let replays = pair(
        &opts.replay_baseline,
        &opts.replay_candidate,
        "a replay",
        "--replay-baseline and --replay-candidate",
    )?;
    if baselines.is_none() && replays.is_none() {
        return Err(CompareError::NothingToCompare);
    }
    if let Some((b, k)) = baselines {
        compare_baselines(b, k, &policy, &mut c)?;
    }
    if let Some((b, k)) = replays {
        compare_replays(b, k, &policy, &mut c)?;
    }
    c.sort();
    Ok(c)
}

fn pair<'a>(
    a: &'a Option<PathBuf>,
    b: &'a Option<PathBuf>,
    what: &'static str,
    flags: &'static str,
) -> Result<Option<(&'a Path, &'a Path)>, CompareError> {
    match (a, b) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        (None, None) => Ok(None),
        _ => Err(CompareError::OneSided { what, flags }),
    }
}

fn side_info(b: &Baseline) -> SideInfo {
    SideInfo {
        path: b.dir.display().to_string(),
        description: baseline::description(b),
        started_at: b.doc.started_at.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
        complete: b.doc.complete,
    }
}

/// Two baselines: metrics and queries.
pub fn compare_baselines(
    base: &Path,
    cand: &Path,
    policy: &Policy,
    c: &mut Comparison,
) -> Result<(), CompareError> {
    let (b, k) = (baseline::open(base)?, baseline::open(cand)?);
    let multi = b.doc.instances.len() > 1 || k.doc.instances.len() > 1;
    if multi {
        let names = |x: &Baseline| {
            x.doc.instances.iter().map(|i| i.name.clone()).collect::<std::collections::BTreeSet<_>>()
        };
        if names(&b) != names(&k) {
            return Err(CompareError::NotComparable(format!(
                "{} holds instances {:?} and {} holds {:?}: compare baselines of one instance each, or of the same named instances",
                base.display(),
                names(&b),
                cand.display(),
                names(&k)
            )));
        }
    }
    for (side, x) in [("baseline", &b), ("candidate", &k)] {
        if !x.doc.complete {
            c.checks.push(input_check(
                &format!("input:{side}:complete"),
                &x.dir.display().to_string(),
                model::Verdict::Warn,
                format!("the {side} collection was interrupted (complete: false), so its window may be shorter than planned"),
            ));
        }
    }
    let (lb, lk) = std::thread::scope(|s| {
        let candidate = s.spawn(|| baseline::series::load(&k, multi));
        let baseline = baseline::series::load(&b, multi);
        (baseline, candidate.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let (lb, lk) = (lb?, lk?);
    let metrics = baseline::compare::compare(&lb, &lk, policy, &baseline::caps(&k));
    let (queries, qchecks) =
        baseline::queries::compare(&lb, &lk, &QueryInfo::of(&b), &QueryInfo::of(&k), policy);
    let common = metrics.rows.iter().filter(|r| r.baseline.is_some() && r.candidate.is_some()).count()
        + queries.iter().filter(|q| q.baseline.is_some() && q.candidate.is_some()).count();
    if common == 0 {
        return Err(CompareError::NotComparable(format!(
            "{} and {} have no metric or query in common ({} and {} series): were they collected by the same cutover version, from servers running the workload?",
            base.display(),
            cand.display(),
            lb.series.len(),
            lk.series.len()
        )));
    }
    c.baseline = Some(side_info(&b));
    c.candidate = Some(side_info(&k));
    c.checks.extend(metrics.checks);
    c.checks.extend(qchecks);
    c.metrics = metrics.rows;
    c.queries = queries;
    c.overlays = metrics.overlays;
    c.only_in_baseline = metrics.only_in_baseline;
    c.only_in_candidate = metrics.only_in_candidate;
    Ok(())
}

/// Two replays: templates.
pub fn compare_replays(
    base: &Path,
    cand: &Path,
    policy: &Policy,
    c: &mut Comparison,
) -> Result<(), CompareError> {
    let (sb, sk) = (replay::hlog::shard_dirs(base)?, replay::hlog::shard_dirs(cand)?);
    let (rb, rk) = (replay::run::read(&sb)?, replay::run::read(&sk)?);
    let (hb, hk) = (replay::hlog::merge(&sb)?, replay::hlog::merge(&sk)?);
    let (templates, checks) = replay::compare::compare(
        &replay::compare::Replay { run: &rb, hist: &hb },
        &replay::compare::Replay { run: &rk, hist: &hk },
        policy,
    );
    if !templates.iter().any(|t| t.baseline.is_some() && t.candidate.is_some()) {
        return Err(CompareError::NotComparable(format!(
            "the replays in {} and {} have no template in common: replay the same workload on both sides",
            base.display(),
            cand.display()
        )));
    }
    let info = |dir: &Path, r: &replay::run::RunSide| SideInfo {
        path: dir.display().to_string(),
        description: format!(
            "workload {} ({} shard{})",
            r.workload,
            r.shards,
            if r.shards == 1 { "" } else { "s" }
        ),
        started_at: r.started_at.clone(),
        complete: r.complete,
    };
    for (side, dir, r) in [("baseline", base, &rb), ("candidate", cand, &rk)] {
        if !r.complete {
            c.checks.push(input_check(
                &format!("input:replay_{side}:complete"),
                &dir.display().to_string(),
                model::Verdict::Warn,
                format!(
                    "the {side} replay did not complete (run.json status), so it measured less than planned"
                ),
            ));
        }
    }
    c.replay_baseline = Some(info(base, &rb));
    c.replay_candidate = Some(info(cand, &rk));
    c.checks.extend(checks);
    c.templates = templates;
    Ok(())
}

fn input_check(id: &str, subject: &str, verdict: model::Verdict, reason: String) -> Check {
    Check {
        id: id.into(),
        area: Area::Input,
        subject: subject.into(),
        measure: "input".into(),
        verdict,
        class: None,
        baseline: None,
        candidate: None,
        unit: String::new(),
        change_pct: None,
        p_value: None,
        threshold: String::new(),
        reason,
    }
}
