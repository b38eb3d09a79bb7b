//! `--time-budget 45m` and `--priority`: which tables come first, and when a run stops starting
//! new work.
//!
//! When the budget ends no new table is opened and no new segment is carved; the segments
//! already running finish (each is sized to take a few seconds), and the report says which
//! tables and which key ranges were covered. A table or range that was not covered is never a
//! pass: its `coverage` check is `not_covered` and the verdict is `incomplete` (exit 2).

use crate::error::ValidateError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a run may start new work, measured on an injected clock.
#[derive(Clone)]
pub struct Budget {
    pub limit: Duration,
    /// Time since the run started (the wall clock in real runs, a counter in tests).
    elapsed: Arc<dyn Fn() -> Duration + Send + Sync>,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget").field("limit", &self.limit).finish_non_exhaustive()
    }
}

impl Budget {
    /// `limit` of wall-clock time from now.
    pub fn wall(limit: Duration) -> Budget {
        let start = Instant::now();
        Budget { limit, elapsed: Arc::new(move || start.elapsed()) }
    }

    /// `limit` measured by `elapsed` (tests drive it).
    pub fn with_clock(limit: Duration, elapsed: impl Fn() -> Duration + Send + Sync + 'static) -> Budget {
        Budget { limit, elapsed: Arc::new(elapsed) }
    }

    pub fn expired(&self) -> bool {
        (self.elapsed)() >= self.limit
    }

    /// How the report names it.
    pub fn describe(&self) -> String {
        format!("time budget {}", human(self.limit))
    }
}

/// `45m`, `1h 30m`, `90s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, sec) => format!("{m}m {sec}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

/// The order tables are taken in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Priority {
    /// By name (the default).
    #[default]
    Name,
    /// Most rows first (metadata row counts from the source catalog).
    LargestFirst,
    /// Tables matching these globs first, in this order; the rest by name.
    List(Vec<String>),
}

impl Priority {
    /// `largest-first`, `name`, or a comma-separated list of table globs.
    pub fn parse(text: &str) -> Result<Priority, ValidateError> {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "" => Err(ValidateError::Priority { value: text.into() }),
            "largest-first" | "largest" => Ok(Priority::LargestFirst),
            "name" => Ok(Priority::Name),
            _ => Ok(Priority::List(
                t.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
            )),
        }
    }

    /// `tables` (sorted by name) in this priority's order; `rows` gives a table's size.
    pub fn order(&self, mut tables: Vec<String>, rows: &dyn Fn(&str) -> u64) -> Vec<String> {
        match self {
            Priority::Name => tables,
            Priority::LargestFirst => {
                tables.sort_by_key(|t| std::cmp::Reverse(rows(t)));
                tables
            }
            Priority::List(globs) => {
                let rank = |t: &String| {
                    globs.iter().position(|g| crate::pattern::table_matches(g, t)).unwrap_or(globs.len())
                };
                tables.sort_by_key(rank);
                tables
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Priority::Name => "by name".into(),
            Priority::LargestFirst => "largest first".into(),
            Priority::List(g) => format!("{} first, then by name", g.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn priorities_order_tables() {
        let tables: Vec<String> = ["dbo.a", "dbo.b", "dbo.c", "sales.d"].map(String::from).to_vec();
        let rows = |t: &str| match t {
            "dbo.b" => 500,
            "sales.d" => 900,
            _ => 10,
        };
        assert_eq!(
            Priority::parse("largest-first").unwrap().order(tables.clone(), &rows)[..2],
            ["sales.d", "dbo.b"]
        );
        let listed = Priority::parse("d, dbo.c").unwrap();
        assert_eq!(listed, Priority::List(vec!["d".into(), "dbo.c".into()]));
        assert_eq!(listed.order(tables.clone(), &rows), ["sales.d", "dbo.c", "dbo.a", "dbo.b"]);
        assert_eq!(Priority::Name.order(tables.clone(), &rows), tables);
        assert!(Priority::parse(" ").is_err());
    }

    #[test]
    fn a_budget_expires_on_its_clock() {
        let ticks = Arc::new(AtomicU64::new(0));
        let t = Arc::clone(&ticks);
        let b =
            Budget::with_clock(Duration::from_secs(3), move || Duration::from_secs(t.load(Ordering::SeqCst)));
        assert!(!b.expired());
        ticks.store(3, Ordering::SeqCst);
        assert!(b.expired());
        assert_eq!(human(Duration::from_secs(45 * 60)), "45m");
        assert_eq!(human(Duration::from_secs(5400)), "1h 30m");
        assert_eq!(human(Duration::from_secs(90)), "1m 30s");
    }
}
