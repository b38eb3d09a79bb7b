//! The gate's phases in order: resolve the servers, validate the data, produce or find the
//! baselines and replays, compare. Each phase adds its checks and rewrites the report folder
//! when it ends, so a failure or Ctrl-C later loses nothing. A phase that cannot run records an
//! error; what depends on it records a skip. Neither is ever a pass.

use crate::GateError;
use crate::check::{Check, Status, Verdict};
use crate::comparison::{self, Inputs};
use crate::file::{GateFile, PolicyRef};
use crate::report::{GateReport, SCHEMA_VERSION};
use crate::{performance, validation};
use cutover_mssql::{CutoverConfig, Env, ServerSpec, ServerTarget};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One gate run.
pub struct Gate<'a> {
    pub file: GateFile,
    /// The gate file, for messages and as the home of its `[servers.*]`.
    pub file_path: PathBuf,
    /// The report folder.
    pub out: PathBuf,
    /// Where secrets come from.
    pub env: &'a dyn Env,
    /// RFC 3339 start time, from the caller's clock.
    pub started_at: String,
}

/// Where the gate reports what it is doing.
pub trait Progress: Send {
    /// A phase starts (`validate: …`, `source: …`, `compare: …`).
    fn phase(&mut self, message: &str);
    /// A step inside a phase (a table validated).
    fn detail(&mut self, message: &str);
}

/// Runs every phase and returns the final report (already written to `gate.out`).
pub async fn run(gate: &Gate<'_>, progress: &mut dyn Progress) -> Result<GateReport, GateError> {
    let clock = Instant::now();
    let source = resolve(gate, &gate.file.source);
    let target = resolve(gate, &gate.file.target);
    let mut report = GateReport {
        schema_version: SCHEMA_VERSION,
        tool: format!("cutover {}", env!("CARGO_PKG_VERSION")),
        name: gate.file.name.clone(),
        started_at: gate.started_at.clone(),
        seconds: 0.0,
        source: shown(&source, &gate.file.source),
        target: shown(&target, &gate.file.target),
        verdict: Verdict::Incomplete,
        headline: String::new(),
        checks: Vec::new(),
        files: BTreeMap::new(),
        partial: true,
    };
    let save = |report: &mut GateReport, partial: bool| -> Result<(), GateError> {
        report.partial = partial;
        report.seconds = clock.elapsed().as_secs_f64();
        report.decide();
        report.write_to(&gate.out).map(|_| ())
    };
    save(&mut report, true)?;
    if let Some(section) = &gate.file.validate {
        progress.phase("validate: comparing schema, row counts and contents");
        let dir = gate.out.join("validate");
        let checks = match (&section.report, &source, &target) {
            (Some(earlier), _, _) => validation::read(earlier),
            (None, Ok(s), Ok(t)) => validation::run(section, s, t, &dir, &mut |m| progress.detail(m)).await,
            (None, s, t) => unresolved("validate", [s, t]),
        };
        report.checks.extend(checks);
        if dir.join("report.json").is_file() && section.report.is_none() {
            report.files.insert("validate".into(), relative(&dir.join("report.md"), &gate.out));
        }
        save(&mut report, true)?;
    }
    if let Some(perf) = &gate.file.performance {
        let mut inputs = Inputs {
            baseline: perf.baseline.clone(),
            candidate: perf.candidate.clone(),
            replay_baseline: perf.replay_baseline.clone(),
            replay_candidate: perf.replay_candidate.clone(),
            policy: None,
        };
        // A folder that is given must be there; a missing one is an error, and compare skips it.
        for (slot, what) in [
            (&mut inputs.baseline, "source baseline"),
            (&mut inputs.candidate, "target baseline"),
            (&mut inputs.replay_baseline, "source replay"),
            (&mut inputs.replay_candidate, "target replay"),
        ] {
            if let Some(path) = slot.clone() {
                let check = existing(&path, what);
                if check.status != Status::Pass {
                    *slot = None;
                }
                report.checks.push(check);
            }
        }
        if let Some(run) = &perf.run {
            for (side, server) in [("source", &source), ("target", &target)] {
                let wanted = run.sides.iter().any(|s| s == side);
                let (have_baseline, have_replay) = match side {
                    "source" => (perf.baseline.is_some(), perf.replay_baseline.is_some()),
                    _ => (perf.candidate.is_some(), perf.replay_candidate.is_some()),
                };
                if !wanted || (have_baseline && have_replay) {
                    continue;
                }
                let Ok(server) = server else {
                    report.checks.extend(unresolved("collect", [server, server]).into_iter().take(1));
                    continue;
                };
                progress.phase(&format!(
                    "{side}: replaying {} for {} while collecting a baseline",
                    run.workload, run.duration
                ));
                let produced = performance::produce(side, run, server, &gate.out).await;
                report.checks.extend(produced.checks);
                let (b, r) = match side {
                    "source" => (&mut inputs.baseline, &mut inputs.replay_baseline),
                    _ => (&mut inputs.candidate, &mut inputs.replay_candidate),
                };
                if !have_baseline {
                    *b = produced.baseline;
                }
                if !have_replay {
                    *r = produced.replay;
                }
                save(&mut report, true)?;
            }
        }
        inputs.policy = match &perf.policy {
            Some(PolicyRef::Path(p)) => Some(p.clone()),
            Some(PolicyRef::Inline(table)) => Some(write_policy(table, &gate.out)?),
            None => None,
        };
        progress.phase("compare: lining up source and target");
        let dir = gate.out.join("compare");
        for (key, path) in [
            ("baselines/source", &inputs.baseline),
            ("baselines/target", &inputs.candidate),
            ("runs/source", &inputs.replay_baseline),
            ("runs/target", &inputs.replay_candidate),
        ] {
            if let Some(p) = path {
                report.files.insert(key.into(), relative(p, &gate.out));
            }
        }
        // A target replay run only as the load for the target's baseline (no source replay
        // given or produced) is kept on disk but was never asked to be compared.
        let source_replay_wanted = perf.replay_baseline.is_some()
            || perf.run.as_ref().is_none_or(|r| r.sides.iter().any(|s| s == "source"));
        if !source_replay_wanted && inputs.replay_baseline.is_none() {
            inputs.replay_candidate = None;
        }
        let unpaired = unpaired(&mut inputs);
        let nothing = inputs.baseline.is_none() && inputs.replay_baseline.is_none();
        report.checks.extend(unpaired);
        let outcome = if nothing { comparison::Outcome::default() } else { comparison::run(&inputs, &dir) };
        report.checks.extend(outcome.checks);
        if let Some(html) = outcome.html {
            report.files.insert("compare_html".into(), relative(&html, &gate.out));
        }
    }
    save(&mut report, false)?;
    Ok(report)
}

