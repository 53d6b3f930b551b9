//! Watching a node's data or children as a sequence of states: kazoo's `DataWatch`,
//! `ChildrenWatch` and `PatientChildrenWatch`, without callbacks.
//!
//! Each watcher is a value whose `next().await` yields the next state; it re-arms its
//! one-shot watch after every event, keeps it across reconnects (the client re-registers
//! watches with SetWatches, so changes made while disconnected are still reported), re-reads
//! on the new session after a session loss, and holds at most one watch at a time. Dropping
//! the watcher (or calling `stop`) removes that watch, on the server too, so timeouts around
//! `next()` never accumulate watches (kazoo #175). `next()` is cancel-safe: a `next()` dropped
//! halfway (a timeout) loses nothing, and the following call carries on.

pub(crate) mod plumbing;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use zk_client::{Client, Error, NodeEvent, OneshotWatch, SessionId, Stat, WatchEvent};

use crate::error::{RecipeError, Result};
use plumbing::{
    ChildrenRead, DataRead, Detached, Either, ExistsRead, children_watched, data_watched,
    exists_watched, settled,
};

pub use plumbing::Events;

/// What to do after a failed read.
enum Failure {
    /// Wait for the connection (or a new session), then read again.
    Retry,
    /// The watcher is over: report this error, then end.
    Fatal(RecipeError),
    /// The watcher is over without anything to report (the client was closed).
    End,
}

