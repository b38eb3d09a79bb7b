//! From tiberius errors to crate [`Error`]s, adding what the driver does not
//! know: which target, which statement, which timeout setting, and a fix.
//! Server text is redacted on the way through.

use std::time::Duration;

use tiberius::error::{Error as TdsError, IoErrorKind, TokenError};

use crate::classify::{FixContext, fix_for};
use crate::error::{Error, SqlServerError};
use crate::redact::redact;
use crate::target::ServerTarget;

const MAX_STATEMENT_CHARS: usize = 120;

/// The first non-blank line of `sql`, redacted and shortened.
pub fn statement_first_line(sql: &str) -> Option<String> {
    let line = sql.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = redact(line);
    if line.chars().count() > MAX_STATEMENT_CHARS {
        Some(format!("{}…", line.chars().take(MAX_STATEMENT_CHARS).collect::<String>()))
    } else {
        Some(line)
    }
}

/// What fix hints may mention about `target`.
pub fn fix_context(target: &ServerTarget) -> FixContext {
    FixContext {
        login: target.login().map(str::to_string),
        password_source: target.password_source.as_ref().map(ToString::to_string),
        database: target.database.clone(),
    }
}

/// The line of `sql` the server names (`line`, 1-based within the batch, as SQL Server reports
/// it), or the first non-blank line when that one is blank or out of range: in a batch of
/// several statements, the one that failed rather than the first.
fn failing_line(sql: &str, line: u32) -> Option<String> {
    let named =
        (line as usize).checked_sub(1).and_then(|i| sql.lines().nth(i)).filter(|l| !l.trim().is_empty());
    match named {
        Some(l) => statement_first_line(l),
        None => statement_first_line(sql),
    }
}

/// A server error with context and a fix.
pub fn sql_error(token: &TokenError, target: &ServerTarget, statement: Option<&str>) -> SqlServerError {
    let message = redact(token.message());
    let server = if token.server().is_empty() { target.to_string() } else { token.server().to_string() };
    SqlServerError {
        number: token.code(),
        class: token.class(),
        state: token.state(),
        fix: fix_for(token.code(), &message, &fix_context(target)),
        server,
        message,
        statement_first_line: statement.and_then(|sql| failing_line(sql, token.line())),
    }
}

/// An error while running `sql`.
pub fn command_error(error: TdsError, target: &ServerTarget, sql: &str) -> Error {
    match error {
        TdsError::Server(token) => Error::from(sql_error(&token, target, Some(sql))),
        TdsError::Io { kind: IoErrorKind::TimedOut, .. } => command_timeout(target, sql),
        other => Error::Driver {
            server: target.to_string(),
            statement: statement_first_line(sql),
            source: Box::new(other),
        },
    }
}

/// The command timeout error for `sql`.
pub fn command_timeout(target: &ServerTarget, sql: &str) -> Error {
    Error::CommandTimeout {
        server: target.to_string(),
        timeout: target.command_timeout.unwrap_or(Duration::ZERO),
        statement: statement_first_line(sql),
    }
}

/// An error while connecting (TLS, login).
pub fn connect_error(error: TdsError, target: &ServerTarget) -> Error {
    match error {
        TdsError::Server(token) => Error::from(sql_error(&token, target, None)),
        TdsError::Io { kind: IoErrorKind::TimedOut, .. } => connect_timeout(target),
        TdsError::Tls(message) => tls_error(message, target),
        other => Error::Driver { server: target.to_string(), statement: None, source: Box::new(other) },
    }
}

/// The connect timeout error.
pub fn connect_timeout(target: &ServerTarget) -> Error {
    Error::ConnectTimeout {
        server: target.to_string(),
        timeout: target.connect_timeout.unwrap_or(Duration::ZERO),
    }
}

fn tls_error(message: String, target: &ServerTarget) -> Error {
    let lower = message.to_ascii_lowercase();
    let fix =
        if lower.contains("certificate") || lower.contains("issuer") || lower.contains("notvalidforname") {
            "the server certificate is not trusted: install its CA in the system store, or point \
         TrustServerCertificateCA= at the CA's PEM file; TrustServerCertificate=true skips validation \
         (only on a network you trust)"
        } else {
            "check Encrypt= (the server may not offer TLS 1.2+, or not TDS 8.0 `strict`)"
        };
    Error::Tls { server: target.to_string(), message: redact(&tls_detail(&message)), fix: fix.to_string() }
}

