//! Instance-level objects: what a database restore does not carry and a cutover must recreate
//! or assess — logins and server roles, credentials (identity only, never the secret), linked
//! servers, server triggers, SQL Agent jobs, steps, schedules and operators (served as
//! `msdb.dbo.sysjobs` …), `sp_configure` values, trace flags, and the database options and files
//! the assessment rules read (compatibility level, TDE, FILESTREAM, extra log files).
//!
//! | file | concern |
//! |---|---|
//! | `store.rs` | the hidden table in `master` that holds them; seeding from the profile |
//! | `tokens.rs` | tokens and procedure arguments |
//! | `commands.rs` | which statements are claimed; CREATE LOGIN/CREDENTIAL, roles, sp_configure |
//! | `agent.rs` | msdb.dbo.sp_add_job/jobstep/schedule/operator, sp_addlinkedserver |
//! | `server.rs` | CREATE TRIGGER … ON ALL SERVER, ALTER DATABASE, DBCC TRACEON/TRACESTATUS |
//! | `columns.rs` | the views' documented columns (registered in `catalog/views.rs`) |
//! | `views.rs` | the views' rows |

mod agent;
pub mod columns;
mod commands;
mod server;
mod store;
mod tokens;
mod views;

use crate::engine::ResultSink;
use crate::engine::runtime::catalog::dmv::RowSet;
use crate::engine::runtime::catalog::views::CatalogView;
use crate::engine::runtime::session::Session;
use crate::error::SqlError;
use store::{Kind, Store};

pub(crate) use commands::claims;

/// Runs a statement [`claims`] accepted; `Some(n)` when it sent a result set of `n` rows.
pub(crate) fn execute(
    session: &Session,
    text: &str,
    sink: &mut dyn ResultSink,
) -> Result<Option<u64>, SqlError> {
    commands::execute(session, text, sink)
}

/// The rows of a view this module serves, or `None` for other views.
pub(crate) fn rows(session: &Session, view: &CatalogView) -> Result<Option<RowSet>, SqlError> {
    type Build = fn(&Store<'_>) -> Result<RowSet, SqlError>;
    let build: Build = match view.name {
        "sys.server_principals" => views::server_principals,
        "sys.sql_logins" => views::sql_logins,
        "sys.server_role_members" => views::server_role_members,
        "sys.credentials" => views::credentials,
        "sys.servers" => views::servers,
        "sys.server_triggers" => views::server_triggers,
        "sys.server_sql_modules" => views::server_sql_modules,
        "sys.dm_database_encryption_keys" => views::encryption_keys,
        "sys.filetables" => return Ok(Some(RowSet::new(&["object_id"]))),
        "dbo.sysjobs" => views::sysjobs,
        "dbo.sysjobsteps" => views::sysjobsteps,
        "dbo.sysschedules" => views::sysschedules,
        "dbo.sysjobschedules" => views::sysjobschedules,
        "dbo.sysoperators" => views::sysoperators,
        _ => return Ok(None),
    };
    build(&Store::open(session)?).map(Some)
}

/// (compatibility level, is_encrypted) of a database, as ALTER DATABASE set them.
pub(crate) fn database_options(session: &Session, database: &str) -> (i64, bool) {
    let found = Store::open(session).and_then(|s| s.find(Kind::DatabaseOption, "", database));
    match found {
        Ok(Some(o)) => (o.int("compatibility_level", 160), o.get("encrypted") == Some("1")),
        _ => (160, false),
    }
}

/// A file ALTER DATABASE … ADD FILE added: (database name, file name, type 0 rows / 1 log /
/// 2 FILESTREAM, physical name).
pub(crate) fn added_files(session: &Session) -> Vec<(String, String, i64, String)> {
    let Ok(store) = Store::open(session) else { return Vec::new() };
    let Ok(files) = store.list(Kind::DatabaseFile, None) else { return Vec::new() };
    files
        .into_iter()
        .map(|f| {
            (f.parent.clone(), f.name.clone(), f.int("type", 0), f.get("path").unwrap_or("").to_string())
        })
        .collect()
}

/// The value `sp_configure` set for a configuration option, if any.
pub(crate) fn configured_value(session: &Session, name: &str) -> Option<i64> {
    let store = Store::open(session).ok()?;
    store.find(Kind::Config, "", &name.to_ascii_lowercase()).ok()??.get("value")?.parse().ok()
}
