//! Rows of `sys.dm_xe_sessions` (started sessions) and `sys.server_event_sessions` (defined
//! sessions), with SQL Server 2022's documented columns.

use super::super::catalog::dmv::{RowSet, address, datetime, int, text};
use super::super::catalog::views::ColumnSpec;
use super::super::session::Session;

/// sys.dm_xe_sessions.
pub const DM_XE_SESSIONS: &[ColumnSpec] = &[
    ("address", "varbinary(8)", false),
    ("name", "nvarchar(256)", false),
    ("pending_buffers", "int", false),
    ("total_regular_buffers", "int", false),
    ("regular_buffer_size", "bigint", false),
    ("total_large_buffers", "int", false),
    ("large_buffer_size", "bigint", false),
    ("total_buffer_size", "bigint", false),
    ("buffer_policy_flags", "int", false),
    ("buffer_policy_desc", "nvarchar(256)", false),
    ("flags", "int", false),
    ("flag_desc", "nvarchar(256)", false),
    ("dropped_event_count", "int", false),
    ("dropped_buffer_count", "int", false),
    ("blocked_event_fire_time", "int", false),
    ("create_time", "datetime", false),
    ("largest_event_dropped_size", "int", false),
    ("session_source", "nvarchar(256)", false),
    ("buffer_processed_count", "bigint", false),
    ("buffer_full_count", "bigint", false),
    ("total_bytes_generated", "bigint", false),
];

/// sys.server_event_sessions.
pub const SERVER_EVENT_SESSIONS: &[ColumnSpec] = &[
    ("event_session_id", "int", false),
    ("name", "sysname", true),
    ("event_retention_mode", "nchar(1)", true),
    ("event_retention_mode_desc", "nvarchar(60)", true),
    ("max_dispatch_latency", "int", true),
    ("max_memory", "int", true),
    ("max_event_size", "int", true),
    ("memory_partition_mode", "nchar(1)", true),
    ("memory_partition_mode_desc", "nvarchar(60)", true),
    ("track_causality", "bit", true),
    ("startup_state", "bit", true),
    ("has_long_running_target", "bit", true),
];

pub(crate) fn dm_xe_sessions(session: &Session) -> RowSet {
    let mut set = RowSet::new(&[
        "address",
        "name",
        "total_regular_buffers",
        "regular_buffer_size",
        "total_buffer_size",
        "buffer_policy_desc",
        "flag_desc",
        "create_time",
        "session_source",
        "total_bytes_generated",
    ]);
    for s in session.instance().inner.xe.sessions() {
        let Some(r) = &s.running else { continue };
        set.push(vec![
            address(s.id as u64),
            text(s.name.clone()),
            int(3),
            int(1_441_792),
            int(4_325_376),
            text("drop_event"),
            text("flush_on_close"),
            datetime(&r.create_time),
            text("server"),
            int(r.next_offset),
        ]);
    }
    set
}

pub(crate) fn server_event_sessions(session: &Session) -> RowSet {
    let mut set = RowSet::new(&[
        "event_session_id",
        "name",
        "event_retention_mode",
        "event_retention_mode_desc",
        "max_dispatch_latency",
        "max_memory",
        "max_event_size",
        "memory_partition_mode",
        "memory_partition_mode_desc",
        "track_causality",
        "startup_state",
        "has_long_running_target",
    ]);
    for s in session.instance().inner.xe.sessions() {
        set.push(vec![
            int(s.id),
            text(s.name.clone()),
            text("S"),
            text("ALLOW_SINGLE_EVENT_LOSS"),
            int(s.max_dispatch_latency_s * 1000),
            int(4096),
            int(0),
            text("N"),
            text("NONE"),
            int(0),
            int(s.startup_state as i64),
            int(0),
        ]);
    }
    set
}
