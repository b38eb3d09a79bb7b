//! Opening one table: schema, exact and metadata row counts, watermarks; then either the whole
//! comparison for tables that are not cut into segments (counts only, keyless bags, samples,
//! incremental runs) or the state segments are carved from.

use crate::catalog::Schema;
use crate::checks::{check, checksum_check, finish_checksum};
use crate::compare::{Outcome, Sides, Tuning, compare_bag};
use crate::error::ValidateError;
use crate::options::{Mode, Options};
use crate::plan::TablePlan;
use crate::report::{Check, Stats, Status, TableReport};
use crate::sample::compare_sampled;
use crate::schema_diff::table_differences;
use cutover_mssql::Connection;
use std::time::Instant;

/// A table after it was opened.
pub(crate) enum Opened {
    /// Nothing more to do: the report is final.
    Done(TableReport),
    /// Keyed and compared in full: cut into segments from here.
    Segmented { tr: TableReport, plan: TablePlan, tune: Tuning, rows: u64 },
}

/// Opens `name`, retrying from its start after a transient error (the connections are
/// reconnected either way, so the next attempt or table starts clean).
pub(crate) async fn open(
    src: &mut Connection,
    tgt: &mut Connection,
    s: &Schema,
    t: &Schema,
    name: &str,
    opts: &Options,
    stats: &mut Stats,
) -> Opened {
    let started = Instant::now();
    let mut tr = TableReport::new(name);
    let (ss, ts) = match (s.tables.get(name), t.tables.get(name)) {
        (Some(a), Some(b)) => (a, b),
        (a, _) => {
            let where_ = if a.is_some() { "missing in target" } else { "extra in target (not in source)" };
            tr.checks
                .push(Check { details: vec![format!("table {where_}")], ..check("schema", Status::Fail) });
            return Opened::Done(tr);
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
        let mut sides = Sides { src, tgt, table: name.to_string(), out: Outcome::default() };
        let result = Box::pin(contents(&mut sides, s, t, &plan, opts, &mut tr)).await;
        stats.queries += sides.out.queries;
        stats.rows_received += sides.out.rows_received;
        let e = match result {
            Ok(next) => {
                let detail = retried.iter().map(|e| format!("retried after a transient error: {e}"));
                if let Some(c) = tr.checks.last_mut() {
                    c.details.extend(detail);
                }
                tr.seconds = started.elapsed().as_secs_f64();
                return match next {
                    Next::Done => Opened::Done(tr),
                    Next::Segments(rows) => Opened::Segmented { tr, plan, tune: opts.tuning(), rows },
                };
            }
            Err(e) => e,
        };
        reconnect(src, tgt).await;
        let attempt = retried.len() as u32 + 1;
        if e.is_retryable() && attempt < opts.retry.max_attempts {
            retried.push(cutover_mssql::one_line(&e));
            tr.checks.truncate(schema_checks);
            tokio::time::sleep(opts.retry.ceiling(attempt - 1)).await;
            continue;
        }
        let failed = failed_check(&tr, opts.since.is_some() && opts.mode != Mode::Counts);
        let mut details = vec![cutover_mssql::one_line(&e)];
        if !retried.is_empty() {
            details.push(format!("gave up after {attempt} attempts"));
        }
        tr.checks.push(Check { details, ..check(failed, Status::Error) });
        tr.seconds = started.elapsed().as_secs_f64();
        return Opened::Done(tr);
    }
}

/// The check a query error is reported under: the exact count until it is recorded, then
/// the checksum; in an incremental run the change check (reported as `checksum`) unless the
/// table fell back to a whole validation, whose count comes first.
fn failed_check(tr: &TableReport, incremental: bool) -> &'static str {
    let counted = tr.checks.iter().any(|c| c.check == "row_count_exact");
    let by_changes = incremental && tr.incremental.as_ref().is_none_or(|i| i.method != "whole");
    if counted || by_changes { "checksum" } else { "row_count_exact" }
}

/// A failed query leaves its connections in an unknown state: a killed session may answer with
/// an error (596) before its socket closes, unflagged as broken. Reconnect both sides (the
/// reconnect's own failure shows on the next query).
pub(crate) async fn reconnect(src: &mut Connection, tgt: &mut Connection) {
    for conn in [src, tgt] {
        let _ = conn.reconnect().await;
    }
}

/// What follows the counts.
enum Next {
    Done,
    /// Cut into segments; the source's exact row count.
    Segments(u64),
}

