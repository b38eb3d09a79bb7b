//! `promtool check metrics` (Prometheus's own linter) on a real `/metrics` response. Debian's
//! `prometheus` package carries promtool; `.ci/run` installs it and sets
//! `CUTOVER_REQUIRE_PROMTOOL=1`, so CI fails without it, while a developer machine without it
//! skips the check and says so.

use std::io::Write;
use std::process::{Command, Stdio};

/// The body of an HTTP response (the exposition text), headers dropped.
pub fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or(response, |(_, body)| body)
}

/// Runs `promtool check metrics` on `exposition`; panics with every lint message it prints.
/// Without promtool: panics when `CUTOVER_REQUIRE_PROMTOOL=1`, else prints that it skipped.
pub fn check_metrics(exposition: &str) {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var("CUTOVER_REQUIRE_PROMTOOL").as_deref() != Ok("1"),
                "promtool is required (CUTOVER_REQUIRE_PROMTOOL=1) but cannot run: {e} (apt-get install prometheus)"
            );
            eprintln!(
                "SKIPPED promtool check metrics: promtool is not installed (apt-get install prometheus)"
            );
            return;
        }
    };
    child.stdin.take().expect("stdin").write_all(exposition.as_bytes()).expect("promtool reads stdin");
    let out = child.wait_with_output().expect("promtool runs");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool check metrics:\n{said}\non:\n{exposition}"
    );
}
