//! How the worker applies what it learns to the tree: a node created or deleted, a data,
//! children or exists read answered, a watch fired, the session suspended, back or lost; and
//! the events each change publishes.

use zk_client::{Error, ErrorCode, EventType, SessionState, StateChange, WatchEvent};

use crate::support::detach::{ChildrenRead, DataRead, ExistsRead};
use crate::support::paths::join;

use super::event::{NodeData, TreeEvent};
use super::tree::{Kind, Node, NodeState, Tree, slot};
use super::worker::Worker;

impl Worker {
    pub(super) fn on_created(&mut self, tree: &mut Tree, id: u64) {
        self.read(tree, id, Kind::Data);
        self.read(tree, id, Kind::Children);
    }

    pub(super) fn on_deleted(&mut self, tree: &mut Tree, id: u64) {
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
            self.disarm(armed);
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

    pub(super) fn on_data(&mut self, tree: &mut Tree, id: u64, seq: u64, result: DataRead) -> bool {
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

    pub(super) fn on_children(
        &mut self,
        tree: &mut Tree,
        id: u64,
        seq: u64,
        result: ChildrenRead,
    ) -> bool {
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

    pub(super) fn on_exists(
        &mut self,
        tree: &mut Tree,
        id: u64,
        seq: u64,
        result: ExistsRead,
    ) -> bool {
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

    pub(super) fn on_watch(
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

    pub(super) fn on_state(&mut self, tree: &mut Tree, change: StateChange) -> bool {
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
