//! Which system objects and columns a statement reads, found in its text: two- and three-part
//! names in `sys` (and msdb's tables), their aliases, `alias.column` references, and bare
//! column names resolved against the documented columns of the objects in the statement (as
//! SQL Server binds them). System functions of the table (`SERVERPROPERTY`) count as reads.
//! A bare name no documented object has is reported under `?`, so the manifest check fails
//! until the table documents it.

use std::collections::{BTreeMap, BTreeSet};

use crate::lexer::{Token, tokens};
use crate::objects::Objects;
use crate::statement::Read;

/// Words that are never columns.
const KEYWORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "null",
    "is",
    "in",
    "like",
    "as",
    "on",
    "join",
    "inner",
    "left",
    "right",
    "outer",
    "full",
    "cross",
    "apply",
    "group",
    "by",
    "order",
    "having",
    "top",
    "distinct",
    "case",
    "when",
    "then",
    "else",
    "end",
    "asc",
    "desc",
    "option",
    "maxdop",
    "union",
    "all",
    "exists",
    "between",
    "with",
    "nolock",
    "over",
    "partition",
    "percent",
    "set",
    "use",
    "declare",
    "into",
    "values",
    "bigint",
    "int",
    "smallint",
    "tinyint",
    "bit",
    "decimal",
    "numeric",
    "money",
    "smallmoney",
    "float",
    "real",
    "char",
    "varchar",
    "nchar",
    "nvarchar",
    "binary",
    "varbinary",
    "max",
    "date",
    "datetime",
    "datetime2",
    "smalldatetime",
    "datetimeoffset",
    "time",
    "uniqueidentifier",
    "sysname",
    "xml",
    "text",
    "ntext",
    "image",
    "sha2_256",
    "recompile",
    "offset",
    "rows",
    "fetch",
    "next",
    "only",
    "escape",
];

fn keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// A dotted name and where it ends.
struct Name {
    parts: Vec<String>,
    start: usize,
    end: usize,
}

fn names(toks: &[Token]) -> Vec<Name> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].ident().is_some() && (i == 0 || !toks[i - 1].is_punct('.')) {
            let start = i;
            let mut parts = vec![toks[i].ident().unwrap_or_default()];
            while toks.get(i + 1).is_some_and(|t| t.is_punct('.'))
                && let Some(p) = toks.get(i + 2).and_then(Token::ident)
            {
                parts.push(p);
                i += 2;
            }
            out.push(Name { parts, start, end: i });
        }
        i += 1;
    }
    out
}

/// The system object a dotted name refers to, if any.
fn system_object(parts: &[String]) -> Option<String> {
    match parts {
        [.., schema, name] if schema == "sys" => Some(format!("sys.{name}")),
        [db, schema, name] if db == "msdb" => Some(format!("msdb.{schema}.{name}")),
        _ => None,
    }
}

/// The index after a balanced `( … )` starting at `i` (or `i` when there is none).
fn skip_parens(toks: &[Token], i: usize) -> usize {
    if !toks.get(i).is_some_and(|t| t.is_punct('(')) {
        return i;
    }
    let mut depth = 0;
    for (j, t) in toks.iter().enumerate().skip(i) {
        if t.is_punct('(') {
            depth += 1;
        } else if t.is_punct(')') {
            depth -= 1;
            if depth == 0 {
                return j + 1;
            }
        }
    }
    toks.len()
}

/// The alias after position `i` (`AS x` or a bare `x`).
fn alias_at(toks: &[Token], i: usize) -> Option<String> {
    let t = toks.get(i)?;
    if t.is_word("as") {
        return toks.get(i + 1)?.ident();
    }
    let word = t.ident()?;
    let bare_keyword = matches!(t, Token::Ident { quoted: false, .. }) && keyword(&word);
    (!bare_keyword && !matches!(word.as_str(), "where" | "join" | "group" | "order" | "option"))
        .then_some(word)
}

