//! The one T-SQL tokenizer of the simulator. Two readers use it:
//! - [`spans`]: every byte of the text as a token with its byte range, whitespace and comments
//!   included, for the translator's pre-pass (`translate::prepass`), which rewrites the batch
//!   text before sqlparser sees it and must never touch the inside of a string, a name or a
//!   comment;
//! - [`tokenize`] / [`tokenize_lenient`]: the significant tokens with their values, for the
//!   statements read by hand rather than through sqlparser: instance-level objects
//!   (`instance_objects/`: CREATE LOGIN, sp_add_job, DBCC …), event sessions (`xe/`: CREATE EVENT
//!   SESSION, CREATE CREDENTIAL), CHANGETABLE, and multi-part names ([`split_name`]).
//!
//! It yields words, `[bracketed]` and `"quoted"` names, `'strings'` (and `N'…'`), numbers (`-1`
//! and `10MB` as values), punctuation and the two-character comparison operators. `--` and
//! `/* */` comments nest as SQL Server's do ("Slash Star (Block Comment)": nested comments are
//! supported).

use crate::error::SqlError;

/// What a [`Span`] of the text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An unquoted word (`CREATE`, `sp_add_job`, `@job_name`, `#t`).
    Word,
    /// A `[bracketed]` or `"quoted"` identifier, quotes included.
    Name,
    /// A string literal, quotes (and `N`) included.
    Str,
    Num,
    Punct(char),
    /// `<>`, `!=`, `>=` or `<=`.
    Op(&'static str),
    Space,
    /// A `--` line or a `/* */` block.
    Comment,
}

/// One token of the text: its kind and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// Whitespace or a comment.
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, Kind::Space | Kind::Comment)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// An unquoted word (`CREATE`, `sp_add_job`, `@job_name`), as written.
    Word(String),
    /// A `[bracketed]` or `"quoted"` identifier, unquoted.
    Name(String),
    /// A string literal, unquoted.
    Str(String),
    Num(String),
    Punct(char),
    /// `<>`, `!=`, `>=` or `<=`.
    Op(&'static str),
}

impl Tok {
    /// True for the unquoted word `w` (case-insensitive).
    pub fn is(&self, w: &str) -> bool {
        matches!(self, Tok::Word(x) if x.eq_ignore_ascii_case(w))
    }

    /// The token's value as a name or value (words, names, strings and numbers).
    pub fn value(&self) -> Option<String> {
        match self {
            Tok::Word(s) | Tok::Name(s) | Tok::Str(s) | Tok::Num(s) => Some(s.clone()),
            Tok::Punct(_) | Tok::Op(_) => None,
        }
    }
}

const OPERATORS: [&str; 4] = ["<>", "!=", ">=", "<="];

/// Splits statement text into tokens; an unclosed quotation mark is error 105.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Tok>, SqlError> {
    let (spans, unclosed) = scan(text);
    let toks = values(text, &spans, unclosed);
    match (unclosed, toks.last()) {
        (true, Some(Tok::Str(s) | Tok::Name(s))) => {
            Err(SqlError::new(105, 15, format!("Unclosed quotation mark after the character string '{s}'.")))
        }
        _ => Ok(toks),
    }
}

/// Splits statement text into tokens; an unclosed string or name runs to the end of the text
/// (for reading the head of a batch).
pub(crate) fn tokenize_lenient(text: &str) -> Vec<Tok> {
    let (spans, unclosed) = scan(text);
    values(text, &spans, unclosed)
}

/// Every token of the text in order, whitespace and comments included: the spans cover the
/// text. An unclosed string, name or comment runs to the end.
pub(crate) fn spans(text: &str) -> Vec<Span> {
    scan(text).0
}

