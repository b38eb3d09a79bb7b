//! SET options: what each does here, as one table.
//!
//! Every option SQL Server's `@@OPTIONS` reports has a bit ("@@OPTIONS (Transact-SQL)"); the
//! session keeps them, `@@OPTIONS` and `sys.dm_exec_sessions` show them, and `reset` restores
//! the defaults (those of an ODBC/OLE DB connection: 5496). Each option is one of:
//!
//! - simulated: both values behave as in SQL Server (NOCOUNT, XACT_ABORT, IMPLICIT_TRANSACTIONS,
//!   LOCK_TIMEOUT, TEXTSIZE, IDENTITY_INSERT, TRANSACTION ISOLATION LEVEL, DEADLOCK_PRIORITY);
//! - no effect: both values give the same results here (ARITHABORT while ANSI_WARNINGS is ON,
//!   ARITHIGNORE, CURSOR_CLOSE_ON_COMMIT without cursors, STATISTICS IO/TIME: the messages are
//!   not sent);
//! - default only: the other value would change results the simulator does not reproduce
//!   (ANSI_NULLS OFF, QUOTED_IDENTIFIER OFF, CONCAT_NULL_YIELDS_NULL OFF, DATEFIRST 1, …), so it
//!   is refused with error 40517 naming the option and value.

use super::database::quote;
use super::errors::{Action, Failure};
use super::objects::TableRef;
use super::session::Session;
use crate::engine::ObjectName;
use crate::error::SqlError;

/// How the simulator treats an option's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Support {
    /// Both values work as in SQL Server.
    Simulated,
    /// Both values are accepted and give the same results here.
    NoEffect,
    /// Only the default is accepted.
    DefaultOnly,
}

/// An ON/OFF option with its `@@OPTIONS` bit and whether it is ON by default.
struct Flag {
    name: &'static str,
    bit: i64,
    default_on: bool,
    support: Support,
}

const fn flag(name: &'static str, bit: i64, default_on: bool, support: Support) -> Flag {
    Flag { name, bit, default_on, support }
}

/// "@@OPTIONS (Transact-SQL)", in bit order.
const FLAGS: &[Flag] = &[
    flag("DISABLE_DEF_CNST_CHK", 1, false, Support::DefaultOnly),
    flag("IMPLICIT_TRANSACTIONS", 2, false, Support::Simulated),
    flag("CURSOR_CLOSE_ON_COMMIT", 4, false, Support::NoEffect),
    flag("ANSI_WARNINGS", 8, true, Support::DefaultOnly),
    flag("ANSI_PADDING", 16, true, Support::DefaultOnly),
    flag("ANSI_NULLS", 32, true, Support::DefaultOnly),
    flag("ARITHABORT", 64, true, Support::NoEffect),
    flag("ARITHIGNORE", 128, false, Support::NoEffect),
    flag("QUOTED_IDENTIFIER", 256, true, Support::DefaultOnly),
    flag("NOCOUNT", 512, false, Support::Simulated),
    flag("ANSI_NULL_DFLT_ON", 1024, true, Support::DefaultOnly),
    flag("ANSI_NULL_DFLT_OFF", 2048, false, Support::DefaultOnly),
    flag("CONCAT_NULL_YIELDS_NULL", 4096, true, Support::DefaultOnly),
    flag("NUMERIC_ROUNDABORT", 8192, false, Support::DefaultOnly),
    flag("XACT_ABORT", 16384, false, Support::Simulated),
];

/// "SET ANSI_DEFAULTS (Transact-SQL)": the options it sets together.
const ANSI_DEFAULTS: &[&str] = &[
    "ANSI_NULLS",
    "ANSI_NULL_DFLT_ON",
    "ANSI_PADDING",
    "ANSI_WARNINGS",
    "CURSOR_CLOSE_ON_COMMIT",
    "IMPLICIT_TRANSACTIONS",
    "QUOTED_IDENTIFIER",
];

/// Options that are not flags, with the only value the simulator takes (compared without
/// case). `None`: any value is accepted (handled below).
const VALUED: &[(&str, Option<&str>)] = &[
    ("DATEFIRST", Some("7")),
    ("DATEFORMAT", Some("MDY")),
    ("LANGUAGE", Some("US_ENGLISH")),
    ("ROWCOUNT", Some("0")),
    ("FMTONLY", Some("OFF")),
    ("NOEXEC", Some("OFF")),
    ("PARSEONLY", Some("OFF")),
    ("FORCEPLAN", Some("OFF")),
    ("SHOWPLAN_ALL", Some("OFF")),
    ("SHOWPLAN_TEXT", Some("OFF")),
    ("SHOWPLAN_XML", Some("OFF")),
    ("STATISTICS XML", Some("OFF")),
    ("STATISTICS PROFILE", Some("OFF")),
    ("STATISTICS IO", None),
    ("STATISTICS TIME", None),
    ("DEADLOCK_PRIORITY", None),
    ("LOCK_TIMEOUT", None),
    ("TEXTSIZE", None),
    ("TRANSACTION ISOLATION LEVEL", None),
    ("IDENTITY_INSERT", None),
    ("QUERY_GOVERNOR_COST_LIMIT", Some("0")),
    ("NO_BROWSETABLE", None),
    ("CONTEXT_INFO", Some("0X")),
];

