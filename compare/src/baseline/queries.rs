//! Per-query comparison from the baselines' query stats: queries matched by `query_hash`
//! (fallback: normalised statement text), per-execution CPU, duration, reads and writes over
//! each side's window, and a Mann-Whitney test on the per-interval averages. Each `[[query]]`
//! rule gives one check per query seen on both sides; the query's class is the worst of them.

use std::collections::{BTreeMap, BTreeSet};

use super::series::Loaded;
use crate::model::{Area, Check, Class, QueryRow, QuerySide, Verdict};
use crate::policy::Policy;
use crate::stats::mann_whitney;
use crate::verdict::{Evidence, Rule, judge};

/// A query matched across the sides: hash, how it was matched, baseline, candidate.
type Pair = (String, String, Option<Raw>, Option<Raw>);

/// One side of one query: totals, per-interval per-execution samples (by measure) and the
/// plan hashes seen.
#[derive(Debug, Default)]
struct Raw {
    side: QuerySide,
    samples: BTreeMap<&'static str, Vec<f64>>,
    plans: BTreeSet<String>,
}

/// What a baseline knows about its queries besides the series: statement text and plan hashes
/// by query_hash.
#[derive(Debug, Default)]
pub struct QueryInfo {
    pub text: BTreeMap<String, String>,
    pub plans: BTreeMap<String, BTreeSet<String>>,
}

impl QueryInfo {
    /// Statement text and plan hashes by query_hash, over every instance of `b`.
    pub fn of(b: &cutover_baseline::Baseline) -> QueryInfo {
        let mut info = QueryInfo::default();
        for i in &b.doc.instances {
            info.text.extend(i.query_text.clone());
            for (hash, seen) in &i.query_plans {
                info.plans.entry(hash.clone()).or_default().extend(seen.iter().cloned());
            }
        }
        info
    }
}

/// (measure, total metric, per-execution scale to the report unit).
const MEASURES: &[(&str, &str, f64)] = &[
    ("duration", "query_duration_seconds", 1e3),
    ("cpu", "query_cpu_seconds", 1e3),
    ("logical_reads", "query_logical_reads", 1.0),
    ("physical_reads", "query_physical_reads", 1.0),
    ("writes", "query_writes", 1.0),
];

fn per_hash(loaded: &Loaded, info: &QueryInfo) -> BTreeMap<String, Raw> {
    let mut hashes = BTreeSet::new();
    for s in &loaded.series {
        if let Some((hash, _)) = s.key.strip_prefix("query:").and_then(|rest| rest.split_once(':')) {
            hashes.insert(hash.to_string());
        }
    }
    hashes
        .into_iter()
        .map(|h| {
            let mut r = raw(loaded, &h);
            r.plans = info.plans.get(&h).cloned().unwrap_or_default();
            (h, r)
        })
        .collect()
}

fn raw(loaded: &Loaded, hash: &str) -> Raw {
    let get = |metric: &str| loaded.get(&format!("query:{hash}:{metric}"));
    let execs = get("query_executions");
    let mut r = Raw::default();
    r.side.executions = execs.map_or(0.0, |s| s.values.iter().sum());
    r.side.intervals = execs.map_or(0, |s| s.values.len());
    for &(measure, metric, scale) in MEASURES {
        let Some(total) = get(metric) else { continue };
        let sum: f64 = total.values.iter().sum();
        let per_exec = if r.side.executions > 0.0 { sum / r.side.executions * scale } else { 0.0 };
        match measure {
            "duration" => r.side.duration_ms = per_exec,
            "cpu" => r.side.cpu_ms = per_exec,
            "logical_reads" => r.side.logical_reads = per_exec,
            "physical_reads" => r.side.physical_reads = per_exec,
            _ => r.side.writes = per_exec,
        }
        if let Some(e) = execs {
            let by_ts: BTreeMap<i64, f64> = e.ts.iter().copied().zip(e.values.iter().copied()).collect();
            let samples = total
                .ts
                .iter()
                .zip(&total.values)
                .filter_map(|(t, v)| by_ts.get(t).filter(|n| **n > 0.0).map(|n| v / n * scale))
                .collect();
            r.samples.insert(measure, samples);
        }
    }
    r
}

/// Lower case, single spaces, literals as `?`: the fallback match when hashes differ.
pub fn normalise(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            for d in chars.by_ref() {
                if d == '\'' {
                    break;
                }
            }
            out.push('?');
        } else if c.is_ascii_digit() && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_') {
            while chars.peek().is_some_and(|d| d.is_ascii_digit() || *d == '.') {
                chars.next();
            }
            out.push('?');
        } else if c.is_whitespace() {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out.trim_end().to_string()
}

