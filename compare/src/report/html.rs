//! One self-contained HTML page: inline CSS, no script, no external resource (it opens with
//! no network). Headline, inputs, the checks worst first, then charts as inline SVG: response
//! time percentile curves baseline vs candidate on a log percentile axis for the most changed
//! templates, time-series overlays (CPU, IO latency, top wait categories) and the most
//! regressed queries and templates.

use std::fmt::Write;

use super::svg::{BASELINE, CANDIDATE, XAxis, bars, lines};
use super::{pct, val};
use crate::model::{Comparison, Verdict};
use cutover_common::units::show;
use cutover_common::xml::escape as esc;

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222}\
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}\
th{background:#f4f4f4}.fail{background:#fdd}.warn{background:#ffefc2}.nc{background:#e8e0f8}.ind{background:#eee}.pass{}\
.banner{font-size:20px;font-weight:bold;padding:10px;border-radius:4px}.banner.ok{background:#dfd}.banner.bad{background:#fdd}\
.charts{display:flex;flex-wrap:wrap;gap:12px}svg{background:#fff;border:1px solid #eee}";

fn class_of(v: Verdict) -> &'static str {
    match v {
        Verdict::Fail => "fail",
        Verdict::Warn => "warn",
        Verdict::NotComparable => "nc",
        Verdict::Indeterminate => "ind",
        Verdict::Pass => "pass",
    }
}

/// Renders the HTML report.
pub fn render(c: &Comparison) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(
        out,
        "<title>cutover compare: {}</title><style>{STYLE}</style></head><body>",
        if c.passed() { "PASS" } else { "FAIL" }
    );
    let _ = write!(
        out,
        "<div class=\"banner {}\">{}</div>",
        if c.passed() { "ok" } else { "bad" },
        esc(&c.headline())
    );
    out.push_str("<h2>Inputs</h2><table><tr><th>side</th><th>path</th><th>what</th><th>complete</th></tr>");
    for (label, s) in c.inputs() {
        let _ = write!(
            out,
            "<tr><td>{label}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&s.path),
            esc(&s.description),
            s.complete
        );
    }
    let _ = write!(out, "</table><p>Policy: <code>{}</code></p>", esc(&c.policy));
    checks(&mut out, c);
    charts(&mut out, c);
    out.push_str("</body></html>\n");
    out
}

fn checks(out: &mut String, c: &Comparison) {
    out.push_str("<h2>Checks, worst first</h2><table><tr><th>verdict</th><th>class</th><th>subject</th><th>measure</th><th>baseline</th><th>candidate</th><th>change</th><th>why</th></tr>");
    for k in &c.checks {
        let _ = write!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            class_of(k.verdict),
            k.verdict.label(),
            k.class.map_or("", |c| c.label()),
            esc(&k.subject),
            esc(&k.measure),
            esc(&val(k.baseline, &k.unit)),
            esc(&val(k.candidate, &k.unit)),
            esc(&pct(k.change_pct)),
            esc(&k.reason)
        );
    }
    out.push_str("</table>");
}

fn charts(out: &mut String, c: &Comparison) {
    let mut templates: Vec<_> =
        c.templates.iter().filter(|t| t.baseline.is_some() && t.candidate.is_some()).collect();
    let change = |t: &crate::model::TemplateRow| {
        let (b, k) = (
            t.baseline.as_ref().map_or(0.0, |s| s.response_ms.p95),
            t.candidate.as_ref().map_or(0.0, |s| s.response_ms.p95),
        );
        if b > 0.0 { (k - b) / b * 100.0 } else { 0.0 }
    };
    templates.sort_by(|a, b| change(b).total_cmp(&change(a)));
    if !templates.is_empty() {
        out.push_str("<h2>Response time percentiles (log percentile axis)</h2><div class=\"charts\">");
        for t in templates.iter().take(6) {
            let (b, k) = (
                t.baseline.as_ref().map(|s| s.curve.clone()).unwrap_or_default(),
                t.candidate.as_ref().map(|s| s.curve.clone()).unwrap_or_default(),
            );
            let title = format!("{} ({})", t.name, t.class.label());
            out.push_str(&lines(
                &title,
                &[("baseline", BASELINE, &b), ("candidate", CANDIDATE, &k)],
                XAxis::Percentile,
                "percentile",
                &|v| show(v, "ms"),
            ));
        }
        out.push_str("</div>");
    }
    if !c.overlays.is_empty() {
        out.push_str("<h2>Over time (seconds since each side's start)</h2><div class=\"charts\">");
        for o in &c.overlays {
            let unit = o.unit.clone();
            out.push_str(&lines(
                &o.title,
                &[("baseline", BASELINE, &o.baseline), ("candidate", CANDIDATE, &o.candidate)],
                XAxis::Linear,
                "seconds",
                &move |v| show(v, &unit),
            ));
        }
        out.push_str("</div>");
    }
    let mut regressed: Vec<(String, f64)> = c
        .templates
        .iter()
        .filter(|t| t.baseline.is_some() && t.candidate.is_some())
        .map(|t| (format!("template {}", t.name), change(t)))
        .collect();
    for q in c.queries.iter().filter(|q| q.baseline.is_some() && q.candidate.is_some()) {
        let (b, k) = (
            q.baseline.as_ref().map_or(0.0, |s| s.duration_ms),
            q.candidate.as_ref().map_or(0.0, |s| s.duration_ms),
        );
        if b > 0.0 {
            let text: String =
                q.text.as_deref().unwrap_or(&q.query_hash).split_whitespace().collect::<Vec<_>>().join(" ");
            regressed.push((format!("query {text}"), (k - b) / b * 100.0));
        }
    }
    regressed.sort_by(|a, b| b.1.total_cmp(&a.1));
    regressed.truncate(10);
    if !regressed.is_empty() {
        out.push_str("<h2>Most regressed</h2>");
        out.push_str(&bars(
            "change in p95 response (templates) and duration per execution (queries)",
            &regressed,
        ));
    }
    if !c.queries.is_empty() {
        out.push_str("<h2>Queries</h2><table><tr><th>query_hash</th><th>class</th><th>plan</th><th>executions</th><th>duration / exec</th><th>CPU / exec</th><th>text</th></tr>");
        for q in &c.queries {
            let g = |s: &Option<crate::model::QuerySide>, f: fn(&crate::model::QuerySide) -> f64, u: &str| {
                s.as_ref().map_or("–".into(), |s| show(f(s), u))
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{} → {}</td><td>{} → {}</td><td>{} → {}</td><td>{}</td></tr>",
                esc(&q.query_hash),
                q.class.label(),
                q.plan_label(),
                g(&q.baseline, |s| s.executions, "1"),
                g(&q.candidate, |s| s.executions, "1"),
                g(&q.baseline, |s| s.duration_ms, "ms"),
                g(&q.candidate, |s| s.duration_ms, "ms"),
                g(&q.baseline, |s| s.cpu_ms, "ms"),
                g(&q.candidate, |s| s.cpu_ms, "ms"),
                esc(q.text.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</table>");
    }
}
