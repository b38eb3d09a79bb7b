//! The one T-SQL tokenizer for the statements the simulator reads by hand rather than through
//! sqlparser: instance-level objects (`instance_objects/`: CREATE LOGIN, sp_add_job, DBCC …) and
//! event sessions (`xe/`: CREATE EVENT SESSION, CREATE CREDENTIAL). It yields words,
//! `[bracketed]` and `"quoted"` names, `'strings'` (and `N'…'`), numbers (`-1`, `10MB`),
//! punctuation and the two-character comparison operators; `--` and `/* */` comments are dropped.

use crate::error::SqlError;

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
    match lex(text) {
        (toks, None) => Ok(toks),
        (_, Some(unclosed)) => Err(unclosed),
    }
}

/// Splits statement text into tokens; an unclosed string or name runs to the end of the text
/// (for reading the head of a batch).
pub(crate) fn tokenize_lenient(text: &str) -> Vec<Tok> {
    lex(text).0
}

fn lex(text: &str) -> (Vec<Tok>, Option<SqlError>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut unclosed = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || ((c == 'N' || c == 'n') && chars.get(i + 1) == Some(&'\'')) {
            i += if c == '\'' { 1 } else { 2 };
            let (s, next) = quoted(&chars, i, '\'', &mut unclosed);
            out.push(Tok::Str(s));
            i = next;
        } else if c == '[' || c == '"' {
            let close = if c == '[' { ']' } else { '"' };
            let (s, next) = quoted(&chars, i + 1, close, &mut unclosed);
            out.push(Tok::Name(s));
            i = next;
        } else if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_alphanumeric() || matches!(c, '_' | '@' | '#' | '$') {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '@' | '#' | '$'))
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else if let Some(op) = operator(&chars[i..]) {
            out.push(Tok::Op(op));
            i += 2;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    (out, unclosed)
}

fn operator(rest: &[char]) -> Option<&'static str> {
    let two: String = rest.iter().take(2).collect();
    OPERATORS.into_iter().find(|op| *op == two)
}

/// The text up to the unescaped `close` (doubled means itself) and the index after it; without
/// one, the rest of the text and error 105 in `unclosed`.
fn quoted(chars: &[char], mut i: usize, close: char, unclosed: &mut Option<SqlError>) -> (String, usize) {
    let mut s = String::new();
    while i < chars.len() {
        if chars[i] == close {
            if chars.get(i + 1) == Some(&close) {
                s.push(close);
                i += 2;
                continue;
            }
            return (s, i + 1);
        }
        s.push(chars[i]);
        i += 1;
    }
    let message = format!("Unclosed quotation mark after the character string '{s}'.");
    unclosed.get_or_insert(SqlError::new(105, 15, message));
    (s, i)
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
}
