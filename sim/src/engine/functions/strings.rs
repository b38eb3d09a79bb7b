//! String functions with T-SQL semantics: LIKE patterns (`%`, `_`, `[a-z]`, `[^…]`, ESCAPE,
//! case-insensitive), SUBSTRING/LEFT/RIGHT with SQL Server's bounds, Unicode UPPER/LOWER,
//! case-insensitive REPLACE/CHARINDEX (the default collation), DATALENGTH in bytes.

use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};

use super::encoding::cp1252_encode;
use super::{Def, arg, def, int_arg, raise, text_arg, text_or_null};
use crate::engine::FunctionContext;
use crate::error::SqlError;
use crate::types::SqlType;

pub(super) const FUNCTIONS: &[Def] = &[
    def("tsql_like", 3, like),
    def("tsql_substring", 3, substring),
    def("tsql_left", 2, left),
    def("tsql_right", 2, right),
    def("tsql_upper", 1, upper),
    def("tsql_lower", 1, lower),
    def("tsql_replace", 3, replace),
    def("tsql_stuff", 4, stuff),
    def("tsql_charindex", 3, charindex),
    def("tsql_patindex", 2, patindex),
    def("tsql_replicate", 2, replicate),
    def("tsql_reverse", 1, reverse),
    def("tsql_quotename", 2, quotename),
    def("tsql_concat_ws", -1, concat_ws),
    def("tsql_datalength", 2, datalength),
    def("tsql_binconcat", -1, binconcat),
];

type R = rusqlite::Result<Value>;

fn fold(c: char) -> char {
    if c.is_ascii() { c.to_ascii_lowercase() } else { c.to_lowercase().next().unwrap_or(c) }
}

#[derive(Debug, Clone)]
enum Pat {
    Any,
    One,
    Lit(char),
    Class { negated: bool, items: Vec<(char, char)> },
}

fn compile(pattern: &str, escape: Option<char>) -> Vec<Pat> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if Some(c) == escape && i + 1 < chars.len() {
            out.push(Pat::Lit(fold(chars[i + 1])));
            i += 2;
            continue;
        }
        match c {
            '%' => out.push(Pat::Any),
            '_' => out.push(Pat::One),
            '[' => {
                if let Some(close) = chars[i + 1..].iter().position(|&x| x == ']').map(|p| p + i + 1) {
                    let mut body = &chars[i + 1..close];
                    let negated = body.first() == Some(&'^') && body.len() > 1;
                    if negated {
                        body = &body[1..];
                    }
                    let mut items = Vec::new();
                    let mut k = 0;
                    while k < body.len() {
                        if k + 2 < body.len() && body[k + 1] == '-' {
                            items.push((fold(body[k]), fold(body[k + 2])));
                            k += 3;
                        } else {
                            items.push((fold(body[k]), fold(body[k])));
                            k += 1;
                        }
                    }
                    out.push(Pat::Class { negated, items });
                    i = close + 1;
                    continue;
                }
                out.push(Pat::Lit('['));
            }
            other => out.push(Pat::Lit(fold(other))),
        }
        i += 1;
    }
    out
}

fn matches_one(p: &Pat, c: char) -> bool {
    match p {
        Pat::One => true,
        Pat::Lit(l) => *l == c,
        Pat::Class { negated, items } => items.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negated,
        Pat::Any => true,
    }
}

