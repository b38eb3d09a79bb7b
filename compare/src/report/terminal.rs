//! The terminal table: the headline, then every check that is not a plain pass, worst first,
//! then a count of the passes. Plain text, fixed-width columns, no colour codes.

use std::fmt::Write;

use super::{pct, val};
use crate::model::{Comparison, Verdict};

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).collect::<String>() + "…" }
}

/// Renders the terminal report.
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "cutover compare: {}", c.headline());
    for (label, s) in c.inputs() {
        let _ = writeln!(out, "  {label:<17} {} — {}", s.path, s.description);
    }
    let _ = writeln!(out, "  policy            {}", c.policy);
    let shown: Vec<_> = c.checks.iter().filter(|k| k.verdict != Verdict::Pass).collect();
    if !shown.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<14} {:<44} {:<22} {:>12} {:>12} {:>7}",
            "verdict", "subject", "measure", "baseline", "candidate", "change"
        );
        for k in &shown {
            let _ = writeln!(
                out,
                "{:<14} {:<44} {:<22} {:>12} {:>12} {:>7}",
                k.verdict.label(),
                cut(&k.subject, 44),
                cut(&k.measure, 22),
                val(k.baseline, &k.unit),
                val(k.candidate, &k.unit),
                pct(k.change_pct)
            );
            let _ = writeln!(out, "               {}", k.reason);
        }
    }
    let passed = c.count(Verdict::Pass);
    let _ = writeln!(out);
    let _ = writeln!(out, "{passed} checks passed.");
    if !c.templates.is_empty() {
        let classes: Vec<String> = class_counts(c.templates.iter().map(|t| t.class));
        let _ = writeln!(out, "templates: {}", classes.join(", "));
    }
    if !c.queries.is_empty() {
        let classes: Vec<String> = class_counts(c.queries.iter().map(|q| q.class));
        let changed = c.queries.iter().filter(|q| q.plan_changed == Some(true)).count();
        let plans = if changed > 0 { format!("; {changed} with a changed plan") } else { String::new() };
        let _ = writeln!(out, "queries: {}{plans}", classes.join(", "));
    }
    out
}

/// `3 degraded, 5 unchanged` in class order.
pub fn class_counts(classes: impl Iterator<Item = crate::model::Class>) -> Vec<String> {
    let mut counts = std::collections::BTreeMap::new();
    for c in classes {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts.into_iter().map(|(c, n)| format!("{n} {}", c.label())).collect()
}
