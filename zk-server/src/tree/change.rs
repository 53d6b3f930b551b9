//! The changes a write transaction makes, each with what undoes it (a failed multi rolls
//! back the operations before the failing one) and the watch trigger it causes.

use bytes::Bytes;
use zk_proto::Acl;

use super::SharedAcl;

use super::{DataTree, Node, NodeKind};

/// What a change means to watchers: the path, the event, and the ACLs that decide who may
/// hear of it (notifications are filtered by READ permission).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// NodeCreated on `path`, then NodeChildrenChanged on `parent`.
    Created {
        path: String,
        parent: String,
        acl: SharedAcl,
        parent_acl: SharedAcl,
    },
    /// NodeDeleted on `path` (data, then child watchers), then NodeChildrenChanged on
    /// `parent`.
    Deleted {
        path: String,
        parent: String,
        acl: SharedAcl,
        parent_acl: SharedAcl,
    },
    /// NodeDataChanged on `path`.
    DataChanged { path: String, acl: SharedAcl },
}

/// How to take one change back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Undo {
    Created {
        path: String,
        parent_cversion: i32,
        parent_pzxid: i64,
    },
    Deleted {
        path: String,
        node: Box<Node>,
        parent_pzxid: i64,
    },
    DataSet {
        path: String,
        data: Option<Bytes>,
        version: i32,
        mzxid: i64,
        mtime: i64,
    },
}

impl DataTree {
    /// Adds `node` at `path`, whose parent exists: the parent's persisted cversion counts the
    /// creation and its pzxid becomes `zxid`. `None` (and no change) if the parent is
    /// missing or the path taken, which the caller has already ruled out.
    pub(crate) fn create(
        &mut self,
        path: String,
        node: Node,
        zxid: i64,
    ) -> Option<(Undo, Trigger)> {
        let (parent_path, name) = DataTree::split(&path)?;
        let (parent_path, name) = (parent_path.to_owned(), name.to_owned());
        if self.nodes.contains_key(&path) {
            return None;
        }
        let parent = self.nodes.get_mut(&parent_path)?;
        let undo = Undo::Created {
            path: path.clone(),
            parent_cversion: parent.cversion,
            parent_pzxid: parent.pzxid,
        };
        parent.cversion = parent.cversion.wrapping_add(1);
        parent.pzxid = zxid;
        parent.children.insert(name);
        let trigger = Trigger::Created {
            path: path.clone(),
            parent: parent_path,
            acl: node.acl.clone(),
            parent_acl: parent.acl.clone(),
        };
        self.index(&path, node.kind);
        self.nodes.insert(path, node);
        Some((undo, trigger))
    }

    /// Removes the node at `path` (which the caller found childless). The parent's pzxid
    /// moves forward to `zxid`; its cversion does not change (deletions are derived).
    pub(crate) fn delete(&mut self, path: &str, zxid: i64) -> Option<(Undo, Trigger)> {
        let (parent_path, name) = DataTree::split(path)?;
        let node = self.nodes.remove(path)?;
        let Some(parent) = self.nodes.get_mut(parent_path) else {
            self.nodes.insert(path.to_owned(), node);
            return None;
        };
        let undo = Undo::Deleted {
            path: path.to_owned(),
            node: Box::new(node.clone()),
            parent_pzxid: parent.pzxid,
        };
        parent.children.remove(name);
        parent.pzxid = parent.pzxid.max(zxid);
        let trigger = Trigger::Deleted {
            path: path.to_owned(),
            parent: parent_path.to_owned(),
            acl: node.acl,
            parent_acl: parent.acl.clone(),
        };
        self.unindex(path, node.kind);
        Some((undo, trigger))
    }

    /// Replaces a node's data: the data version counts the change, mzxid and mtime move.
    pub(crate) fn set_data(
        &mut self,
        path: &str,
        data: Option<Bytes>,
        zxid: i64,
        time: i64,
    ) -> Option<(Undo, Trigger)> {
        let node = self.nodes.get_mut(path)?;
        let undo = Undo::DataSet {
            path: path.to_owned(),
            data: std::mem::replace(&mut node.data, data),
            version: node.version,
            mzxid: node.mzxid,
            mtime: node.mtime,
        };
        node.version = node.version.wrapping_add(1);
        node.mzxid = zxid;
        node.mtime = time;
        let trigger = Trigger::DataChanged {
            path: path.to_owned(),
            acl: node.acl.clone(),
        };
        Some((undo, trigger))
    }

    /// Replaces a node's ACL: only its aversion counts it; no zxid, no time, no watch.
    pub(crate) fn set_acl(&mut self, path: &str, acl: Vec<Acl>) -> Option<&Node> {
        let acl = self.intern(acl);
        let node = self.nodes.get_mut(path)?;
        node.acl = acl;
        node.aversion = node.aversion.wrapping_add(1);
        Some(node)
    }

