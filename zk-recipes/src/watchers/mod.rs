//! Watching a node's data or children as a sequence of states: kazoo's `DataWatch`,
//! `ChildrenWatch` and `PatientChildrenWatch`, without callbacks.
//!
//! Each watcher is a [`Stream`](futures_core::Stream) of states (also readable with its own
//! `next().await`); it re-arms its one-shot watch after every event, keeps it across reconnects
//! (the client re-registers watches with SetWatches, so changes made while disconnected are still
//! reported), re-reads on the new session after a session loss, and holds at most one watch at a
//! time. Dropping the watcher (or calling `stop`) removes that watch, on the server too, so
//! timeouts around `next()` never accumulate watches (kazoo #175). `next()` is cancel-safe: a
//! `next()` dropped halfway (a timeout) loses nothing, and the following call carries on.

mod children;
mod data;
mod patient;

use std::sync::Mutex;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use zk_client::{Client, Error};

use crate::error::RecipeError;
use crate::support::retry::{self, Backoff, Failure as StepFailure, classify};

pub use children::{ChildrenUpdate, ChildrenWatch};
pub use data::{DataUpdate, DataWatch};
pub use patient::{ChildrenChanged, PatientChildrenWatch};

/// Waiting for the connection (a new session after an expiry), then for a backoff delay,
/// before a watcher reads again; fails once the client has stopped for good. Owned, so a
/// watcher keeps it between polls. (In a `Mutex` only to keep the watcher `Sync`: it is
/// polled through `&mut`, never locked.)
struct Recovery(Mutex<BoxFuture<'static, Result<(), Error>>>);

impl Recovery {
    fn new(client: &Client, backoff: &mut Backoff) -> Recovery {
        let client = client.clone();
        let delay = backoff.next_delay();
        Recovery(Mutex::new(Box::pin(async move {
            retry::wait_connected(&client).await?;
            client.runtime().sleep(delay).await;
            Ok(())
        })))
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let future = self.0.get_mut().unwrap_or_else(|e| e.into_inner());
        future.as_mut().poll(cx)
    }
}

/// What to do after a failed read.
enum Failure {
    /// Wait for the connection (or a new session), then read again.
    Retry,
    /// The watcher is over: report this error, then end.
    Fatal(RecipeError),
    /// The watcher is over without anything to report (the client was closed).
    End,
}

/// A watcher holds nothing of a session: after a transient error or an expiry it reads again
/// (on the new session), as kazoo's watchers do.
fn on_failure(error: Error) -> Failure {
    let kind = classify(&error);
    match (error, kind) {
        (Error::Closed, _) => Failure::End,
        (_, StepFailure::Transient | StepFailure::SessionGone) => Failure::Retry,
        (error, StepFailure::Fatal) => Failure::Fatal(RecipeError::Zk(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Events;

    /// Every recipe value can move between tasks and threads, and so can the futures of its
    /// waits.
    #[test]
    fn recipes_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>(_: &T) {}
        send_sync::<DataWatch>();
        send_sync::<ChildrenWatch>();
        send_sync::<PatientChildrenWatch>();
        send_sync::<ChildrenChanged>();
        send_sync::<crate::Queue>();
        send_sync::<crate::LockingQueue>();
        send_sync::<crate::Barrier>();
        send_sync::<crate::DoubleBarrier>();
        send_sync::<crate::Counter<i64>>();
        send_sync::<crate::Counter<f64>>();
        send_sync::<crate::Party>();
        send_sync::<crate::ShallowParty>();
        send_sync::<crate::TreeCache>();
        send_sync::<crate::CuratorCache>();
        send_sync::<Events<crate::TreeEvent>>();
        send_sync::<Events<crate::CacheEvent>>();
        send_sync::<crate::Lock>();
        send_sync::<crate::Semaphore>();
        send_sync::<crate::LockGuard>();
        send_sync::<crate::Lost>();
        let _ = |mut data: DataWatch,
                 mut children: ChildrenWatch,
                 mut queue: crate::LockingQueue,
                 mut events: Events<crate::TreeEvent>,
                 cache: crate::TreeCache| {
            send(&data.next());
            send(&children.next());
            send(&queue.get(None));
            send(&events.next());
            send(&cache.start());
        };
    }
}
