//! The protocol's flavours: how contender nodes are named, which siblings block whom, how
//! sequence numbers are ordered, and how the directory is created; and, from a listing, the
//! predecessor a contender waits for and every contender in lock order.

use std::cmp::Ordering;

use bytes::Bytes;
use zk_client::{Client, CreateMode, CreateOptions, Error, ErrorCode};

use crate::error::{RecipeError, Result};
use crate::naming::{curator_prefix, kazoo_uuid};
use crate::sequence::{Sequence, SequenceOrder};
use crate::support::paths::join;

/// How contender nodes are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// kazoo: `<uuid4 hex><marker><seq>`.
    Kazoo,
    /// Curator's protected mode: `_c_<uuid with dashes>-<marker><seq>`.
    Curator,
}

/// How the directory is created when missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parents {
    /// kazoo's `ensure_path`: persistent nodes.
    Persistent,
    /// Curator's `creatingParentContainersIfNeeded`: container nodes, which the server removes
    /// once they are empty.
    Containers,
}

/// One flavour of the contender protocol, on one directory.
#[derive(Debug, Clone)]
pub(crate) struct Protocol {
    /// The directory the contenders live in (a client path).
    pub(crate) dir: String,
    /// The marker in this contender's own node name (`__lock__`, `__rlock__`, `lock-`, ...).
    pub(crate) own_marker: String,
    /// Markers of siblings that block this contender when their sequence is lower.
    pub(crate) blockers: Vec<String>,
    /// How nodes are named.
    pub(crate) naming: Naming,
    /// How sequence numbers are ordered.
    pub(crate) order: SequenceOrder,
    /// The data of the contender node (kazoo: the identifier as UTF-8).
    pub(crate) data: Bytes,
    /// How the directory is created.
    pub(crate) parents: Parents,
}

impl Protocol {
    /// A kazoo-flavoured protocol.
    pub(crate) fn kazoo(dir: &str, own_marker: &str, blockers: &[&str]) -> Protocol {
        Protocol {
            dir: dir.to_owned(),
            own_marker: own_marker.to_owned(),
            blockers: blockers.iter().map(|b| (*b).to_owned()).collect(),
            naming: Naming::Kazoo,
            order: SequenceOrder::default(),
            data: Bytes::new(),
            parents: Parents::Persistent,
        }
    }

    /// A Curator-flavoured protocol: every node with the marker is a contender.
    pub(crate) fn curator(dir: &str, marker: &str) -> Protocol {
        Protocol {
            dir: dir.to_owned(),
            own_marker: marker.to_owned(),
            blockers: vec![marker.to_owned()],
            naming: Naming::Curator,
            order: SequenceOrder::default(),
            data: Bytes::new(),
            parents: Parents::Containers,
        }
    }

    /// A fresh node-name prefix (everything before the sequence number).
    pub(crate) fn new_prefix(&self) -> String {
        match self.naming {
            Naming::Kazoo => format!("{}{}", kazoo_uuid(), self.own_marker),
            Naming::Curator => format!("{}{}", curator_prefix(), self.own_marker),
        }
    }

    /// The sequence of a sibling that blocks this contender, if it is one.
    fn blocker_seq(&self, child: &str) -> Option<Sequence> {
        self.blockers
            .iter()
            .find_map(|marker| Sequence::after(child, marker))
    }

    /// The sequence of any contender (own kind or blocking kind).
    fn contender_seq(&self, child: &str) -> Option<Sequence> {
        Sequence::after(child, &self.own_marker).or_else(|| self.blocker_seq(child))
    }

