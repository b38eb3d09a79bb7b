//! Server metrics side by side: every canonical series present on both sides is summarised
//! (avg, p50, p95, p99, max) and tested (Mann-Whitney on per-interval samples, grouped into at
//! most [`MAX_SAMPLES`] windows so long runs at short intervals stay fast and less
//! autocorrelated); every `[[metric]]` rule of the policy becomes checks on the series it
//! matches.

use std::collections::{BTreeMap, BTreeSet};

use super::series::{Loaded, Series};
use crate::model::{Area, Check, MetricRow, Overlay};
use crate::policy::Policy;
use crate::stats::{MannWhitney, Stats, mann_whitney, summarise};
use crate::verdict::{Evidence, Rule, judge};
use cutover_common::glob::glob;

/// Samples per side the test sees at most.
pub const MAX_SAMPLES: usize = 1000;
/// Points per side in a chart.
pub const CHART_POINTS: usize = 300;

/// What the metric comparison produced.
#[derive(Debug, Default)]
pub struct MetricsResult {
    pub rows: Vec<MetricRow>,
    pub checks: Vec<Check>,
    pub overlays: Vec<Overlay>,
    pub only_in_baseline: Vec<String>,
    pub only_in_candidate: Vec<String>,
}

/// Per-key figures computed once.
struct Side {
    stats: Stats,
    samples: Vec<f64>,
}

fn side(s: &Series) -> Side {
    let samples = windows(&s.values, MAX_SAMPLES);
    let mut v = s.values.clone();
    Side { stats: summarise(&mut v), samples }
}

/// Means of consecutive runs, so at most `max` samples remain.
pub fn windows(values: &[f64], max: usize) -> Vec<f64> {
    if values.len() <= max {
        return values.to_vec();
    }
    let k = values.len().div_ceil(max);
    values.chunks(k).map(|c| c.iter().sum::<f64>() / c.len() as f64).collect()
}

/// Compares the metric series of two baselines; `caps` are the candidate's governance caps
/// (for rules with `max_share_of`).
pub fn compare(base: &Loaded, cand: &Loaded, policy: &Policy, caps: &BTreeMap<String, f64>) -> MetricsResult {
    let mut out = MetricsResult::default();
    let keys: BTreeSet<&str> = base.series.iter().chain(&cand.series).map(|s| s.key.as_str()).collect();
    for key in keys.into_iter().filter(|k| !k.starts_with("query:")) {
        let (b, c) = (base.get(key).map(side), cand.get(key).map(side));
        let unit = base.get(key).or(cand.get(key)).map(|s| s.unit.clone()).unwrap_or_default();
        let test = match (&b, &c) {
            (Some(b), Some(c)) => mann_whitney(&b.samples, &c.samples),
            _ => None,
        };
        match (&b, &c) {
            (Some(_), None) => out.only_in_baseline.push(key.to_string()),
            (None, Some(_)) => out.only_in_candidate.push(key.to_string()),
            _ => {}
        }
        for (i, r) in policy.metrics.iter().enumerate().filter(|(_, r)| glob(&r.pattern, key)) {
            let Some(limits) = r.limits_for(caps) else { continue };
            let absolute_only = limits.max_increase_pct.is_none();
            let judgeable = c.is_some() && (b.is_some() || absolute_only);
            if !judgeable && !r.require {
                continue;
            }
            let rule = Judged { index: i, rule: r, limits: &limits, caps };
            out.checks.push(check(&rule, key, &unit, b.as_ref(), c.as_ref(), test, policy));
        }
        out.rows.push(MetricRow {
            key: key.to_string(),
            unit,
            baseline: b.map(|s| s.stats),
            candidate: c.map(|s| s.stats),
            p_value: test.map(|t| t.p),
        });
    }
    required_but_absent(policy, &out.rows, &mut out.checks);
    out.overlays = overlays(base, cand, &out.rows);
    out
}

/// One rule as applied to one key: its place in the policy and its limits given the caps.
struct Judged<'a> {
    index: usize,
    rule: &'a crate::policy::MetricRule,
    limits: &'a crate::policy::Limits,
    caps: &'a BTreeMap<String, f64>,
}

