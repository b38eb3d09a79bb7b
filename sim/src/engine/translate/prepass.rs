//! A token-level pre-pass over the batch text, before sqlparser sees it.
//!
//! It fixes what `MsSqlDialect` misparses or rejects, without ever touching the inside of a
//! string, a `[bracketed]`/`"quoted"` identifier or a comment:
//! - table hints `WITH (NOLOCK, …)` and `t (NOLOCK)`, query hints `OPTION (…)`, index options
//!   `WITH (PAD_INDEX = OFF, …)` and `ON [PRIMARY]` are blanked out;
//! - `CLUSTERED`/`NONCLUSTERED` are blanked and remembered as [`KeyHint`]s;
//! - `GO` lines become `;`, and a `;` goes before statement-only keywords (`BEGIN`, `COMMIT`,
//!   `SET`, …) so a statement without a semicolon never swallows the next one as an alias.
//!
//! The tokens come from the simulator's one T-SQL lexer (`runtime::lexer::spans`).
//!
//! Blanking replaces characters with spaces and keeps newlines, so line numbers (and most
//! columns) stay those of the original batch.

use crate::engine::runtime::lexer::{self, Kind, Span};

/// How a PRIMARY KEY, UNIQUE or CREATE INDEX was declared, in source order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyHint {
    PrimaryKey(Option<bool>),
    Unique(Option<bool>),
    Index(Option<bool>),
}

/// The pre-pass result: rewritten text, key hints (with their line/column in the rewritten
/// text), and a construct to refuse, if one was seen.
pub(super) struct Prepared {
    pub text: String,
    pub hints: Vec<(u64, u64, KeyHint)>,
    pub unsupported: Option<(String, u64)>,
    /// Maps byte offsets in `text` back to the batch as sent.
    pub origin: OffsetMap,
}

/// Where the rewritten text's bytes came from: (rewritten offset, original offset) at every
/// point the two drift apart (an inserted `;`/keyword, a blanked multi-byte character).
#[derive(Debug, Default)]
pub(super) struct OffsetMap {
    marks: Vec<(usize, usize)>,
}

impl OffsetMap {
    fn note(&mut self, out: usize, src: usize) {
        let (o, s) = self.marks.last().copied().unwrap_or((0, 0));
        if out.wrapping_sub(src) != o.wrapping_sub(s) {
            self.marks.push((out, src));
        }
    }

    /// The original offset of a rewritten offset (inserted text maps to where it was inserted).
    pub fn source(&self, at: usize) -> usize {
        let i = self.marks.partition_point(|m| m.0 <= at);
        let (o, s) = if i == 0 { (0, 0) } else { self.marks[i - 1] };
        let src = s + (at - o);
        self.marks.get(i).map_or(src, |next| src.min(next.1))
    }
}

const TABLE_HINTS: &[&str] = &[
    "NOLOCK",
    "READUNCOMMITTED",
    "UPDLOCK",
    "ROWLOCK",
    "HOLDLOCK",
    "READPAST",
    "TABLOCK",
    "TABLOCKX",
    "PAGLOCK",
    "XLOCK",
    "NOWAIT",
    "SERIALIZABLE",
    "REPEATABLEREAD",
    "READCOMMITTED",
    "READCOMMITTEDLOCK",
    "SNAPSHOT",
    "FORCESEEK",
    "FORCESCAN",
    "NOEXPAND",
    "INDEX",
    "KEEPIDENTITY",
    "KEEPDEFAULTS",
    "IGNORE_CONSTRAINTS",
    "IGNORE_TRIGGERS",
];

const INDEX_OPTIONS: &[&str] = &[
    "PAD_INDEX",
    "FILLFACTOR",
    "STATISTICS_NORECOMPUTE",
    "IGNORE_DUP_KEY",
    "ALLOW_ROW_LOCKS",
    "ALLOW_PAGE_LOCKS",
    "ONLINE",
    "DATA_COMPRESSION",
    "SORT_IN_TEMPDB",
    "DROP_EXISTING",
    "OPTIMIZE_FOR_SEQUENTIAL_KEY",
    "MAXDOP",
    "RESUMABLE",
    "STATISTICS_INCREMENTAL",
];

