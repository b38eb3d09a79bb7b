//! Replays (`cutover replay --out DIR`, `docs/replay-output.md`): one run folder or a folder of
//! shard folders. [`hlog`] reads and merges the HdrHistogram interval logs losslessly, [`run`]
//! reads `summary.json` and `run.json`, [`compare`] judges each template.

pub mod compare;
pub mod hlog;
pub mod run;
