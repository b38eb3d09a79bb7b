//! The one place where outcomes and errors become exit codes and messages.
//!
//! The rule every command follows (the README's exit-code table): **0** everything checked
//! passed; **1** differences, regressions or blockers were found and everything was checked;
//! **2** could not complete — bad input, a server that cannot be reached, a missing permission,
//! or any check that could not run, even when differences were also found (a check that did
//! not run is never a pass, and a verdict over part of the checks is not a verdict).

use std::process::ExitCode;

/// How a command that ran to its end came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything checked passed (exit 0).
    Pass,
    /// Differences, regressions or blockers were found, and every check ran (exit 1).
    Fail,
    /// The command wrote its results, but some checks could not run (exit 2): why, and where
    /// the results are.
    Incomplete(String),
}

impl Outcome {
    /// The verdict of a run with `failed` checks that failed and `unchecked` that could not run
    /// (`what_unchecked` says which, and where the report is).
    pub fn judge(failed: usize, unchecked: usize, what_unchecked: impl FnOnce() -> String) -> Outcome {
        if unchecked > 0 {
            let also =
                if failed > 0 { format!(" ({failed} failed among those that ran)") } else { String::new() };
            Outcome::Incomplete(format!("{}{also}", what_unchecked()))
        } else if failed > 0 {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }
}

/// Exit code for "could not complete": bad input, connection, permission, unchecked checks.
const COULD_NOT_COMPLETE: u8 = 2;

/// Prints an error's cause chain once (redacted) and returns the exit code.
pub fn report(outcome: anyhow::Result<Outcome>) -> ExitCode {
    match outcome {
        Ok(Outcome::Pass) => ExitCode::SUCCESS,
        Ok(Outcome::Fail) => ExitCode::from(1),
        Ok(Outcome::Incomplete(why)) => {
            eprintln!("incomplete: {}", cutover_mssql::redact(&why));
            ExitCode::from(COULD_NOT_COMPLETE)
        }
        Err(error) => {
            let mut lines = cutover_mssql::causes(error.as_ref()).into_iter();
            eprintln!("error: {}", lines.next().unwrap_or_default());
            for cause in lines {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(COULD_NOT_COMPLETE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchecked_check_outweighs_a_failure() {
        assert_eq!(Outcome::judge(0, 0, String::new), Outcome::Pass);
        assert_eq!(Outcome::judge(3, 0, String::new), Outcome::Fail);
        assert_eq!(
            Outcome::judge(3, 1, || "1 rule could not be checked".into()),
            Outcome::Incomplete("1 rule could not be checked (3 failed among those that ran)".into())
        );
    }
}
