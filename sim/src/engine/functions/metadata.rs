//! Metadata functions answered by the session's [`FunctionContext`]: DB_NAME, DB_ID,
//! OBJECT_ID, OBJECT_NAME, SCHEMA_NAME, SCHEMA_ID, SERVERPROPERTY, DATABASEPROPERTYEX,
//! HAS_PERMS_BY_NAME, SUSER_SNAME, USER_NAME and the `@@` globals (`tsql_global('VERSION')`).

use rusqlite::functions::Context;
use rusqlite::types::Value;

use super::{Def, int_arg, text_arg, text_or_null, volatile};
use crate::engine::FunctionContext;
use crate::types::storage::to_storage;

pub(super) const FUNCTIONS: &[Def] = &[
    volatile("tsql_global", 1, global),
    volatile("tsql_db_name", 1, db_name),
    volatile("tsql_db_id", 1, db_id),
    volatile("tsql_object_id", 2, object_id),
    volatile("tsql_object_name", 2, object_name),
    volatile("tsql_schema_name", 1, schema_name),
    volatile("tsql_schema_id", 1, schema_id),
    volatile("tsql_serverproperty", 1, serverproperty),
    volatile("tsql_databasepropertyex", 2, databasepropertyex),
    volatile("tsql_has_perms_by_name", 3, has_perms_by_name),
    volatile("tsql_suser_sname", 0, suser_sname),
    volatile("tsql_user_name", 1, user_name),
    volatile("tsql_next_rowversion", 1, next_rowversion),
    volatile("tsql_dbts", 1, dbts),
];

type R = rusqlite::Result<Value>;

fn int_or_null(v: Option<i64>) -> Value {
    v.map(Value::Integer).unwrap_or(Value::Null)
}

fn typed(v: Option<crate::types::Value>) -> Value {
    v.map(|v| to_storage(&v)).unwrap_or(Value::Null)
}

fn global(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    let name = text_arg(c, 0).unwrap_or_default().to_ascii_uppercase();
    Ok(to_storage(&ctx.global(&name)))
}

fn db_name(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(text_or_null(ctx.database_name(int_arg(c, 0)?)))
}

fn db_id(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(int_or_null(ctx.database_id(text_arg(c, 0).as_deref())))
}

fn object_id(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    let Some(name) = text_arg(c, 0) else { return Ok(Value::Null) };
    Ok(int_or_null(ctx.object_id(&name, text_arg(c, 1).as_deref())))
}

fn object_name(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    let Some(id) = int_arg(c, 0)? else { return Ok(Value::Null) };
    Ok(text_or_null(ctx.object_name(id, int_arg(c, 1)?)))
}

fn schema_name(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(text_or_null(ctx.schema_name(int_arg(c, 0)?)))
}

fn schema_id(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(int_or_null(ctx.schema_id(text_arg(c, 0).as_deref())))
}

fn serverproperty(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    let Some(name) = text_arg(c, 0) else { return Ok(Value::Null) };
    Ok(typed(ctx.server_property(&name)))
}

fn databasepropertyex(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    let (Some(db), Some(p)) = (text_arg(c, 0), text_arg(c, 1)) else { return Ok(Value::Null) };
    Ok(typed(ctx.database_property(&db, &p)))
}

fn has_perms_by_name(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    // HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE'): a NULL class is the server.
    let class = text_arg(c, 1).unwrap_or_else(|| "SERVER".to_string());
    let Some(perm) = text_arg(c, 2) else { return Ok(Value::Null) };
    Ok(int_or_null(ctx.has_perms_by_name(text_arg(c, 0).as_deref(), &class, &perm)))
}

fn suser_sname(_: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(Value::Text(ctx.login_name()))
}

fn user_name(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    Ok(match int_arg(c, 0)? {
        None => Value::Text(ctx.user_name()),
        Some(1) => Value::Text("dbo".into()),
        Some(_) => Value::Null,
    })
}

/// The next rowversion of the database named by the argument (the rowversion triggers').
fn next_rowversion(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    let db = text_arg(c, 0).unwrap_or_default();
    Ok(ctx.rowversion(&db, true).map(Value::Blob).unwrap_or(Value::Null))
}

/// The last rowversion the database named by the argument used (`@@DBTS` of that database).
fn dbts(c: &Context<'_>, ctx: &dyn FunctionContext) -> R {
    let db = text_arg(c, 0).unwrap_or_default();
    Ok(ctx.rowversion(&db, false).map(Value::Blob).unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use rusqlite::types::Value;

    #[test]
    fn answers_come_from_the_context() {
        let c = conn();
        assert_eq!(text(&c, "tsql_db_name(NULL)"), "shop");
        assert_eq!(text(&c, "tsql_db_name(1)"), "master");
        assert_eq!(int(&c, "tsql_db_id('master')"), 1);
        assert_eq!(int(&c, "tsql_object_id('dbo.orders', NULL)"), 581_577_110);
        assert_eq!(eval(&c, "tsql_object_id('nope', NULL)").unwrap(), Value::Null);
        assert_eq!(text(&c, "tsql_object_name(581577110, NULL)"), "orders");
        assert_eq!(text(&c, "tsql_schema_name(NULL)"), "dbo");
        assert_eq!(int(&c, "tsql_schema_id('dbo')"), 1);
        assert_eq!(int(&c, "tsql_serverproperty('EngineEdition')"), 8);
        assert_eq!(eval(&c, "tsql_serverproperty('Nope')").unwrap(), Value::Null);
        assert_eq!(text(&c, "tsql_databasepropertyex('shop', 'Status')"), "ONLINE");
        assert_eq!(int(&c, "tsql_has_perms_by_name(NULL, NULL, 'VIEW SERVER STATE')"), 1);
        assert_eq!(text(&c, "tsql_suser_sname()"), "sa");
        assert_eq!(text(&c, "tsql_user_name(NULL)"), "dbo");
        assert_eq!(text(&c, "tsql_global('version')"), "Microsoft SQL Server 2022");
        assert_eq!(int(&c, "tsql_global('SPID')"), 52);
    }
}
