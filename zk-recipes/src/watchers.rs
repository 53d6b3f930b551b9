//! Watching a node's data or children as a sequence of states: kazoo's `DataWatch`,
//! `ChildrenWatch` and `PatientChildrenWatch`, without callbacks.
//!
//! Each watcher is a [`Stream`] of states (also readable with its own `next().await`); it re-arms
//! its one-shot watch after every event, keeps it across reconnects (the client re-registers
//! watches with SetWatches, so changes made while disconnected are still reported), re-reads on the
//! new session after a session loss, and holds at most one watch at a time. Dropping the watcher
//! (or calling `stop`) removes that watch, on the server too, so timeouts around `next()` never
//! accumulate watches (kazoo #175). `next()` is cancel-safe: a `next()` dropped halfway (a timeout)
//! loses nothing, and the following call carries on.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Mutex;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::future::{BoxFuture, Either, select};
use zk_client::{Client, Error, NodeEvent, OneshotWatch, SessionId, Stat, WatchEvent};

use crate::error::{RecipeError, Result};
use crate::support::detach::{
    ChildrenRead, DataRead, Detached, ExistsRead, children_watched, data_watched, exists_watched,
    settled,
};
use crate::support::retry::{self, Backoff, Failure as StepFailure, classify};
use crate::support::session::stopped_by;

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
            client.sleep(delay).await;
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

// ----- DataWatch --------------------------------------------------------------------------

/// One state of a watched node, as [`DataWatch::next`] yields it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataUpdate {
    /// The node's data; `None` when the node does not exist.
    pub data: Option<Bytes>,
    /// The node's Stat; `None` when the node does not exist.
    pub stat: Option<Stat>,
    /// The server notification that led to this state; `None` for the first state and for a
    /// state read again after a session loss (kazoo's `event` argument).
    pub event: Option<NodeEvent>,
}

impl DataUpdate {
    /// Whether the node exists.
    pub fn exists(&self) -> bool {
        self.stat.is_some()
    }
}

enum DataPhase {
    /// Read the node next (with a data watch).
    Read,
    ReadingData(Detached<DataRead>),
    /// The node was missing: an exists watch waits for its creation.
    ReadingExists(Detached<ExistsRead>),
    Armed(OneshotWatch),
    /// Wait for the connection (or a new session), then read.
    Recover(Recovery),
    Stopped,
}

/// Watches a node's data: kazoo's `DataWatch`, as a [`Stream`] of [`DataUpdate`]s.
///
/// The first item (from [`next`](DataWatch::next), or the stream) is the current state (data and
/// Stat, or `None` for both when the node does not exist: a missing node is watched for its
/// creation). After that, it yields a state whenever the node's `mzxid` changes (data set, node
/// created or deleted), carrying the notification that revealed it. The watch survives
/// disconnects, and after a session loss the node is read again on the new session (yielded
/// only if it changed, with no event). It ends (`None`) when the client is closed or after
/// [`stop`](DataWatch::stop); kazoo's "return `False` to stop" is dropping the watcher.
///
/// Unlike kazoo, consecutive changes that happen before `next` is called are reported as one
/// state (the newest): a watcher reports states, not every transition.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::DataWatch;
///
/// let mut watch = DataWatch::new(&client, "/config/feature-x");
/// while let Some(update) = watch.next().await {
///     let update = update?;
///     match update.data {
///         Some(data) => println!("now {data:?} (version {})", update.stat.unwrap().version),
///         None => println!("not configured"),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct DataWatch {
    client: Client,
    path: String,
    /// The last yielded version: `None` before the first state, `Some(None)` for a missing
    /// node, `Some(Some(mzxid))` otherwise.
    last: Option<Option<i64>>,
    /// The notification that caused the read under way.
    event: Option<NodeEvent>,
    phase: DataPhase,
    backoff: Backoff,
}

impl std::fmt::Debug for DataWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataWatch")
            .field("path", &self.path)
            .field("last_mzxid", &self.last)
            .field("stopped", &matches!(self.phase, DataPhase::Stopped))
            .finish_non_exhaustive()
    }
}

impl DataWatch {
    /// Watches the node at `path` (which need not exist). Nothing is read until the first
    /// [`next`](DataWatch::next).
    pub fn new(client: &Client, path: &str) -> DataWatch {
        DataWatch {
            client: client.clone(),
            path: path.to_owned(),
            last: None,
            event: None,
            phase: DataPhase::Read,
            backoff: Backoff::new(),
        }
    }

    /// The watched path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Stops watching: the watch is removed now and [`next`](DataWatch::next) yields `None`.
    pub fn stop(&mut self) {
        self.phase = DataPhase::Stopped;
    }

