//! `cutover replay`: besides the workload's own statements (from its file or capture, never
//! listed here), the data point of the target database — when it was created or restored — read
//! before the replay starts.

use cutover_workloads::trace::data_point::{CREATED_SQL, OFFSET_SQL, RESTORE_SQL};

use super::EXAMPLE_DATABASE;
use crate::statement::Statement;

const REPLAY: &[&str] = &["replay"];

pub fn statements() -> Vec<Statement> {
    vec![
        Statement::read(
            "replay.data_point.offset",
            REPLAY,
            "The server's offset from UTC (msdb's restore times are local)",
            OFFSET_SQL,
        ),
        Statement::read(
            "replay.data_point.created",
            REPLAY,
            "When the target database was created (its data as of then when it was never restored)",
            CREATED_SQL,
        )
        .parameter("@P1", "nvarchar(128)", EXAMPLE_DATABASE),
        Statement::read(
            "replay.data_point.restore",
            REPLAY,
            "The target database's last restore and the point in time its data is from",
            RESTORE_SQL,
        )
        .parameter("@P1", "nvarchar(128)", EXAMPLE_DATABASE),
    ]
}
