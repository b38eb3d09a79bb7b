//! `--since DIR`: check only what changed since an earlier run, inside the cutover window.
//!
//! The earlier run recorded per table and side a watermark ([`crate::watermark`]). For each
//! table this run
//!
//! 1. collects the keys that changed on either side since: where Change Tracking is on, every
//!    key `CHANGETABLE(CHANGES t, v)` lists, deletions included (read from the change tracking
//!    side table: no scan of the table); elsewhere the rows whose rowversion is above that
//!    side's watermark (`WHERE rv > 0x…`: a seek when the rowversion column is indexed, a scan
//!    of the table otherwise);
//! 2. reads those keys' row hashes on both sides (`WHERE key IN (…)`, 500 keys a query: seeks
//!    on the key) and compares them row by row: missing in target, extra in target, changed
//!    (with the differing columns in `--mode rows`);
//! 3. when a side has no Change Tracking, finds deletions through per-segment counts and sums
//!    of the key's hash (the table hashed over its key columns only: no row is hashed, but
//!    every key is read on both sides, the cost of a scan of the narrowest index; the
//!    bisection names the keys present on one side only).
//!
//! No exact row count is taken (COUNT_BIG reads every row): the earlier run's counts matched,
//! and every row changed since is compared by key.
//!
//! A table is validated whole instead — and says so in `incremental` — when the earlier run did
//! not pass it or has no watermark for it (no rowversion column and no Change Tracking), when a
//! side has neither any more, when Change Tracking's minimum valid version moved past the
//! watermark (cleanup or TRUNCATE), when the key changed, or when it has no key.
//!
//! The keys that changed are held in memory (their texts: a few bytes each).

use crate::catalog::Schema;
use crate::cells::{bytes_ref, int, text, text_or_empty};
use crate::checks::{checksum_check, finish_checksum};
use crate::compare::{Sides, Tuning, compare_keyed, differing_columns, key_map};
use crate::error::ValidateError;
use crate::options::{Options, Since};
use crate::plan::TablePlan;
use crate::report::{DiffKind, Incremental, RowDifference, SideMark, Status, TableReport};
use crate::watermark::rowversion_column;
use cutover_mssql::Connection;
use std::collections::{BTreeMap, BTreeSet};

/// Keys per lookup query.
const LOOKUP_BATCH: usize = 500;

/// How one side's changes are found.
struct SidePlan {
    /// Rowversion column and watermark.
    rowversion: Option<(String, String)>,
    /// Change Tracking version, when still valid.
    tracked: Option<i64>,
}

fn whole(tr: &mut TableReport, reason: impl Into<String>) -> Result<bool, ValidateError> {
    tr.incremental =
        Some(Incremental { method: "whole".into(), reason: reason.into(), rows_compared: 0, rows_read: 0 });
    Ok(false)
}

