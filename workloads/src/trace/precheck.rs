//! The first pass over a capture, before anything is sent: reads every line as the replay will
//! (same merge, same sessions and tags), and takes stock: events per session and per tag of
//! this shard, statements that may write, invalid lines, the span. Memory is that of the stream
//! plus one counter per session and tag. A progress bar shows the bytes read.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::ProgressBar;

use super::event::At;
use super::stream::{Item, ReadOptions, SessionInfo, Source, TraceStream};
use super::tags::TagDef;
use crate::error::Error;

/// Invalid lines kept with their message (the rest only counted).
pub const EXAMPLES: usize = 20;
/// Distinct databases remembered.
pub const DATABASES: usize = 1000;

/// What the first pass found (this shard's share, unless said).
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// Events of this shard's sessions.
    pub events: u64,
    /// Events in the whole capture (every shard's).
    pub events_all: u64,
    /// Sessions of this shard, in order.
    pub sessions: Vec<SessionInfo>,
    /// Sessions in the whole capture.
    pub sessions_all: usize,
    /// Events per session of this shard (by local index).
    pub per_session: Vec<u64>,
    /// Tags, and events per tag.
    pub tags: Vec<TagDef>,
    pub per_tag: Vec<u64>,
    /// The databases the events ran in (as captured; at most [`DATABASES`]).
    pub databases: std::collections::BTreeSet<String>,
    /// Invalid lines: how many, and the first few with their place.
    pub invalid: u64,
    pub invalid_examples: Vec<(At, String)>,
    /// Notes the capture wrote (events it saw and could not write).
    pub notes: u64,
    /// The last event's offset from the first (the capture's span).
    pub span: Duration,
    /// The first event's start as captured (µs).
    pub origin_us: Option<u64>,
    /// Events that came out after a later-starting one (longer than the window).
    pub out_of_order: u64,
    /// Lines read.
    pub lines: u64,
}

impl Inventory {
    /// Tags whose statements may write, with their text.
    pub fn writing(&self) -> Vec<&TagDef> {
        self.tags.iter().filter(|t| t.writes).collect()
    }

    /// The first invalid line as an error naming file:line (None when every line is valid).
    pub fn first_invalid(&self, source: &Source) -> Option<Error> {
        let (at, message) = self.invalid_examples.first()?;
        Some(invalid_error(source, *at, message, self.invalid - 1))
    }
}

/// An invalid line as an error: `FILE:LINE:1: field: message`, saying how many more there are.
pub fn invalid_error(source: &Source, at: At, message: &str, more: u64) -> Error {
    let file = source.files.get(at.file as usize).map(|f| f.display().to_string()).unwrap_or_default();
    let (field, message) = message.split_once(": ").unwrap_or(("event", message));
    Error::Invalid {
        file,
        line: usize::try_from(at.line).unwrap_or(usize::MAX),
        column: 1,
        field: field.to_string(),
        message: if more > 0 {
            format!("{message} (and {more} more invalid lines)")
        } else {
            message.to_string()
        },
    }
}

/// Reads the whole capture once. `progress` shows bytes read (its length is set here).
pub fn precheck(source: Arc<Source>, options: &ReadOptions, progress: &ProgressBar) -> Inventory {
    let options = ReadOptions { refuse_writes: false, ..options.clone() };
    let mut stream = TraceStream::new(source.clone(), options);
    progress.set_length(source.bytes);
    let bytes = stream.bytes_read.clone();
    let mut inv = Inventory::default();
    let mut last_start = Duration::ZERO;
    while let Some(item) = stream.next() {
        let (sessions, tags) = stream.take_fresh();
        inv.sessions.extend(sessions);
        inv.per_session.resize(inv.sessions.len(), 0);
        inv.tags.extend(tags);
        inv.per_tag.resize(inv.tags.len(), 0);
        match item {
            Item::Event(e) => {
                inv.events += 1;
                inv.per_session[e.session] += 1;
                inv.per_tag[e.tag] += 1;
                last_start = last_start.max(e.start);
                if let Some(db) = e.database.as_deref().filter(|_| inv.databases.len() < DATABASES)
                    && !inv.databases.contains(db)
                {
                    inv.databases.insert(db.to_string());
                }
            }
            Item::Skipped { at, tag, message, .. } => {
                inv.invalid += 1;
                inv.per_tag[tag] += 1;
                if inv.invalid_examples.len() < EXAMPLES {
                    inv.invalid_examples.push((at, message));
                }
            }
            Item::Note { .. } => inv.notes += 1,
            Item::State { state, .. } => {
                if let Some(db) = state.database.filter(|_| inv.databases.len() < DATABASES) {
                    inv.databases.insert(db);
                }
            }
        }
        if stream.lines.is_multiple_of(4096) {
            progress.set_position(bytes.load(Ordering::Relaxed));
            progress.set_message(format!("{} events", inv.events));
        }
    }
    progress.finish_and_clear();
    inv.events_all = stream.events_all();
    inv.sessions_all = stream.sessions_seen();
    inv.span = last_start;
    inv.origin_us = stream.origin_us();
    inv.out_of_order = stream.out_of_order();
    inv.lines = stream.lines;
    inv
}
