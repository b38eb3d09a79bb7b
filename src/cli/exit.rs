//! The one place where outcomes and errors become exit codes and messages.

use std::process::ExitCode;

/// How a command that completed came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything checked passed (exit 0).
    Pass,
    /// Differences, regressions or blockers were found (exit 1).
    #[allow(dead_code, reason = "returned by validate/compare/gate, which are being built")]
    Fail,
}

/// Exit code for "could not complete": bad input, connection, permission.
const COULD_NOT_COMPLETE: u8 = 2;

/// Prints an error's cause chain once (redacted) and returns the exit code.
pub fn report(outcome: anyhow::Result<Outcome>) -> ExitCode {
    match outcome {
        Ok(Outcome::Pass) => ExitCode::SUCCESS,
        Ok(Outcome::Fail) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {}", cutover_mssql::redact(&error.to_string()));
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {}", cutover_mssql::redact(&cause.to_string()));
            }
            ExitCode::from(COULD_NOT_COMPLETE)
        }
    }
}
