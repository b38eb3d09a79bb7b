//! Replay templates side by side: response- and service-time percentiles from the merged
//! histograms, throughput, error rates, new and resolved error numbers; each `[[template]]`
//! rule gives a check, tested with Mann-Whitney over every execution (from the histograms'
//! buckets) or, for throughput, over per-interval counts. Error rates use a two-proportion test.

use std::collections::{BTreeMap, BTreeSet};

use hdrhistogram::Histogram;

use super::hlog::Merged;
use super::run::{Counts, RunSide};
use crate::model::{Area, Check, Class, Latency, TemplateRow, TemplateSide, Verdict};
use crate::policy::{Better, Policy, TemplateRule};
use crate::stats::{MannWhitney, mann_whitney, mann_whitney_hist};
use crate::verdict::{Evidence, Rule, judge, p_is};
use cutover_common::glob::glob;

/// Quantiles drawn in the percentile curve.
pub const CURVE: &[f64] = &[0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0];

/// One side of a replay: its runs and merged histograms.
pub struct Replay<'a> {
    pub run: &'a RunSide,
    pub hist: &'a Merged,
}

fn latency(h: Option<&Histogram<u64>>) -> Latency {
    let Some(h) = h.filter(|h| !h.is_empty()) else { return Latency::default() };
    let q = |x: f64| h.value_at_quantile(x) as f64 / 1e3;
    Latency {
        count: h.len(),
        mean: h.mean() / 1e3,
        p50: q(0.5),
        p90: q(0.9),
        p95: q(0.95),
        p99: q(0.99),
        p99_9: q(0.999),
        max: h.max() as f64 / 1e3,
    }
}

fn side(r: &Replay, name: &str, counts: &Counts) -> TemplateSide {
    let resp = r.hist.totals.get(&format!("{name}.response"));
    let finished = counts.ok + counts.errors;
    TemplateSide {
        ok: counts.ok,
        errors: counts.errors,
        errors_by_number: counts.errors_by_number.clone(),
        throughput: if r.run.measured_s > 0.0 { counts.ok as f64 / r.run.measured_s } else { 0.0 },
        error_rate: if finished > 0 { counts.errors as f64 / finished as f64 * 100.0 } else { 0.0 },
        response_ms: latency(resp),
        service_ms: latency(r.hist.totals.get(&format!("{name}.service"))),
        curve: resp
            .filter(|h| !h.is_empty())
            .map(|h| CURVE.iter().map(|&q| (q * 100.0, h.value_at_quantile(q) as f64 / 1e3)).collect())
            .unwrap_or_default(),
    }
}