/// Does the whole of `text` match `pat`? (dynamic programming, no backtracking blow-up)
fn matches(pat: &[Pat], text: &[char]) -> bool {
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for p in pat {
        let mut next = vec![false; text.len() + 1];
        match p {
            Pat::Any => {
                let mut seen = false;
                for j in 0..=text.len() {
                    seen |= row[j];
                    next[j] = seen;
                }
            }
            _ => {
                for j in 0..text.len() {
                    if row[j] && matches_one(p, text[j]) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        row = next;
    }
    row[text.len()]
}

/// T-SQL LIKE; trailing spaces of the value are not significant.
pub(crate) fn like_match(value: &str, pattern: &str, escape: Option<char>) -> bool {
    let pat = compile(pattern, escape);
    let text: Vec<char> = value.chars().map(fold).collect();
    if matches(&pat, &text) {
        return true;
    }
    let trimmed = value.trim_end_matches(' ');
    trimmed.len() != value.len() && matches(&pat, &trimmed.chars().map(fold).collect::<Vec<_>>())
}

fn like(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(v), Some(p)) = (text_arg(c, 0), text_arg(c, 1)) else { return Ok(Value::Null) };
    let escape = text_arg(c, 2).and_then(|e| e.chars().next());
    Ok(Value::Integer(like_match(&v, &p, escape) as i64))
}

fn bounds(start: i64, len: i64, total: usize) -> (usize, usize) {
    let end = start.saturating_add(len);
    let from = (start.max(1) - 1) as usize;
    let to = if end <= 1 { 0 } else { ((end - 1) as usize).min(total) };
    (from.min(total), to.max(from.min(total)))
}

fn substring(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(start), Some(len)) = (int_arg(c, 1)?, int_arg(c, 2)?) else { return Ok(Value::Null) };
    if len < 0 {
        return Err(raise(SqlError::new(
            537,
            16,
            "Invalid length parameter passed to the LEFT or SUBSTRING function.",
        )));
    }
    Ok(match arg(c, 0) {
        ValueRef::Null => Value::Null,
        ValueRef::Blob(b) => {
            let (from, to) = bounds(start, len, b.len());
            Value::Blob(b[from..to].to_vec())
        }
        _ => {
            let chars: Vec<char> = text_arg(c, 0).unwrap_or_default().chars().collect();
            let (from, to) = bounds(start, len, chars.len());
            Value::Text(chars[from..to].iter().collect())
        }
    })
}

fn left(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(s), Some(n)) = (text_arg(c, 0), int_arg(c, 1)?) else { return Ok(Value::Null) };
    if n < 0 {
        return Err(raise(SqlError::new(536, 16, "Invalid length parameter passed to the left function.")));
    }
    Ok(Value::Text(s.chars().take(n as usize).collect()))
}

fn right(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(s), Some(n)) = (text_arg(c, 0), int_arg(c, 1)?) else { return Ok(Value::Null) };
    if n < 0 {
        return Err(raise(SqlError::new(536, 16, "Invalid length parameter passed to the right function.")));
    }
    let chars: Vec<char> = s.chars().collect();
    let skip = chars.len().saturating_sub(n as usize);
    Ok(Value::Text(chars[skip..].iter().collect()))
}

fn upper(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    Ok(text_or_null(text_arg(c, 0).map(|s| s.to_uppercase())))
}

fn lower(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    Ok(text_or_null(text_arg(c, 0).map(|s| s.to_lowercase())))
}

/// Case-insensitive position of `needle` in `hay` (char index) at or after `from`.
fn find_ci(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len())
        .find(|&i| hay[i..i + needle.len()].iter().zip(needle).all(|(a, b)| fold(*a) == fold(*b)))
}

fn replace(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(s), Some(find), Some(with)) = (text_arg(c, 0), text_arg(c, 1), text_arg(c, 2)) else {
        return Ok(Value::Null);
    };
    let hay: Vec<char> = s.chars().collect();
    let needle: Vec<char> = find.chars().collect();
    if needle.is_empty() {
        return Ok(Value::Text(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(pos) = find_ci(&hay, &needle, i) {
        out.extend(&hay[i..pos]);
        out.push_str(&with);
        i = pos + needle.len();
    }
    out.extend(&hay[i..]);
    Ok(Value::Text(out))
}

fn stuff(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(s), Some(start), Some(len)) = (text_arg(c, 0), int_arg(c, 1)?, int_arg(c, 2)?) else {
        return Ok(Value::Null);
    };
    let ins = text_arg(c, 3).unwrap_or_default();
    let chars: Vec<char> = s.chars().collect();
    if start < 1 || start as usize > chars.len() || len < 0 {
        return Ok(Value::Null);
    }
    let from = start as usize - 1;
    let to = (from + len as usize).min(chars.len());
    let mut out: String = chars[..from].iter().collect();
    out.push_str(&ins);
    out.extend(&chars[to..]);
    Ok(Value::Text(out))
}

fn charindex(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(needle), Some(hay)) = (text_arg(c, 0), text_arg(c, 1)) else { return Ok(Value::Null) };
    let start = int_arg(c, 2)?.unwrap_or(1).max(1) as usize;
    let hay: Vec<char> = hay.chars().collect();
    let needle: Vec<char> = needle.chars().collect();
    Ok(Value::Integer(find_ci(&hay, &needle, start - 1).map(|p| p as i64 + 1).unwrap_or(0)))
}

