//! [`CompareError`]: why a comparison could not be made. Every message names the input and
//! the fix; the CLI turns any of them into exit code 2 ("could not compare").

use std::path::PathBuf;

/// Why a comparison could not be made (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(
        "nothing to compare: give --baseline and --candidate (two `cutover collect` folders), \
         or --replay-baseline and --replay-candidate (two `cutover replay` folders), or both"
    )]
    NothingToCompare,
    #[error("{what} is given without its other side: give both {flags}")]
    OneSided { what: &'static str, flags: &'static str },
    #[error("{path} does not exist or cannot be read (expected {expected})")]
    Missing { path: PathBuf, expected: &'static str, source: std::io::Error },
    #[error("{path} is not a valid {expected}: {detail}")]
    Corrupt { path: PathBuf, expected: &'static str, detail: String },
    #[error(
        "{path} was written by {found}; this cutover {version} reads {wanted}: \
         re-collect with this version, or compare with the version that wrote it"
    )]
    Version { path: PathBuf, found: String, wanted: String, version: &'static str },
    #[error(transparent)]
    Baseline(#[from] cutover_baseline::BaselineError),
    #[error("not comparable: {0}")]
    NotComparable(String),
    #[error("policy {path}: {detail} (see docs/policy.md)")]
    Policy { path: PathBuf, detail: String },
    #[error("could not read the Parquet series {path}: {detail}")]
    Parquet { path: PathBuf, detail: String },
    #[error("could not write {path} (check that the --out folder is writable)")]
    Write { path: PathBuf, source: std::io::Error },
}

impl CompareError {
    /// A [`CompareError::Corrupt`] for `path`.
    pub fn corrupt(path: impl Into<PathBuf>, expected: &'static str, detail: impl ToString) -> Self {
        CompareError::Corrupt { path: path.into(), expected, detail: detail.to_string() }
    }
}
