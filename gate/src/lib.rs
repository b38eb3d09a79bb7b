//! # cutover-gate
//!
//! One gate file, one verdict for a release pipeline: data validation and performance
//! comparison of a source SQL Server and its Azure SQL Managed Instance target
//! (`docs/gate.md`).
//!
//! | module | idea |
//! |---|---|
//! | [`file`] | the gate file (`gate.toml`): servers, validation scope, what to compare, thresholds |
//! | [`check`] | one check and the verdict over all of them (a skip is never a pass) |
//! | [`validation`] | the data phase: a `cutover validate` run (or its report.json) as checks |
//! | [`performance`] | producing a baseline and a replay on one side: collect while replaying |
//! | [`comparison`] | the compare phase: `cutover-compare` over the baselines and replays |
//! | [`report`] | the combined report: gate.json, gate.md, junit.xml, and the terminal summary |
//! | [`run`] | the phases in order, each writing its result when it ends |

pub mod check;
pub mod comparison;
pub mod file;
pub mod performance;
pub mod report;
pub mod run;
pub mod validation;

pub use check::{Check, Status, Verdict};
pub use file::GateFile;
pub use report::GateReport;
pub use run::{Gate, Progress, run};

use std::path::PathBuf;

/// What stops the gate before it can write a report.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("could not read the gate file {}; check the --policy path", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: {message} (the format is in docs/gate.md)", .path.display())]
    Parse { path: PathBuf, message: String },
    #[error("could not write {}; check that the folder is writable or pick another --out", .path.display())]
    Write { path: PathBuf, source: std::io::Error },
}
