//! # cutover-collector
//!
//! Samples SQL Server DMVs on one or many instances into a baseline that `cutover compare`
//! reads, and serves the latest sample on `/metrics` for Prometheus.
//!
//! | module | concept |
//! |---|---|
//! | [`config`] | the `[collect]` section of `cutover.toml` (servers, intervals, outputs) |
//! | [`counters`] | `dm_os_performance_counters` maths by `cntr_type`, base pairing, name normalisation |
//! | [`delta`] | deltas on the server's clock; intervals dropped and marked on restart, reset, gap |
//! | [`baseline`] | rounds into the baseline format ([`cutover_baseline`] owns the files) |
//! | [`sketch`] | bounded quantile sketch (relative error 0.5 %) behind the run summary |

pub mod baseline;
pub mod catalog;
pub mod config;
pub mod counters;
pub mod delta;
pub mod families;
pub mod prom;
pub mod rows;
pub mod run;
pub mod sample;
pub mod sampler;
pub mod sketch;
pub mod summary;
