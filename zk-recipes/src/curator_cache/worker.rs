//! The background task of a [`CuratorCache`](super::CuratorCache): it follows the recursive
//! watch (a node created or changed is read again, a node deleted leaves the cache), reads
//! the whole tree again after every gap (a reconnect, events the client dropped), adds the
//! watch again after a session loss, and drops replies overtaken by a newer read or event.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;

use bytes::Bytes;
use zk_client::{AddWatchMode, Client, Error, ErrorCode, EventType, Stat, WatchEvent, WatchStream};

use crate::support::paths::join;
use crate::support::retry::{is_transient, wait_connected};
use crate::support::tasks::Tasks;
use crate::tree_cache::NodeData;

use super::{CacheEvent, Shared};

/// Starts the worker of a cache that was just started with `watch`: it follows the stop
/// signal and the watch, reads the whole tree, and runs on the client's runtime.
pub(super) fn spawn(client: &Client, shared: &Arc<Shared>, watch: WatchStream) {
    let mut worker = Worker {
        client: client.clone(),
        shared: shared.clone(),
        tasks: Tasks::default(),
        next_seq: 0,
        outstanding: 0,
        in_flight: HashMap::new(),
        seen: HashSet::new(),
        retry: Vec::new(),
        timer: false,
        rebuilding: false,
        rebuild_again: false,
    };
    worker.tasks.push(shared.stopped().map(|()| Msg::Stop));
    worker.follow(watch);
    worker.rebuild();
    client.runtime().spawn(worker.run());
}

/// What the worker waits on: each is the output of one task of its set.
enum Msg {
    Stop,
    Watch(Option<WatchEvent>, WatchStream),
    Rewatched(std::result::Result<WatchStream, Error>),
    Data {
        path: String,
        seq: u64,
        result: std::result::Result<(Bytes, Stat), Error>,
    },
    Children {
        path: String,
        result: std::result::Result<Vec<String>, Error>,
    },
    Timer,
}

/// Bookkeeping of a path with data reads under way.
#[derive(Default)]
struct InFlight {
    reads: usize,
    /// When the last event for the path was handled (a sequence number).
    last_event: u64,
    /// The newest read applied.
    last_applied: u64,
}

enum Read {
    Data(String),
    Children(String),
}

struct Worker {
    client: Client,
    shared: Arc<Shared>,
    tasks: Tasks<Msg>,
    next_seq: u64,
    outstanding: usize,
    in_flight: HashMap<String, InFlight>,
    /// Paths whose data the current rebuild has read already.
    seen: HashSet<String>,
    retry: Vec<Read>,
    timer: bool,
    /// A full read of the tree is under way (until no read is outstanding).
    rebuilding: bool,
    /// Events were missed while a full read was under way: read everything again after it.
    rebuild_again: bool,
}