fn patindex(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(pattern), Some(s)) = (text_arg(c, 0), text_arg(c, 1)) else { return Ok(Value::Null) };
    let leading = pattern.starts_with('%');
    let trailing = pattern.ends_with('%') && pattern.len() > 1;
    let core = &pattern[leading as usize..pattern.len() - trailing as usize];
    let pat = compile(core, None);
    let text: Vec<char> = s.chars().map(fold).collect();
    let starts = if leading { 0..text.len().max(1) } else { 0..1 };
    for start in starts {
        let found = if trailing {
            (start..=text.len()).any(|end| matches(&pat, &text[start..end]))
        } else {
            matches(&pat, &text[start.min(text.len())..])
        };
        if found {
            return Ok(Value::Integer(start as i64 + 1));
        }
    }
    Ok(Value::Integer(0))
}

fn replicate(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let (Some(s), Some(n)) = (text_arg(c, 0), int_arg(c, 1)?) else { return Ok(Value::Null) };
    if n < 0 {
        return Ok(Value::Null);
    }
    if (s.len() as u128) * (n as u128) > 1 << 30 {
        return Err(raise(SqlError::new(1701, 16, "REPLICATE result exceeds the simulator's 1 GB limit.")));
    }
    Ok(Value::Text(s.repeat(n as usize)))
}

fn reverse(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    Ok(text_or_null(text_arg(c, 0).map(|s| s.chars().rev().collect())))
}

fn quotename(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let Some(s) = text_arg(c, 0) else { return Ok(Value::Null) };
    if s.chars().count() > 128 {
        return Ok(Value::Null);
    }
    let q = text_arg(c, 1).and_then(|q| q.chars().next()).unwrap_or('[');
    let (open, close) = match q {
        '[' | ']' => ('[', ']'),
        '"' => ('"', '"'),
        '\'' => ('\'', '\''),
        '(' | ')' => ('(', ')'),
        '<' | '>' => ('<', '>'),
        '{' | '}' => ('{', '}'),
        '`' => ('`', '`'),
        _ => return Ok(Value::Null),
    };
    let escaped = s.replace(close, &format!("{close}{close}"));
    Ok(Value::Text(format!("{open}{escaped}{close}")))
}

fn concat_ws(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let sep = text_arg(c, 0).unwrap_or_default();
    let parts: Vec<String> = (1..c.len()).filter_map(|i| text_arg(c, i)).collect();
    Ok(Value::Text(parts.join(&sep)))
}

/// DATALENGTH: bytes as SQL Server stores the value (nvarchar 2 per UTF-16 unit, varchar 1 per
/// Windows-1252 byte, fixed types their size).
/// `binary + binary`: the bytes of both operands; NULL when either is NULL.
/// `a + b + …` over binary values (the translator flattens a chain of `+` into one call):
/// the bytes of every argument in order, NULL when any is NULL.
fn binconcat(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let mut len = 0;
    for i in 0..c.len() {
        len += match arg(c, i) {
            ValueRef::Null => return Ok(Value::Null),
            ValueRef::Blob(b) | ValueRef::Text(b) => b.len(),
            ValueRef::Integer(_) | ValueRef::Real(_) => 8,
        };
    }
    let mut out = Vec::with_capacity(len);
    for i in 0..c.len() {
        match arg(c, i) {
            ValueRef::Blob(b) | ValueRef::Text(b) => out.extend_from_slice(b),
            ValueRef::Integer(n) => out.extend_from_slice(&n.to_be_bytes()),
            ValueRef::Real(f) => out.extend_from_slice(&f.to_be_bytes()),
            ValueRef::Null => {}
        }
    }
    Ok(Value::Blob(out))
}

