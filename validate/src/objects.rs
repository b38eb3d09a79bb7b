//! Views, procedures, functions and triggers compared by the hash of their normalised
//! definitions (`sys.sql_modules`).
//!
//! A definition is normalised before hashing according to [`DefinitionMatch`]: by default runs
//! of whitespace outside string literals collapse to one space (so CRLF against LF, re-indented
//! or trailing blanks do not count), `exact` compares the text byte for byte, `ignore-case` also
//! folds case outside string literals. String literals (`'…'`, `N'…'`) are never touched: a
//! changed literal is a changed module. Comments are part of the text.

use crate::cells::{text, text_or_empty};
use cutover_mssql::Connection;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Every SQL-defined module with its kind and definition (NULL when encrypted or hidden).
pub const MODULES_SQL: &str = "SELECT s.name, o.name, o.type_desc, m.definition FROM sys.sql_modules m \
JOIN sys.objects o ON o.object_id = m.object_id JOIN sys.schemas s ON s.schema_id = o.schema_id \
WHERE o.is_ms_shipped = 0 ORDER BY s.name, o.name";

/// How definitions are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DefinitionMatch {
    /// Byte for byte.
    Exact,
    /// Whitespace runs outside string literals collapse to one space; ends trimmed.
    #[default]
    Whitespace,
    /// As `Whitespace`, and case folded outside string literals.
    IgnoreCase,
}

impl DefinitionMatch {
    /// From the CLI word (`exact`, `whitespace`, `ignore-case`).
    pub fn parse(word: &str) -> Option<DefinitionMatch> {
        match word {
            "exact" => Some(DefinitionMatch::Exact),
            "whitespace" => Some(DefinitionMatch::Whitespace),
            "ignore-case" => Some(DefinitionMatch::IgnoreCase),
            _ => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            DefinitionMatch::Exact => "definitions compared byte for byte",
            DefinitionMatch::Whitespace => {
                "definitions compared after collapsing whitespace outside string literals"
            }
            DefinitionMatch::IgnoreCase => {
                "definitions compared after collapsing whitespace and folding case outside string literals"
            }
        }
    }
}

/// One module as read from a side.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Module {
    /// `view`, `procedure`, `function`, `trigger` (or the server's type_desc).
    pub kind: String,
    /// `None` when the server does not show it (WITH ENCRYPTION, no VIEW DEFINITION).
    pub definition: Option<String>,
}

/// A friendly kind for sys.objects' type_desc.
fn kind(type_desc: &str) -> String {
    match type_desc {
        "VIEW" => "view",
        "SQL_STORED_PROCEDURE" => "procedure",
        "SQL_SCALAR_FUNCTION" | "SQL_INLINE_TABLE_VALUED_FUNCTION" | "SQL_TABLE_VALUED_FUNCTION" => {
            "function"
        }
        "SQL_TRIGGER" => "trigger",
        other => return other.to_ascii_lowercase(),
    }
    .to_string()
}

/// Reads every module of the connection's current database, by `schema.name`.
pub async fn read_modules(conn: &mut Connection) -> Result<BTreeMap<String, Module>, cutover_mssql::Error> {
    let rows = conn.query_rows(MODULES_SQL, &[]).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let name = format!("{}.{}", text_or_empty(r, 0), text_or_empty(r, 1));
            (name, Module { kind: kind(&text_or_empty(r, 2)), definition: text(r, 3) })
        })
        .collect())
}

