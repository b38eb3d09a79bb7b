//! The statements that create instance-level objects, each read from its tokens and applied to
//! the [`Store`]: CREATE/DROP LOGIN, ALTER SERVER ROLE, CREATE CREDENTIAL (the secret is never
//! kept), CREATE TRIGGER … ON ALL SERVER, ALTER DATABASE (compatibility level, encryption,
//! files and filegroups), DBCC TRACEON/TRACEOFF/TRACESTATUS, RECONFIGURE, and the system
//! procedures in [`PROCEDURES`].

use std::collections::BTreeMap;

use super::store::{Kind, Store};
use super::tokens::{Tok, multipart, option_list, proc_args, tokenize};
use crate::engine::ResultSink;
use crate::engine::runtime::config::{LoginDef, perms};
use crate::engine::runtime::session::Session;
use crate::error::SqlError;
use crate::types::{Cell, Column, SqlType};

/// Arguments of a procedure call, by lower-case name without `@`.
pub(crate) type Args = BTreeMap<String, String>;
type Handler = fn(&Store<'_>, &Args) -> Result<(), SqlError>;

/// (procedure name, positional parameter order, handler).
const PROCEDURES: &[(&str, &[&str], Handler)] = &[
    (
        "sp_addlinkedserver",
        &["server", "srvproduct", "provider", "datasrc", "location", "provstr", "catalog"],
        super::agent::add_linked_server,
    ),
    ("sp_addlinkedsrvlogin", &["rmtsrvname", "useself", "locallogin", "rmtuser", "rmtpassword"], accept),
    ("sp_dropserver", &["server", "droplogins"], super::agent::drop_server),
    ("sp_addsrvrolemember", &["loginame", "rolename"], add_role_member),
    ("sp_configure", &["configname", "configvalue"], configure),
    (
        "sp_add_job",
        &[
            "job_name",
            "enabled",
            "description",
            "start_step_id",
            "category_name",
            "category_id",
            "owner_login_name",
        ],
        super::agent::add_job,
    ),
    ("sp_delete_job", &["job_id", "job_name"], super::agent::delete_job),
    (
        "sp_add_jobstep",
        &["job_id", "job_name", "step_id", "step_name", "subsystem", "command"],
        super::agent::add_step,
    ),
    (
        "sp_add_schedule",
        &[
            "schedule_name",
            "enabled",
            "freq_type",
            "freq_interval",
            "freq_subday_type",
            "freq_subday_interval",
        ],
        super::agent::add_schedule,
    ),
    (
        "sp_attach_schedule",
        &["job_id", "job_name", "schedule_id", "schedule_name"],
        super::agent::attach_schedule,
    ),
    (
        "sp_add_jobschedule",
        &["job_id", "job_name", "name", "enabled", "freq_type", "freq_interval"],
        super::agent::add_job_schedule,
    ),
    ("sp_add_jobserver", &["job_id", "job_name", "server_name"], accept),
    ("sp_add_operator", &["name", "enabled", "email_address", "pager_address"], super::agent::add_operator),
];

/// Leading words of the statements this module owns. `to_eof`: the statement runs to the end
/// of the batch (CREATE TRIGGER), as SQL Server requires.
pub(crate) fn claims(words: &[String]) -> Option<bool> {
    let w = |i: usize| words.get(i).map(|s| s.to_ascii_uppercase()).unwrap_or_default();
    match (w(0).as_str(), w(1).as_str()) {
        ("CREATE" | "DROP", "LOGIN") | ("CREATE", "CREDENTIAL") | ("ALTER", "DATABASE") => Some(false),
        ("ALTER", "TABLE") if crate::engine::runtime::change_tracking::claims(words) => Some(false),
        ("ALTER", "SERVER") if w(2) == "ROLE" => Some(false),
        ("RECONFIGURE", _) => Some(false),
        ("DBCC", "TRACEON" | "TRACEOFF" | "TRACESTATUS") => Some(false),
        ("CREATE", "TRIGGER") if w(3) == "ON" && w(4) == "ALL" && w(5) == "SERVER" => Some(true),
        ("EXEC" | "EXECUTE", _) => {
            let toks = tokenize(&words[1..].join(" ")).ok()?;
            let (parts, _) = multipart(&toks, 0);
            let name = parts.last()?.to_ascii_lowercase();
            PROCEDURES.iter().any(|(p, _, _)| *p == name).then_some(false)
        }
        _ => None,
    }
}

/// Runs one claimed statement; returns the row count of a result set it sent, if any.
pub(crate) fn execute(
    session: &Session,
    text: &str,
    sink: &mut dyn ResultSink,
) -> Result<Option<u64>, SqlError> {
    let toks: Vec<Tok> = tokenize(text)?.into_iter().filter(|t| *t != Tok::Punct(';')).collect();
    let store = Store::open(session)?;
    let w = |i: usize| toks.get(i).and_then(Tok::value).unwrap_or_default().to_ascii_uppercase();
    if w(0) == "DBCC" {
        return super::server::dbcc(&store, &w(1), &toks[2..], sink);
    }
    if (w(0).as_str(), w(1).as_str()) == ("ALTER", "TABLE") {
        return crate::engine::runtime::change_tracking::alter_table(session, text).map(|_| None);
    }
    if w(0) != "RECONFIGURE" {
        require_sysadmin(session)?;
    }
    match (w(0).as_str(), w(1).as_str()) {
        ("RECONFIGURE", _) => Ok(()),
        ("CREATE", "LOGIN") => create_login(&store, &toks[2..]),
        ("DROP", "LOGIN") => drop_login(&store, &toks[2..]),
        ("ALTER", "SERVER") => alter_role(&store, &toks[3..]),
        ("CREATE", "CREDENTIAL") => create_credential(&store, &toks[2..]),
        ("CREATE", "TRIGGER") => super::server::create_trigger(&store, &toks, text),
        ("ALTER", "DATABASE") => super::server::alter_database(&store, &toks[2..]),
        _ => call(&store, &toks[1..]),
    }
    .map(|_| None)
}

fn require_sysadmin(session: &Session) -> Result<(), SqlError> {
    let ok = session.instance().login(session.login()).is_some_and(|l| l.is_sysadmin());
    if ok {
        Ok(())
    } else {
        Err(SqlError::new(15247, 16, "User does not have permission to perform this action."))
    }
}

fn call(store: &Store<'_>, toks: &[Tok]) -> Result<(), SqlError> {
    let (parts, next) = multipart(toks, 0);
    let name = parts.last().cloned().unwrap_or_default();
    let (_, order, handler) = PROCEDURES
        .iter()
        .find(|(p, _, _)| p.eq_ignore_ascii_case(&name))
        .ok_or_else(|| SqlError::new(2812, 16, format!("Could not find stored procedure '{name}'.")))?;
    let args: Args =
        proc_args(&toks[next..], order)?.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
    handler(store, &args)
}

fn accept(_: &Store<'_>, _: &Args) -> Result<(), SqlError> {
    Ok(())
}

/// The required argument `name`, or error 201.
pub(crate) fn required<'a>(args: &'a Args, name: &str, procedure: &str) -> Result<&'a str, SqlError> {
    args.get(name).map(String::as_str).ok_or_else(|| {
        SqlError::new(
            201,
            16,
            format!(
                "Procedure or function '{procedure}' expects parameter '@{name}', which was not supplied."
            ),
        )
    })
}

