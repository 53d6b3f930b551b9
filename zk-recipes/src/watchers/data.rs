//! kazoo's `DataWatch`, as a stream of states.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use zk_client::{Client, Error, ErrorCode, NodeEvent, OneshotWatch, Stat, WatchEvent};

use crate::error::{RecipeError, Result};
use crate::support::detach::{
    DataRead, Detached, ExistsRead, data_watched, exists_watched, settled,
};
use crate::support::retry::Backoff;

use super::{Failure, Recovery, on_failure};

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
                        Err(Error::Server(ErrorCode::NoNode)) => {
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
