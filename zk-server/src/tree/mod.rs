//! The data tree: znodes by path, the indexes ZooKeeper keeps beside them (ephemerals by
//! session, containers, TTL nodes), and the changes a transaction makes (`change`).
//!
//! The tree applies changes; it does not judge them. Versions, ACLs and path rules are
//! checked before a change is made (`server::writes`), so every change here succeeds.

mod change;
mod node;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use zk_proto::{Acl, Id, Perms};

pub(crate) use change::{Trigger, Undo};
pub(crate) use node::{MAX_TTL_MS, Node, NodeKind, SharedAcl};

/// Paths a client may never delete (`DataTree.isSpecialPath`).
const SPECIAL: [&str; 4] = ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"];

/// Every znode, keyed by its full path (the root is `/`).
#[derive(Debug, Clone)]
pub(crate) struct DataTree {
    nodes: HashMap<String, Node>,
    ephemerals: BTreeMap<i64, BTreeSet<String>>,
    containers: BTreeSet<String>,
    ttls: BTreeSet<String>,
    /// The distinct ACLs in use (a few, usually), shared by the nodes that have them.
    acls: Vec<SharedAcl>,
}

impl DataTree {
    /// The tree of a fresh standalone server: `/`, `/zookeeper`, `/zookeeper/quota` and
    /// `/zookeeper/config`, with the Stats ZooKeeper gives them.
    pub(crate) fn new() -> DataTree {
        let mut nodes = HashMap::new();
        // The built-in nodes are linked without a creation, so the parents' persisted
        // cversion stays 0 and clients see -1 on `/` and -2 on `/zookeeper`.
        let mut root = Node::builtin(Acl::open_unsafe());
        root.children.insert("zookeeper".into());
        let mut zookeeper = Node::builtin(Acl::open_unsafe());
        zookeeper.children.insert("quota".into());
        zookeeper.children.insert("config".into());
        // The config node is read-only to everybody, set with setACL version -1 at startup,
        // hence its aversion of -1.
        let mut config = Node::builtin(vec![Acl::new(Perms::READ, Id::anyone())]);
        config.aversion = -1;
        nodes.insert("/".to_owned(), root);
        nodes.insert("/zookeeper".to_owned(), zookeeper);
        nodes.insert(
            "/zookeeper/quota".to_owned(),
            Node::builtin(Acl::open_unsafe()),
        );
        nodes.insert("/zookeeper/config".to_owned(), config);
        let mut tree = DataTree {
            nodes: HashMap::new(),
            ephemerals: BTreeMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            acls: Vec::new(),
        };
        for node in nodes.values_mut() {
            node.acl = tree.intern(node.acl.to_vec());
        }
        tree.nodes = nodes;
        tree
    }