/// `[db].[dbo].[t]`, `shop..orders`, `dbo . t`: the parts of a multi-part name, unquoted (an
/// empty part where one was left out). Space around the dots is dropped; anything else is kept
/// as written within its part.
pub(crate) fn split_name(name: &str) -> Vec<String> {
    let (spans, unclosed) = scan(name);
    let mut parts = vec![String::new()];
    let mut space = "";
    for (i, s) in spans.iter().enumerate() {
        let raw = &name[s.start..s.end];
        match s.kind {
            Kind::Punct('.') => parts.push(String::new()),
            Kind::Space => {
                space = raw;
                continue;
            }
            Kind::Name => {
                push_last(&mut parts, space);
                push_last(&mut parts, &unquote(raw, !(unclosed && i + 1 == spans.len())));
            }
            _ => {
                push_last(&mut parts, space);
                push_last(&mut parts, raw);
            }
        }
        space = "";
    }
    parts
}

/// Appends to the last part; space only where the part has begun.
fn push_last(parts: &mut [String], text: &str) {
    if let Some(last) = parts.last_mut()
        && !(last.is_empty() && text.trim().is_empty())
    {
        last.push_str(text);
    }
}

/// The significant tokens with their values; a `-` right before a number is its sign.
fn values(text: &str, spans: &[Span], unclosed: bool) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(spans.len());
    let mut minus_ends = None;
    for (i, s) in spans.iter().enumerate().filter(|(_, s)| !s.is_trivia()) {
        let raw = &text[s.start..s.end];
        let closed = !(unclosed && i + 1 == spans.len());
        if s.kind == Kind::Num && minus_ends == Some(s.start) {
            out.pop();
        }
        let signed = if minus_ends == Some(s.start) { "-" } else { "" };
        out.push(match s.kind {
            Kind::Num => Tok::Num(format!("{signed}{raw}")),
            Kind::Word => Tok::Word(raw.to_string()),
            Kind::Name => Tok::Name(unquote(raw, closed)),
            Kind::Str => Tok::Str(unquote(raw, closed)),
            Kind::Punct(c) => Tok::Punct(c),
            Kind::Op(op) => Tok::Op(op),
            Kind::Space | Kind::Comment => continue,
        });
        minus_ends = (s.kind == Kind::Punct('-')).then_some(s.end);
    }
    out
}

/// A string or name token's text without its quotes (and `N`), doubled closing quotes undone;
/// `closed` says whether its last character is the closing quote.
fn unquote(raw: &str, closed: bool) -> String {
    let body = raw.strip_prefix(['N', 'n']).filter(|b| b.starts_with('\'')).unwrap_or(raw);
    let close = match body.chars().next() {
        Some('[') => ']',
        Some(q) => q,
        None => return String::new(),
    };
    let inner = &body[1..];
    let inner = if closed { &inner[..inner.len() - 1] } else { inner };
    inner.replace(&format!("{close}{close}"), &close.to_string())
}

/// The tokens of the text (as [`spans`]) and whether the last one is an unclosed string or name.
pub(crate) fn scan(text: &str) -> (Vec<Span>, bool) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|c| c.1);
    let pos = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(text.len());
    let word_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '@' | '#' | '$');
    let mut toks = Vec::new();
    let mut unclosed = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = i;
        let kind = if c.is_whitespace() {
            while at(i).is_some_and(char::is_whitespace) {
                i += 1;
            }
            Kind::Space
        } else if c == '-' && at(i + 1) == Some('-') {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
            Kind::Comment
        } else if c == '/' && at(i + 1) == Some('*') {
            i = block_comment_end(&chars, i);
            Kind::Comment
        } else if c == '\'' || ((c == 'N' || c == 'n') && at(i + 1) == Some('\'')) {
            i += if c == '\'' { 1 } else { 2 };
            (i, unclosed) = close_quote(&chars, i, '\'');
            Kind::Str
        } else if c == '[' || c == '"' {
            (i, unclosed) = close_quote(&chars, i + 1, if c == '[' { ']' } else { '"' });
            Kind::Name
        } else if c.is_ascii_digit() {
            while at(i).is_some_and(|c| c.is_ascii_alphanumeric() || c == '.') {
                i += 1;
            }
            Kind::Num
        } else if word_char(c) {
            while at(i).is_some_and(word_char) {
                i += 1;
            }
            Kind::Word
        } else if let Some(op) =
            OPERATORS.into_iter().find(|op| op.starts_with(c) && at(i + 1) == op.chars().nth(1))
        {
            i += 2;
            Kind::Op(op)
        } else {
            i += 1;
            Kind::Punct(c)
        };
        toks.push(Span { kind, start: pos(start), end: pos(i) });
    }
    (toks, unclosed)
}

