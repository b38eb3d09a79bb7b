//! RPC calls as SQL Server answers them: `sp_executesql` (procedure id 10, how tiberius, tedious
//! and python-tds send parameterised queries) and the prepared-statement procedures JDBC, ODBC
//! and FreeTDS use, `sp_prepare` (11), `sp_execute` (12), `sp_prepexec` (13), `sp_unprepare`
//! (15).
//!
//! Sources:
//! - "sp_prepare (Transact-SQL)": `sp_prepare handle OUTPUT, params, stmt [, options]` returns a
//!   handle (an int, 1 for a connection's first statement) for `sp_execute handle, values…`;
//!   "sp_prepexec (Transact-SQL)": `sp_prepexec handle OUTPUT, params, stmt, values…` prepares
//!   and runs at once; "sp_unprepare (Transact-SQL)": `sp_unprepare handle` discards it.
//!   A handle belongs to its connection; an unknown one is error 8179 ("Could not find prepared
//!   statement with handle %d.").
//! - MS-TDS 2.2.2.5, 2.2.2.6, 2.2.7.19: every RPC returns RETURNSTATUS and, for each OUTPUT
//!   parameter (the handle included), a RETURNVALUE with the parameter's ordinal in the call.
//! - "sp_executesql (Transact-SQL)" / "sp_execute": values may be passed without names; they
//!   then take the declared parameters' names in order.
//!
//! The cursor procedures (ids 1-9) and `sp_prepexecrpc` (14) are refused by name.

use super::sink::{ReturnValue, TdsSink};
use crate::engine::ResultSink;
use crate::engine::runtime::Session;
use crate::engine::runtime::xe::Completed;
use crate::error::SqlError;
use crate::tds::rpc::{
    RpcProc, RpcRequest, SP_EXECUTE, SP_EXECUTESQL, SP_PREPARE, SP_PREPEXEC, SP_UNPREPARE,
};
use crate::types::{Param, SqlType, Value};
use std::collections::HashMap;

/// A connection's prepared statements, by handle.
#[derive(Default)]
pub(crate) struct Prepared {
    statements: HashMap<i32, Statement>,
    last: i32,
}

struct Statement {
    sql: String,
    declaration: Option<String>,
}

impl Prepared {
    fn add(&mut self, sql: String, declaration: Option<String>) -> i32 {
        self.last += 1;
        self.statements.insert(self.last, Statement { sql, declaration });
        self.last
    }
}

/// Runs one RPC call and writes its answer (the caller ends it with RETURNSTATUS + DONEPROC).
pub(crate) fn run(session: &mut Session, prepared: &mut Prepared, rpc: RpcRequest, sink: &mut TdsSink<'_>) {
    let outcome = match procedure_id(&rpc.proc) {
        Some(SP_EXECUTESQL) => execute_sql(session, &rpc.params, sink),
        Some(SP_PREPARE) => prepare(prepared, &rpc.params, sink),
        Some(SP_EXECUTE) => execute(session, prepared, &rpc.params, sink),
        Some(SP_PREPEXEC) => prepexec(session, prepared, &rpc.params, sink),
        Some(SP_UNPREPARE) => unprepare(prepared, &rpc.params),
        Some(_) => Err(SqlError::unsupported(&rpc.proc.name())),
        None => {
            Err(SqlError::new(2812, 16, format!("Could not find stored procedure '{}'.", rpc.proc.name())))
        }
    };
    if let Err(e) = outcome {
        sink.error(&e);
        sink.done(None);
    }
}

/// The well-known id of a call by id or by (optionally `sys.`-qualified) name.
fn procedure_id(proc: &RpcProc) -> Option<u16> {
    match proc {
        RpcProc::Id(id) => (1..=15).contains(id).then_some(*id),
        RpcProc::Name(name) => {
            let bare = name.trim_start_matches("sys.").trim_start_matches("[sys].").trim_matches(['[', ']']);
            (1..=15).find(|id| RpcProc::Id(*id).name().eq_ignore_ascii_case(bare))
        }
    }
}

/// `sp_executesql stmt, params, values…`.
fn execute_sql(session: &mut Session, params: &[Param], sink: &mut TdsSink<'_>) -> Result<(), SqlError> {
    let sql = text(params.first(), "@statement")?;
    let declaration = optional_text(params.get(1));
    run_statement(session, &sql, declaration.as_deref(), params, 2, sink);
    Ok(())
}

/// `sp_prepare handle OUTPUT, params, stmt [, options]`.
fn prepare(prepared: &mut Prepared, params: &[Param], sink: &mut TdsSink<'_>) -> Result<(), SqlError> {
    let sql = text(params.get(2), "@stmt")?;
    let handle = prepared.add(sql, optional_text(params.get(1)));
    return_handle(params, handle, sink);
    Ok(())
}

/// `sp_execute handle, values…`.
fn execute(
    session: &mut Session,
    prepared: &Prepared,
    params: &[Param],
    sink: &mut TdsSink<'_>,
) -> Result<(), SqlError> {
    let handle = handle(params.first())?;
    let statement = prepared.statements.get(&handle).ok_or_else(|| not_prepared(handle))?;
    run_statement(session, &statement.sql, statement.declaration.as_deref(), params, 1, sink);
    Ok(())
}

