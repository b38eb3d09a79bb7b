//! Function calls: aggregates, window functions and T-SQL's scalar built-ins, each with the
//! result type SQL Server gives it. Functions SQLite lacks or gets wrong become `tsql_*`
//! calls registered by [`crate::engine::functions`].

use sqlparser::ast::{
    DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments, WindowType,
};

use super::expr::{collate, rounding_type};
use super::scope::{Ex, Lit, Tr, ident_parts, literal};
use super::types;
use crate::error::SqlError;
use crate::types::{Len, SqlType};

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

    fn aggregate(
        &mut self,
        name: &str,
        args: &[Arg<'_>],
        distinct: bool,
        f: &Function,
    ) -> Result<Option<Ex>, SqlError> {
        let d = if distinct { "DISTINCT " } else { "" };
        let one = |this: &mut Self| -> Result<Ex, SqlError> {
            match args {
                [a] => this.arg(a),
                _ => Err(SqlError::new(
                    174,
                    15,
                    format!("The {} function requires 1 argument(s).", name.to_ascii_lowercase()),
                )),
            }
        };
        let mut ex = match name {
            "COUNT" | "COUNT_BIG" => {
                let ty = if name == "COUNT" { SqlType::Int } else { SqlType::BigInt };
                let inner = match args {
                    [Arg::Star] => "*".to_string(),
                    _ => {
                        let x = one(self)?;
                        if distinct && x.is_char() && !x.collated { collate(&x) } else { x.sql }
                    }
                };
                Ex::new(format!("COUNT({d}{inner})"), Some(ty), false)
            }
            "SUM" | "AVG" if distinct && one(self)?.is_decimal() => {
                return Err(SqlError::unsupported(&format!("{name}(DISTINCT …) over decimal or money")));
            }
            "SUM" => {
                let x = one(self)?;
                let ty = x.ty.map(|t| types::sum_type(&t));
                match ty {
                    // Exact at precision 38, where SQLite's SUM would overflow at 2^63.
                    Some(SqlType::Decimal { scale, .. }) if d.is_empty() => {
                        Ex::new(format!("tsql_sum_decimal({}, {scale})", x.sql), ty, true)
                    }
                    Some(SqlType::Money) if d.is_empty() => {
                        Ex::new(format!("tsql_sum_decimal({}, 4)", x.sql), ty, true)
                    }
                    _ => Ex::new(format!("SUM({d}{})", x.sql), ty, true),
                }
            }
            "AVG" => {
                let x = one(self)?;
                let ty = x.ty.map(|t| types::avg_type(&t));
                let integer = x.ty.is_some_and(|t| t.is_integer() || t == SqlType::Bit);
                let sql = if x.is_decimal() {
                    let ty_text = ty.map(|t| t.to_sql()).unwrap_or_default();
                    format!("tsql_avg_decimal({}, {})", x.sql, literal(&ty_text))
                } else if integer {
                    format!("(SUM({d}{x}) / COUNT({d}{x}))", x = x.sql)
                } else {
                    format!("AVG({d}{})", x.sql)
                };
                Ex::new(sql, ty, true)
            }
            "MIN" | "MAX" if one(self)?.is_decimal() && !one(self)?.is_decimal_column() => {
                let x = one(self)?;
                Ex::new(format!("tsql_dec_{}({})", name.to_ascii_lowercase(), x.sql), x.ty, true)
            }
            "MIN" | "MAX" => {
                let x = one(self)?;
                let inner = if x.is_char() && !x.collated { collate(&x) } else { x.sql.clone() };
                Ex::new(format!("{name}({d}{inner})"), x.ty, true)
            }
            "STRING_AGG" => {
                let (x, sep) = match args {
                    [a, b] => (self.arg(a)?, self.arg(b)?),
                    _ => {
                        return Err(SqlError::new(
                            174,
                            15,
                            "The string_agg function requires 2 argument(s).",
                        ));
                    }
                };
                let x = if x.is_char() {
                    x
                } else {
                    self.convert(x, SqlType::NVarChar(Len::N(4000)), None, false)
                };
                let mut order = Vec::new();
                for o in &f.within_group {
                    let e = self.expr(&o.expr)?;
                    let desc = if matches!(o.options.sort, Some(sqlparser::ast::OrderBySort::Desc)) {
                        " DESC"
                    } else {
                        ""
                    };
                    order.push(format!("{}{desc}", e.sql));
                }
                let order =
                    if order.is_empty() { String::new() } else { format!(" ORDER BY {}", order.join(", ")) };
                let ty = var_string(x.ty.is_some_and(|t| t.is_unicode()), x.ty);
                Ex::new(format!("group_concat({}, {}{order})", x.sql, sep.sql), Some(ty), true)
            }
            "STDEV"
            | "STDEVP"
            | "VAR"
            | "VARP"
            | "CHECKSUM_AGG"
            | "GROUPING"
            | "GROUPING_ID"
            | "APPROX_COUNT_DISTINCT" => {
                return Err(SqlError::unsupported(&format!("aggregate {name}")));
            }
            _ => return Ok(None),
        };
        ex.aggregate = true;
        Ok(Some(ex))
    }

    fn window(
        &mut self,
        name: &str,
        args: &[Arg<'_>],
        distinct: bool,
        over: &WindowType,
    ) -> Result<Ex, SqlError> {
        let WindowType::WindowSpec(spec) = over else {
            return Err(SqlError::unsupported("named windows"));
        };
        let mut parts = Vec::new();
        if !spec.partition_by.is_empty() {
            let mut ps = Vec::new();
            for p in &spec.partition_by {
                let e = self.expr(p)?;
                ps.push(if e.is_char() && !e.collated { collate(&e) } else { e.sql });
            }
            parts.push(format!("PARTITION BY {}", ps.join(", ")));
        }
        if !spec.order_by.is_empty() {
            let mut os = Vec::new();
            for o in &spec.order_by {
                let e = self.expr(&o.expr)?;
                let s = if e.is_char() && !e.collated { collate(&e) } else { e.sql };
                let desc = if matches!(o.options.sort, Some(sqlparser::ast::OrderBySort::Desc)) {
                    " DESC"
                } else {
                    ""
                };
                os.push(format!("{s}{desc}"));
            }
            parts.push(format!("ORDER BY {}", os.join(", ")));
        }
        if let Some(frame) = &spec.window_frame {
            let bounds = match &frame.end_bound {
                Some(end) => format!("BETWEEN {} AND {end}", frame.start_bound),
                None => frame.start_bound.to_string(),
            };
            parts.push(format!("{} {bounds}", frame.units));
        }
        let over_sql = format!("OVER ({})", parts.join(" "));
        let (call, ty, nullable) = match name {
            "ROW_NUMBER" | "RANK" | "DENSE_RANK" => {
                (format!("{}()", name.to_ascii_lowercase()), Some(SqlType::BigInt), false)
            }
            "NTILE" => {
                let n = args.first().map(|a| self.arg(a)).transpose()?.map(|e| e.sql).unwrap_or_default();
                (format!("ntile({n})"), Some(SqlType::BigInt), false)
            }
            "PERCENT_RANK" | "CUME_DIST" => {
                (format!("{}()", name.to_ascii_lowercase()), Some(SqlType::Float), false)
            }
            "LAG" | "LEAD" | "FIRST_VALUE" | "LAST_VALUE" => {
                let xs = self.all(args)?;
                let ty = xs.first().and_then(|x| x.ty);
                let list: Vec<String> = xs.into_iter().map(|x| x.sql).collect();
                (format!("{}({})", name.to_ascii_lowercase(), list.join(", ")), ty, true)
            }
            _ => {
                let fake = Function {
                    name: sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(name)]),
                    uses_odbc_syntax: false,
                    parameters: FunctionArguments::None,
                    args: FunctionArguments::None,
                    within_group: Vec::new(),
                    filter: None,
                    null_treatment: None,
                    over: None,
                };
                match self.aggregate(name, args, distinct, &fake)? {
                    Some(ex) => (ex.sql, ex.ty, ex.nullable),
                    None => return Err(SqlError::unsupported(&format!("window function {name}"))),
                }
            }
        };
        Ok(Ex::new(format!("{call} {over_sql}"), ty, nullable))
    }

    fn scalar(&mut self, name: &str, args: &[Arg<'_>]) -> Result<Ex, SqlError> {
        let count = |n: std::ops::RangeInclusive<usize>| -> Result<(), SqlError> {
            if n.contains(&args.len()) {
                Ok(())
            } else {
                Err(SqlError::new(
                    174,
                    15,
                    format!("The {} function requires {} argument(s).", name.to_ascii_lowercase(), n.start()),
                ))
            }
        };
        let call = |f: &str, xs: &[String]| format!("{f}({})", xs.join(", "));
        let opt = |this: &mut Self, i: usize| -> Result<String, SqlError> {
            match args.get(i) {
                Some(a) => Ok(this.arg(a)?.sql),
                None => Ok("NULL".to_string()),
            }
        };
        Ok(match name {
            "ISNULL" => {
                count(2..=2)?;
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
                count(2..=2)?;
                let a = self.arg(&args[0])?;
                let b = self.arg(&args[1])?;
                let b = self.coerce_for_compare(&a, b);
                let asql =
                    if a.is_char() && !a.collated && !b.collated { collate(&a) } else { a.sql.clone() };
                Ex::new(call("nullif", &[asql, b.sql]), a.ty, true)
            }
            "IIF" => {
                count(3..=3)?;
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
            "LEN" => {
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                let ty = if x.ty.is_some_and(|t| t.is_character() && types::char_len(&t).is_none()) {
                    SqlType::BigInt
                } else {
                    SqlType::Int
                };
                Ex::new(format!("length(rtrim({}, ' '))", x.sql), Some(ty), x.nullable)
            }
            "DATALENGTH" => {
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                let max = x.ty.is_some_and(|t| {
                    types::char_len(&t).is_none() && (t.is_character() || types::is_binary(&t))
                });
                let src = x.ty.map(|t| t.to_sql()).unwrap_or_default();
                let ty = if max { SqlType::BigInt } else { SqlType::Int };
                Ex::new(call("tsql_datalength", &[x.sql, literal(&src)]), Some(ty), true)
            }
            "SUBSTRING" => {
                count(3..=3)?;
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
                count(2..=2)?;
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
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(call(&format!("tsql_{}", name.to_ascii_lowercase()), &[x.sql]), x.ty, x.nullable)
            }
            "LTRIM" | "RTRIM" => {
                count(1..=2)?;
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
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(call("trim", &[x.sql, "' '".into()]), x.ty, x.nullable)
            }
            "REPLACE" | "STUFF" => {
                count(if name == "REPLACE" { 3..=3 } else { 4..=4 })?;
                let xs = self.all(args)?;
                let unicode = xs.iter().any(|x| x.ty.is_some_and(|t| t.is_unicode()));
                let ty = var_string(unicode, xs[0].ty);
                let f = format!("tsql_{}", name.to_ascii_lowercase());
                let sqls: Vec<String> = xs.into_iter().map(|x| x.sql).collect();
                Ex::new(call(&f, &sqls), Some(ty), true)
            }
            "CHARINDEX" => {
                count(2..=3)?;
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
                count(2..=2)?;
                let (p, s) = (self.arg(&args[0])?, self.arg(&args[1])?);
                Ex::new(call("tsql_patindex", &[p.sql, s.sql]), Some(SqlType::Int), true)
            }
            "REPLICATE" | "SPACE" => {
                let (s, n) = if name == "SPACE" {
                    count(1..=1)?;
                    let mut space =
                        super::expr::value(&sqlparser::ast::Value::SingleQuotedString(" ".into()))?;
                    space.ty = Some(SqlType::VarChar(Len::N(1)));
                    (space, self.arg(&args[0])?)
                } else {
                    count(2..=2)?;
                    (self.arg(&args[0])?, self.arg(&args[1])?)
                };
                let ty = var_string(s.ty.is_some_and(|t| t.is_unicode()), s.ty);
                Ex::new(call("tsql_replicate", &[s.sql, n.sql]), Some(ty), true)
            }
            "REVERSE" => {
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(call("tsql_reverse", &[x.sql]), x.ty, x.nullable)
            }
            "CONCAT" | "CONCAT_WS" => self.concat(name, args)?,
            "QUOTENAME" => {
                count(1..=2)?;
                let s = self.arg(&args[0])?;
                let q = opt(self, 1)?;
                Ex::new(call("tsql_quotename", &[s.sql, q]), Some(SqlType::NVarChar(Len::N(258))), true)
            }
            "ASCII" | "UNICODE" => {
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(format!("unicode(substr({}, 1, 1))", x.sql), Some(SqlType::Int), true)
            }
            "CHAR" | "NCHAR" => {
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                let ty = if name == "CHAR" { SqlType::Char(1) } else { SqlType::NChar(1) };
                Ex::new(call("char", &[x.sql]), Some(ty), true)
            }
            "ABS" | "SIGN" => {
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                let f = if name == "ABS" { "abs" } else { "tsql_sign" };
                let ty = x.ty.map(|t| if name == "SIGN" { rounding_type(t) } else { t });
                if name == "ABS" && x.is_decimal() {
                    let ty_text = literal(&ty.map(|t| t.to_sql()).unwrap_or_default());
                    return Ok(Ex::new(
                        call("tsql_dec", &["'abs'".into(), x.sql, "NULL".into(), ty_text]),
                        ty,
                        x.nullable,
                    ));
                }
                Ex::new(call(f, &[x.sql]), ty, x.nullable)
            }
            "ROUND" => {
                count(2..=3)?;
                let (x, n) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let mode = opt(self, 2)?;
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
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                let f = if name == "FLOOR" { "tsql_floor" } else { "tsql_ceiling" };
                Ex::new(call(f, &[x.sql]), x.ty.map(rounding_type), x.nullable)
            }
            "POWER" => {
                count(2..=2)?;
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
                count(1..=2)?;
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
            "GETDATE" | "CURRENT_TIMESTAMP" => Ex::new("tsql_getdate()", Some(SqlType::DateTime), false),
            "GETUTCDATE" => Ex::new("tsql_getutcdate()", Some(SqlType::DateTime), false),
            "SYSDATETIME" => Ex::new("tsql_sysdatetime()", Some(SqlType::DateTime2(7)), false),
            "SYSUTCDATETIME" => Ex::new("tsql_sysutcdatetime()", Some(SqlType::DateTime2(7)), false),
            "SYSDATETIMEOFFSET" => {
                Ex::new("tsql_sysdatetimeoffset()", Some(SqlType::DateTimeOffset(7)), false)
            }
            "DATEADD" => {
                count(3..=3)?;
                let Arg::Expr(p) = &args[0] else { return Err(SqlError::syntax("*")) };
                let part = datepart(p)?;
                let (n, d) = (self.arg(&args[1])?, self.arg(&args[2])?);
                let ty = d.ty.filter(types::is_temporal).unwrap_or(SqlType::DateTime);
                Ex::new(
                    call("tsql_dateadd", &[literal(part), n.sql, d.sql, literal(&ty.to_sql())]),
                    Some(ty),
                    d.nullable || n.nullable,
                )
            }
            "DATEDIFF" | "DATEDIFF_BIG" => {
                count(3..=3)?;
                let Arg::Expr(p) = &args[0] else { return Err(SqlError::syntax("*")) };
                let part = datepart(p)?;
                let (a, b) = (self.arg(&args[1])?, self.arg(&args[2])?);
                let ty = if name == "DATEDIFF" { SqlType::Int } else { SqlType::BigInt };
                let f = if name == "DATEDIFF" { "tsql_datediff" } else { "tsql_datediff_big" };
                Ex::new(call(f, &[literal(part), a.sql, b.sql]), Some(ty), a.nullable || b.nullable)
            }
            "DATEPART" | "DATENAME" => {
                count(2..=2)?;
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
                count(1..=1)?;
                let d = self.arg(&args[0])?;
                Ex::new(
                    call("tsql_datepart", &[literal(&name.to_ascii_lowercase()), d.sql]),
                    Some(SqlType::Int),
                    d.nullable,
                )
            }
            "EOMONTH" => {
                count(1..=2)?;
                let d = self.arg(&args[0])?;
                let n = opt(self, 1)?;
                Ex::new(call("tsql_eomonth", &[d.sql, n]), Some(SqlType::Date), d.nullable)
            }
            "DATEFROMPARTS" => {
                count(3..=3)?;
                let xs: Vec<String> = self.all(args)?.into_iter().map(|x| x.sql).collect();
                Ex::new(call("tsql_datefromparts", &xs), Some(SqlType::Date), true)
            }
            "ISDATE" | "ISNUMERIC" => {
                count(1..=1)?;
                let x = self.arg(&args[0])?;
                Ex::new(
                    call(&format!("tsql_{}", name.to_ascii_lowercase()), &[x.sql]),
                    Some(SqlType::Int),
                    false,
                )
            }
            "NEWID" => Ex::new("tsql_newid()", Some(SqlType::UniqueIdentifier), false),
            "HASHBYTES" => {
                count(2..=2)?;
                let (alg, x) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let src = x.ty.map(|t| t.to_sql()).unwrap_or_else(|| "varbinary(max)".into());
                Ex::new(
                    call("tsql_hashbytes", &[alg.sql, x.sql, literal(&src)]),
                    Some(SqlType::VarBinary(Len::N(8000))),
                    true,
                )
            }
            "DB_NAME" => Ex::new(call("tsql_db_name", &[opt(self, 0)?]), Some(NV128), true),
            "DB_ID" => Ex::new(call("tsql_db_id", &[opt(self, 0)?]), Some(SqlType::Int), true),
            "OBJECT_ID" => {
                count(1..=2)?;
                Ex::new(call("tsql_object_id", &[opt(self, 0)?, opt(self, 1)?]), Some(SqlType::Int), true)
            }
            "CHANGE_TRACKING_CURRENT_VERSION" | "CHANGE_TRACKING_MIN_VALID_VERSION" => {
                let n = usize::from(name == "CHANGE_TRACKING_MIN_VALID_VERSION");
                count(n..=n)?;
                // The runtime answers from the database's change tracking state (a subquery).
                let sql: Vec<String> = self.all(args)?.into_iter().map(|x| x.sql).collect();
                let f = crate::engine::ObjectName { database: None, schema: None, name: name.to_string() };
                let t = self.cat.resolve_table_function(&f, &sql)?;
                Ex::new(format!("(SELECT v FROM {})", t.sqlite_ref), Some(SqlType::BigInt), true)
            }
            "OBJECT_NAME" => {
                count(1..=2)?;
                Ex::new(call("tsql_object_name", &[opt(self, 0)?, opt(self, 1)?]), Some(NV128), true)
            }
            "SCHEMA_NAME" => Ex::new(call("tsql_schema_name", &[opt(self, 0)?]), Some(NV128), true),
            "SCHEMA_ID" => Ex::new(call("tsql_schema_id", &[opt(self, 0)?]), Some(SqlType::Int), true),
            "SERVERPROPERTY" => {
                count(1..=1)?;
                let p = self.arg(&args[0])?;
                let ty = server_property_type(p.lit_str());
                Ex::new(call("tsql_serverproperty", &[p.sql]), Some(ty), true)
            }
            "DATABASEPROPERTYEX" => {
                count(2..=2)?;
                let (db, p) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let ty = database_property_type(p.lit_str());
                Ex::new(call("tsql_databasepropertyex", &[db.sql, p.sql]), Some(ty), true)
            }
            "HAS_PERMS_BY_NAME" => {
                count(3..=3)?;
                let xs: Vec<String> = self.all(args)?.into_iter().map(|x| x.sql).collect();
                Ex::new(call("tsql_has_perms_by_name", &xs), Some(SqlType::Int), true)
            }
            "SUSER_SNAME" | "SUSER_NAME" | "ORIGINAL_LOGIN" => {
                if !args.is_empty() {
                    return Err(SqlError::unsupported(&format!("{name} with a login id")));
                }
                Ex::new("tsql_suser_sname()", Some(NV128), false)
            }
            "USER_NAME" => Ex::new(call("tsql_user_name", &[opt(self, 0)?]), Some(NV128), true),
            "SCOPE_IDENTITY" => {
                Ex::new("tsql_global('IDENTITY')", Some(SqlType::Decimal { precision: 38, scale: 0 }), true)
            }
            "APP_NAME" | "HOST_NAME" => Ex::new(format!("tsql_global('{name}')"), Some(NV128), true),
            other => return Err(SqlError::unsupported(&format!("function {other}"))),
        })
    }

    /// CONCAT (NULL as empty, never NULL) and CONCAT_WS (skips NULLs).
    fn concat(&mut self, name: &str, args: &[Arg<'_>]) -> Result<Ex, SqlError> {
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
