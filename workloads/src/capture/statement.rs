//! The text of an `rpc_completed` event's `statement` back into a typed call:
//!
//! - `exec sp_executesql N'SELECT … @P1',N'@P1 int',@P1=7` → SQL, parameters with their
//!   declared SQL types and values;
//! - `declare @p1 int set @p1=5 exec sp_prepare @p1 output,N'@P1 int',N'SELECT …',1 select @p1`
//!   is a prepare of handle 5, remembered for the session; `exec sp_execute 5,7` (or `@P1=7`)
//!   is an execution of it, its values typed by the declaration; `sp_prepexec` does both;
//!   `sp_unprepare` forgets; an execution of a handle never seen prepared is reported;
//! - any other procedure call is kept as its batch text.

use std::collections::HashMap;

use serde_json::Value as J;
use sqlparser::dialect::MsSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// One typed RPC parameter, as the trace format writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct TypedParam {
    pub name: String,
    /// The declared type (`int`, `nvarchar(4000)`, `decimal(10,2)`).
    pub ty: String,
    pub value: J,
}

/// What an RPC event becomes.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    /// Sent as `sp_executesql` with typed parameters.
    Rpc { sql: String, params: Vec<TypedParam> },
    /// Sent as a batch, as captured (procedure calls; parameters of types the trace cannot type).
    Batch(String),
    /// `sp_prepare`: replayed as a prepare on the target, whose handle stands for this one.
    Prepare { handle: i64, declare: String, sql: String },
    /// `sp_prepexec`: prepared and run at once.
    PrepExec { handle: i64, declare: String, sql: String, params: Vec<TypedParam> },
    /// `sp_execute` of a handle this capture saw prepared, typed by its declaration.
    Execute { handle: i64, params: Vec<TypedParam> },
    /// `sp_unprepare` of such a handle.
    Unprepare { handle: i64 },
    /// Nothing to replay (a prepare whose handle is not in the text, an unknown unprepare).
    Nothing,
    /// `sp_execute` of a handle this capture never saw prepared.
    Unresolved { handle: i64 },
}

/// Prepared-statement handles per captured session.
#[derive(Debug, Default)]
pub struct Prepared {
    handles: HashMap<(String, i64), (String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Punct(char),
}

impl Prepared {
    /// Forgets a session's handles (a new login on its id).
    pub fn forget_session(&mut self, session: &str) {
        self.handles.retain(|(s, _), _| s != session);
    }

