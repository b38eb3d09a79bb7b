//! [`Timer`]: one thread that wakes sleepers at their due instants with the operating system's
//! timer. tokio's timer wheel ends every sleep on the next millisecond tick, so each unit of a
//! replay started up to 1 ms late and that millisecond sat in its response time; the thread
//! here sleeps to the due instant itself (tens of microseconds late) and then wakes the task.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Instant;

use tokio::sync::oneshot;

/// A sleeper: its due instant, its place in line, and whom to wake.
struct Due {
    at: Instant,
    seq: u64,
    wake: oneshot::Sender<()>,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// The handle: registers sleepers with the timer thread, which ends when every handle is gone.
#[derive(Debug)]
pub struct Timer {
    sleepers: Sender<(Instant, oneshot::Sender<()>)>,
}

impl Timer {
    /// Starts the timer thread; `None` if the thread cannot be started.
    pub fn start() -> Option<Timer> {
        let (sleepers, rx) = channel();
        std::thread::Builder::new().name("cutover-timer".into()).spawn(move || run(&rx)).ok()?;
        Some(Timer { sleepers })
    }

    /// A receiver that completes at `at`, or `None` if the timer thread is gone.
    pub fn wake_at(&self, at: Instant) -> Option<oneshot::Receiver<()>> {
        let (wake, woken) = oneshot::channel();
        self.sleepers.send((at, wake)).ok()?;
        Some(woken)
    }
}

/// Wakes each sleeper at its instant, earliest first, taking new sleepers meanwhile.
fn run(rx: &Receiver<(Instant, oneshot::Sender<()>)>) {
    let mut due: BinaryHeap<Reverse<Due>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut open = true;
    loop {
        let now = Instant::now();
        while due.peek().is_some_and(|d| d.0.at <= now) {
            if let Some(Reverse(d)) = due.pop() {
                // A sleeper that gave up (its future was dropped) is simply not there.
                let _ = d.wake.send(());
            }
        }
        let next = due.peek().map(|d| d.0.at);
        let received = match (next, open) {
            (Some(at), true) => rx.recv_timeout(at - now),
            (None, true) => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            (Some(at), false) => {
                std::thread::sleep(at - now);
                continue;
            }
            (None, false) => return,
        };
        match received {
            Ok((at, wake)) => {
                seq += 1;
                due.push(Reverse(Due { at, seq, wake }));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn sleepers_wake_in_due_order_never_early_and_a_dropped_one_is_skipped() {
        let timer = Timer::start().expect("thread");
        let start = Instant::now();
        let ms = Duration::from_millis;
        let late = timer.wake_at(start + ms(30)).unwrap();
        let early = timer.wake_at(start + ms(10)).unwrap();
        drop(timer.wake_at(start + ms(20)).unwrap());
        let past = timer.wake_at(start.checked_sub(ms(5)).unwrap_or(start)).unwrap();
        past.await.unwrap();
        early.await.unwrap();
        assert!(start.elapsed() >= ms(10), "woken at {:?}", start.elapsed());
        late.await.unwrap();
        assert!(start.elapsed() >= ms(30), "woken at {:?}", start.elapsed());
    }
}
