//! The run's work, shared by its workers: tables in priority order, each opened once (schema,
//! counts, watermarks, see [`crate::table`]) and then carved into segments that any worker
//! takes, so one large table is compared by every worker at once.
//!
//! A segment is carved from the source in its own key order (`OFFSET n ROWS FETCH NEXT 1`
//! from the previous segment's end), one carve at a time per table; its size is what one
//! checksum query does in `segment_seconds` at the rows/s measured on that table so far. A
//! segment whose checksums differ is bisected and merged by the worker that took it. Segments
//! are retried after a transient error; a table whose segment failed for good is `error`.
//!
//! When the time budget ends, no table is opened and no segment carved; the segments running
//! finish. Tables then keep the ranges they covered (`coverage`), and what was not covered is
//! `not_covered`. Every lock here is held only between awaits (the workers are futures of one
//! task), except the per-table carve lock, which is async.

use crate::catalog::Schema;
use crate::checkpoint::Checkpoint;
use crate::checks::{check, finish_checksum};
use crate::compare::{Outcome, Sides, Tuning, bisect};
use crate::error::ValidateError;
use crate::options::Options;
use crate::plan::{Range, TablePlan};
use crate::progress::{Progress, Rate};
use crate::report::{BudgetInfo, Check, Coverage, Stats, Status, TableReport, status_word};
use crate::table::{Opened, open, reconnect};
use cutover_mssql::Connection;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Everything the workers share.
pub(crate) struct Run<'a> {
    s: &'a Schema,
    t: &'a Schema,
    opts: &'a Options,
    jobs: Vec<Job>,
    checkpoint: Mutex<Option<Checkpoint>>,
    stats: Mutex<Stats>,
    progress: Mutex<&'a mut dyn Progress>,
}

struct Job {
    name: String,
    state: Mutex<State>,
    carve: tokio::sync::Mutex<()>,
}

enum State {
    Waiting,
    Opening,
    Open(Box<Segmented>),
    Done(Box<TableReport>),
}

/// A keyed table being compared segment by segment.
struct Segmented {
    tr: TableReport,
    plan: TablePlan,
    tune: Tuning,
    rows_total: u64,
    /// Where the next segment starts (`Some(None)`: the table's start); `None` once the last
    /// segment was carved.
    next: Option<Option<Vec<String>>>,
    seq: u64,
    in_flight: usize,
    /// (carve order, range, source rows) of the segments compared.
    covered: Vec<(u64, Range, u64)>,
    found: Outcome,
    matched: bool,
    error: Option<String>,
    retried: Vec<String>,
    rate: Rate,
    stats: Stats,
    started: Instant,
}

/// What a worker does next.
enum Unit<'j> {
    Open(usize),
    Segment(usize, tokio::sync::MutexGuard<'j, ()>),
    /// Nothing now, but another worker may make more (opening a table, carving one).
    Wait,
    Done,
}

/// The tables and totals once every worker has stopped.
pub(crate) struct Finished {
    pub tables: Vec<TableReport>,
    pub stats: Stats,
    pub budget: BudgetInfo,
}

