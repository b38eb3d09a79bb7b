//! Queries: SELECT with joins, derived tables, CTEs (recursive too), set operations,
//! GROUP BY/HAVING, DISTINCT, ORDER BY, `TOP (n)` and `OFFSET … FETCH` → LIMIT/OFFSET.
//!
//! Every source is emitted with an explicit SQLite alias and every column reference is
//! qualified with it, so SQLite resolves names exactly as the translator did; `*` is expanded
//! here, which is also how its columns get their SQL Server types.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Distinct, GroupByExpr, JoinConstraint, JoinOperator, LimitClause, OrderBy, OrderByKind, Query, Select,
    SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, TableFactor,
    TableWithJoins, TopQuantity, Values, With, visit_relations,
};

use super::expr::collate;
use super::scope::{Cte, Ex, SCol, Scope, Source, Tr, ident_parts, object_name, qualifiers, quote};
use super::types;
use crate::engine::ResultColumn;
use crate::error::SqlError;
use crate::types::SqlType;

/// LIMIT/OFFSET as SQLite expressions.
#[derive(Default, Clone)]
struct Limit {
    limit: Option<String>,
    offset: Option<String>,
}

impl Limit {
    fn sql(&self) -> String {
        match (&self.limit, &self.offset) {
            (None, None) => String::new(),
            (Some(l), None) => format!(" LIMIT {l}"),
            (l, Some(o)) => format!(" LIMIT {} OFFSET {o}", l.as_deref().unwrap_or("-1")),
        }
    }
}

fn result_columns(items: &[(String, Ex)]) -> Vec<ResultColumn> {
    items
        .iter()
        .map(|(name, ex)| ResultColumn { name: name.clone(), ty: ex.ty, nullable: ex.nullable })
        .collect()
}

