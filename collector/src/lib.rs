//! # cutover-collector (planned)
//!
//! Samples SQL Server DMVs on one or many instances into a baseline that `cutover compare`
//! reads, and serves the latest sample on `/metrics` for Prometheus.
//!
//! What will live here (see `../shared/design/collector.md` and the collector issue):
//! - a query catalog per engine edition, declared as data (family → query → columns → metric
//!   kind and unit) and run by one generic loop;
//! - counter maths by `cntr_type` (raw, per-second, fraction with base, average per operation)
//!   computed on the server's clock, with intervals dropped and marked across restarts, resets
//!   and gaps;
//! - the baseline on disk: `baseline.json` plus tidy Parquet/CSV time series;
//! - the Prometheus exposition (`mssql_` prefix, base units, `sql_instance` label).
//!
//! Nothing is implemented yet: the crate exists so the workspace shows the architecture.
