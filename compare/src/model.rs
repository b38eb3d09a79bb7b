//! The result of a comparison: the documented JSON report (`docs/compare-report.md`, schema
//! [`SCHEMA`]) is this struct serialised, and every other report form is rendered from it.

use serde::Serialize;

use crate::stats::Stats;

/// The JSON report's schema identifier (bumped on any incompatible change).
pub const SCHEMA: &str = "cutover.compare/1";

/// How one check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Outside the policy and outside noise, severity `fail`.
    Fail,
    /// Could not be evaluated (one side missing, input unusable); says why.
    NotComparable,
    /// Outside the policy and outside noise, severity `warn`.
    Warn,
    /// Too few samples or within noise while beyond the threshold.
    Indeterminate,
    /// Within the policy (or within noise).
    Pass,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Fail => "FAIL",
            Verdict::NotComparable => "NOT COMPARABLE",
            Verdict::Warn => "WARN",
            Verdict::Indeterminate => "INDETERMINATE",
            Verdict::Pass => "pass",
        }
    }
}

/// The Database Experimentation Assistant's classification of a query or template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    NewErrors,
    Degraded,
    Indeterminate,
    Unchanged,
    Improved,
    ResolvedErrors,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::NewErrors => "new errors",
            Class::Degraded => "degraded",
            Class::Indeterminate => "indeterminate",
            Class::Unchanged => "unchanged",
            Class::Improved => "improved",
            Class::ResolvedErrors => "resolved errors",
        }
    }
}

/// What a check is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// The inputs themselves (versions, completeness, overlap).
    Input,
    /// A server metric from the baselines.
    Metric,
    /// A query (query_hash) from the baselines.
    Query,
    /// A replay template.
    Template,
}

/// One policy check: the unit of pass/fail, one JUnit test case.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Stable identifier, e.g. `metric:cpu_percent:p95`.
    pub id: String,
    pub area: Area,
    /// What was measured, for humans.
    pub subject: String,
    /// The measure (`p95`, `duration per execution`, `response p95`, …).
    pub measure: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<Class>,
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    pub unit: String,
    /// (candidate − baseline) / baseline × 100, when both exist and the baseline is not zero.
    pub change_pct: Option<f64>,
    /// Mann-Whitney two-sided p-value, when tested.
    pub p_value: Option<f64>,
    /// The policy threshold applied, in words.
    pub threshold: String,
    /// Why, in one sentence.
    pub reason: String,
}

impl Check {
    /// Sort key: worst first (verdict, then the largest rise).
    pub fn severity_key(&self) -> (Verdict, i64) {
        (self.verdict, -(self.change_pct.unwrap_or(0.0).clamp(-1e12, 1e12) * 1000.0) as i64)
    }
}

/// A metric aligned across the two baselines.
#[derive(Clone, Debug, Serialize)]
pub struct MetricRow {
    /// Canonical name: `metric{label=value,…}`.
    pub key: String,
    pub unit: String,
    pub baseline: Option<Stats>,
    pub candidate: Option<Stats>,
    pub p_value: Option<f64>,
}

/// One query (by query_hash, or normalised text) across the two baselines.
#[derive(Clone, Debug, Serialize)]
pub struct QueryRow {
    pub query_hash: String,
    /// How the two sides were matched: `query_hash` or `text`.
    pub matched_by: String,
    pub text: Option<String>,
    pub class: Class,
    pub baseline: Option<QuerySide>,
    pub candidate: Option<QuerySide>,
    /// Whether the sets of query_plan_hash values seen differ between the sides (`null` when a
    /// side recorded none, as baselines from before plans were kept).
    pub plan_changed: Option<bool>,
}

impl QueryRow {
    /// `changed`, `same`, or `–` when a side recorded no plan.
    pub fn plan_label(&self) -> &'static str {
        match self.plan_changed {
            Some(true) => "changed",
            Some(false) => "same",
            None => "–",
        }
    }
}

