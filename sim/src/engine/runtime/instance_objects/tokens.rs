//! Reading the tokens of the instance-level statements (CREATE LOGIN, EXEC msdb.dbo.sp_add_job,
//! ALTER DATABASE … ADD FILE, DBCC TRACEON …), split by the shared tokenizer
//! (`engine::runtime::lexer`): multi-part names, procedure arguments (`@name = value` or
//! positionally) and option lists.

pub(crate) use crate::engine::runtime::lexer::{Tok, tokenize};
use crate::error::SqlError;

/// A multi-part name starting at `i` (`msdb.dbo.sp_add_job`, `[master]..[x]`): its parts and the
/// index after it.
pub(crate) fn multipart(toks: &[Tok], mut i: usize) -> (Vec<String>, usize) {
    let mut parts = Vec::new();
    loop {
        match toks.get(i) {
            Some(Tok::Word(w)) | Some(Tok::Name(w)) => {
                parts.push(w.clone());
                i += 1;
            }
            Some(Tok::Punct('.')) => parts.push(String::new()),
            _ => break,
        }
        if toks.get(i) == Some(&Tok::Punct('.')) {
            i += 1;
            if toks.get(i) == Some(&Tok::Punct('.')) {
                parts.push(String::new());
                i += 1;
            }
        } else {
            break;
        }
    }
    (parts, i)
}

/// Procedure arguments after the name: `@a = 1, @b = N'x'` or positional `'x', 1`; named ones
/// are returned with their `@`-less lower-case name, positional ones by `order`.
pub(crate) fn proc_args(toks: &[Tok], order: &[&str]) -> Result<Vec<(String, Option<String>)>, SqlError> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut position = 0;
    while i < toks.len() {
        let named = matches!(&toks[i], Tok::Word(w) if w.starts_with('@'))
            && toks.get(i + 1) == Some(&Tok::Punct('='));
        let name = if named {
            let Tok::Word(w) = &toks[i] else { unreachable!() };
            i += 2;
            w.trim_start_matches('@').to_ascii_lowercase()
        } else {
            let n = order.get(position).map(|s| s.to_string()).ok_or_else(|| too_many(position))?;
            position += 1;
            n
        };
        let value = match toks.get(i) {
            Some(t) if t.is("NULL") => None,
            Some(Tok::Punct('-')) => {
                i += 1;
                toks.get(i).and_then(Tok::value).map(|v| format!("-{v}"))
            }
            Some(t) => t.value(),
            None => return Err(SqlError::new(102, 15, "Incorrect syntax near the end of the statement.")),
        };
        i += 1;
        if matches!(toks.get(i), Some(t) if t.is("OUTPUT") || t.is("OUT")) {
            i += 1;
        }
        out.push((name, value));
        match toks.get(i) {
            Some(Tok::Punct(',')) => i += 1,
            None | Some(Tok::Punct(';')) => break,
            Some(other) => {
                return Err(SqlError::new(
                    102,
                    15,
                    format!("Incorrect syntax near '{}'.", other.value().unwrap_or_default()),
                ));
            }
        }
    }
    Ok(out)
}

fn too_many(position: usize) -> SqlError {
    SqlError::new(
        8144,
        16,
        format!("Procedure or function has too many arguments specified ({}).", position + 1),
    )
}

/// `( NAME = x, FILENAME = 'y', SIZE = 10MB )` → lower-case keys and values.
pub(crate) fn option_list(toks: &[Tok], mut i: usize) -> (Vec<(String, String)>, usize) {
    let mut out = Vec::new();
    if toks.get(i) != Some(&Tok::Punct('(')) {
        return (out, i);
    }
    i += 1;
    while i < toks.len() && toks[i] != Tok::Punct(')') {
        if let (Some(k), Some(Tok::Punct('=')), Some(v)) = (toks[i].value(), toks.get(i + 1), toks.get(i + 2))
        {
            out.push((k.to_ascii_lowercase(), v.value().unwrap_or_default()));
            i += 3;
        } else {
            i += 1;
        }
    }
    (out, i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procedure_arguments_named_and_positional() {
        let toks = tokenize("@job_name = N'nightly', 1, @description = 'it''s'").unwrap();
        let args = proc_args(&toks, &["job_name", "enabled"]).unwrap();
        assert_eq!(args[0], ("job_name".into(), Some("nightly".into())));
        assert_eq!(
            args[1],
            ("job_name".into(), Some("1".into())),
            "positional after named takes the first slot"
        );
        assert_eq!(args[2], ("description".into(), Some("it's".into())));
    }

    #[test]
    fn multipart_names() {
        let toks = tokenize("msdb.dbo.[sp_add_job] @x = 1").unwrap();
        let (parts, next) = multipart(&toks, 0);
        assert_eq!(parts, vec!["msdb", "dbo", "sp_add_job"]);
        assert_eq!(toks[next], Tok::Word("@x".into()));
    }
}
