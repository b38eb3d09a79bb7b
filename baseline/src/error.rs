//! [`BaselineError`]: why a baseline could not be written or read. Every message names the
//! file and what to do; the underlying cause is chained (`source`), not repeated.

use std::path::PathBuf;

/// Failures writing or reading a baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("could not write {path} (check that the --out folder is writable and the disk has room)")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("could not write Parquet file {path}")]
    WriteParquet { path: PathBuf, source: parquet::errors::ParquetError },
    #[error("could not write CSV file {path}")]
    WriteCsv { path: PathBuf, source: csv::Error },
    #[error(
        "{path} does not exist or cannot be read (expected a baseline folder written by `cutover collect --out`)"
    )]
    Missing { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a valid {expected}: {detail}")]
    Corrupt { path: PathBuf, expected: &'static str, detail: String },
    #[error(
        "{path} was written by {found}; this cutover {version} reads {wanted}: \
         re-collect with this version, or read it with the version that wrote it",
        version = env!("CARGO_PKG_VERSION")
    )]
    Version { path: PathBuf, found: String, wanted: String },
    #[error(
        "could not read the Parquet series {path} (is the baseline folder complete and written by cutover collect?)"
    )]
    ReadParquet { path: PathBuf, source: parquet::errors::ParquetError },
}

impl BaselineError {
    /// A [`BaselineError::Corrupt`] for `path`.
    pub fn corrupt(path: impl Into<PathBuf>, expected: &'static str, detail: impl ToString) -> Self {
        BaselineError::Corrupt { path: path.into(), expected, detail: detail.to_string() }
    }
}