/// The session's SET options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    /// `@@OPTIONS`.
    pub bits: i64,
    /// `@@LOCK_TIMEOUT` in milliseconds; -1 waits (here: up to [`LONGEST_WAIT`]).
    pub lock_timeout: i64,
    /// `@@TEXTSIZE` in bytes: longer varchar(max)/nvarchar(max)/varbinary(max)/text/ntext/image
    /// values are cut to it when sent.
    pub textsize: i64,
    /// `sys.dm_exec_sessions.deadlock_priority` (LOW -5, NORMAL 0, HIGH 5).
    pub deadlock_priority: i64,
    /// The table IDENTITY_INSERT is ON for, if any.
    pub identity_insert: Option<IdentityInsert>,
}

/// The table `SET IDENTITY_INSERT … ON` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityInsert {
    pub database: String,
    pub object_id: i64,
    /// `dbo.orders`, for messages.
    pub name: String,
}

impl IdentityInsert {
    fn of(t: &TableRef) -> Self {
        IdentityInsert { database: t.database.clone(), object_id: t.object_id, name: t.two_part() }
    }

    /// True for the table `t`.
    pub(crate) fn is(&self, t: &TableRef) -> bool {
        self.object_id == t.object_id && self.database.eq_ignore_ascii_case(&t.database)
    }
}

/// What `SET LOCK_TIMEOUT -1` (wait for ever) waits here, so that a client that never ends its
/// transaction cannot hang another one for good.
pub const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// `@@TEXTSIZE` by default and after `SET TEXTSIZE -1`.
pub const MAX_TEXTSIZE: i64 = 2_147_483_647;

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            bits: FLAGS.iter().filter(|f| f.default_on).map(|f| f.bit).sum(),
            lock_timeout: -1,
            textsize: MAX_TEXTSIZE,
            deadlock_priority: 0,
            identity_insert: None,
        }
    }
}

impl SessionOptions {
    /// How long a statement waits for another session's lock (`LOCK_TIMEOUT`).
    pub fn lock_wait(&self) -> std::time::Duration {
        match self.lock_timeout {
            n if n < 0 => LONGEST_WAIT,
            n => std::time::Duration::from_millis(n as u64),
        }
    }

    pub fn is_on(&self, name: &str) -> bool {
        FLAGS.iter().find(|f| f.name == name).is_some_and(|f| self.bits & f.bit != 0)
    }

    /// The value `sys.dm_exec_sessions` shows for a flag (1 ON, 0 OFF).
    pub fn shown(&self, name: &str) -> i64 {
        i64::from(self.is_on(name))
    }
}

fn refused(name: &str, value: &str) -> Failure {
    SqlError::unsupported(&format!("SET {name} {value}")).into()
}

impl Session {
    /// Runs `SET name value` (names upper-case, as the parser gives them).
    pub(crate) fn set_option(&mut self, name: &str, value: &str) -> Result<(), Failure> {
        let name = name.trim();
        let value = value.trim();
        let on = value.eq_ignore_ascii_case("ON");
        if name == "ANSI_DEFAULTS" {
            for each in ANSI_DEFAULTS {
                self.set_option(each, value)?;
            }
            return Ok(());
        }
        let mut options = self.options();
        if let Some(f) = FLAGS.iter().find(|f| f.name == name) {
            if !on && !value.eq_ignore_ascii_case("OFF") {
                return Err(SqlError::syntax(value).into());
            }
            if f.support == Support::DefaultOnly && on != f.default_on {
                return Err(refused(name, value));
            }
            options.bits = if on { options.bits | f.bit } else { options.bits & !f.bit };
            if name == "NOCOUNT" {
                self.nocount = on;
            }
        } else {
            match VALUED.iter().find(|(n, _)| *n == name) {
                Some((_, Some(only))) if !value.eq_ignore_ascii_case(only) => {
                    return Err(refused(name, value));
                }
                Some((_, Some(_))) => {}
                Some((_, None)) => self.set_valued(&mut options, name, value)?,
                None => return Err(refused(name, value)),
            }
        }
        self.set_options(options);
        self.set_rowcount(0);
        Ok(())
    }

