//! Custom validation queries (`--queries FILE`): each named query runs on both sides and the
//! results are compared as bags of typed rows (order ignored, duplicates counted, `int 5` is
//! not `bigint 5`, a NULL is not an empty string).
//!
//! ```toml
//! [[query]]
//! name = "open orders per region"
//! sql = "SELECT region, COUNT_BIG(*) AS n, SUM(total) AS total FROM dbo.orders WHERE status = 'open' GROUP BY region"
//! ```
//!
//! Results are held in memory as a count per distinct row: meant for aggregates and samples,
//! not for whole tables (those are what the checksums are for).

use crate::error::ValidateError;
use crate::report::{Check, DiffKind, RowDifference, Status, TableReport};
use cutover_mssql::Connection;
use serde::Deserialize;
use std::collections::BTreeMap;
use tiberius::{ColumnData, Row};

/// One named query from the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedQuery {
    pub name: String,
    pub sql: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    query: Vec<NamedQuery>,
}

/// Parses a queries file (`path` only names it in errors).
pub fn parse(text: &str, path: &str) -> Result<Vec<NamedQuery>, ValidateError> {
    let bad = |detail: String| ValidateError::Queries { path: path.into(), detail };
    let file: File = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    if file.query.is_empty() {
        return Err(bad("no [[query]] entries (each needs name = \"…\" and sql = \"…\")".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for q in &file.query {
        if q.name.trim().is_empty() || q.sql.trim().is_empty() {
            return Err(bad("every [[query]] needs a non-empty name and sql".into()));
        }
        if !seen.insert(q.name.as_str()) {
            return Err(bad(format!("the query name {:?} is used twice", q.name)));
        }
    }
    Ok(file.query)
}

/// A cell as typed text: the SQL type family and the exact value.
pub fn typed(d: &ColumnData<'_>) -> String {
    let v = match d {
        ColumnData::U8(v) => v.map(|v| format!("tinyint {v}")),
        ColumnData::I16(v) => v.map(|v| format!("smallint {v}")),
        ColumnData::I32(v) => v.map(|v| format!("int {v}")),
        ColumnData::I64(v) => v.map(|v| format!("bigint {v}")),
        ColumnData::F32(v) => v.map(|v| format!("real {v:?}")),
        ColumnData::F64(v) => v.map(|v| format!("float {v:?}")),
        ColumnData::Bit(v) => v.map(|v| format!("bit {}", u8::from(v))),
        ColumnData::String(v) => v.as_ref().map(|s| format!("text {s:?}")),
        ColumnData::Guid(v) => v.map(|g| format!("uniqueidentifier {g}")),
        ColumnData::Binary(v) => v
            .as_ref()
            .map(|b| format!("binary 0x{}", b.iter().map(|x| format!("{x:02X}")).collect::<String>())),
        ColumnData::Numeric(v) => v.map(|n| format!("decimal {n}")),
        ColumnData::Xml(v) => v.as_ref().map(|x| format!("xml {:?}", x.to_string())),
        other => return format!("{other:?}"),
    };
    v.unwrap_or_else(|| "NULL".into())
}

/// A result: column names and the count of each distinct typed row.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Bag {
    pub columns: Vec<String>,
    pub rows: BTreeMap<Vec<String>, u64>,
    pub total: u64,
}

impl Bag {
    pub fn of(rows: &[Row]) -> Bag {
        let mut bag = Bag::default();
        if let Some(first) = rows.first() {
            bag.columns = first.columns().iter().map(|c| c.name().to_string()).collect();
        }
        for r in rows {
            let cells: Vec<String> = r.cells().map(|(_, d)| typed(d)).collect();
            *bag.rows.entry(cells).or_default() += 1;
            bag.total += 1;
        }
        bag
    }
}

/// Column labels for differences: the name, or `columnN` when empty or repeated.
fn labels(columns: &[String]) -> Vec<String> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let repeated = columns.iter().filter(|x| *x == c).count() > 1;
            if c.is_empty() || repeated { format!("column{}", i + 1) } else { c.clone() }
        })
        .collect()
}

