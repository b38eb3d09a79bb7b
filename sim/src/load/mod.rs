//! The load model: what executed statements do to a simulated instance's counters, and how
//! long they take. One concept per file:
//!
//! | file | concept |
//! |---|---|
//! | `state.rs` | [`LoadState`]: one run's cumulative counters, charged once per statement; [`Knobs`] |
//! | `waits.rs` | the wait types and their counters; idle waits accruing with uptime |
//! | `files.rs` | per-file IO counts, bytes and stalls |
//! | `plan_cache.rs` | plan cache keyed by statement text; query stats per entry |
//! | `buffer_pool.rs` | which pages are cached (misses are physical reads) |
//! | `history.rs` | 15-second windows for sys.server_resource_stats and the CPU ring buffer |
//! | `activity.rs` | what each session is doing now; the kill switch for its connection |
//! | `faults.rs` | injected stalls and errors |
//! | `clock.rs` | a clock that runs faster than real time |
//!
//! The model in one paragraph: a statement touches `max(rows returned, rows scanned) + rows
//! written` rows; at 50 rows a page plus two index levels that is its logical reads; pages
//! missing from the buffer pool are physical reads, read 64 pages per IO, each IO stalling
//! for the profile's IO latency (charged to PAGEIOLATCH_SH/EX and to the data file's
//! io_stall_read_ms, so the two agree); modified rows write 120 log bytes each and a commit
//! flushes the log once (WRITELOG and the log file's io_stall_write_ms, at the profile's log
//! latency); CPU is the measured SQLite time plus the profile's per-row cost. With shaping on
//! the statement sleeps its IO stalls, log flushes, simulated CPU and the knob's extra latency.

pub mod activity;
pub mod buffer_pool;
pub mod clock;
pub mod faults;
pub mod files;
pub mod history;
pub mod plan_cache;
pub mod state;
pub mod waits;

pub use activity::SessionActivity;
pub use clock::ScaledClock;
pub use faults::{FailRule, Faults};
pub use state::{Knobs, LoadState, Shaping, Work, WorkKind};
pub use waits::{WAIT_TYPES, Wait};
