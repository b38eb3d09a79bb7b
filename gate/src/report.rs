//! The combined gate report: `gate.json` (versioned, `docs/gate.md`), `gate.md` for a pull
//! request or a wiki, `junit.xml` with one test case per check (so a CI system lists each
//! failure), and the terminal summary. The compare HTML page sits next to them in `compare/`.

use crate::GateError;
use crate::check::{Check, Status, Verdict};
use cutover_common::junit::{self, Case, Outcome, Report, Suite};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Warnings listed in the terminal summary; the rest are counted (all are in the files).
const TERMINAL_WARNINGS: usize = 8;

/// Bumped whenever a field of gate.json changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    pub schema_version: u32,
    pub tool: String,
    pub name: Option<String>,
    /// RFC 3339, from the caller's clock.
    pub started_at: String,
    pub seconds: f64,
    /// The servers as shown to people (no secrets).
    pub source: String,
    pub target: String,
    pub verdict: Verdict,
    /// One sentence: the verdict and why.
    pub headline: String,
    pub checks: Vec<Check>,
    /// What each phase wrote (`validate`, `compare_html`, `baselines/source`, …), relative to the
    /// report folder when inside it.
    pub files: BTreeMap<String, String>,
    /// True until the last phase has ended (a report written part-way).
    pub partial: bool,
}

impl GateReport {
    /// Sets the verdict and headline from the checks.
    pub fn decide(&mut self) {
        self.verdict = Verdict::of(&self.checks);
        let count = |s: Status| self.checks.iter().filter(|c| c.status == s).count();
        let (fail, error, skipped) = (count(Status::Fail), count(Status::Error), count(Status::Skipped));
        self.headline = match self.verdict {
            Verdict::Pass => format!("PASS: all {} checks passed", self.checks.len()),
            Verdict::Fail => format!("FAIL: {fail} of {} checks failed", self.checks.len()),
            Verdict::Incomplete => format!(
                "INCOMPLETE: {error} check(s) could not run and {skipped} were skipped ({fail} failed); a skipped check is never a pass"
            ),
        };
    }

    /// The checks that did not pass, worst first.
    pub fn problems(&self) -> Vec<&Check> {
        let rank = |s: Status| match s {
            Status::Error => 0,
            Status::Skipped => 1,
            Status::Fail => 2,
            Status::Warn => 3,
            Status::Pass => 4,
        };
        let mut out: Vec<&Check> = self.checks.iter().filter(|c| c.status != Status::Pass).collect();
        out.sort_by_key(|c| rank(c.status));
        out
    }

    /// The terminal summary: the headline, every problem, the files.
    pub fn render_text(&self) -> String {
        let mut s = format!(
            "gate{}: {}\n",
            self.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default(),
            self.headline
        );
        let passed = self.checks.iter().filter(|c| c.status == Status::Pass).count();
        let _ = writeln!(s, "  {passed} passed");
        let problems = self.problems();
        let warnings = problems.iter().filter(|c| c.status == Status::Warn).count();
        for c in problems
            .iter()
            .filter(|c| c.status != Status::Warn)
            .chain(problems.iter().filter(|c| c.status == Status::Warn).take(TERMINAL_WARNINGS))
        {
            let _ = writeln!(s, "  {:<8} {:<9} {} — {}", c.status.word(), c.phase, c.name, c.summary);
        }
        if warnings > TERMINAL_WARNINGS {
            let more = warnings - TERMINAL_WARNINGS;
            let _ = writeln!(s, "  … and {more} more warnings (every check is in gate.md and gate.json)");
        }
        if !self.files.is_empty() {
            let _ = writeln!(s, "  written:");
        }
        for path in self.files.values() {
            let _ = writeln!(s, "    {path}");
        }
        s
    }

    pub fn render_markdown(&self) -> String {
        let mut s = format!(
            "# Cutover gate{}: {}\n\n",
            self.name.as_deref().map(|n| format!(" — {n}")).unwrap_or_default(),
            self.verdict.word()
        );
        let _ = writeln!(s, "{}\n", self.headline);
        let _ = writeln!(
            s,
            "- source: `{}`\n- target: `{}`\n- started: {} ({:.1} s)\n- tool: {}\n",
            self.source, self.target, self.started_at, self.seconds, self.tool
        );
        let _ = writeln!(s, "| status | phase | check | summary |\n|---|---|---|---|");
        for c in self.problems().into_iter().chain(self.checks.iter().filter(|c| c.status == Status::Pass)) {
            let _ =
                writeln!(s, "| {} | {} | {} | {} |", c.status.word(), c.phase, md(&c.name), md(&c.summary));
        }
        let detailed: Vec<&Check> = self.problems().into_iter().filter(|c| !c.details.is_empty()).collect();
        if !detailed.is_empty() {
            s.push_str("\n## Details\n");
            for c in detailed {
                let _ = writeln!(s, "\n### {} ({})\n", md(&c.name), c.status.word());
                for d in &c.details {
                    let _ = writeln!(s, "- {}", md(d));
                }
            }
        }
        if !self.files.is_empty() {
            s.push_str("\n## Files\n\n");
            for (what, path) in &self.files {
                let _ = writeln!(s, "- {what}: `{path}`");
            }
        }
        s
    }

