//! [`TraceStream`]: a capture read as a stream of [`Item`]s in start order, with memory bounded
//! by the merge's window however long the capture is.
//!
//! Files → lines ([`super::files`]) → parsed events ([`super::event`]) → merged by start
//! ([`super::merge`]) → released: each event gets its session's index (order of first
//! appearance in the merged stream, which `--shard` divides), its tag (its statement's
//! fingerprint: `q1`, `q2`, … in order of first appearance, at most [`MAX_TAGS`], then
//! `other`) and its offset from the capture's first start. Events of sessions another shard
//! owns are dropped here. Invalid lines, and writing events when writes are refused, come out
//! as [`Item::Skipped`] with their place and why, so every captured line is accounted for.
//!
//! [`super::reading`] runs a stream on a thread of its own and hands batches to the replay.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use super::event::{At, Bound, Captured, Parsed, Parser, PreparedOp};
use super::files::{ChainReader, chains, find, header_of};
use super::format::{Header, Line, SessionState, parse_line};
use super::merge::{Merge, Out};
use crate::error::Result;
use crate::executor::CallKind;
use crate::units::Shard;
use crate::value::ParamValue;

pub use super::tags::{INVALID_TAG, MAX_TAGS, OTHER_TAG};
use super::tags::{TagDef, Tags};

/// How a capture is read.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Events that started up to this much earlier than events already read still come out in
    /// start order (capture time).
    pub window: Duration,
    /// At most this many events wait in the merge.
    pub max_ahead: usize,
    /// This agent's share of the sessions.
    pub shard: Shard,
    /// Writing events come out as skipped (`writes_not_allowed`) instead of as events.
    pub refuse_writes: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            window: Duration::from_secs(10),
            max_ahead: 200_000,
            shard: Shard::ALL,
            refuse_writes: false,
        }
    }
}

/// The files of a capture, found and grouped, with what their headers say.
#[derive(Clone, Debug)]
pub struct Source {
    /// Every file, in the order found; events name them by index.
    pub files: Vec<PathBuf>,
    /// Files read one after the other (parts of one capture), as indices.
    pub chains: Vec<Vec<usize>>,
    /// The headers' capture start: the earliest (RFC 3339).
    pub started_at: Option<String>,
    /// Their total size on disk.
    pub bytes: u64,
    /// Missing parts and the like.
    pub warnings: Vec<String>,
}

impl Source {
    /// Finds the files named by `inputs` (files, folders, globs) and reads their headers.
    pub fn open(inputs: &[PathBuf]) -> Result<Source> {
        let files = find(inputs)?;
        let headers: Vec<Option<Header>> = files.iter().map(|f| header_of(f)).collect::<Result<_>>()?;
        let (chains, warnings) = chains(&headers);
        let started_at = headers.iter().flatten().map(|h| h.started_at.clone()).min();
        let bytes = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
        Ok(Source { files, chains, started_at, bytes, warnings })
    }

    /// `FILE:LINE` of a place.
    pub fn place(&self, at: At) -> String {
        let file = self.files.get(at.file as usize).map(|f| f.display().to_string()).unwrap_or_default();
        format!("{file}:{}", at.line)
    }

    /// How the files were named, for messages (`a.jsonl`, `dir (3 files)`).
    pub fn describe(&self) -> String {
        match self.files.as_slice() {
            [one] => one.display().to_string(),
            many => {
                format!("{} files ({} … {})", many.len(), many[0].display(), many[many.len() - 1].display())
            }
        }
    }
}

/// A session of this shard, announced before its first item.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionInfo {
    /// Its index among this shard's sessions (what items name).
    pub local: usize,
    /// Its index in the whole capture (order of first appearance).
    pub global: usize,
    /// The captured session id.
    pub id: Arc<str>,
    /// The login of its first event or state line.
    pub login: Option<Arc<str>>,
}

/// One event, ready to send.
#[derive(Clone, Debug)]
pub struct Event {
    pub at: At,
    /// Local session index.
    pub session: usize,
    /// Offset from the capture's first start.
    pub start: Duration,
    pub database: Option<Arc<str>>,
    pub kind: CallKind,
    pub bound: Arc<Bound>,
    pub values: Vec<ParamValue>,
    pub tag: usize,
    /// A prepared-statement call and its captured handle (`bound` is the prepared statement).
    pub op: Option<(PreparedOp, i64)>,
    pub captured: Captured,
}

/// What the stream gives, in start order.
#[derive(Clone, Debug)]
pub enum Item {
    Event(Event),
    /// A session's state (database, login, SET options) from this point, and the statements it
    /// holds prepared, by captured handle.
    State {
        session: usize,
        state: Box<SessionState>,
        prepared: Vec<(i64, Arc<Bound>)>,
    },
    /// A line not replayed, with why (`invalid`, `writes_not_allowed`, `unknown_handle`) and what.
    Skipped {
        at: At,
        session: Option<usize>,
        tag: usize,
        reason: &'static str,
        message: String,
    },
    /// Something the capture saw and did not write as an event.
    Note {
        at: At,
        message: String,
    },
}

