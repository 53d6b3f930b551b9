//! kazoo's `ChildrenWatch`, as a stream of states.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use zk_client::{Client, Error, ErrorCode, NodeEvent, OneshotWatch, SessionId, WatchEvent};

use crate::error::{RecipeError, Result};
use crate::support::detach::{ChildrenRead, Detached, children_watched, settled};
use crate::support::retry::Backoff;

use super::{Failure, Recovery, on_failure};

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
/// `Err(RecipeError::Zk(Error::Server(ErrorCode::NoNode)))` and then `None` (kazoo stops
/// silently there).
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
                        Err(Error::Server(ErrorCode::NoNode)) => {
                            this.phase = ChildrenPhase::Stopped;
                            return Poll::Ready(Some(Err(RecipeError::Zk(Error::Server(
                                ErrorCode::NoNode,
                            )))));
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
