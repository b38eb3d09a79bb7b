//! `cutover capture`: the Extended Events session (created, started, read, stopped, dropped) and
//! the Query Store reads of `--from-query-store`.

use cutover_workloads::capture::Filters;
use cutover_workloads::capture::ddl::{
    IDENTIFY_SQL, READ_SQL, SESSION_EXISTS_SQL, SESSION_RUNNING_SQL, SessionPlan, TargetLocation,
};
use cutover_workloads::capture::query_store::{
    CLOCK_SQL, PLANS_SQL, RUNTIME_STATS_SQL, TEXTS_SQL, use_database_sql,
};

use super::EXAMPLE_DATABASE;
use crate::edition::Edition;
use crate::statement::{Access, Statement};

const CAPTURE: &[&str] = &["capture"];
/// The example session: spid 53, started at 2023-11-14 22:13:20 UTC.
const SPID: i64 = 53;
const STARTED: i64 = 1_700_000_000;

fn session_permission(edition: Edition, verb: &str) -> &'static str {
    // CREATE/ALTER/DROP EVENT SESSION pages: ALTER ANY EVENT SESSION; SQL Server 2022 added
    // CREATE/ALTER/DROP ANY EVENT SESSION, any of which (or ALTER ANY EVENT SESSION) suffices.
    match (edition.feature_major() >= 16, verb) {
        (false, _) => "ALTER ANY EVENT SESSION",
        (true, "create") => "CREATE ANY EVENT SESSION (or ALTER ANY EVENT SESSION)",
        (true, "drop") => "DROP ANY EVENT SESSION (or ALTER ANY EVENT SESSION)",
        (true, _) => "ALTER ANY EVENT SESSION",
    }
}

pub fn statements(edition: Edition) -> Vec<Statement> {
    let location = match edition {
        Edition::ManagedInstance => {
            TargetLocation::Blob("https://<account>.blob.core.windows.net/<container>".into())
        }
        _ => TargetLocation::ServerPath(String::new()),
    };
    let plan = SessionPlan::new(SPID, STARTED, &location);
    let filters = Filters { own_session: Some(SPID), ..Filters::default() };
    let ddl = |id: &str, purpose: &str, sql: String, verb: &str| {
        Statement::read(format!("capture.{id}"), CAPTURE, purpose, sql)
            .access(Access::Write)
            .statement_permission(session_permission(edition, verb))
    };
    vec![
        Statement::read(
            "capture.identify",
            CAPTURE,
            "The capture's own session id and the engine edition",
            IDENTIFY_SQL,
        ),
        ddl(
            "create_session",
            "Creates the event session (completed batches and RPCs, with the session's SET options); --dry-run prints it",
            plan.create_sql(&filters),
            "create",
        ),
        ddl("start_session", "Starts the event session", plan.start_sql(), "alter"),
        Statement::read(
            "capture.read_events",
            CAPTURE,
            "Reads the event files from where the last poll ended (once per --poll)",
            READ_SQL,
        )
        .parameter("@P1", "nvarchar(260)", plan.read_pattern.clone())
        .parameter("@P2", "nvarchar(260)", plan.filename.clone())
        .parameter("@P3", "bigint", "0")
        .needs("the capture's event session and its files"),
        Statement::read(
            "capture.session_running",
            CAPTURE,
            "Whether the event session still runs, before stopping it",
            SESSION_RUNNING_SQL,
        )
        .parameter("@P1", "nvarchar(128)", plan.name.clone()),
        ddl("stop_session", "Stops the event session", plan.stop_sql(), "alter"),
        Statement::read(
            "capture.session_exists",
            CAPTURE,
            "Whether the event session still exists, before dropping it",
            SESSION_EXISTS_SQL,
        )
        .parameter("@P1", "nvarchar(128)", plan.name.clone()),
        ddl("drop_session", "Drops the event session (on every exit path)", plan.drop_sql(), "drop"),
        Statement::read(
            "capture.query_store.use",
            CAPTURE,
            "--from-query-store --database: switches to the database whose Query Store is read",
            use_database_sql(EXAMPLE_DATABASE),
        )
        .access(Access::Session)
        .needs("a database named with --database"),
        Statement::read(
            "capture.query_store.clock",
            CAPTURE,
            "--from-query-store: the server's clock",
            CLOCK_SQL,
        ),
        Statement::read(
            "capture.query_store.texts",
            CAPTURE,
            "--from-query-store: each query's text",
            TEXTS_SQL,
        ),
        Statement::read(
            "capture.query_store.plans",
            CAPTURE,
            "--from-query-store: each query's plans",
            PLANS_SQL,
        ),
        Statement::read(
            "capture.query_store.runtime_stats",
            CAPTURE,
            "--from-query-store: executions and durations per plan",
            RUNTIME_STATS_SQL,
        ),
    ]
}