fn name_at(toks: &[Tok], i: usize) -> Result<String, SqlError> {
    toks.get(i)
        .and_then(Tok::value)
        .ok_or_else(|| SqlError::new(102, 15, "Incorrect syntax: a name is missing."))
}

/// `WITH A = x, B = y` (or `FROM WINDOWS WITH …`): the options as lower-case keys.
fn with_options(toks: &[Tok]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (i, t) in toks.iter().enumerate() {
        if let (Tok::Word(k), Some(Tok::Punct('=')), Some(v)) = (t, toks.get(i + 1), toks.get(i + 2)) {
            out.insert(k.to_ascii_lowercase(), v.value().unwrap_or_default());
        }
    }
    out
}

fn create_login(store: &Store<'_>, toks: &[Tok]) -> Result<(), SqlError> {
    let name = name_at(toks, 0)?;
    if store.find(Kind::Login, "", &name)?.is_some() || store.session().instance().login(&name).is_some() {
        return Err(SqlError::new(15025, 16, format!("The server principal '{name}' already exists.")));
    }
    let opts = with_options(&toks[1..]);
    let from = toks.get(2).and_then(Tok::value).unwrap_or_default().to_ascii_uppercase();
    let kind = match (toks.get(1).is_some_and(|t| t.is("FROM")), from.as_str()) {
        (true, "WINDOWS") => "U",
        (true, "EXTERNAL") => "E",
        (true, _) => "C",
        _ => "S",
    };
    let default_db = opts.get("default_database").cloned().unwrap_or_else(|| "master".into());
    let created = crate::types::storage::format_datetime(&store.session().instance().now_utc());
    store.put(
        Kind::Login,
        "",
        &name,
        &[
            ("type", kind),
            ("default_database", &default_db),
            ("check_policy", opts.get("check_policy").map_or("ON", |s| s)),
            ("created", &created),
        ],
    )?;
    if kind == "S" {
        let password = opts.get("password").cloned().unwrap_or_default();
        store.session().instance().add_login(LoginDef {
            name: name.clone(),
            password,
            server_permissions: vec![perms::CONNECT_SQL.to_string()],
            can_write: true,
            default_database: default_db,
        });
    }
    Ok(())
}

