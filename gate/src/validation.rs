//! The data phase: run `cutover validate` as a library call (or read an earlier `report.json`)
//! and turn its report into gate checks, one per table check, naming every differing key.

use crate::check::{Check, Status};
use crate::file::ValidateSection;
use cutover_mssql::ServerTarget;
use cutover_validate::encoding::Relax;
use cutover_validate::{Mode, Options};
use std::path::Path;

const PHASE: &str = "validate";

/// Validates `source` against `target`, writes the report to `out`, returns the checks.
pub async fn run(
    section: &ValidateSection,
    source: &ServerTarget,
    target: &ServerTarget,
    out: &Path,
    progress: &mut dyn FnMut(&str),
) -> Vec<Check> {
    let (mut source, mut target) = (source.clone(), target.clone());
    if let Some(db) = &section.database {
        source.database = Some(db.clone());
        target.database = Some(db.clone());
    }
    let mut src = match cutover_mssql::connect(&source).await {
        Ok(c) => c,
        Err(e) => return vec![could_not(format!("could not connect to the source {source}"), &e)],
    };
    let mut tgt = match cutover_mssql::connect(&target).await {
        Ok(c) => c,
        Err(e) => return vec![could_not(format!("could not connect to the target {target}"), &e)],
    };
    let opts = options(section, out);
    let report = match cutover_validate::validate(&mut src, &mut tgt, &opts, progress).await {
        Ok(r) => r,
        Err(e) => return vec![could_not("validation stopped".into(), &e)],
    };
    let _ = src.close().await;
    let _ = tgt.close().await;
    let mut checks = checks(&serde_json::to_value(&report).unwrap_or_default());
    if let Err(e) = report.write_to(out) {
        checks.push(could_not(format!("could not write the validation report to {}", out.display()), &e));
    }
    checks
}

fn options(section: &ValidateSection, out: &Path) -> Options {
    Options {
        tables: section.tables.clone(),
        exclude: section.exclude.clone(),
        mode: match section.mode.as_deref() {
            Some("counts") => Mode::Counts,
            Some("checksum") => Mode::Checksum,
            _ => Mode::Rows,
        },
        relax: Relax {
            trim_trailing_spaces: section.trim_trailing_spaces,
            case_insensitive: section.case_insensitive,
            float_decimals: None,
        },
        ignore_columns: section.ignore_columns.clone(),
        filter: section.filter.clone(),
        checkpoint: Some(out.join(cutover_validate::checkpoint::FILE)),
        ..Options::default()
    }
}

/// Reads an earlier `cutover validate` report: a `report.json`, a report folder, or a folder of
/// shard report folders (`cutover validate --shard i/N --out DIR/shard-i`), merged into one
/// verdict where a table no shard validated is never a pass.
pub fn read(path: &Path) -> Vec<Check> {
    if path.is_dir() {
        return match cutover_validate::merge::merge_dir(path) {
            Ok(report) => checks(&serde_json::to_value(&report).unwrap_or_default()),
            Err(e) => {
                vec![could_not(format!("could not read the validation reports in {}", path.display()), &e)]
            }
        };
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return vec![could_not(format!("could not read the validation report {}", path.display()), &e)];
        }
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) if v["schema_version"].is_u64() => checks(&v),
        Ok(_) => vec![Check::new(
            PHASE,
            "report",
            Status::Error,
            format!("{} is not a cutover validate report.json (no schema_version)", path.display()),
        )],
        Err(e) => vec![could_not(format!("{} is not valid JSON", path.display()), &e)],
    }
}

