//! What the caller chooses for one run ([`Options`], [`Mode`], the earlier run of `--since`):
//! the settings every stage reads. It sits below the stages (`incremental`, `table`,
//! `schedule`, `run`) and above the modules whose settings it gathers (`budget`, `sample`,
//! `shard`, `objects`, `queries`, `checkpoint`), so data flows one way.

use crate::budget::{Budget, Priority};
use crate::checkpoint::Settings;
use crate::compare::Tuning;
use crate::encoding::Relax;
use crate::objects::DefinitionMatch;
use crate::pattern::table_matches;
use crate::queries::NamedQuery;
use crate::report::Report;
use crate::sample::Sample;
use crate::shard::Shard;
use cutover_mssql::RetryPolicy;
use std::path::PathBuf;
use std::time::Duration;

/// How deep to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Schema and row counts.
    Counts,
    /// Plus checksums and bisection down to the differing keys.
    Checksum,
    /// Plus the differing columns of each changed row.
    Rows,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Counts => "counts",
            Mode::Checksum => "checksum",
            Mode::Rows => "rows",
        }
    }
}

/// Everything the caller chooses.
#[derive(Debug, Clone)]
pub struct Options {
    /// Glob patterns (`dbo.*`, `orders`); empty means every table.
    pub tables: Vec<String>,
    pub exclude: Vec<String>,
    pub mode: Mode,
    pub relax: Relax,
    /// `column`, `table.column` or `schema.table.column`.
    pub ignore_columns: Vec<String>,
    /// A T-SQL predicate applied to every table on both sides.
    pub filter: Option<String>,
    pub leaf_rows: u64,
    pub fanout: u64,
    pub max_diffs: usize,
    /// Tables checked at once, each worker with its own connection per side.
    pub parallel: usize,
    /// Retries of a table whose queries failed with a transient error (deadlock, failover,
    /// throttling, dropped connection, timeout); the delay is the policy's ceiling.
    pub retry: RetryPolicy,
    /// Where to write the checkpoint as each table finishes (`None`: no checkpoint).
    pub checkpoint: Option<PathBuf>,
    /// Take the tables already in the checkpoint from it instead of checking them again.
    pub resume: bool,
    /// Custom validation queries, run on both sides after the tables.
    pub queries: Vec<NamedQuery>,
    /// How view, procedure, function and trigger definitions are compared.
    pub definitions: DefinitionMatch,
    /// Compare only a seeded sample of each keyed table's key ranges.
    pub sample: Option<Sample>,
    /// Stop starting new work when this ends (`--time-budget`).
    pub budget: Option<Budget>,
    /// The order tables are taken in (`--priority`).
    pub priority: Priority,
    /// Only this shard's share of the tables (`--shard i/N`).
    pub shard: Option<Shard>,
    /// Segments are sized so one checksum query takes about this long (from the rows/s
    /// measured on the table so far).
    pub segment_seconds: f64,
    /// Rows in a table's first segment, before any speed is known.
    pub first_segment_rows: u64,
    /// Check only what changed since this earlier run (`--since DIR`).
    pub since: Option<Since>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tables: vec![],
            exclude: vec![],
            mode: Mode::Rows,
            relax: Relax::default(),
            ignore_columns: vec![],
            filter: None,
            leaf_rows: 10_000,
            fanout: 16,
            max_diffs: 1000,
            parallel: 4,
            retry: RetryPolicy {
                max_attempts: 3,
                base: Duration::from_millis(500),
                max: Duration::from_secs(10),
            },
            checkpoint: None,
            resume: false,
            queries: vec![],
            definitions: DefinitionMatch::default(),
            sample: None,
            budget: None,
            priority: Priority::Name,
            shard: None,
            segment_seconds: 5.0,
            first_segment_rows: 50_000,
            since: None,
        }
    }
}

impl Options {
    /// Each relaxation in force, worded for the report.
    pub fn relaxations(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.relax.trim_trailing_spaces {
            out.push("trailing spaces trimmed from text (RTRIM)".to_string());
        }
        if self.relax.case_insensitive {
            out.push("text compared case-insensitively (UPPER)".to_string());
        }
        if let Some(d) = self.relax.float_decimals {
            out.push(format!("floats rounded to {d} decimal places (ROUND)"));
        }
        for c in &self.ignore_columns {
            out.push(format!("column {c} ignored"));
        }
        if let Some(f) = &self.filter {
            out.push(format!("only rows WHERE {f}"));
        }
        if let Some(s) = &self.sample {
            out.push(s.describe());
        }
        out
    }

    /// Rows in the next segment of a table compared at `rate` rows/s so far: what one checksum
    /// query does in `segment_seconds`, at least `leaf_rows` (smaller segments cost round trips,
    /// not hashing), at most 50M.
    pub fn segment_rows(&self, rate: Option<f64>) -> u64 {
        let rows = match rate {
            None => self.first_segment_rows as f64,
            Some(r) => r * self.segment_seconds,
        };
        (rows.round() as u64).clamp(self.leaf_rows.max(1), 50_000_000)
    }

    /// The settings a checkpoint records (a resumed run must match them).
    pub fn settings(&self, source: &str, target: &str) -> Settings {
        Settings {
            source: source.into(),
            target: target.into(),
            mode: self.mode.name().into(),
            relaxations: self.relaxations(),
            tables: self.tables.clone(),
            exclude: self.exclude.clone(),
            leaf_rows: self.leaf_rows,
            fanout: self.fanout,
            max_diffs: self.max_diffs,
        }
    }

    /// The knobs of one table's comparison.
    pub(crate) fn tuning(&self) -> Tuning {
        Tuning {
            leaf_rows: self.leaf_rows,
            fanout: self.fanout,
            max_diffs: self.max_diffs,
            columns: self.mode == Mode::Rows,
        }
    }

    /// True when `table` is among `--tables` (every table when none) and not `--exclude`d.
    pub(crate) fn selected(&self, table: &str) -> bool {
        let hit = |p: &String| table_matches(p, table);
        (self.tables.is_empty() || self.tables.iter().any(hit)) && !self.exclude.iter().any(hit)
    }

    pub(crate) fn ignored(&self, table: &str, column: &str) -> bool {
        self.ignore_columns.iter().any(|spec| match spec.rsplit_once('.') {
            None => spec.eq_ignore_ascii_case(column),
            Some((t, c)) => {
                c.eq_ignore_ascii_case(column) && {
                    let (t, table) = (t.to_lowercase(), table.to_lowercase());
                    table == t || table.ends_with(&format!(".{t}"))
                }
            }
        })
    }
}

/// The earlier run a `--since` run starts from.
#[derive(Debug, Clone)]
pub struct Since {
    /// How the report names it (the folder given).
    pub label: String,
    pub report: Report,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_ignores() {
        let o = Options {
            tables: vec!["dbo.*".into(), "orders".into()],
            exclude: vec!["*log".into()],
            ignore_columns: vec!["orders.note".into(), "updated".into()],
            ..Default::default()
        };
        assert!(o.selected("dbo.customers") && o.selected("sales.orders") && !o.selected("sales.x"));
        assert!(!o.selected("dbo.auditlog"));
        assert!(
            o.ignored("sales.orders", "NOTE") && !o.ignored("dbo.x", "note") && o.ignored("dbo.x", "updated")
        );
    }
}
