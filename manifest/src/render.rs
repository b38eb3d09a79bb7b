//! The manifest as a T-SQL script, as JSON, and as a table for people.

use std::fmt::Write as _;

use crate::statement::{Parameter, Statement};

/// A T-SQL script: a comment header per statement, the statement (with its parameters declared),
/// then `GO`.
pub fn sql(statements: &[Statement]) -> String {
    let mut out = String::from(
        "-- Every statement cutover sends (cutover queries --format sql).\n-- Run them one batch at a time; the DDL of the capture's event session is listed, not needed to read.\n\n",
    );
    for s in statements {
        let _ = writeln!(out, "-- {}: {}", s.id, one_line(&s.purpose));
        let _ = writeln!(out, "-- sent by: {}; editions: {}", s.commands.join(", "), editions(s));
        let _ = writeln!(out, "-- permission: {}", s.permission);
        if let Some(place) = s.runs_in {
            let _ = writeln!(out, "-- runs in: {place}");
        }
        if let Some(needs) = &s.needs {
            let _ = writeln!(out, "-- needs: {needs}");
        }
        for r in &s.reads {
            let _ = writeln!(out, "-- reads: {}{}", r.object, columns(&r.columns));
        }
        for p in &s.parameters {
            let _ = writeln!(out, "DECLARE {} {} = {};", p.name, p.sql_type, literal(p));
        }
        let _ = writeln!(out, "{}\nGO\n", s.sql.trim_end().trim_end_matches(';'));
    }
    out
}

/// The structured list (pretty JSON with a final newline).
pub fn json(statements: &[Statement]) -> String {
    serde_json::to_string_pretty(statements).unwrap_or_default() + "\n"
}

/// One block per statement: id, editions, permission, reads.
pub fn terminal(statements: &[Statement]) -> String {
    let mut out = String::new();
    for s in statements {
        let _ = writeln!(out, "{}  [{}]  {}", s.id, s.commands.join(", "), editions(s));
        let _ = writeln!(out, "  {}", one_line(&s.purpose));
        let _ = writeln!(out, "  permission: {}", s.permission);
        let reads: Vec<String> =
            s.reads.iter().map(|r| format!("{}{}", r.object, columns(&r.columns))).collect();
        if !reads.is_empty() {
            let _ = writeln!(out, "  reads: {}", reads.join("; "));
        }
        if let Some(needs) = &s.needs {
            let _ = writeln!(out, "  needs: {needs}");
        }
    }
    let _ = writeln!(
        out,
        "\n{} statements (--format sql for the script, --format json for the list)",
        statements.len()
    );
    out
}

/// A parameter's example as a T-SQL literal: a number as it is, text as `N'…'`.
fn literal(p: &Parameter) -> String {
    match p.sql_type {
        "bigint" | "int" if p.example.parse::<i64>().is_ok() => p.example.clone(),
        _ => format!("N'{}'", p.example.replace('\'', "''")),
    }
}

fn editions(s: &Statement) -> String {
    s.editions.iter().map(|e| e.name()).collect::<Vec<_>>().join(" ")
}

fn columns(columns: &[String]) -> String {
    if columns.is_empty() { String::new() } else { format!(" ({})", columns.join(", ")) }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
