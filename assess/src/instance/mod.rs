//! Instance-level objects a database restore does not carry: read from each server as generic
//! items by one table of sections ([`SECTIONS`]: query, key, compared fields), compared
//! ([`diff`]), and the T-SQL that creates what the target misses ([`script`]). Password hashes
//! and credential secrets are never read.

pub mod diff;
pub mod report;
pub mod script;

use std::collections::BTreeMap;

use cutover_mssql::Connection;
use serde::Serialize;

use crate::cells::text_or_empty;

/// One section of the inventory: how to read it and what identifies an item.
pub struct Section {
    pub name: &'static str,
    pub query: &'static str,
    /// Columns joined with `/` into the item key.
    pub key: &'static [&'static str],
    /// Columns compared between source and target.
    pub fields: &'static [&'static str],
}

pub const SECTIONS: &[Section] = &[
    Section {
        name: "logins",
        query: "SELECT name, type_desc, default_database_name, is_disabled FROM sys.server_principals \
                WHERE type IN ('S', 'U', 'G', 'E', 'X', 'C', 'K')",
        key: &["name"],
        fields: &["type_desc", "default_database_name", "is_disabled"],
    },
    Section {
        name: "server roles",
        query: "SELECT name FROM sys.server_principals WHERE type = 'R' AND is_fixed_role = 0 AND name <> N'public'",
        key: &["name"],
        fields: &[],
    },
    Section {
        name: "server role members",
        query: "SELECT r.name AS role, m.name AS member FROM sys.server_role_members AS rm \
                JOIN sys.server_principals AS r ON r.principal_id = rm.role_principal_id \
                JOIN sys.server_principals AS m ON m.principal_id = rm.member_principal_id",
        key: &["role", "member"],
        fields: &[],
    },
    Section { name: "credentials", query: "SELECT name FROM sys.credentials", key: &["name"], fields: &[] },
    Section {
        name: "linked servers",
        query: "SELECT name, product, provider, data_source, catalog FROM sys.servers WHERE is_linked = 1",
        key: &["name"],
        fields: &["product", "provider", "data_source", "catalog"],
    },
    Section {
        name: "operators",
        query: "SELECT name, enabled, email_address FROM msdb.dbo.sysoperators",
        key: &["name"],
        fields: &["enabled", "email_address"],
    },
    Section {
        name: "schedules",
        query: "SELECT name, enabled, freq_type, freq_interval, freq_subday_type, freq_subday_interval, \
                freq_relative_interval, freq_recurrence_factor, active_start_time, active_end_time FROM msdb.dbo.sysschedules",
        key: &["name"],
        fields: &[
            "enabled",
            "freq_type",
            "freq_interval",
            "freq_subday_type",
            "freq_subday_interval",
            "freq_relative_interval",
            "freq_recurrence_factor",
            "active_start_time",
            "active_end_time",
        ],
    },
    Section {
        name: "jobs",
        query: "SELECT name, enabled, description FROM msdb.dbo.sysjobs",
        key: &["name"],
        fields: &["enabled", "description"],
    },
    Section {
        name: "job steps",
        query: "SELECT j.name AS job, s.step_id, s.step_name, s.subsystem, s.database_name, s.command \
                FROM msdb.dbo.sysjobsteps AS s JOIN msdb.dbo.sysjobs AS j ON j.job_id = s.job_id",
        key: &["job", "step_id"],
        fields: &["step_name", "subsystem", "database_name", "command"],
    },
    Section {
        name: "job schedules",
        query: "SELECT j.name AS job, sc.name AS schedule FROM msdb.dbo.sysjobschedules AS js \
                JOIN msdb.dbo.sysjobs AS j ON j.job_id = js.job_id \
                JOIN msdb.dbo.sysschedules AS sc ON sc.schedule_id = js.schedule_id",
        key: &["job", "schedule"],
        fields: &[],
    },
    Section {
        name: "server triggers",
        query: "SELECT t.name, t.is_disabled, m.definition FROM sys.server_triggers AS t \
                LEFT JOIN sys.server_sql_modules AS m ON m.object_id = t.object_id",
        key: &["name"],
        fields: &["is_disabled", "definition"],
    },
    Section {
        name: "configuration",
        query: "SELECT name, CAST(value_in_use AS bigint) AS value FROM sys.configurations",
        key: &["name"],
        fields: &["value"],
    },
];

