//! kazoo's `TreeCache` (a port of Curator's `TreeCache`): an in-memory copy of a subtree,
//! kept up to date with one-shot watches on every node, and its seven events.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use zk_client::{
    Client, Error, ErrorCode, EventType, OneshotWatch, RetryPolicy, SessionId, SessionState, Stat,
    StateChange, StateStream, WatchEvent,
};

use crate::error::Result;
use crate::support::cache::{CacheCore, Contents};
use crate::support::detach::{
    ChildrenRead, DataRead, ExistsRead, children_watched, data_watched, exists_watched, settled,
};
use crate::support::events::Events;
use crate::support::paths::{join, relative};
use crate::support::retry::is_transient;
use crate::support::tasks::Tasks;

/// A cached node: its path, data and Stat (kazoo's `NodeData`, Curator's `ChildData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeData {
    /// The node's path (as the client sees it, chroot removed).
    pub path: String,
    /// The node's data.
    pub data: Bytes,
    /// The node's Stat.
    pub stat: Stat,
}

/// The kind of a [`TreeEvent`], with kazoo's numbering (`TreeEvent.NODE_ADDED` is 0, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TreeEventType {
    /// A node entered the cache (kazoo's `NODE_ADDED`).
    NodeAdded = 0,
    /// A cached node's data changed (kazoo's `NODE_UPDATED`).
    NodeUpdated = 1,
    /// A node left the cache (kazoo's `NODE_REMOVED`).
    NodeRemoved = 2,
    /// The connection was lost; the session may live on (kazoo's `CONNECTION_SUSPENDED`).
    ConnectionSuspended = 3,
    /// Connected again (kazoo's `CONNECTION_RECONNECTED`).
    ConnectionReconnected = 4,
    /// The session was lost (kazoo's `CONNECTION_LOST`).
    ConnectionLost = 5,
    /// The cache has loaded the whole tree (kazoo's `INITIALIZED`).
    Initialized = 6,
    /// A subscription fell behind (ours; kazoo's queue has no bound).
    Lagged = 7,
}

/// What happened to a [`TreeCache`]: kazoo's `TreeEvent`, and the lag report of a
/// subscription that fell behind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeEvent {
    /// A node entered the cache: at the initial load, when created, or when it became
    /// visible again.
    NodeAdded(NodeData),
    /// A cached node's data changed (its `mzxid` moved).
    NodeUpdated(NodeData),
    /// A node left the cache (deleted), with its last cached state.
    NodeRemoved(NodeData),
    /// The connection was lost; the session may live on.
    ConnectionSuspended,
    /// Connected again (to the same session, or to a new one after
    /// [`ConnectionLost`](TreeEvent::ConnectionLost), after which the tree is read again).
    ConnectionReconnected,
    /// The session was lost; the tree is read again on the new session, and
    /// [`Initialized`](TreeEvent::Initialized) follows once it has been.
    ConnectionLost,
    /// Every read of the initial load (or of the reload after a session loss) has completed.
    Initialized,
    /// This subscription fell behind and `missed` events were dropped from it (not from the
    /// cache): read the cache again ([`get_data`](TreeCache::get_data),
    /// [`get_children`](TreeCache::get_children)) for the current state. See [`Events`].
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
}

impl TreeEvent {
    /// The event's kind (kazoo's `event_type`).
    pub fn event_type(&self) -> TreeEventType {
        match self {
            TreeEvent::NodeAdded(_) => TreeEventType::NodeAdded,
            TreeEvent::NodeUpdated(_) => TreeEventType::NodeUpdated,
            TreeEvent::NodeRemoved(_) => TreeEventType::NodeRemoved,
            TreeEvent::ConnectionSuspended => TreeEventType::ConnectionSuspended,
            TreeEvent::ConnectionReconnected => TreeEventType::ConnectionReconnected,
            TreeEvent::ConnectionLost => TreeEventType::ConnectionLost,
            TreeEvent::Initialized => TreeEventType::Initialized,
            TreeEvent::Lagged { .. } => TreeEventType::Lagged,
        }
    }