enum Ordered {
    Event(Box<Parsed>),
    State(Box<SessionState>),
    /// An invalid line that names its session: ordered with the session's events.
    Invalid {
        at: At,
        session: Arc<str>,
        message: String,
    },
}

enum Passed {
    Invalid { at: At, message: String },
    Note { at: At, message: String },
}

/// A capture read in start order (see the module's notes).
pub struct TraceStream {
    source: Arc<Source>,
    readers: Vec<ChainReader>,
    parser: Parser,
    merge: Merge<Ordered, Passed>,
    options: ReadOptions,
    /// Session id → (global index, local index when this shard owns it).
    sessions: HashMap<Arc<str>, (usize, Option<usize>)>,
    owned: usize,
    fresh_sessions: Vec<SessionInfo>,
    tags: Tags,
    origin: Option<u64>,
    events_all: u64,
    /// Prepared statements of this shard's sessions, by (local session, captured handle).
    handles: HashMap<(usize, i64), Arc<Bound>>,
    /// Lines read (all files).
    pub lines: u64,
    /// File bytes read so far (compressed bytes for zstd files).
    pub bytes_read: Arc<AtomicU64>,
}

impl TraceStream {
    /// Starts reading `source`.
    pub fn new(source: Arc<Source>, options: ReadOptions) -> Self {
        let bytes_read = Arc::new(AtomicU64::new(0));
        let readers = source
            .chains
            .iter()
            .map(|c| {
                let files = c.iter().map(|&i| (i as u32, source.files[i].clone())).collect();
                ChainReader::new(files, bytes_read.clone())
            })
            .collect::<Vec<_>>();
        let merge = Merge::new(
            readers.len(),
            u64::try_from(options.window.as_micros()).unwrap_or(u64::MAX),
            options.max_ahead,
        );
        TraceStream {
            source,
            readers,
            parser: Parser::default(),
            merge,
            options,
            sessions: HashMap::new(),
            owned: 0,
            fresh_sessions: Vec::new(),
            tags: Tags::default(),
            origin: None,
            events_all: 0,
            handles: HashMap::new(),
            lines: 0,
            bytes_read,
        }
    }

    /// The files.
    pub fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// Events released after one that started later (they ran longer than the window).
    pub fn out_of_order(&self) -> u64 {
        self.merge.out_of_order
    }

    /// The capture's first start (µs, as captured), once an event has come out.
    pub fn origin_us(&self) -> Option<u64> {
        self.origin
    }

    /// Events released so far in the whole capture (every shard's).
    pub fn events_all(&self) -> u64 {
        self.events_all
    }

    /// Sessions in the whole capture so far (every shard's).
    pub fn sessions_seen(&self) -> usize {
        self.sessions.len()
    }

    /// Sessions and tags that appeared since the last call (announce them before the items).
    pub fn take_fresh(&mut self) -> (Vec<SessionInfo>, Vec<TagDef>) {
        (std::mem::take(&mut self.fresh_sessions), std::mem::take(&mut self.tags.fresh))
    }

    /// Every tag so far.
    pub fn tags(&self) -> &[TagDef] {
        &self.tags.defs
    }

