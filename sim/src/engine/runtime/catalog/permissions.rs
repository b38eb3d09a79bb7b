//! What a login may do, answered from its grants: DMV access (error 300),
//! `sys.fn_my_permissions` and `HAS_PERMS_BY_NAME`.

use crate::engine::ResolvedTable;
use crate::engine::runtime::config::perms;
use crate::engine::runtime::database::literal;
use crate::engine::runtime::instance::{Instance, LoginState};
use crate::engine::runtime::session::Session;
use crate::engine::{ObjectName, TableKind};
use crate::error::SqlError;
use crate::types::{Column, SqlType};

use super::views::FN_MY_PERMISSIONS_COLUMNS;

/// Server permissions a sysadmin holds (what `fn_my_permissions(NULL, 'SERVER')` lists).
const ALL_SERVER_PERMISSIONS: &[&str] = &[
    "CONNECT SQL",
    "SHUTDOWN",
    "CREATE ENDPOINT",
    "CREATE ANY DATABASE",
    "ALTER ANY LOGIN",
    "ALTER ANY CREDENTIAL",
    "ALTER ANY ENDPOINT",
    "ALTER ANY LINKED SERVER",
    "ALTER ANY CONNECTION",
    "ALTER ANY DATABASE",
    "ALTER RESOURCES",
    "ALTER SETTINGS",
    "ALTER TRACE",
    "ADMINISTER BULK OPERATIONS",
    "AUTHENTICATE SERVER",
    "EXTERNAL ACCESS ASSEMBLY",
    "VIEW ANY DATABASE",
    "VIEW ANY DEFINITION",
    "VIEW SERVER STATE",
    "CREATE DDL EVENT NOTIFICATION",
    "CREATE TRACE EVENT NOTIFICATION",
    "ALTER ANY EVENT NOTIFICATION",
    "ALTER SERVER STATE",
    "UNSAFE ASSEMBLY",
    "ALTER ANY SERVER AUDIT",
    "CREATE SERVER ROLE",
    "ALTER ANY SERVER ROLE",
    "ALTER ANY EVENT SESSION",
    "CONNECT ANY DATABASE",
    "IMPERSONATE ANY LOGIN",
    "SELECT ALL USER SECURABLES",
    "CONTROL SERVER",
    "VIEW SERVER PERFORMANCE STATE",
    "VIEW SERVER SECURITY STATE",
    "VIEW ANY PERFORMANCE DEFINITION",
    "VIEW ANY SECURITY DEFINITION",
];

/// The server permissions a login effectively holds.
pub(crate) fn server_permissions(login: &LoginState) -> Vec<String> {
    if login.is_sysadmin() {
        return ALL_SERVER_PERMISSIONS.iter().map(|p| p.to_string()).collect();
    }
    let mut out = vec![perms::CONNECT_SQL.to_string(), perms::VIEW_ANY_DATABASE.to_string()];
    for p in &login.def.server_permissions {
        let p = p.to_ascii_uppercase();
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The database permissions a login effectively holds in any database.
pub(crate) fn database_permissions(login: &LoginState) -> Vec<String> {
    let mut out = vec!["CONNECT".to_string(), "SELECT".to_string(), "SHOWPLAN".to_string()];
    if login.def.can_write || login.is_sysadmin() {
        for p in [
            "INSERT",
            "UPDATE",
            "DELETE",
            "EXECUTE",
            "CREATE TABLE",
            "CREATE VIEW",
            "CREATE PROCEDURE",
            "ALTER",
            "REFERENCES",
        ] {
            out.push(p.to_string());
        }
    }
    let server = server_permissions(login);
    if server.iter().any(|p| p == perms::VIEW_SERVER_STATE) {
        out.push("VIEW DATABASE STATE".to_string());
    }
    if server.iter().any(|p| p == perms::VIEW_SERVER_STATE || p == perms::VIEW_SERVER_PERFORMANCE_STATE) {
        out.push("VIEW DATABASE PERFORMANCE STATE".to_string());
    }
    if server.iter().any(|p| p == perms::VIEW_ANY_DEFINITION) {
        out.push("VIEW DEFINITION".to_string());
    }
    if login.is_sysadmin() {
        out.push("CONTROL".to_string());
    }
    out
}

/// 300 unless the login holds VIEW SERVER STATE or VIEW SERVER PERFORMANCE STATE.
pub(crate) fn require_server_state(session: &Session) -> Result<(), SqlError> {
    let login = session.instance().login(session.login());
    let ok = login.is_some_and(|l| {
        l.has_server_permission(perms::VIEW_SERVER_STATE)
            || l.has_server_permission(perms::VIEW_SERVER_PERFORMANCE_STATE)
    });
    if ok { Ok(()) } else { Err(SqlError::view_server_state_denied()) }
}

/// `sys.fn_my_permissions(securable, class)` as an inline subquery.
pub(crate) fn fn_my_permissions(session: &Session, args: &[String]) -> ResolvedTable {
    let class =
        args.get(1).map(|a| a.trim().trim_matches(['\'', 'N']).to_ascii_uppercase()).unwrap_or_default();
    let login = session.instance().login(session.login());
    let (entity, list) = match (&login, class.as_str()) {
        (Some(l), "SERVER") => ("server", server_permissions(l)),
        (Some(l), "DATABASE") => ("database", database_permissions(l)),
        _ => ("", Vec::new()),
    };
    let rows: Vec<String> = list
        .iter()
        .map(|p| {
            format!(
                "SELECT {} AS entity_name, '' AS subentity_name, {} AS permission_name",
                literal(entity),
                literal(p)
            )
        })
        .collect();
    let body = if rows.is_empty() {
        "SELECT NULL AS entity_name, NULL AS subentity_name, NULL AS permission_name WHERE 0".to_string()
    } else {
        rows.join(" UNION ALL ")
    };
    ResolvedTable {
        sqlite_ref: format!("({body})"),
        columns: FN_MY_PERMISSIONS_COLUMNS
            .iter()
            .map(|(n, t, null)| Column::new(*n, SqlType::parse(t).unwrap_or(SqlType::SysName), *null))
            .collect(),
        kind: TableKind::Catalog,
    }
}

/// HAS_PERMS_BY_NAME(securable, class, permission): 1 granted, 0 not, NULL for an unknown
/// class or securable.
pub(crate) fn has_perms_by_name(
    instance: &Instance,
    login: &str,
    securable: Option<&str>,
    class: &str,
    permission: &str,
) -> Option<i64> {
    let login = instance.login(login)?;
    let permission = permission.trim().to_ascii_uppercase();
    let granted = match class.trim().to_ascii_uppercase().as_str() {
        "SERVER" => server_permissions(&login).contains(&permission),
        "DATABASE" => {
            if let Some(db) = securable
                && instance.database(db).is_none()
            {
                return None;
            }
            database_permissions(&login).contains(&permission) || permission == "ANY"
        }
        "OBJECT" | "SCHEMA" => {
            let _ = securable.map(|s| ObjectName { database: None, schema: None, name: s.to_string() });
            let db = database_permissions(&login);
            db.contains(&permission)
                || permission == "ANY"
                || (permission == "VIEW DEFINITION" && login.is_sysadmin())
        }
        _ => return None,
    };
    Some(i64::from(granted))
}
