//! The cached tree: a table of nodes by id (the root is [`ROOT`]), each with its children by
//! name, its data once read, and the newest read and the armed watch of each kind. Only the
//! worker writes it; the handle reads it under the same lock.

use std::collections::{BTreeMap, HashMap};

use crate::support::cache::Contents;

use super::event::NodeData;

/// Where a node is: not read yet, known to exist, or known to be gone (only the root stays
/// in the table when gone, watched for its creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NodeState {
    Pending,
    Live,
    Dead,
}

/// The kinds of read (and of the watch each arms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Data,
    Children,
    Exists,
}

/// The index of a kind in a node's per-kind arrays.
pub(super) fn slot(kind: Kind) -> usize {
    match kind {
        Kind::Data => 0,
        Kind::Children => 1,
        Kind::Exists => 2,
    }
}

/// An armed watch: its key in the worker's task set and the read that set it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Armed {
    pub(super) key: u64,
    pub(super) seq: u64,
}

#[derive(Debug)]
pub(super) struct Node {
    pub(super) path: String,
    pub(super) parent: Option<u64>,
    pub(super) children: BTreeMap<String, u64>,
    pub(super) state: NodeState,
    pub(super) data: Option<NodeData>,
    /// The newest read of each kind: results of older ones are dropped.
    pub(super) seqs: [u64; 3],
    /// The watch of each kind.
    pub(super) watches: [Option<Armed>; 3],
}

impl Node {
    pub(super) fn new(path: String, parent: Option<u64>) -> Node {
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

/// The id of the root node.
pub(super) const ROOT: u64 = 0;

#[derive(Debug)]
pub(super) struct Tree {
    pub(super) nodes: HashMap<u64, Node>,
    pub(super) initialized: bool,
    pub(super) closed: bool,
}

impl Tree {
    /// A tree of the root at `root`, nothing read yet.
    pub(super) fn new(root: &str) -> Tree {
        let mut nodes = HashMap::new();
        nodes.insert(ROOT, Node::new(root.to_owned(), None));
        Tree {
            nodes,
            initialized: false,
            closed: false,
        }
    }

    /// The node at `components` below the root, if it is cached.
    pub(super) fn find(&self, components: &[&str]) -> Option<&Node> {
        let mut id = ROOT;
        for component in components {
            id = *self.nodes.get(&id)?.children.get(*component)?;
        }
        self.nodes.get(&id)
    }
}

impl Contents for Tree {
    fn close(&mut self) {
        self.closed = true;
        self.initialized = false;
        self.nodes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cached_nodes_by_their_components() {
        let mut tree = Tree::new("/r");
        tree.nodes.insert(1, Node::new("/r/a".into(), Some(ROOT)));
        tree.nodes.insert(2, Node::new("/r/a/b".into(), Some(1)));
        tree.nodes
            .get_mut(&ROOT)
            .unwrap()
            .children
            .insert("a".into(), 1);
        tree.nodes
            .get_mut(&1)
            .unwrap()
            .children
            .insert("b".into(), 2);
        assert_eq!(tree.find(&[]).map(|n| n.path.as_str()), Some("/r"));
        assert_eq!(
            tree.find(&["a", "b"]).map(|n| n.path.as_str()),
            Some("/r/a/b")
        );
        assert!(tree.find(&["a", "c"]).is_none());
        tree.close();
        assert!(tree.find(&[]).is_none() && tree.closed && !tree.initialized);
    }
}
