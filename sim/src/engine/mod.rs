//! The SQL engine behind the simulator: T-SQL in, SQLite underneath, SQL Server types out.
//!
//! - [`translate`] parses a T-SQL batch (sqlparser's MsSqlDialect plus fixes for its known
//!   misparses) and turns each statement into a [`Step`]: SQLite SQL plus the SQL Server result
//!   types derived from the T-SQL and the catalog. It never executes anything.
//! - [`functions`] registers the T-SQL scalar functions SQLite lacks (`tsql_*`) on a connection.
//! - [`runtime`] owns instances, databases (one SQLite file each), logins, sessions and the
//!   catalog; it executes steps and streams rows to a [`ResultSink`].
//!
//! The seam to the protocol layer is [`runtime::Instance::connect`] → [`runtime::Session`] →
//! [`runtime::Session::execute`] with a [`ResultSink`].

pub mod functions;
pub mod runtime;
pub mod translate;

use crate::error::SqlError;
use crate::types::{Cell, Column, SqlType};

/// The client went away or cancelled: stop producing rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// Where a session's results go (the TDS writer in the server, a collecting sink in tests).
///
/// Per statement the engine calls `columns` then `row`* then `done`, or `error` then `done`.
/// Statements that return no rows call `done` only.
pub trait ResultSink {
    /// A result set starts; `columns` carry SQL Server types and nullability.
    fn columns(&mut self, columns: &[Column]) -> Result<(), Stop>;
    /// One row, as SQLite stored it; the receiver converts each cell with its column's type.
    /// `Err(Stop)` when the client is gone, or when a cell does not convert to its column's
    /// type (then [`ResultSink::take_row_error`] says why).
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), Stop>;
    /// The error that made the last `row` stop (a value out of its column type's range, text
    /// that is not a date…): the engine reports it as the statement's error, as SQL Server
    /// does (e.g. 8115 arithmetic overflow), instead of ending the result set silently.
    fn take_row_error(&mut self) -> Option<SqlError> {
        None
    }
    /// A statement finished; `rows` is the row count (SELECT rows sent, or DML rows affected),
    /// `None` for statements that have no count (DDL, SET, DECLARE).
    fn done(&mut self, rows: Option<u64>);
    /// An error raised by the current statement.
    fn error(&mut self, error: &SqlError);
    /// An informational message (class 0-10), e.g. PRINT or "Changed database context".
    fn info(&mut self, number: i32, message: &str);
    /// An informational message with its own state, class (0-10) and line (RAISERROR with a
    /// severity of 10 or less); sinks that keep only number and text get those.
    fn message(&mut self, message: &SqlError) {
        self.info(message.number, &message.message);
    }
    /// The session's current database changed (USE): the server sends an ENVCHANGE.
    fn database_changed(&mut self, from: &str, to: &str);
    /// The outermost transaction began, committed or rolled back: the server sends ENVCHANGE
    /// 8, 9 or 10 with the transaction descriptor (MS-TDS 2.2.7.9).
    fn transaction_changed(&mut self, change: TransactionChange) {
        let _ = change;
    }
    /// True once the client has sent ATTENTION; the engine stops at the next row.
    fn cancelled(&self) -> bool;
}

/// A transaction boundary, with its 8-byte descriptor (drivers echo it in the ALL_HEADERS
/// transaction-descriptor header of later requests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionChange {
    Begin(u64),
    Commit(u64),
    Rollback(u64),
}

/// A table, view or catalog view name as written: `[db].[schema].[name]`, any part optional but
/// the last. Parts are unquoted (brackets removed), case preserved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectName {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub name: String,
}

/// What a name resolves to: how to refer to it in SQLite, and its SQL Server columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedTable {
    /// A SQLite table reference, e.g. `main."dbo.orders"`, `"shop"."dbo.orders"`,
    /// `temp."sys.tables"`, or a parenthesised subquery for table-valued functions.
    pub sqlite_ref: String,
    pub columns: Vec<Column>,
    pub kind: TableKind,
}

/// A table-valued function joined per row: `table` joined `ON table.key_i = argument_i` (or,
/// when the key's flag is true, `argument_i IS NULL OR …`: a NULL argument matches all rows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedFunction {
    pub table: ResolvedTable,
    pub keys: Vec<(String, bool)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    Table,
    View,
    /// sys.*, INFORMATION_SCHEMA.*, DMVs: read-only, refreshed by the runtime.
    Catalog,
}

