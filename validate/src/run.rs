//! One validation run: read both catalogs, pick the tables, and per table compare the schema,
//! the row counts (exact and metadata) and the contents.

use crate::budget::Priority;
use crate::catalog::{Schema, read_schema};
use crate::checkpoint::Checkpoint;
use crate::checks::check;
use crate::error::ValidateError;
use crate::options::{Mode, Options};
use crate::plan::{Range, TablePlan};
use crate::progress::Progress;
use crate::queries::run_all;
use crate::report::{Check, Report, SCHEMA_VERSION, Stats, Status, TableReport, Verdict};
use crate::schedule::{Run, worker};
use crate::schema_diff::database_differences;
use cutover_mssql::Connection;
use futures_util::future::join_all;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

fn tables(src: &Schema, tgt: &Schema, opts: &Options) -> Result<Vec<String>, ValidateError> {
    let names: BTreeSet<&String> =
        src.tables.keys().chain(tgt.tables.keys()).filter(|t| opts.selected(t)).collect();
    if names.is_empty() {
        return Err(ValidateError::NoTables { patterns: opts.tables.clone() });
    }
    Ok(names.into_iter().cloned().collect())
}

/// Validates every selected table of the target against the source; `progress` gets one line
/// per table (see [`validate_with`] for rows and ETAs).
pub async fn validate(
    src: &mut Connection,
    tgt: &mut Connection,
    opts: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, ValidateError> {
    let mut lines = progress;
    Box::pin(validate_with(src, tgt, opts, &mut lines)).await
}

/// Validates every selected table of the target against the source.
///
/// Tables are taken in `opts.priority` order; each is opened once (schema, counts, watermarks)
/// and then cut into segments that `opts.parallel` workers take as they come, each worker with
/// its own connection per side (the first uses `src` and `tgt`): one large table is compared by
/// all workers at once. With `opts.checkpoint` each finished table is written to the
/// checkpoint, with `opts.resume` the tables already there are taken from it, and with
/// `opts.budget` no new work starts once it has ended.
pub async fn validate_with(
    src: &mut Connection,
    tgt: &mut Connection,
    opts: &Options,
    progress: &mut dyn Progress,
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
        budget: None,
        shard: None,
        since: opts.since.as_ref().map(|p| p.label.clone()),
        merged_from: vec![],
    };
    let db = database_differences(&s, &t);
    let status = if db.is_empty() { Status::Pass } else { Status::Fail };
    report.database.push(Check { details: db, ..check("database settings", status) });
    report.database.push(crate::objects::check_both(src, tgt, opts.definitions, &|n| opts.selected(n)).await);
    let rows_of = |n: &str| s.metadata_counts.get(n).copied().unwrap_or(0).max(0) as u64;
    let mut names = tables(&s, &t, opts)?;
    if let Some(shard) = opts.shard {
        let sized: Vec<(String, u64)> = names.iter().map(|n| (n.clone(), rows_of(n))).collect();
        let (mine, info) = shard.split(&sized);
        names = mine;
        report.shard = Some(info);
    }
    let names = opts.priority.order(names, &rows_of);
    let settings = opts.settings(&report.source, &report.target);
    let checkpoint = match (&opts.checkpoint, opts.resume) {
        (Some(path), true) => Some(Checkpoint::resume(path, &settings)?),
        (Some(path), false) => Some(Checkpoint::start(path, settings)?),
        (None, true) => return Err(ValidateError::ResumeWithoutOut),
        (None, false) => None,
    };
    let mut done: BTreeMap<String, TableReport> = BTreeMap::new();
    if let Some(cp) = &checkpoint {
        done.extend(names.iter().filter_map(|n| cp.get(n)).map(|t| (t.table.clone(), t.clone())));
        report.stats.queries = cp.stats.queries;
        report.stats.rows_received = cp.stats.rows_received;
        if opts.resume {
            progress.message(&format!("resuming: {} of {} table(s) already done", done.len(), names.len()));
        }
    }
    let planned: Vec<(String, Option<u64>)> =
        names.iter().map(|n| (n.clone(), s.metadata_counts.get(n).map(|c| (*c).max(0) as u64))).collect();
    progress.planned(&planned);
    let todo = names.iter().filter(|n| !done.contains_key(*n)).count();
    let run = Run::new(&s, &t, opts, names, done, checkpoint, std::mem::take(&mut report.stats), progress);
    let workers = opts.parallel.max(1).min(todo.max(1));
    let mut extra = Vec::new();
    for opened in join_all((1..workers).map(|_| open_pair(src, tgt))).await {
        match opened {
            Ok(pair) => extra.push(pair),
            Err(e) => run.message(&format!(
                "running with fewer workers: could not open another connection: {}",
                cutover_mssql::one_line(&e)
            )),
        }
    }
    let mut runs = vec![Box::pin(worker(src, tgt, &run))];
    runs.extend(extra.iter_mut().map(|(a, b)| Box::pin(worker(a, b, &run))));
    let outcomes = join_all(runs).await;
    outcomes.into_iter().collect::<Result<Vec<()>, _>>()?;
    let finished = run.finish()?;
    report.tables = finished.tables;
    report.stats = finished.stats;
    if opts.budget.is_some() || opts.priority != Priority::Name {
        report.budget = Some(finished.budget);
    }
    report.queries = run_all(src, tgt, &opts.queries, opts.max_diffs).await;
    report.stats.queries += 2 * opts.queries.len() as u64;
    report.stats.seconds = started.elapsed().as_secs_f64();
    report.decide();
    Ok(report)
}

/// Another connection to each side, for one more worker.
async fn open_pair(
    src: &Connection,
    tgt: &Connection,
) -> Result<(Connection, Connection), cutover_mssql::Error> {
    let (a, b) = tokio::join!(cutover_mssql::connect(src.target()), cutover_mssql::connect(tgt.target()));
    Ok((a?, b?))
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
        out.push_str(&format!(
            "-- {name}: watermarks for a later --since run (both sides)\n{};\n",
            crate::watermark::watermark_sql(&ts.quoted())
        ));
        if opts.mode == Mode::Counts {
            continue;
        }
        let whole = Range::default();
        if !plan.key.is_empty() {
            out.push_str(&format!(
                "-- {name}: the end of the next segment, from the previous one's (source)\n{};\n",
                plan.carve_sql(&None, opts.first_segment_rows)
            ));
        }
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