/// Keywords that only ever start a statement: a `;` goes before them.
const STATEMENT_ONLY: &[&str] =
    &["BEGIN", "COMMIT", "ROLLBACK", "PRINT", "DECLARE", "USE", "SAVE", "RAISERROR", "THROW", "WHILE"];

#[derive(Default)]
struct Edits {
    blank: Vec<(usize, usize)>,
    semicolon_before: Vec<usize>,
    /// Text inserted before a byte position (`FROM` in `DELETE t WHERE`, `ADD` in
    /// `ALTER TABLE t ADD a int, b int`).
    insert: Vec<(usize, &'static str)>,
}

pub(super) fn run(text: &str) -> Prepared {
    let toks = lexer::spans(text);
    let sig: Vec<Span> = toks.iter().copied().filter(|t| !t.is_trivia()).collect();
    let word = |i: usize| -> Option<String> {
        sig.get(i).filter(|t| t.kind == Kind::Word).map(|t| text[t.start..t.end].to_ascii_uppercase())
    };
    let is_punct = |i: usize, c: char| sig.get(i).is_some_and(|t| t.kind == Kind::Punct(c));
    // Index of the matching ')' for a '(' at i.
    let close = |i: usize| -> Option<usize> {
        let mut depth = 0;
        for (j, t) in sig.iter().enumerate().skip(i) {
            match t.kind {
                Kind::Punct('(') => depth += 1,
                Kind::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j);
                    }
                }
                _ => {}
            }
        }
        None
    };
    let only_words = |from: usize, to: usize, allowed: &[&str]| -> bool {
        let mut k = from;
        let mut any = false;
        while k < to {
            match word(k) {
                Some(w) if allowed.contains(&w.as_str()) => {
                    any = true;
                    k += 1;
                    if w == "INDEX" {
                        if is_punct(k, '(') {
                            match close(k) {
                                Some(c) => k = c + 1,
                                None => return false,
                            }
                        } else if is_punct(k, '=') {
                            k += 2;
                        }
                    }
                }
                _ if is_punct(k, ',') => k += 1,
                _ => return false,
            }
        }
        any
    };

    let mut edits = Edits::default();
    let mut hints: Vec<(usize, KeyHint)> = Vec::new();
    let mut unsupported = None;
    let mut depth = 0i32;
    let mut update_pending = false;
    let mut create_table_depth: Option<i32> = None;
    let mut alter_table = false;
    let mut alter_add = false;
    let line_of = |pos: usize| text[..pos].matches('\n').count() as u64 + 1;
    let mut i = 0;
    while i < sig.len() {
        let t = sig[i];
        match t.kind {
            Kind::Punct('(') => depth += 1,
            Kind::Punct(')') => {
                depth -= 1;
                if create_table_depth.is_some_and(|d| depth <= d) {
                    create_table_depth = None;
                }
            }
            _ => {}
        }
        let w = word(i);
        let prev = if i > 0 { word(i - 1) } else { None };
        let Some(w) = w else {
            if t.kind == Kind::Punct(';') && depth == 0 {
                alter_table = false;
                alter_add = false;
            }
            if t.kind == Kind::Punct(',')
                && depth == 0
                && alter_add
                && !matches!(word(i + 1).as_deref(), Some("ADD"))
            {
                edits.insert.push((t.end, " ADD"));
            }
            // Computed column: `( name AS …` or `, name AS …` directly in CREATE TABLE's list.
            if create_table_depth.is_some_and(|d| depth == d + 1)
                && (is_punct(i, ',') || is_punct(i, '('))
                && word(i + 2).as_deref() == Some("AS")
                && sig.get(i + 1).is_some_and(|t| matches!(t.kind, Kind::Word | Kind::Name))
                && unsupported.is_none()
            {
                unsupported = Some(("computed columns (name AS expression)".to_string(), line_of(t.start)));
            }
            // `t (NOLOCK)`: a hint list right after a table name or alias.
            if t.kind == Kind::Punct('(')
                && i > 0
                && matches!(sig[i - 1].kind, Kind::Word | Kind::Name)
                && let Some(c) = close(i)
                && only_words(i + 1, c, TABLE_HINTS)
            {
                edits.blank.push((t.start, sig[c].end));
                depth -= 1;
                i = c + 1;
                continue;
            }
            i += 1;
            continue;
        };
        match w.as_str() {
            "GO" if is_line_alone(text, &toks, t) => {
                let end = match sig.get(i + 1) {
                    Some(n) if n.kind == Kind::Num && same_line(text, t.end, n.start) => n.end,
                    _ => t.end,
                };
                edits.blank.push((t.start, end));
                edits.semicolon_before.push(t.start);
            }
            "WITH" if is_punct(i + 1, '(') => {
                if let Some(c) = close(i + 1)
                    && (only_words(i + 2, c, TABLE_HINTS)
                        || word(i + 2).is_some_and(|o| INDEX_OPTIONS.contains(&o.as_str())))
                {
                    edits.blank.push((t.start, sig[c].end));
                    i = c + 1;
                    continue;
                }
            }
            "OPTION" if is_punct(i + 1, '(') && depth == 0 => {
                if let Some(c) = close(i + 1) {
                    edits.blank.push((t.start, sig[c].end));
                    i = c + 1;
                    continue;
                }
            }
            "ON" | "TEXTIMAGE_ON" if i > 0 && is_punct(i - 1, ')') => {
                let target = sig.get(i + 1).map(|n| text[n.start..n.end].to_ascii_uppercase());
                if matches!(target.as_deref(), Some("PRIMARY" | "[PRIMARY]" | "\"PRIMARY\"")) {
                    edits.blank.push((t.start, sig[i + 1].end));
                    i += 2;
                    continue;
                }
            }
            "PRIMARY" if word(i + 1).as_deref() == Some("KEY") => {
                hints.push((t.start, KeyHint::PrimaryKey(None)));
            }
            "UNIQUE" if prev.as_deref() != Some("CREATE") => hints.push((t.start, KeyHint::Unique(None))),
            "CLUSTERED" | "NONCLUSTERED" => {
                let clustered = w == "CLUSTERED";
                let creating_index = prev.as_deref() == Some("CREATE")
                    || (prev.as_deref() == Some("UNIQUE")
                        && i >= 2
                        && word(i - 2).as_deref() == Some("CREATE"));
                if creating_index && word(i + 1).as_deref() == Some("INDEX") {
                    hints.push((t.start, KeyHint::Index(Some(clustered))));
                    edits.blank.push((t.start, t.end));
                } else if matches!(prev.as_deref(), Some("KEY" | "UNIQUE")) {
                    if let Some((_, last)) = hints.last_mut() {
                        *last = match *last {
                            KeyHint::PrimaryKey(_) => KeyHint::PrimaryKey(Some(clustered)),
                            KeyHint::Unique(_) => KeyHint::Unique(Some(clustered)),
                            other => other,
                        };
                    }
                    edits.blank.push((t.start, t.end));
                }
            }
            "INDEX" if matches!(prev.as_deref(), Some("CREATE" | "UNIQUE")) => {
                hints.push((t.start, KeyHint::Index(None)));
            }
            "TABLE" if prev.as_deref() == Some("CREATE") && depth == 0 => create_table_depth = Some(depth),
            "TABLE" if prev.as_deref() == Some("ALTER") && depth == 0 => {
                alter_table = true;
                alter_add = false;
            }
            "ADD" if alter_table && depth == 0 => alter_add = true,
            "DELETE" if depth == 0 && prev.as_deref() != Some("ON") => {
                // T-SQL's `DELETE t WHERE …` (FROM is optional).
                // Skip the target name (`t`, `dbo.t`, `[t]`): `DELETE t FROM …` keeps its FROM.
                let mut k = i + 1;
                while sig.get(k).is_some_and(|n| matches!(n.kind, Kind::Word | Kind::Name)) {
                    k += 1;
                    if !is_punct(k, '.') {
                        break;
                    }
                    k += 1;
                }
                let target_then_from = word(k).as_deref() == Some("FROM");
                if sig.get(i + 1).is_some_and(|n| matches!(n.kind, Kind::Word | Kind::Name))
                    && !matches!(word(i + 1).as_deref(), Some("FROM" | "TOP"))
                    && !target_then_from
                {
                    edits.insert.push((sig[i + 1].start, "FROM "));
                }
                update_pending = false;
            }
            // `CHANGETABLE(CHANGES dbo.t, @v)` → `CHANGETABLE('CHANGES', ' dbo.t', @v)`: a table
            // function whose first two arguments are strings (runtime::change_tracking).
            "CHANGETABLE"
                if is_punct(i + 1, '(') && word(i + 2).is_some_and(|k| k == "CHANGES" || k == "VERSION") =>
            {
                let kind = sig[i + 2];
                edits.insert.push((kind.start, "'"));
                edits.insert.push((kind.end, "', '"));
                let mut j = i + 3;
                while sig.get(j).is_some_and(|n| matches!(n.kind, Kind::Word | Kind::Name | Kind::Punct('.')))
                {
                    j += 1;
                }
                if j > i + 3 {
                    edits.insert.push((sig[j - 1].end, "'"));
                }
            }
            "UPDATE" if depth == 0 && prev.as_deref() != Some("ON") => update_pending = true,
            "SELECT" | "INSERT" | "CREATE" | "DROP" | "TRUNCATE" | "WITH" if depth == 0 => {
                alter_table = false;
                alter_add = false;
            }
            "SET" if depth == 0 && i > 0 => {
                if update_pending {
                    update_pending = false;
                } else if !matches!(prev.as_deref(), Some("DELETE" | "UPDATE")) {
                    edits.semicolon_before.push(t.start);
                }
            }
            kw if depth == 0 && i > 0 && STATEMENT_ONLY.contains(&kw) => {
                edits.semicolon_before.push(t.start);
                update_pending = false;
            }
            _ => {}
        }
        i += 1;
    }
    apply(text, edits, hints, unsupported)
}