fn check(
    judged: &Judged,
    key: &str,
    unit: &str,
    b: Option<&Side>,
    c: Option<&Side>,
    test: Option<MannWhitney>,
    policy: &Policy,
) -> Check {
    let (index, r, limits) = (judged.index, judged.rule, judged.limits);
    let ev = Evidence {
        baseline: b.and_then(|s| s.stats.get(&r.stat)),
        candidate: c.and_then(|s| s.stats.get(&r.stat)),
        n_baseline: b.map_or(0, |s| s.stats.count),
        n_candidate: c.map_or(0, |s| s.stats.count),
        min_n: policy.min_intervals as u64,
        n_what: "intervals",
        test,
        unit: unit.into(),
        measure: r.stat.clone(),
    };
    let j = judge(&Rule { limits, better: r.better, severity: r.severity, alpha: policy.alpha }, &ev);
    Check {
        id: format!("metric:{key}:{}:{index}", r.stat),
        area: Area::Metric,
        subject: key.to_string(),
        measure: r.stat.clone(),
        verdict: j.verdict,
        class: Some(j.class),
        baseline: ev.baseline,
        candidate: ev.candidate,
        unit: unit.into(),
        change_pct: j.change_pct,
        p_value: test.map(|t| t.p),
        threshold: threshold_text(limits, unit, &cap_why(r, judged.caps, unit)),
        reason: j.reason,
    }
}

/// The rule's reason, with the cap it was sized from (in the metric's unit).
fn cap_why(r: &crate::policy::MetricRule, caps: &BTreeMap<String, f64>, unit: &str) -> String {
    let Some((cap, value)) = r.max_share_of.as_ref().and_then(|cap| Some((cap, caps.get(cap)?))) else {
        return r.why.clone();
    };
    let share = format!(
        "{:.0}% of the candidate's {cap} of {}",
        r.max_share * 100.0,
        cutover_common::units::show(*value, unit)
    );
    if r.why.is_empty() { share } else { format!("{share}; {}", r.why) }
}

/// `require = true` rules whose pattern matched nothing at all.
fn required_but_absent(policy: &Policy, rows: &[MetricRow], checks: &mut Vec<Check>) {
    for (i, r) in policy.metrics.iter().enumerate().filter(|(_, r)| r.require) {
        if rows.iter().any(|row| glob(&r.pattern, &row.key)) {
            continue;
        }
        checks.push(Check {
            id: format!("metric:{}:{}:{i}", r.pattern, r.stat),
            area: Area::Metric,
            subject: r.pattern.clone(),
            measure: r.stat.clone(),
            verdict: crate::model::Verdict::Fail,
            class: None,
            baseline: None,
            candidate: None,
            unit: String::new(),
            change_pct: None,
            p_value: None,
            threshold: threshold_text(&r.limits, "", &r.why),
            reason: format!("the policy requires {} but neither baseline measured it", r.pattern),
        });
    }
}

/// The rule's limits in words.
pub fn threshold_text(l: &crate::policy::Limits, unit: &str, why: &str) -> String {
    let mut parts = Vec::new();
    if let Some(p) = l.max_increase_pct {
        parts.push(format!("worsens ≤ {p}%"));
    }
    if let Some(v) = l.max_value {
        parts.push(format!("≤ {}", cutover_common::units::show(v, unit)));
    }
    if let Some(v) = l.min_value {
        parts.push(format!("≥ {}", cutover_common::units::show(v, unit)));
    }
    let text = parts.join(", ");
    if why.is_empty() { text } else { format!("{text} ({why})") }
}

/// CPU, the busiest data and log files' latency and the top wait categories, overlaid.
fn overlays(base: &Loaded, cand: &Loaded, rows: &[MetricRow]) -> Vec<Overlay> {
    let both = |r: &&MetricRow| r.baseline.is_some() && r.candidate.is_some();
    let top = |prefix: &str, n: usize| -> Vec<String> {
        let mut v: Vec<&MetricRow> = rows.iter().filter(both).filter(|r| r.key.starts_with(prefix)).collect();
        v.sort_by(|a, b| {
            let s = |r: &MetricRow| r.candidate.map_or(0.0, |s| s.avg).max(r.baseline.map_or(0.0, |s| s.avg));
            s(b).total_cmp(&s(a))
        });
        v.into_iter().take(n).map(|r| r.key.clone()).collect()
    };
    let mut keys = vec!["cpu_percent".to_string()];
    keys.extend(top("io_read_latency_seconds{", 1));
    keys.extend(top("io_write_latency_seconds{", 1));
    keys.extend(top("wait_category_seconds{", 3));
    keys.into_iter()
        .filter_map(|k| {
            let (b, c) = (base.get(&k)?, cand.get(&k)?);
            Some(Overlay {
                title: k.clone(),
                unit: b.unit.clone(),
                baseline: downsample(b, base.start_ms),
                candidate: downsample(c, cand.start_ms),
            })
        })
        .collect()
}

/// (seconds since the side's start, bucket mean), at most [`CHART_POINTS`] points.
pub fn downsample(s: &Series, start_ms: Option<i64>) -> Vec<(f64, f64)> {
    let start = start_ms.unwrap_or(0);
    let k = s.values.len().div_ceil(CHART_POINTS).max(1);
    s.ts.chunks(k)
        .zip(s.values.chunks(k))
        .map(|(t, v)| ((t[0] - start) as f64 / 1000.0, v.iter().sum::<f64>() / v.len() as f64))
        .collect()
}