    /// The next state: the current one on the first call, then the next change. `None` once
    /// the watcher has ended (client closed, [`stop`](DataWatch::stop), or after an error
    /// that retrying cannot cure, which is yielded first). Connection loss and session loss
    /// are waited out. Cancel-safe. The same as the [`Stream`]'s next item.
    pub async fn next(&mut self) -> Option<Result<DataUpdate>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The state to yield, if the version differs from the last one yielded.
    fn changed(&mut self, data: Option<Bytes>, stat: Option<Stat>) -> Option<DataUpdate> {
        let version = stat.as_ref().map(|s| s.mzxid);
        let event = self.event.take();
        if self.last == Some(version) {
            return None;
        }
        self.last = Some(version);
        Some(DataUpdate { data, stat, event })
    }

    /// Handles a failed read: `Some(what to return)` if the watcher is over.
    fn fail(&mut self, error: Error) -> Option<Option<Result<DataUpdate>>> {
        match on_failure(error) {
            Failure::Retry => {
                self.phase = DataPhase::Recover(Recovery::new(&self.client, &mut self.backoff));
                None
            }
            Failure::Fatal(error) => {
                self.phase = DataPhase::Stopped;
                Some(Some(Err(error)))
            }
            Failure::End => {
                self.phase = DataPhase::Stopped;
                Some(None)
            }
        }
    }
}

impl Stream for DataWatch {
    type Item = Result<DataUpdate>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match &mut this.phase {
                DataPhase::Stopped => return Poll::Ready(None),
                DataPhase::Read => {
                    this.phase = DataPhase::ReadingData(data_watched(&this.client, &this.path));
                }
                DataPhase::ReadingData(pending) => {
                    match settled(ready!(Pin::new(pending).poll(cx))) {
                        Ok((data, stat, watch)) => {
                            this.backoff.reset();
                            this.phase = DataPhase::Armed(watch);
                            if let Some(update) = this.changed(Some(data), Some(stat)) {
                                return Poll::Ready(Some(Ok(update)));
                            }
                        }
                        Err(Error::NoNode) => {
                            this.phase =
                                DataPhase::ReadingExists(exists_watched(&this.client, &this.path));
                        }
                        Err(error) => {
                            if let Some(end) = this.fail(error) {
                                return Poll::Ready(end);
                            }
                        }
                    }
                }
                DataPhase::ReadingExists(pending) => {
                    match settled(ready!(Pin::new(pending).poll(cx))) {
                        // Created in between: read it (dropping this watch; the read sets
                        // the same server watch again).
                        Ok((Some(_), _)) => this.phase = DataPhase::Read,
                        Ok((None, watch)) => {
                            this.backoff.reset();
                            this.phase = DataPhase::Armed(watch);
                            if let Some(update) = this.changed(None, None) {
                                return Poll::Ready(Some(Ok(update)));
                            }
                        }
                        Err(error) => {
                            if let Some(end) = this.fail(error) {
                                return Poll::Ready(end);
                            }
                        }
                    }
                }
                DataPhase::Armed(watch) => match ready!(Pin::new(watch).poll(cx)) {
                    WatchEvent::Node(event) => {
                        this.event = Some(event);
                        this.phase = DataPhase::Read;
                    }
                    WatchEvent::SessionExpired => {
                        this.event = None;
                        this.phase =
                            DataPhase::Recover(Recovery::new(&this.client, &mut this.backoff));
                    }
                    WatchEvent::Resumed { .. } => this.phase = DataPhase::Read,
                    _ => {
                        this.phase = DataPhase::Stopped;
                        return Poll::Ready(None);
                    }
                },
                DataPhase::Recover(recovering) => match ready!(recovering.poll(cx)) {
                    Ok(()) => this.phase = DataPhase::Read,
                    Err(error) => {
                        this.phase = DataPhase::Stopped;
                        return Poll::Ready(match error {
                            Error::Closed => None,
                            e => Some(Err(RecipeError::Zk(e))),
                        });
                    }
                },
            }
        }
    }
}

// ----- ChildrenWatch ----------------------------------------------------------------------

/// One state of a watched node's children, as [`ChildrenWatch::next`] yields it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildrenUpdate {
    /// The children's names, in the server's order.
    pub children: Vec<String>,
    /// The server notification that led to this state, when the watcher was built with
    /// [`send_event(true)`](ChildrenWatch::send_event); `None` otherwise, for the first state,
    /// and for a state read again after a reconnect.
    pub event: Option<NodeEvent>,
}

enum ChildrenPhase {
    Read,
    Reading(Detached<ChildrenRead>),
    Armed(OneshotWatch),
    Recover(Recovery),
    /// Report the last error, then end.
    Failing(RecipeError),
    Stopped,
}

