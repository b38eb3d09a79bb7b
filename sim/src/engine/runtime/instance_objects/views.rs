//! Rows of the instance-level views, built from the [`Store`] and the instance's configured
//! logins, one function per view.

use rusqlite::types::Value as Stored;

use super::agent::{SCHEDULE_SETTINGS, job_id};
use super::store::{Kind, Object, Store};
use crate::engine::runtime::catalog::dmv::{RowSet, blob, int, real, text};
use crate::error::SqlError;

/// The fixed server roles with SQL Server's principal ids (public is not "fixed").
pub(crate) const FIXED_ROLES: &[(&str, i64)] = &[
    ("public", 2),
    ("sysadmin", 3),
    ("securityadmin", 4),
    ("serveradmin", 5),
    ("setupadmin", 6),
    ("processadmin", 7),
    ("diskadmin", 8),
    ("dbcreator", 9),
    ("bulkadmin", 10),
];

/// A server principal as the views show it.
struct Principal {
    id: i64,
    name: String,
    kind: String,
    default_database: Option<String>,
    created: String,
    check_policy: bool,
}

fn type_desc(kind: &str) -> &'static str {
    match kind {
        "S" => "SQL_LOGIN",
        "U" => "WINDOWS_LOGIN",
        "G" => "WINDOWS_GROUP",
        "R" => "SERVER_ROLE",
        "C" => "CERTIFICATE_MAPPED_LOGIN",
        "E" => "EXTERNAL_LOGIN",
        "X" => "EXTERNAL_GROUP",
        _ => "ASYMMETRIC_KEY_MAPPED_LOGIN",
    }
}

fn principals(store: &Store<'_>) -> Result<Vec<Principal>, SqlError> {
    let instance = store.session().instance();
    let started = crate::types::storage::format_datetime(&instance.start_time());
    let stored = store.list(Kind::Login, Some(""))?;
    let mut out: Vec<Principal> = Vec::new();
    for (i, def) in instance.logins().iter().enumerate() {
        if stored.iter().any(|s| s.name.eq_ignore_ascii_case(&def.name)) {
            continue;
        }
        out.push(Principal {
            id: if def.name.eq_ignore_ascii_case("sa") { 1 } else { 256 + i as i64 },
            name: def.name.clone(),
            kind: "S".into(),
            default_database: Some(def.default_database.clone()),
            created: started.clone(),
            check_policy: true,
        });
    }
    for s in &stored {
        out.push(Principal {
            id: 1000 + s.seq,
            name: s.name.clone(),
            kind: s.get("type").unwrap_or("S").to_string(),
            default_database: s.get("default_database").map(str::to_string),
            created: s.get("created").unwrap_or(&started).to_string(),
            check_policy: s.get("check_policy").is_none_or(|v| v.eq_ignore_ascii_case("ON")),
        });
    }
    for (role, id) in FIXED_ROLES {
        out.push(Principal {
            id: *id,
            name: role.to_string(),
            kind: "R".into(),
            default_database: None,
            created: "2003-04-08 09:10:35.460".into(),
            check_policy: false,
        });
    }
    out.sort_by_key(|p| p.id);
    Ok(out)
}

fn principal_row(p: &Principal) -> Vec<Stored> {
    let sid: Vec<u8> = if p.kind == "R" { vec![p.id as u8] } else { (p.id as u32).to_be_bytes().repeat(4) };
    vec![
        text(p.name.clone()),
        int(p.id),
        blob(&sid),
        text(p.kind.clone()),
        text(type_desc(&p.kind)),
        int(0),
        text(p.created.clone()),
        text(p.created.clone()),
        p.default_database.clone().map_or(Stored::Null, text),
        if p.kind == "R" { Stored::Null } else { text("us_english") },
        Stored::Null,
        if p.kind == "R" { int(1) } else { Stored::Null },
        int(i64::from(p.kind == "R" && p.id != 2)),
    ]
}

const PRINCIPAL_COLS: &[&str] = &[
    "name",
    "principal_id",
    "sid",
    "type",
    "type_desc",
    "is_disabled",
    "create_date",
    "modify_date",
    "default_database_name",
    "default_language_name",
    "credential_id",
    "owning_principal_id",
    "is_fixed_role",
];

pub(crate) fn server_principals(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let mut set = RowSet::new(PRINCIPAL_COLS);
    for p in principals(store)? {
        set.push(principal_row(&p));
    }
    Ok(set)
}

