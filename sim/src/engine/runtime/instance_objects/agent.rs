//! SQL Server Agent objects (msdb jobs, steps, schedules, operators) and linked servers, as the
//! system procedures create them.

use super::commands::{Args, required};
use super::store::{Kind, Object, Store};
use crate::error::SqlError;

fn now(store: &Store<'_>) -> String {
    crate::types::storage::format_datetime(&store.session().instance().now_utc())
}

/// msdb's uniqueidentifier for a job (stable: derived from its row).
pub(crate) fn job_id(job: &Object) -> String {
    format!("{:08X}-C0DE-4A6B-9000-{:012X}", job.seq, job.seq)
}

fn pairs<'a>(args: &'a Args, keys: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    keys.iter().filter_map(|k| args.get(*k).map(|v| (*k, v.as_str()))).collect()
}

/// The job named by `@job_name` or `@job_id`; error 14262 when there is none.
fn job(store: &Store<'_>, args: &Args) -> Result<Object, SqlError> {
    let jobs = store.list(Kind::Job, Some(""))?;
    let found = match (args.get("job_name"), args.get("job_id")) {
        (Some(name), _) => jobs.into_iter().find(|j| j.name.eq_ignore_ascii_case(name)),
        (None, Some(id)) => {
            jobs.into_iter().find(|j| job_id(j).eq_ignore_ascii_case(id.trim_matches(['{', '}'])))
        }
        _ => None,
    };
    found.ok_or_else(|| {
        let named = args.get("job_name").or(args.get("job_id")).cloned().unwrap_or_default();
        SqlError::new(14262, 16, format!("The specified @job_name ('{named}') does not exist."))
    })
}

pub(crate) fn add_job(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let name = required(args, "job_name", "sp_add_job")?;
    if store.find(Kind::Job, "", name)?.is_some() {
        return Err(SqlError::new(14261, 16, format!("The specified @job_name ('{name}') already exists.")));
    }
    let created = now(store);
    let mut attrs = pairs(args, &["enabled", "description", "owner_login_name", "category_name"]);
    attrs.push(("created", &created));
    store.put(Kind::Job, "", name, &attrs)?;
    Ok(())
}

pub(crate) fn delete_job(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let job = job(store, args)?;
    for step in store.list(Kind::JobStep, Some(&job.name))? {
        store.delete(Kind::JobStep, &job.name, &step.name)?;
    }
    for link in store.list(Kind::JobSchedule, Some(&job.name))? {
        store.delete(Kind::JobSchedule, &job.name, &link.name)?;
    }
    store.delete(Kind::Job, "", &job.name)?;
    Ok(())
}

pub(crate) fn add_step(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let job = job(store, args)?;
    let name = required(args, "step_name", "sp_add_jobstep")?;
    let steps = store.list(Kind::JobStep, Some(&job.name))?;
    let next = (steps.len() + 1).to_string();
    let step_id = args.get("step_id").cloned().unwrap_or(next);
    let mut attrs = pairs(
        args,
        &[
            "command",
            "database_name",
            "on_success_action",
            "on_fail_action",
            "retry_attempts",
            "retry_interval",
            "proxy_name",
        ],
    );
    let subsystem = args.get("subsystem").map_or("TSQL", String::as_str);
    attrs.push(("subsystem", subsystem));
    attrs.push(("step_id", &step_id));
    store.put(Kind::JobStep, &job.name, name, &attrs)?;
    Ok(())
}

/// The schedule settings `sp_add_schedule` and `sp_add_jobschedule` take, in
/// `msdb.dbo.sysschedules` column order, each with the value the view shows when it was not given.
pub(crate) const SCHEDULE_SETTINGS: &[(&str, i64)] = &[
    ("enabled", 1),
    ("freq_type", 1),
    ("freq_interval", 0),
    ("freq_subday_type", 0),
    ("freq_subday_interval", 0),
    ("freq_relative_interval", 0),
    ("freq_recurrence_factor", 0),
    ("active_start_date", 20240101),
    ("active_end_date", 99991231),
    ("active_start_time", 0),
    ("active_end_time", 235959),
];

/// The schedule settings given in `args`.
fn schedule_pairs(args: &Args) -> Vec<(&str, &str)> {
    let keys: Vec<&str> = SCHEDULE_SETTINGS.iter().map(|(k, _)| *k).collect();
    pairs(args, &keys)
}

pub(crate) fn add_schedule(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let name = required(args, "schedule_name", "sp_add_schedule")?;
    store.put(Kind::Schedule, "", name, &schedule_pairs(args))?;
    Ok(())
}

pub(crate) fn attach_schedule(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let job = job(store, args)?;
    let schedule = required(args, "schedule_name", "sp_attach_schedule")?;
    if store.find(Kind::Schedule, "", schedule)?.is_none() {
        return Err(SqlError::new(
            14262,
            16,
            format!("The specified @schedule_name ('{schedule}') does not exist."),
        ));
    }
    store.put(Kind::JobSchedule, &job.name, schedule, &[])?;
    Ok(())
}

/// `sp_add_jobschedule`: a new schedule attached to the job at once.
pub(crate) fn add_job_schedule(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let job = job(store, args)?;
    let name = required(args, "name", "sp_add_jobschedule")?;
    store.put(Kind::Schedule, "", name, &schedule_pairs(args))?;
    store.put(Kind::JobSchedule, &job.name, name, &[])?;
    Ok(())
}

pub(crate) fn add_operator(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let name = required(args, "name", "sp_add_operator")?;
    if store.find(Kind::Operator, "", name)?.is_some() {
        return Err(SqlError::new(14261, 16, format!("The specified @name ('{name}') already exists.")));
    }
    store.put(
        Kind::Operator,
        "",
        name,
        &pairs(args, &["enabled", "email_address", "pager_address", "netsend_address"]),
    )?;
    Ok(())
}

pub(crate) fn add_linked_server(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let name = required(args, "server", "sp_addlinkedserver")?;
    if store.find(Kind::LinkedServer, "", name)?.is_some() {
        return Err(SqlError::new(15028, 16, format!("The server '{name}' already exists.")));
    }
    let mut attrs = pairs(args, &["srvproduct", "provider", "datasrc", "location", "provstr", "catalog"]);
    if !args.contains_key("provider") {
        attrs.push(("provider", "SQLNCLI"));
    }
    let created = now(store);
    attrs.push(("created", &created));
    store.put(Kind::LinkedServer, "", name, &attrs)?;
    Ok(())
}

pub(crate) fn drop_server(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let name = required(args, "server", "sp_dropserver")?;
    if store.delete(Kind::LinkedServer, "", name)? == 0 {
        return Err(SqlError::new(
            15015,
            16,
            format!("The server '{name}' does not exist. Use sp_helpserver to show available servers."),
        ));
    }
    Ok(())
}
