//! Every statement of the manifest parses with an independent T-SQL parser: sqlglot's T-SQL
//! dialect (PyPI, pinned in .ci/run), through manifest/check/parse_tsql.py, which also checks
//! that every system object sqlglot finds is one the manifest says the statement reads. sqlglot's
//! known gaps (SET TRANSACTION ISOLATION LEVEL, event-session DDL, DBCC) are listed there and
//! counted. Without sqlglot the test says how many statements it did not check, and fails when
//! CUTOVER_REQUIRE_SQLGLOT=1 (as in CI).

use std::io::Write;
use std::process::{Command, Stdio};

use cutover_manifest::{Edition, manifest, render};

const INSTALL: &str = "python3 -m pip install sqlglot==30.30.0";

fn sqlglot_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import sqlglot"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether sqlglot can run; otherwise says how many statements go unchecked (or fails when this
/// machine must have it).
fn ready(unchecked: usize) -> bool {
    if sqlglot_installed() {
        return true;
    }
    assert!(
        std::env::var("CUTOVER_REQUIRE_SQLGLOT").is_err(),
        "sqlglot is required here (CUTOVER_REQUIRE_SQLGLOT=1) but not installed: {INSTALL}"
    );
    eprintln!("skipped: {unchecked} statements not parsed: sqlglot is not installed ({INSTALL})");
    false
}

/// Runs the check over `json` (a manifest as `cutover queries --format json` prints it).
fn check(json: &str) -> std::process::Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/check/parse_tsql.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(json.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_statement_parses_with_sqlglot_tsql() {
    let statements = manifest(&Edition::ALL, None);
    if !ready(statements.len()) {
        return;
    }
    let out = check(&render::json(&statements));
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "statements sqlglot does not parse:\n{stdout}");
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(summary.contains(&format!("of {} statements", statements.len())), "{summary}");
}

#[test]
fn the_check_fails_on_a_statement_that_does_not_parse_or_reads_more_than_listed() {
    if !ready(3) {
        return;
    }
    let out = check(
        r#"[{"id": "broken", "sql": "SELEC name FROM sys.databases", "reads": []},
            {"id": "unlisted_view", "sql": "SELECT t.name FROM sys.tables AS t JOIN sys.columns AS c ON c.object_id = t.object_id",
             "reads": [{"object": "sys.tables", "columns": ["name", "object_id"]}]},
            {"id": "unlisted_column", "sql": "SELECT qs.nope FROM sys.dm_exec_query_stats AS qs",
             "reads": [{"object": "sys.dm_exec_query_stats", "columns": []}]}]"#,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for expected in [
        "FAIL broken",
        "FAIL unlisted_view: reads sys.columns",
        "FAIL unlisted_column: reads sys.dm_exec_query_stats.nope",
    ] {
        assert!(stdout.contains(expected), "{expected}: {stdout}");
    }
}
