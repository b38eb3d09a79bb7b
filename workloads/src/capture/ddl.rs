//! The T-SQL the capture runs to set up and tear down its event session.

use super::filters::Filters;

/// Where the event files go.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetLocation {
    /// SQL Server: a directory on the server (empty: the instance's LOG directory).
    ServerPath(String),
    /// Managed Instance: an Azure Blob Storage container URL
    /// (`https://<account>.blob.core.windows.net/<container>`) with a credential named for it.
    Blob(String),
}

/// The event session the capture creates.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionPlan {
    /// `cutover_capture_<spid>_<unix seconds>`.
    pub name: String,
    /// The `filename` of the event_file target.
    pub filename: String,
    /// What fn_xe_file_target_read_file reads (`…*.xel`).
    pub read_pattern: String,
}

/// The actions every event carries.
pub const ACTIONS: &[&str] =
    &["session_id", "database_name", "client_app_name", "username", "server_principal_name", "sql_text"];

impl SessionPlan {
    pub fn new(own_spid: i64, unix_seconds: i64, location: &TargetLocation) -> SessionPlan {
        let name = format!("cutover_capture_{own_spid}_{unix_seconds}");
        let filename = match location {
            TargetLocation::ServerPath(dir) if dir.is_empty() => format!("{name}.xel"),
            TargetLocation::ServerPath(dir) => {
                let sep = if dir.contains('/') && !dir.contains('\\') { '/' } else { '\\' };
                format!("{}{sep}{name}.xel", dir.trim_end_matches(['/', '\\']))
            }
            TargetLocation::Blob(url) => format!("{}/{name}.xel", url.trim_end_matches('/')),
        };
        let read_pattern = format!("{}*.xel", filename.trim_end_matches(".xel"));
        SessionPlan { name, filename, read_pattern }
    }

    /// CREATE EVENT SESSION … with the events, the actions, the predicate and the file target:
    /// completed batches and RPCs, and the sessions' state (`login` for new connections,
    /// `existing_connection` for those open when the session starts, with their SET options).
    pub fn create_sql(&self, filters: &Filters) -> String {
        let actions: Vec<String> = ACTIONS.iter().map(|a| format!("sqlserver.{a}")).collect();
        let actions = actions.join(", ");
        let event = |name: &str, set: &str, predicate: &str| {
            format!("ADD EVENT sqlserver.{name} ({set}ACTION ({actions}) WHERE ({predicate}))")
        };
        let (calls, sessions) = (filters.predicate(), filters.session_predicate());
        format!(
            "CREATE EVENT SESSION {} ON SERVER\n  {},\n  {},\n  {},\n  {}\n  ADD TARGET package0.event_file (SET filename = N'{}', \
             max_file_size = (256), max_rollover_files = (8))\n  WITH (MAX_DISPATCH_LATENCY = 1 SECONDS, \
             EVENT_RETENTION_MODE = ALLOW_SINGLE_EVENT_LOSS, STARTUP_STATE = OFF)",
            self.quoted(),
            event("rpc_completed", "SET collect_statement = (1) ", &calls),
            event("sql_batch_completed", "SET collect_batch_text = (1) ", &calls),
            event("login", "SET collect_options_text = (1) ", &sessions),
            event("existing_connection", "SET collect_options_text = (1) ", &sessions),
            self.filename.replace('\'', "''"),
        )
    }

    pub fn start_sql(&self) -> String {
        format!("ALTER EVENT SESSION {} ON SERVER STATE = START", self.quoted())
    }

    pub fn stop_sql(&self) -> String {
        format!("ALTER EVENT SESSION {} ON SERVER STATE = STOP", self.quoted())
    }

    pub fn drop_sql(&self) -> String {
        format!("DROP EVENT SESSION {} ON SERVER", self.quoted())
    }

    /// The T-SQL a person runs when the capture could not clean up.
    pub fn manual_cleanup(&self) -> String {
        format!(
            "IF EXISTS (SELECT 1 FROM sys.server_event_sessions WHERE name = N'{0}')\n  DROP EVENT SESSION {1} ON SERVER;",
            self.name,
            self.quoted()
        )
    }

    fn quoted(&self) -> String {
        format!("[{}]", self.name.replace(']', "]]"))
    }
}

/// The capture's own session id (left out of the events) and the engine edition (where the
/// files go).
pub const IDENTIFY_SQL: &str =
    "SELECT CAST(@@SPID AS int) AS spid, CAST(SERVERPROPERTY('EngineEdition') AS int) AS edition";

/// Whether the event session is running (`@P1`: its name), before stopping it.
pub const SESSION_RUNNING_SQL: &str = "SELECT COUNT(*) FROM sys.dm_xe_sessions WHERE name = @P1";

/// Whether the event session exists (`@P1`: its name), before dropping it.
pub const SESSION_EXISTS_SQL: &str = "SELECT COUNT(*) FROM sys.server_event_sessions WHERE name = @P1";

/// The one read query of each poll.
pub const READ_SQL: &str = "SELECT object_name, CAST(event_data AS nvarchar(max)) AS event_data, file_name, \
     file_offset FROM sys.fn_xe_file_target_read_file(@P1, NULL, @P2, @P3)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files_for_each_location() {
        let p = SessionPlan::new(53, 1_700_000_000, &TargetLocation::ServerPath(String::new()));
        assert_eq!(p.name, "cutover_capture_53_1700000000");
        assert_eq!(p.filename, "cutover_capture_53_1700000000.xel");
        assert_eq!(p.read_pattern, "cutover_capture_53_1700000000*.xel");
        let p = SessionPlan::new(53, 1, &TargetLocation::ServerPath("D:\\xe\\".into()));
        assert_eq!(p.filename, "D:\\xe\\cutover_capture_53_1.xel");
        let p =
            SessionPlan::new(53, 1, &TargetLocation::Blob("https://acct.blob.core.windows.net/xe/".into()));
        assert_eq!(p.filename, "https://acct.blob.core.windows.net/xe/cutover_capture_53_1.xel");
    }

    #[test]
    fn the_session_has_both_events_and_cleans_up_by_name() {
        let p = SessionPlan::new(53, 1, &TargetLocation::ServerPath(String::new()));
        let sql = p.create_sql(&Filters { own_session: Some(53), ..Filters::default() });
        assert!(
            sql.contains("sqlserver.rpc_completed") && sql.contains("sqlserver.sql_batch_completed"),
            "{sql}"
        );
        assert!(
            sql.contains("ADD EVENT sqlserver.login (SET collect_options_text = (1) ")
                && sql.contains("ADD EVENT sqlserver.existing_connection (SET collect_options_text = (1) "),
            "{sql}"
        );
        assert!(sql.contains("sqlserver.sql_text") && sql.contains("<> (53)"), "{sql}");
        assert!(p.manual_cleanup().contains("DROP EVENT SESSION [cutover_capture_53_1] ON SERVER"));
    }
}
