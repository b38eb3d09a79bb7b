//! Date and time functions.

use super::super::scope::{Ex, Tr, literal};
use super::{Arg, Call, call, datepart};
use crate::error::SqlError;
use crate::types::{Len, SqlType};

impl Tr<'_> {
    /// Date and time functions (GETDATE, DATEADD, DATEDIFF, DATEPART, EOMONTH, …).
    pub(super) fn dates(&mut self, c: &Call) -> Result<Option<Ex>, SqlError> {
        let (name, args) = (c.name, c.args);
        Ok(Some(match c.name {
            "GETDATE" | "CURRENT_TIMESTAMP" => Ex::new("tsql_getdate()", Some(SqlType::DateTime), false),
            "GETUTCDATE" => Ex::new("tsql_getutcdate()", Some(SqlType::DateTime), false),
            "SYSDATETIME" => Ex::new("tsql_sysdatetime()", Some(SqlType::DateTime2(7)), false),
            "SYSUTCDATETIME" => Ex::new("tsql_sysutcdatetime()", Some(SqlType::DateTime2(7)), false),
            "SYSDATETIMEOFFSET" => {
                Ex::new("tsql_sysdatetimeoffset()", Some(SqlType::DateTimeOffset(7)), false)
            }
            "DATEADD" => {
                c.count(3..=3)?;
                let Arg::Expr(p) = &args[0] else { return Err(SqlError::syntax("*")) };
                let part = datepart(p)?;
                let (n, d) = (self.arg(&args[1])?, self.arg(&args[2])?);
                let ty = d.ty.filter(SqlType::is_temporal).unwrap_or(SqlType::DateTime);
                Ex::new(
                    call("tsql_dateadd", &[literal(part), n.sql, d.sql, literal(&ty.to_sql())]),
                    Some(ty),
                    d.nullable || n.nullable,
                )
            }
            "DATEDIFF" | "DATEDIFF_BIG" => {
                c.count(3..=3)?;
                let Arg::Expr(p) = &args[0] else { return Err(SqlError::syntax("*")) };
                let part = datepart(p)?;
                let (a, b) = (self.arg(&args[1])?, self.arg(&args[2])?);
                let ty = if name == "DATEDIFF" { SqlType::Int } else { SqlType::BigInt };
                let f = if name == "DATEDIFF" { "tsql_datediff" } else { "tsql_datediff_big" };
                Ex::new(call(f, &[literal(part), a.sql, b.sql]), Some(ty), a.nullable || b.nullable)
            }
            "DATEPART" | "DATENAME" => {
                c.count(2..=2)?;
                let Arg::Expr(p) = &args[0] else { return Err(SqlError::syntax("*")) };
                let part = datepart(p)?;
                let d = self.arg(&args[1])?;
                let (f, ty) = if name == "DATEPART" {
                    ("tsql_datepart", SqlType::Int)
                } else {
                    ("tsql_datename", SqlType::NVarChar(Len::N(30)))
                };
                Ex::new(call(f, &[literal(part), d.sql]), Some(ty), d.nullable)
            }
            "YEAR" | "MONTH" | "DAY" => {
                c.count(1..=1)?;
                let d = self.arg(&args[0])?;
                Ex::new(
                    call("tsql_datepart", &[literal(&name.to_ascii_lowercase()), d.sql]),
                    Some(SqlType::Int),
                    d.nullable,
                )
            }
            "EOMONTH" => {
                c.count(1..=2)?;
                let d = self.arg(&args[0])?;
                let n = self.opt_arg(c, 1)?;
                Ex::new(call("tsql_eomonth", &[d.sql, n]), Some(SqlType::Date), d.nullable)
            }
            "DATEFROMPARTS" => {
                c.count(3..=3)?;
                let xs: Vec<String> = self.all(args)?.into_iter().map(|x| x.sql).collect();
                Ex::new(call("tsql_datefromparts", &xs), Some(SqlType::Date), true)
            }
            _ => return Ok(None),
        }))
    }
}
