//! Statement dispatch, DML (INSERT, UPDATE [… FROM], DELETE [… FROM], TRUNCATE) and the
//! session statements that carry expressions (SELECT/SET assignment, DECLARE, PRINT).
//!
//! Values written to a column or variable are converted to its storage form first (a date
//! string becomes `YYYY-MM-DD HH:MM:SS.fffffff`, a GUID upper-case), so what SQLite keeps is
//! what [`crate::types::storage`] expects to read back.

use sqlparser::ast::{
    AssignmentTarget, BinaryOperator, Expr, FromTable, Ident, Insert, JoinConstraint, JoinOperator, Query,
    SelectItem, SetExpr, Statement, TableFactor, TableObject, TableWithJoins, Update, UpdateTableFromKind,
};

use super::scope::{Ex, Scope, Tr, ident_parts, object_name, quote};
use crate::engine::{ObjectName, ResolvedTable, Step, TableKind};
use crate::error::SqlError;
use crate::types::{Len, SqlType};

impl Tr<'_> {
    pub fn statement(&mut self, s: &Statement, text: &str) -> Result<Step, SqlError> {
        match s {
            Statement::Query(q) => self.select_statement(q),
            Statement::Insert(i) => self.insert(i),
            Statement::Update(u) => self.update(u),
            Statement::Delete(d) => self.delete(d),
            Statement::Truncate(t) => match t.table_names.as_slice() {
                [one] => Ok(Step::Truncate { table: object_name(&one.name)? }),
                _ => Err(SqlError::unsupported("TRUNCATE of several tables")),
            },
            Statement::CreateTable(ct) => self.create_table(ct),
            Statement::CreateIndex(ci) => self.create_index(ci),
            Statement::CreateView(cv) => self.create_view(cv, text),
            Statement::Drop { object_type, if_exists, names, table, .. } => {
                self.drop(*object_type, *if_exists, names, table.as_ref())
            }
            Statement::AlterTable(at) => self.alter_table(at),
            other => {
                let text = other.to_string();
                let words: Vec<&str> = text.split_whitespace().take(2).collect();
                Err(SqlError::unsupported(&words.join(" ")))
            }
        }
    }

    fn select_statement(&mut self, q: &Query) -> Result<Step, SqlError> {
        if let SetExpr::Select(select) = q.body.as_ref() {
            let targets: Vec<String> = select
                .projection
                .iter()
                .filter_map(|item| match item {
                    SelectItem::ExprWithAlias { alias, .. } if is_variable_alias(alias) => {
                        Some(alias.value.clone())
                    }
                    _ => None,
                })
                .collect();
            if !targets.is_empty() {
                if targets.len() != select.projection.len() {
                    return Err(SqlError::new(
                        141,
                        15,
                        "A SELECT statement that assigns a value to a variable must not be combined with data-retrieval operations.",
                    ));
                }
                if !select.from.is_empty() && assigns_from_itself(&select.projection, &targets) {
                    // SQL Server assigns row by row, so `@v = @v + x` accumulates over the rows;
                    // the simulator evaluates every row against the variable's value before the
                    // statement, which would silently keep only the last row's x.
                    return Err(SqlError::unsupported(
                        "SELECT @v = … @v … FROM (a variable accumulated over rows; use STRING_AGG or SUM)",
                    ));
                }
                let mut plain = q.clone();
                if let SetExpr::Select(s) = plain.body.as_mut() {
                    for item in s.projection.iter_mut() {
                        if let SelectItem::ExprWithAlias { expr, .. } = item {
                            *item = SelectItem::UnnamedExpr(expr.clone());
                        }
                    }
                }
                let (sql, cols) = self.query(&plain, true)?;
                let sql = self.convert_outputs(&sql, &cols, &targets)?;
                return Ok(Step::Assign { sql, targets });
            }
        }
        let (sql, columns) = self.query(q, false)?;
        Ok(Step::Query { sql, columns })
    }

    /// Wraps a positional query so each output is converted to its variable's type.
    fn convert_outputs(
        &mut self,
        sql: &str,
        cols: &[crate::engine::ResultColumn],
        targets: &[String],
    ) -> Result<String, SqlError> {
        let mut list = Vec::new();
        let mut changed = false;
        for (i, (col, target)) in cols.iter().zip(targets).enumerate() {
            let ty = self.cat.variable_type(target).ok_or_else(|| SqlError::undeclared_variable(target))?;
            let ex = Ex::new(format!("\"__c{}\"", i + 1), col.ty, true);
            let out = self.coerce(ex.clone(), ty);
            changed |= out.sql != ex.sql;
            list.push(out.sql);
        }
        Ok(if changed { format!("SELECT {} FROM ({sql})", list.join(", ")) } else { sql.to_string() })
    }

    /// `SET @x = expr`, `SET @x += expr`.
    pub fn set_variable(
        &mut self,
        name: &str,
        op: Option<&BinaryOperator>,
        value: &Expr,
    ) -> Result<Step, SqlError> {
        let ty = self.cat.variable_type(name).ok_or_else(|| SqlError::undeclared_variable(name))?;
        let ex = match op {
            None => self.expr(value)?,
            Some(op) => self.expr(&Expr::BinaryOp {
                left: Box::new(Expr::Identifier(Ident::new(name))),
                op: op.clone(),
                right: Box::new(value.clone()),
            })?,
        };
        let ex = self.coerce(ex, ty);
        Ok(Step::Assign { sql: format!("SELECT {}", ex.sql), targets: vec![name.to_string()] })
    }

    pub fn declare(&mut self, name: &str, ty: SqlType, init: Option<&Expr>) -> Result<Step, SqlError> {
        let init = match init {
            Some(e) => {
                let ex = self.expr(e)?;
                Some(self.coerce(ex, ty).sql)
            }
            None => None,
        };
        Ok(Step::Declare { name: name.to_string(), ty, init })
    }

    pub fn print(&mut self, e: &Expr) -> Result<Step, SqlError> {
        let ex = self.expr(e)?;
        let ex =
            if ex.is_char() { ex } else { self.convert(ex, SqlType::NVarChar(Len::N(4000)), None, false) };
        Ok(Step::Print { expr: ex.sql })
    }

    /// Resolves a DML target: tables only (views and catalog views are not updatable here).
    fn target(&mut self, name: &sqlparser::ast::ObjectName) -> Result<(ObjectName, ResolvedTable), SqlError> {
        let obj = object_name(name)?;
        let resolved = self.cat.resolve_table(&obj)?;
        match resolved.kind {
            TableKind::Table => Ok((obj, resolved)),
            TableKind::View => Err(SqlError::unsupported("INSERT/UPDATE/DELETE through a view")),
            TableKind::Catalog => {
                Err(SqlError::new(259, 16, "Ad hoc updates to system catalogs are not allowed."))
            }
        }
    }

    fn insert(&mut self, ins: &Insert) -> Result<Step, SqlError> {
        if ins.output.is_some() || ins.returning.is_some() {
            return Err(SqlError::unsupported("INSERT … OUTPUT"));
        }
        if ins.or.is_some() || ins.ignore || ins.overwrite || ins.on.is_some() || !ins.assignments.is_empty()
        {
            return Err(SqlError::unsupported("INSERT options outside T-SQL"));
        }
        let TableObject::TableName(name) = &ins.table else {
            return Err(SqlError::unsupported("INSERT into a table function"));
        };
        let (obj, resolved) = self.target(name)?;
        let named: Vec<String> =
            ins.columns.iter().map(|c| ident_parts(c).last().cloned().unwrap_or_default()).collect();
        self.cat.check_identity_insert(&obj, (!named.is_empty()).then_some(named.as_slice()))?;
        let columns: Vec<crate::types::Column> = if ins.columns.is_empty() {
            let skip = self.cat.generated_columns(&obj);
            resolved
                .columns
                .iter()
                .filter(|c| !skip.iter().any(|s| s.eq_ignore_ascii_case(&c.name)))
                .cloned()
                .collect()
        } else {
            let mut out = Vec::new();
            for c in &ins.columns {
                let parts = ident_parts(c);
                let n = parts.last().cloned().unwrap_or_default();
                let col = resolved
                    .columns
                    .iter()
                    .find(|rc| rc.name.eq_ignore_ascii_case(&n))
                    .ok_or_else(|| SqlError::invalid_column(&n))?;
                out.push(col.clone());
            }
            out
        };
        let list: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
        let head = format!("INSERT INTO {} ({})", resolved.sqlite_ref, list.join(", "));
        let Some(source) = &ins.source else {
            return Ok(Step::Modify {
                sql: format!("INSERT INTO {} DEFAULT VALUES", resolved.sqlite_ref),
                table: obj,
            });
        };
        let body = match source.body.as_ref() {
            SetExpr::Values(v) if source.with.is_none() && source.order_by.is_none() => {
                let mut rows = Vec::new();
                let rowversion = self.cat.rowversion_column(&obj);
                for row in &v.rows {
                    if row.content.len() != columns.len() {
                        return Err(count_mismatch(row.content.len() > columns.len()));
                    }
                    let mut vals = Vec::new();
                    for (e, col) in row.content.iter().zip(&columns) {
                        if is_default_keyword(e) {
                            // A rowversion column takes DEFAULT (or NULL) and is stamped by the
                            // server (rowversion's documentation); other columns' defaults are
                            // not applied inside VALUES here.
                            if rowversion.as_ref().is_some_and(|r| r.eq_ignore_ascii_case(&col.name)) {
                                vals.push("NULL".to_string());
                                continue;
                            }
                            return Err(SqlError::unsupported(
                                "DEFAULT in a VALUES list (except for a rowversion column)",
                            ));
                        }
                        let ex = self.expr(e)?;
                        vals.push(self.coerce(ex, col.ty).sql);
                    }
                    rows.push(format!("({})", vals.join(", ")));
                }
                format!("VALUES {}", rows.join(", "))
            }
            _ => {
                let (sql, cols) = self.query(source, true)?;
                if cols.len() != columns.len() {
                    return Err(count_mismatch(cols.len() > columns.len()));
                }
                let mut outs = Vec::new();
                let mut changed = false;
                for (i, (rc, col)) in cols.iter().zip(&columns).enumerate() {
                    let ex = Ex::new(format!("\"__c{}\"", i + 1), rc.ty, true);
                    let out = self.coerce(ex.clone(), col.ty);
                    changed |= out.sql != ex.sql;
                    outs.push(out.sql);
                }
                if changed { format!("SELECT {} FROM ({sql})", outs.join(", ")) } else { sql }
            }
        };
        Ok(Step::Modify { sql: format!("{head} {body}"), table: obj })
    }

    fn update(&mut self, u: &Update) -> Result<Step, SqlError> {
        if u.output.is_some()
            || u.returning.is_some()
            || u.or.is_some()
            || !u.order_by.is_empty()
            || u.limit.is_some()
        {
            return Err(SqlError::unsupported("UPDATE … OUTPUT / ORDER BY / LIMIT"));
        }
        let TableFactor::Table { name, alias, .. } = &u.table.relation else {
            return Err(SqlError::unsupported("UPDATE of a derived table"));
        };
        if !u.table.joins.is_empty() {
            return Err(SqlError::unsupported("UPDATE with joins before SET"));
        }
        let from: &[TableWithJoins] = match &u.from {
            Some(UpdateTableFromKind::AfterSet(f)) | Some(UpdateTableFromKind::BeforeSet(f)) => f,
            None => &[],
        };
        self.scopes.push(Scope::default());
        let result = self.update_in_scope(u, name, alias.as_ref().map(|a| a.name.value.clone()), from);
        self.scopes.pop();
        result
    }

    fn update_in_scope(
        &mut self,
        u: &Update,
        name: &sqlparser::ast::ObjectName,
        alias: Option<String>,
        from: &[TableWithJoins],
    ) -> Result<Step, SqlError> {
        let written = ident_parts(name);
        // `UPDATE o SET … FROM orders o JOIN …`: the target is named by an alias in FROM.
        let in_from =
            if alias.is_none() && written.len() == 1 { find_target(from, &written[0]) } else { None };
        let (target_name, target_alias, rest, mut conds) = match in_from {
            Some((i, j)) => {
                let (target, alias, rest, conds) = detach(from, i, j)?;
                (target, alias, rest, conds)
            }
            None => (name.clone(), alias, from.to_vec(), Vec::new()),
        };
        let (obj, resolved) = self.target(&target_name)?;
        let target_sql = self.add_resolved_source(&obj, target_alias.as_deref(), resolved.clone());
        let mut from_parts = Vec::new();
        for twj in &rest {
            from_parts.push(self.table_with_joins(twj)?);
        }
        let mut sets = Vec::new();
        for a in &u.assignments {
            let AssignmentTarget::ColumnName(col) = &a.target else {
                return Err(SqlError::unsupported("UPDATE SET (a, b) = …"));
            };
            let parts = ident_parts(col);
            let col_name = parts.last().cloned().unwrap_or_default();
            if col_name.starts_with('@') {
                return Err(SqlError::unsupported("UPDATE … SET @variable = …"));
            }
            let column = resolved
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&col_name))
                .ok_or_else(|| SqlError::invalid_column(&col_name))?;
            let ex = self.expr(&a.value)?;
            let ex = self.coerce(ex, column.ty);
            sets.push(format!("{} = {}", quote(&column.name), ex.sql));
        }
        let mut cond_sql = Vec::new();
        for c in conds.drain(..) {
            cond_sql.push(self.expr(&c)?.sql);
        }
        if let Some(w) = &u.selection {
            cond_sql.push(self.expr(w)?.sql);
        }
        let from_sql =
            if from_parts.is_empty() { String::new() } else { format!(" FROM {}", from_parts.join(", ")) };
        let where_sql = if cond_sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", cond_sql.iter().map(|c| format!("({c})")).collect::<Vec<_>>().join(" AND "))
        };
        let sql = format!("UPDATE {target_sql} SET {}{from_sql}{where_sql}", sets.join(", "));
        Ok(Step::Modify { sql, table: obj })
    }

    fn delete(&mut self, d: &sqlparser::ast::Delete) -> Result<Step, SqlError> {
        if d.output.is_some()
            || d.returning.is_some()
            || !d.order_by.is_empty()
            || d.limit.is_some()
            || d.using.is_some()
        {
            return Err(SqlError::unsupported("DELETE … OUTPUT / ORDER BY / LIMIT / USING"));
        }
        let from = match &d.from {
            FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
        };
        self.scopes.push(Scope::default());
        let result = self.delete_in_scope(d, from);
        self.scopes.pop();
        result
    }

    fn delete_in_scope(
        &mut self,
        d: &sqlparser::ast::Delete,
        from: &[TableWithJoins],
    ) -> Result<Step, SqlError> {
        let simple = d.tables.is_empty()
            && from.len() == 1
            && from[0].joins.is_empty()
            && matches!(from[0].relation, TableFactor::Table { args: None, .. });
        if simple {
            let TableFactor::Table { name, alias, .. } = &from[0].relation else {
                return Err(SqlError::unsupported("DELETE"));
            };
            let (obj, resolved) = self.target(name)?;
            let alias = alias.as_ref().map(|a| a.name.value.clone());
            let target_sql = self.add_resolved_source(&obj, alias.as_deref(), resolved);
            let where_sql = match &d.selection {
                Some(w) => format!(" WHERE {}", self.expr(w)?.sql),
                None => String::new(),
            };
            return Ok(Step::Modify { sql: format!("DELETE FROM {target_sql}{where_sql}"), table: obj });
        }
        // DELETE t FROM t JOIN …: delete the target rows the join selects, by rowid.
        let target = match d.tables.as_slice() {
            [one] => ident_parts(one),
            [] => match &from.first().map(|f| &f.relation) {
                Some(TableFactor::Table { name, .. }) => ident_parts(name),
                _ => return Err(SqlError::unsupported("DELETE from a derived table")),
            },
            _ => return Err(SqlError::unsupported("DELETE of several tables")),
        };
        let mut parts = Vec::new();
        for twj in from {
            parts.push(self.table_with_joins(twj)?);
        }
        let key = target.join(".").to_lowercase();
        let (alias, names) = {
            let source = self.scope().sources.iter().find(|s| s.names.contains(&key)).cloned();
            match source {
                Some(s) => (s.sql_alias.clone().unwrap_or_default(), s.names.clone()),
                None => return Err(SqlError::invalid_object(&target.join("."))),
            }
        };
        let _ = names;
        let table_name =
            find_table_name(from, &key).ok_or_else(|| SqlError::invalid_object(&target.join(".")))?;
        let (obj, resolved) = self.target(&table_name)?;
        let where_sql = match &d.selection {
            Some(w) => format!(" WHERE {}", self.expr(w)?.sql),
            None => String::new(),
        };
        let sql = format!(
            "DELETE FROM {} WHERE rowid IN (SELECT {}.rowid FROM {}{where_sql})",
            resolved.sqlite_ref,
            quote(&alias),
            parts.join(", ")
        );
        Ok(Step::Modify { sql, table: obj })
    }
}

