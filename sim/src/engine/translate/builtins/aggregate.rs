//! Aggregates (COUNT, SUM, AVG, STRING_AGG, …) and window functions (ROW_NUMBER, RANK, LAG, …).

use sqlparser::ast::{Function, FunctionArguments, WindowType};

use super::super::expr::collate;
use super::super::scope::{Ex, Tr, literal};
use super::super::types;
use super::{Arg, var_string};
use crate::error::SqlError;
use crate::types::{Len, SqlType};

impl Tr<'_> {
    pub(super) fn aggregate(
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

    pub(super) fn window(
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
}
