//! The background task that keeps the tree: the messages it waits on (read results, watch
//! events, session changes, the retry timer, the stop), issuing reads, arming watches, and
//! retrying reads that failed for want of a connection. How each result changes the tree is
//! in `apply`.

use std::sync::Arc;

use futures_util::FutureExt;

use zk_client::{
    Client, Error, ErrorCode, OneshotWatch, SessionId, StateChange, StateStream, WatchEvent,
};

use crate::support::detach::{
    ChildrenRead, DataRead, ExistsRead, children_watched, data_watched, exists_watched, settled,
};
use crate::support::retry::is_transient;
use crate::support::tasks::Tasks;

use super::Shared;
use super::event::TreeEvent;
use super::tree::{Armed, Kind, ROOT, Tree, slot};

/// Starts the worker of a cache that was just started: it follows the stop signal and the
/// session's states, loads the tree from the root, and runs on the client's runtime.
pub(super) fn spawn(client: &Client, shared: &Arc<Shared>) {
    let mut worker = Worker {
        client: client.clone(),
        shared: shared.clone(),
        tasks: Tasks::default(),
        next_seq: 1,
        next_id: ROOT + 1,
        outstanding: 0,
        session: client.session_id(),
        retry: Vec::new(),
        timer: false,
        reload_pending: false,
    };
    worker.tasks.push(shared.stopped().map(|()| Msg::Stop));
    worker.watch_states(client.state_changes());
    {
        let mut tree = shared.contents();
        worker.on_created(&mut tree, ROOT);
    }
    client.runtime().spawn(worker.run());
}

/// What the worker waits on: each is the output of one task of its set.
enum Msg {
    Stop,
    State(Option<StateChange>, StateStream),
    Data {
        node: u64,
        seq: u64,
        result: DataRead,
    },
    Children {
        node: u64,
        seq: u64,
        result: ChildrenRead,
    },
    Exists {
        node: u64,
        seq: u64,
        result: ExistsRead,
    },
    Watch {
        node: u64,
        kind: Kind,
        seq: u64,
        event: WatchEvent,
    },
    Timer,
}

/// The background task: the only writer of the tree.
pub(super) struct Worker {
    client: Client,
    shared: Arc<Shared>,
    tasks: Tasks<Msg>,
    next_seq: u64,
    /// The id the next node gets.
    pub(super) next_id: u64,
    /// Reads under way.
    outstanding: usize,
    /// The session the tree was last read on.
    pub(super) session: Option<SessionId>,
    /// Reads that failed for want of a connection, to do again.
    pub(super) retry: Vec<(u64, Kind)>,
    timer: bool,
    /// The session was lost and the reload on the new one has not begun: reads of the old
    /// session finishing meanwhile do not make the cache initialized.
    pub(super) reload_pending: bool,
}

impl Worker {
    async fn run(mut self) {
        while let Some((_, msg)) = self.tasks.next().await {
            if self.shared.is_stopped() {
                break;
            }
            let shared = self.shared.clone();
            let mut tree = shared.contents();
            if tree.closed {
                break;
            }
            let go_on = match msg {
                Msg::Stop => false,
                Msg::State(change, stream) => match change {
                    Some(change) => {
                        self.watch_states(stream);
                        self.on_state(&mut tree, change)
                    }
                    None => false,
                },
                Msg::Data { node, seq, result } => {
                    self.outstanding -= 1;
                    let go_on = self.on_data(&mut tree, node, seq, result);
                    self.check_initialized(&mut tree);
                    go_on
                }
                Msg::Children { node, seq, result } => {
                    self.outstanding -= 1;
                    let go_on = self.on_children(&mut tree, node, seq, result);
                    self.check_initialized(&mut tree);
                    go_on
                }
                Msg::Exists { node, seq, result } => {
                    self.outstanding -= 1;
                    let go_on = self.on_exists(&mut tree, node, seq, result);
                    self.check_initialized(&mut tree);
                    go_on
                }
                Msg::Watch {
                    node,
                    kind,
                    seq,
                    event,
                } => self.on_watch(&mut tree, node, kind, seq, event),
                Msg::Timer => {
                    self.timer = false;
                    self.retry_reads(&mut tree);
                    true
                }
            };
            if !go_on {
                break;
            }
        }
        // Dropping the task set drops every watch (removing it) and every read under way (their
        // tasks drop the watches they set).
        tracing::debug!(root = %self.shared.root, "tree cache stopped");
    }

