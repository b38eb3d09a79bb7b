//! [`redact`]: blank out secret values in any connection string or message.
//!
//! Recognises `Password=`, `Pwd=`, `AccessToken=` (and `Access Token`,
//! `access_token`) in any letter case, with optional spaces around `=`, and a
//! value that is bare (up to `;`, a newline or the end, where the connection-string
//! parser ends it too), quoted (`'…'`,
//! `"…"`, doubled quotes inside) or braced (`{…}`, `}}` inside). Used on every
//! user-facing string that might have seen a connection string or SQL text.

use crate::secret::MASK;

/// Key names (lower case, spaces removed) whose values are secrets.
const SECRET_KEYS: &[&str] = &["password", "pwd", "accesstoken", "access_token", "access token"];

/// Returns `text` with every secret value replaced by `***`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((_, value_start)) = next_secret_key(rest) {
        out.push_str(&rest[..value_start]);
        let len = value_len(&rest[value_start..]);
        out.push_str(MASK);
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    out
}

/// Finds the next `key =` whose key is a secret key at a word boundary.
/// Returns (key start, value start) as byte offsets into `text`.
fn next_secret_key(text: &str) -> Option<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    for key in SECRET_KEYS {
        let mut from = 0;
        while let Some(found) = lower[from..].find(key) {
            let start = from + found;
            from = start + key.len();
            if !at_word_start(&lower, start) {
                continue;
            }
            if let Some(value_start) = after_equals(&lower, start + key.len()) {
                if best.is_none_or(|(s, _)| start < s) {
                    best = Some((start, value_start));
                }
                break;
            }
        }
    }
    best
}

fn at_word_start(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

/// If `text[at..]` is optional spaces, `=` and optional spaces, the offset after them.
fn after_equals(text: &str, at: usize) -> Option<usize> {
    let tail = &text[at..];
    let trimmed = tail.trim_start_matches([' ', '\t']);
    let after = trimmed.strip_prefix('=')?;
    // `Password==x` is the password `=x` to the connection-string parser: mask it too.
    let value = after.trim_start_matches([' ', '\t']);
    Some(text.len() - value.len())
}

/// Length in bytes of the value at the start of `text`.
fn value_len(text: &str) -> usize {
    match text.chars().next() {
        Some(q @ ('\'' | '"')) => quoted_len(text, q),
        Some('{') => quoted_len(text, '}'),
        _ => text.find([';', '\n', '\r']).unwrap_or(text.len()),
    }
}

/// Length of a value whose first character opens it and `close` closes it,
/// where a doubled `close` stands for itself. An unterminated value runs to the end.
fn quoted_len(text: &str, close: char) -> usize {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == close {
            if chars.peek().is_some_and(|&(_, n)| n == close) {
                chars.next();
                continue;
            }
            return i + c.len_utf8();
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ado_values() {
        assert_eq!(
            redact("Server=tcp:h,1433;User Id=sa;Password=Secr3t!;Database=db"),
            "Server=tcp:h,1433;User Id=sa;Password=***;Database=db"
        );
        assert_eq!(redact("pwd = abc ;x=1"), "pwd = ***;x=1");
        assert_eq!(redact("PASSWORD='a;''b';Database=x"), "PASSWORD=***;Database=x");
        assert_eq!(redact("Password={a;}}b};Database=x"), "Password=***;Database=x");
        assert_eq!(redact("Password=\"q\";"), "Password=***;");
    }

    #[test]
    fn jdbc_and_tokens() {
        assert_eq!(
            redact("jdbc:sqlserver://h:1433;user=sa;password=xyz;databaseName=d"),
            "jdbc:sqlserver://h:1433;user=sa;password=***;databaseName=d"
        );
        assert_eq!(redact("AccessToken=eyJ0eXAi.abc.def"), "AccessToken=***");
        assert_eq!(redact("access_token = eyJ"), "access_token = ***");
    }

    #[test]
    fn sql_text() {
        assert_eq!(
            redact("CREATE LOGIN x WITH PASSWORD = 'p@ss', CHECK_POLICY = OFF"),
            "CREATE LOGIN x WITH PASSWORD = ***, CHECK_POLICY = OFF"
        );
    }

    #[test]
    fn leaves_other_words_alone() {
        assert_eq!(redact("NoPassword=1;passwordless"), "NoPassword=1;passwordless");
        assert_eq!(redact("Login failed for user 'sa'."), "Login failed for user 'sa'.");
    }

    #[test]
    fn a_value_that_starts_with_equals_is_masked() {
        assert_eq!(redact("Server=h;Password==x;Database=d"), "Server=h;Password=***;Database=d");
    }

    #[test]
    fn a_bare_value_ends_where_the_parser_ends_it() {
        assert_eq!(redact("Server=h;Password=p&ss-SECRET;Database=x"), "Server=h;Password=***;Database=x");
    }

    #[test]
    fn several_secrets() {
        assert_eq!(redact("pwd=a;Password=b;pwd=c"), "pwd=***;Password=***;pwd=***");
    }

    #[test]
    fn unterminated_quote_runs_to_end() {
        assert_eq!(redact("Password='abc;Database=x"), "Password=***");
    }
}
