//! The crate's one error type, [`Error`], and [`SqlServerError`], a server
//! error with its number, class, state and a fix where one is known.
//!
//! Every message names the input or server and says what to do; none contains
//! a password or token (server text passes through [`crate::redact`]).
//! [`Error::kind`] classifies through [`crate::classify`].

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::classify::ErrorKind;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The connection string does not tokenise.
    #[error("connection string: {reason}")]
    Syntax {
        /// What is wrong and how to write it.
        reason: String,
    },
    /// A key has a value that cannot be used.
    #[error("connection string: `{key}` {problem}; {fix}")]
    InvalidValue {
        /// The key as written.
        key: String,
        /// What is wrong (never the value of a secret key).
        problem: String,
        /// How to fix it.
        fix: String,
    },
    /// No `Server=` (or JDBC host).
    #[error(
        "connection string has no server: add Server=tcp:host,1433 (ADO.NET) or start with \
         jdbc:sqlserver://host:1433"
    )]
    MissingServer,
    /// A feature cutover does not offer.
    #[error("{what} is not supported: {fix}")]
    Unsupported {
        /// The feature.
        what: String,
        /// The alternative.
        fix: String,
    },
    /// An environment variable named for a secret is unset.
    #[error(
        "environment variable {var} (named for the {purpose}) is not set: export {var}=… before running cutover"
    )]
    EnvVarMissing {
        /// The variable.
        var: String,
        /// "password" or "access token".
        purpose: &'static str,
    },
    /// A secret file cannot be read.
    #[error("cannot read the {purpose} from file {}; check the path and its permissions", .path.display())]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// "password" or "access token".
        purpose: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A secret source is empty.
    #[error("the {purpose} read from {origin} is empty: put the secret there")]
    SecretEmpty {
        /// "password" or "access token".
        purpose: &'static str,
        /// Where it was read from.
        origin: String,
    },
    /// `cutover.toml` cannot be read.
    #[error("cannot read {}", .path.display())]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `cutover.toml` is not valid.
    #[error("{} is not valid: {message}", .path.display())]
    ConfigParse {
        /// The file.
        path: PathBuf,
        /// The parser's message, redacted.
        message: String,
    },
    /// A `[servers.NAME]` entry is not usable.
    #[error("{}: server `{name}`: {problem}", .path.display())]
    ConfigServer {
        /// The file.
        path: PathBuf,
        /// The server name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// An empty `--server` argument (often an unset shell variable).
    #[error(
        "the server is empty (an unset shell variable?): pass a connection string (Server=tcp:host,1433;…) \
         or a server name from cutover.toml"
    )]
    EmptyServer,
    /// A `--server` argument that is neither a connection string nor a known name.
    #[error("`{name}` is not a connection string and {detail}")]
    UnknownServer {
        /// The argument.
        name: String,
        /// Where it was looked for, and what to do.
        detail: String,
    },
    /// No user/password or token.
    #[error("no credentials for {server}: {fix}")]
    MissingCredentials {
        /// The target.
        server: String,
        /// How to supply them.
        fix: String,
    },
    /// The TCP connection failed.
    #[error("cannot reach {server} at {addr}; check the host name, the port and firewalls")]
    Connect {
        /// The target.
        server: String,
        /// host:port.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TCP + TLS + login took longer than the connect timeout.
    #[error(
        "connecting to {server} took longer than the connect timeout ({}): check the network path, \
         or raise `Connect Timeout=` in the connection string", secs(.timeout)
    )]
    ConnectTimeout {
        /// The target.
        server: String,
        /// The limit.
        timeout: Duration,
    },
    /// A command took longer than the command timeout.
    #[error(
        "a query on {server} took longer than the command timeout ({}){}: raise `Command Timeout=` \
         in the connection string (0 = no limit); the connection was dropped", secs(.timeout), statement_suffix(.statement)
    )]
    CommandTimeout {
        /// The target.
        server: String,
        /// The limit.
        timeout: Duration,
        /// First line of the statement, redacted.
        statement: Option<String>,
    },
    /// The TLS handshake failed.
    #[error("TLS with {server} failed: {message}; {fix}")]
    Tls {
        /// The target.
        server: String,
        /// The driver's message.
        message: String,
        /// What to try.
        fix: String,
    },
    /// The server returned an error.
    #[error(transparent)]
    Sql(Box<SqlServerError>),
    /// Any other driver failure (I/O, protocol, conversion).
    #[error("{server}: the request failed{}", statement_suffix(.statement))]
    Driver {
        /// The target.
        server: String,
        /// First line of the statement, redacted, when running one.
        statement: Option<String>,
        /// The driver error.
        source: Box<tiberius::error::Error>,
    },
    /// A query result did not have the expected shape or type.
    #[error("{server}: unexpected result{}: {detail}", statement_suffix(.statement))]
    Result {
        /// The target.
        server: String,
        /// First line of the statement, redacted.
        statement: Option<String>,
        /// What was expected.
        detail: String,
    },
    /// The connection is unusable after an earlier timeout or failure.
    #[error("the connection to {server} is broken after an earlier timeout or failure: reconnect")]
    Broken {
        /// The target.
        server: String,
    },
}

