//! One validation run: read both catalogs, pick the tables, and per table compare the schema,
//! the row counts (exact and metadata) and the contents.

use crate::catalog::{Schema, read_schema};
use crate::checkpoint::{Checkpoint, Settings};
use crate::compare::{Sides, Tuning, compare_bag, compare_keyed};
use crate::encoding::Relax;
use crate::error::ValidateError;
use crate::objects::DefinitionMatch;
use crate::plan::{Range, TablePlan};
use crate::queries::{NamedQuery, run_all};
use crate::report::{Check, Report, SCHEMA_VERSION, Stats, Status, TableReport, Verdict};
use crate::sample::Sample;
use crate::sample::compare_sampled;
use crate::schema_diff::{database_differences, table_differences};
use cutover_mssql::{Connection, RetryPolicy};
use futures_util::future::join_all;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

    fn selected(&self, table: &str) -> bool {
        let hit = |p: &String| {
            let target =
                if p.contains('.') { table } else { table.split_once('.').map_or(table, |(_, t)| t) };
            glob(&p.to_lowercase(), &target.to_lowercase())
        };
        (self.tables.is_empty() || self.tables.iter().any(hit)) && !self.exclude.iter().any(hit)
    }

    fn ignored(&self, table: &str, column: &str) -> bool {
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

/// `*` and `?` wildcards.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((c, rest)) => t.split_first().is_some_and(|(tc, tr)| (*c == '?' || c == tc) && go(rest, tr)),
        }
    }
    go(&pattern.chars().collect::<Vec<_>>(), &text.chars().collect::<Vec<_>>())
}

fn check(name: &str, status: Status) -> Check {
    Check { check: name.into(), status, source: None, target: None, details: vec![] }
}

fn tables(src: &Schema, tgt: &Schema, opts: &Options) -> Result<Vec<String>, ValidateError> {
    let names: BTreeSet<&String> =
        src.tables.keys().chain(tgt.tables.keys()).filter(|t| opts.selected(t)).collect();
    if names.is_empty() {
        return Err(ValidateError::NoTables { patterns: opts.tables.clone() });
    }
    Ok(names.into_iter().cloned().collect())
}

/// Validates every selected table of the target against the source.
///
/// Tables run on `opts.parallel` workers, each with its own connection per side (the first
/// worker uses `src` and `tgt`); with `opts.checkpoint` each finished table is written to the
/// checkpoint, and with `opts.resume` the tables already there are taken from it.
pub async fn validate(
    src: &mut Connection,
    tgt: &mut Connection,
    opts: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, ValidateError> {
    let started = Instant::now();
    let (s, t) = tokio::join!(read_schema(src), read_schema(tgt));
    let (s, t) = (s?, t?);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: format!("cutover validate {}", env!("CARGO_PKG_VERSION")),
        source: src.target().to_string(),
        target: tgt.target().to_string(),
        mode: opts.mode.name().into(),
        relaxations: opts.relaxations(),
        verdict: Verdict::Incomplete,
        database: vec![],
        tables: vec![],
        queries: vec![],
        stats: Stats::default(),
    };
    let db = database_differences(&s, &t);
    let status = if db.is_empty() { Status::Pass } else { Status::Fail };
    report.database.push(Check { details: db, ..check("database settings", status) });
    report.database.push(crate::objects::check_both(src, tgt, opts.definitions, &|n| opts.selected(n)).await);
    let names = tables(&s, &t, opts)?;
    let settings = opts.settings(&report.source, &report.target);
    let checkpoint = match (&opts.checkpoint, opts.resume) {
        (Some(path), true) => Some(Checkpoint::resume(path, &settings)?),
        (Some(path), false) => Some(Checkpoint::start(path, settings)?),
        (None, true) => return Err(ValidateError::ResumeWithoutOut),
        (None, false) => None,
    };
    let mut results: BTreeMap<String, TableReport> = BTreeMap::new();
    if let Some(cp) = &checkpoint {
        results.extend(names.iter().filter_map(|n| cp.get(n)).map(|t| (t.table.clone(), t.clone())));
        report.stats.queries = cp.stats.queries;
        report.stats.rows_received = cp.stats.rows_received;
        if opts.resume {
            progress(&format!("resuming: {} of {} table(s) already done", results.len(), names.len()));
        }
    }
    let queue: VecDeque<(usize, String)> =
        names.iter().cloned().enumerate().filter(|(_, n)| !results.contains_key(n)).collect();
    let workers = opts.parallel.max(1).min(queue.len().max(1));
    let ctx = Shared {
        s: &s,
        t: &t,
        opts,
        total: names.len(),
        queue: Mutex::new(queue),
        results: Mutex::new(results),
        checkpoint: Mutex::new(checkpoint),
        stats: Mutex::new(std::mem::take(&mut report.stats)),
        progress: Mutex::new(progress),
    };
    let mut extra = Vec::new();
    for opened in join_all((1..workers).map(|_| open_pair(src, tgt))).await {
        match opened {
            Ok(pair) => extra.push(pair),
            Err(e) => lock(&ctx.progress)(&format!(
                "running with fewer workers: could not open another connection: {}",
                cutover_mssql::one_line(&e)
            )),
        }
    }
    let mut runs = vec![worker(src, tgt, &ctx)];
    runs.extend(extra.iter_mut().map(|(a, b)| worker(a, b, &ctx)));
    let outcomes = join_all(runs).await;
    outcomes.into_iter().collect::<Result<Vec<()>, _>>()?;
    report.tables = ctx.results.into_inner().unwrap_or_else(|p| p.into_inner()).into_values().collect();
    report.stats = ctx.stats.into_inner().unwrap_or_else(|p| p.into_inner());
    report.queries = run_all(src, tgt, &opts.queries, opts.max_diffs).await;
    report.stats.queries += 2 * opts.queries.len() as u64;
    report.stats.seconds = started.elapsed().as_secs_f64();
    report.decide();
    Ok(report)
}