    /// The closest lower blocking sibling of `own` (kazoo's `_get_predecessor` as fixed by
    /// kazoo PR #650: only lower sequences count, so readers and writers never wait on each
    /// other in a cycle). `Ok(None)`: nothing blocks, the lock is held.
    pub(crate) fn predecessor<'a>(
        &self,
        children: &'a [String],
        own: &str,
    ) -> Result<Option<&'a str>> {
        let own_seq = Sequence::after(own, &self.own_marker).ok_or_else(|| {
            RecipeError::Inconsistent(format!(
                "contender node {own} has no sequence after {}",
                self.own_marker
            ))
        })?;
        let order = self.order;
        Ok(children
            .iter()
            .filter(|child| child.as_str() != own)
            .filter_map(|child| self.blocker_seq(child).map(|seq| (seq, child.as_str())))
            .filter(|(seq, _)| order.compare(*seq, own_seq) == Ordering::Less)
            .max_by(|a, b| order.compare(a.0, b.0))
            .map(|(_, child)| child))
    }

    /// Every contender (own kind and blocking kinds), in lock order.
    pub(crate) fn sorted_contenders<'a>(&self, children: &'a [String]) -> Vec<&'a str> {
        let order = self.order;
        let mut seqs: Vec<(Sequence, &str)> = children
            .iter()
            .filter_map(|child| self.contender_seq(child).map(|seq| (seq, child.as_str())))
            .collect();
        seqs.sort_by(|a, b| order.compare(a.0, b.0).then_with(|| a.1.cmp(b.1)));
        seqs.into_iter().map(|(_, child)| child).collect()
    }

    /// Creates the directory if it is missing.
    pub(crate) async fn ensure_dir(&self, client: &Client) -> Result<(), Error> {
        match self.parents {
            Parents::Persistent => client.ensure_path(&self.dir).await,
            Parents::Containers => ensure_containers(client, &self.dir).await,
        }
    }

    /// The contenders' node names and data, in lock order; nodes that vanish while they are
    /// read are skipped.
    pub(crate) async fn contender_nodes(&self, client: &Client) -> Result<Vec<(String, Bytes)>> {
        let children = match client.get_children(&self.dir).await {
            Ok(children) => children,
            Err(Error::Server(ErrorCode::NoNode)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for name in self.sorted_contenders(&children) {
            match client.get_data(&join(&self.dir, name)).await {
                Ok((data, _)) => out.push((name.to_owned(), data)),
                Err(Error::Server(ErrorCode::NoNode)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }
}

/// Creates `path` and its missing ancestors as container nodes.
pub(crate) async fn ensure_containers(client: &Client, path: &str) -> Result<(), Error> {
    if path == "/" || client.exists(path).await?.is_some() {
        return Ok(());
    }
    let mut current = String::new();
    for component in path.split('/').filter(|c| !c.is_empty()) {
        current.push('/');
        current.push_str(component);
        let options = CreateOptions::mode(CreateMode::Container);
        match client.create_with(&current, Bytes::new(), &options).await {
            Ok(_) | Err(Error::Server(ErrorCode::NodeExists)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn readers_wait_only_for_lower_writers() {
        // kazoo #649: a reader must not wait on a writer queued after it.
        let read = Protocol::kazoo("/l", "__rlock__", &["__lock__"]);
        let write = Protocol::kazoo("/l", "__lock__", &["__lock__", "__rlock__"]);
        let children = names(&[
            "a__lock__0000000000",
            "b__rlock__0000000001",
            "c__lock__0000000002",
            "d__rlock__0000000003",
            "lease_holder",
        ]);
        assert_eq!(
            read.predecessor(&children, "b__rlock__0000000001").unwrap(),
            Some("a__lock__0000000000")
        );
        assert_eq!(
            write.predecessor(&children, "c__lock__0000000002").unwrap(),
            Some("b__rlock__0000000001")
        );
        assert_eq!(
            read.predecessor(&children, "d__rlock__0000000003").unwrap(),
            Some("c__lock__0000000002")
        );
        assert_eq!(
            write.predecessor(&children, "a__lock__0000000000").unwrap(),
            None
        );
        assert_eq!(
            read.sorted_contenders(&children),
            [
                "a__lock__0000000000",
                "b__rlock__0000000001",
                "c__lock__0000000002",
                "d__rlock__0000000003"
            ]
        );
        // A plain Lock ignores readers.
        let lock = Protocol::kazoo("/l", "__lock__", &["__lock__"]);
        assert_eq!(
            lock.predecessor(&children, "c__lock__0000000002").unwrap(),
            Some("a__lock__0000000000")
        );
        assert_eq!(lock.sorted_contenders(&children).len(), 2);
    }

    #[test]
    fn orders_across_the_wrap_unless_asked_for_kazoo_order() {
        let mut lock = Protocol::kazoo("/l", "__lock__", &["__lock__"]);
        let children = names(&["a__lock__2147483647", "b__lock__-2147483648"]);
        assert_eq!(
            lock.predecessor(&children, "b__lock__-2147483648").unwrap(),
            Some("a__lock__2147483647")
        );
        assert_eq!(
            lock.predecessor(&children, "a__lock__2147483647").unwrap(),
            None
        );
        lock.order = SequenceOrder::KazooString;
        assert_eq!(
            lock.predecessor(&children, "a__lock__2147483647").unwrap(),
            Some("b__lock__-2147483648")
        );
    }

    #[test]
    fn curator_names_and_order() {
        let mutex = Protocol::curator("/m", "lock-");
        let prefix = mutex.new_prefix();
        assert!(prefix.starts_with("_c_") && prefix.ends_with("-lock-"));
        let children = names(&[
            "_c_11111111-1111-1111-1111-111111111111-lock-0000000003",
            "_c_22222222-2222-2222-2222-222222222222-lock-0000000001",
            "unrelated",
        ]);
        assert_eq!(
            mutex.sorted_contenders(&children),
            [
                "_c_22222222-2222-2222-2222-222222222222-lock-0000000001",
                "_c_11111111-1111-1111-1111-111111111111-lock-0000000003"
            ]
        );
        assert_eq!(
            mutex
                .predecessor(
                    &children,
                    "_c_11111111-1111-1111-1111-111111111111-lock-0000000003"
                )
                .unwrap(),
            Some("_c_22222222-2222-2222-2222-222222222222-lock-0000000001")
        );
    }

    #[test]
    fn extra_patterns_make_foreign_nodes_contenders() {
        let mut lock = Protocol::kazoo("/l", "__lock__", &["__lock__"]);
        lock.blockers.push("-lock-".to_owned());
        let children = names(&[
            "_c_11111111-1111-1111-1111-111111111111-lock-0000000000",
            "x__lock__0000000001",
        ]);
        assert_eq!(
            lock.predecessor(&children, "x__lock__0000000001").unwrap(),
            Some("_c_11111111-1111-1111-1111-111111111111-lock-0000000000")
        );
    }
}