impl<'a> Run<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        s: &'a Schema,
        t: &'a Schema,
        opts: &'a Options,
        names: Vec<String>,
        mut done: BTreeMap<String, TableReport>,
        checkpoint: Option<Checkpoint>,
        stats: Stats,
        progress: &'a mut dyn Progress,
    ) -> Run<'a> {
        let jobs = names
            .into_iter()
            .map(|name| {
                let state = match done.remove(&name) {
                    Some(tr) => State::Done(Box::new(tr)),
                    None => State::Waiting,
                };
                Job { name, state: Mutex::new(state), carve: tokio::sync::Mutex::new(()) }
            })
            .collect();
        Run {
            s,
            t,
            opts,
            jobs,
            checkpoint: Mutex::new(checkpoint),
            stats: Mutex::new(stats),
            progress: Mutex::new(progress),
        }
    }

    pub(crate) fn message(&self, text: &str) {
        lock(&self.progress).message(text);
    }

    fn expired(&self) -> bool {
        self.opts.budget.as_ref().is_some_and(|b| b.expired())
    }

    /// The next unit of work: a segment of an open table (in priority order) before a new table.
    fn next_unit(&self) -> Unit<'_> {
        let expired = self.expired();
        let mut busy = false;
        for (i, job) in self.jobs.iter().enumerate() {
            match &*lock(&job.state) {
                State::Opening => busy = true,
                State::Open(seg) if seg.next.is_some() && seg.error.is_none() && !expired => {
                    match job.carve.try_lock() {
                        Ok(guard) => return Unit::Segment(i, guard),
                        Err(_) => busy = true,
                    }
                }
                _ => {}
            }
        }
        if !expired {
            for (i, job) in self.jobs.iter().enumerate() {
                let mut state = lock(&job.state);
                if matches!(*state, State::Waiting) {
                    *state = State::Opening;
                    return Unit::Open(i);
                }
            }
        }
        if busy { Unit::Wait } else { Unit::Done }
    }

    fn add_stats(&self, st: &Stats) {
        let mut all = lock(&self.stats);
        all.queries += st.queries;
        all.rows_received += st.rows_received;
    }

    /// Records a finished table: the checkpoint (unless it could not be checked or covered)
    /// and the progress line.
    fn finished(&self, i: usize, tr: TableReport, st: &Stats) -> Result<(), ValidateError> {
        let status = tr.status();
        if !matches!(status, Status::Error | Status::NotCovered)
            && let Some(cp) = lock(&self.checkpoint).as_mut()
        {
            cp.finish(tr.clone(), st.queries, st.rows_received)?;
        }
        lock(&self.progress).table_finished(&tr.table, status_word(status));
        *lock(&self.jobs[i].state) = State::Done(Box::new(tr));
        Ok(())
    }

    /// Every table's report (tables the budget left unopened say so) and the totals.
    pub(crate) fn finish(&self) -> Result<Finished, ValidateError> {
        let mut tables = Vec::new();
        let (mut complete, mut partial, mut not_started) = (0u64, 0u64, 0u64);
        for job in &self.jobs {
            let state = std::mem::replace(&mut *lock(&job.state), State::Waiting);
            let tr = match state {
                State::Done(tr) => *tr,
                State::Open(seg) => {
                    let tr = seg.into_report(self.opts, true);
                    lock(&self.progress).table_finished(&tr.table, status_word(tr.status()));
                    tr
                }
                State::Waiting | State::Opening => not_covered(&job.name, self.opts),
            };
            match tr.coverage.as_ref() {
                Some(c) if !c.complete && c.rows_covered > 0 => partial += 1,
                Some(c) if !c.complete => not_started += 1,
                _ => complete += 1,
            }
            tables.push(tr);
        }
        tables.sort_by(|a, b| a.table.cmp(&b.table));
        let exhausted = partial + not_started > 0;
        let budget = BudgetInfo {
            limit: self.opts.budget.as_ref().map_or_else(|| "no time budget".into(), |b| b.describe()),
            priority: self.opts.priority.describe(),
            exhausted,
            tables_complete: complete,
            tables_partial: partial,
            tables_not_started: not_started,
        };
        Ok(Finished { tables, stats: lock(&self.stats).clone(), budget })
    }
}

/// A table the budget ended before: nothing of it was compared.
fn not_covered(name: &str, opts: &Options) -> TableReport {
    let why = match &opts.budget {
        Some(b) => format!("not started: the {} ended first", b.describe()),
        None => "not started".to_string(),
    };
    let mut tr = TableReport::new(name);
    tr.checks.push(Check { details: vec![why], ..check("coverage", Status::NotCovered) });
    tr.coverage = Some(Coverage { complete: false, rows_covered: 0, rows_total: 0, ranges: vec![] });
    tr
}

impl Segmented {
    fn new(tr: TableReport, plan: TablePlan, tune: Tuning, rows_total: u64) -> Segmented {
        Segmented {
            tr,
            plan,
            tune,
            rows_total,
            next: Some(None),
            seq: 0,
            in_flight: 0,
            covered: vec![],
            found: Outcome::default(),
            matched: true,
            error: None,
            retried: vec![],
            rate: Rate::default(),
            stats: Stats::default(),
            started: Instant::now(),
        }
    }

    fn finished(&self) -> bool {
        self.in_flight == 0 && (self.next.is_none() || self.error.is_some())
    }

    /// The covered ranges in key order, adjacent segments merged.
    fn ranges(&self) -> Vec<Range> {
        let mut segs: Vec<&(u64, Range, u64)> = self.covered.iter().collect();
        segs.sort_by_key(|(seq, _, _)| *seq);
        let mut out: Vec<(u64, Range)> = Vec::new();
        for (seq, r, _) in segs {
            match out.last_mut() {
                Some((last, merged)) if *last + 1 == *seq => {
                    merged.hi = r.hi.clone();
                    *last = *seq;
                }
                _ => out.push((*seq, r.clone())),
            }
        }
        out.into_iter().map(|(_, r)| r).collect()
    }

