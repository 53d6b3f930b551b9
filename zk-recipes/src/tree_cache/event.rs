//! What a [`TreeCache`](super::TreeCache) reports: kazoo's `NodeData` and `TreeEvent`.

use bytes::Bytes;
use zk_client::Stat;

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

/// What happened to a [`TreeCache`](crate::TreeCache): kazoo's `TreeEvent`, and the lag report of a
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
    /// cache): read the cache again ([`get_data`](crate::TreeCache::get_data),
    /// [`get_children`](crate::TreeCache::get_children)) for the current state. See [`Events`](crate::Events).
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