    /// The node the event is about (kazoo's `event_data`), for node events.
    pub fn event_data(&self) -> Option<&NodeData> {
        match self {
            TreeEvent::NodeAdded(d) | TreeEvent::NodeUpdated(d) | TreeEvent::NodeRemoved(d) => {
                Some(d)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeState {
    Pending,
    Live,
    Dead,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Data,
    Children,
    Exists,
}

/// An armed watch: its key in the worker's task set and the read that set it.
#[derive(Debug, Clone, Copy)]
struct Armed {
    key: u64,
    seq: u64,
}

#[derive(Debug)]
struct Node {
    path: String,
    parent: Option<u64>,
    children: BTreeMap<String, u64>,
    state: NodeState,
    data: Option<NodeData>,
    /// The newest read of each kind: results of older ones are dropped.
    seqs: [u64; 3],
    /// The watch of each kind.
    watches: [Option<Armed>; 3],
}

impl Node {
    fn new(path: String, parent: Option<u64>) -> Node {
        Node {
            path,
            parent,
            children: BTreeMap::new(),
            state: NodeState::Pending,
            data: None,
            seqs: [0; 3],
            watches: [None; 3],
        }
    }
}

fn slot(kind: Kind) -> usize {
    match kind {
        Kind::Data => 0,
        Kind::Children => 1,
        Kind::Exists => 2,
    }
}

#[derive(Debug)]
struct Tree {
    nodes: HashMap<u64, Node>,
    initialized: bool,
    closed: bool,
}

const ROOT: u64 = 0;

impl Contents for Tree {
    fn close(&mut self) {
        self.closed = true;
        self.initialized = false;
        self.nodes.clear();
    }
}

type Shared = CacheCore<Tree, TreeEvent>;

/// An in-memory copy of the subtree at a path, kept up to date: kazoo's `TreeCache` (a port
/// of Curator's `TreeCache`).
///
/// [`start`](TreeCache::start) creates the root if missing (as kazoo does), then a task of
/// the client's runtime reads every node with a data watch and a child watch, and follows
/// the watches from then on. [`get_data`](TreeCache::get_data) and
/// [`get_children`](TreeCache::get_children) answer from memory; [`events`](TreeCache::events)
/// reports the seven kazoo events ([`TreeEvent`]).
///
/// Beyond kazoo: watches are kept across reconnects (the client re-registers them, so what
/// changed while disconnected is reported), reads that failed for want of a connection are
/// retried, results overtaken by a newer read are dropped, and after a session loss the whole
/// tree is read again on the new session, then [`TreeEvent::Initialized`] is sent again.
/// Every watch is removed by [`close`](TreeCache::close) (or dropping the cache). For large
/// trees prefer [`CuratorCache`](crate::CuratorCache), which needs a single watch.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::{TreeCache, TreeEvent};
///
/// let cache = TreeCache::new(&client, "/app/config");
/// let mut events = cache.events(); // subscribe first: nothing is missed
/// cache.start().await?;
/// while let Some(event) = events.next().await {
///     match event {
///         TreeEvent::Initialized => break,
///         TreeEvent::NodeAdded(node) => println!("{} = {:?}", node.path, node.data),
///         _ => {}
///     }
/// }
/// let limits = cache.get_data("/app/config/limits")?;
/// let keys = cache.get_children("/app/config")?;
/// # let _ = (limits, keys); Ok(()) }
/// ```
pub struct TreeCache {
    client: Client,
    shared: Arc<Shared>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for TreeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeCache")
            .field("root", &self.shared.root)
            .field("lifecycle", &self.shared.lifecycle())
            .finish_non_exhaustive()
    }
}

impl TreeCache {
    /// A cache of the subtree at `path`; nothing happens until [`start`](TreeCache::start).
    pub fn new(client: &Client, path: &str) -> TreeCache {
        let mut nodes = HashMap::new();
        nodes.insert(ROOT, Node::new(path.to_owned(), None));
        TreeCache {
            client: client.clone(),
            shared: Arc::new(CacheCore::new(
                path,
                Tree {
                    nodes,
                    initialized: false,
                    closed: false,
                },
                |missed| TreeEvent::Lagged { missed },
            )),
            retry: RetryPolicy::default(),
        }
    }

    /// How many unread events each subscription ([`events`](TreeCache::events)) holds before
    /// its oldest are dropped and reported as [`TreeEvent::Lagged`] (default 1024, at least
    /// 1). Set it before subscribing and starting: it replaces the event channel.
    pub fn with_event_capacity(mut self, capacity: usize) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.set_event_capacity(capacity, |missed| TreeEvent::Lagged { missed });
        }
        self
    }

    /// How the root is created at start after a connection loss (default
    /// [`RetryPolicy::default`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The root of the cached tree.
    pub fn path(&self) -> &str {
        &self.shared.root
    }

    /// Starts the cache: creates the root if missing, then loads and follows the tree in the
    /// background. Only once: a second call, or a call after [`close`](TreeCache::close),
    /// fails.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] if the cache was started or closed already; `RecipeError::Zk`
    /// if the root cannot be created.
    pub async fn start(&self) -> Result<()> {
        // An async block, so the root is created only once the start is allowed.
        let root = &self.shared.root;
        self.shared
            .start(async {
                let client = &self.client;
                client.retry(&self.retry, || client.ensure_path(root)).await
            })
            .await?;
        let mut worker = Worker {
            client: self.client.clone(),
            shared: self.shared.clone(),
            tasks: Tasks::default(),
            next_seq: 1,
            next_id: ROOT + 1,
            outstanding: 0,
            session: self.client.session_id(),
            retry: Vec::new(),
            timer: false,
            reload_pending: false,
        };
        let stopped = self.shared.stopped();
        worker.tasks.push(async move {
            stopped.await;
            Msg::Stop
        });
        worker.watch_states(self.client.state_changes());
        {
            let shared = self.shared.clone();
            let mut tree = shared.contents();
            worker.on_created(&mut tree, ROOT);
        }
        self.client.runtime().spawn(worker.run());
        Ok(())
    }

    /// Closes the cache for good: the tree is emptied, every watch removed, and event
    /// subscriptions end (after the events already queued).
    pub fn close(&self) {
        self.shared.close();
    }

    /// Subscribes to the cache's events from now on. Subscribe before
    /// [`start`](TreeCache::start) to see the initial load.
    pub fn events(&self) -> Events<TreeEvent> {
        self.shared.subscribe()
    }

    /// Whether the initial load (or the reload after a session loss) has completed.
    pub fn is_initialized(&self) -> bool {
        self.shared.contents().initialized
    }

    fn find<T>(&self, path: &str, f: impl FnOnce(&Node) -> T) -> Result<Option<T>> {
        let components = relative(&self.shared.root, path)?;
        let tree = self.shared.contents();
        let mut id = ROOT;
        for component in components {
            let Some(node) = tree.nodes.get(&id) else {
                return Ok(None);
            };
            match node.children.get(component) {
                Some(child) => id = *child,
                None => return Ok(None),
            }
        }
        Ok(tree.nodes.get(&id).map(f))
    }

    /// The cached data and Stat of the node at `path`; `None` if it is not in the cache (or
    /// not loaded yet). Fails for a path outside the tree.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] for a path outside the cached tree.
    pub fn get_data(&self, path: &str) -> Result<Option<NodeData>> {
        Ok(self.find(path, |node| node.data.clone())?.flatten())
    }

    /// The names of the cached children of the node at `path`; `None` if the node is not in
    /// the cache. Fails for a path outside the tree.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] for a path outside the cached tree.
    pub fn get_children(&self, path: &str) -> Result<Option<BTreeSet<String>>> {
        self.find(path, |node| node.children.keys().cloned().collect())
    }
}

impl Drop for TreeCache {
    fn drop(&mut self) {
        self.shared.close();
    }
}

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
struct Worker {
    client: Client,
    shared: Arc<Shared>,
    tasks: Tasks<Msg>,
    next_seq: u64,
    next_id: u64,
    /// Reads under way.
    outstanding: usize,
    session: Option<SessionId>,
    /// Reads that failed for want of a connection, to do again.
    retry: Vec<(u64, Kind)>,
    timer: bool,
    /// The session was lost and the reload on the new one has not begun: reads of the old
    /// session finishing meanwhile do not make the cache initialized.
    reload_pending: bool,
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

