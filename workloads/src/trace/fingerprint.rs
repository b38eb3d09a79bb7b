//! A statement's fingerprint: its text with literals replaced by `?` and whitespace collapsed,
//! so `SELECT * FROM t WHERE id = 5` and `… id = 6` are one query (one histogram tag), as
//! pt-query-digest and Query Store's query hash group them. Identifiers (`[x 1]`, `"y"`,
//! `t1`, `@p1`, `#tmp2`) and comments are kept; string literals (`'…'`, `N'…'`), numbers and
//! binary literals (`0x1F`) become `?`.

/// Characters that continue an identifier or variable name.
fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '@' | '#' | '$')
}

/// The fingerprint of `sql`.
pub fn fingerprint(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            '\'' => {
                // N'…': the N goes with the literal.
                if out.ends_with(['N', 'n']) && !out[..out.len() - 1].ends_with(ident_char) {
                    out.pop();
                }
                while let Some(q) = chars.next() {
                    if q == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                out.push('?');
            }
            '[' | '"' => {
                let close = if c == '[' { ']' } else { '"' };
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == close {
                        break;
                    }
                }
            }
            c if c.is_ascii_digit() && !out.ends_with(ident_char) => {
                while chars.peek().is_some_and(|&d| d.is_ascii_alphanumeric() || d == '.') {
                    chars.next();
                }
                out.push('?');
            }
            c => out.push(c),
        }
    }
    out
}

/// How many parameters a declaration (`@P1 int, @P2 decimal(10, 2)`) declares: its top-level
/// commas plus one (none when empty).
pub fn declared_count(declare: &str) -> usize {
    if declare.trim().is_empty() {
        return 0;
    }
    let mut depth = 0i32;
    let mut count = 1;
    for c in declare.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => count += 1,
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn literals_become_placeholders_and_names_stay() {
        assert_eq!(fingerprint("SELECT  *\n FROM t1 WHERE id = 42 "), "SELECT * FROM t1 WHERE id = ?");
        assert_eq!(
            fingerprint("UPDATE [t 2] SET name = N'O''Brien', x = 'a' WHERE k = 0x1F AND f = 1.5e3"),
            "UPDATE [t 2] SET name = ?, x = ? WHERE k = ? AND f = ?"
        );
        assert_eq!(fingerprint("SELECT @p1, #tmp2.c3 FROM \"q 9\""), "SELECT @p1, #tmp2.c3 FROM \"q 9\"");
        assert_eq!(fingerprint("SELECT TOP (5) a FROM t"), "SELECT TOP (?) a FROM t");
        assert_eq!(
            fingerprint("SELECT name FROM dbo.c WHERE id = @id"),
            "SELECT name FROM dbo.c WHERE id = @id"
        );
        assert_eq!(fingerprint("exec p N'x'"), "exec p ?");
        assert_eq!(fingerprint("SELECT ISNULL(a,'')"), "SELECT ISNULL(a,?)");
    }

    #[test]
    fn declarations_are_counted_at_top_level_commas() {
        assert_eq!(super::declared_count("@P1 int, @P2 decimal(10, 2)"), 2);
        assert_eq!(super::declared_count(" "), 0);
    }
}
