//! The validation report: one versioned structure (`docs/validate-report.md`), rendered as a
//! terminal summary, Markdown, JSON and JUnit XML.

use cutover_common::junit::{self, Case, Outcome, Suite};
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
    /// Not (fully) compared before the time budget ended: never a pass.
    NotCovered,
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
    /// Which key ranges were compared (present when a time budget ended the run, or the table
    /// was cut into several segments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// Where a later `--since` run starts from, per side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Watermarks>,
    /// How an incremental (`--since`) run checked this table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<Incremental>,
}

/// The key ranges of a table that were compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Every row of the table was compared.
    pub complete: bool,
    /// Source rows in the compared ranges, and in the table (exact counts).
    pub rows_covered: u64,
    pub rows_total: u64,
    /// The compared ranges in key order, adjacent segments merged: `lo` inclusive, `hi`
    /// exclusive, as key texts (`null` = unbounded).
    pub ranges: Vec<crate::plan::Range>,
}

/// What a full run records so a later run checks only what changed since (per side: the
/// values are unrelated between source and target).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermarks {
    pub source: SideMark,
    pub target: SideMark,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideMark {
    /// The table's rowversion (timestamp) column, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rowversion_column: Option<String>,
    /// `@@DBTS` read before the table's first row was compared (`0x…`): rows whose rowversion
    /// is above it were inserted or updated later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rowversion: Option<String>,
    /// `CHANGE_TRACKING_CURRENT_VERSION()` read before the table's first row was compared, when
    /// Change Tracking is enabled on the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_tracking: Option<i64>,
}

