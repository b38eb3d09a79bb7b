//! Statistics for verdicts: window summaries (avg, percentiles, max) and the Mann-Whitney U
//! test, on plain samples or straight from two HdrHistograms (rank sums over buckets, so a
//! million executions cost as much as their distinct values).

pub mod mann_whitney;
pub mod summary;

pub use mann_whitney::{MannWhitney, mann_whitney, mann_whitney_hist};
pub use summary::{Stats, summarise};
