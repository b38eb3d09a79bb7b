//! Queries: SELECT with joins, derived tables, CTEs (recursive too), set operations,
//! GROUP BY/HAVING, DISTINCT, ORDER BY, `TOP (n)` and `OFFSET … FETCH` → LIMIT/OFFSET.
//!
//! Every source is emitted with an explicit SQLite alias and every column reference is
//! qualified with it, so SQLite resolves names exactly as the translator did; `*` is expanded
//! here, which is also how its columns get their SQL Server types.

mod from;
mod select;

use std::ops::ControlFlow;

use sqlparser::ast::{
    LimitClause, OrderBy, OrderByKind, Query, SetExpr, SetOperator, SetQuantifier, Values, With,
    visit_relations,
};

use super::scope::{Cte, Ex, Source, Tr, ident_parts, quote};
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
}

/// The columns of a source as select items (`*`).
fn expand(source: &Source) -> Vec<(String, Ex)> {
    source.columns.iter().map(|c| (c.name.clone(), source.column(c))).collect()
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
