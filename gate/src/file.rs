//! The gate file (`gate.toml`, documented in `docs/gate.md`): which servers, what to validate,
//! which baselines and replays to compare (or how to produce them), and the thresholds.
//!
//! Relative paths in the file are resolved against the file's folder, so a pipeline can run the
//! gate from any working directory.

use crate::GateError;
use cutover_mssql::ServerSpec;
use cutover_mssql::config::ServerEntry;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateFile {
    /// Shown at the top of every report.
    #[serde(default)]
    pub name: Option<String>,
    /// Where the reports go (`--out` wins); default `gate-report` next to the file.
    #[serde(default)]
    pub out: Option<PathBuf>,
    /// A connection string (ADO.NET or JDBC) or a name from `[servers.*]` or cutover.toml.
    pub source: ServerSpec,
    /// A connection string or a server name, as `source`.
    pub target: ServerSpec,
    /// A cutover.toml to read server names from (besides `[servers.*]` in this file).
    #[serde(default)]
    pub config: Option<PathBuf>,
    /// Named servers, the same shape as in cutover.toml (secrets from env or files).
    #[serde(default)]
    pub servers: BTreeMap<String, ServerEntry>,
    /// Data validation; absent = not part of this gate.
    #[serde(default)]
    pub validate: Option<ValidateSection>,
    /// Performance comparison; absent = not part of this gate.
    #[serde(default)]
    pub performance: Option<PerformanceSection>,
}

/// `[validate]`: the scope and options of `cutover validate`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateSection {
    /// Read this `report.json` of an earlier `cutover validate` instead of running; a folder is
    /// a report folder or a folder of shard report folders (merged into one verdict).
    #[serde(default)]
    pub report: Option<PathBuf>,
    /// Table globs (`dbo.*`); empty = every table.
    #[serde(default)]
    pub tables: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `counts`, `checksum` or `rows` (default).
    #[serde(default)]
    pub mode: Option<String>,
    /// Database on both sides (overrides the connection strings').
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub ignore_columns: Vec<String>,
    #[serde(default)]
    pub trim_trailing_spaces: bool,
    #[serde(default)]
    pub case_insensitive: bool,
    /// A T-SQL predicate applied on both sides.
    #[serde(default, rename = "where")]
    pub filter: Option<String>,
}

/// `[performance]`: what to compare, and the thresholds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerformanceSection {
    /// A source baseline folder (`cutover collect --out`) to read instead of collecting.
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    /// A target baseline folder.
    #[serde(default)]
    pub candidate: Option<PathBuf>,
    /// A source replay folder (`cutover replay --out`).
    #[serde(default)]
    pub replay_baseline: Option<PathBuf>,
    /// A target replay folder.
    #[serde(default)]
    pub replay_candidate: Option<PathBuf>,
    /// The compare policy: a file path, or the policy itself as an inline table.
    #[serde(default)]
    pub policy: Option<PolicyRef>,
    /// How to produce what is not given above: replay a workload on each side while collecting.
    #[serde(default)]
    pub run: Option<RunSection>,
}

/// `policy = "policy.toml"` or `[performance.policy] …` inline.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PolicyRef {
    Path(PathBuf),
    Inline(toml::Table),
}

/// `[performance.run]`: collect a baseline on each side while replaying a workload there.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    /// A workload file or a bundled name (`orders`, `reporting`).
    pub workload: String,
    /// How long the replay runs on each side (`60s`, `10m`).
    pub duration: String,
    /// Open-loop rate (`200/s`); default the workload's.
    #[serde(default)]
    pub rate: Option<String>,
    /// Closed loop with N workers instead of a rate.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Collector interval (default 1s for runs shorter than 5 minutes, else 15s).
    #[serde(default)]
    pub interval: Option<String>,
    /// The workload writes: allowed only on disposable copies (as `replay --allow-writes`).
    #[serde(default)]
    pub allow_writes: bool,
    /// Seed for the mix and parameters (default the workload's), the same on both sides.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Which sides to produce (default both): `["source", "target"]`.
    #[serde(default = "both_sides")]
    pub sides: Vec<String>,
}

fn both_sides() -> Vec<String> {
    vec!["source".into(), "target".into()]
}

impl RunSection {
    /// The replay duration, parsed.
    pub fn duration(&self) -> Result<Duration, String> {
        cutover_common::duration::parse_positive(&self.duration)
            .map_err(|m| format!("[performance.run] duration {:?}: {m}", self.duration))
    }

    /// The collector interval, parsed (or its default).
    pub fn interval(&self) -> Result<Duration, String> {
        match &self.interval {
            Some(i) => cutover_common::duration::parse_positive(i)
                .map_err(|m| format!("[performance.run] interval {i:?}: {m}")),
            None if self.duration()? < Duration::from_secs(300) => Ok(Duration::from_secs(1)),
            None => Ok(Duration::from_secs(15)),
        }
    }
}

