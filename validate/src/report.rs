//! The validation report: one versioned structure (`docs/validate-report.md`), rendered as a
//! terminal summary, Markdown, JSON and JUnit XML.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Bumped whenever a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be checked: never a pass.
    Error,
    /// Informational mismatch (metadata counts may lag): does not fail the run.
    Warn,
    /// No difference in a sample (`--sample`): never a full pass.
    Sampled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    /// `schema`, `row_count_exact`, `row_count_metadata`, `checksum`.
    pub check: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    MissingInTarget,
    ExtraInTarget,
    Changed,
    /// A keyless table's row occurs a different number of times on each side.
    CountDiffers,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowDifference {
    pub kind: DiffKind,
    /// Key column → value as text; for keyless tables `row_sha256` → the row hash.
    pub key: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_count: Option<u64>,
}

/// Differences list by kind, then by key as a person reads it: numbers in numeric order
/// (`customer_id=9` before `customer_id=10`), other text in text order.
impl Ord for RowDifference {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.kind
            .cmp(&other.kind)
            .then_with(|| natural_keys(&self.key, &other.key))
            .then_with(|| self.columns.cmp(&other.columns))
            .then_with(|| {
                (self.source_count, self.target_count).cmp(&(other.source_count, other.target_count))
            })
    }
}

