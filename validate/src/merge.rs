//! Shard reports merged into one verdict (`cutover compare --validate DIR`, the gate's
//! `[validate] report = "DIR"`): DIR holds one `cutover validate --shard i/N --out` folder per
//! shard (or is itself a report folder).
//!
//! The merged report has every table of every shard. Each shard's report records the whole
//! assignment (`shard.assignment`), so a table that no shard report contains — its shard's
//! report is missing, or the shards dealt the tables differently because the source's sizes
//! moved between their starts — is listed as `not_covered` and the verdict is `incomplete`:
//! a table nobody validated is never a pass. Database-level checks are the same on every shard
//! and are kept once (the worst status wins); custom queries are kept from the first shard
//! that ran them; stats are summed, seconds are the longest shard's.

use crate::error::ValidateError;
use crate::report::{Check, Report, Status, TableReport};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The report folders under `dir`: `dir` itself when it has a `report.json`, else each
/// subfolder that has one, by name.
pub fn report_dirs(dir: &Path) -> Result<Vec<PathBuf>, ValidateError> {
    let bad = |detail: String| ValidateError::Reports { path: dir.display().to_string(), detail };
    if dir.join("report.json").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| bad(format!("cannot read the folder ({e})")))?;
    let mut dirs: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.join("report.json").is_file()).collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(bad(
            "no report.json in it or in its subfolders: give a `cutover validate --out` folder or a folder of shard folders"
                .into(),
        ));
    }
    Ok(dirs)
}

/// Reads one `report.json`.
pub fn read(dir: &Path) -> Result<Report, ValidateError> {
    let path = dir.join("report.json");
    let bad = |detail: String| ValidateError::Reports { path: path.display().to_string(), detail };
    let text = std::fs::read(&path).map_err(|e| bad(format!("cannot read it ({e})")))?;
    let report: Report =
        serde_json::from_slice(&text).map_err(|e| bad(format!("not a cutover validate report ({e})")))?;
    if report.schema_version != crate::report::SCHEMA_VERSION {
        return Err(bad(format!(
            "schema version {} (this build reads {})",
            report.schema_version,
            crate::report::SCHEMA_VERSION
        )));
    }
    Ok(report)
}

/// The reports under `dir`, merged (one report is returned as it is).
pub fn merge_dir(dir: &Path) -> Result<Report, ValidateError> {
    let dirs = report_dirs(dir)?;
    let reports = dirs.iter().map(|d| read(d)).collect::<Result<Vec<_>, _>>()?;
    if reports.len() == 1 && reports[0].shard.as_ref().is_none_or(|s| s.count == 1) {
        return Ok(reports.into_iter().next().expect("one report"));
    }
    let labels = dirs.iter().map(|d| d.display().to_string()).collect();
    Ok(merge(reports, labels))
}

/// Merges shard reports (see the module docs).
pub fn merge(reports: Vec<Report>, labels: Vec<String>) -> Report {
    let mut out = reports[0].clone();
    out.tables.clear();
    out.queries.clear();
    out.database.clear();
    out.stats = Default::default();
    out.budget = None;
    out.shard = None;
    out.merged_from = labels;
    let mut database: BTreeMap<String, Check> = BTreeMap::new();
    let mut tables: BTreeMap<String, TableReport> = BTreeMap::new();
    let mut assigned: BTreeMap<String, u64> = BTreeMap::new();
    let mut counts = BTreeSet::new();
    let mut seen_shards = BTreeSet::new();
    let mut mismatch = Vec::new();
    for r in &reports {
        if (r.source.as_str(), r.target.as_str(), r.mode.as_str())
            != (out.source.as_str(), out.target.as_str(), out.mode.as_str())
            || r.relaxations != out.relaxations
        {
            mismatch.push(format!("{} → {} (mode {})", r.source, r.target, r.mode));
        }
        for c in &r.database {
            let keep = database.get(&c.check).is_none_or(|k| rank(c.status) > rank(k.status));
            if keep {
                database.insert(c.check.clone(), c.clone());
            }
        }
        for t in &r.tables {
            let keep = tables.get(&t.table).is_none_or(|k| rank(t.status()) > rank(k.status()));
            if keep {
                tables.insert(t.table.clone(), t.clone());
            }
        }
        for q in &r.queries {
            if !out.queries.iter().any(|k| k.table == q.table) {
                out.queries.push(q.clone());
            }
        }
        if let Some(sh) = &r.shard {
            counts.insert(sh.count);
            seen_shards.insert(sh.index);
            for a in &sh.assignment {
                assigned.entry(a.table.clone()).or_insert(a.shard);
            }
        }
        out.stats.queries += r.stats.queries;
        out.stats.rows_received += r.stats.rows_received;
        out.stats.seconds = out.stats.seconds.max(r.stats.seconds);
    }
    out.database = database.into_values().collect();
    if !mismatch.is_empty() {
        out.database.push(Check {
            check: "shards".into(),
            status: Status::Error,
            source: None,
            target: None,
            details: std::iter::once(format!(
                "the reports are not from one run: expected {} → {} (mode {}, same relaxations)",
                out.source, out.target, out.mode
            ))
            .chain(mismatch)
            .collect(),
        });
    }
    let count = counts.iter().next().copied().unwrap_or(1);
    if counts.len() > 1 {
        out.database
            .push(shards_check(format!("the reports were written with different shard counts: {counts:?}")));
    }
    let missing: Vec<u64> = (0..count).filter(|i| !seen_shards.contains(i)).collect();
    if !missing.is_empty() && !counts.is_empty() {
        let names: Vec<String> = missing.iter().map(|i| format!("{i}/{count}")).collect();
        out.database.push(shards_check(format!("no report from shard(s) {}", names.join(", "))));
    }
    for (table, shard) in assigned {
        if tables.contains_key(&table) {
            continue;
        }
        let why = if missing.contains(&shard) {
            format!("dealt to shard {shard}/{count}, whose report is missing")
        } else {
            format!(
                "dealt to shard {shard}/{count}, whose report does not have it (the shards dealt the tables differently: did the source's row counts change between their starts?)"
            )
        };
        let mut tr = TableReport::new(table.clone());
        tr.checks.push(Check {
            check: "coverage".into(),
            status: Status::NotCovered,
            source: None,
            target: None,
            details: vec![why],
        });
        tables.insert(table, tr);
    }
    out.tables = tables.into_values().collect();
    out.decide();
    out
}

fn shards_check(detail: String) -> Check {
    Check { check: "shards".into(), status: Status::Error, source: None, target: None, details: vec![detail] }
}

/// Which of two statuses a merge keeps: the one that says more is wrong.
fn rank(s: Status) -> u8 {
    match s {
        Status::Pass => 0,
        Status::Warn => 1,
        Status::Sampled => 2,
        Status::Fail => 3,
        Status::NotCovered => 4,
        Status::Error => 5,
    }
}
