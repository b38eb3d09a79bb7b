//! # cutover-compare (planned)
//!
//! Lines up two baselines and/or two replays, applies a policy, classifies each query
//! (improved, degraded, unchanged, indeterminate, new or resolved errors) and writes reports:
//! terminal, Markdown, JSON, JUnit XML and a self-contained HTML page with inline SVG charts.
//!
//! polars lives in this crate only, so the rest of the workspace builds fast.
//!
//! Nothing is implemented yet: the crate exists so the workspace shows the architecture.
