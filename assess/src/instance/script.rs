//! T-SQL that creates on the target what it misses (and sets configuration that differs),
//! batches separated by `GO`. Secrets are never in it: passwords and credential secrets are
//! placeholders with a comment saying what to put there.

use super::diff::InstanceDiff;
use super::{Inventory, Item};

fn q(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

fn s(text: &str) -> String {
    format!("N'{}'", text.replace('\'', "''"))
}

fn f<'a>(item: &'a Item, field: &str) -> &'a str {
    item.fields.get(field).map_or("", String::as_str)
}

fn num(item: &Item, field: &str, default: &str) -> String {
    let v = f(item, field).trim();
    if v.is_empty() { default.into() } else { v.into() }
}

/// Sections in the order their objects depend on each other.
const ORDER: &[&str] = &[
    "logins",
    "server roles",
    "server role members",
    "credentials",
    "linked servers",
    "operators",
    "schedules",
    "jobs",
    "job steps",
    "job schedules",
    "server triggers",
    "configuration",
];

/// The script for `diff` (source inventory for the full objects, target for its edition).
pub fn script(diff: &InstanceDiff, source: &Inventory, target: &Inventory) -> String {
    let mut out = format!(
        "-- Instance-level objects missing on {} (from {}), written by cutover validate --instance-objects.\n\
         -- Secrets are not carried over: replace every <placeholder> before running. Batches end with GO.\n",
        diff.target, diff.source
    );
    let mut batches: Vec<String> = Vec::new();
    for section in ORDER {
        for item in diff.missing.iter().filter(|i| i.section == *section) {
            if let Some(b) = create(item, source, target.managed_instance) {
                batches.push(b);
            }
        }
    }
    let configs: Vec<&super::diff::Different> =
        diff.different.iter().filter(|d| d.section == "configuration").collect();
    if !configs.is_empty() {
        let mut b = String::from("EXEC sp_configure N'show advanced options', 1;\nRECONFIGURE;\n");
        for d in &configs {
            if let Some(v) = d.fields.iter().find(|x| x.field == "value") {
                b.push_str(&format!("EXEC sp_configure {}, {};\n", s(&d.key), v.source));
            }
        }
        let show = source
            .find("configuration", "show advanced options")
            .map_or("0".to_string(), |i| num(i, "value", "0"));
        b.push_str(&format!("EXEC sp_configure N'show advanced options', {show};\nRECONFIGURE;\n"));
        batches.push(b);
    }
    for d in diff.different.iter().filter(|d| d.section != "configuration") {
        let what: Vec<String> = d
            .fields
            .iter()
            .map(|x| format!("{}: {:?} on the source, {:?} on the target", x.field, x.source, x.target))
            .collect();
        batches.push(format!(
            "-- {} {} differs ({}); change it by hand.\n",
            d.section,
            d.key,
            what.join("; ")
        ));
    }
    for b in batches {
        out.push('\n');
        out.push_str(&b);
        out.push_str("GO\n");
    }
    out
}