    fn publish(&self, event: TreeEvent) {
        self.shared.publish(event);
    }

    fn check_initialized(&mut self, tree: &mut Tree) {
        if self.outstanding == 0 && !tree.initialized && !self.reload_pending {
            tree.initialized = true;
            self.publish(TreeEvent::Initialized);
        }
    }

    /// Issues a read of `kind` for `id` (which arms the matching watch).
    fn read(&mut self, tree: &mut Tree, id: u64, kind: Kind) {
        let seq = self.seq();
        let Some(node) = tree.nodes.get_mut(&id) else {
            return;
        };
        node.seqs[slot(kind)] = seq;
        let path = node.path.clone();
        self.outstanding += 1;
        let client = &self.client;
        match kind {
            Kind::Data => {
                let pending = data_watched(client, &path);
                self.tasks.push(async move {
                    Msg::Data {
                        node: id,
                        seq,
                        result: settled(pending.await),
                    }
                });
            }
            Kind::Children => {
                let pending = children_watched(client, &path);
                self.tasks.push(async move {
                    Msg::Children {
                        node: id,
                        seq,
                        result: settled(pending.await),
                    }
                });
            }
            Kind::Exists => {
                let pending = exists_watched(client, &path);
                self.tasks.push(async move {
                    Msg::Exists {
                        node: id,
                        seq,
                        result: settled(pending.await),
                    }
                });
            }
        }
    }

