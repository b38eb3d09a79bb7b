//! A simulated buffer pool: which pages are cached. A fixed bitmap of hashed page ids (lossy,
//! like any cache); a read of a page whose bit is clear is a physical read and sets it. A
//! restart empties it (a cold cache, as on a real server).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const BITS: usize = 1 << 20;

#[derive(Debug)]
pub struct BufferPool {
    words: Vec<AtomicU64>,
    cached: AtomicU64,
}

impl Default for BufferPool {
    fn default() -> Self {
        BufferPool { words: (0..BITS / 64).map(|_| AtomicU64::new(0)).collect(), cached: AtomicU64::new(0) }
    }
}

impl BufferPool {
    /// Touches `pages` pages of object `key`; returns how many were not cached.
    pub fn touch(&self, key: u64, pages: u64) -> u64 {
        let mut missed = 0;
        for page in 0..pages {
            let h = mix(key ^ page.wrapping_mul(cutover_common::rng::GOLDEN)) as usize % BITS;
            let bit = 1u64 << (h % 64);
            let before = self.words[h / 64].fetch_or(bit, Relaxed);
            if before & bit == 0 {
                missed += 1;
            }
        }
        self.cached.fetch_add(missed, Relaxed);
        missed
    }

    /// Pages cached so far (the Buffer Manager's Database pages).
    pub fn cached_pages(&self) -> u64 {
        self.cached.load(Relaxed)
    }
}

/// A 64-bit mixer: splitmix64's finaliser, the workspace's one ([`cutover_common::rng`]).
pub use cutover_common::rng::mix64 as mix;

/// FNV-1a over bytes: the hash of a statement's text (no allocation).
pub fn text_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}
