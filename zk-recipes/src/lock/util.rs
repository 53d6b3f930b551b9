//! Small runtime-neutral helpers shared by the group A recipes: racing futures, a cancellable
//! event, the session watch that decides when a contender must start over, retries with
//! backoff, and path joins.
//!
//! The crate depends on no async runtime: everything here is built on `std` and the
//! [`Client`]'s own timer (`Client::sleep`, `Client::timeout`, `Client::spawn`).

use std::collections::HashMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use zk_client::{Client, Error, SessionId, SessionState, StateStream};

/// The outcome of [`select`].
#[derive(Debug)]
pub(crate) enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Polls both futures until one completes; the other is dropped. `a` is polled first.
pub(crate) async fn select<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(out));
        }
        if let Poll::Ready(out) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(out));
        }
        Poll::Pending
    })
    .await
}

/// The outcome of [`select3`].
#[derive(Debug)]
pub(crate) enum Either3<A, B, C> {
    First(A),
    Second(B),
    Third(C),
}

/// Polls three futures until one completes, in order.
pub(crate) async fn select3<A: Future, B: Future, C: Future>(
    a: A,
    b: B,
    c: C,
) -> Either3<A::Output, B::Output, C::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut c = pin!(c);
    poll_fn(|cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Either3::First(out));
        }
        if let Poll::Ready(out) = b.as_mut().poll(cx) {
            return Poll::Ready(Either3::Second(out));
        }
        if let Poll::Ready(out) = c.as_mut().poll(cx) {
            return Poll::Ready(Either3::Third(out));
        }
        Poll::Pending
    })
    .await
}

/// Polls a future once without a real waker: `Some` if it is already complete. Used to look at
/// watches and state streams between steps without waiting on them.
pub(crate) fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match future.poll(&mut cx) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

/// Runs `future` with an optional time limit on the client's runtime: `None` if time ran out.
pub(crate) async fn with_timeout<T>(
    client: &Client,
    timeout: Option<Duration>,
    future: impl Future<Output = T>,
) -> Option<T> {
    match timeout {
        None => Some(future.await),
        Some(limit) => client.timeout(limit, future).await,
    }
}

/// A level-triggered broadcast event: [`notify`](Event::notify) bumps an epoch and wakes every
/// waiter; a waiter completes once the epoch has passed the one it started from. Waiters that
/// are dropped deregister, so nothing accumulates.
#[derive(Default)]
pub(crate) struct Event {
    inner: Mutex<EventInner>,
}

#[derive(Default)]
struct EventInner {
    epoch: u64,
    next_key: u64,
    wakers: HashMap<u64, Waker>,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("epoch", &self.epoch())
            .finish_non_exhaustive()
    }
}

impl Event {
    fn lock(&self) -> MutexGuard<'_, EventInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current epoch.
    pub(crate) fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Bumps the epoch and wakes every waiter.
    pub(crate) fn notify(&self) {
        let wakers: Vec<Waker> = {
            let mut inner = self.lock();
            inner.epoch += 1;
            inner.wakers.drain().map(|(_, w)| w).collect()
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Completes once the epoch is greater than `seen`.
    pub(crate) fn wait(&self, seen: u64) -> EventWait<'_> {
        EventWait {
            event: self,
            seen,
            key: None,
        }
    }
}

/// The future of [`Event::wait`].
pub(crate) struct EventWait<'a> {
    event: &'a Event,
    seen: u64,
    key: Option<u64>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut inner = this.event.lock();
        if inner.epoch > this.seen {
            if let Some(key) = this.key.take() {
                inner.wakers.remove(&key);
            }
            return Poll::Ready(());
        }
        let key = *this.key.get_or_insert_with(|| {
            inner.next_key += 1;
            inner.next_key
        });
        inner.wakers.insert(key, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.event.lock().wakers.remove(&key);
        }
    }
}

/// What happened to the session a contender node belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionEvent {
    /// The connection dropped; the session (and the node) may well survive.
    Suspended,
    /// Connected again with the same session: watches were re-registered, re-check.
    Reconnected,
    /// The session is gone (expired, or replaced by a new one): so is its ephemeral node.
    Lost,
    /// The client was closed or failed authentication: nothing more can be done.
    Closed,
}

/// Follows the state changes of one session. Unlike a bare look at the current state, it reads
/// every change in order, so a `Lost` that is immediately followed by `Connecting` (the default
/// expiry policy opens a new session) is not missed.
pub(crate) struct SessionWatch {
    client: Client,
    changes: StateStream,
    session: SessionId,
}

