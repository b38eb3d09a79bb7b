//! Name resolution: the translator's state, the sources (tables, views, derived tables, CTEs)
//! visible to each query level, and the typed SQLite expression every T-SQL expression becomes.

use sqlparser::ast::{Ident, ObjectName as AstName, ObjectNamePart};

use super::prepass::KeyHint;
use crate::engine::{Catalog, ObjectName, ResultColumn};
use crate::error::SqlError;
use crate::types::SqlType;

/// A translated expression: SQLite text, SQL Server type (when known), nullability, the
/// column name SQL Server would give it, and whether it is a plain column reference.
#[derive(Clone, Debug)]
pub(super) struct Ex {
    pub sql: String,
    pub ty: Option<SqlType>,
    pub nullable: bool,
    pub name: String,
    pub column: bool,
    pub lit: Option<Lit>,
    pub aggregate: bool,
    /// Compares under a collation already (a base-table column or an explicit COLLATE).
    pub collated: bool,
}

/// A constant the translator can look into (datepart names, property names, styles).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Lit {
    Str(String),
    Num(String),
    Null,
}

impl Ex {
    pub fn new(sql: impl Into<String>, ty: Option<SqlType>, nullable: bool) -> Ex {
        Ex {
            sql: sql.into(),
            ty,
            nullable,
            name: String::new(),
            column: false,
            lit: None,
            aggregate: false,
            collated: false,
        }
    }

    pub fn is_char(&self) -> bool {
        self.ty.is_some_and(|t| t.is_character())
    }

    /// decimal, numeric, money or smallmoney: computed and compared exactly (`tsql_dec*`).
    pub fn is_decimal(&self) -> bool {
        self.ty.as_ref().is_some_and(super::types::is_exact_decimal)
    }

    /// A base-table decimal column: its cells are exact text under the `tsql_decimal`
    /// collation, so SQLite compares and sorts it in numeric order natively.
    pub fn is_decimal_column(&self) -> bool {
        self.column && self.collated && self.is_decimal()
    }

    pub fn lit_str(&self) -> Option<&str> {
        match &self.lit {
            Some(Lit::Str(s)) => Some(s),
            _ => None,
        }
    }
}

/// A column visible through a source.
#[derive(Clone, Debug)]
pub(super) struct SCol {
    pub name: String,
    pub ty: Option<SqlType>,
    pub nullable: bool,
    /// A base-table column, declared with its collation in SQLite.
    pub collated: bool,
}

/// A table, view, derived table or CTE in a FROM clause.
#[derive(Clone, Debug)]
pub(super) struct Source {
    /// Names that qualify its columns, lower-case: the alias, or `t`, `dbo.t`, `db.dbo.t`.
    pub names: Vec<String>,
    /// The SQLite alias to qualify columns with; `None` emits bare column names (CHECK, DEFAULT).
    pub sql_alias: Option<String>,
    pub columns: Vec<SCol>,
}

impl Source {
    /// One of its columns as an expression, qualified by its SQLite alias.
    pub(super) fn column(&self, c: &SCol) -> Ex {
        let sql = match &self.sql_alias {
            Some(a) => format!("{}.{}", quote(a), quote(&c.name)),
            None => quote(&c.name),
        };
        let mut ex = Ex::new(sql, c.ty, c.nullable);
        ex.name = c.name.clone();
        ex.column = true;
        ex.collated = c.collated;
        ex
    }
}

#[derive(Default, Debug)]
pub(super) struct Scope {
    pub sources: Vec<Source>,
    /// Select-list aliases, visible to ORDER BY.
    pub aliases: Vec<(String, Ex)>,
}

/// A CTE in scope: its name and result columns.
#[derive(Clone, Debug)]
pub(super) struct Cte {
    pub name: String,
    pub columns: Vec<ResultColumn>,
}

/// The translator for one statement.
pub(super) struct Tr<'a> {
    pub cat: &'a dyn Catalog,
    pub scopes: Vec<Scope>,
    pub ctes: Vec<Cte>,
    pub keys: &'a [KeyHint],
}

pub(super) fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

pub(super) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

