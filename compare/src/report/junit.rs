//! JUnit XML: one `<testsuite>` per area (input, metric, query, template), one `<testcase>`
//! per check, so a CI system lists each failure by name. Fail → `<failure>`, indeterminate /
//! not comparable → `<skipped>` with the reason, warn and pass → `<system-out>` with the reason
//! (not failures), matching [`crate::Comparison::passed`]. Written by the workspace's one
//! JUnit writer ([`cutover_common::junit`]).

use cutover_common::junit::{self, Case, Outcome, Report, Suite};

use crate::model::{Area, Check, Comparison, Verdict};

/// Renders the JUnit report.
pub fn render(c: &Comparison) -> String {
    let mut report = Report { name: Some("cutover compare".into()), time: None, suites: Vec::new() };
    for (area, name) in [
        (Area::Input, "inputs"),
        (Area::Metric, "metrics"),
        (Area::Query, "queries"),
        (Area::Template, "templates"),
    ] {
        let class = format!("cutover.compare.{name}");
        let cases: Vec<Case> = c.checks.iter().filter(|k| k.area == area).map(|k| case(&class, k)).collect();
        if !cases.is_empty() {
            report.suites.push(Suite { name: class, time: None, cases });
        }
    }
    junit::render(&report)
}

fn case(class: &str, k: &Check) -> Case {
    let name = format!("{} {}", k.subject, k.measure);
    match k.verdict {
        Verdict::Fail => Case::new(
            class,
            name,
            Outcome::Failed {
                message: k.reason.clone(),
                kind: Some("regression".into()),
                body: k.threshold.clone(),
            },
        ),
        Verdict::Indeterminate | Verdict::NotComparable => Case::new(
            class,
            name,
            Outcome::Skipped { message: format!("{}: {}", k.verdict.label(), k.reason) },
        ),
        Verdict::Warn => Case::new(class, name, Outcome::Passed).with_output(format!("WARN: {}", k.reason)),
        Verdict::Pass => Case::new(class, name, Outcome::Passed).with_output(k.reason.clone()),
    }
}