    /// The node at `path`.
    pub(crate) fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Every node, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Node)> {
        self.nodes.iter()
    }

    /// A tree of `nodes` (children empty, to be linked here): every node but the root must
    /// have its parent among them. `None` if not.
    pub(crate) fn from_nodes(mut nodes: HashMap<String, Node>) -> Option<DataTree> {
        let paths: Vec<String> = nodes.keys().cloned().collect();
        if !nodes.contains_key("/") {
            return None;
        }
        let mut tree = DataTree {
            nodes: HashMap::new(),
            ephemerals: BTreeMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            acls: Vec::new(),
        };
        for node in nodes.values_mut() {
            node.acl = tree.intern(node.acl.to_vec());
        }
        for path in &paths {
            if path == "/" {
                continue;
            }
            let (parent, name) = DataTree::split(path)?;
            nodes.get_mut(parent)?.children.insert(name.to_owned());
            let kind = nodes.get(path)?.kind;
            tree.index(path, kind);
        }
        tree.nodes = nodes;
        Some(tree)
    }

    /// The shared copy of `acl`: an ACL already in use is shared, a new one is kept for
    /// sharing (up to a bound: a tree where every node has its own ACL shares nothing).
    pub(crate) fn intern(&mut self, acl: Vec<Acl>) -> SharedAcl {
        const KEPT: usize = 64;
        if let Some(shared) = self.acls.iter().find(|a| a[..] == acl[..]) {
            return shared.clone();
        }
        let shared: SharedAcl = acl.into();
        if self.acls.len() < KEPT {
            self.acls.push(shared.clone());
        }
        shared
    }

    /// Whether `path` is one a client may not delete.
    pub(crate) fn is_special(path: &str) -> bool {
        SPECIAL.contains(&path)
    }

    /// The parent path and the child's name: `None` for `/` and for strings without a `/`.
    /// `/a`'s parent is `/`.
    pub(crate) fn split(path: &str) -> Option<(&str, &str)> {
        let slash = path.rfind('/')?;
        if path == "/" {
            return None;
        }
        let parent = if slash == 0 { "/" } else { &path[..slash] };
        Some((parent, &path[slash + 1..]))
    }

    /// The full path of `name` under `parent`.
    pub(crate) fn child_path(parent: &str, name: &str) -> String {
        if parent == "/" {
            format!("/{name}")
        } else {
            format!("{parent}/{name}")
        }
    }

    /// The ephemeral nodes a session owns, in path order.
    pub(crate) fn ephemerals_of(&self, session: i64) -> impl Iterator<Item = &String> {
        self.ephemerals.get(&session).into_iter().flatten()
    }

    /// Containers and TTL nodes, the reaper's candidates, in path order.
    pub(crate) fn reapable(&self) -> impl Iterator<Item = &String> {
        self.containers.iter().chain(self.ttls.iter())
    }

    /// Whether any container or TTL node exists (else the reaper has nothing to do).
    pub(crate) fn has_reapable(&self) -> bool {
        !self.containers.is_empty() || !self.ttls.is_empty()
    }

    /// Number of nodes, the root included.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Paths and data, in bytes: `mntr`'s `approximate_data_size`.
    pub(crate) fn approximate_size(&self) -> usize {
        self.nodes
            .iter()
            .map(|(path, node)| path.len() + node.data.as_ref().map_or(0, |d| d.len()))
            .sum()
    }

    /// The number of descendants of `path`, itself excluded (`getAllChildrenNumber`).
    pub(crate) fn count_descendants(&self, path: &str) -> usize {
        let mut count = 0;
        let mut stack = vec![path.to_owned()];
        while let Some(at) = stack.pop() {
            if let Some(node) = self.nodes.get(&at) {
                count += node.children.len();
                stack.extend(node.children.iter().map(|c| DataTree::child_path(&at, c)));
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_tree_looks_like_a_fresh_standalone_server() {
        let tree = DataTree::new();
        assert_eq!(tree.len(), 4);
        let root = tree.get("/").unwrap().stat();
        assert_eq!((root.cversion, root.num_children, root.czxid), (-1, 1, 0));
        let zk = tree.get("/zookeeper").unwrap().stat();
        assert_eq!((zk.cversion, zk.num_children), (-2, 2));
        let config = tree.get("/zookeeper/config").unwrap();
        assert_eq!(config.aversion, -1);
        assert_eq!(config.acl[..], [Acl::new(Perms::READ, Id::anyone())]);
        assert_eq!(config.data.as_deref(), Some(&b""[..]));
        assert_eq!(tree.count_descendants("/"), 3);
        assert_eq!(tree.count_descendants("/zookeeper"), 2);
    }

    #[test]
    fn equal_acls_are_shared() {
        let mut tree = DataTree::new();
        let a = tree.intern(Acl::open_unsafe());
        let b = tree.intern(Acl::open_unsafe());
        assert!(std::sync::Arc::ptr_eq(&a, &b));
        assert!(
            std::sync::Arc::ptr_eq(&a, &tree.get("/").unwrap().acl),
            "the root's too"
        );
        let c = tree.intern(Acl::read_unsafe());
        assert!(std::sync::Arc::ptr_eq(
            &c,
            &tree.get("/zookeeper/config").unwrap().acl
        ));
    }

    #[test]
    fn paths_split_into_parent_and_name() {
        assert_eq!(DataTree::split("/a"), Some(("/", "a")));
        assert_eq!(DataTree::split("/a/b"), Some(("/a", "b")));
        assert_eq!(DataTree::split("/a/"), Some(("/a", "")));
        assert_eq!(DataTree::split("/"), None);
        assert_eq!(DataTree::split("a"), None);
        assert_eq!(DataTree::child_path("/", "a"), "/a");
        assert_eq!(DataTree::child_path("/a", "b"), "/a/b");
    }
}
