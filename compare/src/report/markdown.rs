//! The Markdown report: headline, inputs, the checks that need attention, then the templates,
//! queries and metrics tables (GitHub-flavoured, for a pull request or a wiki page).

use std::fmt::Write;

use super::{pct, val};
use crate::model::{Comparison, Verdict};
use cutover_common::units::show;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the Markdown report.
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# cutover compare: {}\n", if c.passed() { "PASS" } else { "FAIL" });
    let _ = writeln!(out, "{}\n", c.headline());
    let _ = writeln!(out, "| side | path | what |\n|---|---|---|");
    for (label, s) in c.inputs() {
        let _ = writeln!(out, "| {label} | `{}` | {} |", cell(&s.path), cell(&s.description));
    }
    let _ = writeln!(out, "\nPolicy: `{}`\n", c.policy);
    let _ = writeln!(out, "## Checks (worst first)\n");
    let _ = writeln!(
        out,
        "| verdict | subject | measure | baseline | candidate | change | why |\n|---|---|---|---|---|---|---|"
    );
    for k in &c.checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            if k.verdict == Verdict::Pass {
                "pass".to_string()
            } else {
                format!("**{}**", k.verdict.label())
            },
            cell(&k.subject),
            cell(&k.measure),
            val(k.baseline, &k.unit),
            val(k.candidate, &k.unit),
            pct(k.change_pct),
            cell(&k.reason)
        );
    }
    if !c.templates.is_empty() {
        let _ = writeln!(out, "\n## Replay templates\n");
        let _ = writeln!(
            out,
            "| template | class | p95 baseline | p95 candidate | p99 baseline | p99 candidate | throughput | errors |\n|---|---|---|---|---|---|---|---|"
        );
        for t in &c.templates {
            let g = |s: &Option<crate::model::TemplateSide>,
                     f: fn(&crate::model::TemplateSide) -> f64,
                     u: &str| s.as_ref().map_or("–".into(), |s| show(f(s), u));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} → {} | {} → {} |",
                cell(&t.name),
                t.class.label(),
                g(&t.baseline, |s| s.response_ms.p95, "ms"),
                g(&t.candidate, |s| s.response_ms.p95, "ms"),
                g(&t.baseline, |s| s.response_ms.p99, "ms"),
                g(&t.candidate, |s| s.response_ms.p99, "ms"),
                g(&t.baseline, |s| s.throughput, "1/s"),
                g(&t.candidate, |s| s.throughput, "1/s"),
                g(&t.baseline, |s| s.errors as f64, "1"),
                g(&t.candidate, |s| s.errors as f64, "1"),
            );
        }
    }
    if !c.queries.is_empty() {
        let _ = writeln!(out, "\n## Queries\n");
        let _ = writeln!(
            out,
            "| query_hash | class | plan | executions | duration/exec | cpu/exec | text |\n|---|---|---|---|---|---|---|"
        );
        for q in &c.queries {
            let g = |s: &Option<crate::model::QuerySide>, f: fn(&crate::model::QuerySide) -> f64, u: &str| {
                s.as_ref().map_or("–".into(), |s| show(f(s), u))
            };
            let text: String = q
                .text
                .as_deref()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(80)
                .collect();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} → {} | {} → {} | {} → {} | {} |",
                q.query_hash,
                q.class.label(),
                q.plan_label(),
                g(&q.baseline, |s| s.executions, "1"),
                g(&q.candidate, |s| s.executions, "1"),
                g(&q.baseline, |s| s.duration_ms, "ms"),
                g(&q.candidate, |s| s.duration_ms, "ms"),
                g(&q.baseline, |s| s.cpu_ms, "ms"),
                g(&q.candidate, |s| s.cpu_ms, "ms"),
                cell(&text)
            );
        }
    }
    if !c.metrics.is_empty() {
        let _ = writeln!(out, "\n## Metrics (both sides)\n");
        let _ = writeln!(out, "| metric | avg | p95 | max | p |\n|---|---|---|---|---|");
        for m in c.metrics.iter().filter(|m| m.baseline.is_some() && m.candidate.is_some()) {
            let (b, k) = (m.baseline.unwrap_or_default(), m.candidate.unwrap_or_default());
            let _ = writeln!(
                out,
                "| {} | {} → {} | {} → {} | {} → {} | {} |",
                cell(&m.key),
                show(b.avg, &m.unit),
                show(k.avg, &m.unit),
                show(b.p95, &m.unit),
                show(k.p95, &m.unit),
                show(b.max, &m.unit),
                show(k.max, &m.unit),
                m.p_value.map_or("–".into(), crate::verdict::fmt_p)
            );
        }
        let _ = writeln!(
            out,
            "\nOnly in the baseline: {} series; only in the candidate: {} series.",
            c.only_in_baseline.len(),
            c.only_in_candidate.len()
        );
    }
    out
}
