//! The two shared-state helpers every part of a replay uses (engine, trace engine, reporter,
//! live metrics): waiting for the stop signal, and locking a mutex that a panicked worker may
//! have poisoned.

use std::sync::Mutex;

use tokio::sync::watch;

/// Waits until the stop signal is true (forever if its sender is gone).
pub async fn stopped(mut stop: watch::Receiver<bool>) {
    if stop.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Locks a mutex, recovering the data if a worker panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