/// Index just past the `*/` that closes the `/*` at `i`, nested comments counted, or the end.
fn block_comment_end(chars: &[(usize, char)], mut i: usize) -> usize {
    let at = |i: usize| chars.get(i).map(|c| c.1);
    let mut depth = 0;
    while i < chars.len() {
        if at(i) == Some('/') && at(i + 1) == Some('*') {
            depth += 1;
            i += 2;
        } else if at(i) == Some('*') && at(i + 1) == Some('/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Index just past the closing quote (a doubled quote is an escaped one) and `false`, or the
/// end and `true` when there is none.
fn close_quote(chars: &[(usize, char)], mut i: usize, quote: char) -> (usize, bool) {
    while i < chars.len() {
        if chars[i].1 == quote {
            if chars.get(i + 1).map(|c| c.1) == Some(quote) {
                i += 2;
                continue;
            }
            return (i + 1, false);
        }
        i += 1;
    }
    (i, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_names_strings_numbers_and_operators() {
        let toks = tokenize("DBCC TRACEON (3604, -1) /* all */ -- sessions\n[a]]b] <> N'it''s'").unwrap();
        assert_eq!(
            toks,
            [
                Tok::Word("DBCC".into()),
                Tok::Word("TRACEON".into()),
                Tok::Punct('('),
                Tok::Num("3604".into()),
                Tok::Punct(','),
                Tok::Num("-1".into()),
                Tok::Punct(')'),
                Tok::Name("a]b".into()),
                Tok::Op("<>"),
                Tok::Str("it's".into()),
            ]
        );
    }

    #[test]
    fn an_unclosed_string_is_an_error_unless_reading_leniently() {
        let err = tokenize("CREATE LOGIN [x] WITH PASSWORD = 'abc").unwrap_err();
        assert_eq!(err.number, 105);
        assert_eq!(tokenize_lenient("CREATE EVENT SESSION [cut").last(), Some(&Tok::Name("cut".into())));
    }

    #[test]
    fn spans_cover_the_text_and_nested_comments_stay_one_comment() {
        let text = "SELECT /* a /* b */ c */ x--y\n FROM [t]";
        let spans = spans(text);
        assert_eq!(spans.iter().map(|s| &text[s.start..s.end]).collect::<String>(), text);
        let kinds: Vec<Kind> = spans.iter().filter(|s| !s.is_trivia()).map(|s| s.kind).collect();
        assert_eq!(kinds, [Kind::Word, Kind::Word, Kind::Word, Kind::Name]);
        assert_eq!(
            tokenize("a /* x /* y */ z */ b").unwrap(),
            [Tok::Word("a".into()), Tok::Word("b".into())]
        );
    }

    #[test]
    fn multi_part_names_are_split_and_unquoted() {
        assert_eq!(split_name("[shop].[dbo].[order.lines]"), ["shop", "dbo", "order.lines"]);
        assert_eq!(split_name("shop..orders"), ["shop", "", "orders"]);
        assert_eq!(split_name("[odd.name]]x]"), ["odd.name]x"]);
        assert_eq!(split_name("\"a\".b"), ["a", "b"]);
        assert_eq!(split_name(" dbo . [my table] "), ["dbo", "my table"]);
    }
}
