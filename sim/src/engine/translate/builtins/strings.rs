//! String functions: those that measure, cut or fold one string, and those that build or
//! search text (CONCAT and CONCAT_WS included).

use super::super::scope::{Ex, Lit, Tr, literal};
use super::super::types;
use super::{Arg, Call, call, var_string};
use crate::error::SqlError;
use crate::types::{Len, SqlType};

impl Tr<'_> {
    /// String functions that measure, cut or fold one string (LEN, SUBSTRING, LEFT, TRIM, …), and ISDATE/ISNUMERIC.
    pub(super) fn string_shape(&mut self, c: &Call) -> Result<Option<Ex>, SqlError> {
        let (name, args) = (c.name, c.args);
        Ok(Some(match c.name {
            "LEN" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                let ty = if x.ty.is_some_and(|t| t.is_character() && types::char_len(&t).is_none()) {
                    SqlType::BigInt
                } else {
                    SqlType::Int
                };
                Ex::new(format!("length(rtrim({}, ' '))", x.sql), Some(ty), x.nullable)
            }
            "DATALENGTH" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                let max = x.ty.is_some_and(|t| {
                    types::char_len(&t).is_none() && (t.is_character() || types::is_binary(&t))
                });
                let src = x.ty.map(|t| t.to_sql()).unwrap_or_default();
                let ty = if max { SqlType::BigInt } else { SqlType::Int };
                Ex::new(call("tsql_datalength", &[x.sql, literal(&src)]), Some(ty), true)
            }
            "SUBSTRING" => {
                c.count(3..=3)?;
                let xs = self.all(args)?;
                let ty = xs[0].ty.map(|t| match t {
                    SqlType::Char(n) => SqlType::VarChar(Len::N(n)),
                    SqlType::NChar(n) => SqlType::NVarChar(Len::N(n)),
                    other => other,
                });
                Ex::new(
                    call("tsql_substring", &[xs[0].sql.clone(), xs[1].sql.clone(), xs[2].sql.clone()]),
                    ty,
                    true,
                )
            }
            "LEFT" | "RIGHT" => {
                c.count(2..=2)?;
                let (s, n) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let ty = s.ty.map(|t| match (t.is_unicode(), types::char_len(&t)) {
                    (u, Some(len)) if t.is_character() => types::string_type(u, Some(len)),
                    (u, None) if t.is_character() => types::string_type(u, None),
                    _ => SqlType::VarChar(Len::N(8000)),
                });
                let f = if name == "LEFT" { "tsql_left" } else { "tsql_right" };
                Ex::new(call(f, &[s.sql, n.sql]), ty, true)
            }
            "UPPER" | "LOWER" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(call(&format!("tsql_{}", name.to_ascii_lowercase()), &[x.sql]), x.ty, x.nullable)
            }
            "LTRIM" | "RTRIM" => {
                c.count(1..=2)?;
                let x = self.arg(&args[0])?;
                let chars = match args.get(1) {
                    Some(a) => self.arg(a)?.sql,
                    None => "' '".to_string(),
                };
                let ty = x.ty.map(|t| match t {
                    SqlType::Char(n) => SqlType::VarChar(Len::N(n)),
                    SqlType::NChar(n) => SqlType::NVarChar(Len::N(n)),
                    other => other,
                });
                Ex::new(call(&name.to_ascii_lowercase(), &[x.sql, chars]), ty, x.nullable)
            }
            "TRIM" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(call("trim", &[x.sql, "' '".into()]), x.ty, x.nullable)
            }
            "REVERSE" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(call("tsql_reverse", &[x.sql]), x.ty, x.nullable)
            }
            "ISDATE" | "ISNUMERIC" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(
                    call(&format!("tsql_{}", name.to_ascii_lowercase()), &[x.sql]),
                    Some(SqlType::Int),
                    false,
                )
            }
            _ => return Ok(None),
        }))
    }

    /// String functions that build or search text (REPLACE, STUFF, CHARINDEX, REPLICATE, CONCAT, QUOTENAME, CHAR, HASHBYTES, …).
    pub(super) fn string_build(&mut self, c: &Call) -> Result<Option<Ex>, SqlError> {
        let (name, args) = (c.name, c.args);
        Ok(Some(match c.name {
            "REPLACE" | "STUFF" => {
                c.count(if name == "REPLACE" { 3..=3 } else { 4..=4 })?;
                let xs = self.all(args)?;
                let unicode = xs.iter().any(|x| x.ty.is_some_and(|t| t.is_unicode()));
                let ty = var_string(unicode, xs[0].ty);
                let f = format!("tsql_{}", name.to_ascii_lowercase());
                let sqls: Vec<String> = xs.into_iter().map(|x| x.sql).collect();
                Ex::new(call(&f, &sqls), Some(ty), true)
            }
            "CHARINDEX" => {
                c.count(2..=3)?;
                let (n, h) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let start = match args.get(2) {
                    Some(a) => self.arg(a)?.sql,
                    None => "1".to_string(),
                };
                let ty = if h.ty.is_some_and(|t| t.is_character() && types::char_len(&t).is_none()) {
                    SqlType::BigInt
                } else {
                    SqlType::Int
                };
                Ex::new(call("tsql_charindex", &[n.sql, h.sql, start]), Some(ty), true)
            }
            "PATINDEX" => {
                c.count(2..=2)?;
                let (p, s) = (self.arg(&args[0])?, self.arg(&args[1])?);
                Ex::new(call("tsql_patindex", &[p.sql, s.sql]), Some(SqlType::Int), true)
            }
            "REPLICATE" | "SPACE" => {
                let (s, n) = if name == "SPACE" {
                    c.count(1..=1)?;
                    let mut space =
                        super::super::expr::value(&sqlparser::ast::Value::SingleQuotedString(" ".into()))?;
                    space.ty = Some(SqlType::VarChar(Len::N(1)));
                    (space, self.arg(&args[0])?)
                } else {
                    c.count(2..=2)?;
                    (self.arg(&args[0])?, self.arg(&args[1])?)
                };
                let ty = var_string(s.ty.is_some_and(|t| t.is_unicode()), s.ty);
                Ex::new(call("tsql_replicate", &[s.sql, n.sql]), Some(ty), true)
            }
            "CONCAT" | "CONCAT_WS" => self.concat(name, args)?,
            "QUOTENAME" => {
                c.count(1..=2)?;
                let s = self.arg(&args[0])?;
                let q = self.opt_arg(c, 1)?;
                Ex::new(call("tsql_quotename", &[s.sql, q]), Some(SqlType::NVarChar(Len::N(258))), true)
            }
            "ASCII" | "UNICODE" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(format!("unicode(substr({}, 1, 1))", x.sql), Some(SqlType::Int), true)
            }
            "CHAR" | "NCHAR" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                let ty = if name == "CHAR" { SqlType::Char(1) } else { SqlType::NChar(1) };
                Ex::new(call("char", &[x.sql]), Some(ty), true)
            }
            "HASHBYTES" => {
                c.count(2..=2)?;
                let (alg, x) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let src = x.ty.map(|t| t.to_sql()).unwrap_or_else(|| "varbinary(max)".into());
                Ex::new(
                    call("tsql_hashbytes", &[alg.sql, x.sql, literal(&src)]),
                    Some(SqlType::VarBinary(Len::N(8000))),
                    true,
                )
            }
            _ => return Ok(None),
        }))
    }

    /// CONCAT (NULL as empty, never NULL) and CONCAT_WS (skips NULLs).
    pub(super) fn concat(&mut self, name: &str, args: &[Arg<'_>]) -> Result<Ex, SqlError> {
        if args.len() < 2 {
            return Err(SqlError::new(
                189,
                15,
                format!("The {} function requires 2 to 254 arguments.", name.to_ascii_lowercase()),
            ));
        }
        let xs = self.all(args)?;
        let unicode = xs.iter().any(|x| x.ty.is_some_and(|t| t.is_unicode()));
        let len = xs
            .iter()
            .map(|x| x.ty.and_then(|t| types::display_len(&t)))
            .try_fold(0u32, |acc, l| l.map(|l| acc + l));
        let ty = types::string_type(unicode, len);
        let as_text = |this: &mut Self, x: Ex| -> String {
            if x.is_char() || x.lit == Some(Lit::Null) {
                x.sql
            } else {
                let target =
                    if unicode { SqlType::NVarChar(Len::N(4000)) } else { SqlType::VarChar(Len::N(8000)) };
                this.convert(x, target, None, false).sql
            }
        };
        if name == "CONCAT" {
            let parts: Vec<String> =
                xs.into_iter().map(|x| format!("ifnull({}, '')", as_text(self, x))).collect();
            return Ok(Ex::new(format!("({})", parts.join(" || ")), Some(ty), false));
        }
        let parts: Vec<String> = xs.into_iter().map(|x| as_text(self, x)).collect();
        Ok(Ex::new(format!("tsql_concat_ws({})", parts.join(", ")), Some(ty), false))
    }
}