fn create(item: &Item, source: &Inventory, target_mi: bool) -> Option<String> {
    let key = item.key.as_str();
    Some(match item.section {
        "logins" => login(item, target_mi),
        "server roles" => format!("CREATE SERVER ROLE {};\n", q(key)),
        "server role members" => {
            let (role, member) = key.split_once('/')?;
            format!("ALTER SERVER ROLE {} ADD MEMBER {};\n", q(role), q(member))
        }
        "credentials" => format!(
            "-- The identity and secret are not read from the source: put the real ones in.\nCREATE CREDENTIAL {} WITH IDENTITY = N'<identity of {key}>', SECRET = N'<secret of {key}>';\n",
            q(key)
        ),
        "linked servers" => format!(
            "EXEC master.dbo.sp_addlinkedserver @server = {}, @srvproduct = {}, @provider = {}, @datasrc = {}{};\n\
             -- Remote logins are not carried over: EXEC master.dbo.sp_addlinkedsrvlogin @rmtsrvname = {}, @useself = N'False', @rmtuser = N'<user>', @rmtpassword = N'<password>';\n",
            s(key),
            s(f(item, "product")),
            s(f(item, "provider")),
            s(f(item, "data_source")),
            if f(item, "catalog").is_empty() {
                String::new()
            } else {
                format!(", @catalog = {}", s(f(item, "catalog")))
            },
            s(key)
        ),
        "operators" => format!(
            "EXEC msdb.dbo.sp_add_operator @name = {}, @enabled = {}, @email_address = {};\n",
            s(key),
            num(item, "enabled", "1"),
            s(f(item, "email_address"))
        ),
        "schedules" => format!(
            "EXEC msdb.dbo.sp_add_schedule @schedule_name = {}, @enabled = {}, @freq_type = {}, @freq_interval = {}, @freq_subday_type = {}, @freq_subday_interval = {}, @freq_relative_interval = {}, @freq_recurrence_factor = {}, @active_start_time = {}, @active_end_time = {};\n",
            s(key),
            num(item, "enabled", "1"),
            num(item, "freq_type", "1"),
            num(item, "freq_interval", "0"),
            num(item, "freq_subday_type", "0"),
            num(item, "freq_subday_interval", "0"),
            num(item, "freq_relative_interval", "0"),
            num(item, "freq_recurrence_factor", "0"),
            num(item, "active_start_time", "0"),
            num(item, "active_end_time", "235959")
        ),
        "jobs" => format!(
            "EXEC msdb.dbo.sp_add_job @job_name = {}, @enabled = {}, @description = {};\nEXEC msdb.dbo.sp_add_jobserver @job_name = {};\n",
            s(key),
            num(item, "enabled", "1"),
            s(f(item, "description")),
            s(key)
        ),
        "job steps" => {
            let (job, step) = key.split_once('/')?;
            let _ = source;
            format!(
                "EXEC msdb.dbo.sp_add_jobstep @job_name = {}, @step_id = {step}, @step_name = {}, @subsystem = {}, @database_name = {}, @command = {};\n",
                s(job),
                s(f(item, "step_name")),
                s(f(item, "subsystem")),
                s(f(item, "database_name")),
                s(f(item, "command"))
            )
        }
        "job schedules" => {
            let (job, schedule) = key.split_once('/')?;
            format!(
                "EXEC msdb.dbo.sp_attach_schedule @job_name = {}, @schedule_name = {};\n",
                s(job),
                s(schedule)
            )
        }
        "server triggers" => format!("{}\n", f(item, "definition").trim()),
        "configuration" => format!("-- configuration option {} is not offered by the target.\n", s(key)),
        _ => return None,
    })
}

fn login(item: &Item, target_mi: bool) -> String {
    let name = item.key.as_str();
    let db = f(item, "default_database_name");
    let db = if db.is_empty() { "master" } else { db };
    let disable = if f(item, "is_disabled") == "1" {
        format!("ALTER LOGIN {} DISABLE;\n", q(name))
    } else {
        String::new()
    };
    let body = match f(item, "type_desc") {
        "WINDOWS_LOGIN" | "WINDOWS_GROUP" if target_mi => {
            return format!(
                "-- {} is a Windows login; Managed Instance has no Windows authentication. Create the Microsoft Entra login instead, e.g.:\n-- CREATE LOGIN [<user or group>@<your domain>] FROM EXTERNAL PROVIDER;\n",
                q(name)
            );
        }
        "WINDOWS_LOGIN" | "WINDOWS_GROUP" => {
            format!("CREATE LOGIN {} FROM WINDOWS WITH DEFAULT_DATABASE = {};\n", q(name), q(db))
        }
        "EXTERNAL_LOGIN" | "EXTERNAL_GROUP" => format!("CREATE LOGIN {} FROM EXTERNAL PROVIDER;\n", q(name)),
        "SQL_LOGIN" => format!(
            "-- The password is not carried over: put the login's password in (or move the hash with CREATE LOGIN … PASSWORD = 0x… HASHED, read by a sysadmin).\nCREATE LOGIN {} WITH PASSWORD = N'<password for {}>', DEFAULT_DATABASE = {}, CHECK_POLICY = OFF;\n",
            q(name),
            name.replace('\'', "''"),
            q(db)
        ),
        other => format!("-- {} is a {other}; recreate it with its certificate or key by hand.\n", q(name)),
    };
    body + &disable
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn item(section: &'static str, key: &str, fields: &[(&str, &str)]) -> Item {
        Item {
            section,
            key: key.into(),
            fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn a_sql_login_gets_a_placeholder_password_and_a_comment() {
        let l = item(
            "logins",
            "app",
            &[("type_desc", "SQL_LOGIN"), ("default_database_name", "shop"), ("is_disabled", "0")],
        );
        let sql = login(&l, true);
        assert!(sql.contains("N'<password for app>'") && sql.contains("-- The password is not carried over"));
        assert!(sql.contains("DEFAULT_DATABASE = [shop]"));
    }

    #[test]
    fn a_windows_login_on_managed_instance_is_a_comment_naming_entra() {
        let l = item("logins", "CORP\\bob", &[("type_desc", "WINDOWS_LOGIN")]);
        let sql = login(&l, true);
        assert!(sql.lines().all(|line| line.starts_with("--")), "{sql}");
        assert!(sql.contains("FROM EXTERNAL PROVIDER"));
    }
}