/// sys.sql_logins: the SQL logins; `password_hash` stays NULL (the simulator keeps no hashes).
pub(crate) fn sql_logins(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let mut cols = PRINCIPAL_COLS.to_vec();
    cols.extend(["is_policy_checked", "is_expiration_checked"]);
    let mut set = RowSet::new(&cols);
    for p in principals(store)?.into_iter().filter(|p| p.kind == "S") {
        let mut row = principal_row(&p);
        row.extend([int(i64::from(p.check_policy)), int(0)]);
        set.push(row);
    }
    Ok(set)
}

pub(crate) fn server_role_members(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let all = principals(store)?;
    let id_of = |name: &str| all.iter().find(|p| p.name.eq_ignore_ascii_case(name)).map(|p| p.id);
    let mut pairs: Vec<(i64, i64)> = Vec::new();
    for def in store.session().instance().logins() {
        if def
            .server_permissions
            .iter()
            .any(|p| p.eq_ignore_ascii_case(crate::engine::runtime::perms::CONTROL_SERVER))
            && let Some(id) = id_of(&def.name)
        {
            pairs.push((3, id));
        }
    }
    for m in store.list(Kind::RoleMember, None)? {
        if let (Some(role), Some(member)) = (id_of(&m.parent), id_of(&m.name))
            && !pairs.contains(&(role, member))
        {
            pairs.push((role, member));
        }
    }
    let mut set = RowSet::new(&["role_principal_id", "member_principal_id"]);
    for (r, m) in pairs {
        set.push(vec![int(r), int(m)]);
    }
    Ok(set)
}

fn created(o: &Object) -> Stored {
    text(o.get("created").unwrap_or("2024-01-01 00:00:00.000").to_string())
}

fn opt(o: &Object, key: &str) -> Stored {
    o.get(key).map_or(Stored::Null, |v| text(v.to_string()))
}

pub(crate) fn credentials(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let mut set = RowSet::new(&[
        "credential_id",
        "name",
        "credential_identity",
        "create_date",
        "modify_date",
        "target_id",
    ]);
    for c in store.list(Kind::Credential, Some(""))? {
        set.push(vec![
            int(65535 + c.seq),
            text(c.name.clone()),
            opt(&c, "identity"),
            created(&c),
            created(&c),
            int(0),
        ]);
    }
    Ok(set)
}

pub(crate) fn servers(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let cols = [
        "server_id",
        "name",
        "product",
        "provider",
        "data_source",
        "location",
        "provider_string",
        "catalog",
        "connect_timeout",
        "query_timeout",
        "is_linked",
        "is_remote_login_enabled",
        "is_data_access_enabled",
        "uses_remote_collation",
        "modify_date",
    ];
    let mut set = RowSet::new(&cols);
    let name = store.session().instance().name().to_string();
    let started = crate::types::storage::format_datetime(&store.session().instance().start_time());
    set.push(vec![
        int(0),
        text(name.clone()),
        text("SQL Server"),
        text("SQLNCLI"),
        text(name),
        Stored::Null,
        Stored::Null,
        Stored::Null,
        int(0),
        int(0),
        int(0),
        int(1),
        int(0),
        int(1),
        text(started),
    ]);
    for s in store.list(Kind::LinkedServer, Some(""))? {
        set.push(vec![
            int(s.seq),
            text(s.name.clone()),
            text(s.get("srvproduct").unwrap_or("").to_string()),
            text(s.get("provider").unwrap_or("SQLNCLI").to_string()),
            opt(&s, "datasrc"),
            opt(&s, "location"),
            opt(&s, "provstr"),
            opt(&s, "catalog"),
            int(0),
            int(0),
            int(1),
            int(0),
            int(1),
            int(1),
            created(&s),
        ]);
    }
    Ok(set)
}

fn trigger_id(o: &Object) -> i64 {
    100_000_000 + o.seq
}

pub(crate) fn server_triggers(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let cols = [
        "name",
        "object_id",
        "parent_class",
        "parent_class_desc",
        "parent_id",
        "type",
        "type_desc",
        "create_date",
        "modify_date",
        "is_ms_shipped",
        "is_disabled",
    ];
    let mut set = RowSet::new(&cols);
    for t in store.list(Kind::ServerTrigger, Some(""))? {
        set.push(vec![
            text(t.name.clone()),
            int(trigger_id(&t)),
            int(100),
            text("SERVER"),
            int(0),
            text("TR"),
            text("SQL_TRIGGER"),
            created(&t),
            created(&t),
            int(0),
            int(0),
        ]);
    }
    Ok(set)
}

pub(crate) fn server_sql_modules(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let mut set = RowSet::new(&["object_id", "definition", "uses_ansi_nulls", "uses_quoted_identifier"]);
    for t in store.list(Kind::ServerTrigger, Some(""))? {
        set.push(vec![int(trigger_id(&t)), opt(&t, "definition"), int(1), int(1)]);
    }
    Ok(set)
}