    /// The table's final report. `stopped`: the run ended (budget) with the table unfinished.
    fn into_report(self, opts: &Options, stopped: bool) -> TableReport {
        let complete = self.next.is_none() && self.error.is_none();
        let rows_covered: u64 = self.covered.iter().map(|(_, _, n)| n).sum();
        let ranges = self.ranges();
        let mut tr = self.tr;
        let mut found = self.found;
        found.differences.sort();
        found.differences.truncate(self.tune.max_diffs);
        tr.segments_compared += found.segments;
        tr.rows_merged += found.rows_merged;
        tr.differences = found.differences;
        tr.differences_total = found.total;
        tr.seconds = self.started.elapsed().as_secs_f64();
        let differs = !self.matched || found.total > 0;
        let status = match (&self.error, differs, complete) {
            (Some(_), _, _) => Status::Error,
            (None, true, _) => Status::Fail,
            (None, false, true) => Status::Pass,
            (None, false, false) => Status::NotCovered,
        };
        let mut c = check("checksum", status);
        c.details.extend(self.error.iter().cloned());
        if !self.matched && found.total == 0 {
            c.details.push("segment checksums differ but no row difference was isolated".into());
        }
        c.details.extend(self.retried.iter().map(|e| format!("retried after a transient error: {e}")));
        finish_checksum(&mut tr, c);
        let many = self.seq > 1 || opts.budget.is_some();
        if many || !complete {
            tr.coverage = Some(Coverage { complete, rows_covered, rows_total: self.rows_total, ranges });
        }
        if !complete && self.error.is_none() {
            let why = if stopped {
                opts.budget
                    .as_ref()
                    .map_or_else(|| "the run stopped".into(), |b| format!("the {} ended", b.describe()))
            } else {
                "the run stopped".into()
            };
            let line = tr.coverage_line().unwrap_or_default();
            tr.checks.push(Check {
                details: vec![format!("{why}: {line}")],
                ..check("coverage", Status::NotCovered)
            });
        }
        tr
    }
}

/// Takes units until there are none: opens tables, compares segments.
pub(crate) async fn worker(
    src: &mut Connection,
    tgt: &mut Connection,
    run: &Run<'_>,
) -> Result<(), ValidateError> {
    loop {
        match run.next_unit() {
            // Boxed: their state machines are large, and a debug build's stack is not.
            Unit::Open(i) => Box::pin(open_job(src, tgt, run, i)).await?,
            Unit::Segment(i, guard) => Box::pin(segment(src, tgt, run, i, guard)).await?,
            Unit::Wait => tokio::time::sleep(Duration::from_millis(5)).await,
            Unit::Done => return Ok(()),
        }
    }
}

async fn open_job(
    src: &mut Connection,
    tgt: &mut Connection,
    run: &Run<'_>,
    i: usize,
) -> Result<(), ValidateError> {
    let name = run.jobs[i].name.clone();
    run.message(&format!("[{}/{}] {name}", i + 1, run.jobs.len()));
    let mut st = Stats::default();
    let opened = Box::pin(open(src, tgt, run.s, run.t, &name, run.opts, &mut st)).await;
    run.add_stats(&st);
    match opened {
        Opened::Done(tr) => run.finished(i, tr, &st),
        Opened::Segmented { tr, plan, tune, rows } => {
            lock(&run.progress).table_started(&name, rows);
            let mut seg = Segmented::new(tr, plan, tune, rows);
            seg.stats = st;
            *lock(&run.jobs[i].state) = State::Open(Box::new(seg));
            Ok(())
        }
    }
}

/// What one segment's comparison found.
struct Compared {
    same: bool,
    /// Source rows in the segment, and how long its checksum query took.
    rows: u64,
    seconds: f64,
}

