//! Tokenising connection strings: ADO.NET and JDBC into `key = value` pairs.
//!
//! ADO.NET: `key=value;` pairs, keys case-insensitive, values bare, quoted
//! (`'…'`/`"…"`, doubled quotes inside) or braced (`{…}`, `}}` inside).
//! JDBC: `jdbc:sqlserver://host[\instance][:port][;key=value]…`, values bare
//! or braced. This module only splits; [`crate::target`] gives keys meaning.
//! Messages never echo a value, since a mis-quoted password would leak.

use crate::error::Error;

/// One `key=value` pair as written (key trimmed, value unquoted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// The key as the user wrote it, for messages.
    pub key: String,
    /// The value with quoting removed.
    pub value: String,
}

impl Pair {
    /// The key in canonical form: lower case, spaces and underscores removed.
    pub fn canonical_key(&self) -> String {
        canonical(&self.key)
    }
}

/// Lower case, without spaces or underscores: `User ID` → `userid`.
pub fn canonical(key: &str) -> String {
    key.chars().filter(|c| !c.is_whitespace() && *c != '_').flat_map(char::to_lowercase).collect()
}

/// Which connection-string dialect an input is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `Server=…;Database=…`
    AdoNet,
    /// `jdbc:sqlserver://…`
    Jdbc,
}

/// A tokenised connection string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tokens {
    /// The dialect it was written in.
    pub dialect: Dialect,
    /// JDBC only: the `host[\instance][:port]` part after `//`, if not empty.
    pub jdbc_address: Option<String>,
    /// The pairs in order.
    pub pairs: Vec<Pair>,
}

const JDBC_PREFIX: &str = "jdbc:sqlserver://";

/// True when `input` looks like a connection string rather than a server name.
pub fn looks_like_connection_string(input: &str) -> bool {
    let t = input.trim_start();
    t.len() >= 5 && t[..5].eq_ignore_ascii_case("jdbc:") || t.contains('=')
}

/// Splits an ADO.NET or JDBC connection string into pairs.
pub fn tokenize(input: &str) -> Result<Tokens, Error> {
    let trimmed = input.trim();
    if let Some(rest) = strip_prefix_ignore_case(trimmed, JDBC_PREFIX) {
        return tokenize_jdbc(rest);
    }
    if strip_prefix_ignore_case(trimmed, "jdbc:").is_some() {
        return Err(Error::Syntax {
            reason: "only `jdbc:sqlserver://host:port;…` JDBC URLs are supported".into(),
        });
    }
    let pairs = split_pairs(trimmed, Dialect::AdoNet)?;
    Ok(Tokens { dialect: Dialect::AdoNet, jdbc_address: None, pairs })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

fn tokenize_jdbc(rest: &str) -> Result<Tokens, Error> {
    let (address, props) = match rest.find(';') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, ""),
    };
    let address = address.trim();
    let jdbc_address = (!address.is_empty()).then(|| address.to_string());
    let pairs = split_pairs(props, Dialect::Jdbc)?;
    Ok(Tokens { dialect: Dialect::Jdbc, jdbc_address, pairs })
}

/// Splits `key=value;key=value` into pairs, honouring quoting.
fn split_pairs(text: &str, dialect: Dialect) -> Result<Vec<Pair>, Error> {
    let mut pairs = Vec::new();
    let mut rest = text;
    let mut index = 0;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ';' || c.is_whitespace());
        if rest.is_empty() {
            return Ok(pairs);
        }
        index += 1;
        let Some(eq) = rest.find('=') else {
            return Err(missing_equals(index));
        };
        let key = rest[..eq].trim();
        if key.is_empty() || key.contains(';') {
            return Err(missing_equals(index));
        }
        let (value, used) = read_value(&rest[eq + 1..], key, dialect)?;
        pairs.push(Pair { key: key.to_string(), value });
        rest = &rest[eq + 1 + used..];
    }
}

/// Never echoes the segment: it may be a fragment of a mis-quoted password.
fn missing_equals(index: usize) -> Error {
    Error::Syntax {
        reason: format!(
            "part {index} is not `key=value`; a value containing `;` must be quoted, \
             e.g. Password='a;b' or Password={{a;b}}"
        ),
    }
}

