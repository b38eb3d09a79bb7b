//! Instances, databases, logins, sessions, the catalog, and executing [`Step`]s.
//!
//! - [`Instance`] ([`instance`]): one simulated SQL Server: a data directory with one SQLite
//!   file per database ([`database`]), logins with permissions, a clock ([`config`]).
//! - [`Session`] ([`session`]): one client connection with its own SQLite connection; runs
//!   batches ([`exec`], [`ddl`]), streams rows without copying ([`stream`]), maps SQLite errors
//!   to SQL Server's ([`errors`], [`objects`]).
//! - [`catalog`]: the translator's [`crate::engine::Catalog`], and sys.* /
//!   INFORMATION_SCHEMA views as per-session temp tables, declared in one table
//!   ([`catalog::views`]).
//! - [`context`]: SERVERPROPERTY, @@globals, OBJECT_ID… for the SQL functions.
//! - [`CollectSink`] ([`sink`]): a result sink that keeps everything, for tests.
//!
//! [`Step`]: crate::engine::Step

mod accounting;
mod bulk;
pub mod catalog;
mod change_tracking;
mod compat;
pub mod config;
mod context;
pub mod database;
mod ddl;
mod errors;
mod exec;
pub mod instance;
pub(crate) mod instance_objects;
mod journal;
pub(crate) mod lexer;
pub mod lifecycle;
mod locks;
mod msdb;
mod objects;
pub mod options;
mod query_store;
mod raise;
mod reset;
mod rowlocks;
mod rowmode;
pub mod rowversion;
pub mod session;
pub mod sink;
mod stream;
mod table_sql;
mod temp;
mod transaction;
mod undo;
pub(crate) mod xe;

#[cfg(test)]
mod tests;

pub use bulk::BulkLoad;
pub use config::{Clock, Identity, InstanceConfig, LoginDef, ManualClock, SystemClock, perms};
pub use errors::aborts_batch;
pub use instance::{Instance, SessionInfo, StartError};
pub use lifecycle::FaultControl;
pub use session::Session;
pub use sink::{CollectSink, ResultSet};