/// Per-execution figures of one query on one side, over its window.
#[derive(Clone, Debug, Default, Serialize)]
pub struct QuerySide {
    pub executions: f64,
    pub cpu_ms: f64,
    pub duration_ms: f64,
    pub logical_reads: f64,
    pub physical_reads: f64,
    pub writes: f64,
    /// Per-interval average durations (ms), the samples the test uses.
    pub intervals: usize,
}

/// Latency percentiles of one side, in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Latency {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p99_9: f64,
    pub max: f64,
}

/// One replay template on one side.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TemplateSide {
    pub ok: u64,
    pub errors: u64,
    pub errors_by_number: std::collections::BTreeMap<String, u64>,
    /// Successful units per second of measured time (all shards).
    pub throughput: f64,
    pub error_rate: f64,
    pub response_ms: Latency,
    pub service_ms: Latency,
    /// (percentile, ms) points of the response-time curve, for charts.
    pub curve: Vec<(f64, f64)>,
}

/// One replay template across the two runs.
#[derive(Clone, Debug, Serialize)]
pub struct TemplateRow {
    pub name: String,
    pub class: Class,
    pub baseline: Option<TemplateSide>,
    pub candidate: Option<TemplateSide>,
    pub p_value: Option<f64>,
    pub new_errors: Vec<String>,
    pub resolved_errors: Vec<String>,
}

/// A series for a chart: (seconds since the side's start, value).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overlay {
    pub title: String,
    pub unit: String,
    pub baseline: Vec<(f64, f64)>,
    pub candidate: Vec<(f64, f64)>,
}

/// What one side was.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SideInfo {
    pub path: String,
    /// Instance name, server version or workload.
    pub description: String,
    pub started_at: Option<String>,
    pub complete: bool,
}

/// Everything a comparison found. Reports render it; [`Comparison::passed`] gates on it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Comparison {
    pub schema: String,
    pub cutover_version: String,
    /// The policy file, or `defaults`.
    pub policy: String,
    pub baseline: Option<SideInfo>,
    pub candidate: Option<SideInfo>,
    pub replay_baseline: Option<SideInfo>,
    pub replay_candidate: Option<SideInfo>,
    /// Every check, worst first.
    pub checks: Vec<Check>,
    pub metrics: Vec<MetricRow>,
    pub queries: Vec<QueryRow>,
    pub templates: Vec<TemplateRow>,
    /// Series only one side has (names), for the record.
    pub only_in_baseline: Vec<String>,
    pub only_in_candidate: Vec<String>,
    /// Time-series overlays for the HTML report (CPU, IO latency, top waits).
    pub overlays: Vec<Overlay>,
}

impl Comparison {
    /// The inputs that were given, labelled as every report names them.
    pub fn inputs(&self) -> impl Iterator<Item = (&'static str, &SideInfo)> {
        [
            ("baseline", &self.baseline),
            ("candidate", &self.candidate),
            ("replay baseline", &self.replay_baseline),
            ("replay candidate", &self.replay_candidate),
        ]
        .into_iter()
        .filter_map(|(label, side)| side.as_ref().map(|s| (label, s)))
    }

    /// True when no check failed.
    pub fn passed(&self) -> bool {
        self.failures() == 0
    }

    /// Checks whose verdict is [`Verdict::Fail`].
    pub fn failures(&self) -> usize {
        self.checks.iter().filter(|c| c.verdict == Verdict::Fail).count()
    }

    /// Checks with a given verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.checks.iter().filter(|c| c.verdict == verdict).count()
    }

    /// One line: PASS/FAIL and the counts.
    pub fn headline(&self) -> String {
        let word = if self.passed() { "PASS" } else { "FAIL" };
        format!(
            "{word}: {} checks, {} failed, {} warnings, {} not comparable, {} indeterminate",
            self.checks.len(),
            self.failures(),
            self.count(Verdict::Warn),
            self.count(Verdict::NotComparable),
            self.count(Verdict::Indeterminate),
        )
    }

    /// Sorts checks worst first (stable, then by id).
    pub fn sort(&mut self) {
        self.checks.sort_by(|a, b| a.severity_key().cmp(&b.severity_key()).then_with(|| a.id.cmp(&b.id)));
    }
}