/// What the translator may ask the runtime while translating one statement.
pub trait Catalog {
    /// The session's current database name.
    fn current_database(&self) -> String;
    /// Resolves a table, view or catalog view; errors are SQL Server's (208 invalid object,
    /// 300 permission denied on a DMV, 911 no such database).
    fn resolve_table(&self, name: &ObjectName) -> Result<ResolvedTable, SqlError>;
    /// Resolves a table-valued function call such as `sys.dm_io_virtual_file_stats(NULL, NULL)`;
    /// `args` are already-translated SQLite expressions.
    fn resolve_table_function(&self, name: &ObjectName, args: &[String]) -> Result<ResolvedTable, SqlError>;
    /// A table-valued function applied per row of the left side (`CROSS APPLY
    /// sys.dm_exec_sql_text(qs.sql_handle)`): the table to join and, per argument, the column
    /// it must equal. `None` (the default): the function cannot be applied that way.
    fn resolve_applied_function(&self, name: &ObjectName, arg_count: usize) -> Option<AppliedFunction> {
        let _ = (name, arg_count);
        None
    }
    /// The declared type of a variable or parameter (`@P1`, `@n`), with its `@`.
    fn variable_type(&self, name: &str) -> Option<SqlType>;
    /// True when a database of that name exists on the instance.
    fn database_exists(&self, name: &str) -> bool;
    /// Columns an INSERT without a column list leaves out (IDENTITY and computed columns).
    /// The default (none) suits catalogs that have no such columns.
    fn generated_columns(&self, table: &ObjectName) -> Vec<String> {
        let _ = table;
        Vec::new()
    }
    /// Checks an INSERT's explicit column list (`None`: no list) against the table's IDENTITY
    /// column and the session's `SET IDENTITY_INSERT` ("SET IDENTITY_INSERT (Transact-SQL)"):
    /// 544 for an identity value while it is OFF, 545 for none while it is ON. The default
    /// (no identity columns) accepts everything.
    fn check_identity_insert(&self, table: &ObjectName, columns: Option<&[String]>) -> Result<(), SqlError> {
        let _ = (table, columns);
        Ok(())
    }
    /// The table's rowversion (`timestamp`) column, if it has one: an INSERT may give it
    /// `DEFAULT` or `NULL` and the server stamps it. The default (none) suits catalogs without.
    fn rowversion_column(&self, table: &ObjectName) -> Option<String> {
        let _ = table;
        None
    }
}

/// A result column as the translator derived it. `ty: None` means "unknown from the T-SQL":
/// the runtime falls back to SQLite's declared type, then to the first row's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultColumn {
    pub name: String,
    pub ty: Option<SqlType>,
    pub nullable: bool,
}

/// A column in CREATE TABLE / ALTER TABLE ADD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    /// IDENTITY(seed, increment)
    pub identity: Option<(i64, i64)>,
    /// DEFAULT: the T-SQL text (for sys.default_constraints) and its SQLite expression.
    pub default: Option<(String, String)>,
    /// A computed column: T-SQL text and SQLite expression.
    pub computed: Option<(String, String)>,
    /// Explicit COLLATE, if any.
    pub collation: Option<String>,
    /// A `rowversion`/`timestamp` column (`ty` is binary(8), or varbinary(8) when nullable).
    pub rowversion: bool,
}