/// Compares every template of two replays.
pub fn compare(base: &Replay, cand: &Replay, policy: &Policy) -> (Vec<TemplateRow>, Vec<Check>) {
    let mut names: Vec<String> = base.run.templates.iter().map(|(n, _)| n.clone()).collect();
    for (n, _) in &cand.run.templates {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    let (mut rows, mut checks) = (Vec::new(), Vec::new());
    for name in names {
        let find = |r: &Replay| r.run.templates.iter().find(|(n, _)| *n == name).map(|(_, c)| c.clone());
        let (bc, cc) = (find(base), find(cand));
        let (bs, cs) = (bc.as_ref().map(|c| side(base, &name, c)), cc.as_ref().map(|c| side(cand, &name, c)));
        let tag = format!("{name}.response");
        let test = match (base.hist.totals.get(&tag), cand.hist.totals.get(&tag)) {
            (Some(b), Some(c)) => mann_whitney_hist(b, c),
            _ => None,
        };
        let mut mine = Vec::new();
        if let (Some(b), Some(c)) = (&bs, &cs) {
            for (i, r) in policy.templates.iter().enumerate().filter(|(_, r)| glob(&r.pattern, &name)) {
                mine.push(check(i, r, &name, b, c, base, cand, policy));
            }
        } else {
            mine.push(one_sided(&name, bs.is_some()));
        }
        let errs = |s: &Option<TemplateSide>| -> BTreeSet<String> {
            s.as_ref()
                .map(|s| s.errors_by_number.iter().filter(|(_, n)| **n > 0).map(|(k, _)| k.clone()).collect())
                .unwrap_or_default()
        };
        let (eb, ec) = (errs(&bs), errs(&cs));
        let new_errors: Vec<String> = ec.difference(&eb).cloned().collect();
        let resolved: Vec<String> =
            if cs.is_some() { eb.difference(&ec).cloned().collect() } else { Vec::new() };
        if !new_errors.is_empty() && bs.is_some() {
            mine.push(new_errors_check(&name, &new_errors, cs.as_ref()));
        }
        let mut class = crate::baseline::queries::worst_class(&mine);
        if !new_errors.is_empty() && bs.is_some() {
            class = Class::NewErrors;
        } else if !resolved.is_empty() && class != Class::Degraded {
            class = Class::ResolvedErrors;
        }
        checks.extend(mine);
        rows.push(TemplateRow {
            name,
            class,
            baseline: bs,
            candidate: cs,
            p_value: test.map(|t| t.p),
            new_errors,
            resolved_errors: resolved,
        });
    }
    (rows, checks)
}

#[allow(clippy::too_many_arguments)]
fn check(
    i: usize,
    r: &TemplateRule,
    name: &str,
    b: &TemplateSide,
    c: &TemplateSide,
    base: &Replay,
    cand: &Replay,
    policy: &Policy,
) -> Check {
    let (kind, stat) = r.measure.split_once('_').unwrap_or((r.measure.as_str(), ""));
    let mut ev = Evidence {
        n_baseline: b.ok,
        n_candidate: c.ok,
        min_n: policy.min_executions,
        n_what: "executions",
        unit: "ms".into(),
        measure: format!("{kind} {}", stat.replace('_', ".")),
        ..Default::default()
    };
    let mut better = Better::Lower;
    match kind {
        "response" | "service" => {
            let lat = |s: &TemplateSide| {
                if kind == "response" { s.response_ms.clone() } else { s.service_ms.clone() }
            };
            let pick = |l: Latency| match stat {
                "p50" => l.p50,
                "p90" => l.p90,
                "p95" => l.p95,
                "p99" => l.p99,
                _ => l.p99_9,
            };
            ev.baseline = Some(pick(lat(b)));
            ev.candidate = Some(pick(lat(c)));
            let tag = format!("{name}.{kind}");
            ev.test = match (base.hist.totals.get(&tag), cand.hist.totals.get(&tag)) {
                (Some(x), Some(y)) => mann_whitney_hist(x, y),
                _ => None,
            };
        }
        "error" => return error_rate_check(i, r, name, b, c, policy),
        _ => {
            better = Better::Higher;
            ev.measure = "throughput".into();
            ev.unit = "1/s".into();
            ev.baseline = Some(b.throughput);
            ev.candidate = Some(c.throughput);
            ev.test = per_interval_counts(base, cand, name);
        }
    }
    let j = judge(&Rule { limits: &r.limits, better, severity: r.severity, alpha: policy.alpha }, &ev);
    Check {
        id: format!("template:{name}:{}:{i}", r.measure),
        area: Area::Template,
        subject: name.to_string(),
        measure: ev.measure.clone(),
        verdict: j.verdict,
        class: Some(j.class),
        baseline: ev.baseline,
        candidate: ev.candidate,
        unit: ev.unit.clone(),
        change_pct: j.change_pct,
        p_value: ev.test.map(|t| t.p),
        threshold: crate::baseline::compare::threshold_text(&r.limits, &ev.unit, &r.why),
        reason: j.reason,
    }
}

fn per_interval_counts(base: &Replay, cand: &Replay, name: &str) -> Option<MannWhitney> {
    let counts = |r: &Replay| -> Vec<f64> {
        r.hist
            .intervals
            .get(&format!("{name}.response"))
            .map(|m| m.values().map(|h| h.len() as f64).collect())
            .unwrap_or_default()
    };
    mann_whitney(&counts(base), &counts(cand))
}

/// Error rate in percentage points, with a two-proportion z-test.
fn error_rate_check(
    i: usize,
    r: &TemplateRule,
    name: &str,
    b: &TemplateSide,
    c: &TemplateSide,
    policy: &Policy,
) -> Check {
    let (n1, n2) = ((b.ok + b.errors) as f64, (c.ok + c.errors) as f64);
    let (p1, p2) = (b.error_rate / 100.0, c.error_rate / 100.0);
    let pooled = (b.errors + c.errors) as f64 / (n1 + n2).max(1.0);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1.max(1.0) + 1.0 / n2.max(1.0))).sqrt();
    let p = if se > 0.0 { 2.0 * crate::stats::mann_whitney::normal_sf(((p2 - p1) / se).abs()) } else { 1.0 };
    let points = c.error_rate - b.error_rate;
    let allowed = r.limits.max_increase_pct.unwrap_or(0.0);
    let enough = b.ok + b.errors >= policy.min_executions && c.ok + c.errors >= policy.min_executions;
    let what = format!(
        "the error rate went from {:.2}% to {:.2}% ({:+.2} points)",
        b.error_rate, c.error_rate, points
    );
    let (verdict, class, reason) = if !enough {
        (
            Verdict::Indeterminate,
            Class::Indeterminate,
            format!("{what}, but fewer than {} executions ran on a side", policy.min_executions),
        )
    } else if points > allowed && p < policy.alpha {
        let v = if r.severity == crate::policy::Severity::Fail { Verdict::Fail } else { Verdict::Warn };
        (
            v,
            Class::Degraded,
            format!("{what}, beyond the {allowed} points allowed and outside noise ({})", p_is(p)),
        )
    } else if points > allowed {
        (
            Verdict::Indeterminate,
            Class::Indeterminate,
            format!("{what}, beyond the {allowed} points allowed but within noise ({})", p_is(p)),
        )
    } else {
        (Verdict::Pass, Class::Unchanged, format!("{what}, within the {allowed} points allowed"))
    };
    Check {
        id: format!("template:{name}:{}:{i}", r.measure),
        area: Area::Template,
        subject: name.to_string(),
        measure: "error rate".into(),
        verdict,
        class: Some(class),
        baseline: Some(b.error_rate),
        candidate: Some(c.error_rate),
        unit: "percent".into(),
        change_pct: None,
        p_value: Some(p),
        threshold: format!("rises ≤ {allowed} points ({})", r.why),
        reason,
    }
}

