//! JUnit XML as CI systems read it (Jenkins, GitLab, Azure Pipelines, GitHub test reporters):
//! `<testsuites>` of `<testsuite>`s of `<testcase>`s, each passed, failed (`<failure>`), in error
//! (`<error>`: the check could not run) or skipped (`<skipped>`), with optional `<system-out>`.
//! The counts on every suite and on the whole are computed here from the cases, so they always
//! agree with what the file holds. `compare`, `validate` and `gate` build a [`Report`] and
//! render it with [`render`].

use std::fmt::Write;

use crate::xml::escape;

/// The whole file.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The `name` of `<testsuites>` (none: no attribute).
    pub name: Option<String>,
    /// Seconds the run took (none: no attribute).
    pub time: Option<f64>,
    pub suites: Vec<Suite>,
}

/// One `<testsuite>`.
#[derive(Clone, Debug, Default)]
pub struct Suite {
    pub name: String,
    /// Seconds (none: no attribute).
    pub time: Option<f64>,
    pub cases: Vec<Case>,
}

/// One `<testcase>`.
#[derive(Clone, Debug)]
pub struct Case {
    pub classname: String,
    pub name: String,
    pub outcome: Outcome,
    /// `<system-out>` text, if any.
    pub output: Option<String>,
}

/// How a test case ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    /// `<failure message=… type=…>body</failure>`.
    Failed {
        message: String,
        kind: Option<String>,
        body: String,
    },
    /// `<error message=…>body</error>`: the check could not be made.
    Error {
        message: String,
        body: String,
    },
    /// `<skipped message=…/>`.
    Skipped {
        message: String,
    },
}

impl Case {
    /// A case with no output.
    pub fn new(classname: impl Into<String>, name: impl Into<String>, outcome: Outcome) -> Self {
        Case { classname: classname.into(), name: name.into(), outcome, output: None }
    }

    /// The same case with `<system-out>` text.
    pub fn with_output(mut self, output: impl Into<String>) -> Self {
        self.output = Some(output.into());
        self
    }
}

/// `(tests, failures, errors, skipped)` over `cases`.
fn counts<'a>(cases: impl Iterator<Item = &'a Case>) -> [usize; 4] {
    let mut n = [0; 4];
    for c in cases {
        n[0] += 1;
        match c.outcome {
            Outcome::Passed => {}
            Outcome::Failed { .. } => n[1] += 1,
            Outcome::Error { .. } => n[2] += 1,
            Outcome::Skipped { .. } => n[3] += 1,
        }
    }
    n
}

/// ` tests="…" failures="…" errors="…" skipped="…"` and ` time="…"` when known.
fn totals(n: [usize; 4], time: Option<f64>) -> String {
    let mut s = format!(r#" tests="{}" failures="{}" errors="{}" skipped="{}""#, n[0], n[1], n[2], n[3]);
    if let Some(t) = time {
        let _ = write!(s, r#" time="{t:.3}""#);
    }
    s
}

/// The XML text of `report`.
pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    if let Some(name) = &report.name {
        let _ = write!(out, r#" name="{}""#, escape(name));
    }
    let all = counts(report.suites.iter().flat_map(|s| &s.cases));
    let _ = writeln!(out, "{}>", totals(all, report.time));
    for suite in &report.suites {
        let _ = writeln!(
            out,
            r#"  <testsuite name="{}"{}>"#,
            escape(&suite.name),
            totals(counts(suite.cases.iter()), suite.time)
        );
        for case in &suite.cases {
            case_xml(&mut out, case);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn case_xml(out: &mut String, case: &Case) {
    let _ = write!(
        out,
        r#"    <testcase classname="{}" name="{}">"#,
        escape(&case.classname),
        escape(&case.name)
    );
    match &case.outcome {
        Outcome::Passed => {}
        Outcome::Failed { message, kind, body } => {
            let kind = kind.as_ref().map(|k| format!(r#" type="{}""#, escape(k))).unwrap_or_default();
            let _ = write!(out, r#"<failure message="{}"{kind}>{}</failure>"#, escape(message), escape(body));
        }
        Outcome::Error { message, body } => {
            let _ = write!(out, r#"<error message="{}">{}</error>"#, escape(message), escape(body));
        }
        Outcome::Skipped { message } => {
            let _ = write!(out, r#"<skipped message="{}"/>"#, escape(message));
        }
    }
    if let Some(text) = &case.output {
        let _ = write!(out, "<system-out>{}</system-out>", escape(text));
    }
    out.push_str("</testcase>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_cases_and_text_is_escaped() {
        let failed = Outcome::Failed { message: "1 <row> differs".into(), kind: None, body: "a & b".into() };
        let report = Report {
            name: Some("cutover gate".into()),
            time: Some(1.5),
            suites: vec![Suite {
                name: "validate".into(),
                time: None,
                cases: vec![
                    Case::new("validate", "dbo.a", Outcome::Passed).with_output("identical"),
                    Case::new("validate", "dbo.b", failed),
                    Case::new(
                        "validate",
                        "dbo.c",
                        Outcome::Error { message: "x".into(), body: String::new() },
                    ),
                    Case::new("validate", "dbo.d", Outcome::Skipped { message: "not run".into() }),
                ],
            }],
        };
        let x = render(&report);
        assert!(x.contains(r#"<testsuites name="cutover gate" tests="4" failures="1" errors="1" skipped="1" time="1.500">"#), "{x}");
        assert!(
            x.contains(r#"<testsuite name="validate" tests="4" failures="1" errors="1" skipped="1">"#),
            "{x}"
        );
        assert!(
            x.contains(r#"name="dbo.b"><failure message="1 &lt;row&gt; differs">a &amp; b</failure>"#),
            "{x}"
        );
        assert!(x.contains(r#"name="dbo.a"><system-out>identical</system-out></testcase>"#), "{x}");
        assert!(x.contains(r#"<skipped message="not run"/>"#), "{x}");
        assert_eq!(x.matches("<testcase ").count(), 4);
    }
}
