//! FROM: tables, joins, CROSS/OUTER APPLY, derived tables and table-valued functions, each
//! with an explicit SQLite alias.

use sqlparser::ast::{JoinConstraint, JoinOperator, TableFactor, TableWithJoins};

use super::super::scope::{SCol, Source, Tr, ident_parts, object_name, quote};
use super::*;
use crate::error::SqlError;

impl Tr<'_> {
    pub(super) fn from(&mut self, from: &[TableWithJoins]) -> Result<String, SqlError> {
        let mut parts = Vec::new();
        for twj in from {
            parts.push(self.table_with_joins(twj)?);
        }
        Ok(parts.join(", "))
    }

    pub(in crate::engine::translate) fn table_with_joins(
        &mut self,
        twj: &TableWithJoins,
    ) -> Result<String, SqlError> {
        let mut sql = self.factor(&twj.relation)?;
        for j in &twj.joins {
            let (kw, constraint, null_right, null_left) = match &j.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => ("JOIN", Some(c), false, false),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => ("LEFT JOIN", Some(c), true, false),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => ("RIGHT JOIN", Some(c), false, true),
                JoinOperator::FullOuter(c) => ("FULL JOIN", Some(c), true, true),
                JoinOperator::CrossJoin(c) => ("CROSS JOIN", Some(c), false, false),
                JoinOperator::CrossApply => ("JOIN", None, false, false),
                JoinOperator::OuterApply => ("LEFT JOIN", None, true, false),
                other => return Err(SqlError::unsupported(&format!("join {other:?}"))),
            };
            let before = self.scope().sources.len();
            if constraint.is_none()
                && let Some(applied) = self.applied_function(&j.relation)
            {
                let (right, on) = applied?;
                if null_right {
                    let scope = self.scope();
                    scope.sources[before..]
                        .iter_mut()
                        .flat_map(|s| s.columns.iter_mut())
                        .for_each(|c| c.nullable = true);
                }
                sql.push_str(&format!(" {kw} {right} ON {on}"));
                continue;
            }
            let right = self.factor(&j.relation).map_err(|e| {
                if constraint.is_none() && matches!(e.number, 207 | 4104) {
                    SqlError::unsupported("CROSS/OUTER APPLY with a correlated right side")
                } else {
                    e
                }
            })?;
            let scope = self.scope();
            let (left_part, right_part) = scope.sources.split_at_mut(before);
            let mark = |sources: &mut [Source]| {
                sources.iter_mut().flat_map(|s| s.columns.iter_mut()).for_each(|c| c.nullable = true)
            };
            if null_right {
                mark(right_part);
            }
            if null_left {
                mark(left_part);
            }
            let on = match constraint {
                Some(JoinConstraint::On(e)) => format!(" ON {}", self.expr(e)?.sql),
                Some(JoinConstraint::None) => String::new(),
                None => " ON 1".to_string(),
                Some(_) => return Err(SqlError::unsupported("JOIN … USING / NATURAL JOIN")),
            };
            sql.push_str(&format!(" {kw} {right}{on}"));
        }
        Ok(sql)
    }

    /// `APPLY f(args)` where the catalog can join `f` on its arguments (a table-valued function
    /// keyed by them, e.g. sys.dm_exec_sql_text(sql_handle)): the arguments may name columns of
    /// the left side. Returns the table reference and the ON condition.
    pub(super) fn applied_function(&mut self, f: &TableFactor) -> Option<Result<(String, String), SqlError>> {
        let TableFactor::Table { name, alias, args: Some(args), .. } = f else { return None };
        let obj = object_name(name).ok()?;
        let applied = self.cat.resolve_applied_function(&obj, args.args.len())?;
        let mut exprs = Vec::new();
        for a in &args.args {
            match a {
                sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) => {
                    match self.expr(e) {
                        Ok(x) => exprs.push(x.sql),
                        Err(e) => return Some(Err(e)),
                    }
                }
                _ => return Some(Err(SqlError::unsupported("named table-valued function arguments"))),
            }
        }
        let alias_name = alias.as_ref().map(|a| a.name.value.clone());
        let from = self.add_resolved_source(&obj, alias_name.as_deref(), applied.table.clone());
        let sql_alias = alias_name.unwrap_or_else(|| obj.name.clone());
        let on: Vec<String> = applied
            .keys
            .iter()
            .zip(&exprs)
            .map(|((col, null_all), arg)| {
                let eq = format!("{}.{} = ({arg})", quote(&sql_alias), quote(col));
                if *null_all { format!("(({arg}) IS NULL OR {eq})") } else { eq }
            })
            .collect();
        let on = if on.is_empty() { "1".to_string() } else { on.join(" AND ") };
        Some(Ok((from, on)))
    }

    pub(super) fn factor(&mut self, f: &TableFactor) -> Result<String, SqlError> {
        match f {
            TableFactor::Table { name, alias, args, version: None, partitions, sample: None, .. }
                if partitions.is_empty() =>
            {
                let parts = ident_parts(name);
                let alias_name = alias.as_ref().map(|a| a.name.value.clone());
                if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                    return Err(SqlError::unsupported("column aliases on a table"));
                }
                if let Some(args) = args {
                    let obj = object_name(name)?;
                    let saved = std::mem::take(&mut self.scope().sources);
                    let translated: Result<Vec<String>, SqlError> = args
                        .args
                        .iter()
                        .map(|a| match a {
                            sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(
                                e,
                            )) => self.expr(e).map(|x| x.sql),
                            _ => Err(SqlError::unsupported("named table-valued function arguments")),
                        })
                        .collect();
                    self.scope().sources = saved;
                    let resolved = self.cat.resolve_table_function(&obj, &translated?)?;
                    return Ok(self.add_resolved_source(&obj, alias_name.as_deref(), resolved));
                }
                if let [single] = parts.as_slice()
                    && let Some(cte) = self.find_cte(single)
                {
                    let sql_alias = alias_name.clone().unwrap_or_else(|| cte.name.clone());
                    let columns = cte
                        .columns
                        .iter()
                        .map(|c| SCol {
                            name: c.name.clone(),
                            ty: c.ty,
                            nullable: c.nullable,
                            collated: false,
                        })
                        .collect();
                    self.scope().sources.push(Source {
                        names: vec![sql_alias.to_lowercase()],
                        sql_alias: Some(sql_alias.clone()),
                        columns,
                    });
                    return Ok(format!("{} AS {}", quote(&cte.name), quote(&sql_alias)));
                }
                let obj = object_name(name)?;
                let resolved = self.cat.resolve_table(&obj)?;
                Ok(self.add_resolved_source(&obj, alias_name.as_deref(), resolved))
            }
            TableFactor::Derived { lateral: false, subquery, alias, sample: None } => {
                let listed: Vec<String> = alias
                    .as_ref()
                    .map(|a| a.columns.iter().map(|c| c.name.value.clone()).collect())
                    .unwrap_or_default();
                let alias_name = match alias {
                    Some(a) => a.name.value.clone(),
                    None => return Err(SqlError::syntax(")")),
                };
                let saved = std::mem::take(&mut self.scope().sources);
                let result = self.query(subquery, !listed.is_empty());
                self.scope().sources = saved;
                let (sql, cols) = result?;
                let cols = rename(&alias_name, cols, &listed)?;
                let sql = if listed.is_empty() {
                    sql
                } else {
                    let list: Vec<String> = cols
                        .iter()
                        .enumerate()
                        .map(|(i, c)| format!("\"__c{}\" AS {}", i + 1, quote(&c.name)))
                        .collect();
                    format!("SELECT {} FROM ({sql})", list.join(", "))
                };
                let columns = cols
                    .iter()
                    .map(|c| SCol { name: c.name.clone(), ty: c.ty, nullable: c.nullable, collated: false })
                    .collect();
                self.scope().sources.push(Source {
                    names: vec![alias_name.to_lowercase()],
                    sql_alias: Some(alias_name.clone()),
                    columns,
                });
                Ok(format!("({sql}) AS {}", quote(&alias_name)))
            }
            TableFactor::NestedJoin { table_with_joins, alias: None } => {
                Ok(format!("({})", self.table_with_joins(table_with_joins)?))
            }
            other => Err(SqlError::unsupported(&format!("table source {other}"))),
        }
    }
}
