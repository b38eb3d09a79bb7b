//! Read/write classification of SQL text: a statement that contains a data- or
//! schema-changing keyword (outside string literals and comments) writes.

/// Keywords that make a statement a write.
const WRITE_WORDS: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "CREATE", "DROP", "ALTER", "EXEC", "EXECUTE", "BULK",
    "GRANT", "REVOKE", "DENY",
];

/// The first write keyword in `sql`, if any.
pub fn write_keyword(sql: &str) -> Option<&'static str> {
    let mut word = String::new();
    let mut chars = sql.chars().peekable();
    let mut found = None;
    let mut check = |w: &mut String| {
        if found.is_none() && !w.is_empty() {
            let upper = w.to_ascii_uppercase();
            found = WRITE_WORDS.iter().copied().find(|k| *k == upper);
        }
        w.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                check(&mut word);
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                check(&mut word);
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '@' || c == '#' => word.push(c),
            _ => check(&mut word),
        }
    }
    check(&mut word);
    found
}

#[cfg(test)]
mod tests {
    use super::write_keyword;

    #[test]
    fn classifies() {
        assert_eq!(write_keyword("SELECT * FROM t WHERE note = 'update me' -- delete"), None);
        assert_eq!(write_keyword("update t set a = 1"), Some("UPDATE"));
        assert_eq!(write_keyword("SELECT @update_count"), None);
        assert_eq!(write_keyword("WITH x AS (SELECT 1 a) INSERT INTO t SELECT a FROM x"), Some("INSERT"));
    }
}