fn same_line(text: &str, a: usize, b: usize) -> bool {
    !text[a.min(b)..a.max(b)].contains('\n')
}

/// `GO` alone on its line (optionally followed by a count).
fn is_line_alone(text: &str, toks: &[Span], t: Span) -> bool {
    let line_start = text[..t.start].rfind('\n').map(|p| p + 1).unwrap_or(0);
    let line_end = text[t.end..].find('\n').map(|p| p + t.end).unwrap_or(text.len());
    toks.iter()
        .filter(|o| o.start >= line_start && o.end <= line_end && o.start != t.start)
        .all(|o| matches!(o.kind, Kind::Space | Kind::Comment | Kind::Num))
}

fn apply(
    text: &str,
    mut edits: Edits,
    hints: Vec<(usize, KeyHint)>,
    unsupported: Option<(String, u64)>,
) -> Prepared {
    edits.blank.sort_unstable();
    edits.semicolon_before.sort_unstable();
    edits.insert.sort_unstable();
    let mut inserts = edits.insert.iter().peekable();
    let mut out = String::with_capacity(text.len() + 8);
    let mut out_hints = Vec::new();
    let (mut line, mut col) = (1u64, 1u64);
    let mut blank = edits.blank.iter().peekable();
    let mut semis = edits.semicolon_before.iter().peekable();
    let mut hint_iter = hints.iter().peekable();
    let mut pending_space_for_semi = false;
    let mut origin = OffsetMap::default();
    for (pos, c) in text.char_indices() {
        while semis.peek().is_some_and(|&&p| p <= pos) {
            semis.next();
            // Replace a preceding space with ';' to keep columns, else insert one.
            if pending_space_for_semi && out.ends_with([' ', '\t']) {
                out.pop();
                out.push(';');
            } else {
                out.push(';');
                col += 1;
            }
        }
        while let Some((_, text)) = inserts.next_if(|(p, _)| *p <= pos) {
            out.push_str(text);
            col += text.chars().count() as u64;
        }
        origin.note(out.len(), pos);
        while hint_iter.peek().is_some_and(|(p, _)| *p <= pos) {
            if let Some((_, h)) = hint_iter.next() {
                out_hints.push((line, col, *h));
            }
        }
        while blank.peek().is_some_and(|&&(_, end)| end <= pos) {
            blank.next();
        }
        let blanked = blank.peek().is_some_and(|&&(start, end)| start <= pos && pos < end);
        if c == '\n' {
            out.push('\n');
            line += 1;
            col = 1;
        } else {
            out.push(if blanked { ' ' } else { c });
            col += 1;
        }
        pending_space_for_semi = c == ' ' || c == '\t' || blanked;
        origin.note(out.len(), pos + c.len_utf8());
    }
    for (_, text) in inserts {
        out.push_str(text);
    }
    if semis.next().is_some() {
        out.push(';');
    }
    Prepared { text: out, hints: out_hints, unsupported, origin }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_hints_but_never_strings_or_brackets() {
        let p =
            run("SELECT '(NOLOCK)' FROM [t (NOLOCK)] x (NOLOCK) WITH (NOLOCK, INDEX(ix)) OPTION (RECOMPILE)");
        assert!(p.text.contains("'(NOLOCK)'"));
        assert!(p.text.contains("[t (NOLOCK)]"));
        assert_eq!(p.text.matches("NOLOCK").count(), 2, "{}", p.text);
        assert!(!p.text.contains("OPTION"));
        assert!(!p.text.contains("INDEX"));
    }

    #[test]
    fn go_lines_and_statement_keywords_get_separators() {
        let p = run("SELECT 1\nGO\nSELECT 2 BEGIN TRAN -- GO\nSELECT 'GO'");
        assert_eq!(p.text.lines().count(), 4);
        assert!(p.text.lines().nth(1).unwrap().trim() == ";");
        assert!(p.text.contains("2;BEGIN"), "{}", p.text);
        assert!(p.text.contains("'GO'"));
    }

    #[test]
    fn clustered_becomes_a_hint() {
        let p = run("CREATE TABLE t (id int PRIMARY KEY NONCLUSTERED, u int UNIQUE CLUSTERED)");
        assert!(!p.text.contains("CLUSTERED"));
        let kinds: Vec<KeyHint> = p.hints.iter().map(|h| h.2).collect();
        assert_eq!(kinds, vec![KeyHint::PrimaryKey(Some(false)), KeyHint::Unique(Some(true))]);
        let p = run("CREATE UNIQUE NONCLUSTERED INDEX ix ON t (a) INCLUDE (b)");
        assert_eq!(p.hints.iter().map(|h| h.2).collect::<Vec<_>>(), vec![KeyHint::Index(Some(false))]);
    }

    #[test]
    fn tsql_only_forms_get_their_keywords() {
        assert!(run("DELETE orders WHERE id = 1").text.starts_with("DELETE FROM orders"));
        assert!(!run("DELETE FROM orders").text.contains("FROM FROM"));
        let p = run("ALTER TABLE t ADD a int, b int NOT NULL DEFAULT (1, 2)");
        assert!(p.text.contains("a int, ADD b int"), "{}", p.text);
        assert!(p.text.contains("(1, 2)"));
    }

    #[test]
    fn update_set_is_not_split_but_a_following_set_is() {
        let p = run("UPDATE t SET a = 1 SET NOCOUNT ON");
        assert!(p.text.contains("UPDATE t SET a = 1;SET"), "{}", p.text);
    }
}