/// Checks from a validate report (as JSON, so a report read from disk and one just produced go
/// through the same code): the database-level checks, then each table's and query's checks.
pub fn checks(report: &serde_json::Value) -> Vec<Check> {
    let mut out = Vec::new();
    for c in report["database"].as_array().into_iter().flatten() {
        out.push(one("database", c, &[]));
    }
    let entries = report["tables"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(report["queries"].as_array().into_iter().flatten());
    for t in entries {
        let table = t["table"].as_str().unwrap_or("?");
        let diffs: Vec<String> = t["differences"].as_array().into_iter().flatten().map(describe).collect();
        for c in t["checks"].as_array().into_iter().flatten() {
            out.push(one(table, c, &diffs));
        }
    }
    if out.is_empty() {
        out.push(Check::new(
            PHASE,
            "tables",
            Status::Error,
            "no table was validated: check [validate] tables and the database",
        ));
    }
    out
}

fn one(subject: &str, c: &serde_json::Value, diffs: &[String]) -> Check {
    let name = c["check"].as_str().unwrap_or("?");
    let status = match c["status"].as_str() {
        Some("pass") => Status::Pass,
        Some("fail") => Status::Fail,
        Some("warn") => Status::Warn,
        // `error`, `not_covered` (a time budget or a missing shard), anything unknown.
        _ => Status::Error,
    };
    let mut details: Vec<String> =
        c["details"].as_array().into_iter().flatten().filter_map(|d| d.as_str().map(String::from)).collect();
    let sides = (c["source"].as_str(), c["target"].as_str());
    if let (Some(s), Some(t)) = sides {
        details.insert(0, format!("source {s}, target {t}"));
    }
    if status == Status::Fail && (name == "checksum" || name == "query") {
        details.extend(diffs.iter().map(|d| format!("{subject} {d}")));
    }
    let summary = match status {
        Status::Pass => format!("{subject}: {name} identical"),
        Status::Fail if !diffs.is_empty() && (name == "checksum" || name == "query") => {
            let rows = if diffs.len() == 1 { "row" } else { "rows" };
            format!("{subject}: {} differing {rows}, first {}", diffs.len(), diffs[0])
        }
        Status::Fail => format!("{subject}: {name} differs"),
        Status::Warn => format!("{subject}: {name} differs (informational)"),
        _ if c["status"].as_str() == Some("not_covered") => format!("{subject}: {name} not covered"),
        _ => format!("{subject}: {name} could not be checked"),
    };
    Check::new(PHASE, format!("{subject}: {name}"), status, summary).with_details(details)
}

/// `(customer_id=42) changed: email`, as `cutover validate` words it.
fn describe(d: &serde_json::Value) -> String {
    match serde_json::from_value::<cutover_validate::report::RowDifference>(d.clone()) {
        Ok(diff) => diff.describe(),
        Err(_) => d.to_string(),
    }
}

fn could_not(what: String, e: &(dyn std::error::Error + 'static)) -> Check {
    let summary = format!("{what}: {}", cutover_mssql::one_line(e));
    Check::new(PHASE, "run", Status::Error, summary).with_details(cutover_mssql::causes(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_row_is_a_failing_check_that_names_its_key() {
        let report = serde_json::json!({
            "schema_version": 1,
            "database": [{ "check": "compatibility_level", "status": "pass" }],
            "tables": [{
                "table": "dbo.customers",
                "checks": [
                    { "check": "row_count_exact", "status": "pass", "source": "1000", "target": "1000" },
                    { "check": "checksum", "status": "fail" }
                ],
                "differences": [{ "kind": "changed", "key": { "customer_id": "42" }, "columns": ["email"] }]
            }]
        });
        let checks = checks(&report);
        assert_eq!(checks.len(), 3);
        assert_eq!(checks[2].status, Status::Fail);
        assert_eq!(
            checks[2].summary,
            "dbo.customers: 1 differing row, first (customer_id=42) changed: email"
        );
        assert_eq!(checks[1].details, ["source 1000, target 1000"]);
    }

    #[test]
    fn a_report_with_nothing_in_it_is_not_a_pass() {
        let checks = checks(&serde_json::json!({ "schema_version": 1, "tables": [] }));
        assert_eq!(checks[0].status, Status::Error);
    }
}
