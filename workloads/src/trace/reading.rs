//! Reading a capture on a thread of its own ([`Reading::spawn`]) and handing it to the replay
//! in [`Batch`]es, so parsing never delays the replay's timers; or all at once, on the caller's
//! thread ([`Reading::preloaded`]: tests on a virtual clock, small captures).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::stream::{Item, SessionInfo, Source, TraceStream};
use super::tags::TagDef;

/// A batch handed from the reading thread to the replay.
#[derive(Debug, Default)]
pub struct Batch {
    /// Sessions that first appear in this batch.
    pub sessions: Vec<SessionInfo>,
    /// Tags that first appear in this batch.
    pub tags: Vec<TagDef>,
    pub items: Vec<Item>,
}

/// What the reading thread reports when it ends.
#[derive(Clone, Debug, Default)]
pub struct StreamEnd {
    /// Everything was read (false: stopped early).
    pub complete: bool,
    /// Lines read.
    pub lines: u64,
    /// Sessions in the whole capture (every shard's) when reading ended.
    pub sessions_seen: usize,
    /// Events that came out after a later-starting one.
    pub out_of_order: u64,
}

/// Items per batch.
pub const BATCH: usize = 512;

/// A capture being read: the batches, and how to stop the reading.
pub struct Reading {
    /// The capture's files.
    pub source: Arc<Source>,
    /// Batches in start order.
    pub rx: tokio::sync::mpsc::Receiver<Batch>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<StreamEnd>>,
    end: StreamEnd,
}

impl Reading {
    /// Reads `stream` on a thread of its own (the replay).
    pub fn spawn(stream: TraceStream) -> Reading {
        let source = stream.source().clone();
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = spawn(stream, tx, stop.clone());
        Reading { source, rx, stop, thread: Some(thread), end: StreamEnd::default() }
    }

    /// Reads all of `stream` now, on this thread (tests on a virtual clock, small captures).
    pub fn preloaded(mut stream: TraceStream) -> Reading {
        let source = stream.source().clone();
        let mut batches = Vec::new();
        loop {
            let items: Vec<Item> = stream.by_ref().take(BATCH).collect();
            let (sessions, tags) = stream.take_fresh();
            let end = items.len() < BATCH;
            batches.push(Batch { sessions, tags, items });
            if end {
                break;
            }
        }
        let (tx, rx) = tokio::sync::mpsc::channel(batches.len().max(1));
        for b in batches {
            let _ = tx.try_send(b);
        }
        let end = StreamEnd {
            complete: true,
            lines: stream.lines,
            sessions_seen: stream.sessions_seen(),
            out_of_order: stream.out_of_order(),
        };
        Reading { source, rx, stop: Arc::new(AtomicBool::new(false)), thread: None, end }
    }

    /// Asks the reading thread to stop after its current batch.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for the reading thread and says how reading ended.
    pub async fn finish(&mut self) -> StreamEnd {
        match self.thread.take() {
            Some(t) => {
                tokio::task::spawn_blocking(move || t.join().unwrap_or_default()).await.unwrap_or_default()
            }
            None => self.end.clone(),
        }
    }
}

/// Reads `stream` on a thread of its own into `tx` until it ends, the receiver is dropped or
/// `stop` turns true.
fn spawn(
    mut stream: TraceStream,
    tx: tokio::sync::mpsc::Sender<Batch>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<StreamEnd> {
    std::thread::Builder::new()
        .name("trace-reader".into())
        .spawn(move || {
            let mut complete = false;
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let items: Vec<Item> = stream.by_ref().take(BATCH).collect();
                let end = items.len() < BATCH;
                let (sessions, tags) = stream.take_fresh();
                if (!items.is_empty() || !sessions.is_empty() || !tags.is_empty())
                    && tx.blocking_send(Batch { sessions, tags, items }).is_err()
                {
                    break;
                }
                if end {
                    complete = true;
                    break;
                }
            }
            StreamEnd {
                complete,
                lines: stream.lines,
                sessions_seen: stream.sessions_seen(),
                out_of_order: stream.out_of_order(),
            }
        })
        .expect("a thread can be started")
}