/// Checks only what changed in `plan`'s table since `since`; false when the table must be
/// validated whole instead (the caller then compares it segment by segment).
pub(crate) async fn check(
    sides: &mut Sides<'_>,
    s: &Schema,
    t: &Schema,
    plan: &TablePlan,
    opts: &Options,
    since: &Since,
    tr: &mut TableReport,
) -> Result<bool, ValidateError> {
    let table = tr.table.clone();
    let Some(prev) = since.report.tables.iter().find(|p| p.table == table) else {
        return whole(tr, "not in the earlier report: validated whole");
    };
    if prev.status() != Status::Pass {
        let word = crate::report::status_word(prev.status());
        return whole(tr, format!("the earlier run did not pass it ({word}): validated whole"));
    }
    let Some(marks) = &prev.watermark else {
        return whole(tr, "no rowversion column and no Change Tracking in the earlier run: validated whole");
    };
    if plan.key.is_empty() {
        return whole(tr, "no primary or unique key to look rows up by: validated whole");
    }
    if prev.key.as_ref() != Some(&plan.key.iter().map(|k| k.name.clone()).collect()) {
        return whole(tr, "its key changed since the earlier run: validated whole");
    }
    let (ss, ts) = (&s.tables[&table], &t.tables[&table]);
    let quoted = ss.quoted();
    let src = side_plan(sides.src, &marks.source, rowversion_column(ss), &quoted).await;
    let tgt = side_plan(sides.tgt, &marks.target, rowversion_column(ts), &quoted).await;
    sides.out.queries += 2;
    for (name, p) in [("source", &src), ("target", &tgt)] {
        if p.rowversion.is_none() && p.tracked.is_none() {
            return whole(
                tr,
                format!(
                    "the {name} has no usable watermark (no rowversion column, and no Change Tracking or it was cleaned up or reset past the watermark): validated whole"
                ),
            );
        }
    }
    let mut found = Changes::default();
    for (p, on_source) in [(&src, true), (&tgt, false)] {
        let conn: &mut Connection = if on_source { &mut *sides.src } else { &mut *sides.tgt };
        collect(conn, plan, p, &table, &mut found).await?;
    }
    sides.out.queries += found.queries;
    sides.out.rows_received += found.rows_read;
    let tune = opts.tuning();
    let keys: Vec<Vec<String>> = found.keys.iter().cloned().collect();
    let mut same = true;
    let mut rows_read = found.rows_read;
    for batch in keys.chunks(LOOKUP_BATCH) {
        let (diffs, read) = lookup(sides, plan, batch, &tune).await?;
        rows_read += read;
        same &= diffs.is_empty();
        for d in diffs {
            sides.record(d, tune.max_diffs);
        }
    }
    let deletions = if src.tracked.is_some() && tgt.tracked.is_some() {
        "deletions through Change Tracking on both sides".to_string()
    } else {
        let key_only = plan.keys_only(&|c| ss.column(c).map(|c| c.type_name.clone()));
        let before: BTreeSet<String> = sides.out.differences.iter().map(RowDifference::key_text).collect();
        let mut extra = Sides {
            src: &mut *sides.src,
            tgt: &mut *sides.tgt,
            table: table.clone(),
            out: Default::default(),
        };
        let key_tune = Tuning { columns: false, ..tune.clone() };
        same &= compare_keyed(&mut extra, &key_only, &key_tune).await?;
        rows_read += extra.out.rows_received;
        sides.out.queries += extra.out.queries;
        sides.out.rows_received += extra.out.rows_received;
        sides.out.segments += extra.out.segments;
        for d in extra.out.differences.into_iter().filter(|d| !before.contains(&d.key_text())) {
            sides.record(d, tune.max_diffs);
        }
        "deletions through per-segment key counts and key-hash sums (no row hashed, but every key \
         read on both sides: the cost of a scan of the narrowest index; Change Tracking on both \
         sides avoids it)"
            .to_string()
    };
    let rows_compared = keys.len() as u64;
    let how = |p: &SidePlan| match (&p.rowversion, p.tracked) {
        (_, Some(v)) => format!("Change Tracking after version {v}"),
        (Some((c, w)), None) => {
            format!("{c} > {w} (a seek when {c} is indexed, else a scan of the table: index it)")
        }
        (None, None) => String::new(),
    };
    let reason = format!(
        "changed rows found by source {}, target {}; {rows_compared} compared row by row; {deletions}",
        how(&src),
        how(&tgt)
    );
    sides.out.differences.sort();
    let mut c = checksum_check(sides, tr, same, Status::Pass);
    c.details.push(format!("incremental since {}: {reason}", since.label));
    finish_checksum(tr, c);
    tr.incremental = Some(Incremental { method: "changes".into(), reason, rows_compared, rows_read });
    Ok(true)
}

