//! Stories about the runtime, told through `Step`s built by hand (as the translator would
//! build them), so they do not depend on the translator.

mod batch_text;
mod batches;
mod catalog_views;
mod change_tracking;
mod constraints;
mod dmv;
mod instances;
mod options;
mod perf;
mod raise;
mod recovery;
mod rowlocks;
mod rowversion;
mod sessions;
mod tables;
mod transactions;

use super::catalog::{CatalogNeed, SessionCatalog};
use super::{CollectSink, Instance, InstanceConfig, LoginDef, Session};
use crate::engine::{Catalog, ColumnDef, KeyDef, ObjectName, ResultColumn, Step, TableDef};
use crate::error::SqlError;
use crate::types::{Param, SqlType, Value};

pub(crate) fn instance() -> Instance {
    let mut config = InstanceConfig::default_with_sa("Secret#1");
    config.logins.push(LoginDef::monitor("monitor", "m0n!tor"));
    Instance::start(config).expect("instance starts")
}

pub(crate) fn sa(instance: &Instance, database: &str) -> Session {
    instance.connect("sa", "Secret#1", Some(database), "tests", "localhost").expect("sa connects")
}

/// An instance with a `shop` database and an sa session in it.
pub(crate) fn shop() -> (Instance, Session) {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let s = sa(&inst, "shop");
    (inst, s)
}

pub(crate) fn name(text: &str) -> ObjectName {
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        [n] => ObjectName { database: None, schema: None, name: n.to_string() },
        [s, n] => ObjectName { database: None, schema: Some(s.to_string()), name: n.to_string() },
        [d, s, n] => {
            ObjectName { database: Some(d.to_string()), schema: Some(s.to_string()), name: n.to_string() }
        }
        _ => panic!("bad name {text}"),
    }
}

pub(crate) fn col(name: &str, ty: &str, nullable: bool) -> ColumnDef {
    ColumnDef {
        name: name.to_string(),
        ty: SqlType::parse(ty).expect("type parses"),
        nullable,
        identity: None,
        default: None,
        computed: None,
        collation: None,
        rowversion: false,
    }
}

pub(crate) fn key(columns: &[&str]) -> KeyDef {
    KeyDef { name: None, columns: columns.iter().map(|c| (c.to_string(), false)).collect(), clustered: true }
}

pub(crate) fn table(table: &str, columns: Vec<ColumnDef>, pk: Option<KeyDef>) -> TableDef {
    TableDef {
        name: name(table),
        columns,
        primary_key: pk,
        uniques: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
    }
}

/// Runs one step and returns what the client would have seen.
/// Runs a T-SQL batch; the sink holds what it returned.
pub(crate) fn exec(s: &mut Session, sql: &str) -> CollectSink {
    let mut sink = CollectSink::new();
    s.execute(sql, &[], &mut sink);
    sink
}

/// The first column of the last result's first row (the batch must not fail).
pub(crate) fn scalar(s: &mut Session, sql: &str) -> Value {
    let out = exec(s, sql);
    assert!(out.errors.is_empty(), "{sql}: {:?}", out.errors);
    out.results.last().expect("a result set").rows[0][0].clone()
}

pub(crate) fn run(session: &mut Session, step: Step) -> CollectSink {
    let mut sink = CollectSink::new();
    session.execute_step(&step, &mut sink);
    sink
}

pub(crate) fn run_ok(session: &mut Session, step: Step) -> CollectSink {
    let sink = run(session, step);
    assert!(sink.errors.is_empty(), "unexpected errors: {:?}", sink.errors);
    sink
}

pub(crate) fn query(sql: &str) -> Step {
    Step::Query { sql: sql.to_string(), columns: Vec::new() }
}

pub(crate) fn modify(sql: &str, table: &str) -> Step {
    Step::Modify { sql: sql.to_string(), table: name(table) }
}

/// Runs a statement the way `execute` does: `build` plays the translator against the session's
/// catalog, then the runtime refreshes what was resolved and runs the step.
pub(crate) fn translated(
    session: &mut Session,
    build: impl FnOnce(&dyn Catalog) -> Result<Step, SqlError>,
) -> CollectSink {
    let mut sink = CollectSink::new();
    let (step, needs): (Result<Step, SqlError>, Vec<CatalogNeed>) = {
        let catalog = SessionCatalog::new(session);
        let step = build(&catalog);
        (step, catalog.into_needs())
    };
    match step {
        Ok(step) => match session.refresh_catalog(&needs) {
            Ok(()) => {
                session.run_translated(&step, &needs, &mut sink);
            }
            Err(e) => {
                sink.errors.push(e);
            }
        },
        Err(e) => sink.errors.push(e),
    }
    sink
}

/// `SELECT <select> FROM <view or table> <tail>` with the resolved columns' types.
pub(crate) fn select_from(session: &mut Session, object: &str, select: &str, tail: &str) -> CollectSink {
    let object = name(object);
    translated(session, |catalog| {
        let resolved = catalog.resolve_table(&object)?;
        let columns = if select == "*" {
            resolved
                .columns
                .iter()
                .map(|c| ResultColumn { name: c.name.clone(), ty: Some(c.ty), nullable: c.nullable })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Step::Query { sql: format!("SELECT {select} FROM {} AS t {tail}", resolved.sqlite_ref), columns })
    })
}

pub(crate) fn param(name: &str, ty: &str, value: Value) -> Param {
    Param { name: name.to_string(), ty: SqlType::parse(ty).expect("type"), value, output: false }
}

pub(crate) fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Bit(b) => i64::from(*b),
        other => panic!("not an integer: {other:?}"),
    }
}

pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => panic!("not a string: {other:?}"),
    }
}

/// Runs a batch, collecting results and errors.
pub(crate) fn batch(s: &mut Session, sql: &str) -> CollectSink {
    let mut sink = CollectSink::new();
    s.execute(sql, &[], &mut sink);
    sink
}

/// Runs a batch that must not fail.
pub(crate) fn ok(s: &mut Session, sql: &str) -> CollectSink {
    let sink = batch(s, sql);
    assert!(sink.errors.is_empty(), "{sql}: {:?}", sink.errors);
    sink
}

/// Runs a batch that must fail with error `number`; its message.
pub(crate) fn fails(s: &mut Session, sql: &str, number: i32) -> String {
    let sink = batch(s, sql);
    let e = sink.errors.first().unwrap_or_else(|| panic!("{sql}: expected error {number}, got none"));
    assert_eq!(e.number, number, "{sql}: {e:?}");
    e.message.clone()
}