impl fmt::Debug for SessionWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionWatch")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl SessionWatch {
    /// Watches `session`. Subscribe before checking that `session` is the client's current one
    /// (see [`SessionWatch::is_current`]), so no change slips in between.
    pub(crate) fn new(client: &Client, session: SessionId) -> SessionWatch {
        SessionWatch {
            changes: client.state_changes(),
            client: client.clone(),
            session,
        }
    }

    /// The watched session.
    pub(crate) fn session(&self) -> SessionId {
        self.session
    }

    /// Whether the watched session is the client's live session right now.
    pub(crate) fn is_current(&self) -> bool {
        session_alive(&self.client, self.session)
    }

    /// The next event about the session.
    pub(crate) async fn next(&mut self) -> SessionEvent {
        loop {
            let Some(change) = self.changes.next().await else {
                return SessionEvent::Closed;
            };
            match change.state {
                SessionState::Connected | SessionState::ConnectedReadOnly => {
                    return if change.session_id == Some(self.session) {
                        SessionEvent::Reconnected
                    } else {
                        SessionEvent::Lost
                    };
                }
                SessionState::Suspended => return SessionEvent::Suspended,
                SessionState::Lost => return SessionEvent::Lost,
                SessionState::Closed | SessionState::AuthFailed => return SessionEvent::Closed,
                // Connecting follows Lost (already reported) or precedes the first session.
                _ => {}
            }
        }
    }

    /// Completes when the session is lost or the client closed.
    pub(crate) async fn lost(&mut self) {
        if !self.is_current() {
            return;
        }
        loop {
            if matches!(self.next().await, SessionEvent::Lost | SessionEvent::Closed) {
                return;
            }
        }
    }
}

/// Whether `session` is the client's session and has not been lost or closed.
pub(crate) fn session_alive(client: &Client, session: SessionId) -> bool {
    client.session_id() == Some(session)
        && !matches!(
            client.state(),
            SessionState::Lost | SessionState::Closed | SessionState::AuthFailed
        )
}

/// Whether the client has stopped for good.
pub(crate) fn client_stopped(client: &Client) -> bool {
    matches!(
        client.state(),
        SessionState::Closed | SessionState::AuthFailed
    )
}

/// Whether an error leaves the outcome of a request unknown (the connection or the server gave
/// out): worth retrying the step.
pub(crate) fn is_transient(error: &Error) -> bool {
    error.is_connection_error() || matches!(error, Error::Throttled)
}

/// Exponential backoff between retried steps: 50 ms doubling up to 2 s. Requests submitted
/// while disconnected wait in the client's queue anyway, so this only paces repeated failures
/// of requests that were in flight when a connection dropped.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(50);
    const MAX: Duration = Duration::from_secs(2);

    pub(crate) fn new() -> Backoff {
        Backoff { next: Self::FIRST }
    }

    pub(crate) fn reset(&mut self) {
        self.next = Self::FIRST;
    }

    pub(crate) async fn wait(&mut self, client: &Client) {
        client.sleep(self.next).await;
        self.next = (self.next * 2).min(Self::MAX);
    }
}

/// Runs a step until it succeeds or fails with a non-transient error, backing off in between.
/// Gives up with the error when the client has stopped for good.
pub(crate) async fn retry_transient<T, F, Fut>(client: &Client, mut step: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut backoff = Backoff::new();
    loop {
        match step().await {
            Err(error) if is_transient(&error) && !client_stopped(client) => {
                tracing::debug!(%error, "recipe step failed; retrying");
                backoff.wait(client).await;
            }
            other => return other,
        }
    }
}

/// The host name, as Python's `socket.gethostname()` gives it (kazoo's default identifiers).
pub(crate) fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|file| {
            std::fs::read_to_string(file)
                .ok()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Joins a directory and a child name.
pub(crate) fn join(dir: &str, child: &str) -> String {
    if dir == "/" {
        format!("/{child}")
    } else {
        format!("{dir}/{child}")
    }
}

/// The last component of a path.
pub(crate) fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The parent of a path (`/a/b` → `/a`, `/a` → `/`).
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
        assert_eq!(basename("/a/b"), "b");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
    }

    #[test]
    fn events_wake_waiters_and_deregister() {
        let event = Event::default();
        let seen = event.epoch();
        let mut wait = Box::pin(event.wait(seen));
        assert!(poll_once(wait.as_mut()).is_none());
        assert_eq!(event.lock().wakers.len(), 1);
        drop(wait);
        assert_eq!(event.lock().wakers.len(), 0);
        let mut wait = Box::pin(event.wait(seen));
        assert!(poll_once(wait.as_mut()).is_none());
        event.notify();
        assert!(poll_once(wait.as_mut()).is_some());
        assert_eq!(event.lock().wakers.len(), 0);
    }

    #[test]
    fn select_prefers_the_first_ready() {
        let mut both = Box::pin(select(async { 1 }, async { 2 }));
        assert!(matches!(poll_once(both.as_mut()), Some(Either::Left(1))));
        let mut third = Box::pin(select3(
            std::future::pending::<()>(),
            std::future::pending::<()>(),
            async { 3 },
        ));
        assert!(matches!(poll_once(third.as_mut()), Some(Either3::Third(3))));
    }
}
