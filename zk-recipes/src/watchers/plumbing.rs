//! Runtime-neutral building blocks shared by the queue, barrier, watcher and cache recipes.
//!
//! Everything here is written against [`Client`]'s own hooks (`spawn`, `sleep`, `timeout`), so
//! the recipes run on whichever runtime the client was built for.
//!
//! - [`detach`]: runs a step on a task of its own, so dropping the future that waits for it
//!   (a timeout, a cancelled call) never abandons a watched read halfway. A watched read
//!   dropped before its reply would leave its watcher registered until it fires; a detached
//!   one finishes, and its watch is dropped (hence removed) if nobody takes it.
//! - [`Mux`]: a set of futures polled together, each woken on its own (a small
//!   `FuturesUnordered`), which the caches use to wait on many watches and reads at once.
//! - [`Hub`] and [`Events`]: broadcast of cache events to any number of subscribers.
//! - [`StopSignal`], [`Cleanup`], [`select`], [`until_ok`].

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use bytes::Bytes;
use zk_client::{Client, Error, OneshotWatch, Stat};

/// A boxed, sendable future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Locks a mutex, ignoring poisoning: the data behind these locks stays consistent between
/// statements, and a panicking recipe task must not take every handle down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

// ----- detach -----------------------------------------------------------------------------

type Cleanup<T> = Box<dyn FnOnce(T) + Send>;

struct SlotState<T> {
    value: Option<T>,
    /// The task finished (or vanished without a value: its runtime shut down).
    sender_done: bool,
    receiver_alive: bool,
    waker: Option<Waker>,
    /// What to do with a value nobody will take; dropping it is the default.
    cleanup: Option<Cleanup<T>>,
}

struct Sender<T> {
    slot: Arc<Mutex<SlotState<T>>>,
    sent: bool,
}