/// Principals every instance has for itself, and settings that follow the hardware: left out.
const BUILT_IN: &[(&str, &str)] = &[
    ("logins", "##*"),
    ("logins", "NT AUTHORITY\\*"),
    ("logins", "NT SERVICE\\*"),
    ("server role members", "*/##*"),
    ("server role members", "*/NT AUTHORITY\\*"),
    ("server role members", "*/NT SERVICE\\*"),
    ("configuration", "max server memory (MB)"),
    ("configuration", "min server memory (MB)"),
];

fn matches(pattern: &str, key: &str) -> bool {
    let (p, k) = (pattern.to_ascii_lowercase(), key.to_ascii_lowercase());
    if let Some(member) = p.strip_prefix("*/") {
        return k.split_once('/').is_some_and(|(_, m)| matches(member, m));
    }
    match p.strip_suffix('*') {
        Some(prefix) => k.starts_with(prefix),
        None => p == k,
    }
}

/// Whether an item is one every instance has for itself.
pub fn is_built_in(section: &str, key: &str) -> bool {
    BUILT_IN.iter().any(|(s, p)| *s == section && matches(p, key))
}

/// One object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    pub section: &'static str,
    pub key: String,
    pub fields: BTreeMap<String, String>,
}

/// A server's inventory.
#[derive(Clone, Debug, Serialize)]
pub struct Inventory {
    pub server: String,
    pub managed_instance: bool,
    pub items: Vec<Item>,
    /// Sections that could not be read, with the error.
    pub unreadable: Vec<(String, String)>,
}

impl Inventory {
    pub fn section(&self, name: &str) -> impl Iterator<Item = &Item> {
        let name = name.to_string();
        self.items.iter().filter(move |i| i.section == name)
    }

    pub fn find(&self, section: &str, key: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.section == section && i.key.eq_ignore_ascii_case(key))
    }
}

/// Whether the server is a Managed Instance (engine edition 8).
pub const ENGINE_EDITION_SQL: &str = "SELECT CAST(SERVERPROPERTY('EngineEdition') AS int)";

/// Reads every section from the server (a failing section is recorded, not fatal).
pub async fn read(conn: &mut Connection) -> Inventory {
    let server = conn.target().to_string();
    let engine: Option<i32> = conn.query_scalar(ENGINE_EDITION_SQL, &[]).await.ok().flatten();
    let mut inv =
        Inventory { server, managed_instance: engine == Some(8), items: Vec::new(), unreadable: Vec::new() };
    for section in SECTIONS {
        match conn.query_rows(section.query, &[]).await {
            Ok(rows) => {
                for row in rows {
                    let key: Vec<String> = section.key.iter().map(|k| text_or_empty(&row, k)).collect();
                    let key = key.join("/");
                    if is_built_in(section.name, &key) {
                        continue;
                    }
                    let fields =
                        section.fields.iter().map(|f| (f.to_string(), text_or_empty(&row, f))).collect();
                    inv.items.push(Item { section: section.name, key, fields });
                }
            }
            Err(e) => inv.unreadable.push((section.name.to_string(), cutover_mssql::one_line(&e))),
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_principals_are_left_out() {
        assert!(is_built_in("logins", "##MS_PolicyTsqlExecutionLogin##"));
        assert!(is_built_in("logins", "NT SERVICE\\SQLSERVERAGENT"));
        assert!(is_built_in("server role members", "sysadmin/NT AUTHORITY\\SYSTEM"));
        assert!(!is_built_in("logins", "app_user"));
        assert!(!is_built_in("server role members", "sysadmin/app_user"));
        assert!(is_built_in("configuration", "max server memory (MB)"));
    }
}
