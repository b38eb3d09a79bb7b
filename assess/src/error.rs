//! One error enum for the crate; every message names the input and the fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    /// The baseline format's own reader refused the folder (missing, another version, a part gone).
    #[error(transparent)]
    Format(#[from] cutover_baseline::BaselineError),
    #[error("{path} is not a cutover baseline: {detail} (write one with `cutover collect --out DIR`)")]
    Baseline { path: PathBuf, detail: String },
    #[error("the baseline {path} has no instance named '{name}' (it has: {known})")]
    NoSuchInstance { path: PathBuf, name: String, known: String },
    #[error("the data table {name} is invalid: {detail}")]
    Data { name: String, detail: String },
    #[error("--percentile {value} is out of range: give a number between 1 and 100, e.g. 95")]
    Percentile { value: f64 },
    #[error("--headroom '{value}' is not a percentage: write e.g. 20% or 0.2")]
    Headroom { value: String },
}
