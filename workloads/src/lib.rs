//! # cutover-workloads
//!
//! Workloads and the replay engine behind `cutover replay` and `cutover workload init`.
//! Design notes: `../shared/design/replay.md`; formats: `docs/workload-format.md`,
//! `docs/replay-output.md`.
//!
//! | module | concern |
//! |---|---|
//! | [`spec`] | the workload TOML: templates, weights, parameters, load, validation with file:line |
//! | [`generator`], [`zipf`], [`value`] | typed parameter generators and values (seeded) |
//! | [`plan`] | the deterministic unit sequence: template, values, intended start; shards |
//! | [`engine`] | open loop (fixed/Poisson) and closed loop over an [`executor::Executor`] |
//! | [`executor`] | the seam to the server; [`executor::MssqlExecutor`] sends typed RPC |
//! | [`recorder`], [`histograms`], [`report`], [`output`] | counts and samples, HdrHistograms, interval logs, summary and run files |
//! | [`metrics`] | live Prometheus `/metrics` (`--listen`), published by the reporter each interval |
//! | [`trace`] | trace-driven replay: the JSON Lines event file and its per-session player |
//! | [`capture`] | Extended Events / Query Store capture into trace and workload files |
//! | [`clock`] | the injected clock |
//! | [`sync`] | the stop signal and the poison-tolerant lock every part shares |
//! | [`setup`], [`bundled`] | schema and deterministic data for `cutover workload init` |
//! | [`units`] | rates and shards (durations: `cutover_common::duration`) |
//! | [`weights`] | O(1) weighted draws (the template mix) |

pub mod bundled;
pub mod capture;
pub mod clock;
pub mod engine;
pub mod error;
pub mod executor;
pub mod generator;
pub mod histograms;
pub mod metrics;
pub mod output;
pub mod plan;
pub mod recorder;
pub mod report;
pub mod run;
pub mod setup;
pub mod spec;
pub mod sync;
pub mod trace;
pub mod units;
pub mod value;
pub mod weights;
pub mod zipf;

pub use error::{Error, Result};
pub use spec::{Access, Arrival, Load, Stop, Workload};
pub use units::Shard;
