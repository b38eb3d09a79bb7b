//! Running RAISERROR and THROW: the values are read, checked and turned into the message SQL
//! Server sends.
//!
//! RAISERROR, per "RAISERROR (Transact-SQL)" and "Database engine error severities":
//! - a message string raises number 50000; severity 0-10 is an informational message (INFO
//!   token; severity 10 is sent as 0, "for compatibility reasons"), 11-18 an error (ERROR token)
//!   after which the batch goes on — RAISERROR does not honour `SET XACT_ABORT`;
//! - severity below 0 counts as 0, above 25 as 25; 19-25 need sysadmin (or ALTER TRACE) and
//!   `WITH LOG` (else 2754); `WITH LOG` alone needs them too (2778); 20-25 end the connection,
//!   which the simulator refuses by name rather than half-do;
//! - state 0-255, a negative state counts as 1;
//! - a message of 2,048 characters or more shows its first 2,044 and an ellipsis;
//! - `WITH SETERROR` sets `@@ERROR` to the number whatever the severity;
//! - a `msg_id` must be 13000 or more and not 50000 (2732); sys.messages holds no user
//!   messages here (`sp_addmessage` is not simulated), so a user number above 50000 is 18054,
//!   and a system message number (13000-49999) is refused by name.
//!
//! THROW, per "THROW (Transact-SQL)": severity always 16, number 50000 or more (35100), state
//! 0-255; the message is sent as written (no substitution); the batch ends, and with
//! `XACT_ABORT` ON the transaction rolls back.

mod format;

use rusqlite::types::Value as Stored;

use super::errors::Failure;
use super::session::Session;
use crate::engine::{RaiseArg, RaiseStep, ResultSink};
use crate::error::SqlError;
use format::{Arg, FormatError};

/// The longest message RAISERROR sends whole; longer ones are cut to 2,044 characters and "...".
const MAX_MESSAGE: usize = 2047;

impl Session {
    /// Runs RAISERROR: an informational message goes to `sink`; an error comes back as
    /// [`Failure::Raised`] (reported without ending the batch).
    pub(crate) fn raiserror(&mut self, step: &RaiseStep, sink: &mut dyn ResultSink) -> Result<(), Failure> {
        let sysadmin_or_trace =
            self.instance().login(self.login()).is_some_and(|l| l.has_server_permission("ALTER TRACE"));
        let severity = self.integer(&step.severity, "severity")?.clamp(0, 25);
        let state = match self.integer(&step.state, "state")? {
            s if s < 0 => 1,
            s if s > 255 => return Err(SqlError::unsupported("RAISERROR with a state above 255").into()),
            s => s as u8,
        };
        if severity > 18 && !(sysadmin_or_trace && step.log) {
            return Err(SqlError::new(
                2754,
                16,
                "Error severity levels greater than 18 can only be specified by members of the sysadmin role, using the WITH LOG option.",
            )
            .into());
        }
        if step.log && !sysadmin_or_trace {
            return Err(SqlError::new(
                2778,
                16,
                "Only System Administrator can specify WITH LOG option for RAISERROR command.",
            )
            .with_state(2)
            .into());
        }
        if severity >= 20 {
            return Err(
                SqlError::unsupported("RAISERROR with severity 20-25 (it ends the connection)").into()
            );
        }
        if step.by_id {
            let id = self.integer(&step.message, "msg_id")?;
            return Err(message_by_id(id, severity, state).into());
        }
        let (number, message) = (50000, self.message(step)?);
        let raised =
            SqlError::new(number, severity as u8, message).with_state(state).at_line(self.line.max(1));
        if severity <= 10 {
            // "Database engine error severities": severity 10 is returned as 0.
            let mut info = raised;
            if info.class == 10 {
                info.class = 0;
            }
            sink.message(&info);
            self.raised_error = Some(if step.seterror { i64::from(number) } else { 0 });
            return Ok(());
        }
        Err(Failure::Raised { error: raised, ends_batch: false })
    }

