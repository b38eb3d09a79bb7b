//! # cutover-assess
//!
//! Before the move: pick the Managed Instance, find what blocks it, and carry over what a
//! database restore leaves behind.
//!
//! | module | concept |
//! |---|---|
//! | [`limits`] | Managed Instance resource limits as data (`data/mi-limits.toml`, with its source page) |
//! | [`size`] | demand from a collector baseline at a percentile and peak (unknown, never zero, when it is missing); the tier from every latency the workload felt; tier, hardware, vCores, storage, General Purpose file sizes and Next-gen IOPS; the gate file that confirms it |
//! | [`rules`] | assessment rules as data (`data/assess-rules.toml`): one T-SQL query per rule, one generic loop, findings with reason, remediation and source |
//! | [`instance`] | instance-level inventory (logins, roles, credentials, Agent jobs, linked servers, server triggers, configuration), diff and the T-SQL script for what is missing |

mod cells;
pub mod error;
pub mod instance;
pub mod limits;
pub mod rules;
pub mod size;

pub use error::AssessError;