impl From<SqlServerError> for Error {
    fn from(error: SqlServerError) -> Self {
        Self::Sql(Box::new(error))
    }
}

impl Error {
    /// The classification that drives retries and exit codes.
    pub fn kind(&self) -> ErrorKind {
        use crate::classify::kind_of_driver_error;
        match self {
            Self::Sql(e) => e.kind(),
            Self::Driver { source, .. } => kind_of_driver_error(source),
            Self::Connect { .. } | Self::Tls { .. } | Self::Broken { .. } => ErrorKind::Connection,
            Self::ConnectTimeout { .. } | Self::CommandTimeout { .. } => ErrorKind::Timeout,
            Self::MissingCredentials { .. } => ErrorKind::Login,
            _ => ErrorKind::Other,
        }
    }

    /// True when retrying (after a reconnect) may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Tls { .. }) && self.kind().is_retryable()
    }

    /// True for a deadlock (1205).
    pub fn is_deadlock(&self) -> bool {
        matches!(self, Self::Sql(e) if e.is_deadlock())
    }

    /// The server error, if this is one.
    pub fn sql(&self) -> Option<&SqlServerError> {
        match self {
            Self::Sql(e) => Some(e),
            _ => None,
        }
    }
}

fn secs(timeout: &Duration) -> String {
    format!("{} s", timeout.as_secs_f64())
}

fn statement_suffix(statement: &Option<String>) -> String {
    statement.as_ref().map(|s| format!(" running `{s}`")).unwrap_or_default()
}

/// An error returned by SQL Server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct SqlServerError {
    /// Error number (`sys.messages.message_id`).
    pub number: u32,
    /// Severity.
    pub class: u8,
    /// State.
    pub state: u8,
    /// The server that reported it.
    pub server: String,
    /// The message, redacted.
    pub message: String,
    /// The first line of the statement that failed, redacted.
    pub statement_first_line: Option<String>,
    /// What to do about it, when known.
    pub fix: Option<String>,
}

impl SqlServerError {
    /// The classification of this error number.
    pub fn kind(&self) -> ErrorKind {
        crate::classify::kind_of_number(self.number)
    }

    /// True for errors worth retrying (deadlock, Azure failover, throttling).
    pub fn is_transient(&self) -> bool {
        self.kind().is_retryable()
    }

    /// True for a deadlock (1205).
    pub fn is_deadlock(&self) -> bool {
        self.number == 1205
    }

    /// True for a permission error (including a failed login).
    pub fn is_permission(&self) -> bool {
        matches!(self.kind(), ErrorKind::Permission | ErrorKind::Login)
    }
}

impl fmt::Display for SqlServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: SQL Server error {} (class {}, state {}): {}",
            self.server, self.number, self.class, self.state, self.message
        )?;
        if let Some(statement) = &self.statement_first_line {
            write!(f, " running `{statement}`")?;
        }
        if let Some(fix) = &self.fix {
            write!(f, "; {fix}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(number: u32) -> SqlServerError {
        SqlServerError {
            number,
            class: 14,
            state: 1,
            server: "SQLPROD01".into(),
            message: "VIEW SERVER STATE permission was denied on object 'server', database 'master'.".into(),
            statement_first_line: Some("SELECT * FROM sys.dm_os_wait_stats".into()),
            fix: Some("grant it: GRANT VIEW SERVER STATE TO [cutover];".into()),
        }
    }

    #[test]
    fn sql_error_display_has_server_number_and_fix() {
        let text = sample(300).to_string();
        assert_eq!(
            text,
            "SQLPROD01: SQL Server error 300 (class 14, state 1): VIEW SERVER STATE permission was denied \
             on object 'server', database 'master'. running `SELECT * FROM sys.dm_os_wait_stats`; \
             grant it: GRANT VIEW SERVER STATE TO [cutover];"
        );
        let e = Error::from(sample(300));
        assert_eq!(e.to_string(), text);
        assert_eq!(e.kind(), ErrorKind::Permission);
        assert!(!e.is_retryable());
    }

    #[test]
    fn helpers() {
        assert!(sample(1205).is_deadlock() && sample(1205).is_transient());
        assert!(sample(40613).is_transient() && !sample(40613).is_deadlock());
        assert!(sample(229).is_permission() && sample(18456).is_permission());
        assert!(!sample(208).is_permission() && !sample(208).is_transient());
        assert!(!sample(4060).is_transient());
    }

    #[test]
    fn timeouts_name_the_setting() {
        let e = Error::CommandTimeout {
            server: "h,1433".into(),
            timeout: Duration::from_secs(30),
            statement: Some("SELECT 1".into()),
        };
        let text = e.to_string();
        assert!(
            text.contains("Command Timeout=") && text.contains("30 s") && text.contains("SELECT 1"),
            "{text}"
        );
        assert_eq!(e.kind(), ErrorKind::Timeout);
        let e = Error::ConnectTimeout { server: "h,1433".into(), timeout: Duration::from_millis(1500) };
        assert!(e.to_string().contains("Connect Timeout=") && e.to_string().contains("1.5 s"));
    }
}
