//! The one loop: run each rule's query (in each user database for `per_database` rules) and
//! turn every row into a finding. A rule whose query fails is reported as not checked, never
//! as a pass.

use cutover_mssql::Connection;
use serde::Serialize;

use super::{Rule, Severity};
use crate::cells::text;

/// One thing found.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub object: String,
    pub detail: String,
    pub reason: String,
    pub remediation: String,
    pub source: String,
}

/// A rule that could not be checked, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Unchecked {
    pub rule: String,
    pub error: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AssessReport {
    pub server: String,
    pub rules_run: usize,
    pub findings: Vec<Finding>,
    pub unchecked: Vec<Unchecked>,
}

impl AssessReport {
    pub fn blockers(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Blocker).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Warning).count()
    }
}

fn quote_name(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

/// The user databases a `per_database` rule runs in.
pub const USER_DATABASES_SQL: &str = "SELECT name FROM sys.databases WHERE database_id > 4 ORDER BY name";

/// The statement `rule` sends: its query, with `{db}` the quoted `database` and `{name}` its
/// name inside a string literal for a `per_database` rule.
pub fn rule_sql(rule: &Rule, database: Option<&str>) -> String {
    match database {
        Some(db) if rule.per_database => {
            rule.query.replace("{db}", &quote_name(db)).replace("{name}", &db.replace('\'', "''"))
        }
        _ => rule.query.clone(),
    }
}

/// Runs `rules` against the server behind `conn`.
pub async fn assess(conn: &mut Connection, rules: &[Rule]) -> AssessReport {
    let server = conn.target().to_string();
    let databases = user_databases(conn).await;
    let mut report = AssessReport { server, rules_run: 0, findings: Vec::new(), unchecked: Vec::new() };
    for rule in rules {
        let queries: Vec<String> = if rule.per_database {
            databases.iter().map(|db| rule_sql(rule, Some(db))).collect()
        } else {
            vec![rule_sql(rule, None)]
        };
        report.rules_run += 1;
        for sql in queries {
            match conn.query_rows(&sql, &[]).await {
                Ok(rows) => report.findings.extend(rows.iter().filter_map(|row| finding(rule, row))),
                Err(e) => {
                    report
                        .unchecked
                        .push(Unchecked { rule: rule.id.clone(), error: cutover_mssql::one_line(&e) });
                    break;
                }
            }
        }
    }
    report
}

fn finding(rule: &Rule, row: &tiberius::Row) -> Option<Finding> {
    let object = text(row, &rule.object_column).unwrap_or_default();
    if rule.ignore.iter().any(|i| i.eq_ignore_ascii_case(&object)) {
        return None;
    }
    Some(Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        title: rule.title.clone(),
        object,
        detail: text(row, &rule.detail_column).unwrap_or_default(),
        reason: rule.reason.clone(),
        remediation: rule.remediation.clone(),
        source: rule.source.clone(),
    })
}

async fn user_databases(conn: &mut Connection) -> Vec<String> {
    let rows = conn.query_rows(USER_DATABASES_SQL, &[]).await;
    rows.map(|rows| rows.iter().filter_map(|r| text(r, "name")).collect()).unwrap_or_default()
}