/// What the workers share. Every lock is held only between awaits.
struct Shared<'a> {
    s: &'a Schema,
    t: &'a Schema,
    opts: &'a Options,
    total: usize,
    queue: Mutex<VecDeque<(usize, String)>>,
    results: Mutex<BTreeMap<String, TableReport>>,
    checkpoint: Mutex<Option<Checkpoint>>,
    stats: Mutex<Stats>,
    progress: Mutex<&'a mut dyn FnMut(&str)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Another connection to each side, for one more worker.
async fn open_pair(
    src: &Connection,
    tgt: &Connection,
) -> Result<(Connection, Connection), cutover_mssql::Error> {
    let (a, b) = tokio::join!(cutover_mssql::connect(src.target()), cutover_mssql::connect(tgt.target()));
    Ok((a?, b?))
}

/// Takes tables off the queue until it is empty; records each result (and checkpoints it).
async fn worker(src: &mut Connection, tgt: &mut Connection, ctx: &Shared<'_>) -> Result<(), ValidateError> {
    loop {
        let Some((i, name)) = lock(&ctx.queue).pop_front() else { return Ok(()) };
        lock(&ctx.progress)(&format!("[{}/{}] {name}", i + 1, ctx.total));
        let mut stats = Stats::default();
        let tr = validate_table(src, tgt, ctx.s, ctx.t, &name, ctx.opts, &mut stats).await;
        {
            let mut all = lock(&ctx.stats);
            all.queries += stats.queries;
            all.rows_received += stats.rows_received;
        }
        if tr.status() != Status::Error
            && let Some(cp) = lock(&ctx.checkpoint).as_mut()
        {
            cp.finish(tr.clone(), stats.queries, stats.rows_received)?;
        }
        lock(&ctx.results).insert(name, tr);
    }
}

