//! The policy: which differences fail a comparison. A TOML file (`docs/policy.md`) or the
//! built-in defaults ([`DEFAULT_POLICY`], following Microsoft's migration guidance). Rules for
//! server metrics (`[[metric]]`), baseline queries (`[[query]]`) and replay templates
//! (`[[template]]`); each names its measure, thresholds, minimum samples and severity.

use std::path::Path;

use serde::Deserialize;

use crate::error::CompareError;

/// The built-in policy, also shipped as the example in `docs/policy.md`.
pub const DEFAULT_POLICY: &str = include_str!("default_policy.toml");

/// Fail or warn.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Fail,
    Warn,
}

/// Which direction is worse.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Latency, CPU, waits: a rise is a degradation.
    #[default]
    Lower,
    /// Page life expectancy, throughput: a fall is a degradation.
    Higher,
}

/// Thresholds shared by every rule kind.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// A worsening beyond this many percent of the baseline (and outside noise) is a finding.
    pub max_increase_pct: Option<f64>,
    /// The candidate's value must not exceed this (absolute, in the measure's unit).
    pub max_value: Option<f64>,
    /// The candidate's value must not fall below this.
    pub min_value: Option<f64>,
    /// Changes smaller than this (measure's unit; ms for queries and templates) never count.
    #[serde(default)]
    pub min_delta: f64,
}

/// `[[metric]]`: a server metric from the two baselines.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricRule {
    /// Canonical metric key; `*` matches any run of characters.
    #[serde(rename = "match")]
    pub pattern: String,
    /// avg, p50, p95, p99 or max over the window.
    #[serde(default = "p95")]
    pub stat: String,
    #[serde(default)]
    pub better: Better,
    #[serde(default)]
    pub severity: Severity,
    /// Fail (instead of skipping) when the metric is missing on a side.
    #[serde(default)]
    pub require: bool,
    /// Why the rule exists, quoted in reports.
    #[serde(default)]
    pub why: String,
    /// A limit set by the candidate itself: the value must stay at or below `max_share` of
    /// this governance cap of the candidate (Managed Instance `sys.dm_instance_resource_governance`:
    /// `instance_max_log_rate` in bytes/s, `instance_cap_cpu`, …). Skipped when the candidate
    /// reports no such cap (not a Managed Instance).
    pub max_share_of: Option<String>,
    /// The share of `max_share_of` allowed (default 1.0).
    #[serde(default = "whole")]
    pub max_share: f64,
    #[serde(flatten)]
    pub limits: Limits,
}

impl MetricRule {
    /// The limits to apply given the candidate's caps; `None` when the rule names a cap the
    /// candidate does not have.
    pub fn limits_for(&self, caps: &std::collections::BTreeMap<String, f64>) -> Option<Limits> {
        let Some(cap) = &self.max_share_of else { return Some(self.limits.clone()) };
        let allowed = self.max_share * caps.get(cap)?;
        Some(Limits {
            max_value: Some(self.limits.max_value.map_or(allowed, |v| v.min(allowed))),
            ..self.limits.clone()
        })
    }
}

/// `[[query]]`: per-execution figures of each query in the two baselines.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryRule {
    /// duration, cpu, logical_reads, physical_reads or writes (per execution).
    pub measure: String,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default)]
    pub why: String,
    #[serde(flatten)]
    pub limits: Limits,
}

/// `[[template]]`: each replay template (or trace fingerprint).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateRule {
    /// Template name pattern (`*` wildcards).
    #[serde(rename = "match", default = "star")]
    pub pattern: String,
    /// response_p50/p90/p95/p99/p99_9, service_p50/…, error_rate (percentage points) or throughput.
    pub measure: String,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default)]
    pub why: String,
    #[serde(flatten)]
    pub limits: Limits,
}

/// The whole policy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Policy format version (1).
    #[serde(default = "one")]
    pub version: u32,
    /// Significance level of the Mann-Whitney test.
    #[serde(default = "alpha")]
    pub alpha: f64,
    /// Per-interval samples each side needs for a metric verdict.
    #[serde(default = "ten")]
    pub min_intervals: usize,
    /// Executions each side needs for a query or template verdict (DEA: 15).
    #[serde(default = "fifteen")]
    pub min_executions: u64,
    #[serde(default, rename = "metric")]
    pub metrics: Vec<MetricRule>,
    #[serde(default, rename = "query")]
    pub queries: Vec<QueryRule>,
    #[serde(default, rename = "template")]
    pub templates: Vec<TemplateRule>,
}

