//! The operations an application can submit, in client-path terms.

use std::time::Duration;

use bytes::Bytes;

use crate::records::Acl;

/// How a node is created (`CreateMode`, `docs/protocol.md#create-modes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CreateMode {
    /// A plain node that lives until deleted.
    #[default]
    Persistent,
    /// Deleted when the creating session ends.
    Ephemeral,
    /// Persistent, with a 10-digit sequence suffix appended by the server.
    PersistentSequential,
    /// Ephemeral, with a sequence suffix.
    EphemeralSequential,
    /// Deleted by the server once its last child is gone (3.5.1+; sent as createContainer).
    Container,
    /// Deleted once unmodified for `ttl` and childless (3.5.3+, servers with
    /// `zookeeper.extendedTypesEnabled=true`; sent as createTTL).
    PersistentWithTtl {
        /// Time to live, from 1 ms to 2^40 - 1 ms.
        ttl: Duration,
    },
    /// [`PersistentWithTtl`](CreateMode::PersistentWithTtl) with a sequence suffix.
    PersistentSequentialWithTtl {
        /// Time to live, from 1 ms to 2^40 - 1 ms.
        ttl: Duration,
    },
}

impl CreateMode {
    /// The wire flag (`CreateMode.toFlag`).
    pub fn flag(self) -> i32 {
        match self {
            CreateMode::Persistent => 0,
            CreateMode::Ephemeral => 1,
            CreateMode::PersistentSequential => 2,
            CreateMode::EphemeralSequential => 3,
            CreateMode::Container => 4,
            CreateMode::PersistentWithTtl { .. } => 5,
            CreateMode::PersistentSequentialWithTtl { .. } => 6,
        }
    }

    /// Whether the server appends a sequence suffix.
    pub fn is_sequential(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentSequential
                | CreateMode::EphemeralSequential
                | CreateMode::PersistentSequentialWithTtl { .. }
        )
    }

    /// Whether the node ends with its session.
    pub fn is_ephemeral(self) -> bool {
        matches!(
            self,
            CreateMode::Ephemeral | CreateMode::EphemeralSequential
        )
    }

    /// The TTL of a TTL mode.
    pub fn ttl(self) -> Option<Duration> {
        match self {
            CreateMode::PersistentWithTtl { ttl }
            | CreateMode::PersistentSequentialWithTtl { ttl } => Some(ttl),
            _ => None,
        }
    }
}

/// The persistent watch modes of addWatch (3.6+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddWatchMode {
    /// Fires for every change of the node itself and of its child list; never removed by firing.
    Persistent,
    /// Fires for creation, data change and deletion of the node and of every descendant
    /// (never for child-list changes); never removed by firing.
    PersistentRecursive,
}

impl AddWatchMode {
    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            AddWatchMode::Persistent => 0,
            AddWatchMode::PersistentRecursive => 1,
        }
    }
}

/// Which watches checkWatches and removeWatches address (`WatcherType`,
/// `docs/protocol.md#event-and-watcher-types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatcherType {
    /// Child watches.
    Children,
    /// Data and exist watches.
    Data,
    /// Every watch on the path.
    Any,
    /// Persistent watches (servers 3.9+; older ones answer MarshallingError).
    Persistent,
    /// Persistent recursive watches (servers 3.9+).
    PersistentRecursive,
}

impl WatcherType {
    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            WatcherType::Children => 1,
            WatcherType::Data => 2,
            WatcherType::Any => 3,
            WatcherType::Persistent => 4,
            WatcherType::PersistentRecursive => 5,
        }
    }
}

/// One operation of a transaction ([`Request::Multi`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultiOp {
    /// Create a node. Container and TTL modes are sent as their own sub-op types.
    Create {
        /// Client path (for sequential modes: the prefix).
        path: String,
        /// Initial data.
        data: Bytes,
        /// Initial ACL.
        acl: Vec<Acl>,
        /// Create mode.
        mode: CreateMode,
    },
    /// Delete a node.
    Delete {
        /// Client path.
        path: String,
        /// Expected data version; `None` for any.
        version: Option<i32>,
    },
    /// Set a node's data.
    SetData {
        /// Client path.
        path: String,
        /// New data.
        data: Bytes,
        /// Expected data version; `None` for any.
        version: Option<i32>,
    },
    /// Fail the transaction unless the node's data version is `version`.
    Check {
        /// Client path.
        path: String,
        /// Required data version.
        version: i32,
    },
}

/// One operation of [`Request::MultiRead`] (3.6+). No watches are set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadOp {
    /// A node's data and Stat.
    GetData {
        /// Client path.
        path: String,
    },
    /// A node's children.
    GetChildren {
        /// Client path.
        path: String,
    },
}

