//! Watches: their identities, the events they receive, and the registry that routes server
//! notifications to local watchers (`docs/protocol.md#watches`).

mod registry;
mod reregister;

pub(crate) use registry::WatchRegistry;
pub(crate) use reregister::set_watches_batches;

use std::fmt;

/// Identifies one local watcher. It is the [`RequestId`](crate::RequestId) value of the
/// request that registered it, so a watch can be matched to the read that set it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WatchId(pub(crate) u64);

impl WatchId {
    /// The raw value (equal to the registering request's id).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for WatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WatchId({})", self.0)
    }
}

/// The kind of a local watcher, which decides which notifications reach it and whether it
/// survives firing (`docs/protocol.md#watch-routing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatchKind {
    /// Set by getData, or by exists on an existing node: fires once on data change or deletion.
    Data,
    /// Set by exists on a missing node: fires once on creation.
    Exist,
    /// Set by getChildren: fires once on a child-list change or deletion.
    Child,
    /// Set by addWatch(persistent): every change of the node and its child list, until removed.
    Persistent,
    /// Set by addWatch(persistent recursive): creation, data change and deletion of the node
    /// and every descendant, until removed.
    PersistentRecursive,
}

impl WatchKind {
    pub(crate) const ALL: [WatchKind; 5] = [
        WatchKind::Data,
        WatchKind::Exist,
        WatchKind::Child,
        WatchKind::Persistent,
        WatchKind::PersistentRecursive,
    ];

    pub(crate) fn index(self) -> usize {
        match self {
            WatchKind::Data => 0,
            WatchKind::Exist => 1,
            WatchKind::Child => 2,
            WatchKind::Persistent => 3,
            WatchKind::PersistentRecursive => 4,
        }
    }

    /// Whether the watcher ends after its first node event.
    pub fn is_one_shot(self) -> bool {
        matches!(self, WatchKind::Data | WatchKind::Exist | WatchKind::Child)
    }
}

/// The type of a node event (`EventType`, `docs/protocol.md#event-and-watcher-types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// The node was created.
    NodeCreated,
    /// The node was deleted.
    NodeDeleted,
    /// The node's data changed.
    NodeDataChanged,
    /// The node's child list changed.
    NodeChildrenChanged,
}

impl fmt::Display for EventType {
    /// ZooKeeper's name for it (`NodeCreated`, ...), as its logs and other clients print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl EventType {
    /// The event type for a wire value; `None` for values a server never sends.
    pub fn from_code(code: i32) -> Option<EventType> {
        match code {
            1 => Some(EventType::NodeCreated),
            2 => Some(EventType::NodeDeleted),
            3 => Some(EventType::NodeDataChanged),
            4 => Some(EventType::NodeChildrenChanged),
            _ => None,
        }
    }

    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            EventType::NodeCreated => 1,
            EventType::NodeDeleted => 2,
            EventType::NodeDataChanged => 3,
            EventType::NodeChildrenChanged => 4,
        }
    }
}

/// A change to a node, as reported by the server.
///
/// A record the session produces and applications read: its fields are public and it is
/// `#[non_exhaustive]`, so a field may be added; [`NodeEvent::new`] builds one for tests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct NodeEvent {
    /// What happened.
    pub event_type: EventType,
    /// The client path of the node (chroot removed).
    pub path: String,
    /// The zxid of the change, when the server reports it (3.9+); `None` from older servers
    /// and for events the server synthesizes when watches are re-registered.
    pub zxid: Option<i64>,
}

impl NodeEvent {
    /// An event of `event_type` on the client path `path`, with the change's zxid if known.
    pub fn new(event_type: EventType, path: impl Into<String>, zxid: Option<i64>) -> NodeEvent {
        NodeEvent {
            event_type,
            path: path.into(),
            zxid,
        }
    }
}

/// What a watcher is told.
///
/// A one-shot watcher ([`WatchKind::is_one_shot`]) receives exactly one event: a
/// [`Node`](WatchEvent::Node) event or a terminal one. A persistent watcher receives node events
/// and [`Resumed`](WatchEvent::Resumed) markers until a terminal event, and
/// [`Lagged`](WatchEvent::Lagged) reports where its consumer fell too far behind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WatchEvent {
    /// The node changed.
    Node(NodeEvent),
    /// The connection was re-established and the persistent watch re-registered. Changes made
    /// while the client was disconnected are not reported for persistent watches (the server
    /// does not replay them): a cache should re-read after this marker. `since_zxid` is the
    /// last zxid the client had seen before the gap.
    Resumed {
        /// The last zxid seen before the disconnect.
        since_zxid: i64,
    },
    /// The consumer fell behind: `missed` events of this persistent watch were dropped, the
    /// oldest first, because its bounded queue was full. What they reported is unknown, so
    /// the watched node or subtree must be read again, as after
    /// [`Resumed`](WatchEvent::Resumed). The events that follow are the ones that came after
    /// the gap. The [`Session`](crate::Session) never produces it: a client that queues events
    /// for a slow consumer does, in place of the events it dropped.
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
    /// The watch was removed by the application. Terminal.
    Removed,
    /// The session was lost: the watch is gone on the server. Terminal.
    SessionExpired,
    /// The client was closed. Terminal.
    Closed,
    /// Authentication failed and the client stopped. Terminal.
    AuthFailed,
}

impl WatchEvent {
    /// Whether no further events follow for this watcher.
    pub fn is_terminal(&self) -> bool {
        !matches!(
            self,
            WatchEvent::Node(_) | WatchEvent::Resumed { .. } | WatchEvent::Lagged { .. }
        )
    }
}
