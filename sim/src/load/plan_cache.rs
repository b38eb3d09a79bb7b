//! The plan cache: one entry per statement text (a miss is a compilation), carrying the query
//! stats sys.dm_exec_query_stats reports for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use sha1::{Digest, Sha1};

/// total / last / min / max of one measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    pub total: i64,
    pub last: i64,
    pub min: i64,
    pub max: i64,
}

impl Measure {
    fn add(&mut self, v: i64, first: bool) {
        self.total += v;
        self.last = v;
        self.min = if first { v } else { self.min.min(v) };
        self.max = if first { v } else { self.max.max(v) };
    }
}

/// One cached statement and its stats.
#[derive(Clone, Debug)]
pub struct QueryStat {
    pub text: Arc<str>,
    pub database_id: i64,
    pub sql_handle: Vec<u8>,
    pub plan_handle: Vec<u8>,
    pub query_hash: [u8; 8],
    pub query_plan_hash: [u8; 8],
    pub creation_time: NaiveDateTime,
    pub last_execution_time: NaiveDateTime,
    pub execution_count: i64,
    pub worker_us: Measure,
    pub physical_reads: Measure,
    pub logical_writes: Measure,
    pub logical_reads: Measure,
    pub elapsed_us: Measure,
    pub rows: Measure,
}

/// What one execution cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct Execution {
    pub worker_us: i64,
    pub physical_reads: i64,
    pub logical_writes: i64,
    pub logical_reads: i64,
    pub elapsed_us: i64,
    pub rows: i64,
}

#[derive(Debug, Default)]
pub struct PlanCache {
    entries: Mutex<HashMap<u64, QueryStat>>,
}

impl PlanCache {
    /// Looks the statement up by its text hash; returns true when it had to be compiled.
    pub fn execute(
        &self,
        key: u64,
        text: &str,
        database_id: i64,
        now: NaiveDateTime,
        run: Execution,
    ) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let mut compiled = false;
        let entry = entries.entry(key).or_insert_with(|| {
            compiled = true;
            new_entry(text, database_id, now)
        });
        let first = entry.execution_count == 0;
        entry.execution_count += 1;
        entry.last_execution_time = now;
        entry.worker_us.add(run.worker_us, first);
        entry.physical_reads.add(run.physical_reads, first);
        entry.logical_writes.add(run.logical_writes, first);
        entry.logical_reads.add(run.logical_reads, first);
        entry.elapsed_us.add(run.elapsed_us, first);
        entry.rows.add(run.rows, first);
        compiled
    }

    /// Every cached statement.
    pub fn snapshot(&self) -> Vec<QueryStat> {
        let mut v: Vec<QueryStat> =
            self.entries.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
        v.sort_by(|a, b| a.creation_time.cmp(&b.creation_time).then(a.sql_handle.cmp(&b.sql_handle)));
        v
    }

    /// The text behind a sql_handle.
    pub fn text_of(&self, sql_handle: &[u8]) -> Option<Arc<str>> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .find(|e| e.sql_handle == sql_handle)
            .map(|e| e.text.clone())
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn new_entry(text: &str, database_id: i64, now: NaiveDateTime) -> QueryStat {
    let digest = Sha1::digest(text.as_bytes());
    let mut sql_handle = vec![0x02, 0, 0, 0];
    sql_handle.extend_from_slice(&digest);
    sql_handle.extend_from_slice(&[0; 20]);
    let mut plan_handle = vec![0x06, 0, 0x05, 0];
    plan_handle.extend_from_slice(&digest);
    plan_handle.extend_from_slice(&[0; 20]);
    let shape = normalise(text);
    let qh = super::buffer_pool::text_hash(&shape).to_be_bytes();
    let ph = super::buffer_pool::mix(u64::from_be_bytes(qh)).to_be_bytes();
    QueryStat {
        text: Arc::from(text),
        database_id,
        sql_handle,
        plan_handle,
        query_hash: qh,
        query_plan_hash: ph,
        creation_time: now,
        last_execution_time: now,
        execution_count: 0,
        worker_us: Measure::default(),
        physical_reads: Measure::default(),
        logical_writes: Measure::default(),
        logical_reads: Measure::default(),
        elapsed_us: Measure::default(),
        rows: Measure::default(),
    }
}

/// The query's shape: literals replaced, case and spacing folded (query_hash is the same for
/// statements that differ only in literal values, as SQL Server's is).
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut last_space = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            while let Some(n) = chars.next() {
                if n == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            out.push('?');
            last_space = false;
        } else if c.is_ascii_digit() && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_') {
            while chars.peek().is_some_and(|n| n.is_ascii_digit() || *n == '.') {
                chars.next();
            }
            out.push('?');
            last_space = false;
        } else if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c.to_ascii_lowercase());
            last_space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn literals_do_not_change_the_shape() {
        assert_eq!(
            super::normalise("SELECT * FROM t WHERE id = 42"),
            super::normalise("select *  from t where id = 7")
        );
        assert_ne!(super::normalise("SELECT a FROM t1"), super::normalise("SELECT a FROM t2"));
    }
}