fn drop_login(store: &Store<'_>, toks: &[Tok]) -> Result<(), SqlError> {
    let name = name_at(toks, 0)?;
    if store.delete(Kind::Login, "", &name)? == 0 {
        return Err(SqlError::new(
            15151,
            16,
            format!(
                "Cannot drop the login '{name}', because it does not exist or you do not have permission."
            ),
        ));
    }
    Ok(())
}

/// `ALTER SERVER ROLE role ADD|DROP MEMBER login`.
fn alter_role(store: &Store<'_>, toks: &[Tok]) -> Result<(), SqlError> {
    let role = name_at(toks, 0)?;
    let member = name_at(toks, 3)?;
    if toks.get(1).is_some_and(|t| t.is("DROP")) {
        store.delete(Kind::RoleMember, &role, &member)?;
        return Ok(());
    }
    add_member(store, &role, &member)
}

fn add_role_member(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let login = required(args, "loginame", "sp_addsrvrolemember")?;
    let role = required(args, "rolename", "sp_addsrvrolemember")?;
    add_member(store, role, login)
}

fn add_member(store: &Store<'_>, role: &str, member: &str) -> Result<(), SqlError> {
    if !super::views::FIXED_ROLES.iter().any(|(r, _)| r.eq_ignore_ascii_case(role)) {
        return Err(SqlError::new(
            15151,
            16,
            format!(
                "Cannot alter the server role '{role}', because it does not exist or you do not have permission."
            ),
        ));
    }
    store.put(Kind::RoleMember, &role.to_ascii_lowercase(), member, &[])?;
    Ok(())
}

/// `CREATE CREDENTIAL name WITH IDENTITY = 'x' [, SECRET = 'y']`: the secret is not kept.
fn create_credential(store: &Store<'_>, toks: &[Tok]) -> Result<(), SqlError> {
    let name = name_at(toks, 0)?;
    if store.find(Kind::Credential, "", &name)?.is_some() {
        return Err(SqlError::new(15025, 16, format!("The credential '{name}' already exists.")));
    }
    let opts = with_options(&toks[1..]);
    let identity = opts.get("identity").cloned().unwrap_or_default();
    let created = crate::types::storage::format_datetime(&store.session().instance().now_utc());
    store.put(Kind::Credential, "", &name, &[("identity", &identity), ("created", &created)])?;
    Ok(())
}

/// `sp_configure 'name', value`: kept as the value in use (RECONFIGURE is implied).
fn configure(store: &Store<'_>, args: &Args) -> Result<(), SqlError> {
    let name = required(args, "configname", "sp_configure")?;
    let value = required(args, "configvalue", "sp_configure")?;
    if value.trim().parse::<i64>().is_err() {
        return Err(SqlError::new(
            15123,
            16,
            format!("The configuration option '{name}' does not accept the value '{value}'."),
        ));
    }
    store.put(Kind::Config, "", &name.to_ascii_lowercase(), &[("value", value.trim())])?;
    Ok(())
}

/// A result set sent straight to the sink.
pub(crate) fn send(sink: &mut dyn ResultSink, columns: &[(&str, SqlType)], rows: &[Vec<i64>]) -> Option<u64> {
    let cols: Vec<Column> = columns.iter().map(|(n, t)| Column::new(*n, *t, true)).collect();
    if sink.columns(&cols).is_err() {
        return Some(0);
    }
    for row in rows {
        let cells: Vec<Cell<'_>> = row.iter().map(|v| Cell::Integer(*v)).collect();
        if sink.row(&cells).is_err() {
            break;
        }
    }
    Some(rows.len() as u64)
}

/// `option_list` re-exported for the server statements.
pub(crate) fn options(toks: &[Tok], i: usize) -> (Vec<(String, String)>, usize) {
    option_list(toks, i)
}
