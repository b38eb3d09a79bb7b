//! Ctrl-C, registered up front: a signal that arrives right after a command announced itself
//! must still stop it cleanly, not kill it.

use anyhow::Context;
use std::future::Future;

/// Registers the Ctrl-C (SIGINT) handler now; the returned future completes on the signal.
pub fn ctrl_c() -> anyhow::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("could not listen for Ctrl-C")?;
        Ok(async move {
            interrupt.recv().await;
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
