//! Reading a subtree: one level at a time, every request of a level in flight at once.
//!
//! Each node is read with one getChildren2 (its children and its own Stat), so a tree of N
//! nodes costs N requests, pipelined ([`pipeline`]): a level's requests go out a window ahead
//! of the replies, so a level costs about one round trip per window, not one per node.

use std::collections::HashMap;

use zk_client_blocking::{Client, Error, ErrorCode, Stat};

use crate::pipeline;
use crate::progress::Progress;

/// One node of a walked subtree.
#[derive(Debug)]
pub(crate) struct Node {
    /// The node's Stat, from the same read as its children.
    pub(crate) stat: Stat,
    /// Its children's names, sorted.
    pub(crate) children: Vec<String>,
}

/// A walked subtree: every node read, by path.
#[derive(Debug)]
pub(crate) struct Tree {
    /// The path the walk started from.
    pub(crate) root: String,
    /// Every node read. A child deleted between the read of its parent and its own read is
    /// missing, and so is everything below `max_depth`.
    pub(crate) nodes: HashMap<String, Node>,
}

impl Tree {
    /// The paths of the subtree depth first, children in name order, the root first; each with
    /// its depth below the root.
    pub(crate) fn depth_first(&self) -> Vec<(usize, &str)> {
        let mut order = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![(0, self.root.clone())];
        while let Some((depth, path)) = stack.pop() {
            let Some((key, node)) = self.nodes.get_key_value(&path) else {
                continue;
            };
            order.push((depth, key.as_str()));
            for name in node.children.iter().rev() {
                stack.push((depth + 1, child_path(key, name)));
            }
        }
        order
    }
}

/// Reads the subtree at `root` down to `max_depth` levels below it (`None`: all of it).
///
/// # Errors
///
/// The error of reading `root` itself (`NoNode` if it does not exist), or of any read that
/// fails other than with `NoNode` (a node deleted meanwhile is left out).
pub(crate) fn walk(client: &Client, root: &str, max_depth: Option<usize>) -> Result<Tree, Error> {
    let client = client.async_client();
    let mut nodes = HashMap::new();
    let mut progress = Progress::new(format!("reading {root}"), None);
    let mut level = vec![root.to_owned()];
    let mut depth = 0;
    while !level.is_empty() {
        // The level's requests go out ahead of the replies, a window at a time.
        let mut next = Vec::new();
        for (path, reply) in pipeline::map(level, |path| client.get_children_with_stat(path)) {
            progress.inc();
            match reply {
                Ok((mut children, stat)) => {
                    children.sort();
                    if max_depth.is_none_or(|max| depth < max) {
                        next.extend(children.iter().map(|name| child_path(&path, name)));
                    }
                    nodes.insert(path, Node { stat, children });
                }
                Err(Error::Server(ErrorCode::NoNode)) if depth > 0 => {}
                Err(error) => return Err(error),
            }
        }
        level = next;
        depth += 1;
    }
    Ok(Tree {
        root: root.to_owned(),
        nodes,
    })
}

/// The path of `name` under `parent`.
pub(crate) fn child_path(parent: &str, name: &str) -> String {
    if parent.ends_with('/') {
        format!("{parent}{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// The last component of `path` (`/` for the root).
pub(crate) fn name_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) if i + 1 < path.len() => &path[i + 1..],
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(children: &[&str]) -> Node {
        Node {
            stat: Stat::default(),
            children: children.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn depth_first_visits_children_in_order_and_skips_the_missing() {
        let nodes = HashMap::from([
            ("/".to_owned(), node(&["a", "b"])),
            ("/a".to_owned(), node(&["x", "gone"])),
            ("/a/x".to_owned(), node(&[])),
            ("/b".to_owned(), node(&[])),
        ]);
        let tree = Tree {
            root: "/".to_owned(),
            nodes,
        };
        assert_eq!(
            tree.depth_first(),
            [(0, "/"), (1, "/a"), (2, "/a/x"), (1, "/b")]
        );
    }

    #[test]
    fn paths_join_and_split() {
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
        assert_eq!(name_of("/a/b"), "b");
        assert_eq!(name_of("/"), "/");
    }
}