async fn contents(
    sides: &mut Sides<'_>,
    s: &Schema,
    t: &Schema,
    plan: &TablePlan,
    opts: &Options,
    tr: &mut TableReport,
) -> Result<Next, ValidateError> {
    // An incremental run reads only what changed: no exact count, which would scan the table
    // (COUNT_BIG reads every row of the narrowest index). The watermark comes first, so what
    // changes while this run reads is above it for the next one.
    if let Some(since) = opts.since.as_ref().filter(|_| opts.mode != Mode::Counts) {
        tr.watermark = crate::watermark::read(sides, s, t, &tr.table).await;
        if crate::incremental::check(sides, s, t, plan, opts, since, tr).await? {
            metadata_counts(s, t, tr);
            return Ok(Next::Done);
        }
    }
    let (a, b) = counts(sides, plan).await?;
    let status = if a == b { Status::Pass } else { Status::Fail };
    tr.checks.push(Check {
        source: Some(a.to_string()),
        target: Some(b.to_string()),
        ..check("row_count_exact", status)
    });
    metadata_counts(s, t, tr);
    if opts.since.is_none() || opts.mode == Mode::Counts {
        tr.watermark = crate::watermark::read(sides, s, t, &tr.table).await;
    }
    if opts.mode == Mode::Counts {
        return Ok(Next::Done);
    }
    match (&opts.sample, plan.key.is_empty()) {
        (_, true) => {
            let tune = opts.tuning();
            let same = compare_bag(sides, plan, &tune).await?;
            let mut c = checksum_check(sides, tr, same, Status::Pass);
            c.details.push("no primary or unique key: compared as a bag of rows".into());
            if opts.sample.is_some() {
                c.details.push(
                    "not sampled: a keyless table has no key ranges to pick, so all of it was compared"
                        .into(),
                );
            }
            finish_checksum(tr, c);
            Ok(Next::Done)
        }
        (Some(sample), false) => {
            let tune = opts.tuning();
            let (same, detail) = compare_sampled(sides, plan, &tune, sample, a.max(0) as u64).await?;
            let mut c = checksum_check(sides, tr, same, Status::Sampled);
            c.details.push(detail);
            finish_checksum(tr, c);
            Ok(Next::Done)
        }
        (None, false) => Ok(Next::Segments(a.max(0) as u64)),
    }
}

/// The `row_count_metadata` check: sys.dm_db_partition_stats's counts, read with the schema.
fn metadata_counts(s: &Schema, t: &Schema, tr: &mut TableReport) {
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
}

/// `COUNT_BIG(*)` on both sides at once.
pub(crate) async fn counts(sides: &mut Sides<'_>, plan: &TablePlan) -> Result<(i64, i64), ValidateError> {
    let sql = plan.count_sql();
    let table = sides.table.clone();
    let read = |conn: &Connection, rows: Result<Vec<tiberius::Row>, cutover_mssql::Error>| {
        rows.map(|r| r.first().and_then(|r| crate::cells::int(r, 0)).unwrap_or(0) as i64).map_err(|e| {
            ValidateError::Query {
                server: conn.target().to_string(),
                table: table.clone(),
                source: Box::new(e),
            }
        })
    };
    let (a, b) = tokio::join!(sides.src.query_rows(&sql, &[]), sides.tgt.query_rows(&sql, &[]));
    let (a, b) = (read(sides.src, a)?, read(sides.tgt, b)?);
    sides.out.queries += 2;
    Ok((a, b))
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Incremental;

    fn table(checks: &[&str], method: Option<&str>) -> TableReport {
        let mut tr = TableReport::new("dbo.orders");
        tr.checks = checks.iter().map(|c| check(c, Status::Pass)).collect();
        tr.incremental = method.map(|m| Incremental {
            method: m.into(),
            reason: String::new(),
            rows_compared: 0,
            rows_read: 0,
        });
        tr
    }

    #[test]
    fn an_error_is_reported_under_the_check_it_interrupted() {
        assert_eq!(failed_check(&table(&["schema"], None), false), "row_count_exact");
        assert_eq!(failed_check(&table(&["schema", "row_count_exact"], None), false), "checksum");
        // --since: the change check failed before it finished (not a count: none was taken).
        assert_eq!(failed_check(&table(&["schema"], None), true), "checksum");
        // --since, but the table is validated whole: its count comes first.
        assert_eq!(failed_check(&table(&["schema"], Some("whole")), true), "row_count_exact");
    }
}
