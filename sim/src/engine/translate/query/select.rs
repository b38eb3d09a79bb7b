//! One SELECT: its sources in a scope, the projection (`*` expanded with its types), WHERE,
//! GROUP BY/HAVING, DISTINCT, TOP and ORDER BY.

use sqlparser::ast::{
    Distinct, GroupByExpr, OrderBy, OrderByKind, Select, SelectItem, SelectItemQualifiedWildcardKind,
    TopQuantity,
};

use super::super::expr::collate;
use super::super::scope::{Ex, SCol, Scope, Source, Tr, ident_parts, qualifiers, quote};
use super::*;
use crate::engine::ResultColumn;
use crate::error::SqlError;
use crate::types::SqlType;

impl Tr<'_> {
    pub(super) fn select(
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
    pub(in crate::engine::translate) fn add_resolved_source(
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

    pub(super) fn select_in_scope(
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
            |item| matches!(item, SelectItem::ExprWithAlias { alias, .. } if super::super::dml::is_variable_alias(alias)),
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
    pub(in crate::engine::translate) fn projection(
        &mut self,
        items: &[SelectItem],
    ) -> Result<Vec<(String, Ex)>, SqlError> {
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

    pub(super) fn order_by(&mut self, o: &OrderBy) -> Result<String, SqlError> {
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
}
