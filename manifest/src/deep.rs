//! `cutover probe --deep`: every read-only statement of the manifest for the server's edition,
//! run on the user's own server as the product sends it, each failure with the server's error
//! and, for a permission error, the permission that statement needs. The report is the redacted
//! bundle to attach to a bug report: versions, edition, the statements that failed and their
//! errors — no rows, no server or login names, no secrets.

use cutover_mssql::{Connection, ServerIdentity};
use serde::Serialize;
use tiberius::ToSql;

use crate::edition::Edition;
use crate::manifest::for_edition;
use crate::objects::Objects;
use crate::sources::EXAMPLE_DATABASE;
use crate::statement::{Access, Parameter, Statement};

/// What `probe --deep` found.
#[derive(Clone, Debug, Serialize)]
pub struct DeepReport {
    /// The cutover that ran it.
    pub cutover_version: String,
    /// The edition whose statements ran.
    pub edition: Edition,
    /// `SERVERPROPERTY('ProductVersion')`, `ProductLevel`, `Edition`, `EngineEdition`.
    pub product_version: String,
    pub product_level: String,
    pub server_edition: String,
    pub engine_edition: i32,
    /// Statements run, and how many of them succeeded.
    pub ran: usize,
    pub succeeded: usize,
    /// The statements that failed.
    pub failures: Vec<Failure>,
    /// The statements not run, and why (DDL shown as a dry run, user tables, …).
    pub not_run: Vec<NotRun>,
}

/// One statement that failed.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub id: String,
    pub commands: Vec<&'static str>,
    pub purpose: String,
    /// The statement as the manifest lists it (per-database ones with `<database>`).
    pub sql: String,
    /// The server's error number, class and state (absent for an error of the connection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<u8>,
    /// The error, redacted.
    pub error: String,
    /// Whether the server refused it for a missing permission.
    pub permission_error: bool,
    /// The permission the statement needs (from the manifest), for a permission error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_permission: Option<String>,
}

/// One statement not run.
#[derive(Clone, Debug, Serialize)]
pub struct NotRun {
    pub id: String,
    pub why: String,
}

impl DeepReport {
    /// Whether every statement that ran succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.failures.is_empty()
    }

    /// A summary for people: one block per failure, then the counts.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "{} {} ({}, engine edition {}), statements for {}\n",
            self.server_edition, self.product_version, self.product_level, self.engine_edition, self.edition
        );
        for f in &self.failures {
            out.push_str(&format!(
                "\nFAILED {}  [{}]\n  {}\n  error{}: {}\n",
                f.id,
                f.commands.join(", "),
                f.purpose,
                f.number.map(|n| format!(" {n}")).unwrap_or_default(),
                f.error
            ));
            if let Some(p) = &f.needs_permission {
                out.push_str(&format!("  needs: {p}\n"));
            }
        }
        out.push_str(&format!(
            "\n{} of {} statements ran without error; {} failed; {} not run (cutover queries --edition {} lists them all)\n",
            self.succeeded,
            self.ran,
            self.failures.len(),
            self.not_run.len(),
            self.edition
        ));
        out
    }
}

/// Why `s` is not run on `edition` by `probe --deep`, if it is not.
pub fn not_run_reason(s: &Statement) -> Option<String> {
    if s.access == Access::Write {
        return Some(
            "creates or changes server state: shown as a dry run only (cutover queries --format sql)".into(),
        );
    }
    s.needs.as_ref().map(|n| format!("needs {n}"))
}

/// Runs every read-only statement for the server's edition on `conn` (whose identity is
/// `identity`); `None` when the manifest does not cover that kind of server.
pub async fn run(conn: &mut Connection, identity: &ServerIdentity) -> Option<DeepReport> {
    let edition = Edition::of(identity)?;
    let table = Objects::bundled();
    let database = first_user_database(conn).await;
    let mut report = DeepReport {
        cutover_version: env!("CARGO_PKG_VERSION").to_string(),
        edition,
        product_version: identity.product_version.clone(),
        product_level: identity.product_level.clone(),
        server_edition: identity.edition.clone(),
        engine_edition: identity.engine_edition,
        ran: 0,
        succeeded: 0,
        failures: Vec::new(),
        not_run: Vec::new(),
    };
    for s in for_edition(edition, &table) {
        if let Some(why) = not_run_reason(&s) {
            report.not_run.push(NotRun { id: s.id.clone(), why });
            continue;
        }
        let sql = match (&s.runs_in, &database) {
            (None, _) => s.sql.clone(),
            (Some(_), Some(db)) => in_database(&s.sql, db),
            (Some(place), None) => {
                report
                    .not_run
                    .push(NotRun { id: s.id.clone(), why: format!("runs in {place}: there is none") });
                continue;
            }
        };
        report.ran += 1;
        match send(conn, &s, &sql).await {
            Ok(()) => report.succeeded += 1,
            Err(e) => report.failures.push(failure(&s, &e, database.as_deref())),
        }
        if conn.is_broken() && conn.reconnect().await.is_err() {
            report.not_run.push(NotRun {
                id: "(the rest)".into(),
                why: "the connection broke and could not be reopened".into(),
            });
            break;
        }
    }
    Some(report)
}

