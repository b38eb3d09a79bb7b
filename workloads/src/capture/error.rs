//! What can stop a capture, each saying what to do.

use std::path::PathBuf;

/// A capture that could not run or complete.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The server refused or failed a step.
    #[error("{step}")]
    Server {
        /// What was being done, and the fix when one is known.
        step: String,
        #[source]
        source: cutover_mssql::Error,
    },
    /// The output file cannot be written.
    #[error("cannot write {}; check the --out path and free space", .path.display())]
    Write { path: PathBuf, source: std::io::Error },
    /// A setting cannot be used here.
    #[error("{0}")]
    Setting(String),
}

impl CaptureError {
    pub(crate) fn server(step: impl Into<String>) -> impl FnOnce(cutover_mssql::Error) -> CaptureError {
        let step = step.into();
        move |source| CaptureError::Server { step, source }
    }
}
