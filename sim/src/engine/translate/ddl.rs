//! DDL: CREATE TABLE → [`TableDef`], CREATE INDEX → [`IndexDef`], CREATE VIEW, DROP, ALTER
//! TABLE ADD. The runtime creates the SQLite objects and the catalog metadata from these.

use sqlparser::ast::{
    AlterTable, AlterTableOperation, ColumnDef as AstColumnDef, ColumnOption, CreateIndex, CreateTable,
    CreateView, Expr, IdentityParameters, IdentityPropertyFormatKind, IdentityPropertyKind, IndexColumn,
    ObjectName as AstName, ObjectType, TableConstraint,
};

use super::prepass::KeyHint;
use super::scope::{Ex, SCol, Scope, Source, Tr, ident_parts, object_name, object_name_from, quote};
use crate::engine::{
    ColumnDef, DropKind, ForeignKeyDef, IndexDef, KeyDef, ObjectName, ResultColumn, Step, TableDef,
};
use crate::error::SqlError;
use crate::types::SqlType;

fn unknown_type(text: &str, n: usize) -> SqlError {
    SqlError::new(2715, 16, format!("Column, parameter, or variable #{n}: Cannot find data type {text}."))
}

fn key_columns(cols: &[IndexColumn]) -> Result<Vec<(String, bool)>, SqlError> {
    cols.iter()
        .map(|c| {
            let desc = matches!(c.column.options.sort, Some(sqlparser::ast::OrderBySort::Desc));
            match &c.column.expr {
                Expr::Identifier(i) => Ok((i.value.clone(), desc)),
                other => Err(SqlError::unsupported(&format!("index key expression {other}"))),
            }
        })
        .collect()
}

fn identity(params: Option<&IdentityPropertyFormatKind>) -> Result<(i64, i64), SqlError> {
    let num = |e: &Expr| -> Result<i64, SqlError> {
        let text = e.to_string().replace(' ', "");
        text.parse::<i64>().map_err(|_| SqlError::syntax(&text))
    };
    match params {
        None => Ok((1, 1)),
        Some(IdentityPropertyFormatKind::FunctionCall(IdentityParameters { seed, increment }))
        | Some(IdentityPropertyFormatKind::StartAndIncrement(IdentityParameters { seed, increment })) => {
            Ok((num(seed)?, num(increment)?))
        }
    }
}

/// SQL Server's stored form of a default: `((0))` for numbers, `(expr)` otherwise.
fn default_text(e: &Expr) -> String {
    match e {
        Expr::Value(v) if matches!(v.value, sqlparser::ast::Value::Number(..)) => format!("(({e}))"),
        Expr::Nested(_) => format!("({e})"),
        _ => format!("({e})"),
    }
}