/// PRIMARY KEY / UNIQUE constraint, or an index's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyDef {
    pub name: Option<String>,
    /// (column, descending)
    pub columns: Vec<(String, bool)>,
    pub clustered: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKeyDef {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub references: ObjectName,
    pub referenced_columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDef {
    pub name: ObjectName,
    pub columns: Vec<ColumnDef>,
    pub primary_key: Option<KeyDef>,
    pub uniques: Vec<KeyDef>,
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// CHECK constraints: (name, T-SQL text, SQLite expression)
    pub checks: Vec<(Option<String>, String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexDef {
    pub name: String,
    pub table: ObjectName,
    pub key: KeyDef,
    pub unique: bool,
    pub include: Vec<String>,
}

/// One translated statement, ready for the runtime to execute.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Run SQLite `sql` and stream its rows as a result set with `columns`.
    Query {
        sql: String,
        columns: Vec<ResultColumn>,
    },
    /// Run SQLite `sql` (INSERT/UPDATE/DELETE); report rows affected.
    Modify {
        sql: String,
        table: ObjectName,
    },
    CreateTable(TableDef),
    CreateIndex(IndexDef),
    /// CREATE VIEW: the SQLite SELECT, the T-SQL definition text, and its columns.
    CreateView {
        name: ObjectName,
        sql: String,
        definition: String,
        columns: Vec<ResultColumn>,
    },
    Drop {
        kind: DropKind,
        name: ObjectName,
        if_exists: bool,
    },
    AlterTableAdd {
        table: ObjectName,
        column: ColumnDef,
    },
    Truncate {
        table: ObjectName,
    },
    CreateDatabase {
        name: String,
    },
    Use {
        database: String,
    },
    /// DECLARE @name type [= init]; `init` is a SQLite expression (may use parameters).
    Declare {
        name: String,
        ty: SqlType,
        init: Option<String>,
    },
    /// SET @name = expr / SELECT @a = x, @b = y FROM …: run `sql` (a SELECT returning one column
    /// per target, in order), assign the last row's values to `targets`.
    Assign {
        sql: String,
        targets: Vec<String>,
    },
    /// BEGIN TRAN [name]
    Begin {
        name: Option<String>,
    },
    Commit,
    /// ROLLBACK [TRAN [name]]: `name` may be the outermost transaction's or a savepoint's.
    Rollback {
        name: Option<String>,
    },
    /// SAVE TRAN name
    Save {
        name: String,
    },
    /// SET NOCOUNT ON, SET DEADLOCK_PRIORITY LOW, SET TRANSACTION ISOLATION LEVEL …: accepted.
    SetOption {
        name: String,
        value: String,
    },
    /// PRINT expr (a SQLite expression).
    Print {
        expr: String,
    },
    /// RAISERROR: values read and checked when it runs (`runtime::raise`).
    Raise(Box<RaiseStep>),
    /// THROW number, message, state: SQLite expressions.
    Throw {
        number: String,
        message: String,
        state: String,
    },
    /// A statement accepted and ignored (e.g. `GO`-free no-ops); nothing is sent but DONE.
    NoOp,
    /// `DBCC command(args)`: upper-case command, arguments as written (strings unquoted).
    Dbcc {
        command: String,
        args: Vec<String>,
    },
    /// A server-level statement (logins, credentials, Agent jobs, linked servers, server
    /// triggers, ALTER DATABASE options, trace flags), run by `runtime::instance_objects`.
    InstanceObject {
        text: String,
    },
}

/// RAISERROR's arguments as SQLite expressions, with its WITH options.
#[derive(Clone, Debug, PartialEq)]
pub struct RaiseStep {
    /// The message string (or `msg_id` when `by_id`).
    pub message: String,
    pub by_id: bool,
    pub severity: String,
    pub state: String,
    /// Substitution arguments and what their declared types make them.
    pub args: Vec<(String, RaiseArg)>,
    pub log: bool,
    pub nowait: bool,
    pub seterror: bool,
}

/// A RAISERROR substitution argument's kind, from its declared type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaiseArg {
    Null,
    /// tinyint, smallint, int
    Int,
    BigInt,
    /// char, varchar, nchar, nvarchar
    Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropKind {
    Table,
    View,
    Index,
    Database,
}

/// What the T-SQL scalar functions need from the session and instance. Implemented by the
/// runtime per session; the functions module registers `tsql_*` SQLite functions that call it.
pub trait FunctionContext: Send + Sync {
    /// The instance clock (tests drive it), as UTC.
    fn now_utc(&self) -> chrono::NaiveDateTime;
    /// The instance's UTC offset in minutes (GETDATE = now_utc + offset).
    fn utc_offset_minutes(&self) -> i32;
    /// SERVERPROPERTY('name'); `None` → NULL, as SQL Server does for unknown properties.
    fn server_property(&self, name: &str) -> Option<crate::types::Value>;
    /// DATABASEPROPERTYEX(db, 'prop').
    fn database_property(&self, database: &str, property: &str) -> Option<crate::types::Value>;
    /// DB_NAME() (current database) or DB_NAME(id).
    fn database_name(&self, id: Option<i64>) -> Option<String>;
    /// DB_ID() (current database) or DB_ID('name').
    fn database_id(&self, name: Option<&str>) -> Option<i64>;
    /// OBJECT_ID('[db.][schema.]name'[, type]).
    fn object_id(&self, name: &str, object_type: Option<&str>) -> Option<i64>;
    /// OBJECT_NAME(id[, db_id]).
    fn object_name(&self, id: i64, database_id: Option<i64>) -> Option<String>;
    /// SCHEMA_NAME([id]) (default schema `dbo` when `None`).
    fn schema_name(&self, id: Option<i64>) -> Option<String>;
    /// SCHEMA_ID(['name']).
    fn schema_id(&self, name: Option<&str>) -> Option<i64>;
    /// HAS_PERMS_BY_NAME(securable, class, permission): 1, 0 or NULL.
    fn has_perms_by_name(&self, securable: Option<&str>, class: &str, permission: &str) -> Option<i64>;
    /// @@VERSION, @@SERVERNAME, @@SERVICENAME, @@SPID, @@ROWCOUNT, @@TRANCOUNT, @@LANGUAGE, … (name without @@, upper-case).
    fn global(&self, name: &str) -> crate::types::Value;
    /// SUSER_SNAME() / SYSTEM_USER / ORIGINAL_LOGIN().
    fn login_name(&self) -> String;
    /// USER_NAME() / CURRENT_USER.
    fn user_name(&self) -> String;
    /// `database`'s rowversion counter: its next value (`next`, for the rowversion triggers)
    /// or the last one used (`@@DBTS`), as 8 big-endian bytes; `None` for no such database.
    fn rowversion(&self, database: &str, next: bool) -> Option<Vec<u8>> {
        let _ = (database, next);
        None
    }
}
