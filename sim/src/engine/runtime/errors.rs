//! SQLite errors → SQL Server errors, and which errors end a batch.

use rusqlite::ffi;

use crate::error::SqlError;

/// Why a step did not finish.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The client cancelled (ATTENTION) or the sink refused more rows.
    Cancelled,
    Error(SqlError),
    /// RAISERROR (severity 11 and more) or THROW: reported as an error, but neither ends the
    /// batch nor rolls back under XACT_ABORT unless `ends_batch` (THROW).
    Raised {
        error: SqlError,
        ends_batch: bool,
    },
}

impl Failure {
    /// The error to report where a failure cannot be told apart (bulk loads).
    pub fn into_error(self) -> SqlError {
        match self {
            Failure::Error(e) | Failure::Raised { error: e, .. } => e,
            Failure::Cancelled => SqlError::statement_terminated(),
        }
    }
}

impl From<SqlError> for Failure {
    fn from(e: SqlError) -> Self {
        Failure::Error(e)
    }
}

/// Errors after which SQL Server abandons the rest of the batch (compile-time name errors,
/// conversion failures, deadlocks); other statement errors let the batch continue.
pub fn aborts_batch(number: i32) -> bool {
    matches!(number, 102 | 137 | 207 | 208 | 245 | 8114 | 1205 | 266 | 4060 | 40517)
}

/// What a failed SQLite call was doing, to phrase the SQL Server error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Insert,
    Update,
    Delete,
    Select,
    Other,
}

impl Action {
    /// The DML verb of an SQLite statement (the first of INSERT/UPDATE/DELETE/SELECT it starts
    /// with, skipping a WITH clause).
    pub fn of_sql(sql: &str) -> Action {
        let upper =
            sql.trim_start().get(..sql.trim_start().len().min(4000)).unwrap_or("").to_ascii_uppercase();
        let mut best: Option<(usize, Action)> = None;
        for (kw, action) in [
            ("INSERT", Action::Insert),
            ("REPLACE", Action::Insert),
            ("UPDATE", Action::Update),
            ("DELETE", Action::Delete),
        ] {
            if let Some(pos) = upper.find(kw)
                && best.is_none_or(|(b, _)| pos < b)
            {
                best = Some((pos, action));
            }
        }
        match best {
            Some((_, a)) => a,
            None if upper.starts_with("SELECT") || upper.starts_with("WITH") => Action::Select,
            None => Action::Other,
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Action::Insert => "INSERT",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
            Action::Select => "SELECT",
            Action::Other => "ALTER",
        }
    }
}

/// A constraint that SQLite reported as violated, before the runtime names it from metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Violation {
    /// UNIQUE/PRIMARY KEY: SQLite table name and column names.
    Unique {
        primary: bool,
        table: String,
        columns: Vec<String>,
    },
    NotNull {
        table: String,
        column: String,
    },
    ForeignKey,
    Check {
        name: String,
    },
}

/// Classifies a SQLite error: a constraint violation to be named by the caller, or a SQL
/// Server error right away.
pub(crate) fn classify(err: &rusqlite::Error) -> Result<Violation, Failure> {
    // A `tsql_*` function raised SQL Server's own error (8134, 245, 8115, …): pass it on.
    if let Some(e) = crate::engine::functions::sql_error(err) {
        return Err(Failure::Error(e));
    }
    let (code, message) = match err {
        rusqlite::Error::SqliteFailure(code, message) => (*code, message.clone().unwrap_or_default()),
        other => return Err(Failure::Error(SqlError::new(50000, 16, other.to_string()))),
    };
    match code.extended_code {
        ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE => {
            let (table, columns) = split_constraint_columns(&message);
            Ok(Violation::Unique {
                primary: code.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
                table,
                columns,
            })
        }
        ffi::SQLITE_CONSTRAINT_NOTNULL => {
            let (table, mut columns) = split_constraint_columns(&message);
            Ok(Violation::NotNull { table, column: columns.pop().unwrap_or_default() })
        }
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Ok(Violation::ForeignKey),
        ffi::SQLITE_CONSTRAINT_CHECK => Ok(Violation::Check {
            name: message.split_once(": ").map(|(_, n)| n.to_string()).unwrap_or_default(),
        }),
        _ => Err(Failure::Error(map_other(code, &message))),
    }
}

/// A SQLite error that is not a constraint violation, as the nearest SQL Server error.
pub(crate) fn map_other(code: ffi::Error, message: &str) -> SqlError {
    match code.code {
        ffi::ErrorCode::OperationInterrupted => SqlError::statement_terminated(),
        ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked => {
            if code.extended_code == ffi::SQLITE_BUSY_SNAPSHOT {
                SqlError::new(
                    1205,
                    13,
                    "Transaction (Process ID 0) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.",
                )
                .with_state(45)
            } else {
                SqlError::new(1222, 16, "Lock request time out period exceeded.").with_state(45)
            }
        }
        ffi::ErrorCode::DiskFull => SqlError::new(
            1105,
            17,
            "Could not allocate space for object in database because the 'PRIMARY' filegroup is full.",
        ),
        ffi::ErrorCode::TooBig => SqlError::new(8152, 16, "String or binary data would be truncated."),
        _ => {
            // A trigger's RAISE(ABORT, 'Msg 273, …') (rowversion) names its own error.
            if let Some(e) = crate::engine::functions::parse_message(message) {
                return e;
            }
            if let Some(rest) = message.strip_prefix("no such table: ") {
                let name = rest.rsplit('.').next().unwrap_or(rest);
                return SqlError::invalid_object(name.trim_matches('"'));
            }
            if let Some(rest) = message.strip_prefix("no such column: ") {
                return SqlError::invalid_column(rest.rsplit('.').next().unwrap_or(rest));
            }
            if message.contains("syntax error") {
                return SqlError::new(102, 15, format!("Incorrect syntax ({message})."));
            }
            SqlError::new(50000, 16, format!("The simulator's SQL engine failed: {message}"))
        }
    }
}

/// `UNIQUE constraint failed: dbo.t.a, dbo.t.b` → (`dbo.t`, [`a`, `b`]).
fn split_constraint_columns(message: &str) -> (String, Vec<String>) {
    let list = message.split_once(": ").map(|(_, l)| l).unwrap_or("");
    let mut table = String::new();
    let columns = list
        .split(", ")
        .filter(|s| !s.is_empty())
        .map(|qualified| match qualified.rsplit_once('.') {
            Some((t, c)) => {
                table = t.to_string();
                c.to_string()
            }
            None => qualified.to_string(),
        })
        .collect();
    (table, columns)
}

/// 262: CREATE TABLE permission denied in database '...'.
pub(crate) fn ddl_denied(statement: &str, database: &str) -> SqlError {
    SqlError::new(262, 14, format!("{statement} permission denied in database '{database}'."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sqlite_constraint_messages() {
        assert_eq!(
            split_constraint_columns("UNIQUE constraint failed: dbo.t.a, dbo.t.b"),
            ("dbo.t".to_string(), vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(Action::of_sql("WITH x AS (SELECT 1) DELETE FROM t"), Action::Delete);
        assert_eq!(Action::of_sql("insert into t values (1)"), Action::Insert);
    }
}
