//! # cutover-sim: an embedded SQL Server simulator
//!
//! A real TDS 7.4 server on a TCP port ([`server`]), a real SQL engine underneath (SQLite, one
//! file per simulated database, [`engine`]), and SQL Server's type system on the wire
//! ([`types`], [`tds`]). Tests and `cutover demo` run against it because no SQL Server can run
//! on the machines that build this project; everything `cutover` does to a real server it does
//! to this one, over the same protocol.

pub mod admin;
pub mod engine;
pub mod error;
pub mod load;
pub mod profile;
pub mod server;
pub mod tds;
pub mod types;

pub use error::SqlError;