/// Watches a node's children: kazoo's `ChildrenWatch`, as a [`Stream`] of
/// [`ChildrenUpdate`]s.
///
/// The first item (from [`next`](ChildrenWatch::next), or the stream) is the current children;
/// after that, it yields the children after every child-list change. The watch survives
/// disconnects. After a session loss (with
/// [`allow_session_lost`](ChildrenWatch::allow_session_lost), the default) the children are read
/// again on the new session and yielded only if they differ, as kazoo does; without it, the
/// watcher ends with [`RecipeError::SessionLost`].
///
/// The node must exist: if it does not, or once it is deleted, `next` yields
/// `Err(RecipeError::Zk(Error::NoNode))` and then `None` (kazoo stops silently there).
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::ChildrenWatch;
///
/// let mut workers = ChildrenWatch::new(&client, "/app/workers");
/// while let Some(update) = workers.next().await {
///     println!("{} workers: {:?}", update?.children.len(), workers.path());
/// }
/// # Ok(()) }
/// ```
pub struct ChildrenWatch {
    client: Client,
    path: String,
    send_event: bool,
    allow_session_lost: bool,
    /// The children last yielded (sorted), to skip unchanged states after a reconnect.
    prior: Option<Vec<String>>,
    /// Whether the next read follows a watch event (rather than a (re)start).
    established: bool,
    /// The session of the last successful read.
    session: Option<SessionId>,
    event: Option<NodeEvent>,
    phase: ChildrenPhase,
    backoff: Backoff,
}

impl std::fmt::Debug for ChildrenWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildrenWatch")
            .field("path", &self.path)
            .field("send_event", &self.send_event)
            .field("allow_session_lost", &self.allow_session_lost)
            .field("stopped", &matches!(self.phase, ChildrenPhase::Stopped))
            .finish_non_exhaustive()
    }
}

impl ChildrenWatch {
    /// Watches the children of `path`. Nothing is read until the first
    /// [`next`](ChildrenWatch::next).
    pub fn new(client: &Client, path: &str) -> ChildrenWatch {
        ChildrenWatch {
            client: client.clone(),
            path: path.to_owned(),
            send_event: false,
            allow_session_lost: true,
            prior: None,
            established: false,
            session: None,
            event: None,
            phase: ChildrenPhase::Read,
            backoff: Backoff::new(),
        }
    }

    /// Whether updates carry the notification that caused them (kazoo's `send_event`,
    /// default `false`).
    pub fn send_event(mut self, send_event: bool) -> Self {
        self.send_event = send_event;
        self
    }

    /// Whether the watch carries on after a session loss, on the new session (kazoo's
    /// `allow_session_lost`, default `true`). When `false`, a session loss ends the watcher
    /// with [`RecipeError::SessionLost`].
    pub fn allow_session_lost(mut self, allow: bool) -> Self {
        self.allow_session_lost = allow;
        self
    }

    /// The watched path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Stops watching: the watch is removed now and [`next`](ChildrenWatch::next) yields
    /// `None`.
    pub fn stop(&mut self) {
        self.phase = ChildrenPhase::Stopped;
    }

    /// The next children: the current ones on the first call, then after the next change.
    /// `None` once the watcher has ended (after yielding the reason, unless the client was
    /// closed or [`stop`](ChildrenWatch::stop) was called). Cancel-safe. The same as the
    /// [`Stream`]'s next item.
    pub async fn next(&mut self) -> Option<Result<ChildrenUpdate>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The watch is gone or unknown (a failed read, a lost session): read again once
    /// connected, and yield only if the children differ.
    fn lose_track(&mut self) {
        self.established = false;
        self.event = None;
        self.phase = ChildrenPhase::Recover(Recovery::new(&self.client, &mut self.backoff));
    }
}