    /// The options that take a value the simulator honours.
    fn set_valued(&mut self, options: &mut SessionOptions, name: &str, value: &str) -> Result<(), Failure> {
        let number = || value.parse::<i64>().map_err(|_| SqlError::syntax(value));
        match name {
            "LOCK_TIMEOUT" => options.lock_timeout = number()?.max(-1),
            "TEXTSIZE" => {
                // "SET TEXTSIZE": 0 restores the default; -1 is the largest size.
                options.textsize = match number()? {
                    n if !(0..MAX_TEXTSIZE).contains(&n) => MAX_TEXTSIZE,
                    0 => MAX_TEXTSIZE,
                    n => n,
                }
            }
            "DEADLOCK_PRIORITY" => {
                options.deadlock_priority = match value.to_ascii_uppercase().as_str() {
                    "LOW" => -5,
                    "NORMAL" => 0,
                    "HIGH" => 5,
                    _ => number()?.clamp(-10, 10),
                }
            }
            "TRANSACTION ISOLATION LEVEL" => {
                let level = super::transaction::ISOLATION_LEVELS
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(value))
                    .map(|(_, l)| *l)
                    .ok_or_else(|| SqlError::syntax(value))?;
                self.set_isolation(level);
            }
            "IDENTITY_INSERT" => self.identity_insert(options, value)?,
            // STATISTICS IO/TIME (messages not sent), NO_BROWSETABLE: accepted.
            _ => {}
        }
        Ok(())
    }

    /// `SET IDENTITY_INSERT table ON|OFF` ("SET IDENTITY_INSERT (Transact-SQL)"): one table per
    /// session; 8106 for a table without an identity column, 8107 while another is ON.
    fn identity_insert(&mut self, options: &mut SessionOptions, value: &str) -> Result<(), Failure> {
        let (table, state) = value.rsplit_once(' ').ok_or_else(|| SqlError::syntax(value))?;
        let on = state.eq_ignore_ascii_case("ON");
        let parts = super::lexer::split_name(table);
        let name = match parts.as_slice() {
            [n] => ObjectName { database: None, schema: None, name: n.clone() },
            [s, n] => ObjectName { database: None, schema: Some(s.clone()), name: n.clone() },
            [d, s, n] => ObjectName {
                database: Some(d.clone()),
                schema: Some(s.clone()).filter(|s| !s.is_empty()),
                name: n.clone(),
            },
            _ => return Err(SqlError::syntax(table).into()),
        };
        let target = self.locate_table(&name)?;
        if !self.has_identity(&target)? {
            return Err(SqlError::new(
                8106,
                16,
                format!("Table '{table}' does not have the identity property. Cannot perform SET operation."),
            )
            .into());
        }
        match &options.identity_insert {
            Some(current) if on && !current.is(&target) => Err(SqlError::new(
                8107,
                16,
                format!(
                    "IDENTITY_INSERT is already ON for table '{}.{}'. Cannot perform SET operation for table '{table}'.",
                    current.database, current.name
                ),
            )
            .into()),
            Some(current) if !on && !current.is(&target) => Ok(()),
            _ => {
                options.identity_insert = on.then(|| IdentityInsert::of(&target));
                Ok(())
            }
        }
    }

    /// True when table `t` has an IDENTITY column.
    pub(crate) fn has_identity(&self, t: &TableRef) -> Result<bool, Failure> {
        let sql = format!(
            "SELECT COUNT(*) FROM {}.\"__cutover_columns\" WHERE object_id = ?1 AND is_identity = 1",
            quote(&t.alias)
        );
        let n: i64 = self
            .conn
            .query_row(&sql, [t.object_id], |r| r.get(0))
            .map_err(|e| self.sql_error(e, Action::Select))?;
        Ok(n > 0)
    }

    /// The session's options (a copy).
    pub(crate) fn options(&self) -> SessionOptions {
        super::instance::lock(&self.shared.options).clone()
    }

    /// Installs `options`: `@@OPTIONS`, the lock wait, and the session's DMV row.
    pub(crate) fn set_options(&mut self, options: SessionOptions) {
        let _ = self.conn.busy_timeout(options.lock_wait());
        self.nocount = options.bits & 512 != 0;
        let shown = options.clone();
        self.shared.instance.update_session(self.shared.spid, |info| info.options = shown);
        *super::instance::lock(&self.shared.options) = options;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_an_odbc_connections() {
        // "@@OPTIONS": 5496 = ANSI_WARNINGS, ANSI_PADDING, ANSI_NULLS, ARITHABORT,
        // QUOTED_IDENTIFIER, ANSI_NULL_DFLT_ON, CONCAT_NULL_YIELDS_NULL.
        let o = SessionOptions::default();
        assert_eq!(o.bits, 5496);
        assert!(o.is_on("QUOTED_IDENTIFIER") && !o.is_on("XACT_ABORT"));
    }
}
