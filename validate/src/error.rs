//! Why a validation could not run.

/// Errors that stop a validation (a table's own failure is recorded in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("could not read the catalog of {server} (needs VIEW DEFINITION on the database)")]
    Catalog {
        server: String,
        #[source]
        source: Box<cutover_mssql::Error>,
    },
    #[error("query on {server} failed for table {table}")]
    Query {
        server: String,
        table: String,
        #[source]
        source: Box<cutover_mssql::Error>,
    },
    #[error("unexpected result from {server} for table {table}: {detail}")]
    Result { server: String, table: String, detail: String },
    #[error(
        "no table matches --tables {patterns:?} (minus --exclude); list the tables with `SELECT name FROM sys.tables`"
    )]
    NoTables { patterns: Vec<String> },
    #[error(
        "--float-tolerance {value}: give a power of ten such as 1e-6 (it rounds floats to that many decimal places)"
    )]
    FloatTolerance { value: String },
    #[error("--sample {value}: give a percentage above 0 and at most 100, such as 1% or 0.5%")]
    Sample { value: String },
    #[error("--priority {value:?}: give largest-first, name, or a comma-separated list of tables (globs)")]
    Priority { value: String },
    #[error("{path}: {detail}")]
    Reports { path: String, detail: String },
    #[error("--queries {path}: {detail}")]
    Queries { path: String, detail: String },
    #[error("checkpoint {path}: {detail}")]
    Checkpoint { path: String, detail: String },
    #[error("--resume needs --out DIR: the checkpoint lives in the report folder")]
    ResumeWithoutOut,
    #[error("could not write the report to {path}")]
    Write {
        path: String,
        #[source]
        source: Box<std::io::Error>,
    },
}

impl ValidateError {
    /// True when a reconnect and a second attempt may succeed (deadlock, failover, throttling,
    /// a killed session (596), a dropped connection, a timeout), as `cutover_mssql`'s error
    /// table classifies the cause.
    pub fn is_retryable(&self) -> bool {
        match self {
            ValidateError::Query { source, .. } | ValidateError::Catalog { source, .. } => {
                source.is_retryable()
            }
            _ => false,
        }
    }
}