fn whole() -> f64 {
    1.0
}
fn p95() -> String {
    "p95".into()
}
fn star() -> String {
    "*".into()
}
fn one() -> u32 {
    1
}
fn alpha() -> f64 {
    0.01
}
fn ten() -> usize {
    10
}
fn fifteen() -> u64 {
    15
}

impl Policy {
    /// The built-in defaults.
    pub fn defaults() -> Policy {
        Policy::parse(DEFAULT_POLICY, Path::new("<defaults>")).expect("the default policy parses")
    }

    /// Reads a policy file (`None`: the defaults).
    pub fn load(path: Option<&Path>) -> Result<Policy, CompareError> {
        let Some(path) = path else { return Ok(Policy::defaults()) };
        let text = std::fs::read_to_string(path).map_err(|source| CompareError::Missing {
            path: path.to_path_buf(),
            expected: "a policy TOML file",
            source,
        })?;
        Policy::parse(&text, path)
    }

    /// Parses and checks a policy.
    pub fn parse(text: &str, path: &Path) -> Result<Policy, CompareError> {
        let err = |detail: String| CompareError::Policy { path: path.to_path_buf(), detail };
        let policy: Policy = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if policy.version != 1 {
            return Err(err(format!(
                "version {} is not supported (this cutover reads version 1)",
                policy.version
            )));
        }
        if !(0.0..0.5).contains(&policy.alpha) || policy.alpha == 0.0 {
            return Err(err(format!("alpha = {} must be between 0 and 0.5", policy.alpha)));
        }
        for (rule, value, allowed) in policy.choices() {
            if !allowed.contains(&value) {
                return Err(err(format!("{rule} \"{value}\" is not one of {}", allowed.join(", "))));
            }
        }
        Ok(policy)
    }

    /// Every rule field that takes one of a fixed set of values, in file order by rule kind:
    /// the rule and field (for the message), the value, the allowed values.
    fn choices(&self) -> impl Iterator<Item = (String, &str, &'static [&'static str])> {
        let stats = self.metrics.iter().map(|m| {
            (format!("[[metric]] {}: stat", m.pattern), m.stat.as_str(), crate::stats::summary::STAT_NAMES)
        });
        let queries =
            self.queries.iter().map(|q| ("[[query]] measure".into(), q.measure.as_str(), QUERY_MEASURES));
        let templates = self
            .templates
            .iter()
            .map(|t| ("[[template]] measure".into(), t.measure.as_str(), TEMPLATE_MEASURES));
        stats.chain(queries).chain(templates)
    }
}

/// `[[query]] measure` values.
pub const QUERY_MEASURES: &[&str] = &["duration", "cpu", "logical_reads", "physical_reads", "writes"];

/// `[[template]] measure` values.
pub const TEMPLATE_MEASURES: &[&str] = &[
    "response_p50",
    "response_p90",
    "response_p95",
    "response_p99",
    "response_p99_9",
    "service_p50",
    "service_p90",
    "service_p95",
    "service_p99",
    "service_p99_9",
    "error_rate",
    "throughput",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_parse_and_follow_the_guidance() {
        let p = Policy::defaults();
        assert_eq!((p.min_executions, p.alpha), (15, 0.01));
        assert!(p.metrics.iter().any(|m| m.pattern == "cpu_percent" && m.limits.max_value == Some(80.0)));
        assert!(p.queries.iter().any(|q| q.measure == "duration"));
        assert!(p.templates.iter().any(|t| t.measure == "response_p95"));
    }

    #[test]
    fn a_bad_policy_names_the_problem() {
        let e =
            Policy::parse("[[metric]]\nmatch = \"x\"\nstat = \"p42\"\n", Path::new("p.toml")).unwrap_err();
        assert!(e.to_string().contains("p42") && e.to_string().contains("p.toml"), "{e}");
        let e = Policy::parse("[[template]]\nmeasure = \"speed\"\n", Path::new("p.toml")).unwrap_err();
        assert!(e.to_string().contains("speed"), "{e}");
        assert!(Policy::parse("bogus = 1\n", Path::new("p.toml")).is_err());
    }
}