/// How `mark` (the earlier run's) can be used on a side now: the rowversion column must still
/// be there, and Change Tracking's minimum valid version must not have moved past the mark.
async fn side_plan(conn: &mut Connection, mark: &SideMark, column: Option<String>, quoted: &str) -> SidePlan {
    let rowversion = match (&mark.rowversion_column, &mark.rowversion, column) {
        (Some(was), Some(w), Some(now)) if was.eq_ignore_ascii_case(&now) => Some((now, w.clone())),
        _ => None,
    };
    let tracked = match mark.change_tracking {
        Some(v) => {
            let sql = crate::watermark::watermark_sql(quoted);
            let min = conn.query_rows(&sql, &[]).await.ok().and_then(|r| r.first().and_then(|r| int(r, 2)));
            min.filter(|m| *m <= i128::from(v)).map(|_| v)
        }
        None => None,
    };
    SidePlan { rowversion, tracked }
}

/// Keys changed on one side.
#[derive(Default)]
struct Changes {
    keys: BTreeSet<Vec<String>>,
    queries: u64,
    rows_read: u64,
}

async fn collect(
    conn: &mut Connection,
    plan: &TablePlan,
    p: &SidePlan,
    table: &str,
    found: &mut Changes,
) -> Result<(), ValidateError> {
    let n = plan.key.len();
    // Change Tracking lists every key inserted, updated or deleted since the version (its side
    // table, read by version: no scan of the table itself), so the rowversion column is not
    // read where it is on. Without it, `rv > watermark` is a seek when the rowversion column
    // is indexed and a scan of the table otherwise.
    let sql = match (p.tracked, &p.rowversion) {
        (Some(v), _) => plan.tracked_changes_sql(v),
        (None, Some((column, mark))) => plan.changed_since_sql(column, mark),
        (None, None) => return Ok(()),
    };
    let rows = conn.query_rows(&sql, &[]).await.map_err(|e| ValidateError::Query {
        server: conn.target().to_string(),
        table: table.to_string(),
        source: Box::new(e),
    })?;
    found.queries += 1;
    found.rows_read += rows.len() as u64;
    for r in &rows {
        found.keys.insert((0..n).map(|i| text_or_empty(r, i)).collect());
    }
    Ok(())
}

/// Both sides' (key, hash) for `keys`, paired: what differs.
async fn lookup(
    sides: &mut Sides<'_>,
    plan: &TablePlan,
    keys: &[Vec<String>],
    tune: &Tuning,
) -> Result<(Vec<RowDifference>, u64), ValidateError> {
    let sql = plan.lookup_sql(keys);
    let n = plan.key.len();
    let table = sides.table.clone();
    let err = |conn: &Connection, e| ValidateError::Query {
        server: conn.target().to_string(),
        table: table.clone(),
        source: Box::new(e),
    };
    let (a, b) = tokio::join!(sides.src.query_rows(&sql, &[]), sides.tgt.query_rows(&sql, &[]));
    let a = a.map_err(|e| err(sides.src, e))?;
    let b = b.map_err(|e| err(sides.tgt, e))?;
    sides.out.queries += 2;
    sides.out.rows_received += (a.len() + b.len()) as u64;
    let read = (a.len() + b.len()) as u64;
    let index = |rows: &[tiberius::Row]| -> BTreeMap<Vec<String>, Vec<u8>> {
        rows.iter()
            .map(|r| {
                (
                    (0..n).map(|i| text(r, i).unwrap_or_default()).collect(),
                    bytes_ref(r, n).unwrap_or_default().to_vec(),
                )
            })
            .collect()
    };
    let (ia, ib) = (index(&a), index(&b));
    let mut diffs = Vec::new();
    for key in keys {
        let kind = match (ia.get(key), ib.get(key)) {
            (Some(x), Some(y)) if x == y => continue,
            (None, None) => continue,
            (Some(_), None) => DiffKind::MissingInTarget,
            (None, Some(_)) => DiffKind::ExtraInTarget,
            (Some(_), Some(_)) => DiffKind::Changed,
        };
        let columns = if kind == DiffKind::Changed && tune.columns {
            differing_columns(sides, plan, key).await?
        } else {
            vec![]
        };
        diffs.push(RowDifference {
            kind,
            key: key_map(plan, key),
            columns,
            source_count: None,
            target_count: None,
        });
    }
    Ok((diffs, read))
}