impl Worker {
    async fn run(mut self) {
        while let Some((_, msg)) = self.tasks.next().await {
            if self.shared.is_stopped() || self.shared.contents().closed {
                break;
            }
            let go_on = match msg {
                Msg::Stop => false,
                Msg::Watch(event, stream) => match event {
                    Some(event) => self.on_event(event, stream),
                    None => self.rewatch(true),
                },
                Msg::Rewatched(Ok(stream)) => {
                    self.follow(stream);
                    self.rebuild();
                    true
                }
                Msg::Rewatched(Err(error)) => match error {
                    Error::Closed | Error::Server(ErrorCode::AuthFailed) => false,
                    error => {
                        tracing::warn!(%error, root = %self.shared.root, "curator cache could not watch again");
                        self.rewatch(true)
                    }
                },
                Msg::Data { path, seq, result } => {
                    let go_on = self.on_data(path, seq, result);
                    self.finished_read();
                    go_on
                }
                Msg::Children { path, result } => {
                    let go_on = self.on_children(path, result);
                    self.finished_read();
                    go_on
                }
                Msg::Timer => {
                    self.timer = false;
                    for read in std::mem::take(&mut self.retry) {
                        match read {
                            Read::Data(path) => self.read_data(path),
                            Read::Children(path) => self.read_children(path),
                        }
                    }
                    true
                }
            };
            if !go_on {
                break;
            }
        }
        // Dropping the task set drops the watch stream, which removes the watch.
        tracing::debug!(root = %self.shared.root, "curator cache stopped");
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn follow(&mut self, mut stream: WatchStream) {
        self.tasks.push(async move {
            let event = stream.next().await;
            Msg::Watch(event, stream)
        });
    }

    /// Adds the recursive watch again once connected (after a session loss); the tree is then
    /// read again.
    fn rewatch(&mut self, pause: bool) -> bool {
        let client = self.client.clone();
        let root = self.shared.root.clone();
        self.tasks.push(async move {
            if pause {
                client.runtime().sleep(Duration::from_millis(200)).await;
            }
            if let Err(error) = wait_connected(&client).await {
                return Msg::Rewatched(Err(error));
            }
            Msg::Rewatched(
                client
                    .add_watch(&root, AddWatchMode::PersistentRecursive)
                    .await,
            )
        });
        true
    }

    fn on_event(&mut self, event: WatchEvent, stream: WatchStream) -> bool {
        match event {
            WatchEvent::Node(change) => {
                self.follow(stream);
                match change.event_type {
                    EventType::NodeCreated | EventType::NodeDataChanged => {
                        self.bump(&change.path);
                        self.read_data(change.path);
                    }
                    EventType::NodeDeleted => {
                        self.bump(&change.path);
                        self.remove(&change.path);
                    }
                    // Recursive watches do not report child-list changes.
                    EventType::NodeChildrenChanged => {}
                }
                true
            }
            WatchEvent::Resumed { .. } | WatchEvent::Lagged { .. } => {
                // Whatever changed during the gap (a disconnection, or events the client
                // dropped because this worker fell behind) was not reported: read everything
                // again. The watch itself is intact.
                self.follow(stream);
                self.resync();
                true
            }
            WatchEvent::Closed | WatchEvent::AuthFailed => false,
            // The session was lost (or the watch removed by hand): watch again, then reload.
            _ => self.rewatch(false),
        }
    }

    /// Marks that an event for `path` was handled: reads sent before it are stale.
    fn bump(&mut self, path: &str) {
        let seq = self.seq();
        if let Some(entry) = self.in_flight.get_mut(path) {
            entry.last_event = seq;
        }
    }

    /// Reads the whole tree again, or, if a full read is already under way (whose earlier
    /// replies may predate the gap), once more after it: a flood that keeps the cache behind
    /// does not pile up full reads.
    fn resync(&mut self) {
        if self.rebuilding {
            self.rebuild_again = true;
        } else {
            self.rebuild();
        }
    }

    /// Reads the whole tree again: every cached node's data, and the children of every node
    /// reachable from the root (new nodes are read as they are found).
    fn rebuild(&mut self) {
        self.rebuilding = true;
        self.seen.clear();
        let root = self.shared.root.clone();
        let cached: Vec<String> = self.shared.contents().nodes.keys().cloned().collect();
        self.seen.insert(root.clone());
        self.read_data(root.clone());
        self.read_children(root);
        for path in cached {
            if self.seen.insert(path.clone()) {
                self.read_data(path);
            }
        }
    }

    fn read_data(&mut self, path: String) {
        let seq = self.seq();
        self.in_flight.entry(path.clone()).or_default().reads += 1;
        self.outstanding += 1;
        let client = self.client.clone();
        self.tasks.push(async move {
            let result = client.get_data(&path).await;
            Msg::Data { path, seq, result }
        });
    }

    fn read_children(&mut self, path: String) {
        self.outstanding += 1;
        let client = self.client.clone();
        self.tasks.push(async move {
            let result = client.get_children(&path).await;
            Msg::Children { path, result }
        });
    }

    fn finished_read(&mut self) {
        self.outstanding -= 1;
        if self.outstanding > 0 {
            return;
        }
        self.rebuilding = false;
        if std::mem::take(&mut self.rebuild_again) {
            // The load is not complete until the read after the gap is.
            self.rebuild();
            return;
        }
        self.seen.clear();
        let mut storage = self.shared.contents();
        if !storage.initialized {
            storage.initialized = true;
            drop(storage);
            self.shared.publish(CacheEvent::Initialized);
        }
    }

    fn on_data(
        &mut self,
        path: String,
        seq: u64,
        result: std::result::Result<(Bytes, Stat), Error>,
    ) -> bool {
        let stale = {
            let Some(entry) = self.in_flight.get_mut(&path) else {
                return true;
            };
            entry.reads -= 1;
            let stale = seq < entry.last_event || seq < entry.last_applied;
            if !stale {
                entry.last_applied = seq;
            }
            if entry.reads == 0 {
                self.in_flight.remove(&path);
            }
            stale
        };
        if stale {
            return true;
        }
        match result {
            Ok((data, stat)) => {
                self.put(NodeData { path, data, stat });
                true
            }
            Err(Error::Server(ErrorCode::NoNode)) => {
                self.remove(&path);
                true
            }
            Err(error) => self.failed(Read::Data(path), error),
        }
    }

    fn on_children(
        &mut self,
        path: String,
        result: std::result::Result<Vec<String>, Error>,
    ) -> bool {
        match result {
            Ok(children) => {
                for child in children {
                    let child = join(&path, &child);
                    if self.seen.insert(child.clone()) {
                        self.read_data(child.clone());
                    }
                    self.read_children(child);
                }
                true
            }
            // The data read of the same node removes it.
            Err(Error::Server(ErrorCode::NoNode)) => true,
            Err(error) => self.failed(Read::Children(path), error),
        }
    }

    fn failed(&mut self, read: Read, error: Error) -> bool {
        match error {
            Error::Closed | Error::Server(ErrorCode::AuthFailed) => false,
            // The watch ends too: everything is read again on the new session.
            Error::SessionExpired => true,
            error if is_transient(&error) => {
                // After a reconnect the watch reports Resumed and everything is read again;
                // a failure while connected is retried on its own.
                if self.client.state().is_connected() {
                    self.retry.push(read);
                    if !self.timer {
                        self.timer = true;
                        let client = self.client.clone();
                        self.tasks.push(async move {
                            client.runtime().sleep(Duration::from_millis(200)).await;
                            Msg::Timer
                        });
                    }
                }
                true
            }
            error => {
                let path = match &read {
                    Read::Data(p) | Read::Children(p) => p.clone(),
                };
                tracing::warn!(%error, path, "curator cache could not read a node");
                true
            }
        }
    }

    fn put(&mut self, node: NodeData) {
        let event = {
            let mut storage = self.shared.contents();
            match storage.nodes.insert(node.path.clone(), node.clone()) {
                None => Some(CacheEvent::Created(node)),
                Some(old) if old.stat.mzxid != node.stat.mzxid => {
                    Some(CacheEvent::Changed { old, new: node })
                }
                Some(_) => None,
            }
        };
        if let Some(event) = event {
            self.shared.publish(event);
        }
    }

    fn remove(&mut self, path: &str) {
        let old = self.shared.contents().nodes.remove(path);
        if let Some(old) = old {
            self.shared.publish(CacheEvent::Deleted(old));
        }
    }
}
