//! The logical functions and NULL replacement: ISNULL, COALESCE, NULLIF, IIF, CHOOSE.

use super::super::expr::collate;
use super::super::scope::{Ex, Lit, Tr};
use super::super::types;
use super::{Call, call};
use crate::error::SqlError;

impl Tr<'_> {
    /// ISNULL, COALESCE, NULLIF, IIF and CHOOSE: the result type is the arguments' combined type.
    pub(super) fn logical(&mut self, c: &Call) -> Result<Option<Ex>, SqlError> {
        let args = c.args;
        Ok(Some(match c.name {
            "ISNULL" => {
                c.count(2..=2)?;
                let a = self.arg(&args[0])?;
                let b = self.arg(&args[1])?;
                let ty = if a.lit == Some(Lit::Null) { b.ty } else { a.ty };
                let b = self.coerce_opt(b, ty);
                Ex::new(call("ifnull", &[a.sql, b.sql]), ty, a.nullable && b.nullable)
            }
            "COALESCE" => {
                let xs = self.all(args)?;
                let ty = xs
                    .iter()
                    .filter(|x| x.lit != Some(Lit::Null))
                    .filter_map(|x| x.ty)
                    .reduce(|a, b| types::combine(&a, &b));
                let nullable = xs.iter().all(|x| x.nullable);
                let xs: Vec<String> = xs.into_iter().map(|x| self.coerce_opt(x, ty).sql).collect();
                let sql = if xs.len() == 1 { xs[0].clone() } else { call("coalesce", &xs) };
                Ex::new(sql, ty, nullable)
            }
            "NULLIF" => {
                c.count(2..=2)?;
                let a = self.arg(&args[0])?;
                let b = self.arg(&args[1])?;
                let b = self.coerce_for_compare(&a, b);
                let asql =
                    if a.is_char() && !a.collated && !b.collated { collate(&a) } else { a.sql.clone() };
                Ex::new(call("nullif", &[asql, b.sql]), a.ty, true)
            }
            "IIF" => {
                c.count(3..=3)?;
                let c = self.arg(&args[0])?;
                let (a, b) = (self.arg(&args[1])?, self.arg(&args[2])?);
                let ty = match (a.ty, b.ty) {
                    (Some(x), Some(y)) if a.lit == Some(Lit::Null) => Some(y).or(Some(x)),
                    (Some(x), Some(y)) if b.lit == Some(Lit::Null) => Some(x).or(Some(y)),
                    (Some(x), Some(y)) => Some(types::combine(&x, &y)),
                    (x, y) => x.or(y),
                };
                let nullable = a.nullable || b.nullable;
                let (a, b) = (self.coerce_opt(a, ty), self.coerce_opt(b, ty));
                Ex::new(format!("CASE WHEN {} THEN {} ELSE {} END", c.sql, a.sql, b.sql), ty, nullable)
            }
            "CHOOSE" => {
                let xs = self.all(args)?;
                let Some((index, items)) = xs.split_first() else {
                    return Err(SqlError::new(174, 15, "The choose function requires 2 argument(s)."));
                };
                let ty = items.iter().filter_map(|x| x.ty).reduce(|a, b| types::combine(&a, &b));
                let mut sql = format!("CASE {}", index.sql);
                for (i, item) in items.iter().enumerate() {
                    let item = self.coerce_opt(item.clone(), ty);
                    sql.push_str(&format!(" WHEN {} THEN {}", i + 1, item.sql));
                }
                sql.push_str(" END");
                Ex::new(sql, ty, true)
            }
            _ => return Ok(None),
        }))
    }
}
