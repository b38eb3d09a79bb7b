//! Baselines (`cutover collect --out DIR`, `docs/baseline-format.md`): opened and checked by
//! the format's own crate ([`cutover_baseline::Baseline::open`], [`open`] here adds what makes
//! a baseline comparable), the Parquet series loaded with polars and aligned across editions
//! into canonical series ([`series`], [`align`]), then summarised and compared ([`compare`])
//! with the per-query view ([`queries`]).
//!
//! Dependencies run one way: `compare` and `queries` read `series`, which maps raw series with
//! `align`; nothing here reads back up.

pub mod align;
pub mod compare;
pub mod queries;
pub mod series;

use std::collections::BTreeMap;
use std::path::Path;

use cutover_baseline::Baseline;

use crate::error::CompareError;

/// Opens and checks the baseline in `dir`; one without any series is not comparable.
pub fn open(dir: &Path) -> Result<Baseline, CompareError> {
    let b = Baseline::open(dir)?;
    if b.parts.is_empty() {
        return Err(CompareError::NotComparable(format!(
            "{} holds no series (rows_written = {}): the collection wrote nothing to compare",
            b.json.display(),
            b.doc.rows_written
        )));
    }
    Ok(b)
}

/// The instance names with their product versions, for the report.
pub fn description(b: &Baseline) -> String {
    let names: Vec<String> = b
        .doc
        .instances
        .iter()
        .map(|i| match i.product_version() {
            Some(v) => format!("{} ({v})", i.name),
            None => i.name.clone(),
        })
        .collect();
    names.join(", ")
}

/// The governance caps the first instance that has them reports (Managed Instance only).
pub fn caps(b: &Baseline) -> BTreeMap<String, f64> {
    b.doc.instances.iter().map(|i| i.governance_caps()).find(|c| !c.is_empty()).unwrap_or_default()
}