fn count_mismatch(more_columns_than_values: bool) -> SqlError {
    if more_columns_than_values {
        SqlError::new(
            110,
            15,
            "There are fewer columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.",
        )
    } else {
        SqlError::new(
            109,
            15,
            "There are more columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.",
        )
    }
}

/// The name a FROM table is referred to by: its alias, else its last name part.
fn exposed(f: &TableFactor) -> Option<(String, sqlparser::ast::ObjectName, Option<String>)> {
    match f {
        TableFactor::Table { name, alias, args: None, .. } => {
            let parts = ident_parts(name);
            let alias = alias.as_ref().map(|a| a.name.value.clone());
            let exposed = alias.clone().or_else(|| parts.last().cloned())?;
            Some((exposed, name.clone(), alias))
        }
        _ => None,
    }
}

/// Where in FROM the UPDATE target is: (table-with-joins index, 0 for its relation or j+1 for join j).
fn find_target(from: &[TableWithJoins], name: &str) -> Option<(usize, usize)> {
    for (i, twj) in from.iter().enumerate() {
        if exposed(&twj.relation).is_some_and(|(e, _, _)| e.eq_ignore_ascii_case(name)) {
            return Some((i, 0));
        }
        for (j, join) in twj.joins.iter().enumerate() {
            if exposed(&join.relation).is_some_and(|(e, _, _)| e.eq_ignore_ascii_case(name)) {
                return Some((i, j + 1));
            }
        }
    }
    None
}

