//! One gate check and the verdict over all of them. A check that was skipped or could not run
//! never counts as a pass: it makes the whole gate "incomplete" (exit 2).

use serde::{Deserialize, Serialize};

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    /// Differences or regressions found.
    Fail,
    /// Worth a look; does not fail the gate.
    Warn,
    /// Could not run (connection, permission, missing input).
    Error,
    /// Not run because something it needs failed first; never a pass.
    Skipped,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Warn => "warn",
            Status::Error => "ERROR",
            Status::Skipped => "SKIPPED",
        }
    }
}

/// One line of the gate: a phase or one of its findings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    /// `validate`, `collect`, `replay`, `compare`.
    pub phase: String,
    /// What was checked (`dbo.orders: checksum`, `source baseline`, `p95 latency`).
    pub name: String,
    pub status: Status,
    /// One sentence: what was found, or why it could not run.
    pub summary: String,
    /// Details, one per line (differing keys, file paths, causes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl Check {
    pub fn new(phase: &str, name: impl Into<String>, status: Status, summary: impl Into<String>) -> Check {
        Check { phase: phase.into(), name: name.into(), status, summary: summary.into(), details: vec![] }
    }

    pub fn with_details(mut self, details: Vec<String>) -> Check {
        self.details = details;
        self
    }
}

/// The gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed (exit 0).
    Pass,
    /// Something differs or regressed (exit 1).
    Fail,
    /// Something could not be checked (exit 2): never a pass.
    Incomplete,
}

impl Verdict {
    /// Error or skipped anywhere → incomplete; else any fail → fail; else pass. An empty list
    /// is incomplete: a gate that checked nothing has not passed.
    pub fn of(checks: &[Check]) -> Verdict {
        if checks.is_empty() || checks.iter().any(|c| matches!(c.status, Status::Error | Status::Skipped)) {
            Verdict::Incomplete
        } else if checks.iter().any(|c| c.status == Status::Fail) {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Incomplete => "INCOMPLETE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: Status) -> Check {
        Check::new("validate", "t", s, "x")
    }

    #[test]
    fn a_skip_or_an_error_is_never_a_pass() {
        assert_eq!(Verdict::of(&[c(Status::Pass), c(Status::Warn)]), Verdict::Pass);
        assert_eq!(Verdict::of(&[c(Status::Pass), c(Status::Fail)]), Verdict::Fail);
        assert_eq!(Verdict::of(&[c(Status::Pass), c(Status::Skipped)]), Verdict::Incomplete);
        assert_eq!(Verdict::of(&[c(Status::Fail), c(Status::Error)]), Verdict::Incomplete);
        assert_eq!(Verdict::of(&[]), Verdict::Incomplete);
    }
}
