//! What one sampling round of one instance produces: tidy points for the baseline, the
//! exposition values for Prometheus, gaps and errors.

use chrono::NaiveDateTime;
/// Gaps and family errors are baseline.json's own types.
pub use cutover_baseline::{FamilyError, Gap};

/// Label pairs, sorted by key.
pub type Labels = Vec<(&'static str, String)>;

/// A tidy baseline point (the instance and timestamp are the round's).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub family: &'static str,
    pub metric: String,
    pub labels: Labels,
    pub value: f64,
    pub unit: &'static str,
}

/// The Prometheus type of an exposed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromKind {
    Gauge,
    Counter,
}

/// A value for `/metrics`: name without the `mssql_` prefix (and without `_total`).
#[derive(Clone, Debug, PartialEq)]
pub struct PromValue {
    pub name: String,
    pub help: &'static str,
    pub kind: PromKind,
    pub labels: Labels,
    pub value: f64,
}

/// One round of one instance.
#[derive(Clone, Debug, Default)]
pub struct Round {
    pub instance: String,
    /// The server's clock (UTC) at the sample; `None` when nothing could be read.
    pub at: Option<NaiveDateTime>,
    pub up: bool,
    pub points: Vec<Point>,
    pub prom: Vec<PromValue>,
    pub gaps: Vec<Gap>,
    pub errors: Vec<FamilyError>,
    /// Families read successfully this round.
    pub families_ok: Vec<&'static str>,
    /// Queries sent / failed, round trips, and the collector's own time for the round.
    pub queries: u64,
    pub queries_failed: u64,
    pub round_trips: u64,
    pub duration_secs: f64,
    pub late: bool,
    /// The connect-and-probe before an instance's schedule starts ([`crate::sampler::InstanceSampler::prepare`]):
    /// not a sample, not counted as a round.
    pub setup: bool,
}

/// Sorts label pairs by key.
pub fn labels(mut pairs: Labels) -> Labels {
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    pairs
}
