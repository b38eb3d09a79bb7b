//! Named parameters in template SQL (`@customer_id`) become tiberius's positional RPC
//! parameters (`@P1`, `@P2`, …), outside strings, quoted identifiers and comments.

/// The rewritten SQL and, per `@Pk`, the parameter name it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    /// The SQL with `@Pk` placeholders.
    pub sql: String,
    /// `names[k-1]` is the parameter behind `@Pk`.
    pub names: Vec<String>,
}

/// Rewrites `@name` for every name `is_param` accepts; other `@names` must be declared in the
/// statement (`DECLARE @x`), else the error names the first unknown one.
pub fn bind(sql: &str, is_param: impl Fn(&str) -> bool) -> Result<Bound, String> {
    let chars: Vec<char> = sql.chars().collect();
    let declared = declared_variables(sql);
    let mut out = String::with_capacity(sql.len());
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' | '"' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let end = skip_quoted(&chars, i, close);
                out.extend(&chars[i..end]);
                i = end;
            }
            '-' if next == Some('-') => {
                let end = chars[i..].iter().position(|&c| c == '\n').map(|p| i + p).unwrap_or(chars.len());
                out.extend(&chars[i..end]);
                i = end;
            }
            '/' if next == Some('*') => {
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                    .map(|j| j + 2)
                    .unwrap_or(chars.len());
                out.extend(&chars[i..end]);
                i = end;
            }
            '@' if next == Some('@') => {
                // @@GLOBAL: copy both and the name.
                let end = ident_end(&chars, i + 2);
                out.extend(&chars[i..end]);
                i = end;
            }
            '@' => {
                let end = ident_end(&chars, i + 1);
                let name: String = chars[i + 1..end].iter().collect();
                if name.is_empty() {
                    out.push('@');
                } else if is_param(&name) {
                    let key = name.to_ascii_lowercase();
                    let k = match names.iter().position(|n| n.to_ascii_lowercase() == key) {
                        Some(k) => k,
                        None => {
                            names.push(name.clone());
                            names.len() - 1
                        }
                    };
                    out.push_str(&format!("@P{}", k + 1));
                } else if declared.contains(&name.to_ascii_lowercase()) {
                    out.extend(&chars[i..end]);
                } else {
                    return Err(format!(
                        "uses @{name}, which is not a parameter: define it under [template.params] or [params]"
                    ));
                }
                i = end.max(i + 1);
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(Bound { sql: out, names })
}

fn ident_end(chars: &[char], from: usize) -> usize {
    let mut j = from;
    while j < chars.len() && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '#' | '$')) {
        j += 1;
    }
    j
}

/// End (exclusive) of a quoted run starting at `start`; a doubled closer is an escape.
fn skip_quoted(chars: &[char], start: usize, close: char) -> usize {
    let mut j = start + 1;
    while j < chars.len() {
        if chars[j] == close {
            if chars.get(j + 1) == Some(&close) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    chars.len()
}

/// Lower-cased names after `DECLARE @`.
fn declared_variables(sql: &str) -> Vec<String> {
    let lower = sql.to_ascii_lowercase();
    let mut out = Vec::new();
    for (pos, _) in lower.match_indices("declare") {
        let rest = lower[pos + 7..].trim_start();
        if let Some(r) = rest.strip_prefix('@') {
            let name: String = r.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(n: &str) -> bool {
        matches!(n.to_ascii_lowercase().as_str(), "id" | "name")
    }

    #[test]
    fn names_become_positions_outside_quotes_and_comments() {
        let b = bind("SELECT '@id', [@id], @@ROWCOUNT -- @id\nFROM t WHERE id = @id AND n = @Name OR id2 = @ID /* @x */", known).unwrap();
        assert_eq!(
            b.sql,
            "SELECT '@id', [@id], @@ROWCOUNT -- @id\nFROM t WHERE id = @P1 AND n = @P2 OR id2 = @P1 /* @x */"
        );
        assert_eq!(b.names, vec!["id", "Name"]);
    }

    #[test]
    fn declared_variables_pass_and_unknown_ones_are_named() {
        assert!(bind("DECLARE @n int = 1; SELECT @n + @id", known).is_ok());
        let e = bind("SELECT @nope", known).unwrap_err();
        assert!(e.contains("@nope"), "{e}");
    }
}