    fn read(&mut self, chain: usize) {
        let Some(raw) = self.readers[chain].next_line() else {
            self.merge.end(chain);
            return;
        };
        self.lines += 1;
        let at = At { file: raw.file, line: raw.line };
        let text = match raw.text {
            Ok(t) => t,
            Err(message) => return self.merge.pass(Passed::Invalid { at, message }),
        };
        let message = |e: super::format::LineError| format!("{}: {}", e.field, e.message);
        match parse_line(text) {
            Ok(Line::Skip) | Ok(Line::Header(_)) => {}
            Ok(Line::Note(n)) => self.merge.pass(Passed::Note { at, message: n.message }),
            Ok(Line::Session(s)) => {
                // A state line without a time goes with the chain's latest event.
                let start = s.start_us.unwrap_or_else(|| self.merge.frontier(chain));
                self.merge.push(chain, start, Ordered::State(Box::new(s)));
            }
            Ok(Line::Event(raw)) => match self.parser.event(at, &raw) {
                Ok(p) => self.merge.push(chain, p.start_us, Ordered::Event(Box::new(p))),
                Err(e) => {
                    let session = self.parser.name(&raw.session);
                    let invalid = Ordered::Invalid { at, session, message: message(e) };
                    self.merge.push(chain, raw.start_us, invalid);
                }
            },
            Err(e) => {
                // Its session, when the line is JSON at all: the line is counted in that session.
                let session = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| match &v["session"] {
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        serde_json::Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .map(|s| self.parser.name(&s));
                match session {
                    Some(session) => {
                        let start = self.merge.frontier(chain);
                        self.merge.push(chain, start, Ordered::Invalid { at, session, message: message(e) });
                    }
                    None => self.merge.pass(Passed::Invalid { at, message: message(e) }),
                }
            }
        }
    }

    /// The session's local index, registering it on first appearance; None: another shard's.
    fn session(&mut self, id: &Arc<str>, login: Option<&Arc<str>>) -> Option<usize> {
        if let Some(&(_, local)) = self.sessions.get(id) {
            return local;
        }
        let global = self.sessions.len();
        let local = self.options.shard.owns(global as u64).then(|| {
            self.owned += 1;
            self.fresh_sessions.push(SessionInfo {
                local: self.owned - 1,
                global,
                id: id.clone(),
                login: login.cloned(),
            });
            self.owned - 1
        });
        self.sessions.insert(id.clone(), (global, local));
        local
    }

    fn release(&mut self, item: Ordered, start_us: u64) -> Option<Item> {
        match item {
            Ordered::Invalid { at, session, message } => {
                let session = self.session(&session, None)?;
                let tag = self.tags.special(true);
                Some(Item::Skipped { at, session: Some(session), tag, reason: "invalid", message })
            }
            Ordered::State(s) => {
                let id: Arc<str> = Arc::from(s.session.as_str());
                let login = s.login.as_deref().map(Arc::from);
                let session = self.session(&id, login.as_ref())?;
                // A session's state replaces what it held (a new login on a reused id).
                self.handles.retain(|k, _| k.0 != session);
                let prepared: Vec<(i64, Arc<Bound>)> =
                    s.prepared.iter().map(|p| (p.handle, self.parser.prepared(&p.sql, &p.declare))).collect();
                for (h, b) in &prepared {
                    self.handles.insert((session, *h), b.clone());
                }
                Some(Item::State { session, state: s, prepared })
            }
            Ordered::Event(p) => {
                let origin = *self.origin.get_or_insert(start_us);
                self.events_all += 1;
                let session = self.session(&p.session, p.login.as_ref())?;
                let p = *p;
                let (bound, tag) = match self.resolve(session, &p) {
                    Ok(found) => found,
                    Err(handle) => {
                        return Some(Item::Skipped {
                            at: p.at,
                            session: Some(session),
                            tag: self.tags.special(true),
                            reason: "unknown_handle",
                            message: format!(
                                "prepared handle {handle} was never prepared in this capture (its sp_prepare ran \
                                 before the capture began)"
                            ),
                        });
                    }
                };
                if self.options.refuse_writes && bound.writes {
                    return Some(Item::Skipped {
                        at: p.at,
                        session: Some(session),
                        tag,
                        reason: "writes_not_allowed",
                        message: format!(
                            "`{}` may write (pass --allow-writes to replay writes)",
                            bound.fingerprint.chars().take(60).collect::<String>()
                        ),
                    });
                }
                Some(Item::Event(Event {
                    at: p.at,
                    session,
                    start: Duration::from_micros(p.start_us.saturating_sub(origin)),
                    database: p.database,
                    kind: p.kind,
                    bound,
                    values: p.values,
                    tag,
                    op: p.op,
                    captured: p.captured,
                }))
            }
        }
    }

    /// The event's statement and tag; prepared-statement calls go through the session's
    /// handles (Err: an unknown handle).
    fn resolve(&mut self, session: usize, p: &Parsed) -> std::result::Result<(Arc<Bound>, usize), i64> {
        let Some((op, handle)) = p.op else {
            let bound = p.bound.clone().ok_or(0)?;
            let tag = self.tags.of(&bound);
            return Ok((bound, tag));
        };
        match op {
            PreparedOp::Prepare | PreparedOp::PrepExec => {
                let bound = p.bound.clone().ok_or(handle)?;
                self.handles.insert((session, handle), bound.clone());
                let tag = if op == PreparedOp::Prepare {
                    self.tags.of_call("sp_prepare", &bound)
                } else {
                    self.tags.of(&bound)
                };
                Ok((bound, tag))
            }
            PreparedOp::Execute => {
                let bound = self.handles.get(&(session, handle)).cloned().ok_or(handle)?;
                let tag = self.tags.of(&bound);
                Ok((bound, tag))
            }
            PreparedOp::Unprepare => {
                let bound = self.handles.remove(&(session, handle)).ok_or(handle)?;
                let tag = self.tags.of_call("sp_unprepare", &bound);
                Ok((bound, tag))
            }
        }
    }

    fn pass(&mut self, item: Passed) -> Option<Item> {
        match item {
            Passed::Note { at, message } => self.options.shard.owns(0).then_some(Item::Note { at, message }),
            // A line without a session belongs to shard 0.
            Passed::Invalid { at, message } => self.options.shard.owns(0).then(|| {
                let tag = self.tags.special(true);
                Item::Skipped { at, session: None, tag, reason: "invalid", message }
            }),
        }
    }
}

impl Iterator for TraceStream {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            let out = match self.merge.pop() {
                Some(Out::Ordered(e)) => self.release(e.item, e.start_us),
                Some(Out::Passed(p)) => self.pass(p),
                None => {
                    self.read(self.merge.wants()?);
                    continue;
                }
            };
            if out.is_some() {
                return out;
            }
        }
    }
}