impl PartialOrd for RowDifference {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn natural_keys(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> std::cmp::Ordering {
    a.iter()
        .zip(b)
        .map(|((ka, va), (kb, vb))| ka.cmp(kb).then_with(|| natural(va, vb)))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

/// Numeric order when both values are numbers (ties broken by text, so the order stays total).
fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

impl RowDifference {
    pub fn key_text(&self) -> String {
        self.key.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
    }

    pub fn describe(&self) -> String {
        let what = match self.kind {
            DiffKind::MissingInTarget => "missing in target".to_string(),
            DiffKind::ExtraInTarget => "extra in target".to_string(),
            DiffKind::Changed if self.columns.is_empty() => "changed".to_string(),
            DiffKind::Changed => format!("changed: {}", self.columns.join(", ")),
            DiffKind::CountDiffers => format!(
                "occurs {} time(s) in source, {} in target",
                self.source_count.unwrap_or(0),
                self.target_count.unwrap_or(0)
            ),
        };
        format!("({}) {what}", self.key_text())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableReport {
    pub table: String,
    /// Key columns used for segments, `None` for a table compared as a bag of rows.
    pub key: Option<Vec<String>>,
    pub checks: Vec<Check>,
    pub differences: Vec<RowDifference>,
    /// All differing rows found (the list above stops at --max-diffs).
    pub differences_total: u64,
    /// Columns left out of the row hash, with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_compared: Vec<String>,
    pub segments_compared: u64,
    pub rows_merged: u64,
    pub seconds: f64,
}

impl TableReport {
    /// An entry for `table` with nothing checked yet.
    pub fn new(table: impl Into<String>) -> Self {
        TableReport {
            table: table.into(),
            key: None,
            checks: vec![],
            differences: vec![],
            differences_total: 0,
            not_compared: vec![],
            segments_compared: 0,
            rows_merged: 0,
            seconds: 0.0,
        }
    }

    /// The exact row count for the terminal: `1000 rows`, `1000 → 999 rows` when the sides
    /// differ, empty when it was not counted.
    pub fn rows_text(&self) -> String {
        let count = self.checks.iter().find(|c| c.check == "row_count_exact");
        match count.map(|c| (c.source.as_deref(), c.target.as_deref())) {
            Some((Some(a), Some(b))) if a == b => a.parse().map_or_else(|_| format!("{a} rows"), rows),
            Some((Some(a), Some(b))) => format!("{a} → {b} rows"),
            _ => String::new(),
        }
    }

    pub fn status(&self) -> Status {
        if self.checks.iter().any(|c| c.status == Status::Error) {
            Status::Error
        } else if self.checks.iter().any(|c| c.status == Status::Fail) {
            Status::Fail
        } else if self.checks.iter().any(|c| c.status == Status::Sampled) {
            Status::Sampled
        } else {
            Status::Pass
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Identical,
    /// No difference found, but only a sample was compared (`--sample`).
    SampleIdentical,
    Differences,
    /// Something could not be validated (exit 2).
    Incomplete,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: String,
    pub source: String,
    pub target: String,
    pub mode: String,
    /// Every lossy option in force; empty means an exact comparison.
    pub relaxations: Vec<String>,
    pub verdict: Verdict,
    pub database: Vec<Check>,
    pub tables: Vec<TableReport>,
    /// Custom validation queries (`--queries`), each entry named `query: NAME`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<TableReport>,
    /// Queries sent and result bytes received per side (checksums keep these small).
    pub stats: Stats,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    pub queries: u64,
    pub rows_received: u64,
    pub seconds: f64,
}

impl Report {
    /// The tables, then the custom queries.
    pub fn entries(&self) -> impl Iterator<Item = &TableReport> {
        self.tables.iter().chain(&self.queries)
    }

    pub fn decide(&mut self) {
        let all: Vec<Status> =
            self.database.iter().map(|c| c.status).chain(self.entries().map(TableReport::status)).collect();
        self.verdict = if all.contains(&Status::Error) {
            Verdict::Incomplete
        } else if all.contains(&Status::Fail) {
            Verdict::Differences
        } else if all.contains(&Status::Sampled) {
            Verdict::SampleIdentical
        } else {
            Verdict::Identical
        };
    }

    /// The terminal summary.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "cutover validate: {} → {} (mode {})", self.source, self.target, self.mode);
        if !self.relaxations.is_empty() {
            let _ = writeln!(s, "relaxations: {}", self.relaxations.join("; "));
        }
        for c in &self.database {
            if c.status != Status::Pass {
                let _ = writeln!(s, "database {}: {:?} {}", c.check, c.status, c.details.join("; "));
            }
        }
        let width = self.entries().map(|t| t.table.chars().count()).max().unwrap_or(0);
        for t in self.entries() {
            let checks: Vec<String> =
                t.checks.iter().map(|c| format!("{} {}", c.check, status_word(c.status))).collect();
            let _ = writeln!(
                s,
                "{:<9} {:<width$}  {:>15}  [{}]",
                status_word(t.status()).to_uppercase(),
                t.table,
                t.rows_text(),
                checks.join(", ")
            );
            for c in t.checks.iter().filter(|c| c.status != Status::Pass) {
                if let (Some(a), Some(b)) = (&c.source, &c.target) {
                    let _ = writeln!(s, "    {}: source {a}, target {b}", c.check);
                }
                for d in &c.details {
                    let _ = writeln!(s, "    {}: {d}", c.check);
                }
            }
            for d in t.differences.iter().take(20) {
                let _ = writeln!(s, "    row {}", d.describe());
            }
            if t.differences_total > 20 {
                let _ =
                    writeln!(s, "    … {} differing rows in all (see the report files)", t.differences_total);
            }
        }
        let _ = writeln!(s, "verdict: {}", verdict_word(self.verdict));
        s
    }

    pub fn render_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# Validation: {}\n", verdict_word(self.verdict));
        let _ =
            writeln!(s, "- source: `{}`\n- target: `{}`\n- mode: {}", self.source, self.target, self.mode);
        let relax = if self.relaxations.is_empty() {
            "none (exact)".to_string()
        } else {
            self.relaxations.join("; ")
        };
        let _ = writeln!(s, "- relaxations: {relax}\n");
        for c in self.database.iter().filter(|c| c.status != Status::Pass) {
            let _ = writeln!(s, "- database {}: {}", c.check, c.details.join("; "));
        }
        let _ = writeln!(s, "| table | status | checks | differing rows |\n|---|---|---|---|");
        for t in self.entries() {
            let checks: Vec<String> =
                t.checks.iter().map(|c| format!("{} {}", c.check, status_word(c.status))).collect();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                t.table,
                status_word(t.status()),
                checks.join(", "),
                t.differences_total
            );
        }
        for t in self.entries().filter(|t| t.status() != Status::Pass) {
            let _ = writeln!(s, "\n## {}\n", t.table);
            for c in t.checks.iter().filter(|c| c.status != Status::Pass) {
                if let (Some(a), Some(b)) = (&c.source, &c.target) {
                    let _ = writeln!(s, "- {}: source {a}, target {b}", c.check);
                }
                for d in &c.details {
                    let _ = writeln!(s, "- {}: {}", c.check, d.replace('|', "\\|"));
                }
            }
            for d in &t.differences {
                let _ = writeln!(s, "- row {}", d.describe());
            }
        }
        s
    }

    pub fn render_junit(&self) -> String {
        let mut cases = String::new();
        let (mut tests, mut failures, mut errors) = (0, 0, 0);
        let groups = std::iter::once(("database".to_string(), &self.database, &[][..]))
            .chain(self.entries().map(|t| (t.table.clone(), &t.checks, &t.differences[..])));
        for (class, checks, diffs) in groups {
            for c in checks {
                tests += 1;
                let _ =
                    write!(cases, r#"    <testcase classname="{}" name="{}">"#, xml(&class), xml(&c.check));
                let mut body: Vec<String> = c.details.clone();
                if let (Some(a), Some(b)) = (&c.source, &c.target) {
                    body.insert(0, format!("source {a}, target {b}"));
                }
                if c.check == "checksum" || c.check == "query" {
                    body.extend(diffs.iter().map(RowDifference::describe));
                }
                match c.status {
                    Status::Fail => {
                        failures += 1;
                        let _ = write!(
                            cases,
                            r#"<failure message="{} differs">{}</failure>"#,
                            xml(&c.check),
                            xml(&body.join("\n"))
                        );
                    }
                    Status::Error => {
                        errors += 1;
                        let _ = write!(
                            cases,
                            r#"<error message="could not check">{}</error>"#,
                            xml(&body.join("\n"))
                        );
                    }
                    _ => {}
                }
                cases.push_str("</testcase>\n");
            }
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"cutover validate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{:.3}\">\n{cases}  </testsuite>\n</testsuites>\n",
            self.stats.seconds
        )
    }

    /// Writes report.json, report.md and junit.xml into `dir`.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>, crate::ValidateError> {
        let werr = |p: &Path| {
            let path = p.display().to_string();
            move |source| crate::ValidateError::Write { path, source: Box::new(source) }
        };
        std::fs::create_dir_all(dir).map_err(werr(dir))?;
        let json = serde_json::to_string_pretty(self).unwrap_or_default();
        let files = [
            ("report.json", json),
            ("report.md", self.render_markdown()),
            ("junit.xml", self.render_junit()),
        ];
        let mut written = Vec::new();
        for (name, body) in files {
            let path = dir.join(name);
            std::fs::write(&path, body).map_err(werr(&path))?;
            written.push(path);
        }
        Ok(written)
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "differs",
        Status::Error => "not checked",
        Status::Warn => "warn",
        Status::Sampled => "sampled",
    }
}

/// "1 row", "2 rows".
pub fn rows(n: u64) -> String {
    if n == 1 { "1 row".into() } else { format!("{n} rows") }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Identical => "identical",
        Verdict::SampleIdentical => "no differences in the sample (sampled, not a full validation)",
        Verdict::Differences => "differences found",
        Verdict::Incomplete => "incomplete (some checks could not run)",
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(id: &str) -> RowDifference {
        RowDifference {
            kind: DiffKind::Changed,
            key: BTreeMap::from([("customer_id".to_string(), id.to_string())]),
            columns: Vec::new(),
            source_count: None,
            target_count: None,
        }
    }

    #[test]
    fn differences_list_numeric_keys_in_numeric_order() {
        let mut found: Vec<RowDifference> = ["100", "9", "10", "abc", "-3"].map(changed).to_vec();
        found.sort();
        let keys: Vec<&str> = found.iter().map(|d| d.key["customer_id"].as_str()).collect();
        assert_eq!(keys, ["-3", "9", "10", "100", "abc"]);
    }

    fn counted(a: &str, b: &str) -> TableReport {
        let status = if a == b { Status::Pass } else { Status::Fail };
        let count = Check {
            check: "row_count_exact".into(),
            status,
            source: Some(a.into()),
            target: Some(b.into()),
            details: vec![],
        };
        TableReport { checks: vec![count], ..TableReport::new("dbo.t") }
    }

    #[test]
    fn the_terminal_shows_each_table_s_row_count_and_both_when_they_differ() {
        assert_eq!(counted("1000", "1000").rows_text(), "1000 rows");
        assert_eq!(counted("1", "1").rows_text(), "1 row");
        assert_eq!(counted("1000", "999").rows_text(), "1000 → 999 rows");
        let mut uncounted = counted("1", "1");
        uncounted.checks.clear();
        assert_eq!(uncounted.rows_text(), "");
    }
}