/// `sp_prepexec handle OUTPUT, params, stmt, values…`.
fn prepexec(
    session: &mut Session,
    prepared: &mut Prepared,
    params: &[Param],
    sink: &mut TdsSink<'_>,
) -> Result<(), SqlError> {
    let sql = text(params.get(2), "@stmt")?;
    let declaration = optional_text(params.get(1));
    let handle = prepared.add(sql.clone(), declaration.clone());
    run_statement(session, &sql, declaration.as_deref(), params, 3, sink);
    return_handle(params, handle, sink);
    Ok(())
}

/// `sp_unprepare handle`.
fn unprepare(prepared: &mut Prepared, params: &[Param]) -> Result<(), SqlError> {
    let handle = handle(params.first())?;
    prepared.statements.remove(&handle).map(|_| ()).ok_or_else(|| not_prepared(handle))
}

/// Runs `sql` with the call's values (from `params[first..]`), then queues a RETURNVALUE for
/// each OUTPUT parameter with the value the statement left in it.
fn run_statement(
    session: &mut Session,
    sql: &str,
    declaration: Option<&str>,
    params: &[Param],
    first: usize,
    sink: &mut TdsSink<'_>,
) {
    let sent = params.get(first..).unwrap_or_default();
    let values = named_by_declaration(sent, declaration);
    let started = std::time::Instant::now();
    session.execute(sql, &values, sink);
    for (i, (as_sent, bound)) in sent.iter().zip(&values).enumerate().filter(|(_, (p, _))| p.output) {
        sink.return_value(ReturnValue {
            ordinal: (first + i) as u16,
            name: as_sent.name.clone(),
            ty: bound.ty,
            value: session.param_value(bound),
        });
    }
    session.xe_completed(&Completed::Rpc { sql, declaration, params: &values }, started);
}

/// Values sent without a name take the declared parameters' names, in order.
fn named_by_declaration(sent: &[Param], declaration: Option<&str>) -> Vec<Param> {
    let declared = declaration.map(declared_names).unwrap_or_default();
    sent.iter()
        .enumerate()
        .map(|(i, p)| match declared.get(i) {
            Some(name) if p.name.is_empty() => Param { name: name.clone(), ..p.clone() },
            _ => p.clone(),
        })
        .collect()
}

/// The parameter names of a declaration such as `@a int, @b decimal(10, 2) OUTPUT`.
fn declared_names(declaration: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut depth = 0i32;
    for c in declaration.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(String::new());
                continue;
            }
            _ => {}
        }
        pieces.last_mut().expect("one piece at least").push(c);
    }
    pieces
        .iter()
        .filter_map(|p| p.split_whitespace().next())
        .filter(|n| n.starts_with('@'))
        .map(String::from)
        .collect()
}

/// The handle as an OUTPUT parameter's RETURNVALUE (ordinal 0, the call's first parameter).
fn return_handle(params: &[Param], handle: i32, sink: &mut TdsSink<'_>) {
    if params.first().is_some_and(|p| p.output) {
        let name = params[0].name.clone();
        sink.return_value(ReturnValue {
            ordinal: 0,
            name,
            ty: SqlType::Int,
            value: Value::Int(handle.into()),
        });
    }
}

fn handle(param: Option<&Param>) -> Result<i32, SqlError> {
    match param.map(|p| &p.value) {
        Some(Value::Int(h)) => i32::try_from(*h).map_err(|_| not_prepared(*h)),
        _ => Err(not_prepared(0)),
    }
}

fn not_prepared(handle: impl std::fmt::Display) -> SqlError {
    SqlError::new(8179, 16, format!("Could not find prepared statement with handle {handle}."))
}

fn text(param: Option<&Param>, name: &str) -> Result<String, SqlError> {
    match param.map(|p| &p.value) {
        Some(Value::Str(s)) => Ok(s.clone()),
        _ => Err(SqlError::new(
            214,
            16,
            format!("Procedure expects parameter '{name}' of type 'ntext/nchar/nvarchar'."),
        )),
    }
}

fn optional_text(param: Option<&Param>) -> Option<String> {
    match param.map(|p| &p.value) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_names_skip_commas_inside_types() {
        assert_eq!(
            declared_names("@a int, @b decimal(10, 2) OUTPUT,@c nvarchar(max)"),
            vec!["@a", "@b", "@c"]
        );
        assert!(declared_names("").is_empty());
    }

    #[test]
    fn procedures_are_known_by_id_and_by_name() {
        assert_eq!(procedure_id(&RpcProc::Id(SP_PREPEXEC)), Some(SP_PREPEXEC));
        assert_eq!(procedure_id(&RpcProc::Name("sys.sp_prepare".into())), Some(SP_PREPARE));
        assert_eq!(procedure_id(&RpcProc::Name("SP_UNPREPARE".into())), Some(SP_UNPREPARE));
        assert_eq!(procedure_id(&RpcProc::Name("dbo.my_proc".into())), None);
        assert_eq!(procedure_id(&RpcProc::Id(99)), None);
    }

    #[test]
    fn unnamed_values_take_the_declared_names() {
        let p =
            |name: &str| Param { name: name.into(), ty: SqlType::Int, value: Value::Int(1), output: false };
        let named = named_by_declaration(&[p(""), p("@y")], Some("@x int, @y int"));
        assert_eq!(named.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["@x", "@y"]);
    }
}