    /// JUnit XML: one test suite per phase, one test case per check; skipped checks are errors.
    pub fn render_junit(&self) -> String {
        let mut phases: Vec<&str> = Vec::new();
        for c in &self.checks {
            if !phases.contains(&c.phase.as_str()) {
                phases.push(&c.phase);
            }
        }
        let suites = phases
            .into_iter()
            .map(|phase| Suite {
                name: format!("cutover gate: {phase}"),
                time: None,
                cases: self.checks.iter().filter(|c| c.phase == phase).map(junit_case).collect(),
            })
            .collect();
        junit::render(&Report { name: Some("cutover gate".into()), time: Some(self.seconds), suites })
    }

    /// Writes gate.json, gate.md and junit.xml into `dir`.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, GateError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| GateError::Write { path: dir.to_path_buf(), source })?;
        let json = serde_json::to_string_pretty(self).unwrap_or_default();
        let mut written = Vec::new();
        for (name, body) in
            [("gate.json", json), ("gate.md", self.render_markdown()), ("junit.xml", self.render_junit())]
        {
            let path = dir.join(name);
            // Written next to the final name and renamed, so a reader never sees half a file.
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, body)
                .and_then(|_| std::fs::rename(&tmp, &path))
                .map_err(|source| GateError::Write { path: path.clone(), source })?;
            written.push(path);
        }
        Ok(written)
    }
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// One check as a JUnit test case: its summary and details are the body.
fn junit_case(c: &Check) -> Case {
    let body =
        std::iter::once(c.summary.clone()).chain(c.details.iter().cloned()).collect::<Vec<_>>().join("\n");
    let outcome = match c.status {
        Status::Fail => Outcome::Failed { message: c.summary.clone(), kind: None, body: body.clone() },
        Status::Error | Status::Skipped => {
            Outcome::Error { message: format!("{}: {}", c.status.word(), c.summary), body: body.clone() }
        }
        Status::Warn | Status::Pass => Outcome::Passed,
    };
    let case = Case::new(&c.phase, &c.name, outcome);
    if c.status == Status::Warn { case.with_output(body) } else { case }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(checks: Vec<Check>) -> GateReport {
        let mut r = GateReport {
            schema_version: SCHEMA_VERSION,
            tool: "cutover 0.1.0".into(),
            name: Some("shop".into()),
            started_at: "2026-01-01T00:00:00Z".into(),
            seconds: 1.5,
            source: "src".into(),
            target: "tgt".into(),
            verdict: Verdict::Incomplete,
            headline: String::new(),
            checks,
            files: BTreeMap::new(),
            partial: false,
        };
        r.decide();
        r
    }

    #[test]
    fn junit_has_one_case_per_check_and_a_skip_is_an_error() {
        let r = report(vec![
            Check::new("validate", "dbo.a: checksum", Status::Pass, "identical"),
            Check::new("validate", "dbo.b: checksum", Status::Fail, "1 <row> differs"),
            Check::new("compare", "compare", Status::Skipped, "not run: no baseline"),
        ]);
        assert_eq!(r.verdict, Verdict::Incomplete);
        let x = r.render_junit();
        assert_eq!(x.matches("<testcase ").count(), 3);
        assert!(x.contains("<failure message=\"1 &lt;row&gt; differs\">"), "{x}");
        assert!(x.contains("<error message=\"SKIPPED: not run: no baseline\">"), "{x}");
        assert!(x.contains("tests=\"3\" failures=\"1\" errors=\"1\""), "{x}");
    }

    #[test]
    fn markdown_and_text_lead_with_the_problems() {
        let r = report(vec![
            Check::new("validate", "dbo.a: checksum", Status::Pass, "identical"),
            Check::new("validate", "dbo.b: checksum", Status::Fail, "(id=7) changed: x")
                .with_details(vec!["dbo.b (id=7) changed: x".into()]),
        ]);
        assert_eq!(r.headline, "FAIL: 1 of 2 checks failed");
        let md = r.render_markdown();
        assert!(md.find("dbo.b").unwrap() < md.find("dbo.a").unwrap(), "{md}");
        assert!(md.contains("## Details"), "{md}");
        assert!(
            r.render_text().contains("FAIL     validate  dbo.b: checksum — (id=7) changed: x"),
            "{}",
            r.render_text()
        );
    }
}