impl<T> Sender<T> {
    fn send(mut self, value: T) {
        self.sent = true;
        let (waker, unclaimed) = {
            let mut st = lock(&self.slot);
            st.sender_done = true;
            if st.receiver_alive {
                st.value = Some(value);
                (st.waker.take(), None)
            } else {
                (None, Some((value, st.cleanup.take())))
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        if let Some((value, cleanup)) = unclaimed {
            match cleanup {
                Some(cleanup) => cleanup(value),
                None => drop(value),
            }
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.sent {
            return;
        }
        let waker = {
            let mut st = lock(&self.slot);
            st.sender_done = true;
            st.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The outcome of a [`detach`]ed step: `None` if its task vanished (the runtime shut down).
///
/// Dropping it does not stop the step: the step finishes and its value is dropped (or given
/// to the cleanup of [`detach_with_cleanup`]).
pub(crate) struct Detached<T> {
    slot: Arc<Mutex<SlotState<T>>>,
}

impl<T> fmt::Debug for Detached<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detached").finish_non_exhaustive()
    }
}

impl<T> Future for Detached<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut st = lock(&self.slot);
        if let Some(value) = st.value.take() {
            return Poll::Ready(Some(value));
        }
        if st.sender_done {
            return Poll::Ready(None);
        }
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Detached<T> {
    fn drop(&mut self) {
        let unclaimed = {
            let mut st = lock(&self.slot);
            st.receiver_alive = false;
            st.waker = None;
            st.value.take().map(|value| (value, st.cleanup.take()))
        };
        if let Some((value, cleanup)) = unclaimed {
            match cleanup {
                Some(cleanup) => cleanup(value),
                None => drop(value),
            }
        }
    }
}

/// Runs `future` on a task of its own; the returned [`Detached`] yields its output.
pub(crate) fn detach<T, F>(client: &Client, future: F) -> Detached<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    detach_inner(client, future, None)
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
    detach_inner(client, future, Some(Box::new(cleanup)))
}

fn detach_inner<T, F>(client: &Client, future: F, cleanup: Option<Cleanup<T>>) -> Detached<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let slot = Arc::new(Mutex::new(SlotState {
        value: None,
        sender_done: false,
        receiver_alive: true,
        waker: None,
        cleanup,
    }));
    let sender = Sender {
        slot: slot.clone(),
        sent: false,
    };
    client.spawn(async move {
        let value = future.await;
        sender.send(value);
    });
    Detached { slot }
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

// ----- retrying ---------------------------------------------------------------------------

/// How long to pause before trying again after a transient failure.
const BACKOFF: Duration = Duration::from_millis(100);

/// Errors that go away by themselves: the connection (or the session) comes back.
pub(crate) fn is_transient(error: &Error) -> bool {
    error.is_connection_error() || matches!(error, Error::Throttled | Error::SessionExpired)
}

/// The error for a watch that ended because the client stopped for good (`None` for a node
/// event, a reconnect or lag marker, or a session loss, after which a new session follows).
pub(crate) fn stopped_by(event: &zk_client::WatchEvent) -> Option<Error> {
    use zk_client::WatchEvent;
    match event {
        WatchEvent::Node(_)
        | WatchEvent::Resumed { .. }
        | WatchEvent::Lagged { .. }
        | WatchEvent::SessionExpired => None,
        WatchEvent::AuthFailed => Some(Error::AuthFailed),
        _ => Some(Error::Closed),
    }
}

/// Waits until the client is connected again; fails if the session has stopped for good
/// (closed, authentication failed, or lost under the terminal expiry policy).
pub(crate) async fn wait_session(client: &Client) -> Result<(), Error> {
    loop {
        match client.wait_connected(Duration::from_secs(3600)).await {
            Err(Error::OperationTimeout) => continue,
            other => return other,
        }
    }
}

/// After a transient failure: waits for the connection, then pauses briefly.
pub(crate) async fn recover(client: &Client) -> Result<(), Error> {
    wait_session(client).await?;
    client.sleep(BACKOFF).await;
    Ok(())
}

/// Runs `op` until it succeeds or fails with an error that is not transient, waiting for the
/// connection (or a new session) in between. Unbounded: callers bound it with a deadline.
/// Only for steps that are safe to repeat.
pub(crate) async fn until_ok<T, F, Fut>(client: &Client, mut op: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    loop {
        match op().await {
            Err(error) if is_transient(&error) => {
                tracing::debug!(%error, "recipe step failed, trying again once connected");
                recover(client).await?;
            }
            other => return other,
        }
    }
}

/// Runs `future` for at most `timeout` (forever when `None`); `None` if time ran out.
pub(crate) async fn within<T>(
    client: &Client,
    timeout: Option<Duration>,
    future: impl Future<Output = T>,
) -> Option<T> {
    match timeout {
        Some(timeout) => client.timeout(timeout, future).await,
        None => Some(future.await),
    }
}

// ----- select -----------------------------------------------------------------------------

/// Which of two futures finished first.
pub(crate) enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Waits for the first of two futures; the other is left as it was (both are borrowed).
pub(crate) async fn select<A, B>(a: &mut A, b: &mut B) -> Either<A::Output, B::Output>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = Pin::new(&mut *a).poll(cx) {
            return Poll::Ready(Either::Left(out));
        }
        if let Poll::Ready(out) = Pin::new(&mut *b).poll(cx) {
            return Poll::Ready(Either::Right(out));
        }
        Poll::Pending
    })
    .await
}

// ----- cleanup on drop --------------------------------------------------------------------

/// Runs an asynchronous undo on the client's runtime if dropped while armed: a recipe step
/// that created a node arms one, and disarms it once the step has succeeded, so a step that
/// fails, times out or is cancelled (its future dropped) leaves nothing behind.
pub(crate) struct CleanupGuard {
    client: Client,
    undo: Option<BoxFuture<()>>,
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
            self.client.spawn(undo);
        }
    }
}

