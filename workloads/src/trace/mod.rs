//! Trace-driven replay: a capture (JSON Lines, one file or many, plain or zstd,
//! `docs/trace-format.md`) replayed per session in captured order, anchored to the capture's
//! schedule at a speed factor, **streaming**: memory does not grow with the capture's length.
//!
//! | file | concern |
//! |---|---|
//! | [`format`] | the lines: header, notes, session state, events |
//! | [`files`] | finding the files (file, folder, glob), zstd, chains of parts |
//! | [`event`] | a raw event → a typed, bound event; shared statements |
//! | [`fingerprint`] | a statement's fingerprint (literals as `?`): its tag |
//! | [`merge`] | the k-way merge by start time with a bounded window |
//! | [`stream`] | the capture as items in start order: sessions, shards, skips |
//! | [`tags`] | histogram tags: fingerprints, `other`, `invalid` |
//! | [`reading`] | the stream on a thread of its own, in batches |
//! | [`precheck`] | the first pass: counts, writes, invalid lines, before anything is sent |
//! | [`data_point`] | what the target databases' data is as of (restore history, create date) |
//! | [`set_options`] | a session's SET options: from the login's options text to a checked SET batch |
//! | [`engine`] | the replay: a dispatcher and one player per session; session state restored |
//! | [`replay`] | `cutover replay --trace` from start to finish: output files, reconciliation |
//!
//! Each event keeps its file and line, so an error in `errors.jsonl` points back at the
//! captured event.

pub mod data_point;
pub mod engine;
pub mod event;
pub mod files;
pub mod fingerprint;
pub mod format;
pub mod merge;
pub mod precheck;
pub mod reading;
pub mod replay;
pub mod set_options;
pub mod stream;
pub mod tags;

use std::path::PathBuf;
use std::sync::Arc;

pub use event::{At, Captured};
pub use precheck::{Inventory, precheck};
pub use stream::{Event, Item, ReadOptions, SessionInfo, Source, TraceStream};
pub use tags::TagDef;

use crate::error::Result;

/// A whole capture in memory: each session with its events in start order. For tests and
/// tools that look at small captures; the replay itself streams.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sessions: Vec<(SessionInfo, Vec<Event>)>,
    pub tags: Vec<TagDef>,
}

/// Reads a whole capture (every shard) into memory; the first invalid line is an error.
pub fn load(inputs: &[PathBuf]) -> Result<Loaded> {
    let source = Arc::new(Source::open(inputs)?);
    let mut stream = TraceStream::new(source.clone(), ReadOptions::default());
    let mut out = Loaded::default();
    while let Some(item) = stream.next() {
        let (sessions, tags) = stream.take_fresh();
        out.sessions.extend(sessions.into_iter().map(|s| (s, Vec::new())));
        out.tags.extend(tags);
        match item {
            Item::Event(e) => out.sessions[e.session].1.push(e),
            Item::Skipped { at, message, .. } => {
                return Err(precheck::invalid_error(&source, at, &message, 0));
            }
            Item::State { .. } | Item::Note { .. } => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
