//! Error classification in one place: a declarative table of SQL Server
//! error numbers ([`RULES`]: number → kind, fix hint), one lookup
//! ([`rule`]), and the mapping of driver failures to an [`ErrorKind`]. Retry decisions and
//! exit codes read only this (through `Error::kind`, which maps the crate's own connection
//! errors; this module knows nothing of `crate::error`).

use serde::Serialize;
use tiberius::error::{Error as TdsError, IoErrorKind};

/// What kind of failure an error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Worth retrying: deadlock, Azure failover or throttling.
    Transient,
    /// The login lacks a permission.
    Permission,
    /// An object or column does not exist.
    InvalidObject,
    /// The SQL does not parse.
    Syntax,
    /// The login itself failed (bad credentials, no access to the database).
    Login,
    /// The network connection failed or was reset.
    Connection,
    /// A connect or command timeout.
    Timeout,
    /// Anything else (including bad input).
    Other,
}

impl ErrorKind {
    /// True for kinds a reconnect-and-retry may cure.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Transient | Self::Connection | Self::Timeout)
    }
}

/// One row of the classification table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// SQL Server error number.
    pub number: u32,
    /// Its kind.
    pub kind: ErrorKind,
    /// A fix; `{login}`, `{permission}`, `{object}`, `{database}` and
    /// `{password_source}` are filled in by [`fix_for`].
    pub hint: Option<&'static str>,
}

const fn r(number: u32, kind: ErrorKind, hint: Option<&'static str>) -> Rule {
    Rule { number, kind, hint }
}

use ErrorKind::{Connection, InvalidObject, Login, Permission, Syntax, Transient};

const AZURE_RETRY: Option<&str> =
    Some("a transient Azure condition (failover or reconfiguration): retry after a short wait");
const THROTTLED: Option<&str> =
    Some("the server is throttling (resource limit reached): lower concurrency, retry later, or scale up");

/// The table. Numbers not listed are [`ErrorKind::Other`].
pub const RULES: &[Rule] = &[
    r(1205, Transient, Some("chosen as deadlock victim: retry the statement")),
    r(40613, Transient, AZURE_RETRY),
    r(40197, Transient, AZURE_RETRY),
    r(40501, Transient, THROTTLED),
    r(40540, Transient, AZURE_RETRY),
    r(40143, Transient, AZURE_RETRY),
    r(10928, Transient, THROTTLED),
    r(10929, Transient, THROTTLED),
    r(49918, Transient, THROTTLED),
    r(49919, Transient, THROTTLED),
    r(49920, Transient, THROTTLED),
    r(4221, Transient, AZURE_RETRY),
    r(233, Connection, Some("the connection was closed by the server: reconnect")),
    r(10053, Connection, Some("the connection was aborted: reconnect")),
    r(10054, Connection, Some("the connection was reset by the server: reconnect")),
    r(10060, Connection, Some("the network timed out: check the path to the server")),
    r(64, Connection, Some("the network name is no longer available: reconnect")),
    r(121, Connection, Some("a network semaphore timeout: reconnect")),
    // 1222 ends the statement, not the connection or the transaction ("Lock request time out
    // period exceeded"; SET LOCK_TIMEOUT, Microsoft docs): retryable on the same connection.
    r(1222, Transient, Some("a lock request timed out: another session holds the lock; retry later")),
    r(
        596,
        Connection,
        Some(
            "the session was killed (KILL, failover or a resource governor) and its connection is closing: reconnect",
        ),
    ),
    r(601, Transient, Some("a NOLOCK scan lost its place as rows moved: retry the query")),
    r(1204, Transient, Some("the server ran out of lock resources: retry later or lower concurrency")),
    r(701, Transient, Some("the server is short of memory: retry later, lower --parallel, or scale up")),
    r(
        8645,
        Transient,
        Some("a query timed out waiting for memory: retry later, lower --parallel, or scale up"),
    ),
    r(3960, Transient, Some("a snapshot isolation update conflict: retry the transaction")),
    r(
        40549,
        Connection,
        Some("Azure ended a long-running transaction: reconnect and use shorter transactions"),
    ),
    r(
        40551,
        Transient,
        Some("Azure ended the session for its tempdb use: lower --parallel or --leaf-rows and retry"),
    ),
    r(
        40553,
        Transient,
        Some("Azure ended the session for its memory use: lower --parallel or --leaf-rows and retry"),
    ),
    r(
        8632,
        ErrorKind::Other,
        Some(
            "an expression services limit was reached (a very wide row hash): leave columns out with --ignore-column",
        ),
    ),
    r(229, Permission, Some("grant it: GRANT {permission} ON {object} TO [{login}];")),
    r(230, Permission, Some("grant it: GRANT {permission} ON {object} TO [{login}];")),
    r(262, Permission, Some("grant it in database {database}: GRANT {permission} TO [{login}];")),
    r(
        297,
        Permission,
        Some("the login lacks a permission: run `cutover probe` to see which grants are missing"),
    ),
    r(300, Permission, Some("grant it: GRANT {permission} TO [{login}];")),
    r(
        916,
        Permission,
        Some(
            "create a user for the login in that database: USE [{database}]; CREATE USER [{login}] FOR LOGIN [{login}];",
        ),
    ),
    r(18456, Login, Some("check the user name and password (the password is read from {password_source})")),
    r(18452, Login, Some("the login is from an untrusted domain: use a SQL login or an Entra ID token")),
    r(
        18486,
        Login,
        Some("the login is locked out: ask a DBA to unlock it (ALTER LOGIN … WITH PASSWORD … UNLOCK)"),
    ),
    r(18488, Login, Some("the password has expired and must be changed before cutover can log in")),
    r(4060, Login, Some("check that the database in Database= exists and that the login has a user in it")),
    r(40532, Login, Some("check the server name and, for Azure, the login's user@server form")),
    r(40615, Login, Some("the Azure firewall blocks this client: add a firewall rule for its IP address")),
    r(208, InvalidObject, Some("check the object name and that Database= points at the right database")),
    r(207, InvalidObject, Some("check the column name against the table definition")),
    r(4121, InvalidObject, Some("check the column or function name")),
    r(2812, InvalidObject, Some("check the procedure name and the database")),
    r(4104, InvalidObject, Some("check the multi-part identifier (alias.column)")),
    r(911, InvalidObject, Some("check the database name")),
    r(102, Syntax, None),
    r(156, Syntax, None),
    r(170, Syntax, None),
    r(105, Syntax, None),
];