/// Reads one value; returns it unquoted and the bytes consumed (up to and
/// including the `;` that ends it, if any).
fn read_value(text: &str, key: &str, dialect: Dialect) -> Result<(String, usize), Error> {
    let lead = text.len() - text.trim_start().len();
    let body = &text[lead..];
    let close = match body.chars().next() {
        Some('{') => Some('}'),
        Some(q @ ('\'' | '"')) if dialect == Dialect::AdoNet => Some(q),
        _ => None,
    };
    let Some(close) = close else {
        let end = body.find(';').unwrap_or(body.len());
        let consumed = lead + end + usize::from(end < body.len());
        return Ok((body[..end].trim().to_string(), consumed));
    };
    let (value, len) = unquote(body, close).ok_or_else(|| Error::Syntax {
        reason: format!("the value of `{key}` opens a quote that is never closed"),
    })?;
    let after = &body[len..];
    let tail = after.trim_start_matches([' ', '\t']);
    if !(tail.is_empty() || tail.starts_with(';')) {
        return Err(Error::Syntax {
            reason: format!("unexpected text after the quoted value of `{key}`; end it with `;`"),
        });
    }
    let consumed = lead + len + (after.len() - tail.len()) + usize::from(!tail.is_empty());
    Ok((value, consumed))
}

/// Unquotes a value that starts with its opening character and ends at an
/// undoubled `close`. Returns the value and the bytes consumed.
fn unquote(body: &str, close: char) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = body.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c != close {
            value.push(c);
            continue;
        }
        if chars.peek().is_some_and(|&(_, n)| n == close) {
            chars.next();
            value.push(c);
            continue;
        }
        return Some((value, i + c.len_utf8()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(input: &str) -> Vec<(String, String)> {
        tokenize(input).unwrap().pairs.into_iter().map(|p| (p.key, p.value)).collect()
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn ado_bare_values() {
        assert_eq!(
            pairs(" Server = tcp:h,1433 ; Database=db;;User Id=sa;"),
            vec![p("Server", "tcp:h,1433"), p("Database", "db"), p("User Id", "sa")]
        );
    }

    #[test]
    fn ado_quoted_values() {
        assert_eq!(
            pairs("Password='a;''b';x=\"c\"\"d\" ;y={e;}}f}"),
            vec![p("Password", "a;'b"), p("x", "c\"d"), p("y", "e;}f")]
        );
    }

    #[test]
    fn jdbc() {
        let t = tokenize("jdbc:sqlserver://h\\INST:1500;databaseName=d;password={a;b}").unwrap();
        assert_eq!(t.dialect, Dialect::Jdbc);
        assert_eq!(t.jdbc_address.as_deref(), Some("h\\INST:1500"));
        assert_eq!(
            t.pairs.into_iter().map(|p| (p.key, p.value)).collect::<Vec<_>>(),
            vec![p("databaseName", "d"), p("password", "a;b")]
        );
        let t = tokenize("JDBC:SQLSERVER://;serverName=h").unwrap();
        assert_eq!(t.jdbc_address, None);
    }

    #[test]
    fn unquoted_semicolon_in_password_is_an_error_without_the_value() {
        let err = tokenize("Server=h;Password=ab;c!d#e;Database=x").unwrap_err().to_string();
        assert!(err.contains("part 3"), "{err}");
        assert!(!err.contains("c!d#e"), "{err}");
        assert!(err.contains("quoted"), "{err}");
    }

    #[test]
    fn unclosed_quote_and_trailing_text() {
        let err = tokenize("Password='abc;Database=x").unwrap_err().to_string();
        assert!(err.contains("never closed") && err.contains("Password"), "{err}");
        let err = tokenize("Password='abc'def;").unwrap_err().to_string();
        assert!(err.contains("after the quoted value"), "{err}");
        assert!(!err.contains("abc"), "{err}");
    }

    #[test]
    fn other_jdbc_drivers_rejected() {
        assert!(tokenize("jdbc:postgresql://h/db").is_err());
    }

    #[test]
    fn canonical_keys() {
        assert_eq!(canonical("User ID"), "userid");
        assert_eq!(canonical("Trust_Server Certificate"), "trustservercertificate");
    }

    #[test]
    fn detects_connection_strings() {
        assert!(looks_like_connection_string("Server=h"));
        assert!(looks_like_connection_string("jdbc:sqlserver://h"));
        assert!(!looks_like_connection_string("src"));
    }
}
