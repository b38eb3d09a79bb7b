//! T-SQL → SQLite, construct by construct.
//!
//! [`parse_batch`] splits a batch into statements: a small pre-pass ([`prepass`]) fixes what
//! sqlparser's `MsSqlDialect` misparses or rejects (table and query hints, `CLUSTERED`, `GO`,
//! statements that run together without semicolons), the simple session statements (`SET`,
//! `DECLARE`, `BEGIN TRAN`, `USE`, `PRINT`, …) are read by hand ([`batch`]), and everything
//! else goes to sqlparser. [`translate`] turns one [`Parsed`] statement into a [`Step`]: SQLite
//! SQL plus SQL Server result types derived from the T-SQL and the [`Catalog`].
//!
//! | file | concern |
//! |---|---|
//! | `prepass.rs` | token-level rewrite of the batch text (strings, brackets, comments untouched), over the one lexer's tokens (`runtime/lexer.rs`) |
//! | `batch.rs` | statement splitting, session statements, syntax errors (102) |
//! | `types.rs` | SQL Server type rules: literals, precedence, arithmetic, aggregates |
//! | `scope.rs` | name resolution: sources, columns, CTEs |
//! | `expr.rs` | expressions, operators, CAST/CONVERT, collation |
//! | `builtins/` | scalar (by family: logical, strings, math, dates, metadata), aggregate and window functions |
//! | `query/` | queries, CTEs, set operations, TOP/OFFSET; one SELECT (`select.rs`); FROM and joins (`from.rs`) |
//! | `dml.rs` | INSERT, UPDATE, DELETE, TRUNCATE, assignments |
//! | `ddl.rs` | CREATE/DROP/ALTER TABLE, INDEX, VIEW |
//! | `raise.rs` | RAISERROR, THROW |
//!
//! Anything not translated is refused with [`SqlError::unsupported`] naming the construct:
//! a clear error, never a wrong answer.

mod batch;
mod builtins;
mod ddl;
mod dml;
mod expr;
mod prepass;
mod query;
mod raise;
mod scope;
mod types;

#[cfg(test)]
mod tests;

use sqlparser::ast::{Expr, Statement};

use crate::engine::{Catalog, Step};
use crate::error::SqlError;
use crate::types::SqlType;

pub use batch::parse_batch;
pub use types::global_variable_type;

/// One parsed statement of a batch, ready for [`translate`].
#[derive(Clone, Debug)]
pub struct Parsed {
    kind: Kind,
    line: i32,
    text: String,
    /// The statement's byte range in the batch as sent (comments before it excluded).
    span: std::ops::Range<usize>,
    keys: Vec<prepass::KeyHint>,
}

impl Parsed {
    /// The 1-based line of the statement's first token within the batch.
    pub fn line(&self) -> i32 {
        self.line
    }

    /// The statement's T-SQL text as written (for view definitions and error context).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The statement's byte range in the batch text it was parsed from, as sent.
    pub fn span(&self) -> std::ops::Range<usize> {
        self.span.clone()
    }
}

/// What a statement is, as far as parsing could tell.
#[derive(Clone, Debug)]
enum Kind {
    Sql(Box<Statement>),
    SetOption {
        name: String,
        value: String,
    },
    SetVariable {
        name: String,
        op: Option<sqlparser::ast::BinaryOperator>,
        value: Box<Expr>,
    },
    Declare {
        name: String,
        ty: SqlType,
        init: Option<Box<Expr>>,
    },
    Begin(Option<String>),
    Commit,
    Rollback(Option<String>),
    Save(String),
    Use(String),
    Print(Box<Expr>),
    CreateDatabase(String),
    Dbcc {
        command: String,
        args: Vec<String>,
    },
    /// RAISERROR (msg, severity, state, args…) [WITH …]
    Raise(Vec<Expr>, raise::RaiseOptions),
    /// THROW number, message, state
    Throw(Vec<Expr>),
    /// A server-level statement (CREATE LOGIN, msdb.dbo.sp_add_job, …): runtime::instance_objects.
    InstanceObject,
}

/// Translates one statement into a [`Step`], asking `catalog` for every table, view and
/// variable it names.
pub fn translate(stmt: &Parsed, catalog: &dyn Catalog) -> Result<Step, SqlError> {
    let mut tr = scope::Tr::new(catalog, &stmt.keys);
    let result = match &stmt.kind {
        Kind::Sql(statement) => tr.statement(statement, &stmt.text),
        Kind::SetOption { name, value } => Ok(Step::SetOption { name: name.clone(), value: value.clone() }),
        Kind::SetVariable { name, op, value } => tr.set_variable(name, op.as_ref(), value),
        Kind::Declare { name, ty, init } => tr.declare(name, *ty, init.as_deref()),
        Kind::Begin(name) => Ok(Step::Begin { name: name.clone() }),
        Kind::Commit => Ok(Step::Commit),
        Kind::Rollback(name) => Ok(Step::Rollback { name: name.clone() }),
        Kind::Save(name) => Ok(Step::Save { name: name.clone() }),
        Kind::Use(db) => {
            if catalog.database_exists(db) {
                Ok(Step::Use { database: db.clone() })
            } else {
                Err(SqlError::no_such_database(db))
            }
        }
        Kind::Print(e) => tr.print(e),
        Kind::CreateDatabase(name) => Ok(Step::CreateDatabase { name: name.clone() }),
        Kind::Dbcc { command, args } => Ok(Step::Dbcc { command: command.clone(), args: args.clone() }),
        Kind::Raise(args, options) => tr.raiserror(args, options),
        Kind::Throw(args) => tr.throw(args),
        Kind::InstanceObject => Ok(Step::InstanceObject { text: stmt.text.clone() }),
    };
    result.map_err(|e| e.at_line(stmt.line))
}