pub(crate) fn encryption_keys(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let cols = [
        "database_id",
        "encryption_state",
        "create_date",
        "regenerate_date",
        "modify_date",
        "set_date",
        "opened_date",
        "key_algorithm",
        "key_length",
        "encryptor_thumbprint",
        "encryptor_type",
        "percent_complete",
        "encryption_state_desc",
    ];
    let mut set = RowSet::new(&cols);
    for o in store.list(Kind::DatabaseOption, Some(""))? {
        let Some(db) = store.session().instance().database(&o.name) else { continue };
        if o.get("encrypted") != Some("1") {
            continue;
        }
        let when = text("2024-01-01 00:00:00.000");
        set.push(vec![
            int(db.id),
            int(3),
            when.clone(),
            when.clone(),
            when.clone(),
            when.clone(),
            when,
            text("AES"),
            int(256),
            blob(&[0x5A; 20]),
            text("CERTIFICATE"),
            real(0.0),
            text("ENCRYPTED"),
        ]);
    }
    Ok(set)
}

pub(crate) fn sysjobs(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let cols = [
        "job_id",
        "name",
        "enabled",
        "description",
        "start_step_id",
        "owner_sid",
        "date_created",
        "date_modified",
        "version_number",
    ];
    let mut set = RowSet::new(&cols);
    for j in store.list(Kind::Job, Some(""))? {
        set.push(vec![
            text(job_id(&j)),
            text(j.name.clone()),
            int(j.int("enabled", 1)),
            text(j.get("description").unwrap_or("No description available.").to_string()),
            int(1),
            blob(&[1]),
            created(&j),
            created(&j),
            int(1),
        ]);
    }
    Ok(set)
}

pub(crate) fn sysjobsteps(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let cols = [
        "job_id",
        "step_id",
        "step_name",
        "subsystem",
        "command",
        "on_success_action",
        "on_fail_action",
        "database_name",
        "retry_attempts",
        "retry_interval",
        "step_uid",
    ];
    let mut set = RowSet::new(&cols);
    for j in store.list(Kind::Job, Some(""))? {
        for s in store.list(Kind::JobStep, Some(&j.name))? {
            set.push(vec![
                text(job_id(&j)),
                int(s.int("step_id", 1)),
                text(s.name.clone()),
                text(s.get("subsystem").unwrap_or("TSQL").to_string()),
                opt(&s, "command"),
                int(s.int("on_success_action", 1)),
                int(s.int("on_fail_action", 2)),
                text(s.get("database_name").unwrap_or("master").to_string()),
                int(s.int("retry_attempts", 0)),
                int(s.int("retry_interval", 0)),
                text(format!("{:08X}-57E9-4A6B-9000-{:012X}", s.seq, s.seq)),
            ]);
        }
    }
    Ok(set)
}

pub(crate) fn sysschedules(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let mut cols = vec!["schedule_id", "schedule_uid", "name", "owner_sid"];
    cols.extend(SCHEDULE_SETTINGS.iter().map(|(key, _)| *key));
    cols.extend(["date_created", "date_modified", "version_number"]);
    let mut set = RowSet::new(&cols);
    for s in store.list(Kind::Schedule, Some(""))? {
        let mut row = vec![
            int(s.seq),
            text(format!("{:08X}-5C4E-4A6B-9000-{:012X}", s.seq, s.seq)),
            text(s.name.clone()),
            blob(&[1]),
        ];
        row.extend(SCHEDULE_SETTINGS.iter().map(|(key, default)| int(s.int(key, *default))));
        row.extend([created(&s), created(&s), int(1)]);
        set.push(row);
    }
    Ok(set)
}

pub(crate) fn sysjobschedules(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let schedules = store.list(Kind::Schedule, Some(""))?;
    let mut set = RowSet::new(&["schedule_id", "job_id"]);
    for j in store.list(Kind::Job, Some(""))? {
        for link in store.list(Kind::JobSchedule, Some(&j.name))? {
            if let Some(s) = schedules.iter().find(|s| s.name.eq_ignore_ascii_case(&link.name)) {
                set.push(vec![int(s.seq), text(job_id(&j))]);
            }
        }
    }
    Ok(set)
}

pub(crate) fn sysoperators(store: &Store<'_>) -> Result<RowSet, SqlError> {
    let mut set =
        RowSet::new(&["id", "name", "enabled", "email_address", "pager_address", "netsend_address"]);
    for o in store.list(Kind::Operator, Some(""))? {
        set.push(vec![
            int(o.seq),
            text(o.name.clone()),
            int(o.int("enabled", 1)),
            opt(&o, "email_address"),
            opt(&o, "pager_address"),
            opt(&o, "netsend_address"),
        ]);
    }
    Ok(set)
}
