//! Load history in 15-second windows: what sys.server_resource_stats (MI) and the scheduler
//! monitor ring buffer (one record a minute) report. A ring of 1,024 windows (4 h 16 min).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

/// Seconds per window.
pub const WINDOW_SECS: i64 = 15;
const SLOTS: usize = 1024;

#[derive(Debug, Default)]
struct Slot {
    window: AtomicI64,
    cpu_us: AtomicU64,
    io_requests: AtomicU64,
    read_bytes: AtomicU64,
    write_bytes: AtomicU64,
}

/// One window's totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub cpu_us: u64,
    pub io_requests: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
}

#[derive(Debug)]
pub struct History {
    slots: Vec<Slot>,
}

impl Default for History {
    fn default() -> Self {
        History {
            slots: (0..SLOTS).map(|_| Slot { window: AtomicI64::new(-1), ..Default::default() }).collect(),
        }
    }
}

impl History {
    /// Adds work to window `window` (seconds since start / 15).
    pub fn add(&self, window: i64, w: Window) {
        let slot = &self.slots[window.rem_euclid(SLOTS as i64) as usize];
        let seen = slot.window.load(Relaxed);
        if seen != window && slot.window.compare_exchange(seen, window, Relaxed, Relaxed).is_ok() {
            slot.cpu_us.store(0, Relaxed);
            slot.io_requests.store(0, Relaxed);
            slot.read_bytes.store(0, Relaxed);
            slot.write_bytes.store(0, Relaxed);
        }
        slot.cpu_us.fetch_add(w.cpu_us, Relaxed);
        slot.io_requests.fetch_add(w.io_requests, Relaxed);
        slot.read_bytes.fetch_add(w.read_bytes, Relaxed);
        slot.write_bytes.fetch_add(w.write_bytes, Relaxed);
    }

    /// A window's totals (zero for a window with no work or one that fell off the ring).
    pub fn window(&self, window: i64) -> Window {
        let slot = &self.slots[window.rem_euclid(SLOTS as i64) as usize];
        if slot.window.load(Relaxed) != window {
            return Window::default();
        }
        Window {
            cpu_us: slot.cpu_us.load(Relaxed),
            io_requests: slot.io_requests.load(Relaxed),
            read_bytes: slot.read_bytes.load(Relaxed),
            write_bytes: slot.write_bytes.load(Relaxed),
        }
    }

    /// How many windows the ring keeps.
    pub fn capacity() -> i64 {
        SLOTS as i64
    }
}