fn new_errors_check(name: &str, numbers: &[String], c: Option<&TemplateSide>) -> Check {
    let by: BTreeMap<&str, u64> = c
        .map(|c| {
            numbers.iter().map(|n| (n.as_str(), c.errors_by_number.get(n).copied().unwrap_or(0))).collect()
        })
        .unwrap_or_default();
    let list: Vec<String> = by.iter().map(|(n, k)| format!("{n} ×{k}")).collect();
    Check {
        id: format!("template:{name}:new_errors"),
        area: Area::Template,
        subject: name.to_string(),
        measure: "new errors".into(),
        verdict: Verdict::Warn,
        class: Some(Class::NewErrors),
        baseline: Some(0.0),
        candidate: Some(by.values().sum::<u64>() as f64),
        unit: "1".into(),
        change_pct: None,
        p_value: None,
        threshold: "no error numbers the baseline did not have".into(),
        reason: format!("the candidate raised errors the baseline never did: {}", list.join(", ")),
    }
}

fn one_sided(name: &str, in_baseline: bool) -> Check {
    let (side, other) = if in_baseline { ("baseline", "candidate") } else { ("candidate", "baseline") };
    Check {
        id: format!("template:{name}:present"),
        area: Area::Template,
        subject: name.to_string(),
        measure: "present".into(),
        verdict: Verdict::NotComparable,
        class: Some(Class::Indeterminate),
        baseline: None,
        candidate: None,
        unit: String::new(),
        change_pct: None,
        p_value: None,
        threshold: "runs on both sides".into(),
        reason: format!(
            "template {name} ran only in the {side} replay, so the {other} cannot be judged on it"
        ),
    }
}