impl Tr<'_> {
    /// A subquery inside an expression: it sees the enclosing scopes (correlation).
    pub fn subquery(&mut self, q: &Query) -> Result<(String, Vec<ResultColumn>), SqlError> {
        self.query(q, false)
    }

    /// A whole query. With `positional`, output columns are named `__c1…` in SQLite so an
    /// enclosing statement can rename or convert them.
    pub fn query(&mut self, q: &Query, positional: bool) -> Result<(String, Vec<ResultColumn>), SqlError> {
        if q.for_clause.is_some() {
            return Err(SqlError::unsupported("FOR XML / FOR JSON"));
        }
        if !q.locks.is_empty()
            || q.settings.is_some()
            || q.format_clause.is_some()
            || !q.pipe_operators.is_empty()
        {
            return Err(SqlError::unsupported("query clauses outside T-SQL"));
        }
        let mark = self.ctes.len();
        let result = self.query_inner(q, positional);
        self.ctes.truncate(mark);
        result
    }

    fn query_inner(&mut self, q: &Query, positional: bool) -> Result<(String, Vec<ResultColumn>), SqlError> {
        let with_sql = match &q.with {
            Some(w) => self.with(w)?,
            None => String::new(),
        };
        let mut limit = Limit::default();
        match &q.limit_clause {
            Some(LimitClause::LimitOffset { limit: None, offset: Some(o), limit_by })
                if limit_by.is_empty() =>
            {
                limit.offset = Some(self.expr(&o.value)?.sql);
            }
            Some(_) => return Err(SqlError::unsupported("LIMIT")),
            None => {}
        }
        if let Some(f) = &q.fetch {
            if f.with_ties || f.percent {
                return Err(SqlError::unsupported("FETCH … PERCENT / WITH TIES"));
            }
            if let Some(n) = &f.quantity {
                limit.limit = Some(self.expr(n)?.sql);
            }
        }
        let (sql, cols) = match q.body.as_ref() {
            SetExpr::Select(s) => self.select(s, q.order_by.as_ref(), limit, positional)?,
            other => {
                let (sql, cols) = self.set_expr(other, positional)?;
                let order = match &q.order_by {
                    Some(o) => compound_order(o, &cols)?,
                    None => String::new(),
                };
                (format!("{sql}{order}{}", limit.sql()), cols)
            }
        };
        Ok((format!("{with_sql}{sql}"), cols))
    }

    fn with(&mut self, with: &With) -> Result<String, SqlError> {
        let mut parts = Vec::new();
        for cte in &with.cte_tables {
            let name = cte.alias.name.value.clone();
            let listed: Vec<String> = cte.alias.columns.iter().map(|c| c.name.value.clone()).collect();
            let recursive = visit_relations(cte.query.as_ref(), |rel| {
                let parts = ident_parts(rel);
                if parts.len() == 1 && parts[0].eq_ignore_ascii_case(&name) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .is_break();
            if recursive {
                // The anchor (left of the UNION) gives the columns the recursive part sees.
                let SetExpr::SetOperation { left, .. } = cte.query.body.as_ref() else {
                    return Err(SqlError::unsupported("a recursive CTE without UNION ALL"));
                };
                let (_, anchor) = self.set_expr(left, false)?;
                let columns = rename(&name, anchor, &listed)?;
                self.ctes.push(Cte { name: name.clone(), columns });
            }
            let (sql, cols) = self.query(&cte.query, false)?;
            let columns = rename(&name, cols, &listed)?;
            let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
            parts.push(format!("{}({}) AS ({sql})", quote(&name), names.join(", ")));
            if recursive {
                self.ctes.pop();
            }
            self.ctes.push(Cte { name, columns });
        }
        Ok(format!("WITH RECURSIVE {} ", parts.join(", ")))
    }

    fn set_expr(&mut self, e: &SetExpr, positional: bool) -> Result<(String, Vec<ResultColumn>), SqlError> {
        match e {
            SetExpr::Select(s) => {
                let (sql, cols) = self.select(s, None, Limit::default(), positional)?;
                Ok(if s.top.is_some() { (format!("SELECT * FROM ({sql})"), cols) } else { (sql, cols) })
            }
            SetExpr::Query(q) => {
                let (sql, cols) = self.query(q, positional)?;
                Ok((format!("SELECT * FROM ({sql})"), cols))
            }
            SetExpr::SetOperation { left, op, set_quantifier, right } => {
                let (lsql, lcols) = self.set_expr(left, positional)?;
                let (rsql, rcols) = self.set_expr(right, false)?;
                if lcols.len() != rcols.len() {
                    return Err(SqlError::new(
                        205,
                        16,
                        "All queries combined using a UNION, INTERSECT or EXCEPT operator must have an equal number of expressions in their target lists.",
                    ));
                }
                let all = matches!(set_quantifier, SetQuantifier::All);
                let kw = match (op, all) {
                    (SetOperator::Union, true) => "UNION ALL",
                    (SetOperator::Union, false) => "UNION",
                    (SetOperator::Except, false) => "EXCEPT",
                    (SetOperator::Intersect, false) => "INTERSECT",
                    _ => return Err(SqlError::unsupported(&format!("{op} {set_quantifier}"))),
                };
                let cols = lcols
                    .into_iter()
                    .zip(rcols)
                    .map(|(l, r)| ResultColumn {
                        name: l.name,
                        ty: match (l.ty, r.ty) {
                            (Some(a), Some(b)) => Some(types::combine(&a, &b)),
                            (a, b) => a.or(b),
                        },
                        nullable: l.nullable || r.nullable,
                    })
                    .collect();
                Ok((format!("{lsql} {kw} {rsql}"), cols))
            }
            SetExpr::Values(v) => self.values(v, positional),
            _ => Err(SqlError::unsupported("DML as a query")),
        }
    }

    /// `VALUES (…), (…)` as a query: SQLite names its columns `column1…`.
    pub(super) fn values(
        &mut self,
        v: &Values,
        positional: bool,
    ) -> Result<(String, Vec<ResultColumn>), SqlError> {
        let mut rows = Vec::new();
        let mut cols: Vec<ResultColumn> = Vec::new();
        for row in &v.rows {
            let mut out = Vec::new();
            for (i, e) in row.content.iter().enumerate() {
                let ex = self.expr(e)?;
                match cols.get_mut(i) {
                    Some(c) => {
                        c.ty = match (c.ty, ex.ty) {
                            (Some(a), Some(b)) => Some(types::combine(&a, &b)),
                            (a, b) => a.or(b),
                        };
                        c.nullable |= ex.nullable;
                    }
                    None => cols.push(ResultColumn { name: String::new(), ty: ex.ty, nullable: ex.nullable }),
                }
                out.push(ex.sql);
            }
            if !rows.is_empty() && out.len() != cols.len() {
                return Err(SqlError::new(
                    10709,
                    16,
                    "The number of columns for each row in a table value constructor must be the same.",
                ));
            }
            rows.push(format!("({})", out.join(", ")));
        }
        let values = format!("VALUES {}", rows.join(", "));
        if !positional {
            return Ok((values, cols));
        }
        let list: Vec<String> = (1..=cols.len()).map(|i| format!("\"column{i}\" AS \"__c{i}\"")).collect();
        Ok((format!("SELECT {} FROM ({values})", list.join(", ")), cols))
    }

    fn select(
        &mut self,
        s: &Select,
        order_by: Option<&OrderBy>,
        limit: Limit,
        positional: bool,
    ) -> Result<(String, Vec<ResultColumn>), SqlError> {
        if s.into.is_some() {
            return Err(SqlError::unsupported("SELECT … INTO"));
        }
        if matches!(s.distinct, Some(Distinct::On(_))) {
            return Err(SqlError::unsupported("DISTINCT ON"));
        }
        if s.qualify.is_some()
            || !s.named_window.is_empty()
            || !s.lateral_views.is_empty()
            || s.prewhere.is_some()
        {
            return Err(SqlError::unsupported("QUALIFY / WINDOW / LATERAL VIEW"));
        }
        self.scopes.push(Scope::default());
        let result = self.select_in_scope(s, order_by, limit, positional);
        self.scopes.pop();
        result
    }

    /// Brings a resolved table, view or table-valued function into scope under its alias (or
    /// its own name) and returns its FROM item.
    pub(super) fn add_resolved_source(
        &mut self,
        obj: &crate::engine::ObjectName,
        alias: Option<&str>,
        resolved: crate::engine::ResolvedTable,
    ) -> String {
        let sql_alias = alias.map_or_else(|| obj.name.clone(), str::to_string);
        let names = match alias {
            Some(a) => vec![a.to_lowercase()],
            None => qualifiers(obj),
        };
        let columns = resolved
            .columns
            .iter()
            .map(|c| SCol { name: c.name.clone(), ty: Some(c.ty), nullable: c.nullable, collated: true })
            .collect();
        self.scope().sources.push(Source { names, sql_alias: Some(sql_alias.clone()), columns });
        format!("{} AS {}", resolved.sqlite_ref, quote(&sql_alias))
    }

    fn select_in_scope(
        &mut self,
        s: &Select,
        order_by: Option<&OrderBy>,
        mut limit: Limit,
        positional: bool,
    ) -> Result<(String, Vec<ResultColumn>), SqlError> {
        let from = self.from(&s.from)?;
        let where_sql = match &s.selection {
            Some(w) => format!(" WHERE {}", self.expr(w)?.sql),
            None => String::new(),
        };
        let distinct = matches!(s.distinct, Some(Distinct::Distinct));
        let items = self.projection(&s.projection)?;
        let mut list = Vec::new();
        let assigns = s.projection.iter().any(
            |item| matches!(item, SelectItem::ExprWithAlias { alias, .. } if super::dml::is_variable_alias(alias)),
        );
        for (i, (name, ex)) in items.iter().enumerate() {
            if assigns {
                return Err(SqlError::new(
                    141,
                    15,
                    "A SELECT statement that assigns a value to a variable must not be combined with data-retrieval operations.",
                ));
            }
            let sql = if distinct && ex.is_char() && !ex.collated { collate(ex) } else { ex.sql.clone() };
            let out_name = if positional || name.is_empty() { format!("__c{}", i + 1) } else { name.clone() };
            list.push(format!("{sql} AS {}", quote(&out_name)));
        }
        self.scope().aliases = items.iter().filter(|(n, _)| !n.is_empty()).cloned().collect();
        let group = match &s.group_by {
            GroupByExpr::Expressions(exprs, modifiers) if modifiers.is_empty() => {
                let mut parts = Vec::new();
                for e in exprs {
                    let ex = self.expr(e)?;
                    parts.push(if ex.is_char() && !ex.collated { collate(&ex) } else { ex.sql });
                }
                if parts.is_empty() { String::new() } else { format!(" GROUP BY {}", parts.join(", ")) }
            }
            _ => return Err(SqlError::unsupported("GROUP BY ALL / ROLLUP / CUBE / GROUPING SETS")),
        };
        let having = match &s.having {
            Some(h) => format!(" HAVING {}", self.expr(h)?.sql),
            None => String::new(),
        };
        let order = match order_by {
            Some(o) => self.order_by(o)?,
            None => String::new(),
        };
        if let Some(top) = &s.top {
            if top.percent || top.with_ties {
                return Err(SqlError::unsupported("TOP … PERCENT / WITH TIES"));
            }
            if limit.limit.is_some() || limit.offset.is_some() {
                return Err(SqlError::new(
                    10741,
                    15,
                    "A TOP can not be used in the same query or sub-query as a OFFSET.",
                ));
            }
            limit.limit = match &top.quantity {
                Some(TopQuantity::Constant(n)) => Some(n.to_string()),
                Some(TopQuantity::Expr(e)) => Some(self.expr(e)?.sql),
                None => None,
            };
        }
        let from_sql = if from.is_empty() { String::new() } else { format!(" FROM {from}") };
        let d = if distinct { "DISTINCT " } else { "" };
        let sql = format!(
            "SELECT {d}{}{from_sql}{where_sql}{group}{having}{order}{}",
            list.join(", "),
            limit.sql()
        );
        Ok((sql, result_columns(&items)))
    }

    /// The select list as (SQL Server column name, expression); `*` expanded.
    pub(super) fn projection(&mut self, items: &[SelectItem]) -> Result<Vec<(String, Ex)>, SqlError> {
        let mut out = Vec::new();
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let ex = self.expr(e)?;
                    let name = if ex.column { ex.name.clone() } else { String::new() };
                    out.push((name, ex));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let ex = self.expr(expr)?;
                    out.push((alias.value.clone(), ex));
                }
                SelectItem::Wildcard(_) => {
                    let sources = self.scope().sources.clone();
                    if sources.is_empty() {
                        return Err(SqlError::new(263, 16, "Must specify table to select from."));
                    }
                    for source in &sources {
                        out.extend(expand(source));
                    }
                }
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                    let q = ident_parts(name).join(".").to_lowercase();
                    let sources = self.scope().sources.clone();
                    let source = sources.iter().find(|s| s.names.contains(&q)).ok_or_else(|| {
                        SqlError::new(
                            4104,
                            16,
                            format!("The multi-part identifier \"{name}\" could not be bound."),
                        )
                    })?;
                    out.extend(expand(source));
                }
                other => return Err(SqlError::unsupported(&format!("select item {other}"))),
            }
        }
        Ok(out)
    }

    fn order_by(&mut self, o: &OrderBy) -> Result<String, SqlError> {
        let OrderByKind::Expressions(items) = &o.kind else {
            return Err(SqlError::unsupported("ORDER BY ALL"));
        };
        let mut parts = Vec::new();
        for item in items {
            let alias = match &item.expr {
                sqlparser::ast::Expr::Identifier(i) => self.alias(&i.value).map(|e| (i.value.clone(), e)),
                _ => None,
            };
            let (sql, ex) = match alias {
                Some((name, ex)) if !(ex.column && ex.name.eq_ignore_ascii_case(&name)) => (quote(&name), ex),
                _ => {
                    let ex = self.expr(&item.expr)?;
                    (ex.sql.clone(), ex)
                }
            };
            let sql = if ex.ty == Some(SqlType::UniqueIdentifier) {
                format!("{sql} COLLATE tsql_guid")
            } else if ex.is_decimal() && !ex.is_decimal_column() {
                // Cells of a decimal expression may be INTEGER, REAL or TEXT: sort by value.
                format!("tsql_dec_key({sql})")
            } else if ex.is_char() && !ex.collated {
                format!("{sql} COLLATE tsql_ci")
            } else {
                sql
            };
            let desc = if matches!(item.options.sort, Some(sqlparser::ast::OrderBySort::Desc)) {
                " DESC"
            } else {
                ""
            };
            parts.push(format!("{sql}{desc}"));
        }
        Ok(format!(" ORDER BY {}", parts.join(", ")))
    }

    fn from(&mut self, from: &[TableWithJoins]) -> Result<String, SqlError> {
        let mut parts = Vec::new();
        for twj in from {
            parts.push(self.table_with_joins(twj)?);
        }
        Ok(parts.join(", "))
    }

    pub(super) fn table_with_joins(&mut self, twj: &TableWithJoins) -> Result<String, SqlError> {
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
    fn applied_function(&mut self, f: &TableFactor) -> Option<Result<(String, String), SqlError>> {
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

    fn factor(&mut self, f: &TableFactor) -> Result<String, SqlError> {
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

/// The columns of a source as select items (`*`).
fn expand(source: &Source) -> Vec<(String, Ex)> {
    source
        .columns
        .iter()
        .map(|c| {
            let sql = match &source.sql_alias {
                Some(a) => format!("{}.{}", quote(a), quote(&c.name)),
                None => quote(&c.name),
            };
            let mut ex = Ex::new(sql, c.ty, c.nullable);
            ex.name = c.name.clone();
            ex.column = true;
            ex.collated = c.collated;
            (c.name.clone(), ex)
        })
        .collect()
}

/// Applies a column list (`AS x(a, b)`, `cte(a, b)`) to result columns; every column of a
/// derived table or CTE must have a name (8155).
fn rename(owner: &str, cols: Vec<ResultColumn>, listed: &[String]) -> Result<Vec<ResultColumn>, SqlError> {
    if !listed.is_empty() {
        if listed.len() != cols.len() {
            return Err(SqlError::new(
                8158,
                16,
                format!("'{owner}' has more columns than were specified in the column list."),
            ));
        }
        return Ok(cols
            .into_iter()
            .zip(listed)
            .map(|(c, n)| ResultColumn { name: n.clone(), ..c })
            .collect());
    }
    if let Some(i) = cols.iter().position(|c| c.name.is_empty()) {
        return Err(SqlError::new(
            8155,
            16,
            format!("No column name was specified for column {} of '{owner}'.", i + 1),
        ));
    }
    Ok(cols)
}

/// ORDER BY of a UNION/EXCEPT/INTERSECT: output columns by name or position.
fn compound_order(o: &OrderBy, cols: &[ResultColumn]) -> Result<String, SqlError> {
    let OrderByKind::Expressions(items) = &o.kind else {
        return Err(SqlError::unsupported("ORDER BY ALL"));
    };
    let mut parts = Vec::new();
    for item in items {
        let name = match &item.expr {
            sqlparser::ast::Expr::Identifier(i) => Some(i.value.clone()),
            sqlparser::ast::Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
            sqlparser::ast::Expr::Value(v) => match &v.value {
                sqlparser::ast::Value::Number(n, _) => {
                    parts.push(format!(
                        "{n}{}",
                        if matches!(item.options.sort, Some(sqlparser::ast::OrderBySort::Desc)) {
                            " DESC"
                        } else {
                            ""
                        }
                    ));
                    continue;
                }
                _ => None,
            },
            _ => None,
        };
        let pos = name.and_then(|n| cols.iter().position(|c| c.name.eq_ignore_ascii_case(&n))).ok_or_else(|| {
            SqlError::new(104, 16, "ORDER BY items must appear in the select list if the statement contains a UNION, INTERSECT or EXCEPT operator.")
        })?;
        let collation = match cols[pos].ty {
            Some(t) if t.is_character() => " COLLATE tsql_ci",
            Some(SqlType::UniqueIdentifier) => " COLLATE tsql_guid",
            _ => "",
        };
        let desc =
            if matches!(item.options.sort, Some(sqlparser::ast::OrderBySort::Desc)) { " DESC" } else { "" };
        parts.push(format!("{}{collation}{desc}", pos + 1));
    }
    Ok(format!(" ORDER BY {}", parts.join(", ")))
}