/// `text` normalised for comparison under `how`.
pub fn normalise(text: &str, how: DefinitionMatch) -> String {
    if how == DefinitionMatch::Exact {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_literal = false;
    let mut pending_space = false;
    for c in text.chars() {
        if in_literal {
            out.push(c);
            in_literal = c != '\'';
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        if c == '\'' {
            // A doubled quote inside a literal closes and reopens it: the same text results.
            in_literal = true;
            out.push(c);
        } else if how == DefinitionMatch::IgnoreCase {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// SHA-256 of the normalised definition, as hex.
pub fn definition_hash(text: &str, how: DefinitionMatch) -> String {
    Sha256::digest(normalise(text, how).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What comparing the two sides' modules found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ModuleComparison {
    /// Missing, extra, changed or differently-kinded modules.
    pub differences: Vec<String>,
    /// Modules whose definition one side does not show (encrypted or hidden).
    pub unreadable: Vec<String>,
    pub compared: usize,
}

/// Compares the modules `selected` keeps, by normalised definition hash.
pub fn compare_modules(
    src: &BTreeMap<String, Module>,
    tgt: &BTreeMap<String, Module>,
    how: DefinitionMatch,
    selected: &dyn Fn(&str) -> bool,
) -> ModuleComparison {
    let mut out = ModuleComparison::default();
    let short = |h: &str| h[..16].to_string();
    for (name, a) in src.iter().filter(|(n, _)| selected(n)) {
        out.compared += 1;
        let Some(b) = tgt.get(name) else {
            out.differences.push(format!("{} {name} missing in target", a.kind));
            continue;
        };
        if a.kind != b.kind {
            out.differences.push(format!("{name}: a {} in source, a {} in target", a.kind, b.kind));
            continue;
        }
        match (&a.definition, &b.definition) {
            (Some(x), Some(y)) => {
                let (hx, hy) = (definition_hash(x, how), definition_hash(y, how));
                if hx != hy {
                    out.differences.push(format!(
                        "{} {name}: definition differs (sha256 source {}…, target {}…)",
                        a.kind,
                        short(&hx),
                        short(&hy)
                    ));
                }
            }
            _ => out.unreadable.push(format!(
                "{} {name}: definition not readable on {} (WITH ENCRYPTION or no VIEW DEFINITION)",
                a.kind,
                if a.definition.is_none() { "the source" } else { "the target" }
            )),
        }
    }
    for (name, b) in tgt.iter().filter(|(n, _)| selected(n) && !src.contains_key(*n)) {
        out.compared += 1;
        out.differences.push(format!("{} {name} extra in target", b.kind));
    }
    out
}

/// The `object_definitions` check of a comparison (`warn` when only unreadable ones stand out).
pub fn check(cmp: ModuleComparison, how: DefinitionMatch) -> crate::report::Check {
    use crate::report::Status;
    let status = if !cmp.differences.is_empty() {
        Status::Fail
    } else if !cmp.unreadable.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let mut details = cmp.differences;
    details.extend(cmp.unreadable);
    details.push(format!("{} module(s); {}", cmp.compared, how.describe()));
    crate::report::Check { check: "object_definitions".into(), status, source: None, target: None, details }
}

/// Reads both sides' modules and compares them; a side that cannot be read makes the check
/// `error` (never a pass).
pub async fn check_both(
    src: &mut Connection,
    tgt: &mut Connection,
    how: DefinitionMatch,
    selected: &dyn Fn(&str) -> bool,
) -> crate::report::Check {
    let (a, b) = tokio::join!(read_modules(src), read_modules(tgt));
    match (a, b) {
        (Ok(a), Ok(b)) => check(compare_modules(&a, &b, how, selected), how),
        (a, b) => {
            let mut details = Vec::new();
            for (side, conn, r) in [("source", &*src, a.err()), ("target", &*tgt, b.err())] {
                if let Some(e) = r {
                    details.push(format!(
                        "could not read sys.sql_modules on the {side} {}: {}",
                        conn.target(),
                        cutover_mssql::one_line(&e)
                    ));
                }
            }
            crate::report::Check {
                check: "object_definitions".into(),
                status: crate::report::Status::Error,
                source: None,
                target: None,
                details,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(kind: &str, text: &str) -> Module {
        Module { kind: kind.into(), definition: Some(text.into()) }
    }

    #[test]
    fn whitespace_collapses_outside_literals_only() {
        let w = DefinitionMatch::Whitespace;
        assert_eq!(normalise("CREATE VIEW v\r\nAS\tSELECT  1 ", w), "CREATE VIEW v AS SELECT 1");
        assert_eq!(normalise("SELECT 'a  b', 'it''s  x'", w), "SELECT 'a  b', 'it''s  x'");
        assert_ne!(definition_hash("SELECT 'a b'", w), definition_hash("SELECT 'a  b'", w));
        assert_ne!(definition_hash("select 1", w), definition_hash("SELECT 1", w));
        let i = DefinitionMatch::IgnoreCase;
        assert_eq!(definition_hash("select  X", i), definition_hash("SELECT x", i));
        assert_ne!(definition_hash("SELECT 'X'", i), definition_hash("SELECT 'x'", i));
        let e = DefinitionMatch::Exact;
        assert_ne!(definition_hash("SELECT 1", e), definition_hash("SELECT  1", e));
    }

    #[test]
    fn missing_extra_changed_and_unreadable_modules_are_named() {
        let src = BTreeMap::from([
            ("dbo.v".to_string(), module("view", "CREATE VIEW v AS SELECT 1")),
            ("dbo.p".to_string(), module("procedure", "CREATE PROC p AS SELECT 1")),
            (
                "dbo.same".to_string(),
                module("function", "CREATE FUNCTION f() RETURNS int AS BEGIN RETURN 1 END"),
            ),
            ("dbo.enc".to_string(), Module { kind: "procedure".into(), definition: None }),
        ]);
        let mut tgt = src.clone();
        tgt.remove("dbo.p");
        tgt.insert("dbo.v".into(), module("view", "CREATE VIEW v AS SELECT 2"));
        tgt.insert("dbo.t".into(), module("trigger", "CREATE TRIGGER t ON x AFTER INSERT AS SELECT 1"));
        let cmp = compare_modules(&src, &tgt, DefinitionMatch::Whitespace, &|_| true);
        let d = cmp.differences.join("\n");
        assert!(d.contains("procedure dbo.p missing in target"), "{d}");
        assert!(d.contains("trigger dbo.t extra in target"), "{d}");
        assert!(d.contains("view dbo.v: definition differs"), "{d}");
        assert!(!d.contains("dbo.same"), "{d}");
        assert_eq!(cmp.unreadable.len(), 1);
        let only_views = compare_modules(&src, &tgt, DefinitionMatch::Whitespace, &|n| n == "dbo.same");
        assert!(only_views.differences.is_empty() && only_views.compared == 1);
    }
}
