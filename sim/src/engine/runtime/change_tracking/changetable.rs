//! `CHANGETABLE(CHANGES t, @last_sync_version)`, `CHANGE_TRACKING_CURRENT_VERSION()` and
//! `CHANGE_TRACKING_MIN_VALID_VERSION(object_id)` as SQLite subqueries over the log.
//!
//! CHANGES returns one row per key changed after the baseline, "relative to the baseline"
//! (CHANGETABLE's documentation): SYS_CHANGE_VERSION is the key's last change,
//! SYS_CHANGE_CREATION_VERSION its last insert; SYS_CHANGE_OPERATION is `D` when the row is
//! gone now, `I` when it did not exist at the baseline (an insert at 10 and an update at 15 read
//! from baseline 8), else `U` (the same from baseline 12; a delete then re-insert of the key is
//! an update). Whether the row existed at the baseline is read from its log: the last change at
//! or before the baseline (a delete: it did not), else the first change after it (an insert:
//! it did not). A NULL baseline returns every tracked change. SYS_CHANGE_COLUMNS and
//! SYS_CHANGE_CONTEXT are NULL (no column tracking, no context).

use super::{get, log_table};
use crate::engine::runtime::database::quote;
use crate::engine::runtime::lexer::{self, Tok};
use crate::engine::runtime::session::Session;
use crate::engine::{ObjectName, ResolvedTable, TableKind};
use crate::error::SqlError;
use crate::types::{Column, Len, SqlType};

/// A string literal argument as the translator passes it (`'dbo.t'`, `N'dbo.t'`).
fn unquote(arg: &str) -> Option<String> {
    match lexer::tokenize(arg).ok()?.as_slice() {
        [Tok::Str(s)] => Some(s.clone()),
        _ => None,
    }
}

fn object_name(text: &str) -> ObjectName {
    let parts = lexer::split_name(text);
    match parts.as_slice() {
        [d, s, n] => ObjectName { database: Some(d.clone()), schema: Some(s.clone()), name: n.clone() },
        [s, n] => ObjectName { database: None, schema: Some(s.clone()), name: n.clone() },
        _ => ObjectName { database: None, schema: None, name: parts.last().cloned().unwrap_or_default() },
    }
}

fn bigint(name: &str, nullable: bool) -> Column {
    Column::new(name, SqlType::BigInt, nullable)
}

