//! The plan cache: one entry per statement of a batch (a miss is a compilation), carrying the
//! query stats sys.dm_exec_query_stats reports for it. As in SQL Server, `sql_handle` names the
//! whole batch text as sent (comments included) and each statement is located in it by
//! `statement_start_offset`/`statement_end_offset`, byte offsets into the text as UTF-16;
//! `query_hash` comes from the statement alone, so the same statement in two batches shares it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use sha1::{Digest, Sha1};

use super::buffer_pool::{mix, text_hash};
use crate::engine::runtime::lexer::{self, Kind};

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

/// One statement of a batch as the plan cache sees it: the batch text exactly as sent (its
/// hash computed once per batch) and the statement's byte range in it.
#[derive(Clone, Copy, Debug)]
pub struct Statement<'a> {
    pub batch: &'a str,
    pub batch_hash: u64,
    pub start: usize,
    pub end: usize,
}

impl<'a> Statement<'a> {
    /// A statement spanning `span` (bytes) of `batch`; `batch_hash` is `text_hash(batch)`.
    pub fn new(batch: &'a str, batch_hash: u64, span: std::ops::Range<usize>) -> Self {
        let end = span.end.min(batch.len());
        Statement { batch, batch_hash, start: span.start.min(end), end }
    }

    /// The plan-cache key: the batch and the statement's place in it.
    pub fn key(&self) -> u64 {
        mix(self.batch_hash ^ mix(((self.start as u64) << 32) ^ self.end as u64))
    }

    /// The statement's text as sent.
    pub fn text(&self) -> &'a str {
        self.batch.get(self.start..self.end).unwrap_or("")
    }
}

/// One cached statement and its stats. `text` is its batch's whole text (what
/// sys.dm_exec_sql_text returns for `sql_handle`); the statement is the part the offsets name.
#[derive(Clone, Debug)]
pub struct QueryStat {
    pub key: u64,
    pub text: Arc<str>,
    /// Byte offset of the statement in `text` encoded as UTF-16 (2 × its character index).
    pub statement_start_offset: i64,
    /// UTF-16 byte offset of the statement's last character; -1 when it runs to the end.
    pub statement_end_offset: i64,
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

/// A cached batch: its text (shared by its statements' entries) and handles.
#[derive(Debug)]
struct Batch {
    text: Arc<str>,
    ascii: bool,
    sql_handle: Vec<u8>,
    plan_handle: Vec<u8>,
}

#[derive(Debug, Default)]
struct Entries {
    statements: HashMap<u64, QueryStat>,
    batches: HashMap<u64, Batch>,
}

#[derive(Debug, Default)]
pub struct PlanCache {
    entries: Mutex<Entries>,
}

impl PlanCache {
    /// Looks the statement up by `key` (see [`Statement::key`]); returns true when it had to
    /// be compiled.
    pub fn execute(
        &self,
        key: u64,
        statement: &Statement<'_>,
        database_id: i64,
        now: NaiveDateTime,
        run: Execution,
    ) -> bool {
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let Entries { statements, batches } = &mut *guard;
        let mut compiled = false;
        let entry = statements.entry(key).or_insert_with(|| {
            compiled = true;
            let batch = batches.entry(statement.batch_hash).or_insert_with(|| new_batch(statement.batch));
            new_entry(key, batch, statement, database_id, now)
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
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<QueryStat> = guard.statements.values().cloned().collect();
        v.sort_by(|a, b| {
            a.creation_time
                .cmp(&b.creation_time)
                .then(a.sql_handle.cmp(&b.sql_handle))
                .then(a.statement_start_offset.cmp(&b.statement_start_offset))
        });
        v
    }

    /// The batch text behind a sql_handle.
    pub fn text_of(&self, sql_handle: &[u8]) -> Option<Arc<str>> {
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard.batches.values().find(|b| b.sql_handle == sql_handle).map(|b| b.text.clone())
    }

    /// Cached statements.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).statements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A batch's handles: SQL Server's sql_handle is a hash of the batch text.
fn new_batch(text: &str) -> Batch {
    let digest = Sha1::digest(text.as_bytes());
    let mut sql_handle = vec![0x02, 0, 0, 0];
    sql_handle.extend_from_slice(&digest);
    sql_handle.extend_from_slice(&[0; 20]);
    let mut plan_handle = vec![0x06, 0, 0x05, 0];
    plan_handle.extend_from_slice(&digest);
    plan_handle.extend_from_slice(&[0; 20]);
    Batch { text: Arc::from(text), ascii: text.is_ascii(), sql_handle, plan_handle }
}

/// The UTF-16 byte offset of byte `at` of the batch.
fn utf16_offset(batch: &Batch, at: usize) -> i64 {
    let units = if batch.ascii { at } else { batch.text[..at].encode_utf16().count() };
    2 * units as i64
}

fn new_entry(
    key: u64,
    batch: &Batch,
    statement: &Statement<'_>,
    database_id: i64,
    now: NaiveDateTime,
) -> QueryStat {
    let shape = normalise(statement.text());
    let qh = text_hash(&shape).to_be_bytes();
    let ph = mix(u64::from_be_bytes(qh)).to_be_bytes();
    let rest = &statement.batch[statement.end..];
    let to_the_end = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';').is_empty();
    let last_char = statement.text().chars().next_back().map_or(0, char::len_utf16) as i64;
    QueryStat {
        key,
        text: batch.text.clone(),
        statement_start_offset: utf16_offset(batch, statement.start),
        statement_end_offset: if to_the_end {
            -1
        } else {
            utf16_offset(batch, statement.end) - 2 * last_char
        },
        database_id,
        sql_handle: batch.sql_handle.clone(),
        plan_handle: batch.plan_handle.clone(),
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
/// statements that differ only in literal values, as SQL Server's is). Tokens come from the
/// simulator's one lexer, so a quote inside a `[name]` or a comment is not a literal.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for s in lexer::spans(text) {
        match s.kind {
            Kind::Str | Kind::Num => out.push('?'),
            Kind::Space => out.push(' '),
            _ => out.push_str(&text[s.start..s.end].to_ascii_lowercase()),
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
