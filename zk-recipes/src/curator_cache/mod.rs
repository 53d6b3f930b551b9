//! A cache of a whole subtree on one persistent recursive watch, after Curator's
//! `CuratorCache`.
//!
//! This file is the public handle and its events; `worker` is the background task that
//! follows the watch and reads the tree.

mod worker;

use std::collections::BTreeMap;
use std::sync::Arc;

use zk_client::{AddWatchMode, Client};

use crate::error::Result;
use crate::support::cache::{CacheCore, Contents};
use crate::support::events::Events;
use crate::support::paths::relative;
use crate::tree_cache::NodeData;

/// What changed in a [`CuratorCache`]: Curator's `CuratorCacheListener` events, and the lag
/// report of a subscription that fell behind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheEvent {
    /// A node entered the cache (Curator's `NODE_CREATED`).
    Created(NodeData),
    /// A cached node's data changed: its state before and after (Curator's `NODE_CHANGED`).
    Changed {
        /// The state it had.
        old: NodeData,
        /// The state it has.
        new: NodeData,
    },
    /// A node left the cache, with its last cached state (Curator's `NODE_DELETED`).
    Deleted(NodeData),
    /// The initial load has completed (Curator's `initialized()`); sent once.
    Initialized,
    /// This subscription fell behind and `missed` events were dropped from it (not from the
    /// cache): read the cache again ([`snapshot`](CuratorCache::snapshot)) for the current state.
    /// See [`Events`].
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
}

struct Storage {
    nodes: BTreeMap<String, NodeData>,
    initialized: bool,
    closed: bool,
}

impl Contents for Storage {
    fn close(&mut self) {
        self.closed = true;
        self.nodes.clear();
    }
}

type Shared = CacheCore<Storage, CacheEvent>;

/// An in-memory copy of the subtree at a path, on a single persistent recursive watch:
/// Curator's `CuratorCache`, for large trees.
///
/// [`start`](CuratorCache::start) adds one `PersistentRecursive` watch on the root (ZooKeeper
/// 3.6+), then a task of the client's runtime reads the whole tree (every node's data and
/// children, pipelined) and follows the watch: a node created or changed is read again, a node
/// deleted leaves the cache. The root need not exist. Nothing per node is registered on the
/// server, so the cost of watching does not grow with the tree.
///
/// Changes made while the client was disconnected are not replayed by the server: after
/// every reconnect ([`WatchEvent::Resumed`](zk_client::WatchEvent::Resumed)) the cache reads
/// the tree again and reports what differs. The same happens when the cache fell so far
/// behind a burst of changes that the client dropped some of the watch's events
/// ([`WatchEvent::Lagged`](zk_client::WatchEvent::Lagged)); a burst that keeps it behind costs
/// one such read of the tree at a time, not one per report. After a session loss the watch is
/// added again on the new session, then the tree is read again. Reads are applied only if no
/// newer read or event for the same node has been seen since they were sent, so a late reply
/// never overwrites a newer state.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::{CacheEvent, CuratorCache};
///
/// let services = CuratorCache::new(&client, "/services");
/// let mut events = services.events();
/// services.start().await?;
/// while let Some(event) = events.next().await {
///     match event {
///         CacheEvent::Initialized => println!("{} nodes loaded", services.size()),
///         CacheEvent::Created(node) => println!("+ {}", node.path),
///         CacheEvent::Changed { new, .. } => println!("~ {}", new.path),
///         CacheEvent::Deleted(node) => println!("- {}", node.path),
///         CacheEvent::Lagged { missed } => println!("{missed} events missed; re-reading"),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
pub struct CuratorCache {
    client: Client,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CuratorCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CuratorCache")
            .field("root", &self.shared.root)
            .field("lifecycle", &self.shared.lifecycle())
            .finish_non_exhaustive()
    }
}

impl CuratorCache {
    /// A cache of the subtree at `path`; nothing happens until
    /// [`start`](CuratorCache::start).
    pub fn new(client: &Client, path: &str) -> CuratorCache {
        CuratorCache {
            client: client.clone(),
            shared: Arc::new(CacheCore::new(
                path,
                Storage {
                    nodes: BTreeMap::new(),
                    initialized: false,
                    closed: false,
                },
                |missed| CacheEvent::Lagged { missed },
            )),
        }
    }

    /// How many unread events each subscription ([`events`](CuratorCache::events)) holds
    /// before its oldest are dropped and reported as [`CacheEvent::Lagged`] (default 1024, at
    /// least 1). Set it before subscribing and starting: it replaces the event channel.
    pub fn with_event_capacity(mut self, capacity: usize) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.set_event_capacity(capacity, |missed| CacheEvent::Lagged { missed });
        }
        self
    }

    /// The root of the cached tree.
    pub fn path(&self) -> &str {
        &self.shared.root
    }

    /// Starts the cache: adds the recursive watch (fails if the server cannot, for example
    /// before 3.6), then loads and follows the tree in the background. Only once.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`](crate::RecipeError::Inconsistent) if the cache was
    /// started or closed already; `RecipeError::Zk` if the watch cannot be added
    /// (`Unimplemented` before ZooKeeper 3.6).
    pub async fn start(&self) -> Result<()> {
        // An async block, so the watch is asked for only once the start is allowed.
        let watch = self
            .shared
            .start(async {
                let mode = AddWatchMode::PersistentRecursive;
                self.client.add_watch(&self.shared.root, mode).await
            })
            .await?;
        worker::spawn(&self.client, &self.shared, watch);
        Ok(())
    }

    /// Closes the cache for good: the cache is emptied, the watch removed, and event
    /// subscriptions end (after the events already queued).
    pub fn close(&self) {
        self.shared.close();
    }

    /// Subscribes to the cache's events from now on. Subscribe before
    /// [`start`](CuratorCache::start) to see the initial load.
    pub fn events(&self) -> Events<CacheEvent> {
        self.shared.subscribe()
    }

    /// Whether the initial load has completed.
    pub fn is_initialized(&self) -> bool {
        self.shared.contents().initialized
    }

    /// The cached node at `path`, if any.
    pub fn get(&self, path: &str) -> Option<NodeData> {
        self.shared.contents().nodes.get(path).cloned()
    }

    /// The names of the cached children of `path`, sorted. Fails for a path outside the
    /// tree.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` with `Error::InvalidArgument` for a path outside the cached tree.
    pub fn children(&self, path: &str) -> Result<Vec<String>> {
        relative(&self.shared.root, path)?;
        let prefix = if path == "/" {
            "/".to_owned()
        } else {
            format!("{path}/")
        };
        let storage = self.shared.contents();
        Ok(storage
            .nodes
            .range(prefix.clone()..)
            .map(|(p, _)| p)
            .take_while(|p| p.starts_with(&prefix))
            .map(|p| &p[prefix.len()..])
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_owned)
            .collect())
    }

    /// The number of cached nodes.
    pub fn size(&self) -> usize {
        self.shared.contents().nodes.len()
    }

    /// Every cached node, ordered by path (Curator's `stream()`).
    pub fn snapshot(&self) -> Vec<NodeData> {
        self.shared.contents().nodes.values().cloned().collect()
    }
}

impl Drop for CuratorCache {
    fn drop(&mut self) {
        self.shared.close();
    }
}