/// Carves the next segment of table `i` (holding its carve lock), compares it, records it.
async fn segment(
    src: &mut Connection,
    tgt: &mut Connection,
    run: &Run<'_>,
    i: usize,
    guard: tokio::sync::MutexGuard<'_, ()>,
) -> Result<(), ValidateError> {
    let job = &run.jobs[i];
    let (lo, size, plan, tune, total) = {
        let state = lock(&job.state);
        let State::Open(seg) = &*state else { return Ok(()) };
        let Some(lo) = seg.next.clone() else { return Ok(()) };
        let total = seg.found.total;
        (lo, run.opts.segment_rows(seg.rate.get()), seg.plan.clone(), seg.tune.clone(), total)
    };
    let mut retried = Vec::new();
    let mut st = Stats::default();
    let carved = with_retries(src, tgt, run, &job.name, &mut retried, &mut st, async |sides| {
        carve(sides, &plan, &lo, size).await
    })
    .await;
    let seq = {
        let mut state = lock(&job.state);
        let State::Open(seg) = &mut *state else { return Ok(()) };
        seg.retried.append(&mut retried);
        match &carved {
            Ok(hi) => seg.next = hi.clone().map(Some),
            Err(e) => seg.error = Some(cutover_mssql::one_line(e)),
        }
        seg.in_flight += 1;
        seg.seq += 1;
        seg.seq - 1
    };
    drop(guard);
    let range = Range { lo, hi: carved.unwrap_or(None) };
    let mut out = Outcome { total, ..Outcome::default() };
    let compared = if lock(&job.state).is_failed() {
        Err(None)
    } else {
        with_retries(src, tgt, run, &job.name, &mut retried, &mut st, async |sides| {
            sides.out.total = total;
            let r = compare_segment(sides, &plan, &range, &tune).await;
            out = sides.out.take_findings();
            r
        })
        .await
        .map_err(Some)
    };
    run.add_stats(&st);
    let mut state = lock(&job.state);
    let State::Open(seg) = &mut *state else { return Ok(()) };
    seg.in_flight -= 1;
    seg.retried.append(&mut retried);
    seg.stats.queries += st.queries;
    seg.stats.rows_received += st.rows_received;
    match compared {
        Ok(c) => {
            seg.matched &= c.same;
            seg.found.total += out.total - total;
            seg.found.segments += out.segments;
            seg.found.rows_merged += out.rows_merged;
            seg.found.differences.extend(out.differences);
            if seg.found.differences.len() > 4 * seg.tune.max_diffs.max(1) {
                seg.found.differences.sort();
                seg.found.differences.truncate(seg.tune.max_diffs);
            }
            if c.same {
                seg.rate.observe(c.rows, c.seconds);
            }
            seg.covered.push((seq, range, c.rows));
            lock(&run.progress).rows_done(&job.name, c.rows);
        }
        Err(Some(e)) => seg.error = Some(cutover_mssql::one_line(&e)),
        Err(None) => {}
    }
    if seg.finished() {
        let State::Open(seg) = std::mem::replace(&mut *state, State::Opening) else { return Ok(()) };
        drop(state);
        let st = seg.stats.clone();
        let tr = seg.into_report(run.opts, false);
        return run.finished(i, tr, &st);
    }
    Ok(())
}

impl State {
    fn is_failed(&self) -> bool {
        matches!(self, State::Open(seg) if seg.error.is_some())
    }
}

/// Runs `f` on both connections, reconnecting and retrying after a transient error as the
/// retry policy allows; each retry is named in `retried`.
async fn with_retries<T>(
    src: &mut Connection,
    tgt: &mut Connection,
    run: &Run<'_>,
    table: &str,
    retried: &mut Vec<String>,
    st: &mut Stats,
    mut f: impl AsyncFnMut(&mut Sides<'_>) -> Result<T, ValidateError>,
) -> Result<T, ValidateError> {
    let mut attempt = 1u32;
    loop {
        let mut sides =
            Sides { src: &mut *src, tgt: &mut *tgt, table: table.to_string(), out: Outcome::default() };
        let result = f(&mut sides).await;
        st.queries += sides.out.queries;
        st.rows_received += sides.out.rows_received;
        let e = match result {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        reconnect(src, tgt).await;
        if !e.is_retryable() || attempt >= run.opts.retry.max_attempts {
            return Err(e);
        }
        retried.push(cutover_mssql::one_line(&e));
        tokio::time::sleep(run.opts.retry.ceiling(attempt - 1)).await;
        attempt += 1;
    }
}

/// The exclusive end of a segment of `rows` rows from `lo`, in the source's key order (`None`:
/// fewer rows remain, the segment runs to the table's end).
async fn carve(
    sides: &mut Sides<'_>,
    plan: &TablePlan,
    lo: &Option<Vec<String>>,
    rows: u64,
) -> Result<Option<Vec<String>>, ValidateError> {
    let sql = plan.carve_sql(lo, rows);
    let server = sides.src.target().to_string();
    let found = sides.src.query_rows(&sql, &[]).await.map_err(|e| ValidateError::Query {
        server,
        table: sides.table.clone(),
        source: Box::new(e),
    })?;
    sides.out.queries += 1;
    sides.out.rows_received += found.len() as u64;
    Ok(found.first().map(|r| (0..plan.key.len()).map(|i| crate::cells::text_or_empty(r, i)).collect()))
}

/// Checksums of one segment on both sides, bisected down to its differing rows when they differ.
async fn compare_segment(
    sides: &mut Sides<'_>,
    plan: &TablePlan,
    range: &Range,
    tune: &Tuning,
) -> Result<Compared, ValidateError> {
    let started = Instant::now();
    let (a, b) = sides.checksums(plan, range).await?;
    let seconds = started.elapsed().as_secs_f64();
    if a != b {
        bisect(sides, plan, range.clone(), a, b, tune).await?;
    }
    Ok(Compared { same: a == b, rows: a.count, seconds })
}
