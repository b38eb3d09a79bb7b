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
    let mut pass = Pass { text, toks: &toks, sig, ..Pass::default() };
    let mut i = 0;
    while i < pass.sig.len() {
        i = pass.step(i);
    }
    let hints = std::mem::take(&mut pass.hints);
    let unsupported = pass.unsupported.take();
    apply(text, std::mem::take(&mut pass.edits), hints, unsupported)
}

/// The pre-pass walking the significant tokens: what it has decided and the state it carries.
#[derive(Default)]
struct Pass<'t> {
    text: &'t str,
    /// Every token, trivia included (for "alone on its line").
    toks: &'t [Span],
    /// The significant tokens.
    sig: Vec<Span>,
    edits: Edits,
    hints: Vec<(usize, KeyHint)>,
    unsupported: Option<(String, u64)>,
    /// Parenthesis depth.
    depth: i32,
    /// An UPDATE whose SET has not been seen yet.
    update_pending: bool,
    /// The depth of the CREATE TABLE being read, if any.
    create_table_depth: Option<i32>,
    alter_table: bool,
    alter_add: bool,
}

/// Where the walk goes after a token: the next one, or on after a span it consumed.
enum Flow {
    Next,
    Jump(usize),
}

impl Pass<'_> {
    /// The upper-case word at `i`, if that token is a word.
    fn word(&self, i: usize) -> Option<String> {
        self.sig
            .get(i)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| self.text[t.start..t.end].to_ascii_uppercase())
    }

    fn is_punct(&self, i: usize, c: char) -> bool {
        self.sig.get(i).is_some_and(|t| t.kind == Kind::Punct(c))
    }

    /// Index of the matching ')' for a '(' at i.
    fn close(&self, i: usize) -> Option<usize> {
        let mut depth = 0;
        for (j, t) in self.sig.iter().enumerate().skip(i) {
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
    }

    /// Whether the tokens `from..to` are a comma list of `allowed` words (`INDEX(…)` and
    /// `INDEX = …` taken whole), with at least one.
    fn only_words(&self, from: usize, to: usize, allowed: &[&str]) -> bool {
        let mut k = from;
        let mut any = false;
        while k < to {
            match self.word(k) {
                Some(w) if allowed.contains(&w.as_str()) => {
                    any = true;
                    k += 1;
                    if w == "INDEX" {
                        if self.is_punct(k, '(') {
                            match self.close(k) {
                                Some(c) => k = c + 1,
                                None => return false,
                            }
                        } else if self.is_punct(k, '=') {
                            k += 2;
                        }
                    }
                }
                _ if self.is_punct(k, ',') => k += 1,
                _ => return false,
            }
        }
        any
    }

    fn line_of(&self, pos: usize) -> u64 {
        self.text[..pos].matches('\n').count() as u64 + 1
    }

    /// Reads the token at `i`; returns the index of the next one to read.
    fn step(&mut self, i: usize) -> usize {
        let t = self.sig[i];
        match t.kind {
            Kind::Punct('(') => self.depth += 1,
            Kind::Punct(')') => {
                self.depth -= 1;
                if self.create_table_depth.is_some_and(|d| self.depth <= d) {
                    self.create_table_depth = None;
                }
            }
            _ => {}
        }
        let flow = match self.word(i) {
            None => self.punct(i),
            // The first family with an arm for the word takes it, in this order.
            Some(w) => [Self::go, Self::hint_word, Self::key_word, Self::statement_word]
                .into_iter()
                .find_map(|family| family(self, i, &w))
                .unwrap_or(Flow::Next),
        };
        match flow {
            Flow::Next => i + 1,
            Flow::Jump(next) => next,
        }
    }

    /// A token that is not a word: statement ends, ALTER TABLE's added columns, computed
    /// columns (refused) and `t (NOLOCK)` hint lists.
    fn punct(&mut self, i: usize) -> Flow {
        let t = self.sig[i];
        let depth = self.depth;
        if t.kind == Kind::Punct(';') && depth == 0 {
            self.alter_table = false;
            self.alter_add = false;
        }
        if t.kind == Kind::Punct(',')
            && depth == 0
            && self.alter_add
            && !matches!(self.word(i + 1).as_deref(), Some("ADD"))
        {
            self.edits.insert.push((t.end, " ADD"));
        }
        // Computed column: `( name AS …` or `, name AS …` directly in CREATE TABLE's list.
        if self.create_table_depth.is_some_and(|d| depth == d + 1)
            && (self.is_punct(i, ',') || self.is_punct(i, '('))
            && self.word(i + 2).as_deref() == Some("AS")
            && self.sig.get(i + 1).is_some_and(|t| matches!(t.kind, Kind::Word | Kind::Name))
            && self.unsupported.is_none()
        {
            self.unsupported =
                Some(("computed columns (name AS expression)".to_string(), self.line_of(t.start)));
        }
        // `t (NOLOCK)`: a hint list right after a table name or alias.
        if t.kind == Kind::Punct('(')
            && i > 0
            && matches!(self.sig[i - 1].kind, Kind::Word | Kind::Name)
            && let Some(c) = self.close(i)
            && self.only_words(i + 1, c, TABLE_HINTS)
        {
            self.edits.blank.push((t.start, self.sig[c].end));
            self.depth -= 1;
            return Flow::Jump(c + 1);
        }
        Flow::Next
    }

    /// `GO` alone on its line (with an optional count) becomes `;`.
    fn go(&mut self, i: usize, w: &str) -> Option<Flow> {
        let t = self.sig[i];
        if w != "GO" || !is_line_alone(self.text, self.toks, t) {
            return None;
        }
        let end = match self.sig.get(i + 1) {
            Some(n) if n.kind == Kind::Num && same_line(self.text, t.end, n.start) => n.end,
            _ => t.end,
        };
        self.edits.blank.push((t.start, end));
        self.edits.semicolon_before.push(t.start);
        Some(Flow::Next)
    }

    /// Table hints `WITH (…)`, index options, query hints `OPTION (…)` and `ON [PRIMARY]` are
    /// blanked.
    fn hint_word(&mut self, i: usize, w: &str) -> Option<Flow> {
        let t = self.sig[i];
        match w {
            "WITH" if self.is_punct(i + 1, '(') => {
                if let Some(c) = self.close(i + 1)
                    && (self.only_words(i + 2, c, TABLE_HINTS)
                        || self.word(i + 2).is_some_and(|o| INDEX_OPTIONS.contains(&o.as_str())))
                {
                    self.edits.blank.push((t.start, self.sig[c].end));
                    return Some(Flow::Jump(c + 1));
                }
            }
            "OPTION" if self.is_punct(i + 1, '(') && self.depth == 0 => {
                if let Some(c) = self.close(i + 1) {
                    self.edits.blank.push((t.start, self.sig[c].end));
                    return Some(Flow::Jump(c + 1));
                }
            }
            "ON" | "TEXTIMAGE_ON" if i > 0 && self.is_punct(i - 1, ')') => {
                let target = self.sig.get(i + 1).map(|n| self.text[n.start..n.end].to_ascii_uppercase());
                if matches!(target.as_deref(), Some("PRIMARY" | "[PRIMARY]" | "\"PRIMARY\"")) {
                    self.edits.blank.push((t.start, self.sig[i + 1].end));
                    return Some(Flow::Jump(i + 2));
                }
            }
            _ => return None,
        }
        Some(Flow::Next)
    }

    /// PRIMARY KEY, UNIQUE and CREATE INDEX become [`KeyHint`]s; CLUSTERED/NONCLUSTERED are
    /// blanked and noted on them.
    fn key_word(&mut self, i: usize, w: &str) -> Option<Flow> {
        let t = self.sig[i];
        let prev = if i > 0 { self.word(i - 1) } else { None };
        match w {
            "PRIMARY" if self.word(i + 1).as_deref() == Some("KEY") => {
                self.hints.push((t.start, KeyHint::PrimaryKey(None)));
            }
            "UNIQUE" if prev.as_deref() != Some("CREATE") => {
                self.hints.push((t.start, KeyHint::Unique(None)))
            }
            "CLUSTERED" | "NONCLUSTERED" => {
                let clustered = w == "CLUSTERED";
                let creating_index = prev.as_deref() == Some("CREATE")
                    || (prev.as_deref() == Some("UNIQUE")
                        && i >= 2
                        && self.word(i - 2).as_deref() == Some("CREATE"));
                if creating_index && self.word(i + 1).as_deref() == Some("INDEX") {
                    self.hints.push((t.start, KeyHint::Index(Some(clustered))));
                    self.edits.blank.push((t.start, t.end));
                } else if matches!(prev.as_deref(), Some("KEY" | "UNIQUE")) {
                    if let Some((_, last)) = self.hints.last_mut() {
                        *last = match *last {
                            KeyHint::PrimaryKey(_) => KeyHint::PrimaryKey(Some(clustered)),
                            KeyHint::Unique(_) => KeyHint::Unique(Some(clustered)),
                            other => other,
                        };
                    }
                    self.edits.blank.push((t.start, t.end));
                }
            }
            "INDEX" if matches!(prev.as_deref(), Some("CREATE" | "UNIQUE")) => {
                self.hints.push((t.start, KeyHint::Index(None)));
            }
            _ => return None,
        }
        Some(Flow::Next)
    }

    /// Statement structure: CREATE/ALTER TABLE state, T-SQL's `DELETE t`, CHANGETABLE's
    /// arguments, and the `;` before a statement that starts without one.
    fn statement_word(&mut self, i: usize, w: &str) -> Option<Flow> {
        let t = self.sig[i];
        let prev = if i > 0 { self.word(i - 1) } else { None };
        let depth = self.depth;
        match w {
            "TABLE" if prev.as_deref() == Some("CREATE") && depth == 0 => {
                self.create_table_depth = Some(depth)
            }
            "TABLE" if prev.as_deref() == Some("ALTER") && depth == 0 => {
                self.alter_table = true;
                self.alter_add = false;
            }
            "ADD" if self.alter_table && depth == 0 => self.alter_add = true,
            "DELETE" if depth == 0 && prev.as_deref() != Some("ON") => {
                self.delete_from(i);
                self.update_pending = false;
            }
            "CHANGETABLE"
                if self.is_punct(i + 1, '(')
                    && self.word(i + 2).is_some_and(|k| k == "CHANGES" || k == "VERSION") =>
            {
                self.changetable(i)
            }
            "UPDATE" if depth == 0 && prev.as_deref() != Some("ON") => self.update_pending = true,
            "SELECT" | "INSERT" | "CREATE" | "DROP" | "TRUNCATE" | "WITH" if depth == 0 => {
                self.alter_table = false;
                self.alter_add = false;
            }
            "SET" if depth == 0 && i > 0 => {
                if self.update_pending {
                    self.update_pending = false;
                } else if !matches!(prev.as_deref(), Some("DELETE" | "UPDATE")) {
                    self.edits.semicolon_before.push(t.start);
                }
            }
            kw if depth == 0 && i > 0 && STATEMENT_ONLY.contains(&kw) => {
                self.edits.semicolon_before.push(t.start);
                self.update_pending = false;
            }
            _ => return None,
        }
        Some(Flow::Next)
    }

    /// T-SQL's `DELETE t WHERE …` (FROM is optional) gets its FROM. The target name (`t`,
    /// `dbo.t`, `[t]`) is skipped first: `DELETE t FROM …` keeps its FROM.
    fn delete_from(&mut self, i: usize) {
        let sig = &self.sig;
        let mut k = i + 1;
        while sig.get(k).is_some_and(|n| matches!(n.kind, Kind::Word | Kind::Name)) {
            k += 1;
            if !self.is_punct(k, '.') {
                break;
            }
            k += 1;
        }
        let target_then_from = self.word(k).as_deref() == Some("FROM");
        if sig.get(i + 1).is_some_and(|n| matches!(n.kind, Kind::Word | Kind::Name))
            && !matches!(self.word(i + 1).as_deref(), Some("FROM" | "TOP"))
            && !target_then_from
        {
            let at = sig[i + 1].start;
            self.edits.insert.push((at, "FROM "));
        }
    }

    /// `CHANGETABLE(CHANGES dbo.t, @v)` → `CHANGETABLE('CHANGES', ' dbo.t', @v)`: a table
    /// function whose first two arguments are strings (runtime::change_tracking).
    fn changetable(&mut self, i: usize) {
        let kind = self.sig[i + 2];
        self.edits.insert.push((kind.start, "'"));
        self.edits.insert.push((kind.end, "', '"));
        let mut j = i + 3;
        while self.sig.get(j).is_some_and(|n| matches!(n.kind, Kind::Word | Kind::Name | Kind::Punct('.'))) {
            j += 1;
        }
        if j > i + 3 {
            let end = self.sig[j - 1].end;
            self.edits.insert.push((end, "'"));
        }
    }
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