    /// Turns one RPC `statement` of `session` into a call.
    pub fn resolve(&mut self, session: &str, statement: &str) -> Call {
        let toks = tokenize(statement);
        let Some(exec) = toks.iter().position(|t| is_word(t, "exec") || is_word(t, "execute")) else {
            return Call::Batch(statement.to_string());
        };
        let handle_out = set_value(&toks[..exec]);
        let (proc, args) = proc_and_args(&toks[exec + 1..]);
        match proc.as_str() {
            "sp_executesql" => executesql(&args).unwrap_or_else(|| Call::Batch(statement.to_string())),
            "sp_prepare" => {
                let (Some(h), Some(declare), Some(sql)) =
                    (handle_out, text_arg(&args, 1), text_arg(&args, 2))
                else {
                    return Call::Nothing;
                };
                self.handles.insert((session.to_string(), h), (declare.clone(), sql.clone()));
                Call::Prepare { handle: h, declare, sql }
            }
            "sp_prepexec" => {
                let (Some(declare), Some(sql)) = (text_arg(&args, 1), text_arg(&args, 2)) else {
                    return Call::Batch(statement.to_string());
                };
                let Some(Call::Rpc { params, .. }) = typed(&sql, &declare, &args[3.min(args.len())..]) else {
                    return Call::Batch(statement.to_string());
                };
                match handle_out {
                    Some(h) => {
                        self.handles.insert((session.to_string(), h), (declare.clone(), sql.clone()));
                        Call::PrepExec { handle: h, declare, sql, params }
                    }
                    // No handle to map later executions to: run it as the statement it is.
                    None => Call::Rpc { sql, params },
                }
            }
            "sp_execute" => {
                let Some(h) = args.first().and_then(number_arg) else {
                    return Call::Batch(statement.to_string());
                };
                match self.handles.get(&(session.to_string(), h)) {
                    Some((decl, sql)) => match typed(sql, decl, &args[1..]) {
                        Some(Call::Rpc { params, .. }) => Call::Execute { handle: h, params },
                        _ => Call::Batch(statement.to_string()),
                    },
                    None => Call::Unresolved { handle: h },
                }
            }
            "sp_unprepare" => match args.first().and_then(number_arg) {
                Some(h) if self.handles.remove(&(session.to_string(), h)).is_some() => {
                    Call::Unprepare { handle: h }
                }
                _ => Call::Nothing,
            },
            _ => Call::Batch(statement.to_string()),
        }
    }
}

/// An argument: optional `@name =`, then its value tokens.
type Arg = (Option<String>, Vec<Tok>);

fn is_word(t: &Tok, w: &str) -> bool {
    matches!(t, Tok::Word(x) if x.eq_ignore_ascii_case(w))
}

/// `set @p1=5` before the exec: the handle an output parameter came back with.
fn set_value(toks: &[Tok]) -> Option<i64> {
    toks.windows(4).find_map(|w| match w {
        [s, Tok::Word(v), Tok::Punct('='), Tok::Num(n)] if is_word(s, "set") && v.starts_with('@') => {
            n.parse().ok()
        }
        _ => None,
    })
}

fn proc_and_args(toks: &[Tok]) -> (String, Vec<Arg>) {
    let mut at = 0;
    let mut proc = String::new();
    while let Some(Tok::Word(w)) = toks.get(at) {
        proc = w.to_ascii_lowercase();
        at += 1;
        if toks.get(at) != Some(&Tok::Punct('.')) {
            break;
        }
        at += 1;
    }
    let mut args = Vec::new();
    let mut current: Vec<Tok> = Vec::new();
    for t in &toks[at..] {
        match t {
            Tok::Punct(',') => args.push(std::mem::take(&mut current)),
            Tok::Word(w) if w.eq_ignore_ascii_case("select") => break,
            _ => current.push(t.clone()),
        }
    }
    if !current.is_empty() {
        args.push(current);
    }
    let named = args
        .into_iter()
        .map(|a| match a.as_slice() {
            [Tok::Word(n), Tok::Punct('='), rest @ ..] if n.starts_with('@') => {
                (Some(n.clone()), rest.to_vec())
            }
            _ => (None, a),
        })
        .collect();
    (proc, named)
}

fn text_arg(args: &[Arg], i: usize) -> Option<String> {
    match args.get(i)?.1.first()? {
        Tok::Str(s) => Some(s.clone()),
        _ => None,
    }
}

fn number_arg(arg: &Arg) -> Option<i64> {
    match arg.1.first()? {
        Tok::Num(n) => n.parse().ok(),
        _ => None,
    }
}

fn executesql(args: &[Arg]) -> Option<Call> {
    let sql = text_arg(args, 0)?;
    let decl = if args.len() > 1 { text_arg(args, 1)? } else { String::new() };
    typed(&sql, &decl, &args[2.min(args.len())..])
}

/// Pairs the declared parameters with the values (by name, else by position).
fn typed(sql: &str, decl: &str, values: &[Arg]) -> Option<Call> {
    let declared = declarations(decl);
    let mut params = Vec::with_capacity(declared.len());
    for (i, (name, ty)) in declared.iter().enumerate() {
        let arg = values
            .iter()
            .find(|(n, _)| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .or_else(|| values.get(i).filter(|(n, _)| n.is_none()));
        let value = match arg {
            Some((_, toks)) => json_value(ty, toks)?,
            None => J::Null,
        };
        params.push(TypedParam { name: name.clone(), ty: ty.clone(), value });
    }
    Some(Call::Rpc { sql: sql.to_string(), params })
}

/// `@P1 int,@P2 decimal(10,2) OUTPUT` → [("@P1", "int"), ("@P2", "decimal(10,2)")].
pub fn declarations(decl: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut part = String::new();
    for c in decl.chars().chain(std::iter::once(',')) {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                if let Some((name, rest)) = part.trim().split_once(char::is_whitespace) {
                    out.push((name.to_string(), strip_output(rest)));
                }
                part.clear();
                continue;
            }
            _ => {}
        }
        part.push(c);
    }
    out
}

fn strip_output(ty: &str) -> String {
    let t = ty.trim();
    let lower = t.to_ascii_lowercase();
    for suffix in [" output", " out", " readonly"] {
        if let Some(stripped) = lower.strip_suffix(suffix) {
            return t[..stripped.len()].trim().to_string();
        }
    }
    t.to_string()
}

/// A literal as the trace's JSON value for `ty`; `None` for a type the trace cannot carry.
fn json_value(ty: &str, toks: &[Tok]) -> Option<J> {
    let base = ty.split('(').next().unwrap_or(ty).trim().to_ascii_lowercase();
    let tok = toks.first()?;
    if is_word(tok, "null") {
        return Some(J::Null);
    }
    let num = match (tok, toks.get(1)) {
        (Tok::Num(n), _) => Some(n.clone()),
        (Tok::Punct('-'), Some(Tok::Num(n))) => Some(format!("-{n}")),
        _ => None,
    };
    let text = match tok {
        Tok::Str(s) => Some(s.clone()),
        _ => None,
    };
    Some(match base.as_str() {
        "bit" | "tinyint" | "smallint" | "int" | "bigint" => J::from(num?.parse::<i64>().ok()?),
        "float" | "real" => J::from(num?.parse::<f64>().ok()?),
        "decimal" | "numeric" | "money" | "smallmoney" => J::String(num.or(text)?),
        "nvarchar" | "varchar" | "nchar" | "char" | "ntext" | "text" | "uniqueidentifier" => {
            J::String(text.or(num)?)
        }
        "date" | "datetime" | "datetime2" | "smalldatetime" => J::String(text?),
        _ => return None,
    })
}

