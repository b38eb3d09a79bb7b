//! `--shard i/N`: one of N agents validates its share of the tables (an estate on Kubernetes:
//! an Indexed Job's `JOB_COMPLETION_INDEX` is `i`).
//!
//! Tables are dealt largest first, each to the shard with the fewest rows so far (ties to the
//! lowest index), using the source catalog's metadata row counts: every shard computes the same
//! assignment from the same catalog, with no coordinator. Each shard's report names the
//! assignment (`shard`: index, count and every table with the shard it went to), so merging the
//! shard reports (`cutover compare --validate DIR`, the gate's `[validate] report = "DIR"`) can
//! tell a table no shard validated — when the sizes moved between the shards' starts, say — from
//! one that passed: a missing table is never a pass.

use serde::{Deserialize, Serialize};

/// This run's share: `index` (0-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// What a sharded report records about the split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u64,
    pub count: u64,
    /// Every selected table, with the shard it was dealt to and the rows it was weighed by.
    pub assignment: Vec<Assigned>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assigned {
    pub table: String,
    pub shard: u64,
    pub rows: u64,
}

/// Deals `tables` (with their row counts) to `count` shards, largest first, each to the
/// lightest shard so far.
pub fn assign(tables: &[(String, u64)], count: u64) -> Vec<Assigned> {
    let count = count.max(1);
    let mut order: Vec<&(String, u64)> = tables.iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut load = vec![0u64; count as usize];
    let mut out: Vec<Assigned> = order
        .into_iter()
        .map(|(table, rows)| {
            let (shard, _) = load.iter().enumerate().min_by_key(|(i, l)| (**l, *i)).unwrap_or((0, &0));
            load[shard] += rows.max(&1);
            Assigned { table: table.clone(), shard: shard as u64, rows: *rows }
        })
        .collect();
    out.sort_by(|a, b| a.table.cmp(&b.table));
    out
}

impl Shard {
    /// This shard's tables and the assignment to record.
    pub fn split(&self, tables: &[(String, u64)]) -> (Vec<String>, ShardInfo) {
        let assignment = assign(tables, self.count);
        let mine = assignment.iter().filter(|a| a.shard == self.index).map(|a| a.table.clone()).collect();
        (mine, ShardInfo { index: self.index, count: self.count, assignment })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, rows: u64) -> (String, u64) {
        (name.to_string(), rows)
    }

    #[test]
    fn tables_are_dealt_largest_first_to_the_lightest_shard() {
        let tables = [t("a", 100), t("b", 90), t("c", 60), t("d", 50), t("e", 40), t("f", 5)];
        let shards: Vec<Vec<String>> =
            (0..3).map(|i| Shard { index: i, count: 3 }.split(&tables).0).collect();
        // a→0 (100), b→1 (90), c→2 (60), d→2 (110), e→1 (130), f→0 (105)
        assert_eq!(shards, [vec!["a", "f"], vec!["b", "e"], vec!["c", "d"]]);
        let all: usize = shards.iter().map(Vec::len).sum();
        assert_eq!(all, tables.len(), "every table in exactly one shard");
        let (_, info) = Shard { index: 1, count: 3 }.split(&tables);
        assert_eq!(info.assignment.iter().find(|a| a.table == "e").map(|a| a.shard), Some(1));
    }

    #[test]
    fn one_shard_takes_everything_and_empty_tables_still_spread() {
        let tables = [t("x", 0), t("y", 0), t("z", 0)];
        assert_eq!(Shard { index: 0, count: 1 }.split(&tables).0.len(), 3);
        let counts: Vec<usize> =
            (0..3).map(|i| Shard { index: i, count: 3 }.split(&tables).0.len()).collect();
        assert_eq!(counts, [1, 1, 1]);
    }
}