/// `CHANGETABLE('CHANGES', 'table', last_sync_version)` (the pre-pass quoted the table name).
pub(crate) fn resolve(session: &Session, args: &[String]) -> Result<ResolvedTable, SqlError> {
    let [kind, table, baseline] = args else {
        return Err(SqlError::new(174, 15, "The changetable function requires 2 argument(s)."));
    };
    if unquote(kind).as_deref() != Some("CHANGES") {
        return Err(SqlError::unsupported("CHANGETABLE(VERSION …)"));
    }
    let written = unquote(table).unwrap_or_default();
    let t = session.locate_table(&object_name(&written))?;
    if get(session, &t.alias, &format!("ct_object_{}", t.object_id))?.is_none() {
        return Err(SqlError::new(
            22105,
            16,
            format!("Change tracking is not enabled on table '{written}'."),
        ));
    }
    let keys = super::key_columns(session, &t)?;
    let log = format!("{}.{}", quote(&t.alias), quote(&log_table(t.object_id)));
    let names: Vec<String> = keys.iter().map(|k| quote(&k.name)).collect();
    let same = names.iter().map(|n| format!("z.{n} = s.{n}")).collect::<Vec<_>>().join(" AND ");
    let b = format!("coalesce(CAST(({baseline}) AS INTEGER), -1)");
    let sql = format!(
        "(SELECT c.version AS \"SYS_CHANGE_VERSION\", c.cver AS \"SYS_CHANGE_CREATION_VERSION\", \
           CASE WHEN c.last_op = 'D' THEN 'D' WHEN c.existed THEN 'U' ELSE 'I' END AS \"SYS_CHANGE_OPERATION\", \
           NULL AS \"SYS_CHANGE_COLUMNS\", NULL AS \"SYS_CHANGE_CONTEXT\", {cols} \
         FROM (SELECT {keys}, max(s.version) AS version, \
                 max(CASE WHEN s.op = 'I' THEN s.version END) AS cver, \
                 (SELECT z.op FROM {log} z WHERE {same} ORDER BY z.seq DESC LIMIT 1) AS last_op, \
                 coalesce((SELECT z.op <> 'D' FROM {log} z WHERE {same} AND z.version <= {b} ORDER BY z.seq DESC LIMIT 1), \
                          (SELECT z.op <> 'I' FROM {log} z WHERE {same} AND z.version > {b} ORDER BY z.seq LIMIT 1)) AS existed \
               FROM {log} s GROUP BY {group} HAVING max(s.version) > {b}) c)",
        cols = names.iter().map(|n| format!("c.{n} AS {n}")).collect::<Vec<_>>().join(", "),
        keys = names.iter().map(|n| format!("s.{n} AS {n}")).collect::<Vec<_>>().join(", "),
        group = names.iter().map(|n| format!("s.{n}")).collect::<Vec<_>>().join(", "),
    );
    let mut columns = vec![
        bigint("SYS_CHANGE_VERSION", false),
        bigint("SYS_CHANGE_CREATION_VERSION", true),
        Column::new("SYS_CHANGE_OPERATION", SqlType::NChar(1), false),
        Column::new("SYS_CHANGE_COLUMNS", SqlType::VarBinary(Len::N(4100)), true),
        Column::new("SYS_CHANGE_CONTEXT", SqlType::VarBinary(Len::N(128)), true),
    ];
    for k in &keys {
        let ty = SqlType::parse(&k.type_text).unwrap_or(SqlType::NVarChar(Len::N(4000)));
        columns.push(Column::new(k.name.clone(), ty, false));
    }
    Ok(ResolvedTable { sqlite_ref: sql, columns, kind: TableKind::Table })
}

/// `CHANGE_TRACKING_CURRENT_VERSION()`: NULL when Change Tracking is off for the database.
pub(crate) fn current_version(session: &Session) -> Result<ResolvedTable, SqlError> {
    let a = quote(&session.schema_of(&session.database())?);
    let sql = format!(
        "(SELECT CASE WHEN EXISTS (SELECT 1 FROM {a}.\"__cutover_db\" WHERE key = 'ct_enabled') \
           THEN (SELECT value FROM {a}.\"__cutover_db\" WHERE key = 'ct_version') END AS v)"
    );
    Ok(ResolvedTable { sqlite_ref: sql, columns: vec![bigint("v", true)], kind: TableKind::Table })
}

/// `CHANGE_TRACKING_MIN_VALID_VERSION(object_id)`: NULL when the object is not a tracked table
/// of the current database.
pub(crate) fn min_valid_version(session: &Session, object_id: &str) -> Result<ResolvedTable, SqlError> {
    let a = quote(&session.schema_of(&session.database())?);
    let sql = format!(
        "(SELECT (SELECT value FROM {a}.\"__cutover_db\" WHERE key = 'ct_object_' || CAST(({object_id}) AS INTEGER)) AS v)"
    );
    Ok(ResolvedTable { sqlite_ref: sql, columns: vec![bigint("v", true)], kind: TableKind::Table })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_names_come_back() {
        assert_eq!(unquote("'dbo.t'").as_deref(), Some("dbo.t"));
        assert_eq!(unquote("N'[dbo].[o''x]'").as_deref(), Some("[dbo].[o'x]"));
        assert_eq!(
            object_name("[dbo].[t]"),
            ObjectName { database: None, schema: Some("dbo".into()), name: "t".into() }
        );
    }
}