    /// Runs THROW: always an error of severity 16 that ends the batch.
    pub(crate) fn throw(&mut self, number: &str, message: &str, state: &str) -> Result<(), Failure> {
        let number = self.integer(number, "error_number")?;
        if !(50000..=i64::from(i32::MAX)).contains(&number) {
            return Err(SqlError::new(
                35100,
                16,
                format!(
                    "Error number {number} in the THROW statement is outside the valid range. Specify an error number in the valid range of 50000 to 2147483647."
                ),
            )
            .into());
        }
        let state = self.integer(state, "state")?;
        let Ok(state) = u8::try_from(state) else {
            return Err(SqlError::unsupported("THROW with a state outside 0-255").into());
        };
        let text = match self.scalar(&format!("SELECT {message}"))? {
            Stored::Text(t) => t,
            Stored::Null => String::new(),
            Stored::Integer(i) => i.to_string(),
            Stored::Real(f) => f.to_string(),
            Stored::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
        };
        let thrown = SqlError::new(number as i32, 16, text).with_state(state).at_line(self.line.max(1));
        Err(Failure::Raised { error: thrown, ends_batch: true })
    }

    /// The message string with its arguments substituted, cut as SQL Server cuts it.
    fn message(&self, step: &RaiseStep) -> Result<String, Failure> {
        let template = match self.scalar(&format!("SELECT {}", step.message))? {
            Stored::Text(t) => t,
            Stored::Null => String::new(),
            _ => return Err(SqlError::unsupported("RAISERROR with a message that is not a string").into()),
        };
        let mut args = Vec::with_capacity(step.args.len());
        for (sql, kind) in &step.args {
            let value = self.scalar(&format!("SELECT {sql}"))?;
            args.push(match (kind, value) {
                (_, Stored::Null) | (RaiseArg::Null, _) => Arg::Null,
                (RaiseArg::Int, Stored::Integer(i)) => Arg::Int(i),
                (RaiseArg::BigInt, Stored::Integer(i)) => Arg::BigInt(i),
                (RaiseArg::Text, Stored::Text(t)) => Arg::Str(t),
                (RaiseArg::Text, Stored::Integer(i)) => Arg::Str(i.to_string()),
                _ => return Err(SqlError::unsupported("RAISERROR with this argument value").into()),
            });
        }
        let (text, substitutions) = format::format(&template, &args).map_err(|e| match e {
            FormatError::InvalidSpec(spec) => {
                SqlError::new(2787, 16, format!("Invalid format specification: '{spec}'."))
            }
            FormatError::Mismatch(n) => SqlError::new(
                2786,
                16,
                format!(
                    "The data type of substitution parameter {n} does not match the expected type of the format specification."
                ),
            ),
            FormatError::Unsupported(what) => SqlError::unsupported(what),
        })?;
        let len = text.chars().count();
        // "Substitution parameters consume more characters than the output shows" (3 more for
        // a %d of one digit, the page's example); the exact cost is not documented, so a
        // message near the limit with substitutions is refused instead of cut at a guess.
        if substitutions > 0
            && len + 3 * substitutions > MAX_MESSAGE
            && len <= MAX_MESSAGE + 3 * substitutions
        {
            return Err(SqlError::unsupported(
                "RAISERROR with substitutions in a message near 2,047 characters",
            )
            .into());
        }
        if len > MAX_MESSAGE {
            return Ok(format!("{}...", text.chars().take(MAX_MESSAGE - 3).collect::<String>()));
        }
        Ok(text)
    }

    /// An integer argument (severity, state, msg_id, number).
    fn integer(&self, sql: &str, what: &str) -> Result<i64, Failure> {
        match self.scalar(&format!("SELECT {sql}"))? {
            Stored::Integer(i) => Ok(i),
            Stored::Text(t) if t.trim().parse::<i64>().is_ok() => Ok(t.trim().parse().unwrap_or_default()),
            _ => Err(SqlError::unsupported(&format!("RAISERROR/THROW with a {what} that is not an integer"))
                .into()),
        }
    }
}

/// RAISERROR(msg_id, …): 2732 outside the user range, 18054 for a user number (sys.messages
/// holds none here), a refusal for a system message number.
fn message_by_id(id: i64, severity: i64, state: u8) -> SqlError {
    if id < 13000 || id == 50000 || id > i64::from(i32::MAX) {
        return SqlError::new(
            2732,
            16,
            format!(
                "Error number {id} is invalid. The number must be from 13000 through 2147483647 and it cannot be 50000."
            ),
        );
    }
    if id < 50000 {
        return SqlError::unsupported(
            "RAISERROR with a system message number (sys.messages is not simulated)",
        );
    }
    SqlError::new(
        18054,
        16,
        format!(
            "Error {id}, severity {severity}, state {state} was raised, but no message with that error number was found in sys.messages. If error is larger than 50000, make sure the user-defined message is added using sp_addmessage."
        ),
    )
}