/// What the driver says about a failed handshake, without its advice to Rust programmers
/// (`Config::trust_cert_ca(path)`, "build tiberius with the native-tls backend"): cutover's own
/// fix, in connection-string words, follows it.
fn tls_detail(message: &str) -> String {
    const REJECTED: &str = "the server's certificate was rejected during the TLS handshake: ";
    let Some(rest) = message.strip_prefix(REJECTED) else {
        return message.to_string();
    };
    let reason = rest.split(" To connect anyway").next().unwrap_or(rest);
    let (reason, old_version) = match reason.split_once(" The SQL Server presented") {
        Some((head, _)) => (head, true),
        None => (reason, false),
    };
    let reason = reason.trim().trim_end_matches('.');
    let mut out = format!("the server's certificate was rejected: {reason}");
    if old_version {
        out.push_str(" (an old X.509 version, as in the certificate SQL Server generates for itself)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::ErrorKind;

    fn target() -> ServerTarget {
        let mut t = ServerTarget::new("h", 1433);
        t.user = Some("cutover".into());
        t
    }

    #[test]
    fn first_line_is_trimmed_redacted_and_short() {
        assert_eq!(statement_first_line("\n  SELECT 1\nFROM x"), Some("SELECT 1".into()));
        assert_eq!(
            statement_first_line("ALTER LOGIN x WITH PASSWORD = 'p'"),
            Some("ALTER LOGIN x WITH PASSWORD = ***".into())
        );
        assert_eq!(statement_first_line(" \n "), None);
        assert!(statement_first_line(&"x".repeat(500)).unwrap().chars().count() <= MAX_STATEMENT_CHARS + 1);
    }

    #[test]
    fn the_failing_line_of_a_batch_is_named() {
        let batch = "SELECT SYSUTCDATETIME() AS now_utc;\nSELECT * FROM sys.dm_exec_query_stats";
        assert_eq!(failing_line(batch, 2).as_deref(), Some("SELECT * FROM sys.dm_exec_query_stats"));
        assert_eq!(failing_line(batch, 0).as_deref(), Some("SELECT SYSUTCDATETIME() AS now_utc;"));
        assert_eq!(failing_line(batch, 9).as_deref(), Some("SELECT SYSUTCDATETIME() AS now_utc;"));
    }

    #[test]
    fn timeouts_become_timeout_errors() {
        let io = TdsError::Io { kind: IoErrorKind::TimedOut, message: "t".into() };
        let err = command_error(io, &target(), "SELECT 1");
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(err.to_string().contains("Command Timeout=") && err.to_string().contains("30 s"), "{err}");
        let io = TdsError::Io { kind: IoErrorKind::TimedOut, message: "t".into() };
        assert!(connect_error(io, &target()).to_string().contains("Connect Timeout="));
    }

    #[test]
    fn tls_errors_carry_no_advice_for_programmers() {
        // tiberius 0.13's rustls handshake message, as it reaches us.
        let driver = "the server's certificate was rejected during the TLS handshake: invalid peer \
                      certificate: UnknownIssuer. To connect anyway you can: (1) trust a specific CA \
                      certificate with `Config::trust_cert_ca(path)`, ...; or (4) build tiberius with \
                      the `native-tls` backend, which is more lenient toward legacy certificates.";
        let err = connect_error(TdsError::Tls(driver.into()), &target()).to_string();
        assert!(err.contains("invalid peer certificate: UnknownIssuer"), "{err}");
        assert!(err.contains("TrustServerCertificateCA="), "{err}");
        assert!(
            !err.contains("Config::") && !err.contains("tiberius") && !err.contains("native-tls"),
            "{err}"
        );
    }

    #[test]
    fn tls_errors_suggest_the_ca_file() {
        let err = connect_error(TdsError::Tls("invalid peer certificate: UnknownIssuer".into()), &target());
        assert!(err.to_string().contains("TrustServerCertificateCA="), "{err}");
        assert!(!err.is_retryable());
    }
}