/// Resolves a server the way every command does, with the gate file's `[servers.*]` on top of
/// the cutover.toml it names (or ./cutover.toml).
fn resolve(gate: &Gate<'_>, arg: &ServerSpec) -> Result<ServerTarget, String> {
    let loaded =
        CutoverConfig::load_default(gate.file.config.as_deref()).map_err(|e| cutover_mssql::one_line(&e))?;
    let mut config =
        loaded.unwrap_or_else(|| CutoverConfig { path: gate.file_path.clone(), servers: BTreeMap::new() });
    config.servers.extend(gate.file.servers.clone());
    cutover_mssql::resolve(arg.expose(), Some(&config), gate.env)
        .map(|p| p.target)
        .map_err(|e| cutover_mssql::one_line(&e))
}

fn shown(resolved: &Result<ServerTarget, String>, arg: &ServerSpec) -> String {
    match resolved {
        Ok(t) => t.to_string(),
        Err(_) => arg.to_string(),
    }
}

/// Error checks for a phase whose servers could not be resolved.
fn unresolved(phase: &str, sides: [&Result<ServerTarget, String>; 2]) -> Vec<Check> {
    let mut out: Vec<Check> = sides
        .iter()
        .filter_map(|s| s.as_ref().err())
        .map(|e| Check::new(phase, "servers", Status::Error, format!("could not resolve the server: {e}")))
        .collect();
    out.dedup_by(|a, b| a.summary == b.summary);
    out
}

/// A given result folder must exist; it is named either way.
fn existing(path: &Path, what: &str) -> Check {
    let phase = if what.ends_with("baseline") { "collect" } else { "replay" };
    let marker = if phase == "collect" { "baseline.json" } else { "summary.json" };
    if path.join(marker).is_file() {
        Check::new(phase, what, Status::Pass, format!("read from {}", path.display()))
    } else {
        Check::new(
            phase,
            what,
            Status::Error,
            format!(
                "{} has no {marker}: give the folder `cutover {}` wrote with --out",
                path.display(),
                phase
            ),
        )
    }
}

/// Drops half pairs (one side only) from the inputs, with a skip for each; and a skip for the
/// whole comparison when no pair is left.
fn unpaired(i: &mut Inputs) -> Vec<Check> {
    let mut out = Vec::new();
    for (a, b, what) in [
        (&mut i.baseline, &mut i.candidate, "baselines"),
        (&mut i.replay_baseline, &mut i.replay_candidate, "replays"),
    ] {
        if a.is_some() != b.is_some() {
            *a = None;
            *b = None;
            let why = format!("not compared: only one side's {what} is available (see the checks above)");
            out.push(Check::new("compare", what, Status::Skipped, why));
        }
    }
    if i.baseline.is_none() && i.replay_baseline.is_none() {
        let why = "not run: no pair of baselines or replays to compare (see the checks above)";
        out.push(Check::new("compare", "compare", Status::Skipped, why));
    }
    out
}

/// An inline `[performance.policy]` goes to a file compare reads.
fn write_policy(table: &toml::Table, out: &Path) -> Result<PathBuf, GateError> {
    let path = out.join("policy.toml");
    let text = toml::to_string_pretty(table).unwrap_or_default();
    std::fs::write(&path, text).map_err(|source| GateError::Write { path: path.clone(), source })?;
    Ok(path)
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}
