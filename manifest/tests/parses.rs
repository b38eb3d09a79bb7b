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

#[test]
fn every_statement_parses_with_sqlglot_tsql() {
    let statements = manifest(&Edition::ALL, None);
    if !sqlglot_installed() {
        assert!(
            std::env::var("CUTOVER_REQUIRE_SQLGLOT").is_err(),
            "sqlglot is required here (CUTOVER_REQUIRE_SQLGLOT=1) but not installed: {INSTALL}"
        );
        eprintln!(
            "skipped: {} statements not parsed: sqlglot is not installed ({INSTALL})",
            statements.len()
        );
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/check/parse_tsql.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(render::json(&statements).as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "statements sqlglot does not parse:\n{stdout}");
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(summary.contains(&format!("of {} statements", statements.len())), "{summary}");
}
