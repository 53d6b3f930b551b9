//! Steps run on a task of their own, and clean-up that outlives its caller.
//!
//! A watched read whose future is dropped before the reply (a timeout, a cancelled call) would
//! leave its watcher registered until it fires; a lock node created by a dropped `get` would
//! stay locked. A [`detach`]ed step always finishes: its output goes to the waiter, or, if the
//! waiter is gone, is dropped (a watch in it is removed) or handed to a clean-up
//! ([`detach_with_cleanup`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_channel::oneshot;
use zk_client::{Client, Error, ErrorCode, OneshotWatch, SessionId, Stat};

use super::retry;

/// A step's output on its way to the waiter, with what to do if nobody takes it. Whoever drops
/// it untaken (the task when the waiter is gone, the channel when the waiter went after the
/// send) runs the clean-up.
struct Claim<T> {
    value: Option<T>,
    cleanup: Option<Box<dyn FnOnce(T) + Send>>,
}

impl<T> Claim<T> {
    fn take(mut self) -> Option<T> {
        self.cleanup = None;
        self.value.take()
    }
}

impl<T> Drop for Claim<T> {
    fn drop(&mut self) {
        if let (Some(value), Some(cleanup)) = (self.value.take(), self.cleanup.take()) {
            cleanup(value);
        }
    }
}

/// The outcome of a [`detach`]ed step: `None` if its task vanished (the runtime shut down).
///
/// Dropping it does not stop the step: the step finishes and its output is dropped, or given
/// to the clean-up of [`detach_with_cleanup`].
pub(crate) struct Detached<T> {
    receiver: oneshot::Receiver<Claim<T>>,
}

impl<T> fmt::Debug for Detached<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detached").finish_non_exhaustive()
    }
}

impl<T> Future for Detached<T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.receiver)
            .poll(cx)
            .map(|claim| claim.ok().and_then(Claim::take))
    }
}

/// Runs `future` on a task of its own; the returned [`Detached`] yields its output.
pub(crate) fn detach<T, F>(client: &Client, future: F) -> Detached<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    spawn(client, future, None)
}

/// [`detach`], with what to do with the output if nobody takes it (the waiter was dropped):
/// `cleanup` runs synchronously, so it spawns whatever asynchronous undo it needs.
pub(crate) fn detach_with_cleanup<T, F>(
    client: &Client,
    future: F,
    cleanup: impl FnOnce(T) + Send + 'static,
) -> Detached<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    spawn(client, future, Some(Box::new(cleanup)))
}

fn spawn<T, F>(
    client: &Client,
    future: F,
    cleanup: Option<Box<dyn FnOnce(T) + Send>>,
) -> Detached<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let (sender, receiver) = oneshot::channel();
    client.runtime().spawn(async move {
        let claim = Claim {
            value: Some(future.await),
            cleanup,
        };
        // A waiter that is gone hands the claim back; dropping it runs the clean-up.
        drop(sender.send(claim));
    });
    Detached { receiver }
}

/// A detached read's result, with a vanished task as `Closed`.
pub(crate) fn settled<T>(outcome: Option<Result<T, Error>>) -> Result<T, Error> {
    outcome.unwrap_or(Err(Error::Closed))
}

/// What a watched data read gives.
pub(crate) type DataRead = Result<(Bytes, Stat, OneshotWatch), Error>;
/// What a watched children read gives.
pub(crate) type ChildrenRead = Result<(Vec<String>, Stat, OneshotWatch), Error>;
/// What a watched exists gives.
pub(crate) type ExistsRead = Result<(Option<Stat>, OneshotWatch), Error>;

/// `get_data_watched`, detached.
pub(crate) fn data_watched(client: &Client, path: &str) -> Detached<DataRead> {
    let (c, p) = (client.clone(), path.to_owned());
    detach(client, async move { c.get_data_watched(&p).await })
}

/// `get_children_watched`, detached.
pub(crate) fn children_watched(client: &Client, path: &str) -> Detached<ChildrenRead> {
    let (c, p) = (client.clone(), path.to_owned());
    detach(client, async move { c.get_children_watched(&p).await })
}

/// `exists_watched`, detached.
pub(crate) fn exists_watched(client: &Client, path: &str) -> Detached<ExistsRead> {
    let (c, p) = (client.clone(), path.to_owned());
    detach(client, async move { c.exists_watched(&p).await })
}

/// Runs an asynchronous undo on the client's runtime if dropped while armed: a recipe step
/// that created a node arms one, and disarms it once the step has succeeded, so a step that
/// fails, times out or is cancelled (its future dropped) leaves nothing behind.
pub(crate) struct CleanupGuard {
    client: Client,
    undo: Option<Pin<Box<dyn Future<Output = ()> + Send + 'static>>>,
}

impl CleanupGuard {
    pub(crate) fn new(client: &Client, undo: impl Future<Output = ()> + Send + 'static) -> Self {
        CleanupGuard {
            client: client.clone(),
            undo: Some(Box::pin(undo)),
        }
    }

    /// The step succeeded: nothing to undo.
    pub(crate) fn disarm(mut self) {
        self.undo = None;
    }
}

impl Drop for CleanupGuard {
    fn drop(&mut self) {
        if let Some(undo) = self.undo.take() {
            self.client.runtime().spawn(undo);
        }
    }
}

/// Deletes the ephemeral node `path` of session `owner` in the background, waiting for the
/// connection if needed; a node already gone is fine. Nothing is sent once `owner` is gone (the
/// node went with it, and a node of that name on a newer session belongs to someone else).
pub(crate) fn delete_in_background(client: &Client, owner: SessionId, path: String) {
    let bound = client.bound_to_session(owner);
    client.runtime().spawn(async move {
        let deleted = retry::retry_in_session(&bound, || bound.delete(&path, None)).await;
        if let Err(error) = deleted {
            if !matches!(
                error,
                Error::Server(ErrorCode::NoNode) | Error::SessionExpired | Error::Closed
            ) {
                tracing::warn!(%error, path, "could not clean up a recipe node");
            }
        }
    });
}
