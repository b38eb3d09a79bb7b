//! `cutover assess`: the bundled rules, each one query (per user database for some), run on the
//! source — a SQL Server, never a Managed Instance.

use cutover_assess::rules::bundled;
use cutover_assess::rules::run::{USER_DATABASES_SQL, rule_sql};

use super::EXAMPLE_DATABASE;
use crate::edition::Edition;
use crate::statement::Statement;

const ASSESS: &[&str] = &["assess"];

pub fn statements(edition: Edition) -> Vec<Statement> {
    if edition == Edition::ManagedInstance {
        return Vec::new();
    }
    let mut out = vec![Statement::read(
        "assess.user_databases",
        ASSESS,
        "The user databases the per-database rules run in",
        USER_DATABASES_SQL,
    )];
    for rule in bundled() {
        let mut s = Statement::read(
            format!("assess.rule.{}", rule.id),
            ASSESS,
            format!("Rule {} ({}): {}", rule.id, severity(&rule), rule.title),
            rule_sql(&rule, Some(EXAMPLE_DATABASE)),
        );
        if rule.per_database {
            s = s.runs_in("each user database (its name in place of <database>)");
        }
        out.push(s);
    }
    out
}

fn severity(rule: &cutover_assess::rules::Rule) -> &'static str {
    match rule.severity {
        cutover_assess::rules::Severity::Blocker => "blocker",
        cutover_assess::rules::Severity::Warning => "warning",
    }
}