/// The rule for an error number.
pub fn rule(number: u32) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.number == number)
}

/// The kind of an error number.
pub fn kind_of_number(number: u32) -> ErrorKind {
    rule(number).map_or(ErrorKind::Other, |rule| rule.kind)
}

/// What [`fix_for`] can fill into a hint.
#[derive(Clone, Debug, Default)]
pub struct FixContext {
    /// The login, for GRANT statements.
    pub login: Option<String>,
    /// Where the password was read from (for 18456).
    pub password_source: Option<String>,
    /// The database named in the connection string.
    pub database: Option<String>,
}

/// The fix for error `number` with `message`, placeholders filled in.
pub fn fix_for(number: u32, message: &str, ctx: &FixContext) -> Option<String> {
    let hint = rule(number)?.hint?;
    let permission = permission_in(message).unwrap_or_else(|| default_permission(number).to_string());
    let object = object_in(message).unwrap_or_else(|| "<object>".to_string());
    let database = quoted_after(message, "database ")
        .or_else(|| ctx.database.clone())
        .unwrap_or_else(|| "<database>".to_string());
    let source = ctx.password_source.clone().unwrap_or_else(|| "nowhere: no password was given".to_string());
    Some(
        hint.replace("{login}", ctx.login.as_deref().unwrap_or("<login>"))
            .replace("{permission}", &permission)
            .replace("{object}", &object)
            .replace("{database}", &database)
            .replace("{password_source}", &source),
    )
}

fn default_permission(number: u32) -> &'static str {
    match number {
        300 => "VIEW SERVER STATE",
        _ => "<permission>",
    }
}

/// "The SELECT permission was denied…" / "VIEW SERVER STATE permission was
/// denied…" / "CREATE TABLE permission denied…" → the permission.
fn permission_in(message: &str) -> Option<String> {
    let head = message.split(" permission").next().filter(|h| h.len() < message.len())?;
    let head = head.trim().strip_prefix("The ").unwrap_or(head.trim());
    let ok = !head.is_empty() && head.chars().all(|c| c.is_ascii_uppercase() || c == ' ');
    ok.then(|| head.to_string())
}

/// "… on the object 'T', database 'D', schema 'S'." → `[S].[T]`.
fn object_in(message: &str) -> Option<String> {
    let object = quoted_after(message, "object ")?;
    Some(match quoted_after(message, "schema ") {
        Some(schema) => format!("[{schema}].[{object}]"),
        None => format!("[{object}]"),
    })
}

/// The text inside the quotes that follow `marker` (single or double quotes).
fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = &rest[1..];
    Some(inner[..inner.find(quote)?].to_string())
}

