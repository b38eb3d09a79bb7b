//! JUnit XML: one `<testsuite>` per area (input, metric, query, template), one `<testcase>`
//! per check, so a CI system lists each failure by name. Fail → `<failure>`, warn /
//! indeterminate / not comparable → `<system-out>` with the reason (not failures), matching
//! [`crate::Comparison::passed`].

use std::fmt::Write;

use crate::model::{Area, Comparison, Verdict};

/// XML text escaping.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Renders the JUnit report.
pub fn render(c: &Comparison) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"cutover compare\" tests=\"{}\" failures=\"{}\">",
        c.checks.len(),
        c.failures()
    );
    for (area, name) in [
        (Area::Input, "inputs"),
        (Area::Metric, "metrics"),
        (Area::Query, "queries"),
        (Area::Template, "templates"),
    ] {
        let checks: Vec<_> = c.checks.iter().filter(|k| k.area == area).collect();
        if checks.is_empty() {
            continue;
        }
        let failures = checks.iter().filter(|k| k.verdict == Verdict::Fail).count();
        let skipped = checks
            .iter()
            .filter(|k| matches!(k.verdict, Verdict::Indeterminate | Verdict::NotComparable))
            .count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"cutover.compare.{name}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
            checks.len()
        );
        for k in checks {
            let _ = write!(
                out,
                "    <testcase classname=\"cutover.compare.{name}\" name=\"{}\">",
                esc(&format!("{} {}", k.subject, k.measure))
            );
            match k.verdict {
                Verdict::Fail => {
                    let _ = write!(
                        out,
                        "<failure message=\"{}\" type=\"regression\">{}</failure>",
                        esc(&k.reason),
                        esc(&k.threshold)
                    );
                }
                Verdict::Indeterminate | Verdict::NotComparable => {
                    let _ = write!(
                        out,
                        "<skipped message=\"{}\"/>",
                        esc(&format!("{}: {}", k.verdict.label(), k.reason))
                    );
                }
                Verdict::Warn => {
                    let _ = write!(out, "<system-out>WARN: {}</system-out>", esc(&k.reason));
                }
                Verdict::Pass => {
                    let _ = write!(out, "<system-out>{}</system-out>", esc(&k.reason));
                }
            }
            let _ = writeln!(out, "</testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}
