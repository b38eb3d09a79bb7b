//! Function calls: aggregates, window functions and T-SQL's scalar built-ins, each with the
//! result type SQL Server gives it. Functions SQLite lacks or gets wrong become `tsql_*`
//! calls registered by [`crate::engine::functions`].

use sqlparser::ast::{
    DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments,
};

use super::scope::{Ex, Tr, ident_parts};
use super::types;
use crate::error::SqlError;
use crate::types::{Len, SqlType};

mod aggregate;
mod dates;
mod logical;
mod math;
mod metadata;
mod strings;

const NV128: SqlType = SqlType::NVarChar(Len::N(128));

/// Arguments as written: expressions, or `*`.
enum Arg<'e> {
    Expr(&'e Expr),
    Star,
}

fn args_of(f: &Function) -> Result<(Vec<Arg<'_>>, bool, Vec<&FunctionArgumentClause>), SqlError> {
    match &f.args {
        FunctionArguments::None => Ok((Vec::new(), false, Vec::new())),
        FunctionArguments::Subquery(_) => {
            Err(SqlError::unsupported("a subquery as a function's only argument"))
        }
        FunctionArguments::List(list) => {
            let distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
            let mut out = Vec::new();
            for a in &list.args {
                match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => out.push(Arg::Expr(e)),
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => out.push(Arg::Star),
                    _ => return Err(SqlError::unsupported("named or qualified-wildcard function arguments")),
                }
            }
            Ok((out, distinct, list.clauses.iter().collect()))
        }
    }
}

/// A canonical datepart name from `day`, `dd`, `'d'`, ….
fn datepart(e: &Expr) -> Result<&'static str, SqlError> {
    let text = match e {
        Expr::Identifier(i) => i.value.clone(),
        Expr::Value(v) => match &v.value {
            sqlparser::ast::Value::SingleQuotedString(s) => s.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    Ok(match text.to_ascii_lowercase().as_str() {
        "year" | "yy" | "yyyy" => "year",
        "quarter" | "qq" | "q" => "quarter",
        "month" | "mm" | "m" => "month",
        "dayofyear" | "dy" | "y" => "dayofyear",
        "day" | "dd" | "d" => "day",
        "week" | "wk" | "ww" => "week",
        "weekday" | "dw" | "w" => "weekday",
        "hour" | "hh" => "hour",
        "minute" | "mi" | "n" => "minute",
        "second" | "ss" | "s" => "second",
        "millisecond" | "ms" => "millisecond",
        "microsecond" | "mcs" => "microsecond",
        "nanosecond" | "ns" => "nanosecond",
        "iso_week" | "isowk" | "isoww" => "iso_week",
        "tzoffset" | "tz" => "tzoffset",
        _ => return Err(SqlError::new(155, 15, format!("'{text}' is not a recognized datepart option."))),
    })
}

/// SERVERPROPERTY's natural type per property (it is sql_variant on a real server; the
/// simulator sends the base type so `get::<i32>` / `get::<&str>` work as they do there).
pub(super) fn server_property_type(name: Option<&str>) -> SqlType {
    let Some(name) = name else { return NV128 };
    match name.to_ascii_lowercase().as_str() {
        "engineedition"
        | "isclustered"
        | "isfulltextinstalled"
        | "isintegratedsecurityonly"
        | "issingleuser"
        | "ishadrenabled"
        | "hadrmanagerstatus"
        | "isxtpsupported"
        | "ispolybaseinstalled"
        | "islocaldb"
        | "isadvancedanalyticsinstalled"
        | "istempdbmetadatamemoryoptimized"
        | "lcid"
        | "processid"
        | "isbigdatacluster"
        | "isexternalauthenticationonly"
        | "filestreamconfiguredlevel"
        | "filestreameffectivelevel"
        | "isserversuspendedforsnapshotbackup" => SqlType::Int,
        "editionid" => SqlType::BigInt,
        "sqlcharset" | "sqlsortorder" => SqlType::TinyInt,
        "resourcelastupdatedatetime" => SqlType::DateTime,
        _ => NV128,
    }
}

/// DATABASEPROPERTYEX's natural type per property.
pub(super) fn database_property_type(name: Option<&str>) -> SqlType {
    let Some(name) = name else { return NV128 };
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "version" | "lcid" | "comparisonstyle" | "sqlsortorder" => SqlType::Int,
        "maxsizeinbytes" => SqlType::BigInt,
        _ if lower.starts_with("is") => SqlType::Int,
        _ => NV128,
    }
}

