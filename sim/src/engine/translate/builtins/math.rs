//! Mathematical functions.

use super::super::expr::rounding_type;
use super::super::scope::{Ex, Tr, literal};
use super::super::types;
use super::{Call, call};
use crate::error::SqlError;
use crate::types::SqlType;

impl Tr<'_> {
    /// Mathematical functions (ABS, ROUND, FLOOR, POWER, SQRT, …), typed as \"Mathematical Functions (Transact-SQL)\" says.
    pub(super) fn math(&mut self, c: &Call) -> Result<Option<Ex>, SqlError> {
        let (name, args) = (c.name, c.args);
        Ok(Some(match c.name {
            "ABS" | "SIGN" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                let f = if name == "ABS" { "abs" } else { "tsql_sign" };
                let ty = x.ty.map(|t| if name == "SIGN" { rounding_type(t) } else { t });
                if name == "ABS" && x.is_decimal() {
                    let ty_text = literal(&ty.map(|t| t.to_sql()).unwrap_or_default());
                    return Ok(Some(Ex::new(
                        call("tsql_dec", &["'abs'".into(), x.sql, "NULL".into(), ty_text]),
                        ty,
                        x.nullable,
                    )));
                }
                Ex::new(call(f, &[x.sql]), ty, x.nullable)
            }
            "ROUND" => {
                c.count(2..=3)?;
                let (x, n) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let mode = self.opt_arg(c, 2)?;
                let ty = x.ty.map(|t| match t {
                    SqlType::Decimal { precision, scale } => {
                        SqlType::Decimal { precision: (precision + 1).min(38), scale }
                    }
                    SqlType::Bit | SqlType::TinyInt | SqlType::SmallInt => SqlType::Int,
                    other if types::is_numeric(&other) => other,
                    _ => SqlType::Float,
                });
                Ex::new(call("tsql_round", &[x.sql, n.sql, mode]), ty, x.nullable)
            }
            "FLOOR" | "CEILING" | "CEIL" => {
                c.count(1..=1)?;
                let x = self.arg(&args[0])?;
                let f = if name == "FLOOR" { "tsql_floor" } else { "tsql_ceiling" };
                Ex::new(call(f, &[x.sql]), x.ty.map(rounding_type), x.nullable)
            }
            "POWER" => {
                c.count(2..=2)?;
                let (x, y) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let ty = x.ty.map(|t| match t {
                    SqlType::Bit | SqlType::TinyInt | SqlType::SmallInt => SqlType::Int,
                    SqlType::Decimal { precision, scale } => {
                        SqlType::Decimal { precision: precision.max(38), scale }
                    }
                    other if types::is_numeric(&other) => other,
                    _ => SqlType::Float,
                });
                let ty_text = ty.map(|t| t.to_sql()).unwrap_or_default();
                Ex::new(call("tsql_power", &[x.sql, y.sql, literal(&ty_text)]), ty, true)
            }
            "SQRT" | "SQUARE" | "EXP" | "LOG" | "LOG10" | "SIN" | "COS" | "TAN" | "ASIN" | "ACOS"
            | "ATAN" | "DEGREES" | "RADIANS" => {
                c.count(1..=2)?;
                let xs = self.all(args)?;
                let mut list = vec![literal(&name.to_ascii_lowercase())];
                list.extend(xs.iter().map(|x| x.sql.clone()));
                if list.len() == 2 {
                    list.push("NULL".into());
                }
                Ex::new(call("tsql_math", &list), Some(SqlType::Float), true)
            }
            "PI" => Ex::new("3.141592653589793", Some(SqlType::Float), false),
            "RAND" => Ex::new("tsql_rand()", Some(SqlType::Float), false),
            _ => return Ok(None),
        }))
    }
}