async fn validate_table(
    src: &mut Connection,
    tgt: &mut Connection,
    s: &Schema,
    t: &Schema,
    name: &str,
    opts: &Options,
    stats: &mut Stats,
) -> TableReport {
    let started = Instant::now();
    let mut tr = TableReport::new(name);
    let (ss, ts) = match (s.tables.get(name), t.tables.get(name)) {
        (Some(a), Some(b)) => (a, b),
        (a, _) => {
            let where_ = if a.is_some() { "missing in target" } else { "extra in target (not in source)" };
            tr.checks
                .push(Check { details: vec![format!("table {where_}")], ..check("schema", Status::Fail) });
            return tr;
        }
    };
    let diffs = table_differences(ss, ts);
    let status = if diffs.is_empty() { Status::Pass } else { Status::Fail };
    tr.checks.push(Check { details: diffs, ..check("schema", status) });
    let plan = TablePlan::new(
        ss,
        ts,
        &opts.relax,
        opts.filter.as_deref(),
        &|c| opts.ignored(name, c),
        &mut tr.not_compared,
    );
    if !plan.key.is_empty() {
        tr.key = Some(plan.key.iter().map(|k| k.name.clone()).collect());
    }
    let schema_checks = tr.checks.len();
    let mut retried = Vec::new();
    loop {
        let Err(e) = contents(src, tgt, s, t, &plan, opts, &mut tr, stats).await else {
            if let Some(c) = tr.checks.last_mut() {
                c.details.extend(retried.iter().map(|e| format!("retried after a transient error: {e}")));
            }
            break;
        };
        // A failed table leaves its connections in an unknown state: a killed session may
        // answer with an error (596) before its socket closes, unflagged as broken. Reconnect
        // both sides so the next attempt or table starts clean (the reconnect's own failure
        // shows on the next query).
        for conn in [&mut *src, &mut *tgt] {
            let _ = conn.reconnect().await;
        }
        let attempt = retried.len() as u32 + 1;
        if e.is_retryable() && attempt < opts.retry.max_attempts {
            retried.push(cutover_mssql::one_line(&e));
            tr.checks.truncate(schema_checks);
            tokio::time::sleep(opts.retry.ceiling(attempt - 1)).await;
            continue;
        }
        let failed = if tr.checks.iter().any(|c| c.check == "row_count_exact") {
            "checksum"
        } else {
            "row_count_exact"
        };
        let mut details = vec![cutover_mssql::one_line(&e)];
        if !retried.is_empty() {
            details.push(format!("gave up after {attempt} attempts"));
        }
        tr.checks.push(Check { details, ..check(failed, Status::Error) });
        break;
    }
    tr.seconds = started.elapsed().as_secs_f64();
    tr
}

#[allow(clippy::too_many_arguments)]
async fn contents(
    src: &mut Connection,
    tgt: &mut Connection,
    s: &Schema,
    t: &Schema,
    plan: &TablePlan,
    opts: &Options,
    tr: &mut TableReport,
    stats: &mut Stats,
) -> Result<(), ValidateError> {
    let mut sides = Sides { src, tgt, table: tr.table.clone(), out: Default::default() };
    let result = contents_inner(&mut sides, s, t, plan, opts, tr).await;
    stats.queries += sides.out.queries;
    stats.rows_received += sides.out.rows_received;
    result
}

