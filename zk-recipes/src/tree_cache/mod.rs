//! kazoo's `TreeCache` (a port of Curator's `TreeCache`): an in-memory copy of a subtree,
//! kept up to date with one-shot watches on every node, and its seven events.
//!
//! One concern per file: `event` (what the cache reports), `tree` (the node table), `worker`
//! (the background task: reads, watches, retries) and `apply` (how results and events change
//! the tree). This file is the public handle.

mod apply;
mod event;
mod tree;
mod worker;

use std::collections::BTreeSet;
use std::sync::Arc;

use zk_client::{Client, RetryPolicy};

use crate::error::Result;
use crate::support::cache::CacheCore;
use crate::support::events::Events;
use crate::support::paths::relative;

pub use event::{NodeData, TreeEvent, TreeEventType};
use tree::{Node, Tree};

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
        TreeCache {
            client: client.clone(),
            shared: Arc::new(CacheCore::new(path, Tree::new(path), |missed| {
                TreeEvent::Lagged { missed }
            })),
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
    /// [`RecipeError::Inconsistent`](crate::RecipeError::Inconsistent) if the cache was
    /// started or closed already; `RecipeError::Zk` if the root cannot be created.
    pub async fn start(&self) -> Result<()> {
        // An async block, so the root is created only once the start is allowed.
        let root = &self.shared.root;
        self.shared
            .start(async {
                let client = &self.client;
                client.retry(&self.retry, || client.ensure_path(root)).await
            })
            .await?;
        worker::spawn(&self.client, &self.shared);
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
        Ok(self.shared.contents().find(&components).map(f))
    }

    /// The cached data and Stat of the node at `path`; `None` if it is not in the cache (or
    /// not loaded yet). Fails for a path outside the tree.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` with `Error::InvalidArgument` for a path outside the cached tree.
    pub fn get_data(&self, path: &str) -> Result<Option<NodeData>> {
        Ok(self.find(path, |node| node.data.clone())?.flatten())
    }

    /// The names of the cached children of the node at `path`; `None` if the node is not in
    /// the cache. Fails for a path outside the tree.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` with `Error::InvalidArgument` for a path outside the cached tree.
    pub fn get_children(&self, path: &str) -> Result<Option<BTreeSet<String>>> {
        self.find(path, |node| node.children.keys().cloned().collect())
    }
}

impl Drop for TreeCache {
    fn drop(&mut self) {
        self.shared.close();
    }
}
