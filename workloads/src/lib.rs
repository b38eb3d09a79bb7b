//! # cutover-workloads (planned)
//!
//! Workload definitions and the replay engine behind `cutover replay` and `cutover capture`.
//!
//! What will live here (see `../shared/design/replay.md` and the replay issue):
//! - the declarative workload file (templates, weights, typed parameter generators, rate or
//!   concurrency, warm-up, duration) and the trace-driven event file (JSON Lines);
//! - open-loop (fixed rate, Poisson) and closed-loop engines that record response time from
//!   the intended start and service time from the actual send into separate HdrHistograms,
//!   with a schedule-lag histogram and explicit late/skipped counts;
//! - bundled workloads (order entry, reporting) with deterministic data generators.
//!
//! Nothing is implemented yet: the crate exists so the workspace shows the architecture.