/// Sends `sql` as the product sends `s`: a session batch as a batch, a read with its
/// parameters (the manifest's example values).
async fn send(conn: &mut Connection, s: &Statement, sql: &str) -> Result<(), cutover_mssql::Error> {
    if s.access == Access::Session {
        return conn.simple_query(sql).await.map(drop);
    }
    let values: Vec<Value> = s.parameters.iter().map(Value::of).collect();
    let params: Vec<&dyn ToSql> = values.iter().map(Value::as_sql).collect();
    conn.query_results(sql, &params).await.map(drop)
}

/// A parameter's example value, typed as the product sends it.
enum Value {
    Text(String),
    Int(i64),
}

impl Value {
    fn of(p: &Parameter) -> Value {
        match p.sql_type {
            "bigint" | "int" => Value::Int(p.example.parse().unwrap_or_default()),
            _ => Value::Text(p.example.clone()),
        }
    }

    fn as_sql(&self) -> &dyn ToSql {
        match self {
            Value::Text(t) => t,
            Value::Int(i) => i,
        }
    }
}

fn failure(s: &Statement, e: &cutover_mssql::Error, database: Option<&str>) -> Failure {
    let hide = |text: &str| {
        let text = cutover_mssql::redact(text);
        match database {
            Some(db) if !db.is_empty() => text.replace(db, EXAMPLE_DATABASE),
            _ => text,
        }
    };
    let sql_error = e.sql();
    let permission_error = sql_error.is_some_and(|q| q.is_permission());
    Failure {
        id: s.id.clone(),
        commands: s.commands.clone(),
        purpose: s.purpose.clone(),
        sql: s.sql.clone(),
        number: sql_error.map(|q| q.number),
        class: sql_error.map(|q| q.class),
        state: sql_error.map(|q| q.state),
        error: hide(&sql_error.map_or_else(|| cutover_mssql::one_line(e), |q| q.message.clone())),
        permission_error,
        needs_permission: permission_error.then(|| s.permission.clone()),
    }
}

/// The first user database (by name) whose name the statements can hold, for the per-database
/// statements.
async fn first_user_database(conn: &mut Connection) -> Option<String> {
    let rows = conn.query_rows(cutover_assess::rules::run::USER_DATABASES_SQL, &[]).await.ok()?;
    rows.iter()
        .filter_map(|r| r.get::<&str, _>(0).map(str::to_string))
        .find(|name| !name.contains(']') && !name.contains('\'') && !name.contains(EXAMPLE_DATABASE))
}

/// `sql` with the example database replaced by `db` (a name without `]` or `'`).
fn in_database(sql: &str, db: &str) -> String {
    sql.replace(EXAMPLE_DATABASE, db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_and_user_tables_are_not_run() {
        let ddl =
            Statement::read("x", &["capture"], "p", "DROP EVENT SESSION [s] ON SERVER").access(Access::Write);
        assert!(not_run_reason(&ddl).unwrap().contains("dry run"));
        let table = Statement::read("y", &["validate"], "p", "SELECT 1 FROM [dbo].[t]").needs("your tables");
        assert_eq!(not_run_reason(&table).unwrap(), "needs your tables");
        assert_eq!(not_run_reason(&Statement::read("z", &["probe"], "p", "SELECT 1")), None);
    }

    #[test]
    fn per_database_statements_run_in_a_real_database() {
        assert_eq!(
            in_database("SELECT 1 FROM [<database>].sys.filetables WHERE N'<database>' = N'x'", "Sales"),
            "SELECT 1 FROM [Sales].sys.filetables WHERE N'Sales' = N'x'"
        );
    }
}