/// The kind of a tiberius error that is not a server error.
pub fn kind_of_driver_error(error: &TdsError) -> ErrorKind {
    match error {
        TdsError::Server(token) => kind_of_number(token.code()),
        TdsError::Io { kind: IoErrorKind::TimedOut, .. } => ErrorKind::Timeout,
        TdsError::Io { .. } | TdsError::Routing { .. } => ErrorKind::Connection,
        TdsError::Tls(_) => ErrorKind::Connection,
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicates() {
        for (i, rule) in RULES.iter().enumerate() {
            assert!(RULES[i + 1..].iter().all(|o| o.number != rule.number), "duplicate {}", rule.number);
        }
    }

    #[test]
    fn kinds_from_the_brief() {
        let cases: &[(&[u32], ErrorKind)] = &[
            (&[1205, 40613, 40197, 40501, 10928, 10929, 49918, 49919, 49920], Transient),
            (&[233, 10053, 10054, 596, 40549], Connection),
            (&[601, 1204, 701, 8645, 3960, 40551, 40553], Transient),
            (&[229, 230, 297, 300, 262, 916], Permission),
            (&[18456, 4060], Login),
            (&[208, 207, 4121], InvalidObject),
            (&[102, 156, 170], Syntax),
            (&[50000, 8134], ErrorKind::Other),
        ];
        for (numbers, kind) in cases {
            for n in *numbers {
                assert_eq!(kind_of_number(*n), *kind, "error {n}");
            }
        }
    }

    #[test]
    fn retryable_kinds() {
        assert!(Transient.is_retryable() && Connection.is_retryable() && ErrorKind::Timeout.is_retryable());
        assert!(!Permission.is_retryable() && !Login.is_retryable() && !Syntax.is_retryable());
        assert!(!kind_of_number(4060).is_retryable());
    }

    fn ctx() -> FixContext {
        FixContext {
            login: Some("cutover".into()),
            password_source: Some("environment variable SRC_PASSWORD".into()),
            database: Some("Sales".into()),
        }
    }

    #[test]
    fn fix_for_300_names_the_grant() {
        let msg = "VIEW SERVER STATE permission was denied on object 'server', database 'master'.";
        assert_eq!(fix_for(300, msg, &ctx()).unwrap(), "grant it: GRANT VIEW SERVER STATE TO [cutover];");
        let msg =
            "VIEW SERVER PERFORMANCE STATE permission was denied on object 'server', database 'master'.";
        assert_eq!(
            fix_for(300, msg, &ctx()).unwrap(),
            "grant it: GRANT VIEW SERVER PERFORMANCE STATE TO [cutover];"
        );
        assert_eq!(
            fix_for(300, "odd", &FixContext::default()).unwrap(),
            "grant it: GRANT VIEW SERVER STATE TO [<login>];"
        );
    }

    #[test]
    fn fix_for_229_names_the_object() {
        let msg = "The SELECT permission was denied on the object 'Orders', database 'Sales', schema 'dbo'.";
        assert_eq!(
            fix_for(229, msg, &ctx()).unwrap(),
            "grant it: GRANT SELECT ON [dbo].[Orders] TO [cutover];"
        );
    }

    #[test]
    fn fix_for_login_failure_names_the_password_source_only() {
        let fix = fix_for(18456, "Login failed for user 'cutover'.", &ctx()).unwrap();
        assert_eq!(
            fix,
            "check the user name and password (the password is read from environment variable SRC_PASSWORD)"
        );
    }

    #[test]
    fn fix_for_916_names_the_database() {
        let msg = "The server principal \"cutover\" is not able to access the database \"Sales\" under the current security context.";
        let fix = fix_for(916, msg, &ctx()).unwrap();
        assert!(fix.contains("USE [Sales]; CREATE USER [cutover] FOR LOGIN [cutover];"), "{fix}");
    }

    #[test]
    fn syntax_errors_have_no_hint() {
        assert_eq!(fix_for(102, "Incorrect syntax near 'x'.", &ctx()), None);
        assert_eq!(fix_for(50000, "custom", &ctx()), None);
    }

    #[test]
    fn driver_errors() {
        let timeout = TdsError::Io { kind: IoErrorKind::TimedOut, message: "t".into() };
        assert_eq!(kind_of_driver_error(&timeout), ErrorKind::Timeout);
        let reset = TdsError::Io { kind: IoErrorKind::ConnectionReset, message: "r".into() };
        assert_eq!(kind_of_driver_error(&reset), Connection);
        assert_eq!(kind_of_driver_error(&TdsError::Utf8), ErrorKind::Other);
    }
}