/// Compares the queries of two baselines.
pub fn compare(
    base: &Loaded,
    cand: &Loaded,
    base_info: &QueryInfo,
    cand_info: &QueryInfo,
    policy: &Policy,
) -> (Vec<QueryRow>, Vec<Check>) {
    let (base_text, cand_text) = (&base_info.text, &cand_info.text);
    let (mut b, mut c) = (per_hash(base, base_info), per_hash(cand, cand_info));
    let mut pairs: Vec<Pair> = Vec::new();
    let shared: Vec<String> = b.keys().filter(|h| c.contains_key(*h)).cloned().collect();
    for h in shared {
        pairs.push((h.clone(), "query_hash".into(), b.remove(&h), c.remove(&h)));
    }
    let cand_by_text: BTreeMap<String, String> =
        c.keys().filter_map(|h| cand_text.get(h).map(|t| (normalise(t), h.clone()))).collect();
    for (h, raw) in std::mem::take(&mut b) {
        let other =
            base_text.get(&h).and_then(|t| cand_by_text.get(&normalise(t))).and_then(|ch| c.remove(ch));
        let how = if other.is_some() { "text" } else { "query_hash" };
        pairs.push((h, how.into(), Some(raw), other));
    }
    for (h, raw) in c {
        pairs.push((h, "query_hash".into(), None, Some(raw)));
    }
    let mut rows = Vec::new();
    let mut checks = Vec::new();
    for (hash, matched_by, b, c) in pairs {
        let text = base_text.get(&hash).or_else(|| cand_text.get(&hash)).cloned();
        let class = match (&b, &c) {
            (Some(b), Some(c)) => {
                let mine: Vec<Check> = policy
                    .queries
                    .iter()
                    .enumerate()
                    .map(|(i, r)| check(i, r, &hash, text.as_deref(), b, c, policy))
                    .collect();
                let class = worst_class(&mine);
                checks.extend(mine);
                class
            }
            _ => Class::Indeterminate,
        };
        let plan_changed = match (&b, &c) {
            (Some(b), Some(c)) if !b.plans.is_empty() && !c.plans.is_empty() => Some(b.plans != c.plans),
            _ => None,
        };
        rows.push(QueryRow {
            query_hash: hash,
            matched_by,
            text,
            class,
            baseline: b.map(|r| r.side),
            candidate: c.map(|r| r.side),
            plan_changed,
        });
    }
    (rows, checks)
}

fn check(
    i: usize,
    r: &crate::policy::QueryRule,
    hash: &str,
    text: Option<&str>,
    b: &Raw,
    c: &Raw,
    policy: &Policy,
) -> Check {
    let value = |raw: &Raw| match r.measure.as_str() {
        "duration" => raw.side.duration_ms,
        "cpu" => raw.side.cpu_ms,
        "logical_reads" => raw.side.logical_reads,
        "physical_reads" => raw.side.physical_reads,
        _ => raw.side.writes,
    };
    let unit = if matches!(r.measure.as_str(), "duration" | "cpu") { "ms" } else { "1" };
    let key: &str = MEASURES.iter().find(|m| m.0 == r.measure).map_or("duration", |m| m.0);
    let empty = Vec::new();
    let test = mann_whitney(b.samples.get(key).unwrap_or(&empty), c.samples.get(key).unwrap_or(&empty));
    let ev = Evidence {
        baseline: Some(value(b)),
        candidate: Some(value(c)),
        n_baseline: b.side.executions as u64,
        n_candidate: c.side.executions as u64,
        min_n: policy.min_executions,
        n_what: "executions",
        test,
        unit: unit.into(),
        measure: format!("{} per execution", r.measure.replace('_', " ")),
    };
    let j = judge(
        &Rule {
            limits: &r.limits,
            better: crate::policy::Better::Lower,
            severity: r.severity,
            alpha: policy.alpha,
        },
        &ev,
    );
    let short: String =
        text.unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ").chars().take(60).collect();
    Check {
        id: format!("query:{hash}:{}:{i}", r.measure),
        area: Area::Query,
        subject: if short.is_empty() { hash.to_string() } else { format!("{hash} {short}") },
        measure: ev.measure.clone(),
        verdict: j.verdict,
        class: Some(j.class),
        baseline: ev.baseline,
        candidate: ev.candidate,
        unit: unit.into(),
        change_pct: j.change_pct,
        p_value: test.map(|t| t.p),
        threshold: super::compare::threshold_text(&r.limits, unit, &r.why),
        reason: j.reason,
    }
}

/// The class of a query or template from its checks: degraded beats indeterminate beats
/// improved beats unchanged.
pub fn worst_class(checks: &[Check]) -> Class {
    let has = |c: Class| {
        checks.iter().any(|k| {
            k.class == Some(c) && k.verdict != Verdict::Pass || (c == Class::Improved && k.class == Some(c))
        })
    };
    if has(Class::Degraded) {
        Class::Degraded
    } else if has(Class::Indeterminate) {
        Class::Indeterminate
    } else if has(Class::Improved) {
        Class::Improved
    } else {
        Class::Unchanged
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn literals_and_spacing_fold() {
        assert_eq!(
            normalise("SELECT  x FROM t\n WHERE id = 42 AND n = 'a b'"),
            "select x from t where id = ? and n = ?"
        );
        assert_eq!(normalise("select col1 from t2"), "select col1 from t2");
    }
}