impl GateFile {
    /// Reads and checks `path`; relative paths inside become relative to its folder.
    pub fn load(path: &Path) -> Result<GateFile, GateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| GateError::Read { path: path.to_path_buf(), source })?;
        let mut file = Self::parse(&text, path)?;
        file.anchor(path.parent().unwrap_or(Path::new(".")));
        Ok(file)
    }

    /// Parses the text said to come from `path`, and checks what serde cannot.
    pub fn parse(text: &str, path: &Path) -> Result<GateFile, GateError> {
        let file: GateFile = toml::from_str(text).map_err(|e| GateError::Parse {
            path: path.to_path_buf(),
            // toml quotes the offending line, which may hold a password.
            message: cutover_mssql::one_line(&e),
        })?;
        file.check().map_err(|message| GateError::Parse { path: path.to_path_buf(), message })?;
        Ok(file)
    }

    fn check(&self) -> Result<(), String> {
        if self.validate.is_none() && self.performance.is_none() {
            return Err(
                "the gate checks nothing: add a [validate] section, a [performance] section, or both".into(),
            );
        }
        if let Some(mode) = self.validate.as_ref().and_then(|v| v.mode.as_deref())
            && !["counts", "checksum", "rows"].contains(&mode)
        {
            return Err(format!("[validate] mode {mode:?}: use counts, checksum or rows"));
        }
        if let Some(perf) = &self.performance {
            perf.check()?;
        }
        Ok(())
    }

    /// Makes relative paths relative to `dir` (the gate file's folder).
    fn anchor(&mut self, dir: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        self.out.iter_mut().for_each(fix);
        self.config.iter_mut().for_each(fix);
        for entry in self.servers.values_mut() {
            entry.password_file.iter_mut().for_each(fix);
            entry.access_token_file.iter_mut().for_each(fix);
        }
        if let Some(v) = &mut self.validate {
            v.report.iter_mut().for_each(fix);
        }
        if let Some(p) = &mut self.performance {
            for path in [&mut p.baseline, &mut p.candidate, &mut p.replay_baseline, &mut p.replay_candidate] {
                path.iter_mut().for_each(fix);
            }
            if let Some(PolicyRef::Path(policy)) = &mut p.policy {
                fix(policy);
            }
            if let Some(run) = &mut p.run
                && run.workload.ends_with(".toml")
                && Path::new(&run.workload).is_relative()
            {
                run.workload = dir.join(&run.workload).display().to_string();
            }
        }
    }
}

impl PerformanceSection {
    fn check(&self) -> Result<(), String> {
        let given = [&self.baseline, &self.candidate, &self.replay_baseline, &self.replay_candidate];
        if self.run.is_none() && given.iter().all(|p| p.is_none()) {
            return Err("[performance] names nothing to compare: give baseline and candidate folders \
                 (and/or replay_baseline and replay_candidate), or a [performance.run] section to produce them"
                .into());
        }
        if self.run.is_none() && (self.baseline.is_some() != self.candidate.is_some()) {
            return Err("[performance] needs both baseline and candidate (or a [performance.run] to produce the missing one)".into());
        }
        if let Some(run) = &self.run {
            run.duration()?;
            run.interval()?;
            if let Some(bad) = run.sides.iter().find(|s| *s != "source" && *s != "target") {
                return Err(format!("[performance.run] sides: {bad:?} is neither \"source\" nor \"target\""));
            }
            if run.rate.is_some() && run.concurrency.is_some() {
                return Err("[performance.run]: give rate or concurrency, not both".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<GateFile, GateError> {
        GateFile::parse(text, Path::new("gate.toml"))
    }

    #[test]
    fn a_full_file_parses_with_an_inline_policy() {
        let f = parse(
            r#"
name = "shop"
source = "src"
target = "Server=tcp:mi,1433;Database=shop;User Id=u"
[servers.src]
connection = "Server=tcp:db1,1433;Database=shop;User Id=cutover"
password_env = "SRC_PASSWORD"
[validate]
tables = ["dbo.*"]
mode = "checksum"
[performance]
baseline = "baselines/src"
[performance.policy]
defaults = true
[performance.run]
workload = "orders"
duration = "30s"
allow_writes = true
"#,
        )
        .unwrap();
        assert_eq!(f.servers["src"].password_env.as_deref(), Some("SRC_PASSWORD"));
        let perf = f.performance.unwrap();
        assert!(matches!(perf.policy, Some(PolicyRef::Inline(_))));
        assert_eq!(perf.run.unwrap().interval().unwrap(), Duration::from_secs(1));
    }

    #[test]
    fn mistakes_are_named() {
        let err = |t: &str| parse(t).unwrap_err().to_string();
        assert!(err("source = \"a\"\ntarget = \"b\"\n").contains("checks nothing"));
        assert!(err("source = \"a\"\ntarget = \"b\"\n[validate]\nmode = \"all\"\n").contains("mode \"all\""));
        assert!(err("source = \"a\"\ntarget = \"b\"\n[validate]\ntabels = []\n").contains("tabels"));
        assert!(err("source = \"a\"\ntarget = \"b\"\n[performance]\n").contains("names nothing"));
        assert!(
            err("source = \"a\"\ntarget = \"b\"\n[performance.run]\nworkload = \"orders\"\nduration = \"soon\"\n")
                .contains("duration")
        );
    }

    #[test]
    fn relative_paths_follow_the_file() {
        let mut f = parse(
            "source = \"a\"\ntarget = \"b\"\n[performance]\nbaseline = \"b/src\"\ncandidate = \"/abs\"\n",
        )
        .unwrap();
        f.anchor(Path::new("/ci/gates"));
        let p = f.performance.unwrap();
        assert_eq!(p.baseline.unwrap(), Path::new("/ci/gates/b/src"));
        assert_eq!(p.candidate.unwrap(), Path::new("/abs"));
    }

    #[test]
    fn the_example_gate_file_parses() {
        let f = parse(include_str!("../../examples/gate.toml")).unwrap();
        let run = f.performance.unwrap().run.unwrap();
        assert_eq!(run.sides, ["target"]);
        assert_eq!(run.interval().unwrap(), Duration::from_secs(15));
    }
}
