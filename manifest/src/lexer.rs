//! A small T-SQL tokenizer: enough to find the system objects and columns a statement reads.
//! (The product does not depend on the simulator's lexer: the manifest describes what is sent to
//! real servers.)

/// One token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A name: bare (`sys`) or delimited (`[file]`, `"x"`), as written inside the delimiters.
    Ident { text: String, quoted: bool },
    /// A string literal (`'…'`, `N'…'`), without quotes.
    Str(String),
    /// A number or a binary literal (`0x0A`).
    Number(String),
    /// `@name` or `@@NAME`.
    Variable(String),
    /// Any other character (`.`, `,`, `(`, `*`, `=` …).
    Punct(char),
}

impl Token {
    /// The identifier text, lower case, when this is an identifier.
    pub fn ident(&self) -> Option<String> {
        match self {
            Token::Ident { text, .. } => Some(text.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// Whether this is the bare keyword `word` (case-insensitive).
    pub fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Ident { text, quoted: false } if text.eq_ignore_ascii_case(word))
    }

    pub fn is_punct(&self, c: char) -> bool {
        *self == Token::Punct(c)
    }
}

/// Splits `sql` into tokens, skipping whitespace and comments.
pub fn tokens(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || ((c == 'N' || c == 'n') && next == Some('\'')) {
            let start = if c == '\'' { i + 1 } else { i + 2 };
            let (text, end) = delimited(&chars, start, '\'');
            out.push(Token::Str(text));
            i = end;
        } else if c == '[' {
            let (text, end) = delimited(&chars, i + 1, ']');
            out.push(Token::Ident { text, quoted: true });
            i = end;
        } else if c == '"' {
            let (text, end) = delimited(&chars, i + 1, '"');
            out.push(Token::Ident { text, quoted: true });
            i = end;
        } else if c == '@' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i] == '@' || is_word_char(chars[i])) {
                i += 1;
            }
            out.push(Token::Variable(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Token::Number(chars[start..i].iter().collect()));
        } else if is_word_char(c) {
            let start = i;
            while i < chars.len() && (is_word_char(chars[i]) || chars[i] == '$') {
                i += 1;
            }
            out.push(Token::Ident { text: chars[start..i].iter().collect(), quoted: false });
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '#'
}

/// The text up to the closing `close` (doubled to escape it), and the index after it.
fn delimited(chars: &[char], mut i: usize, close: char) -> (String, usize) {
    let mut text = String::new();
    while i < chars.len() {
        if chars[i] == close {
            if chars.get(i + 1) == Some(&close) {
                text.push(close);
                i += 2;
                continue;
            }
            return (text, i + 1);
        }
        text.push(chars[i]);
        i += 1;
    }
    (text, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_strings_comments_and_variables() {
        let t = tokens("/* c */ SELECT [a]]b], N'it''s' -- x\n FROM sys.t WHERE x = @P1 AND @@SPID > 0x0A");
        assert_eq!(t[0], Token::Ident { text: "SELECT".into(), quoted: false });
        assert_eq!(t[1], Token::Ident { text: "a]b".into(), quoted: true });
        assert_eq!(t[3], Token::Str("it's".into()));
        assert!(t.contains(&Token::Variable("@P1".into())) && t.contains(&Token::Variable("@@SPID".into())));
        assert!(t.contains(&Token::Number("0x0A".into())));
    }
}
