//! # cutover-baseline
//!
//! The baseline format that `cutover collect --out DIR` writes and `compare`, `size` and
//! `gate` read (`docs/baseline-format.md`), owned in one place: whoever writes or reads a
//! baseline goes through this crate, so the two ends cannot drift apart.
//!
//! | module | concept |
//! |---|---|
//! | [`columns`] | the Parquet parts' column names and schema, for every reader and the writer |
//! | [`doc`] | `baseline.json`: [`BaselineDoc`], instances, gaps, errors, the run summary |
//! | [`version`] | [`FORMAT_VERSION`] and the check every reader makes before anything else |
//! | [`labels`] | the `k=v,k=v` label codec of the series' `labels` column |
//! | [`waits`] | the wait category table, applied when the baseline is written (`wait_categories`) |
//! | [`write`] | [`BaselineWriter`]: Parquet parts, optional CSV, `baseline.json` rewritten atomically |
//! | [`read`] | [`Baseline::open`]: `baseline.json` checked, the parts listed; [`read::read_part`] reads one row by row |
//! //!
//! The crate reads and writes files only: no SQL Server client, no async runtime, no HTTP.

pub mod columns;
pub mod doc;
pub mod error;
pub mod labels;
pub mod read;
pub mod version;
pub mod waits;
pub mod write;

pub use doc::{BaselineDoc, FamilyError, Gap, GapCause, InstanceInfo, Summary};
pub use error::BaselineError;
pub use read::{Baseline, StoredRow};
pub use version::FORMAT_VERSION;
pub use write::{BaselineWriter, Row};