/// An operation to submit to the session. Paths are client paths (the chroot is added by the
/// session) and are validated before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// Create a node (create, create2, createContainer or createTTL, chosen by `mode` and
    /// `with_stat`).
    Create {
        /// Client path (for sequential modes: the prefix).
        path: String,
        /// Initial data.
        data: Bytes,
        /// Initial ACL; must not be empty.
        acl: Vec<Acl>,
        /// Create mode.
        mode: CreateMode,
        /// Also return the new node's Stat (create2; always true for container and TTL nodes,
        /// whose replies carry one anyway).
        with_stat: bool,
    },
    /// Delete a node.
    Delete {
        /// Client path.
        path: String,
        /// Expected data version; `None` for any.
        version: Option<i32>,
    },
    /// A node's Stat, or `None` if it does not exist.
    Exists {
        /// Client path.
        path: String,
        /// Leave a one-shot watch: fires on creation if the node is missing, else on data
        /// change or deletion.
        watch: bool,
    },
    /// A node's data and Stat.
    GetData {
        /// Client path.
        path: String,
        /// Leave a one-shot watch (data change or deletion).
        watch: bool,
    },
    /// Set a node's data.
    SetData {
        /// Client path.
        path: String,
        /// New data.
        data: Bytes,
        /// Expected data version; `None` for any.
        version: Option<i32>,
    },
    /// A node's ACL and Stat.
    GetAcl {
        /// Client path.
        path: String,
    },
    /// Set a node's ACL.
    SetAcl {
        /// Client path.
        path: String,
        /// The new ACL; must not be empty.
        acl: Vec<Acl>,
        /// Expected ACL version (aversion); `None` for any.
        version: Option<i32>,
    },
    /// A node's children (names), optionally with its Stat (getChildren2).
    GetChildren {
        /// Client path.
        path: String,
        /// Leave a one-shot child watch (child list change or deletion).
        watch: bool,
        /// Also return the node's Stat.
        with_stat: bool,
    },
    /// Bring the connected server up to date with the leader.
    Sync {
        /// Client path.
        path: String,
    },
    /// An atomic transaction. An empty list completes at once without a round trip.
    Multi(Vec<MultiOp>),
    /// Several reads in one round trip (3.6+); not atomic.
    MultiRead(Vec<ReadOp>),
    /// The ensemble's dynamic configuration (`/zookeeper/config`, never chrooted).
    GetConfig {
        /// Leave a one-shot watch on the configuration.
        watch: bool,
    },
    /// Change the ensemble membership (3.5+, servers with `reconfigEnabled=true`).
    Reconfig {
        /// Servers to add, comma-separated `server.N=host:quorum:election[:role];[host:]port`.
        joining: Option<String>,
        /// Server ids to remove, comma-separated.
        leaving: Option<String>,
        /// The whole new membership (non-incremental reconfig).
        new_members: Option<String>,
        /// Only apply if the current configuration version is this one.
        from_config: Option<i64>,
    },
    /// Add a persistent or persistent recursive watch (3.6+). The node need not exist.
    AddWatch {
        /// Client path.
        path: String,
        /// The watch mode.
        mode: AddWatchMode,
    },
    /// Ask whether this connection holds a watch of the given type on the path (3.5+);
    /// fails with [`NoWatcher`](crate::ErrorCode::NoWatcher) if not.
    CheckWatches {
        /// Client path.
        path: String,
        /// Which watches.
        watcher_type: WatcherType,
    },
    /// Remove every watch of the given type on the path, on the server and locally; the local
    /// watchers end with a [`WatchEvent::Removed`](crate::WatchEvent::Removed) (3.5+).
    RemoveAllWatches {
        /// Client path.
        path: String,
        /// Which watches.
        watcher_type: WatcherType,
    },
    /// This session's ephemeral nodes whose path starts with `prefix` (3.6+).
    GetEphemerals {
        /// A client path prefix (a plain string prefix, not a path component match).
        prefix: String,
    },
    /// The number of descendants of a node, excluding itself (3.6+, getAllChildrenNumber).
    CountDescendants {
        /// Client path.
        path: String,
    },
    /// The connection's authenticated identities (3.7+).
    WhoAmI,
}

impl Request {
    /// A persistent node with the open ACL and no Stat in the reply.
    pub fn create(path: impl Into<String>, data: impl Into<Bytes>, mode: CreateMode) -> Self {
        Request::Create {
            path: path.into(),
            data: data.into(),
            acl: Acl::open_unsafe(),
            mode,
            with_stat: false,
        }
    }

    /// getData without a watch.
    pub fn get_data(path: impl Into<String>) -> Self {
        Request::GetData {
            path: path.into(),
            watch: false,
        }
    }

    /// setData without a version check.
    pub fn set_data(path: impl Into<String>, data: impl Into<Bytes>) -> Self {
        Request::SetData {
            path: path.into(),
            data: data.into(),
            version: None,
        }
    }

    /// delete without a version check.
    pub fn delete(path: impl Into<String>) -> Self {
        Request::Delete {
            path: path.into(),
            version: None,
        }
    }

    /// exists without a watch.
    pub fn exists(path: impl Into<String>) -> Self {
        Request::Exists {
            path: path.into(),
            watch: false,
        }
    }

    /// getChildren without a watch or Stat.
    pub fn get_children(path: impl Into<String>) -> Self {
        Request::GetChildren {
            path: path.into(),
            watch: false,
            with_stat: false,
        }
    }
}