impl Stream for ChildrenWatch {
    type Item = Result<ChildrenUpdate>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match &mut this.phase {
                ChildrenPhase::Stopped => return Poll::Ready(None),
                ChildrenPhase::Failing(_) => {
                    let ChildrenPhase::Failing(error) =
                        std::mem::replace(&mut this.phase, ChildrenPhase::Stopped)
                    else {
                        return Poll::Ready(None);
                    };
                    return Poll::Ready(Some(Err(error)));
                }
                ChildrenPhase::Read => {
                    this.phase = ChildrenPhase::Reading(children_watched(&this.client, &this.path));
                }
                ChildrenPhase::Reading(pending) => {
                    match settled(ready!(Pin::new(pending).poll(cx))) {
                        Ok((children, _, watch)) => {
                            this.backoff.reset();
                            this.phase = ChildrenPhase::Armed(watch);
                            this.session = this.client.session_id();
                            let event = this.event.take();
                            let mut sorted = children.clone();
                            sorted.sort_unstable();
                            let restarted = !std::mem::replace(&mut this.established, true);
                            if restarted && this.prior.as_ref() == Some(&sorted) {
                                continue;
                            }
                            this.prior = Some(sorted);
                            let event = if this.send_event { event } else { None };
                            return Poll::Ready(Some(Ok(ChildrenUpdate { children, event })));
                        }
                        Err(Error::NoNode) => {
                            this.phase = ChildrenPhase::Stopped;
                            return Poll::Ready(Some(Err(RecipeError::Zk(Error::NoNode))));
                        }
                        Err(error) => match on_failure(error) {
                            Failure::Retry => this.lose_track(),
                            Failure::Fatal(error) => {
                                this.phase = ChildrenPhase::Stopped;
                                return Poll::Ready(Some(Err(error)));
                            }
                            Failure::End => {
                                this.phase = ChildrenPhase::Stopped;
                                return Poll::Ready(None);
                            }
                        },
                    }
                }
                ChildrenPhase::Armed(watch) => match ready!(Pin::new(watch).poll(cx)) {
                    WatchEvent::Node(event) => {
                        this.event = Some(event);
                        this.phase = ChildrenPhase::Read;
                    }
                    WatchEvent::SessionExpired => {
                        if this.allow_session_lost {
                            this.lose_track();
                        } else {
                            this.phase = ChildrenPhase::Failing(RecipeError::SessionLost);
                        }
                    }
                    WatchEvent::Resumed { .. } => this.phase = ChildrenPhase::Read,
                    _ => {
                        this.phase = ChildrenPhase::Stopped;
                        return Poll::Ready(None);
                    }
                },
                ChildrenPhase::Recover(recovering) => match ready!(recovering.poll(cx)) {
                    Ok(()) => {
                        let lost =
                            this.session.is_some() && this.client.session_id() != this.session;
                        this.phase = if lost && !this.allow_session_lost {
                            ChildrenPhase::Failing(RecipeError::SessionLost)
                        } else {
                            ChildrenPhase::Read
                        };
                    }
                    Err(Error::Closed) => {
                        this.phase = ChildrenPhase::Stopped;
                        return Poll::Ready(None);
                    }
                    Err(error) => {
                        this.phase = ChildrenPhase::Stopped;
                        return Poll::Ready(Some(Err(RecipeError::Zk(error))));
                    }
                },
            }
        }
    }
}

// ----- PatientChildrenWatch ---------------------------------------------------------------

/// Waits until a node's children have stopped changing: kazoo's `PatientChildrenWatch`.
///
/// [`wait_stable`](PatientChildrenWatch::wait_stable) completes once the children have stayed
/// the same for `time_boundary`, with those children and a [`ChildrenChanged`] future that
/// completes at the next change. Connection loss is waited out; a session loss counts as a
/// change (the children are read again on the new session).
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::PatientChildrenWatch;
///
/// let party = PatientChildrenWatch::new(&client, "/app/party", Duration::from_secs(5));
/// let (members, changed) = party.wait_stable().await?;
/// println!("settled on {members:?}");
/// let event = changed.await; // the membership moved again
/// # let _ = event; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PatientChildrenWatch {
    client: Client,
    path: String,
    time_boundary: Duration,
}

impl PatientChildrenWatch {
    /// Watches the children of `path` (kazoo's default `time_boundary` is 30 s).
    pub fn new(client: &Client, path: &str, time_boundary: Duration) -> PatientChildrenWatch {
        PatientChildrenWatch {
            client: client.clone(),
            path: path.to_owned(),
            time_boundary,
        }
    }

    /// Waits until the children have not changed for `time_boundary`; returns them and a
    /// future of their next change. Dropping the future removes its watch.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk(NoNode)` if the node does not exist, `RecipeError::Zk(Closed)` (or
    /// `AuthFailed`) once the client has stopped.
    pub async fn wait_stable(&self) -> Result<(Vec<String>, ChildrenChanged)> {
        loop {
            let (children, _, mut watch) = retry::retry(&self.client, || async {
                settled(children_watched(&self.client, &self.path).await)
            })
            .await?;
            let quiet = pin!(self.client.sleep(self.time_boundary));
            match select(&mut watch, quiet).await {
                // Changed (or the session was lost): start over.
                Either::Left((event, _)) => {
                    if let Some(error) = stopped_by(&event) {
                        return Err(error.into());
                    }
                }
                Either::Right(((), _)) => return Ok((children, ChildrenChanged { watch })),
            }
        }
    }
}

/// Completes when the children returned by [`PatientChildrenWatch::wait_stable`] change,
/// with the event that told (a [`WatchEvent::Node`] change, or a terminal event such as
/// [`WatchEvent::SessionExpired`], after which the children may have changed unseen).
/// Dropping it removes the watch.
#[derive(Debug)]
#[must_use = "a watch does nothing unless awaited; dropping it removes it"]
pub struct ChildrenChanged {
    watch: OneshotWatch,
}

impl Future for ChildrenChanged {
    type Output = WatchEvent;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WatchEvent> {
        Pin::new(&mut self.watch).poll(cx)
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
