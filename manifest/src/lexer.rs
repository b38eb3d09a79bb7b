//! T-SQL tokens for finding the system objects and columns a statement reads: sqlparser's
//! tokenizer with its SQL Server dialect (`MsSqlDialect`), the same one the capture reads
//! statements with (`cutover_workloads::capture::statement`), mapped to the few kinds
//! `reads.rs` looks at. (The product does not depend on the simulator's lexer: the manifest
//! describes what is sent to real servers.)

use sqlparser::dialect::MsSqlDialect;
use sqlparser::tokenizer::{Token as Sql, Tokenizer};

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
    /// Any other character (`.`, `,`, `(`, `*`, `=` …); of a longer operator (`<=`), its first.
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

/// The text sqlparser's tokenizer could not read (an unclosed string or delimited name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenizeError(pub String);

/// Splits `sql` into tokens, skipping whitespace and comments.
pub fn tokens(sql: &str) -> Result<Vec<Token>, TokenizeError> {
    let tokens =
        Tokenizer::new(&MsSqlDialect {}, sql).tokenize().map_err(|e| TokenizeError(e.to_string()))?;
    Ok(tokens.into_iter().filter_map(token).collect())
}

fn token(t: Sql) -> Option<Token> {
    Some(match t {
        Sql::Whitespace(_) => return None,
        Sql::Word(w) if w.quote_style.is_none() && w.value.starts_with('@') => Token::Variable(w.value),
        Sql::Word(w) => Token::Ident { text: w.value, quoted: w.quote_style.is_some() },
        Sql::Placeholder(p) => Token::Variable(p),
        Sql::SingleQuotedString(s) | Sql::NationalStringLiteral(s) => Token::Str(s),
        Sql::Number(n, _) => Token::Number(n),
        Sql::HexStringLiteral(h) => Token::Number(format!("0x{h}")),
        other => Token::Punct(other.to_string().chars().next()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_strings_comments_and_variables() {
        let t = tokens("/* c */ SELECT [a]]b], N'it''s' -- x\n FROM sys.t WHERE x = @P1 AND @@SPID > 0x0A")
            .unwrap();
        assert_eq!(t[0], Token::Ident { text: "SELECT".into(), quoted: false });
        assert_eq!(t[1], Token::Ident { text: "a]b".into(), quoted: true });
        assert_eq!(t[3], Token::Str("it's".into()));
        assert!(t.contains(&Token::Variable("@P1".into())) && t.contains(&Token::Variable("@@SPID".into())));
        assert!(t.contains(&Token::Number("0x0A".into())));
        assert_eq!(
            t[5..8],
            [
                Token::Ident { text: "sys".into(), quoted: false },
                Token::Punct('.'),
                Token::Ident { text: "t".into(), quoted: false }
            ]
        );
    }

    #[test]
    fn temp_tables_dollar_names_and_quoted_identifiers() {
        let t = tokens("SELECT \"x y\" FROM #t JOIN tempdb..##g ON 1 = 1").unwrap();
        assert!(t.contains(&Token::Ident { text: "x y".into(), quoted: true }), "{t:?}");
        assert!(t.contains(&Token::Ident { text: "#t".into(), quoted: false }), "{t:?}");
        assert!(t.contains(&Token::Ident { text: "##g".into(), quoted: false }), "{t:?}");
    }

    #[test]
    fn an_unclosed_string_is_an_error_not_a_guess() {
        assert!(tokens("SELECT 'open").is_err());
    }
}