fn find_table_name(from: &[TableWithJoins], key: &str) -> Option<sqlparser::ast::ObjectName> {
    from.iter()
        .flat_map(|twj| std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)))
        .filter_map(exposed)
        .find(|(e, name, alias)| {
            e.eq_ignore_ascii_case(key)
                || (alias.is_none() && ident_parts(name).join(".").eq_ignore_ascii_case(key))
        })
        .map(|(_, name, _)| name)
}

type Detached = (sqlparser::ast::ObjectName, Option<String>, Vec<TableWithJoins>, Vec<Expr>);

/// Takes the UPDATE target out of FROM: its inner joins become WHERE conditions and the
/// other tables stay in FROM (SQLite's UPDATE … FROM must not name the target again).
fn detach(from: &[TableWithJoins], i: usize, j: usize) -> Result<Detached, SqlError> {
    let twj = &from[i];
    let mut conds = Vec::new();
    let mut factors = vec![twj.relation.clone()];
    for join in &twj.joins {
        match &join.join_operator {
            JoinOperator::Join(c) | JoinOperator::Inner(c) | JoinOperator::CrossJoin(c) => {
                if let JoinConstraint::On(e) = c {
                    conds.push(e.clone());
                }
            }
            _ => return Err(SqlError::unsupported("UPDATE … FROM with an outer join on the target's side")),
        }
        factors.push(join.relation.clone());
    }
    let target = factors.remove(j);
    let Some((_, name, alias)) = exposed(&target) else {
        return Err(SqlError::unsupported("UPDATE of a derived table"));
    };
    let mut rest: Vec<TableWithJoins> =
        from.iter().enumerate().filter(|(k, _)| *k != i).map(|(_, t)| t.clone()).collect();
    rest.extend(factors.into_iter().map(|f| TableWithJoins { relation: f, joins: Vec::new() }));
    Ok((name, alias, rest, conds))
}

/// `SELECT @v = expr` assigns; `SELECT expr AS [@v]` is a column merely named `@v`.
/// True when an assigned expression reads one of the variables the SELECT assigns.
fn assigns_from_itself(projection: &[SelectItem], targets: &[String]) -> bool {
    use std::ops::ControlFlow;
    projection.iter().any(|item| {
        let SelectItem::ExprWithAlias { expr, .. } = item else { return false };
        sqlparser::ast::visit_expressions(expr, |e| match e {
            Expr::Identifier(i) if targets.iter().any(|t| t.eq_ignore_ascii_case(&i.value)) => {
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        })
        .is_break()
    })
}

pub(super) fn is_variable_alias(alias: &sqlparser::ast::Ident) -> bool {
    alias.quote_style.is_none() && alias.value.starts_with('@')
}

/// The `DEFAULT` keyword as a value of INSERT … VALUES (the parser reads it as a bare name).
fn is_default_keyword(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("DEFAULT"))
}
