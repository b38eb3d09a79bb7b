//! # cutover-common
//!
//! The small pieces of infrastructure that several cutover commands need, written once.
//!
//! | module | concept |
//! |---|---|
//! | [`units`] | values for people by unit (`7.0 ms`, `3.1 MB/s`): the collector's run summary, compare's reports |
//! | [`duration`] | the one duration grammar (`250us`, `500ms`, `15s`, `2m`, `2min`, `1h`, `1d`) of every flag and file |
//! | [`glob`] | the one wildcard match (`*`, `?`, case-insensitive) of table patterns and policy patterns |
//! | [`rng`] | the one seeded generator (splitmix64): the same numbers for a seed in every version |
//! | [`xml`] | XML text and attribute escaping |
//! | [`junit`] | JUnit XML: suites of test cases, written by `compare`, `validate` and `gate` |
//! | `http` (feature `serve`) | the one small HTTP server (axum): method and target in, plain text out; `/metrics` and `cutover sim --admin` |
//! | `metrics` (feature `serve`) | the one `/metrics` HTTP server (axum) of `collect --listen` and `replay --listen` |
//!
//! Nothing here knows SQL Server; nothing here pulls in an async runtime unless the `serve`
//! feature asks for it.

pub mod duration;
pub mod glob;
#[cfg(feature = "serve")]
pub mod http;
pub mod junit;
#[cfg(feature = "serve")]
pub mod metrics;
pub mod rng;
pub mod units;
pub mod xml;