/// Compares two results; the report entry is named `query: NAME`.
pub fn compare(name: &str, a: &Bag, b: &Bag, max_diffs: usize) -> TableReport {
    let mut tr = TableReport { rows_merged: a.total + b.total, ..TableReport::new(format!("query: {name}")) };
    let mut check = Check {
        check: "query".into(),
        status: Status::Pass,
        source: Some(crate::report::rows(a.total)),
        target: Some(crate::report::rows(b.total)),
        details: vec![],
    };
    if a.total > 0 && b.total > 0 && a.columns != b.columns {
        check.details.push(format!("columns differ: source {:?}, target {:?}", a.columns, b.columns));
        check.status = Status::Fail;
    }
    let names = labels(if a.columns.is_empty() { &b.columns } else { &a.columns });
    let mut keys: Vec<&Vec<String>> = a.rows.keys().chain(b.rows.keys()).collect();
    keys.sort();
    keys.dedup();
    for row in keys {
        let (na, nb) = (a.rows.get(row).copied().unwrap_or(0), b.rows.get(row).copied().unwrap_or(0));
        if na == nb {
            continue;
        }
        check.status = Status::Fail;
        tr.differences_total += 1;
        if tr.differences.len() >= max_diffs {
            continue;
        }
        let kind = match (na, nb) {
            (_, 0) => DiffKind::MissingInTarget,
            (0, _) => DiffKind::ExtraInTarget,
            _ => DiffKind::CountDiffers,
        };
        let key = row
            .iter()
            .enumerate()
            .map(|(i, v)| (names.get(i).cloned().unwrap_or_else(|| format!("column{}", i + 1)), v.clone()))
            .collect();
        tr.differences.push(RowDifference {
            kind,
            key,
            columns: vec![],
            source_count: Some(na),
            target_count: Some(nb),
        });
    }
    tr.checks.push(check);
    tr
}

/// Runs each query on both sides and compares the results.
pub async fn run_all(
    src: &mut Connection,
    tgt: &mut Connection,
    queries: &[NamedQuery],
    max_diffs: usize,
) -> Vec<TableReport> {
    let mut out = Vec::new();
    for q in queries {
        let started = std::time::Instant::now();
        let (a, b) = tokio::join!(src.query_rows(&q.sql, &[]), tgt.query_rows(&q.sql, &[]));
        let mut tr = match (a, b) {
            (Ok(a), Ok(b)) => compare(&q.name, &Bag::of(&a), &Bag::of(&b), max_diffs),
            (a, b) => {
                let mut tr = compare(&q.name, &Bag::default(), &Bag::default(), max_diffs);
                tr.checks[0] = Check {
                    check: "query".into(),
                    status: Status::Error,
                    source: None,
                    target: None,
                    details: [(src.target().to_string(), a.err()), (tgt.target().to_string(), b.err())]
                        .into_iter()
                        .filter_map(|(server, e)| {
                            e.map(|e| format!("{server}: {}", cutover_mssql::one_line(&e)))
                        })
                        .collect(),
                };
                tr
            }
        };
        for conn in [&mut *src, &mut *tgt] {
            if conn.is_broken() {
                let _ = conn.reconnect().await;
            }
        }
        tr.seconds = started.elapsed().as_secs_f64();
        out.push(tr);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bag(rows: &[(&[&str], u64)]) -> Bag {
        Bag {
            columns: vec!["region".into(), "n".into()],
            rows: rows.iter().map(|(r, n)| (r.iter().map(|s| s.to_string()).collect(), *n)).collect(),
            total: rows.iter().map(|(_, n)| n).sum(),
        }
    }

    #[test]
    fn parses_and_rejects_bad_files() {
        let q = parse("[[query]]\nname = \"a\"\nsql = \"SELECT 1\"\n", "q.toml").unwrap();
        assert_eq!(q, vec![NamedQuery { name: "a".into(), sql: "SELECT 1".into() }]);
        for bad in [
            "",
            "[[query]]\nname = \"a\"\n",
            "[[query]]\nname=\"a\"\nsql=\"x\"\n[[query]]\nname=\"a\"\nsql=\"y\"\n",
        ] {
            let e = parse(bad, "q.toml").unwrap_err().to_string();
            assert!(e.contains("q.toml"), "{e}");
        }
    }

    #[test]
    fn compares_as_bags_of_typed_rows() {
        let a = bag(&[(&["text \"east\"", "bigint 3"], 1), (&["text \"west\"", "bigint 2"], 2)]);
        let same = bag(&[(&["text \"west\"", "bigint 2"], 2), (&["text \"east\"", "bigint 3"], 1)]);
        assert_eq!(compare("q", &a, &same, 10).status(), Status::Pass);
        let b = bag(&[(&["text \"east\"", "int 3"], 1), (&["text \"west\"", "bigint 2"], 1)]);
        let tr = compare("q", &a, &b, 10);
        assert_eq!(tr.status(), Status::Fail);
        let kinds: Vec<DiffKind> = tr.differences.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, vec![DiffKind::MissingInTarget, DiffKind::ExtraInTarget, DiffKind::CountDiffers]);
        assert_eq!(tr.differences[0].key["n"], "bigint 3");
        assert_eq!(tr.differences[1].key["n"], "int 3");
        assert_eq!(typed(&ColumnData::String(None)), "NULL");
        assert_ne!(typed(&ColumnData::String(Some("".into()))), "NULL");
        assert_eq!(typed(&ColumnData::F64(Some(0.1))), "float 0.1");
    }
}