    /// Whether a result of `kind` for `id` read as `seq` is the newest read.
    fn is_current(tree: &Tree, id: u64, kind: Kind, seq: u64) -> bool {
        tree.nodes
            .get(&id)
            .is_some_and(|node| node.seqs[slot(kind)] == seq)
    }

    /// Keeps `watch` as the watch of `kind` for `id`, dropping the one it replaces.
    fn arm(&mut self, tree: &mut Tree, id: u64, kind: Kind, seq: u64, watch: OneshotWatch) {
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

    fn on_created(&mut self, tree: &mut Tree, id: u64) {
        self.read(tree, id, Kind::Data);
        self.read(tree, id, Kind::Children);
    }

    fn on_deleted(&mut self, tree: &mut Tree, id: u64) {
        let Some(node) = tree.nodes.get_mut(&id) else {
            return;
        };
        let children: Vec<u64> = std::mem::take(&mut node.children).into_values().collect();
        let old_data = node.data.take();
        let old_state = std::mem::replace(&mut node.state, NodeState::Dead);
        let watches = std::mem::take(&mut node.watches);
        let parent = node.parent;
        let name = node.path.rsplit('/').next().unwrap_or_default().to_owned();
        for armed in watches.into_iter().flatten() {
            self.tasks.remove(armed.key);
        }
        for child in children {
            self.on_deleted(tree, child);
        }
        if old_state == NodeState::Live {
            if let Some(data) = old_data {
                self.publish(TreeEvent::NodeRemoved(data));
            }
        }
        match parent {
            // The root stays, watched for its creation.
            None => self.read(tree, id, Kind::Exists),
            Some(parent) => {
                tree.nodes.remove(&id);
                if let Some(parent) = tree.nodes.get_mut(&parent) {
                    if parent.children.get(&name) == Some(&id) {
                        parent.children.remove(&name);
                    }
                }
            }
        }
    }

    /// Handles a failed read; `false` if the cache must stop.
    fn failed(&mut self, tree: &Tree, id: u64, kind: Kind, error: Error) -> bool {
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

    fn retry_reads(&mut self, tree: &mut Tree) {
        for (id, kind) in std::mem::take(&mut self.retry) {
            if tree.nodes.contains_key(&id) {
                self.read(tree, id, kind);
            }
        }
    }

    fn on_data(&mut self, tree: &mut Tree, id: u64, seq: u64, result: DataRead) -> bool {
        if !Self::is_current(tree, id, Kind::Data, seq) {
            return true;
        }
        match result {
            Ok((data, stat, watch)) => {
                self.arm(tree, id, Kind::Data, seq, watch);
                let Some(node) = tree.nodes.get_mut(&id) else {
                    return true;
                };
                let new = NodeData {
                    path: node.path.clone(),
                    data,
                    stat,
                };
                let old_state = std::mem::replace(&mut node.state, NodeState::Live);
                let old = node.data.replace(new.clone());
                if old_state == NodeState::Live {
                    if old.map(|d| d.stat.mzxid) != Some(new.stat.mzxid) {
                        self.publish(TreeEvent::NodeUpdated(new));
                    }
                } else {
                    self.publish(TreeEvent::NodeAdded(new));
                }
                true
            }
            Err(Error::Server(ErrorCode::NoNode)) => {
                self.on_deleted(tree, id);
                true
            }
            Err(error) => self.failed(tree, id, Kind::Data, error),
        }
    }

    fn on_children(&mut self, tree: &mut Tree, id: u64, seq: u64, result: ChildrenRead) -> bool {
        if !Self::is_current(tree, id, Kind::Children, seq) {
            return true;
        }
        match result {
            Ok((mut children, _, watch)) => {
                self.arm(tree, id, Kind::Children, seq, watch);
                children.sort_unstable();
                let mut added = Vec::new();
                if let Some(node) = tree.nodes.get(&id) {
                    let path = node.path.clone();
                    for name in children {
                        if !node.children.contains_key(&name) {
                            let child_path = join(&path, &name);
                            added.push((name, child_path));
                        }
                    }
                }
                for (name, child_path) in added {
                    let child = self.next_id;
                    self.next_id += 1;
                    tree.nodes.insert(child, Node::new(child_path, Some(id)));
                    if let Some(node) = tree.nodes.get_mut(&id) {
                        node.children.insert(name, child);
                    }
                    self.on_created(tree, child);
                }
                true
            }
            Err(Error::Server(ErrorCode::NoNode)) => {
                self.on_deleted(tree, id);
                true
            }
            Err(error) => self.failed(tree, id, Kind::Children, error),
        }
    }

    fn on_exists(&mut self, tree: &mut Tree, id: u64, seq: u64, result: ExistsRead) -> bool {
        if !Self::is_current(tree, id, Kind::Exists, seq) {
            return true;
        }
        match result {
            Ok((Some(_), _)) => {
                // Created meanwhile: load it (its reads set the watches it needs).
                if let Some(node) = tree.nodes.get_mut(&id) {
                    if node.state == NodeState::Dead {
                        node.state = NodeState::Pending;
                    }
                }
                self.on_created(tree, id);
                true
            }
            Ok((None, watch)) => {
                self.arm(tree, id, Kind::Exists, seq, watch);
                true
            }
            Err(error) => self.failed(tree, id, Kind::Exists, error),
        }
    }

    fn on_watch(
        &mut self,
        tree: &mut Tree,
        id: u64,
        kind: Kind,
        seq: u64,
        event: WatchEvent,
    ) -> bool {
        let Some(node) = tree.nodes.get_mut(&id) else {
            return true;
        };
        match node.watches[slot(kind)] {
            Some(armed) if armed.seq == seq => node.watches[slot(kind)] = None,
            // A watch replaced meanwhile.
            _ => return true,
        }
        match event {
            WatchEvent::Node(change) => {
                match change.event_type {
                    EventType::NodeCreated => {
                        if let Some(node) = tree.nodes.get_mut(&id) {
                            if node.state == NodeState::Dead {
                                node.state = NodeState::Pending;
                            }
                        }
                        self.on_created(tree, id);
                    }
                    EventType::NodeDeleted => self.on_deleted(tree, id),
                    EventType::NodeDataChanged => self.read(tree, id, Kind::Data),
                    EventType::NodeChildrenChanged => self.read(tree, id, Kind::Children),
                }
                true
            }
            WatchEvent::Closed | WatchEvent::AuthFailed => false,
            // Session lost: everything is read again on the new session. Removed: by hand,
            // read again now to put it back.
            WatchEvent::Removed => {
                self.read(tree, id, kind);
                true
            }
            _ => true,
        }
    }

    fn on_state(&mut self, tree: &mut Tree, change: StateChange) -> bool {
        match change.state {
            SessionState::Suspended => self.publish(TreeEvent::ConnectionSuspended),
            SessionState::Connected | SessionState::ConnectedReadOnly => {
                let renewed = self.session.is_some() && change.session_id != self.session;
                self.session = change.session_id;
                self.publish(TreeEvent::ConnectionReconnected);
                if renewed || self.reload_pending {
                    // A new session: no watch survived; read the whole tree again.
                    self.reload_pending = false;
                    self.retry.clear();
                    let ids: Vec<u64> = tree.nodes.keys().copied().collect();
                    for id in ids {
                        self.on_created(tree, id);
                    }
                } else {
                    self.retry_reads(tree);
                }
            }
            SessionState::Lost => {
                tree.initialized = false;
                self.reload_pending = true;
                self.publish(TreeEvent::ConnectionLost);
            }
            SessionState::Closed | SessionState::AuthFailed => return false,
            _ => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_keep_kazoo_numbers() {
        assert_eq!(TreeEventType::NodeAdded as i32, 0);
        assert_eq!(TreeEventType::Initialized as i32, 6);
        assert_eq!(
            TreeEvent::ConnectionLost.event_type(),
            TreeEventType::ConnectionLost
        );
        assert_eq!(TreeEvent::Initialized.event_data(), None);
    }
}