fn var_string(unicode: bool, from: Option<SqlType>) -> SqlType {
    let max = from.is_some_and(|t| types::char_len(&t).is_none() && t.is_character());
    if max {
        types::string_type(unicode, None)
    } else {
        types::string_type(unicode, Some(if unicode { 4000 } else { 8000 }))
    }
}

impl Tr<'_> {
    pub fn function(&mut self, f: &Function) -> Result<Ex, SqlError> {
        let parts = ident_parts(&f.name);
        if parts.len() > 1 {
            return Err(SqlError::unsupported(&format!("user-defined function {}", parts.join("."))));
        }
        let name = parts.last().map(|p| p.to_ascii_uppercase()).unwrap_or_default();
        let (args, distinct, clauses) = args_of(f)?;
        if f.filter.is_some() || !f.within_group.is_empty() && name != "STRING_AGG" {
            return Err(SqlError::unsupported(&format!("{name} with FILTER or WITHIN GROUP")));
        }
        if let Some(over) = &f.over {
            return self.window(&name, &args, distinct, over);
        }
        if let Some(ex) = self.aggregate(&name, &args, distinct, f)? {
            return Ok(ex);
        }
        if distinct || !clauses.is_empty() {
            return Err(SqlError::unsupported(&format!("{name} with DISTINCT or argument clauses")));
        }
        self.scalar(&name, &args)
    }

    fn arg(&mut self, a: &Arg<'_>) -> Result<Ex, SqlError> {
        match a {
            Arg::Expr(e) => self.expr(e),
            Arg::Star => Err(SqlError::syntax("*")),
        }
    }

    fn all(&mut self, args: &[Arg<'_>]) -> Result<Vec<Ex>, SqlError> {
        args.iter().map(|a| self.arg(a)).collect()
    }

    /// The `i`th argument's SQL, or `NULL` when it was left out.
    fn opt_arg(&mut self, c: &Call, i: usize) -> Result<String, SqlError> {
        match c.args.get(i) {
            Some(a) => Ok(self.arg(a)?.sql),
            None => Ok("NULL".to_string()),
        }
    }

    /// A scalar built-in: each family of functions in turn (a `match` over its functions' names
    /// answering `None` for a name it does not know), the first that knows the name.
    fn scalar(&mut self, name: &str, args: &[Arg<'_>]) -> Result<Ex, SqlError> {
        let c = Call { name, args };
        let families =
            [Self::logical, Self::string_shape, Self::string_build, Self::math, Self::dates, Self::metadata];
        for family in families {
            if let Some(ex) = family(self, &c)? {
                return Ok(ex);
            }
        }
        Err(SqlError::unsupported(&format!("function {name}")))
    }
}

/// A scalar function call being translated: its upper-case name and its arguments.
struct Call<'c, 'e> {
    name: &'c str,
    args: &'c [Arg<'e>],
}

impl Call<'_, '_> {
    /// SQL Server's 174 unless the call has a number of arguments in `n`.
    fn count(&self, n: std::ops::RangeInclusive<usize>) -> Result<(), SqlError> {
        if n.contains(&self.args.len()) {
            return Ok(());
        }
        Err(SqlError::new(
            174,
            15,
            format!("The {} function requires {} argument(s).", self.name.to_ascii_lowercase(), n.start()),
        ))
    }
}

/// `f(a, b, …)`.
fn call(f: &str, xs: &[String]) -> String {
    format!("{f}({})", xs.join(", "))
}
