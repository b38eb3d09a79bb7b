//! `cutover assess` output: terminal text and Markdown (JSON is the report struct).

use super::Severity;
use super::run::AssessReport;

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Blocker => "BLOCKER",
        Severity::Warning => "warning",
    }
}

/// Plain text, blockers first.
pub fn terminal(r: &AssessReport) -> String {
    let mut out = format!(
        "Managed Instance assessment of {}: {} rules, {} blocker(s), {} warning(s){}\n",
        r.server,
        r.rules_run,
        r.blockers(),
        r.warnings(),
        if r.unchecked.is_empty() {
            String::new()
        } else {
            format!(", {} rule(s) not checked", r.unchecked.len())
        }
    );
    let mut findings = r.findings.clone();
    findings.sort_by_key(|f| f.severity != Severity::Blocker);
    for f in &findings {
        out.push_str(&format!(
            "\n{} {} [{}]: {} — {}\n  why: {}\n  fix: {}\n  see: {}\n",
            label(f.severity),
            f.object,
            f.rule,
            f.title,
            f.detail,
            f.reason,
            f.remediation,
            f.source
        ));
    }
    for u in &r.unchecked {
        out.push_str(&format!("\nnot checked [{}]: {}\n", u.rule, u.error));
    }
    if r.findings.is_empty() && r.unchecked.is_empty() {
        out.push_str("\nNo blockers or warnings found.\n");
    }
    out
}

/// Markdown, one table row per finding.
pub fn markdown(r: &AssessReport) -> String {
    let mut out = format!(
        "# Managed Instance assessment of {}\n\n{} rules, **{} blocker(s)**, {} warning(s).\n\n| severity | object | rule | detail | remediation | source |\n|---|---|---|---|---|---|\n",
        r.server,
        r.rules_run,
        r.blockers(),
        r.warnings()
    );
    for f in &r.findings {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | [docs]({}) |\n",
            label(f.severity),
            f.object.replace('|', "\\|"),
            f.rule,
            f.detail.replace('|', "\\|"),
            f.remediation.replace('|', "\\|"),
            f.source
        ));
    }
    for u in &r.unchecked {
        out.push_str(&format!("\nNot checked: `{}` — {}\n", u.rule, u.error));
    }
    out
}