    /// Takes a change back. Undos are applied newest first, so each finds the tree as its
    /// change left it.
    pub(crate) fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Created {
                path,
                parent_cversion,
                parent_pzxid,
            } => {
                if let Some(node) = self.nodes.remove(&path) {
                    self.unindex(&path, node.kind);
                }
                if let Some((parent, name)) = DataTree::split(&path) {
                    if let Some(parent) = self.nodes.get_mut(parent) {
                        parent.children.remove(name);
                        parent.cversion = parent_cversion;
                        parent.pzxid = parent_pzxid;
                    }
                }
            }
            Undo::Deleted {
                path,
                node,
                parent_pzxid,
            } => {
                if let Some((parent, name)) = DataTree::split(&path) {
                    if let Some(parent) = self.nodes.get_mut(parent) {
                        parent.children.insert(name.to_owned());
                        parent.pzxid = parent_pzxid;
                    }
                }
                self.index(&path, node.kind);
                self.nodes.insert(path, *node);
            }
            Undo::DataSet {
                path,
                data,
                version,
                mzxid,
                mtime,
            } => {
                if let Some(node) = self.nodes.get_mut(&path) {
                    node.data = data;
                    node.version = version;
                    node.mzxid = mzxid;
                    node.mtime = mtime;
                }
            }
        }
    }

    pub(super) fn index(&mut self, path: &str, kind: NodeKind) {
        match kind {
            NodeKind::Persistent => {}
            NodeKind::Ephemeral(session) => {
                self.ephemerals
                    .entry(session)
                    .or_default()
                    .insert(path.to_owned());
            }
            NodeKind::Container => {
                self.containers.insert(path.to_owned());
            }
            NodeKind::Ttl(_) => {
                self.ttls.insert(path.to_owned());
            }
        }
    }

    fn unindex(&mut self, path: &str, kind: NodeKind) {
        match kind {
            NodeKind::Persistent => {}
            NodeKind::Ephemeral(session) => {
                if let Some(paths) = self.ephemerals.get_mut(&session) {
                    paths.remove(path);
                    if paths.is_empty() {
                        self.ephemerals.remove(&session);
                    }
                }
            }
            NodeKind::Container => {
                self.containers.remove(path);
            }
            NodeKind::Ttl(_) => {
                self.ttls.remove(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(kind: NodeKind, zxid: i64) -> Node {
        Node::new(
            Some(Bytes::from_static(b"d")),
            Acl::open_unsafe().into(),
            kind,
            zxid,
            zxid * 10,
        )
    }

    #[test]
    fn creation_and_deletion_move_the_parent_as_zookeeper_does() {
        let mut tree = DataTree::new();
        tree.create("/a".into(), node(NodeKind::Persistent, 1), 1)
            .unwrap();
        tree.create("/a/x".into(), node(NodeKind::Persistent, 2), 2)
            .unwrap();
        tree.create("/a/y".into(), node(NodeKind::Ephemeral(9), 3), 3)
            .unwrap();
        let (_, trigger) = tree.delete("/a/x", 4).unwrap();
        assert_eq!(
            trigger,
            Trigger::Deleted {
                path: "/a/x".into(),
                parent: "/a".into(),
                acl: Acl::open_unsafe().into(),
                parent_acl: Acl::open_unsafe().into(),
            }
        );
        let a = tree.get("/a").unwrap();
        // Two creations (persisted), one left: the client sees 2*2-1 = 3 changes.
        assert_eq!(a.cversion, 2);
        let stat = a.stat();
        assert_eq!((stat.cversion, stat.num_children, stat.pzxid), (3, 1, 4));
        assert_eq!((stat.czxid, stat.mzxid), (1, 1));
        assert_eq!(tree.ephemerals_of(9).collect::<Vec<_>>(), ["/a/y"]);
        // The root counted /a's creation.
        let root = tree.get("/").unwrap().stat();
        assert_eq!((root.cversion, root.pzxid), (0, 1));
    }

    #[test]
    fn set_data_counts_versions_and_set_acl_only_the_aversion() {
        let mut tree = DataTree::new();
        tree.create("/a".into(), node(NodeKind::Persistent, 1), 1)
            .unwrap();
        tree.set_data("/a", None, 2, 20).unwrap();
        let stat = tree.get("/a").unwrap().stat();
        assert_eq!(
            (stat.version, stat.mzxid, stat.mtime, stat.data_length),
            (1, 2, 20, 0)
        );
        assert_eq!((stat.czxid, stat.ctime), (1, 10));
        tree.set_acl("/a", Acl::read_unsafe()).unwrap();
        let stat = tree.get("/a").unwrap().stat();
        assert_eq!((stat.aversion, stat.version, stat.mzxid), (1, 1, 2));
    }

    #[test]
    fn undo_restores_every_field_and_index() {
        let mut tree = DataTree::new();
        tree.create("/a".into(), node(NodeKind::Persistent, 1), 1)
            .unwrap();
        tree.create("/a/e".into(), node(NodeKind::Ephemeral(5), 2), 2)
            .unwrap();
        let before = tree.clone();
        let undos = vec![
            tree.create("/a/c".into(), node(NodeKind::Container, 3), 3)
                .unwrap()
                .0,
            tree.set_data("/a", None, 3, 30).unwrap().0,
            tree.delete("/a/e", 3).unwrap().0,
            tree.create("/a/t".into(), node(NodeKind::Ttl(100), 3), 3)
                .unwrap()
                .0,
        ];
        assert!(tree.has_reapable());
        for undo in undos.into_iter().rev() {
            tree.undo(undo);
        }
        assert_eq!(tree.nodes, before.nodes);
        assert_eq!(tree.ephemerals, before.ephemerals);
        assert!(!tree.has_reapable());
    }
}
