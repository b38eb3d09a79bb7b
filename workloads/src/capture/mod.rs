//! Capturing a real workload on the source (`cutover capture`, `docs/capture.md`).
//!
//! Extended Events: an event session for `sql_batch_completed` and `rpc_completed` with the
//! session, database, app, login and statement text, filtered on the server and excluding the
//! capture's own connections, written to an `event_file` target (a server path; on Managed
//! Instance a blob URL), read once per poll with `sys.fn_xe_file_target_read_file` from where
//! the last read ended, parsed client-side and written as the trace format of
//! `cutover replay --trace` (`docs/trace-format.md`), flushed as it arrives. The session is
//! stopped and dropped on every exit path. Or Query Store, into a declarative workload.
//!
//! | file | concern |
//! |---|---|
//! | [`run`] | the capture loop: create, start, poll, stop, drop (always) |
//! | [`ddl`] | the event session's T-SQL, file names, the read query, manual cleanup |
//! | [`filters`] | databases, apps, logins, minimum duration; the capture's own session out |
//! | [`xml`] | the event XML (quick-xml) |
//! | [`statement`] | `sp_executesql` / `sp_prepare` / `sp_execute` text → typed RPC |
//! | [`convert`] | an event → a trace line |
//! | [`order`] | a session's start times in the order it ran its statements |
//! | [`writer`] | the JSON Lines file, flushed per poll |
//! | [`query_store`] | Query Store → workload TOML |

pub mod convert;
pub mod ddl;
pub mod error;
pub mod filters;
pub mod order;
pub mod query_store;
pub mod run;
pub mod statement;
pub mod writer;
pub mod xml;

pub use ddl::TargetLocation;
pub use error::CaptureError;
pub use filters::Filters;
pub use run::{CaptureFailure, CaptureOptions, CaptureSummary, Cleanup, Stopped, capture};