    fn watch_states(&mut self, mut stream: StateStream) {
        self.tasks.push(async move {
            let change = stream.next().await;
            Msg::State(change, stream)
        });
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub(super) fn publish(&self, event: TreeEvent) {
        self.shared.publish(event);
    }

    fn check_initialized(&mut self, tree: &mut Tree) {
        if self.outstanding == 0 && !tree.initialized && !self.reload_pending {
            tree.initialized = true;
            self.publish(TreeEvent::Initialized);
        }
    }

    /// Issues a read of `kind` for `id` (which arms the matching watch).
    pub(super) fn read(&mut self, tree: &mut Tree, id: u64, kind: Kind) {
        let seq = self.seq();
        let Some(node) = tree.nodes.get_mut(&id) else {
            return;
        };
        node.seqs[slot(kind)] = seq;
        let path = node.path.clone();
        self.outstanding += 1;
        let (client, tasks, node) = (&self.client, &mut self.tasks, id);
        match kind {
            Kind::Data => {
                let read = data_watched(client, &path).map(settled);
                tasks.push(read.map(move |result| Msg::Data { node, seq, result }))
            }
            Kind::Children => {
                let read = children_watched(client, &path).map(settled);
                tasks.push(read.map(move |result| Msg::Children { node, seq, result }))
            }
            Kind::Exists => {
                let read = exists_watched(client, &path).map(settled);
                tasks.push(read.map(move |result| Msg::Exists { node, seq, result }))
            }
        };
    }

    /// Whether a result of `kind` for `id` read as `seq` is the newest read.
    pub(super) fn is_current(tree: &Tree, id: u64, kind: Kind, seq: u64) -> bool {
        tree.nodes
            .get(&id)
            .is_some_and(|node| node.seqs[slot(kind)] == seq)
    }

    /// Keeps `watch` as the watch of `kind` for `id`, dropping the one it replaces.
    pub(super) fn arm(
        &mut self,
        tree: &mut Tree,
        id: u64,
        kind: Kind,
        seq: u64,
        watch: OneshotWatch,
    ) {
        let Some(node) = tree.nodes.get_mut(&id) else {
            return;
        };
        let key = self.tasks.push(async move {
            Msg::Watch {
                node: id,
                kind,
                seq,
                event: watch.await,
            }
        });
        if let Some(old) = node.watches[slot(kind)].replace(Armed { key, seq }) {
            self.tasks.remove(old.key);
        }
    }

    /// Drops an armed watch (which removes it).
    pub(super) fn disarm(&mut self, armed: Armed) {
        self.tasks.remove(armed.key);
    }

    /// Handles a failed read; `false` if the cache must stop.
    pub(super) fn failed(&mut self, tree: &Tree, id: u64, kind: Kind, error: Error) -> bool {
        match error {
            Error::Closed | Error::Server(ErrorCode::AuthFailed) => false,
            // Everything is read again on the new session.
            Error::SessionExpired => true,
            error if is_transient(&error) => {
                self.retry.push((id, kind));
                if self.client.state().is_connected() {
                    self.arm_timer();
                }
                true
            }
            error => {
                let path = tree.nodes.get(&id).map(|n| n.path.clone());
                tracing::warn!(%error, ?path, "tree cache could not read a node");
                true
            }
        }
    }

    fn arm_timer(&mut self) {
        if self.timer {
            return;
        }
        self.timer = true;
        let client = self.client.clone();
        self.tasks.push(async move {
            client
                .runtime()
                .sleep(std::time::Duration::from_millis(200))
                .await;
            Msg::Timer
        });
    }

    pub(super) fn retry_reads(&mut self, tree: &mut Tree) {
        for (id, kind) in std::mem::take(&mut self.retry) {
            if tree.nodes.contains_key(&id) {
                self.read(tree, id, kind);
            }
        }
    }
}
