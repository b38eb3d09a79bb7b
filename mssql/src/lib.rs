//! `cutover-mssql`: the one SQL Server connection layer every cutover command
//! uses.
//!
//! - **Targets**: [`resolve`] turns a `--server` argument (an ADO.NET or JDBC
//!   connection string, or a name from `cutover.toml`) into a [`ServerTarget`]
//!   with secrets read from the environment or files ([`Secret`] never prints);
//!   the argument itself travels as a [`ServerSpec`], which prints redacted.
//! - **Connections**: [`connect`] opens a [`Connection`] (TLS and certificate
//!   validation on by default, connect and command timeouts applied);
//!   [`retry`] retries transient failures with jittered exponential backoff.
//! - **Errors**: one [`Error`] enum; SQL Server errors become
//!   [`SqlServerError`] with a number, a [`ErrorKind`] from the table in
//!   [`classify`] and a fix; [`redact`] keeps secrets out of every message.
//! - **Discovery**: [`read_identity`] (SERVERPROPERTY, edition family) and
//!   [`probe`] (identity, latency, permissions, the GRANTs that are missing).
//!
//! Module map: `connstr` splits strings, `keys` is the key table, `parse`
//! builds targets, `target` holds them, `config` reads cutover.toml, `env`
//! reads secrets, `secret`/`redact` keep them hidden, `error`/`classify`
//! describe failures, `connect`/`retry` talk to the server, `identity`/`probe`
//! describe it.

pub mod chain;
pub mod classify;
pub mod config;
pub mod connect;
pub mod connstr;
pub mod convert;
pub mod env;
pub mod error;
pub mod identity;
pub mod keys;
pub mod parse;
pub mod probe;
pub mod redact;
pub mod retry;
pub mod secret;
pub mod spec;
pub mod target;

pub use chain::{causes, one_line};
pub use classify::ErrorKind;
pub use config::{CutoverConfig, ServerEntry, resolve};
pub use connect::{Connection, TdsClient, connect};
pub use env::{Env, SystemEnv};
pub use error::{Error, SqlServerError};
pub use identity::{EditionFamily, ServerIdentity, read_identity};
pub use parse::Parsed;
pub use probe::{ProbeReport, probe, probe_connection};
pub use redact::redact;
pub use retry::{RetryPolicy, connect_with_retry, retry};
pub use secret::{Secret, SecretSource};
pub use spec::ServerSpec;
pub use target::{Encryption, ServerTarget};
