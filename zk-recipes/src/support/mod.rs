//! What the recipes share, one concern per module. Everything is written against the
//! [`Client`](zk_client::Client) and its runtime handle (`Client::runtime()`: spawn, sleep,
//! timeout), so the recipes run on whichever runtime the client was built for.
//!
//! - [`retry`]: which failures a recipe step outlives (the transient rule, and what a session
//!   expiry means for a step), the one backoff with jitter, and the retry loops.
//! - [`session`]: following the session a node belongs to.
//! - [`signal`]: a cancellation or stop signal that any number of tasks wait on.
//! - [`detach`]: steps run on a task of their own, so a dropped waiter never abandons a
//!   watched read or a lock node halfway; clean-up that outlives its caller.
//! - [`tasks`]: a set of futures polled together, any of them removable.
//! - [`events`]: cache events broadcast to bounded subscriptions that report what they missed.
//! - [`paths`]: joining and splitting znode paths.
//! - [`cache`]: what both caches share between handle and background task: contents, events,
//!   stop and lifecycle, started and closed one way.

pub(crate) mod cache;
pub(crate) mod detach;
pub(crate) mod events;
pub(crate) mod paths;
pub(crate) mod retry;
pub(crate) mod session;
pub(crate) mod signal;
pub(crate) mod tasks;

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, ignoring poisoning: the data behind the recipes' locks stays consistent
/// between statements, and a panicking recipe task must not take every handle down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `future` for at most `timeout` (forever when `None`) on the client's timer; `None`
/// if time ran out.
pub(crate) async fn within<T>(
    client: &zk_client::Client,
    timeout: Option<std::time::Duration>,
    future: impl std::future::Future<Output = T>,
) -> Option<T> {
    match timeout {
        Some(timeout) => client.runtime().timeout(timeout, future).await,
        None => Some(future.await),
    }
}