/// sqlparser's T-SQL tokens as this module reads them; nothing (so the statement stays a batch)
/// when they do not tokenize, e.g. an unclosed string.
fn tokenize(s: &str) -> Vec<Tok> {
    let Ok(tokens) = Tokenizer::new(&MsSqlDialect {}, s).tokenize() else { return Vec::new() };
    let tok = |t: Token| match t {
        Token::Whitespace(_) => None,
        Token::Word(w) => Some(Tok::Word(w.value)),
        Token::SingleQuotedString(v) | Token::NationalStringLiteral(v) => Some(Tok::Str(v)),
        Token::Number(n, _) => Some(Tok::Num(n)),
        Token::HexStringLiteral(h) => Some(Tok::Num(format!("0x{h}"))),
        other => other.to_string().chars().next().map(Tok::Punct),
    };
    tokens.into_iter().filter_map(tok).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc(sql: &str, params: &[(&str, &str, J)]) -> Call {
        Call::Rpc {
            sql: sql.into(),
            params: params
                .iter()
                .map(|(n, t, v)| TypedParam { name: n.to_string(), ty: t.to_string(), value: v.clone() })
                .collect(),
        }
    }

    #[test]
    fn executesql_keeps_types_and_values() {
        let mut p = Prepared::default();
        let call = p.resolve(
            "53",
            "exec sp_executesql N'SELECT @P1, @P2, @P3 WHERE x = ''a''',N'@P1 int,@P2 nvarchar(4000),@P3 decimal(10,2)',@P1=-7,@P2=N'O''Brien',@P3=12.50",
        );
        assert_eq!(
            call,
            rpc(
                "SELECT @P1, @P2, @P3 WHERE x = 'a'",
                &[
                    ("@P1", "int", J::from(-7)),
                    ("@P2", "nvarchar(4000)", J::from("O'Brien")),
                    ("@P3", "decimal(10,2)", J::from("12.50"))
                ]
            )
        );
        assert_eq!(p.resolve("53", "exec sp_executesql N'SELECT 1'"), rpc("SELECT 1", &[]));
    }

    #[test]
    fn prepared_handles_keep_their_shape_per_session() {
        let mut p = Prepared::default();
        let prep =
            "declare @p1 int\nset @p1=5\nexec sp_prepare @p1 output,N'@P1 int',N'SELECT @P1',1\nselect @p1";
        assert_eq!(
            p.resolve("53", prep),
            Call::Prepare { handle: 5, declare: "@P1 int".into(), sql: "SELECT @P1".into() }
        );
        let typed = |v: i64| vec![TypedParam { name: "@P1".into(), ty: "int".into(), value: J::from(v) }];
        assert_eq!(p.resolve("53", "exec sp_execute 5,9"), Call::Execute { handle: 5, params: typed(9) });
        assert_eq!(p.resolve("54", "exec sp_execute 5,9"), Call::Unresolved { handle: 5 });
        assert_eq!(p.resolve("53", "exec sp_unprepare 5"), Call::Unprepare { handle: 5 });
        assert_eq!(p.resolve("53", "exec sp_unprepare 5"), Call::Nothing, "already gone");
        assert_eq!(p.resolve("53", "exec sp_execute 5,@P1=1"), Call::Unresolved { handle: 5 });
        let both =
            "declare @p1 int set @p1=2 exec sp_prepexec @p1 output,N'@a bigint',N'SELECT @a',@a=3 select @p1";
        let a = |v: i64| vec![TypedParam { name: "@a".into(), ty: "bigint".into(), value: J::from(v) }];
        assert_eq!(
            p.resolve("53", both),
            Call::PrepExec { handle: 2, declare: "@a bigint".into(), sql: "SELECT @a".into(), params: a(3) }
        );
        assert_eq!(p.resolve("53", "exec sp_execute 2,@a=4"), Call::Execute { handle: 2, params: a(4) });
    }

    #[test]
    fn other_procedures_and_untyped_values_stay_batches() {
        let mut p = Prepared::default();
        assert_eq!(p.resolve("1", "exec dbo.refresh @id=1"), Call::Batch("exec dbo.refresh @id=1".into()));
        let odd = "exec sp_executesql N'SELECT @P1',N'@P1 varbinary(8)',@P1=0x01";
        assert_eq!(p.resolve("1", odd), Call::Batch(odd.into()));
    }

    #[test]
    fn declarations_split_at_top_level_commas() {
        assert_eq!(
            declarations("@a decimal(10, 2),@b nvarchar(max) OUTPUT, @c int"),
            [
                ("@a".into(), "decimal(10, 2)".into()),
                ("@b".into(), "nvarchar(max)".into()),
                ("@c".into(), "int".into())
            ]
        );
    }
}