pub(super) fn ident_parts(name: &AstName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.clone(),
            ObjectNamePart::Function(f) => f.name.value.clone(),
        })
        .collect()
}

/// `[db].[schema].[name]` as the engine's [`ObjectName`]; more than three parts (a linked
/// server) is refused.
pub(super) fn object_name(name: &AstName) -> Result<ObjectName, SqlError> {
    let parts = ident_parts(name);
    object_name_from(&parts)
}

pub(super) fn object_name_from(parts: &[String]) -> Result<ObjectName, SqlError> {
    let non_empty = |s: &String| if s.is_empty() { None } else { Some(s.clone()) };
    match parts {
        [n] => Ok(ObjectName { database: None, schema: None, name: n.clone() }),
        [s, n] => Ok(ObjectName { database: None, schema: non_empty(s), name: n.clone() }),
        [d, s, n] => Ok(ObjectName { database: non_empty(d), schema: non_empty(s), name: n.clone() }),
        _ => Err(SqlError::unsupported("four-part names (linked servers)")),
    }
}

/// The qualifier names a table can be referred to by: `t`, `dbo.t`, `db.dbo.t` (lower-case).
pub(super) fn qualifiers(name: &ObjectName) -> Vec<String> {
    let n = name.name.to_lowercase();
    let schema = name.schema.clone().unwrap_or_else(|| "dbo".to_string()).to_lowercase();
    let mut out = vec![n.clone(), format!("{schema}.{n}")];
    if let Some(db) = &name.database {
        out.push(format!("{}.{schema}.{n}", db.to_lowercase()));
    }
    out
}

impl<'a> Tr<'a> {
    pub fn new(cat: &'a dyn Catalog, keys: &'a [KeyHint]) -> Self {
        Tr { cat, scopes: Vec::new(), ctes: Vec::new(), keys }
    }

    pub fn scope(&mut self) -> &mut Scope {
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    pub fn find_cte(&self, name: &str) -> Option<Cte> {
        self.ctes.iter().rev().find(|c| c.name.eq_ignore_ascii_case(name)).cloned()
    }

    /// Resolves a column reference (`col`, `t.col`, `dbo.t.col`) through the scopes, innermost
    /// first: 207 when nothing has it, 209 when two sources of one level do.
    pub fn column(&self, parts: &[Ident]) -> Result<Ex, SqlError> {
        let (qualifier, col) = match parts {
            [] => return Err(SqlError::invalid_column("")),
            [c] => (None, &c.value),
            [rest @ .., c] => {
                let q: Vec<String> = rest.iter().map(|i| i.value.to_lowercase()).collect();
                (Some(q.join(".")), &c.value)
            }
        };
        let full = parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join(".");
        for scope in self.scopes.iter().rev() {
            let mut found: Option<Ex> = None;
            for source in &scope.sources {
                if let Some(q) = &qualifier
                    && !source.names.iter().any(|n| n == q)
                {
                    continue;
                }
                if let Some(c) = source.columns.iter().find(|c| c.name.eq_ignore_ascii_case(col)) {
                    if found.is_some() {
                        return Err(SqlError::new(209, 16, format!("Ambiguous column name '{col}'.")));
                    }
                    found = Some(source.column(c));
                }
            }
            if let Some(ex) = found {
                return Ok(ex);
            }
            if qualifier.is_some()
                && scope.sources.iter().any(|s| s.names.iter().any(|n| Some(n) == qualifier.as_ref()))
            {
                return Err(SqlError::invalid_column(col));
            }
        }
        if let Some(q) = qualifier
            && !self.scopes.iter().any(|s| s.sources.iter().any(|src| src.names.contains(&q)))
        {
            return Err(SqlError::new(
                4104,
                16,
                format!("The multi-part identifier \"{full}\" could not be bound."),
            ));
        }
        Err(SqlError::invalid_column(col))
    }

    /// A select-list alias visible to ORDER BY.
    pub fn alias(&self, name: &str) -> Option<Ex> {
        let scope = self.scopes.last()?;
        scope.aliases.iter().find(|(a, _)| a.eq_ignore_ascii_case(name)).map(|(_, e)| e.clone())
    }
}
