//! The k-way merge of a capture's chains by start time, with a bounded read-ahead window.
//!
//! Extended Events writes an event when it *completes*, so a file is in completion order while
//! replay needs start order (start = completion − duration). The merge reads ahead in each chain
//! and holds what it read in a min-heap keyed by (start, read order); it releases the earliest
//! entry once every unfinished chain has read past that entry's start plus the **window**
//! (default 10 s of capture time). An event that ran longer than the window can come out after
//! events that started after it: it is released as soon as it is read (and replays late),
//! never dropped. At most `max_ahead` entries wait in the heap, so memory is bounded by the
//! window, not by the capture's length.
//!
//! Most entries arrive already in start order (a session's events, and a capture whose events
//! are short): those go to a queue in O(1), and only the ones that arrive earlier than the
//! latest queued start go to the heap; the earliest of the two heads comes out first.
//!
//! The merge only orders; what it orders ([`Entry::item`]) is up to the caller. Lines that carry
//! no start time (notes, invalid lines) are passed through at once ([`Merge::pass`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// One heap entry: its start time, the order it was read in, and what it carries.
#[derive(Debug)]
pub struct Entry<T> {
    pub start_us: u64,
    seq: u64,
    pub item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.start_us, self.seq) == (other.start_us, other.seq)
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.start_us, self.seq).cmp(&(other.start_us, other.seq))
    }
}

/// What comes out of the merge.
#[derive(Debug)]
pub enum Out<T, P> {
    /// An ordered entry.
    Ordered(Entry<T>),
    /// A pass-through item, in read order.
    Passed(P),
}

#[derive(Clone, Copy, Debug, Default)]
struct Chain {
    /// The latest start read from this chain.
    frontier: u64,
    done: bool,
}

/// The merge state; the caller reads the chain [`Merge::wants`] and pushes what it read.
#[derive(Debug)]
pub struct Merge<T, P> {
    chains: Vec<Chain>,
    /// Entries that arrived in order (starts non-decreasing, read order among equals).
    queue: VecDeque<Entry<T>>,
    /// The others.
    heap: BinaryHeap<Reverse<Entry<T>>>,
    passed: VecDeque<P>,
    seq: u64,
    window_us: u64,
    max_ahead: usize,
    /// The latest start released so far.
    released_up_to: u64,
    /// Entries released after an entry with a later start (they ran longer than the window).
    pub out_of_order: u64,
}

impl<T, P> Merge<T, P> {
    /// A merge of `chains` chains with a reorder window and a read-ahead bound.
    pub fn new(chains: usize, window_us: u64, max_ahead: usize) -> Self {
        Merge {
            chains: vec![Chain::default(); chains],
            queue: VecDeque::new(),
            heap: BinaryHeap::new(),
            passed: VecDeque::new(),
            seq: 0,
            window_us,
            max_ahead: max_ahead.max(1),
            released_up_to: 0,
            out_of_order: 0,
        }
    }

    /// The chain to read next: the unfinished one that has read the least far (None: all done).
    pub fn wants(&self) -> Option<usize> {
        self.chains
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.done)
            .min_by_key(|(_, c)| c.frontier)
            .map(|(i, _)| i)
    }

    /// An ordered item read from `chain`.
    pub fn push(&mut self, chain: usize, start_us: u64, item: T) {
        let c = &mut self.chains[chain];
        c.frontier = c.frontier.max(start_us);
        self.seq += 1;
        let entry = Entry { start_us, seq: self.seq, item };
        if self.queue.back().is_none_or(|last| last.start_us <= start_us) {
            self.queue.push_back(entry);
        } else {
            self.heap.push(Reverse(entry));
        }
    }

    /// An item passed through in read order.
    pub fn pass(&mut self, item: P) {
        self.passed.push_back(item);
    }

    /// `chain` has nothing more.
    pub fn end(&mut self, chain: usize) {
        self.chains[chain].done = true;
    }

    /// The latest start read from `chain`.
    pub fn frontier(&self, chain: usize) -> u64 {
        self.chains[chain].frontier
    }

    /// Entries waiting to come out.
    pub fn ahead(&self) -> usize {
        self.heap.len() + self.queue.len()
    }

    /// The earliest waiting entry's start, and whether it is the heap's (else the queue's).
    fn earliest(&self) -> Option<(u64, bool)> {
        match (self.heap.peek(), self.queue.front()) {
            (Some(Reverse(h)), Some(q)) => {
                Some(if h <= q { (h.start_us, true) } else { (q.start_us, false) })
            }
            (Some(Reverse(h)), None) => Some((h.start_us, true)),
            (None, Some(q)) => Some((q.start_us, false)),
            (None, None) => None,
        }
    }

    /// The next item that may go out, or None when more must be read first (or all is out).
    pub fn pop(&mut self) -> Option<Out<T, P>> {
        if let Some(p) = self.passed.pop_front() {
            return Some(Out::Passed(p));
        }
        let (top, from_heap) = self.earliest()?;
        let frontier = self.chains.iter().filter(|c| !c.done).map(|c| c.frontier).min();
        let ready = match frontier {
            None => true,
            Some(f) => f >= top.saturating_add(self.window_us) || self.ahead() > self.max_ahead,
        };
        if !ready {
            return None;
        }
        let entry = if from_heap { self.heap.pop()?.0 } else { self.queue.pop_front()? };
        if entry.start_us < self.released_up_to {
            self.out_of_order += 1;
        }
        self.released_up_to = self.released_up_to.max(entry.start_us);
        Some(Out::Ordered(entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives the merge over in-memory chains of (start, label); `None` starts pass through.
    fn run(
        chains: Vec<Vec<(Option<u64>, &'static str)>>,
        window: u64,
        max_ahead: usize,
    ) -> Vec<&'static str> {
        let mut m: Merge<&str, &str> = Merge::new(chains.len(), window, max_ahead);
        let mut its: Vec<_> = chains.into_iter().map(|c| c.into_iter()).collect();
        let mut out = Vec::new();
        loop {
            match m.pop() {
                Some(Out::Ordered(e)) => out.push(e.item),
                Some(Out::Passed(p)) => out.push(p),
                None => match m.wants() {
                    Some(c) => match its[c].next() {
                        Some((Some(s), x)) => m.push(c, s, x),
                        Some((None, x)) => m.pass(x),
                        None => m.end(c),
                    },
                    None => return out,
                },
            }
        }
    }

    #[test]
    fn events_come_out_in_start_order_within_the_window() {
        // Completion order in the file; b started before a.
        let chain = vec![(Some(10), "a"), (Some(5), "b"), (None, "note"), (Some(20), "c"), (Some(40), "d")];
        assert_eq!(run(vec![chain], 10, 100), vec!["note", "b", "a", "c", "d"]);
        // b ran longer than the window: it comes out when read, after a, not dropped.
        let late = vec![(Some(10), "a"), (Some(20), "c"), (Some(5), "b")];
        assert_eq!(run(vec![late], 2, 100), vec!["a", "b", "c"]);
    }

    #[test]
    fn chains_are_merged_and_read_ahead_is_bounded() {
        let one = vec![(Some(1), "1a"), (Some(4), "1b"), (Some(9), "1c")];
        let two = vec![(Some(2), "2a"), (Some(3), "2b"), (Some(10), "2c")];
        assert_eq!(run(vec![one.clone(), two.clone()], 0, 100), vec!["1a", "2a", "2b", "1b", "1c", "2c"]);
        // One entry ahead at most: released as read, still in order here.
        assert_eq!(run(vec![one, two], 1000, 1), vec!["1a", "2a", "2b", "1b", "1c", "2c"]);
    }
}