fn classify(error: Error) -> Failure {
    match error {
        Error::Closed => Failure::End,
        e if plumbing::is_transient(&e) => Failure::Retry,
        e => Failure::Fatal(RecipeError::Zk(e)),
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
    Recover,
    Stopped,
}

/// Watches a node's data: kazoo's `DataWatch`, as a sequence of [`DataUpdate`]s.
///
/// The first [`next`](DataWatch::next) yields the current state (data and Stat, or `None`
/// for both when the node does not exist: a missing node is watched for its creation). After
/// that, `next` yields a state whenever the node's `mzxid` changes (data set, node created or
/// deleted), carrying the notification that revealed it. The watch survives disconnects, and
/// after a session loss the node is read again on the new session (yielded only if it
/// changed, with no event). It ends (`None`) when the client is closed or after
/// [`stop`](DataWatch::stop); kazoo's "return `False` to stop" is dropping the watcher.
///
/// Unlike kazoo, consecutive changes that happen before `next` is called are reported as one
/// state (the newest): a watcher reports states, not every transition.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> zk_recipes::Result<()> {
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
    /// are waited out. Cancel-safe.
    pub async fn next(&mut self) -> Option<Result<DataUpdate>> {
        loop {
            match &mut self.phase {
                DataPhase::Stopped => return None,
                DataPhase::Read => {
                    self.phase = DataPhase::ReadingData(data_watched(&self.client, &self.path));
                }
                DataPhase::ReadingData(pending) => {
                    let result = settled(pending.await);
                    match result {
                        Ok((data, stat, watch)) => {
                            self.phase = DataPhase::Armed(watch);
                            if let Some(update) = self.changed(Some(data), Some(stat)) {
                                return Some(Ok(update));
                            }
                        }
                        Err(Error::NoNode) => {
                            self.phase =
                                DataPhase::ReadingExists(exists_watched(&self.client, &self.path));
                        }
                        Err(error) => {
                            if let Some(end) = self.fail(error) {
                                return end;
                            }
                        }
                    }
                }
                DataPhase::ReadingExists(pending) => {
                    let result = settled(pending.await);
                    match result {
                        // Created in between: read it (dropping this watch; the read sets
                        // the same server watch again).
                        Ok((Some(_), _)) => self.phase = DataPhase::Read,
                        Ok((None, watch)) => {
                            self.phase = DataPhase::Armed(watch);
                            if let Some(update) = self.changed(None, None) {
                                return Some(Ok(update));
                            }
                        }
                        Err(error) => {
                            if let Some(end) = self.fail(error) {
                                return end;
                            }
                        }
                    }
                }
                DataPhase::Armed(watch) => {
                    let event = watch.await;
                    match event {
                        WatchEvent::Node(event) => {
                            self.event = Some(event);
                            self.phase = DataPhase::Read;
                        }
                        WatchEvent::SessionExpired => {
                            self.event = None;
                            self.phase = DataPhase::Recover;
                        }
                        WatchEvent::Resumed { .. } => self.phase = DataPhase::Read,
                        _ => {
                            self.phase = DataPhase::Stopped;
                            return None;
                        }
                    }
                }
                DataPhase::Recover => match plumbing::recover(&self.client).await {
                    Ok(()) => self.phase = DataPhase::Read,
                    Err(error) => {
                        self.phase = DataPhase::Stopped;
                        return match error {
                            Error::Closed => None,
                            e => Some(Err(RecipeError::Zk(e))),
                        };
                    }
                },
            }
        }
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
        match classify(error) {
            Failure::Retry => {
                self.phase = DataPhase::Recover;
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
    Recover,
    /// Report the last error, then end.
    Failing(RecipeError),
    Stopped,
}

/// Watches a node's children: kazoo's `ChildrenWatch`, as a sequence of
/// [`ChildrenUpdate`]s.
///
/// The first [`next`](ChildrenWatch::next) yields the current children; after that, `next`
/// yields the children after every child-list change. The watch survives disconnects. After a
/// session loss (with [`allow_session_lost`](ChildrenWatch::allow_session_lost), the default)
/// the children are read again on the new session and yielded only if they differ, as kazoo
/// does; without it, the watcher ends with [`RecipeError::SessionLost`].
///
/// The node must exist: if it does not, or once it is deleted, `next` yields
/// `Err(RecipeError::Zk(Error::NoNode))` and then `None` (kazoo stops silently there).
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> zk_recipes::Result<()> {
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
    /// closed or [`stop`](ChildrenWatch::stop) was called). Cancel-safe.
    pub async fn next(&mut self) -> Option<Result<ChildrenUpdate>> {
        loop {
            match &mut self.phase {
                ChildrenPhase::Stopped => return None,
                ChildrenPhase::Failing(_) => {
                    let ChildrenPhase::Failing(error) =
                        std::mem::replace(&mut self.phase, ChildrenPhase::Stopped)
                    else {
                        return None;
                    };
                    return Some(Err(error));
                }
                ChildrenPhase::Read => {
                    self.phase = ChildrenPhase::Reading(children_watched(&self.client, &self.path));
                }
                ChildrenPhase::Reading(pending) => {
                    let result = settled(pending.await);
                    match result {
                        Ok((children, _, watch)) => {
                            self.phase = ChildrenPhase::Armed(watch);
                            self.session = self.client.session_id();
                            let event = self.event.take();
                            let mut sorted = children.clone();
                            sorted.sort_unstable();
                            let restarted = !std::mem::replace(&mut self.established, true);
                            if restarted && self.prior.as_ref() == Some(&sorted) {
                                continue;
                            }
                            self.prior = Some(sorted);
                            let event = if self.send_event { event } else { None };
                            return Some(Ok(ChildrenUpdate { children, event }));
                        }
                        Err(Error::NoNode) => {
                            self.phase = ChildrenPhase::Stopped;
                            return Some(Err(RecipeError::Zk(Error::NoNode)));
                        }
                        Err(error) => match classify(error) {
                            Failure::Retry => self.lose_track(),
                            Failure::Fatal(error) => {
                                self.phase = ChildrenPhase::Stopped;
                                return Some(Err(error));
                            }
                            Failure::End => {
                                self.phase = ChildrenPhase::Stopped;
                                return None;
                            }
                        },
                    }
                }
                ChildrenPhase::Armed(watch) => {
                    let event = watch.await;
                    match event {
                        WatchEvent::Node(event) => {
                            self.event = Some(event);
                            self.phase = ChildrenPhase::Read;
                        }
                        WatchEvent::SessionExpired => {
                            if self.allow_session_lost {
                                self.lose_track();
                            } else {
                                self.phase = ChildrenPhase::Failing(RecipeError::SessionLost);
                            }
                        }
                        WatchEvent::Resumed { .. } => self.phase = ChildrenPhase::Read,
                        _ => {
                            self.phase = ChildrenPhase::Stopped;
                            return None;
                        }
                    }
                }
                ChildrenPhase::Recover => match plumbing::recover(&self.client).await {
                    Ok(()) => {
                        let lost =
                            self.session.is_some() && self.client.session_id() != self.session;
                        self.phase = if lost && !self.allow_session_lost {
                            ChildrenPhase::Failing(RecipeError::SessionLost)
                        } else {
                            ChildrenPhase::Read
                        };
                    }
                    Err(Error::Closed) => {
                        self.phase = ChildrenPhase::Stopped;
                        return None;
                    }
                    Err(error) => {
                        self.phase = ChildrenPhase::Stopped;
                        return Some(Err(RecipeError::Zk(error)));
                    }
                },
            }
        }
    }

    /// The watch is gone or unknown (a failed read, a lost session): read again once
    /// connected, and yield only if the children differ.
    fn lose_track(&mut self) {
        self.established = false;
        self.event = None;
        self.phase = ChildrenPhase::Recover;
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
/// # async fn demo(client: zk_client::Client) -> zk_recipes::Result<()> {
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
    /// future of their next change. Fails if the node does not exist (`NoNode`) or the client
    /// stops. Dropping the future removes its watch.
    pub async fn wait_stable(&self) -> Result<(Vec<String>, ChildrenChanged)> {
        loop {
            let (children, _, mut watch) = plumbing::until_ok(&self.client, || async {
                settled(children_watched(&self.client, &self.path).await)
            })
            .await?;
            let mut quiet = Box::pin(self.client.sleep(self.time_boundary));
            match plumbing::select(&mut watch, &mut quiet).await {
                // Changed (or the session was lost): start over.
                Either::Left(event) => {
                    if let Some(error) = plumbing::stopped_by(&event) {
                        return Err(error.into());
                    }
                }
                Either::Right(()) => return Ok((children, ChildrenChanged { watch })),
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