async fn contents_inner(
    sides: &mut Sides<'_>,
    s: &Schema,
    t: &Schema,
    plan: &TablePlan,
    opts: &Options,
    tr: &mut TableReport,
) -> Result<(), ValidateError> {
    let sql = plan.count_sql();
    let read = |conn: &Connection, rows: Result<Vec<tiberius::Row>, cutover_mssql::Error>| {
        rows.map(|r| r.first().and_then(|r| crate::cells::int(r, 0)).unwrap_or(0) as i64).map_err(|e| {
            ValidateError::Query {
                server: conn.target().to_string(),
                table: tr.table.clone(),
                source: Box::new(e),
            }
        })
    };
    let (a, b) = tokio::join!(sides.src.query_rows(&sql, &[]), sides.tgt.query_rows(&sql, &[]));
    let (a, b) = (read(sides.src, a)?, read(sides.tgt, b)?);
    sides.out.queries += 2;
    let status = if a == b { Status::Pass } else { Status::Fail };
    tr.checks.push(Check {
        source: Some(a.to_string()),
        target: Some(b.to_string()),
        ..check("row_count_exact", status)
    });
    let (ma, mb) = (s.metadata_counts.get(&tr.table), t.metadata_counts.get(&tr.table));
    if let (Some(ma), Some(mb)) = (ma, mb) {
        let status = if ma == mb { Status::Pass } else { Status::Warn };
        let mut c = Check {
            source: Some(ma.to_string()),
            target: Some(mb.to_string()),
            ..check("row_count_metadata", status)
        };
        c.details.push("sys.dm_db_partition_stats (fast, may lag; unfiltered)".into());
        tr.checks.push(c);
    }
    if opts.mode == Mode::Counts {
        return Ok(());
    }
    let tune = Tuning {
        leaf_rows: opts.leaf_rows,
        fanout: opts.fanout,
        max_diffs: opts.max_diffs,
        columns: opts.mode == Mode::Rows,
    };
    let mut sampled = None;
    let same = match (&opts.sample, plan.key.is_empty()) {
        (_, true) => compare_bag(sides, plan, &tune).await?,
        (Some(sample), false) => {
            let (same, detail) = compare_sampled(sides, plan, &tune, sample, a.max(0) as u64).await?;
            sampled = Some(detail);
            same
        }
        (None, false) => compare_keyed(sides, plan, &tune).await?,
    };
    let out = std::mem::take(&mut sides.out);
    sides.out.queries = out.queries;
    sides.out.rows_received = out.rows_received;
    tr.segments_compared = out.segments;
    tr.rows_merged = out.rows_merged;
    tr.differences = out.differences;
    tr.differences_total = out.total;
    let matched = if sampled.is_some() { Status::Sampled } else { Status::Pass };
    let mut c = check("checksum", if same && out.total == 0 { matched } else { Status::Fail });
    c.details.extend(sampled);
    if plan.key.is_empty() {
        c.details.push("no primary or unique key: compared as a bag of rows".into());
        if opts.sample.is_some() {
            c.details.push(
                "not sampled: a keyless table has no key ranges to pick, so all of it was compared".into(),
            );
        }
    }
    if !same && out.total == 0 {
        c.details.push("segment checksums differ but no row difference was isolated".into());
    }
    c.details.extend(tr.not_compared.iter().map(|n| format!("not compared: {n}")));
    tr.checks.push(c);
    Ok(())
}

/// The SQL a run would send for each selected table (reads only the source catalog).
pub async fn dry_run(src: &mut Connection, opts: &Options) -> Result<String, ValidateError> {
    let s = read_schema(src).await?;
    let names = tables(&s, &s, opts)?;
    let mut out = String::from("-- catalog (both sides)\n");
    for q in [
        crate::catalog::DATABASE_SQL,
        crate::catalog::COLUMNS_SQL,
        crate::catalog::INDEXES_SQL,
        crate::catalog::FOREIGN_KEYS_SQL,
        crate::catalog::DEFAULTS_SQL,
        crate::catalog::CHECKS_SQL,
        crate::catalog::METADATA_COUNTS_SQL,
        crate::objects::MODULES_SQL,
    ] {
        out.push_str(&format!("{q};\n"));
    }
    for name in names {
        let Some(ts) = s.tables.get(&name) else { continue };
        let mut nc = Vec::new();
        let plan =
            TablePlan::new(ts, ts, &opts.relax, opts.filter.as_deref(), &|c| opts.ignored(&name, c), &mut nc);
        out.push_str(&format!("\n-- {name}: exact row count (both sides)\n{};\n", plan.count_sql()));
        if opts.mode == Mode::Counts {
            continue;
        }
        let whole = Range::default();
        out.push_str(&format!(
            "-- {name}: checksum of a segment (both sides)\n{};\n",
            plan.checksum_sql(&whole)
        ));
        if plan.key.is_empty() {
            out.push_str(&format!("-- {name}: keyless, hash-prefix buckets\n{};\n", plan.buckets_sql(&[])));
            out.push_str(&format!(
                "-- {name}: rows of a differing bucket\n{};\n",
                plan.bag_rows_sql(&[0xAB])
            ));
        } else {
            out.push_str(&format!(
                "-- {name}: segment boundaries when a segment differs\n{};\n",
                plan.boundaries_sql(&whole, 1000)
            ));
            out.push_str(&format!(
                "-- {name}: (key, row hash) of a small differing segment\n{};\n",
                plan.leaf_sql(&whole)
            ));
        }
    }
    for q in &opts.queries {
        out.push_str(&format!("\n-- query {:?} (both sides)\n{};\n", q.name, q.sql));
    }
    Ok(out)
}

/// Decides whether a run's outcome passes; `Incomplete` is never a pass.
pub fn passed(report: &Report) -> bool {
    report.verdict == Verdict::Identical
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