fn datalength(c: &Context<'_>, _: &dyn FunctionContext) -> R {
    let v = arg(c, 0);
    if let ValueRef::Null = v {
        return Ok(Value::Null);
    }
    let ty = super::type_arg(c, 1);
    let n: i64 = match ty {
        Some(SqlType::Char(n) | SqlType::Binary(n)) => n as i64,
        Some(SqlType::NChar(n)) => 2 * n as i64,
        Some(t) if t.is_unicode() || t == SqlType::Xml => {
            2 * super::value_text(v).unwrap_or_default().encode_utf16().count() as i64
        }
        Some(t) if t.is_character() => cp1252_encode(&super::value_text(v).unwrap_or_default()).len() as i64,
        Some(t) if t.max_length() > 0 && !matches!(t, SqlType::VarBinary(_)) => t.max_length() as i64,
        _ => match v {
            ValueRef::Blob(b) => b.len() as i64,
            ValueRef::Integer(i) => {
                if i32::try_from(i).is_ok() {
                    4
                } else {
                    8
                }
            }
            ValueRef::Real(_) => 8,
            other => cp1252_encode(&super::value_text(other).unwrap_or_default()).len() as i64,
        },
    };
    Ok(Value::Integer(n))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn like_follows_tsql_patterns() {
        assert!(like_match("Hello", "h%", None));
        assert!(like_match("Hello", "_ELLO", None));
        assert!(like_match("abc", "[a-c]b[^x]", None));
        assert!(!like_match("abc", "[^a]%", None));
        assert!(like_match("50%", "50!%", Some('!')));
        assert!(!like_match("500", "50!%", Some('!')));
        assert!(like_match("abc  ", "abc", None));
        assert!(like_match("Ärger", "ä%", None));
    }

    #[test]
    fn string_functions() {
        let c = conn();
        assert_eq!(text(&c, "tsql_substring('abcdef', 2, 3)"), "bcd");
        assert_eq!(text(&c, "tsql_substring('abc', 0, 2)"), "a");
        assert_eq!(text(&c, "tsql_substring('abc', -1, 3)"), "a");
        assert_eq!(text(&c, "tsql_left('abc', 2)"), "ab");
        assert_eq!(text(&c, "tsql_right('abc  ', 2)"), "  ");
        assert_eq!(text(&c, "tsql_upper('straße é')"), "STRASSE É");
        assert_eq!(text(&c, "tsql_replace('ABCabc', 'b', 'x')"), "AxCaxc");
        assert_eq!(int(&c, "tsql_charindex('C', 'abcabc', 4)"), 6);
        assert_eq!(int(&c, "tsql_charindex('z', 'abc', 1)"), 0);
        assert_eq!(int(&c, "tsql_patindex('%ter%', 'interesting')"), 3);
        assert_eq!(int(&c, "tsql_patindex('%[0-9]%', 'ab12')"), 3);
        assert_eq!(text(&c, "tsql_stuff('abcdef', 2, 3, 'XY')"), "aXYef");
        assert_eq!(text(&c, "tsql_replicate('ab', 3)"), "ababab");
        assert_eq!(text(&c, "tsql_reverse('abc')"), "cba");
        assert_eq!(text(&c, "tsql_quotename('a]b', NULL)"), "[a]]b]");
        assert_eq!(text(&c, "tsql_concat_ws(',', 'a', NULL, 'b')"), "a,b");
        assert_eq!(int(&c, "tsql_datalength('abc', 'nvarchar(10)')"), 6);
        assert_eq!(int(&c, "tsql_datalength('abc', 'varchar(10)')"), 3);
        assert_eq!(int(&c, "tsql_datalength('€', 'varchar(10)')"), 1);
        assert_eq!(int(&c, "tsql_datalength(5, 'bigint')"), 8);
        assert_eq!(int(&c, "tsql_datalength(X'0102', 'varbinary(10)')"), 2);
        let e = eval(&c, "tsql_substring('abc', 1, -1)").unwrap_err();
        assert_eq!(super::super::sql_error(&e).unwrap().number, 537);
    }

    proptest! {
        #[test]
        fn like_with_only_literals_is_case_insensitive_equality(s in "[a-zA-Z0-9]{0,12}") {
            prop_assert!(like_match(&s, &s.to_uppercase(), None));
            let with_pct = format!("{s}%");
            let longer = format!("{s}xyz");
            prop_assert!(like_match(&longer, &with_pct, None));
        }

        #[test]
        fn substring_never_panics(s in ".{0,10}", start in -20i64..20, len in 0i64..20) {
            let chars: Vec<char> = s.chars().collect();
            let (from, to) = bounds(start, len, chars.len());
            prop_assert!(from <= to && to <= chars.len());
        }
    }
}