/// Deletes `path` in the background, waiting for the connection if needed; a node already
/// gone is fine. Gives up when the session is gone for good (its ephemerals are gone too).
pub(crate) fn delete_in_background(client: &Client, path: String) {
    let c = client.clone();
    client.spawn(async move {
        let result = until_ok(&c, || c.delete(&path, None)).await;
        if let Err(error) = result {
            if !matches!(error, Error::NoNode | Error::Closed) {
                tracing::warn!(%error, path, "could not clean up a recipe node");
            }
        }
    });
}

// ----- stop signal ------------------------------------------------------------------------

/// Tells a background task to stop.
#[derive(Default)]
pub(crate) struct StopSignal {
    stopped: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl StopSignal {
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        if let Some(waker) = lock(&self.waker).take() {
            waker.wake();
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Completes once [`stop`](StopSignal::stop) was called.
    pub(crate) async fn stopped(self: Arc<Self>) {
        std::future::poll_fn(|cx| {
            *lock(&self.waker) = Some(cx.waker().clone());
            if self.is_stopped() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

// ----- mux --------------------------------------------------------------------------------

#[derive(Default)]
struct ReadyQueue {
    keys: VecDeque<u64>,
    parent: Option<Waker>,
}

struct KeyWaker {
    key: u64,
    queued: AtomicBool,
    ready: Arc<Mutex<ReadyQueue>>,
}

impl Wake for KeyWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::SeqCst) {
            return;
        }
        let parent = {
            let mut ready = lock(&self.ready);
            ready.keys.push_back(self.key);
            ready.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

struct Entry<T> {
    future: BoxFuture<T>,
    key_waker: Arc<KeyWaker>,
    waker: Waker,
}

/// A set of futures polled together, each only when it was woken; yields `(key, output)` as
/// they finish. Removing a key drops its future.
pub(crate) struct Mux<T> {
    entries: HashMap<u64, Entry<T>>,
    ready: Arc<Mutex<ReadyQueue>>,
    next_key: u64,
}

impl<T> Default for Mux<T> {
    fn default() -> Self {
        Mux {
            entries: HashMap::new(),
            ready: Arc::default(),
            next_key: 0,
        }
    }
}

impl<T> Mux<T> {
    /// Adds a future; returns its key.
    pub(crate) fn push(&mut self, future: impl Future<Output = T> + Send + 'static) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        let key_waker = Arc::new(KeyWaker {
            key,
            queued: AtomicBool::new(false),
            ready: self.ready.clone(),
        });
        let waker = Waker::from(key_waker.clone());
        self.entries.insert(
            key,
            Entry {
                future: Box::pin(future),
                key_waker: key_waker.clone(),
                waker,
            },
        );
        // Poll it once, soon.
        key_waker.wake_by_ref();
        key
    }

    /// Drops the future of `key`, if it is still there.
    pub(crate) fn remove(&mut self, key: u64) {
        self.entries.remove(&key);
    }

    /// How many futures are pending.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The next finished future; `None` when the set is empty.
    pub(crate) async fn next(&mut self) -> Option<(u64, T)> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(u64, T)>> {
        {
            let mut ready = lock(&self.ready);
            match &ready.parent {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => ready.parent = Some(cx.waker().clone()),
            }
        }
        loop {
            let key = lock(&self.ready).keys.pop_front();
            let Some(key) = key else { break };
            let Some(entry) = self.entries.get_mut(&key) else {
                continue;
            };
            entry.key_waker.queued.store(false, Ordering::SeqCst);
            let mut entry_cx = Context::from_waker(&entry.waker);
            if let Poll::Ready(output) = entry.future.as_mut().poll(&mut entry_cx) {
                self.entries.remove(&key);
                return Poll::Ready(Some((key, output)));
            }
        }
        if self.entries.is_empty() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

// ----- event hub --------------------------------------------------------------------------

struct QueueState<E> {
    items: VecDeque<E>,
    waker: Option<Waker>,
    closed: bool,
}

/// A subscription to a cache's events: every event published after it was made, in order.
///
/// Events queue up until taken (the queue is unbounded: keep reading, or drop the
/// subscription). The subscription ends (`next` yields `None`) once the cache has been closed
/// and every queued event was taken.
pub struct Events<E> {
    queue: Arc<Mutex<QueueState<E>>>,
}

impl<E> fmt::Debug for Events<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = lock(&self.queue);
        f.debug_struct("Events")
            .field("queued", &st.items.len())
            .field("closed", &st.closed)
            .finish()
    }
}

impl<E> Events<E> {
    /// The next event; `None` once the cache is closed and every event was taken.
    pub async fn next(&mut self) -> Option<E> {
        std::future::poll_fn(|cx| {
            let mut st = lock(&self.queue);
            if let Some(item) = st.items.pop_front() {
                return Poll::Ready(Some(item));
            }
            if st.closed {
                return Poll::Ready(None);
            }
            st.waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// The next event if one is queued, without waiting.
    pub fn try_next(&mut self) -> Option<E> {
        lock(&self.queue).items.pop_front()
    }
}

struct Subscribers<E> {
    queues: Vec<Weak<Mutex<QueueState<E>>>>,
    closed: bool,
}

/// Publishes events to every live subscription.
pub(crate) struct Hub<E> {
    subscribers: Mutex<Subscribers<E>>,
}

impl<E> Default for Hub<E> {
    fn default() -> Self {
        Hub {
            subscribers: Mutex::new(Subscribers {
                queues: Vec::new(),
                closed: false,
            }),
        }
    }
}

impl<E: Clone> Hub<E> {
    pub(crate) fn subscribe(&self) -> Events<E> {
        let mut subs = lock(&self.subscribers);
        let queue = Arc::new(Mutex::new(QueueState {
            items: VecDeque::new(),
            waker: None,
            closed: subs.closed,
        }));
        subs.queues.push(Arc::downgrade(&queue));
        Events { queue }
    }

    pub(crate) fn publish(&self, event: E) {
        let mut wakers = Vec::new();
        {
            let mut subs = lock(&self.subscribers);
            subs.queues.retain(|weak| match weak.upgrade() {
                Some(queue) => {
                    let mut st = lock(&queue);
                    st.items.push_back(event.clone());
                    wakers.extend(st.waker.take());
                    true
                }
                None => false,
            });
        }
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Ends every subscription (after its queued events), and every later one at once.
    pub(crate) fn close(&self) {
        let mut wakers = Vec::new();
        {
            let mut subs = lock(&self.subscribers);
            subs.closed = true;
            for queue in subs.queues.drain(..).filter_map(|weak| weak.upgrade()) {
                let mut st = lock(&queue);
                st.closed = true;
                wakers.extend(st.waker.take());
            }
        }
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// Joins a parent path and a child name.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent == "/" {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join() {
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
    }

    #[test]
    fn mux_yields_what_finishes_and_forgets_what_was_removed() {
        let mut mux: Mux<u32> = Mux::default();
        let a = mux.push(async { 1 });
        let b = mux.push(std::future::pending::<u32>());
        let c = mux.push(async { 3 });
        mux.remove(c);
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert_eq!(mux.poll_next(&mut cx), Poll::Ready(Some((a, 1))));
        assert_eq!(mux.poll_next(&mut cx), Poll::Pending);
        assert_eq!(mux.len(), 1);
        mux.remove(b);
        assert_eq!(mux.poll_next(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn hub_delivers_in_order_and_ends_after_close() {
        let hub: Hub<u32> = Hub::default();
        let mut early = hub.subscribe();
        hub.publish(1);
        let mut late = hub.subscribe();
        hub.publish(2);
        hub.close();
        assert_eq!(early.try_next(), Some(1));
        assert_eq!(early.try_next(), Some(2));
        assert_eq!(late.try_next(), Some(2));
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut next = std::pin::pin!(late.next());
        assert_eq!(next.as_mut().poll(&mut cx), Poll::Ready(None));
        assert!(hub.subscribe().try_next().is_none());
    }
}