impl Tr<'_> {
    fn next_key(&mut self, want_pk: bool) -> Option<bool> {
        let pos = self.keys.iter().position(|k| {
            matches!((k, want_pk), (KeyHint::PrimaryKey(_), true) | (KeyHint::Unique(_), false))
        })?;
        let hint = self.keys[pos];
        self.keys = &self.keys[pos + 1..];
        match hint {
            KeyHint::PrimaryKey(c) | KeyHint::Unique(c) => c,
            KeyHint::Index(_) => None,
        }
    }

    /// A table's columns as a scope for CHECK and DEFAULT expressions (bare column names).
    fn table_scope(&mut self, columns: &[ColumnDef]) {
        let cols = columns
            .iter()
            .map(|c| SCol { name: c.name.clone(), ty: Some(c.ty), nullable: c.nullable, collated: true })
            .collect();
        self.scopes.push(Scope {
            sources: vec![Source { names: Vec::new(), sql_alias: None, columns: cols }],
            aliases: Vec::new(),
        });
    }

    fn expr_text(&mut self, e: &Expr) -> Result<(String, Ex), SqlError> {
        Ok((e.to_string(), self.expr(e)?))
    }

    pub fn create_table(&mut self, ct: &CreateTable) -> Result<Step, SqlError> {
        if ct.query.is_some() || ct.like.is_some() || ct.clone.is_some() || ct.or_replace {
            return Err(SqlError::unsupported("CREATE TABLE … AS / LIKE / CLONE"));
        }
        let name = object_name(&ct.name)?;
        let mut def = TableDef {
            name,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
        };
        let mut column_checks = Vec::new();
        for (n, c) in ct.columns.iter().enumerate() {
            let col = self.column_def(c, n + 1, &mut def, &mut column_checks)?;
            def.columns.push(col);
        }
        for constraint in &ct.constraints {
            self.table_constraint(constraint, &mut def, &mut column_checks)?;
        }
        if let Some(pk) = &def.primary_key {
            for (col, _) in &pk.columns {
                match def.columns.iter_mut().find(|c| c.name.eq_ignore_ascii_case(col)) {
                    Some(c) => c.nullable = false,
                    None => {
                        return Err(SqlError::new(
                            1911,
                            16,
                            format!("Column name '{col}' does not exist in the target table or view."),
                        ));
                    }
                }
            }
        }
        let columns = def.columns.clone();
        self.table_scope(&columns);
        let result: Result<(), SqlError> =
            column_checks.into_iter().try_for_each(|(cname, e): (Option<String>, Expr)| {
                let (text, ex) = self.expr_text(&e)?;
                def.checks.push((cname, format!("({text})"), ex.sql));
                Ok(())
            });
        self.scopes.pop();
        result?;
        Ok(Step::CreateTable(def))
    }

    /// One column definition; its inline constraints go into `def`, CHECKs into `checks`.
    fn column_def(
        &mut self,
        c: &AstColumnDef,
        n: usize,
        def: &mut TableDef,
        checks: &mut Vec<(Option<String>, Expr)>,
    ) -> Result<ColumnDef, SqlError> {
        let text = c.data_type.to_string();
        let rowversion = crate::engine::runtime::rowversion::is_rowversion_type(&text);
        let ty = if rowversion {
            SqlType::Binary(8)
        } else {
            SqlType::parse(&text).ok_or_else(|| unknown_type(&text, n))?
        };
        let mut col = ColumnDef {
            name: c.name.value.clone(),
            ty,
            nullable: true,
            identity: None,
            default: None,
            computed: None,
            collation: None,
            rowversion,
        };
        // A rowversion column is NOT NULL unless declared NULL (then it is a varbinary(8)).
        if rowversion {
            col.nullable = c.options.iter().any(|o| matches!(o.option, ColumnOption::Null));
        }
        for opt in &c.options {
            let cname = opt.name.as_ref().map(|i| i.value.clone());
            match &opt.option {
                ColumnOption::Null => {
                    col.nullable = true;
                    if rowversion {
                        col.ty = SqlType::VarBinary(crate::types::Len::N(8));
                    }
                }
                ColumnOption::NotNull => col.nullable = false,
                ColumnOption::Default(e) => {
                    self.scopes.push(Scope::default());
                    let ex = self.expr(e);
                    self.scopes.pop();
                    let ex = self.coerce(ex?, ty);
                    col.default = Some((default_text(e), ex.sql));
                }
                ColumnOption::PrimaryKey(pk) => {
                    let clustered = self.next_key(true).unwrap_or(true);
                    let name = pk.name.as_ref().map(|i| i.value.clone()).or(cname);
                    set_primary_key(
                        def,
                        KeyDef { name, columns: vec![(col.name.clone(), false)], clustered },
                    )?;
                    col.nullable = false;
                }
                ColumnOption::Unique(u) => {
                    let clustered = self.next_key(false).unwrap_or(false);
                    let name = u.name.as_ref().map(|i| i.value.clone()).or(cname);
                    def.uniques.push(KeyDef { name, columns: vec![(col.name.clone(), false)], clustered });
                }
                ColumnOption::ForeignKey(fk) => {
                    let name = fk.name.as_ref().map(|i| i.value.clone()).or(cname);
                    def.foreign_keys.push(ForeignKeyDef {
                        name,
                        columns: vec![col.name.clone()],
                        references: object_name(&fk.foreign_table)?,
                        referenced_columns: fk.referred_columns.iter().map(|i| i.value.clone()).collect(),
                    });
                }
                ColumnOption::Check(ck) => {
                    checks.push((ck.name.as_ref().map(|i| i.value.clone()).or(cname), (*ck.expr).clone()))
                }
                ColumnOption::Identity(IdentityPropertyKind::Identity(p)) => {
                    if !ty.is_integer() && !matches!(ty, SqlType::Decimal { scale: 0, .. }) {
                        return Err(SqlError::new(
                            2749,
                            16,
                            format!(
                                "Identity column '{}' must be of data type int, bigint, smallint, tinyint, or decimal or numeric with a scale of 0, and constrained to be nonnullable.",
                                col.name
                            ),
                        ));
                    }
                    col.identity = Some(identity(p.parameters.as_ref())?);
                    col.nullable = false;
                }
                ColumnOption::Collation(name) => col.collation = Some(name.to_string()),
                ColumnOption::DialectSpecific(tokens)
                    if tokens.iter().all(|t| t.to_string().eq_ignore_ascii_case("ROWGUIDCOL")) => {}
                other => return Err(SqlError::unsupported(&format!("column option {other}"))),
            }
        }
        Ok(col)
    }

    fn table_constraint(
        &mut self,
        constraint: &TableConstraint,
        def: &mut TableDef,
        checks: &mut Vec<(Option<String>, Expr)>,
    ) -> Result<(), SqlError> {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                let clustered = self.next_key(true).unwrap_or(true);
                let key = KeyDef {
                    name: pk.name.as_ref().map(|i| i.value.clone()),
                    columns: key_columns(&pk.columns)?,
                    clustered,
                };
                set_primary_key(def, key)
            }
            TableConstraint::Unique(u) => {
                let clustered = self.next_key(false).unwrap_or(false);
                def.uniques.push(KeyDef {
                    name: u.name.as_ref().map(|i| i.value.clone()),
                    columns: key_columns(&u.columns)?,
                    clustered,
                });
                Ok(())
            }
            TableConstraint::ForeignKey(fk) => {
                def.foreign_keys.push(ForeignKeyDef {
                    name: fk.name.as_ref().map(|i| i.value.clone()),
                    columns: fk.columns.iter().map(|i| i.value.clone()).collect(),
                    references: object_name(&fk.foreign_table)?,
                    referenced_columns: fk.referred_columns.iter().map(|i| i.value.clone()).collect(),
                });
                Ok(())
            }
            TableConstraint::Check(ck) => {
                checks.push((ck.name.as_ref().map(|i| i.value.clone()), (*ck.expr).clone()));
                Ok(())
            }
            other => Err(SqlError::unsupported(&format!("table constraint {other}"))),
        }
    }

    pub fn create_index(&mut self, ci: &CreateIndex) -> Result<Step, SqlError> {
        if ci.predicate.is_some() {
            return Err(SqlError::unsupported("filtered indexes (CREATE INDEX … WHERE)"));
        }
        let name = ci
            .name
            .as_ref()
            .map(ident_parts)
            .and_then(|p| p.last().cloned())
            .ok_or_else(|| SqlError::syntax("ON"))?;
        let clustered = self.keys.iter().find_map(|k| match k {
            KeyHint::Index(c) => Some(c.unwrap_or(false)),
            _ => None,
        });
        let key = KeyDef {
            name: Some(name.clone()),
            columns: key_columns(&ci.columns)?,
            clustered: clustered.unwrap_or(false),
        };
        Ok(Step::CreateIndex(IndexDef {
            name,
            table: object_name(&ci.table_name)?,
            key,
            unique: ci.unique,
            include: ci.include.iter().map(|i| i.value.clone()).collect(),
        }))
    }

    pub fn create_view(&mut self, cv: &CreateView, text: &str) -> Result<Step, SqlError> {
        if cv.materialized || cv.or_replace || cv.temporary {
            return Err(SqlError::unsupported("CREATE MATERIALIZED/OR REPLACE/TEMPORARY VIEW"));
        }
        if cv.or_alter {
            return Err(SqlError::unsupported("CREATE OR ALTER VIEW"));
        }
        let name = object_name(&cv.name)?;
        let listed: Vec<String> = cv.columns.iter().map(|c| c.name.value.clone()).collect();
        let (sql, cols) = self.query(&cv.query, !listed.is_empty())?;
        let (sql, columns) = if listed.is_empty() {
            if let Some(i) = cols.iter().position(|c| c.name.is_empty()) {
                return Err(SqlError::new(
                    4511,
                    16,
                    format!(
                        "Create View or Function failed because no column name was specified for column {}.",
                        i + 1
                    ),
                ));
            }
            (sql, cols)
        } else {
            if listed.len() != cols.len() {
                return Err(SqlError::new(
                    8159,
                    16,
                    format!("'{}' has fewer columns than were specified in the column list.", name.name),
                ));
            }
            let renamed: Vec<ResultColumn> =
                cols.into_iter().zip(&listed).map(|(c, n)| ResultColumn { name: n.clone(), ..c }).collect();
            let list: Vec<String> = renamed
                .iter()
                .enumerate()
                .map(|(i, c)| format!("\"__c{}\" AS {}", i + 1, quote(&c.name)))
                .collect();
            (format!("SELECT {} FROM ({sql})", list.join(", ")), renamed)
        };
        Ok(Step::CreateView { name, sql, definition: text.to_string(), columns })
    }

    pub fn drop(
        &mut self,
        kind: ObjectType,
        if_exists: bool,
        names: &[AstName],
        table: Option<&AstName>,
    ) -> Result<Step, SqlError> {
        let [one] = names else {
            return Err(SqlError::unsupported("DROP of several objects in one statement"));
        };
        let (kind, name) = match kind {
            ObjectType::Table => (DropKind::Table, object_name(one)?),
            ObjectType::View => (DropKind::View, object_name(one)?),
            ObjectType::Database => (DropKind::Database, object_name(one)?),
            ObjectType::Index => {
                // `DROP INDEX ix ON [db.][schema.]t` or `DROP INDEX t.ix`: `schema` carries the
                // table as written (`t` or `dbo.t`), `name` the index.
                let (table_parts, index) = match table {
                    Some(t) => (ident_parts(t), ident_parts(one).last().cloned().unwrap_or_default()),
                    None => {
                        let mut parts = ident_parts(one);
                        let index = parts.pop().unwrap_or_default();
                        (parts, index)
                    }
                };
                if table_parts.is_empty() {
                    return Err(SqlError::new(
                        159,
                        15,
                        "Must specify the table name and index name for the DROP INDEX statement.",
                    ));
                }
                let t = object_name_from(&table_parts)?;
                let schema = match &t.schema {
                    Some(s) => format!("{s}.{}", t.name),
                    None => t.name.clone(),
                };
                (DropKind::Index, ObjectName { database: t.database, schema: Some(schema), name: index })
            }
            other => return Err(SqlError::unsupported(&format!("DROP {other}"))),
        };
        Ok(Step::Drop { kind, name, if_exists })
    }

    pub fn alter_table(&mut self, at: &AlterTable) -> Result<Step, SqlError> {
        let table = object_name(&at.name)?;
        match at.operations.as_slice() {
            [AlterTableOperation::AddColumn { column_def, .. }] => {
                let mut def = TableDef {
                    name: table.clone(),
                    columns: Vec::new(),
                    primary_key: None,
                    uniques: Vec::new(),
                    foreign_keys: Vec::new(),
                    checks: Vec::new(),
                };
                let mut checks = Vec::new();
                let column = self.column_def(column_def, 1, &mut def, &mut checks)?;
                if def.primary_key.is_some()
                    || !def.uniques.is_empty()
                    || !def.foreign_keys.is_empty()
                    || !checks.is_empty()
                {
                    return Err(SqlError::unsupported("constraints in ALTER TABLE … ADD column"));
                }
                Ok(Step::AlterTableAdd { table, column })
            }
            [op] => {
                let text = op.to_string();
                let words: Vec<&str> = text.split_whitespace().take(2).collect();
                Err(SqlError::unsupported(&format!("ALTER TABLE … {}", words.join(" "))))
            }
            _ => Err(SqlError::unsupported("ALTER TABLE with several operations")),
        }
    }
}

fn set_primary_key(def: &mut TableDef, key: KeyDef) -> Result<(), SqlError> {
    if def.primary_key.is_some() {
        return Err(SqlError::new(
            8110,
            16,
            format!("Cannot add multiple PRIMARY KEY constraints to table '{}'.", def.name.name),
        ));
    }
    def.primary_key = Some(key);
    Ok(())
}