/// The reads of `sql`: system objects with the columns read from each, sorted.
/// A statement sqlparser's tokenizer cannot read (a defect in the product's own SQL) shows as
/// one read of the unknown object `?`, as an undocumented column does, naming the error.
pub fn reads(sql: &str, table: &Objects) -> Vec<Read> {
    let toks = match tokens(sql) {
        Ok(toks) => toks,
        Err(e) => {
            return vec![Read {
                object: "?".into(),
                columns: vec![format!("(unreadable: {})", e.0)],
                doc: None,
            }];
        }
    };
    let names = names(&toks);
    // Objects, their aliases, and whether anything else (a user table, a derived table) is read.
    let mut objects: Vec<String> = Vec::new();
    let mut aliases: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut others = false;
    let mut name_at: BTreeMap<usize, usize> = BTreeMap::new();
    for (k, n) in names.iter().enumerate() {
        name_at.insert(n.start, k);
        let after = skip_parens(&toks, n.end + 1);
        if let Some(object) = system_object(&n.parts) {
            if !objects.contains(&object) {
                objects.push(object.clone());
            }
            if let Some(alias) = alias_at(&toks, after) {
                aliases.insert(alias, Some(object.clone()));
            }
            aliases.insert(n.parts.last().cloned().unwrap_or_default(), Some(object));
        } else if n.parts.len() >= 2 && !aliases.contains_key(&n.parts[0]) && after == n.end + 1 {
            // dbo.orders: a user table (validate's statements).
            others = true;
            if let Some(alias) = alias_at(&toks, after) {
                aliases.insert(alias, None);
            }
        }
    }
    // A derived table: `) x` or `) AS x` after a sub-select.
    for (i, t) in toks.iter().enumerate() {
        if t.is_punct(')')
            && let Some(alias) = alias_at(&toks, i + 1)
            && is_derived(&toks, i)
        {
            others = true;
            aliases.insert(alias, None);
        }
    }
    let mut columns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let functions: Vec<String> =
        table.iter().filter(|o| o.kind == "function").map(|o| o.name.to_ascii_lowercase()).collect();
    for n in &names {
        let followed_by_paren = toks.get(n.end + 1).is_some_and(|t| t.is_punct('('));
        let preceded_by_as = n.start > 0 && toks[n.start - 1].is_word("as");
        match n.parts.as_slice() {
            [one] if followed_by_paren => {
                if let Some(f) = functions.iter().find(|f| *f == one) {
                    columns.entry(f.to_ascii_uppercase()).or_default();
                }
            }
            // Without a FROM there is no column to read (`DATEDIFF(minute, …)`, `DBCC …`).
            [one]
                if !objects.is_empty()
                    && !preceded_by_as
                    && !aliases.contains_key(one)
                    && !is_word(&toks[n.start]) =>
            {
                let owner =
                    objects.iter().find(|o| table.get(o).is_some_and(|d| d.columns.contains_key(one)));
                match owner {
                    Some(o) => {
                        columns.entry(o.clone()).or_default().insert(one.clone());
                    }
                    None if others => {}
                    None => {
                        columns.entry("?".into()).or_default().insert(one.clone());
                    }
                }
            }
            [alias, column] => {
                if let Some(Some(object)) = aliases.get(alias) {
                    columns.entry(object.clone()).or_default().insert(column.clone());
                }
            }
            _ => {}
        }
    }
    for o in &objects {
        columns.entry(o.clone()).or_default();
    }
    columns
        .into_iter()
        .map(|(object, cols)| Read {
            doc: table.get(&object).map(|o| o.doc.clone()),
            object: table.get(&object).map(|o| o.name.clone()).unwrap_or(object),
            columns: cols.into_iter().collect(),
        })
        .collect()
}

/// A bare keyword (never a column).
fn is_word(t: &Token) -> bool {
    matches!(t, Token::Ident { text, quoted: false } if keyword(&text.to_ascii_lowercase()))
}

/// Whether the `)` at `close` ends a `(SELECT …)`.
fn is_derived(toks: &[Token], close: usize) -> bool {
    let mut depth = 0;
    for j in (0..=close).rev() {
        if toks[j].is_punct(')') {
            depth += 1;
        } else if toks[j].is_punct('(') {
            depth -= 1;
            if depth == 0 {
                return toks.get(j + 1).is_some_and(|t| t.is_word("select"));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Objects {
        Objects::parse(
            r#"
[[object]]
name = "sys.dm_exec_query_stats"
kind = "dmv"
doc = "https://learn.microsoft.com/x"
since = 9
permission = "VIEW SERVER STATE"
columns = { query_hash = 10, sql_handle = 9, total_worker_time = 9 }
[[object]]
name = "sys.dm_exec_sql_text"
kind = "dmf"
doc = "https://learn.microsoft.com/y"
since = 9
permission = "VIEW SERVER STATE"
columns = { text = 9 }
[[object]]
name = "SERVERPROPERTY"
kind = "function"
doc = "https://learn.microsoft.com/z"
since = 9
permission = "public"
"#,
        )
        .unwrap()
    }

    #[test]
    fn aliases_bare_columns_and_functions() {
        let r = reads(
            "SELECT TOP (5) CONVERT(nvarchar(18), query_hash, 1) AS query_hash, SERVERPROPERTY('x') AS v \
             FROM sys.dm_exec_query_stats AS qs CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) AS st \
             WHERE st.text NOT LIKE N'x%' ORDER BY SUM(total_worker_time) DESC OPTION (MAXDOP 1)",
            &table(),
        );
        let got: Vec<(String, Vec<String>)> = r.into_iter().map(|r| (r.object, r.columns)).collect();
        assert_eq!(
            got,
            vec![
                ("SERVERPROPERTY".into(), vec![]),
                (
                    "sys.dm_exec_query_stats".into(),
                    vec!["query_hash".into(), "sql_handle".into(), "total_worker_time".into()]
                ),
                ("sys.dm_exec_sql_text".into(), vec!["text".into()]),
            ]
        );
    }

    #[test]
    fn an_undocumented_bare_column_is_reported_and_user_tables_are_not() {
        let r = reads("SELECT nope FROM sys.dm_exec_query_stats", &table());
        assert!(r.iter().any(|r| r.object == "?" && r.columns == ["nope"]), "{r:?}");
        let r = reads("SELECT COUNT_BIG(*) FROM (SELECT [a] AS h FROM [dbo].[t] WHERE 1 = 1) x", &table());
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn an_unreadable_statement_is_reported_not_guessed() {
        let r = reads("SELECT [open FROM sys.dm_exec_query_stats", &table());
        assert!(r.len() == 1 && r[0].object == "?" && r[0].columns[0].starts_with("(unreadable: "), "{r:?}");
    }
}
