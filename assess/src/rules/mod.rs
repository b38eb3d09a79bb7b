//! Assessment rules as data (`data/assess-rules.toml`): one T-SQL query per rule, every row a
//! finding with `object` and `detail`; [`run`] is the one loop that runs them, [`report`]
//! renders the findings with reason, remediation and source.

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use crate::AssessError;

pub const BUNDLED: &str = include_str!("../../data/assess-rules.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Blocker,
    Warning,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub query: String,
    #[serde(default)]
    pub per_database: bool,
    #[serde(default = "object_column")]
    pub object_column: String,
    #[serde(default = "detail_column")]
    pub detail_column: String,
    #[serde(default)]
    pub ignore: Vec<String>,
    pub reason: String,
    pub remediation: String,
    pub source: String,
}

fn object_column() -> String {
    "object".into()
}

fn detail_column() -> String {
    "detail".into()
}

#[derive(Deserialize)]
struct File {
    rule: Vec<Rule>,
}

/// Parses a rules file; every rule needs an id, a query, a reason, a remediation and a source.
pub fn parse(text: &str, name: &str) -> Result<Vec<Rule>, AssessError> {
    let file: File =
        toml::from_str(text).map_err(|e| AssessError::Data { name: name.into(), detail: e.to_string() })?;
    for r in &file.rule {
        if r.query.trim().is_empty() || r.remediation.trim().is_empty() || !r.source.starts_with("https://") {
            return Err(AssessError::Data {
                name: name.into(),
                detail: format!("rule {} needs a query, a remediation and an https source", r.id),
            });
        }
    }
    Ok(file.rule)
}

/// The rules compiled into the binary.
pub fn bundled() -> Vec<Rule> {
    parse(BUNDLED, "assess/data/assess-rules.toml").unwrap_or_else(|e| panic!("bundled rules: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_rule_names_its_source_and_remediation() {
        let rules = bundled();
        assert!(rules.len() >= 12);
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rules.len(), "rule ids are unique");
        assert!(rules.iter().all(|r| r.source.contains("learn.microsoft.com")));
    }
}
