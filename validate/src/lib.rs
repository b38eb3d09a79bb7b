//! # cutover-validate
//!
//! Proves the data arrived unchanged (see `../shared/design/validation.md` and
//! `docs/validate-report.md`):
//!
//! | module | idea |
//! |---|---|
//! | [`catalog`] | one side's schema from the catalog views, and metadata row counts |
//! | [`schema_diff`] | tables, columns, keys, indexes, FKs, defaults, checks, compatibility level |
//! | [`encoding`] | the unambiguous row encoding in T-SQL and its Rust reference |
//! | [`sums`] | COUNT_BIG + DECIMAL(38,0) sums of 8 hash bytes, mod 2^64 |
//! | [`plan`] | the SQL per table: key texts/literals, tuple ranges, checksums, boundaries |
//! | [`compare`] | bisection of differing segments, the streaming (key, hash) merge, bags |
//! | [`checkpoint`] | the file `--resume` continues from, written as each table finishes |
//! | [`queries`] | custom validation queries, compared as bags of typed rows |
//! | [`objects`] | views, procedures, functions, triggers by normalised definition hash |
//! | [`sample`] | `--sample`: a seeded choice of key ranges both sides agree on |
//! | [`budget`] | `--time-budget` and `--priority` |
//! | [`shard`] | `--shard i/N`: tables dealt largest first to balance the shards |
//! | [`watermark`] | rowversion (`@@DBTS`) and Change Tracking versions recorded per table and side |
//! | [`incremental`] | `--since DIR`: only what changed since an earlier run |
//! | [`merge`] | shard reports merged into one verdict |
//! | [`progress`] | rows done per table for rows/s and ETAs |
//! | [`options`] | what the caller chooses ([`Options`], [`Mode`], `--since`'s earlier run), read by every stage |
//! | [`pattern`] | table patterns (`dbo.*`, a bare name in any schema) |
//! | [`run`] | one run over the selected tables: `table` opens each, `schedule` cuts keyed tables into segments the workers share; [`report`] renders it |
//!
//! Data flows one way: `run` → `schedule` → `table` → `incremental` → `checks` (a table's
//! checks) → `options` → the modules whose settings it gathers → `compare`/`report` → `plan`,
//! `encoding`, `cells`.
//!
//! Checksums are computed on the servers: only per-segment (count, sum) pairs cross the
//! network until a segment is small enough to merge row by row.

pub mod budget;
pub mod catalog;
mod cells;
pub mod checkpoint;
mod checks;
pub mod compare;
pub mod encoding;
pub mod error;
pub mod incremental;
pub mod merge;
pub mod objects;
pub mod options;
pub mod pattern;
pub mod plan;
pub mod progress;
pub mod queries;
pub mod report;
pub mod run;
pub mod sample;
mod schedule;
pub mod schema_diff;
pub mod shard;
pub mod sums;
mod table;
pub mod watermark;

pub use error::ValidateError;
pub use options::{Mode, Options, Since};
pub use progress::Progress;
pub use report::Report;
pub use run::{dry_run, passed, validate, validate_with};