/// How an incremental run covered a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incremental {
    /// `changes` (only what changed since the watermarks) or `whole` (validated in full).
    pub method: String,
    /// Why, in one sentence: what found the changed rows and the deletions, or why the table
    /// was validated whole.
    pub reason: String,
    /// Rows compared row by row (changed on either side), and rows the run read in all
    /// (changed rows, lookups, change-tracking rows; key-only sums count every key).
    pub rows_compared: u64,
    pub rows_read: u64,
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
            coverage: None,
            watermark: None,
            incremental: None,
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

    /// `covered 3 key range(s), 1200 of 5000 rows (24.0 %)` for a table the run did not
    /// cover whole.
    pub fn coverage_line(&self) -> Option<String> {
        let c = self.coverage.as_ref().filter(|c| !c.complete)?;
        let pct = if c.rows_total == 0 { 0.0 } else { 100.0 * c.rows_covered as f64 / c.rows_total as f64 };
        let ranges: Vec<String> = c.ranges.iter().take(3).map(crate::plan::Range::describe).collect();
        let more =
            if c.ranges.len() > 3 { format!(" and {} more", c.ranges.len() - 3) } else { String::new() };
        Some(format!(
            "covered {} of {} rows ({pct:.1} %){}{}{more}; the rest was not compared",
            c.rows_covered,
            c.rows_total,
            if ranges.is_empty() { "" } else { " in key ranges " },
            ranges.join(", ")
        ))
    }

    pub fn status(&self) -> Status {
        if self.checks.iter().any(|c| c.status == Status::Error) {
            Status::Error
        } else if self.checks.iter().any(|c| c.status == Status::NotCovered) {
            Status::NotCovered
        } else if self.checks.iter().any(|c| c.status == Status::Fail) {
            Status::Fail
        } else if self.checks.iter().any(|c| c.status == Status::Sampled) {
            Status::Sampled
        } else {
            Status::Pass
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Identical,
    /// No difference found, but only a sample was compared (`--sample`).
    SampleIdentical,
    Differences,
    /// Something could not be validated (exit 2).
    Incomplete,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// `--time-budget`, `--priority`: how the run was bounded and ordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetInfo>,
    /// `--shard i/N`: this run's share of the tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardInfo>,
    /// `--since DIR`: the earlier report this run checked changes against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Shard reports merged into this one (`cutover compare --validate DIR`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
}

/// How a run with `--time-budget` went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetInfo {
    /// `time budget 45m`, or `none`.
    pub limit: String,
    /// `largest first`, `by name`, `dbo.orders, dbo.lines first, then by name`.
    pub priority: String,
    /// True when the budget ended before every table was covered.
    pub exhausted: bool,
    pub tables_complete: u64,
    pub tables_partial: u64,
    pub tables_not_started: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
        self.verdict = if all.contains(&Status::Error) || all.contains(&Status::NotCovered) {
            Verdict::Incomplete
        } else if all.contains(&Status::Fail) {
            Verdict::Differences
        } else if all.contains(&Status::Sampled) {
            Verdict::SampleIdentical
        } else {
            Verdict::Identical
        };
    }

    /// One line each for the budget, the shard and `--since`, when the run had them.
    fn scope_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(b) = &self.budget {
            let end = if b.exhausted { "ended before every table was covered" } else { "was enough" };
            out.push(format!(
                "{} ({}): {end}: {} table(s) complete, {} partly covered, {} not started",
                b.limit, b.priority, b.tables_complete, b.tables_partial, b.tables_not_started
            ));
        }
        if let Some(sh) = &self.shard {
            let mine = sh.assignment.iter().filter(|a| a.shard == sh.index).count();
            out.push(format!(
                "shard {}/{}: {mine} of {} table(s), dealt largest first",
                sh.index,
                sh.count,
                sh.assignment.len()
            ));
        }
        if let Some(since) = &self.since {
            out.push(format!("incremental: only what changed since {since}"));
        }
        if !self.merged_from.is_empty() {
            out.push(format!("merged from {} shard report(s)", self.merged_from.len()));
        }
        out
    }

    /// The terminal summary.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "cutover validate: {} → {} (mode {})", self.source, self.target, self.mode);
        if !self.relaxations.is_empty() {
            let _ = writeln!(s, "relaxations: {}", self.relaxations.join("; "));
        }
        for line in self.scope_lines() {
            let _ = writeln!(s, "{line}");
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
            if let Some(line) = t.coverage_line() {
                let _ = writeln!(s, "    {line}");
            }
            // `changes` is told in the checksum check's details; `whole` says why here.
            if let Some(i) = t.incremental.as_ref().filter(|i| i.method == "whole") {
                let _ = writeln!(s, "    {}: {}", i.method, i.reason);
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
        let _ = writeln!(s, "- relaxations: {relax}");
        for line in self.scope_lines() {
            let _ = writeln!(s, "- {line}");
        }
        let _ = writeln!(s);
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
            if let Some(line) = t.coverage_line() {
                let _ = writeln!(s, "- {line}");
            }
            if let Some(i) = t.incremental.as_ref().filter(|i| i.method == "whole") {
                let _ = writeln!(s, "- {}: {}", i.method, i.reason);
            }
            for d in &t.differences {
                let _ = writeln!(s, "- row {}", d.describe());
            }
        }
        s
    }

    /// JUnit XML: one test case per check, classed by table (`database` for the database-wide
    /// checks); a check that could not run is an error.
    pub fn render_junit(&self) -> String {
        let groups = std::iter::once(("database".to_string(), &self.database, &[][..]))
            .chain(self.entries().map(|t| (t.table.clone(), &t.checks, &t.differences[..])));
        let mut cases = Vec::new();
        for (class, checks, diffs) in groups {
            for c in checks {
                let mut body: Vec<String> = c.details.clone();
                if let (Some(a), Some(b)) = (&c.source, &c.target) {
                    body.insert(0, format!("source {a}, target {b}"));
                }
                if c.check == "checksum" || c.check == "query" {
                    body.extend(diffs.iter().map(RowDifference::describe));
                }
                let body = body.join("\n");
                let outcome = match c.status {
                    Status::Fail => {
                        Outcome::Failed { message: format!("{} differs", c.check), kind: None, body }
                    }
                    Status::Error | Status::NotCovered => {
                        Outcome::Error { message: "could not check".into(), body }
                    }
                    _ => Outcome::Passed,
                };
                cases.push(Case::new(&class, &c.check, outcome));
            }
        }
        let suite = Suite { name: "cutover validate".into(), time: Some(self.stats.seconds), cases };
        junit::render(&junit::Report { name: None, time: None, suites: vec![suite] })
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

/// How the terminal and Markdown reports word a status.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "differs",
        Status::Error => "not checked",
        Status::Warn => "warn",
        Status::Sampled => "sampled",
        Status::NotCovered => "not covered",
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
