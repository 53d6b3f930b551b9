//! One znode: its data, ACL, children and the persisted half of its Stat.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;
use zk_proto::{Acl, Stat};

/// An ACL as nodes hold it: shared, since most nodes of a tree have one of a few ACLs
/// (ZooKeeper keeps a reference-counted cache of them for the same reason).
pub(crate) type SharedAcl = Arc<[Acl]>;

/// The largest TTL ZooKeeper accepts: 40 bits of milliseconds.
pub(crate) const MAX_TTL_MS: i64 = 0xff_ffff_ffff;

/// What kind of node it is (ZooKeeper's `EphemeralType`, which it packs into the stored
/// `ephemeralOwner`: a session id, `Long.MIN_VALUE` for containers, `0xff` in the top byte
/// and the TTL in the low 40 bits for TTL nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// An ordinary persistent node (owner 0).
    Persistent,
    /// Owned by a session, deleted with it.
    Ephemeral(i64),
    /// Deleted by the reaper once its last child is gone.
    Container,
    /// Deleted by the reaper once unmodified for this many milliseconds and childless.
    Ttl(i64),
}

/// The `ephemeralOwner` ZooKeeper stores for a container (`Long.MIN_VALUE`).
const CONTAINER_OWNER: i64 = i64::MIN;

/// The top byte that marks an extended type in a stored `ephemeralOwner`.
const EXTENDED_MARKER: u64 = 0xff00_0000_0000_0000;

impl NodeKind {
    /// The kind encoded in a stored owner, the way ZooKeeper decodes it: the top byte 0xff
    /// marks an extended type (type 0 is TTL, in the low 40 bits).
    pub(crate) fn from_owner(owner: i64) -> NodeKind {
        let raw = owner as u64;
        if owner == 0 {
            NodeKind::Persistent
        } else if owner == CONTAINER_OWNER {
            NodeKind::Container
        } else if raw & EXTENDED_MARKER == EXTENDED_MARKER {
            NodeKind::Ttl((raw & MAX_TTL_MS as u64) as i64)
        } else {
            NodeKind::Ephemeral(owner)
        }
    }

    /// The owner ZooKeeper stores for this kind (snapshots keep it in this form).
    pub(crate) fn owner(self) -> i64 {
        match self {
            NodeKind::Persistent => 0,
            NodeKind::Ephemeral(session) => session,
            NodeKind::Container => CONTAINER_OWNER,
            NodeKind::Ttl(ms) => (EXTENDED_MARKER | (ms as u64 & MAX_TTL_MS as u64)) as i64,
        }
    }
}

/// A znode. The fields are ZooKeeper's `StatPersisted` plus data, ACL and children;
/// `numChildren`, `dataLength` and the client's `cversion` are derived in [`Node::stat`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// `None` is null data, which ZooKeeper keeps apart from empty data.
    pub(crate) data: Option<Bytes>,
    pub(crate) acl: SharedAcl,
    pub(crate) czxid: i64,
    pub(crate) mzxid: i64,
    pub(crate) pzxid: i64,
    pub(crate) ctime: i64,
    pub(crate) mtime: i64,
    pub(crate) version: i32,
    /// The persisted cversion: child creations only. It also numbers sequential children.
    pub(crate) cversion: i32,
    pub(crate) aversion: i32,
    pub(crate) kind: NodeKind,
    /// Child names. Ordered so that every listing, and so the whole server, is
    /// deterministic; ZooKeeper's order is a hash set's, which no client may rely on.
    pub(crate) children: BTreeSet<String>,
}

impl Node {
    /// A node created by the transaction `zxid` at wall time `time`.
    pub(crate) fn new(
        data: Option<Bytes>,
        acl: SharedAcl,
        kind: NodeKind,
        zxid: i64,
        time: i64,
    ) -> Node {
        Node {
            data,
            acl,
            czxid: zxid,
            mzxid: zxid,
            pzxid: zxid,
            ctime: time,
            mtime: time,
            version: 0,
            cversion: 0,
            aversion: 0,
            kind,
            children: BTreeSet::new(),
        }
    }

    /// A node that exists from the start (the root and `/zookeeper`'s nodes): every zxid
    /// and time 0, as in a fresh ZooKeeper, and an empty (not null) data array.
    pub(crate) fn builtin(acl: Vec<Acl>) -> Node {
        Node::new(Some(Bytes::new()), acl.into(), NodeKind::Persistent, 0, 0)
    }

    /// The Stat a client sees (`DataNode.copyStat`).
    pub(crate) fn stat(&self) -> Stat {
        let num_children = i32::try_from(self.children.len()).unwrap_or(i32::MAX);
        Stat {
            czxid: self.czxid,
            mzxid: self.mzxid,
            ctime: self.ctime,
            mtime: self.mtime,
            version: self.version,
            // Creations counted twice minus the children still present: creations plus
            // deletions, ZooKeeper's "v3 semantics".
            cversion: self.cversion.wrapping_mul(2).wrapping_sub(num_children),
            aversion: self.aversion,
            // Containers and TTL nodes are masked: clients see only session owners.
            ephemeral_owner: match self.kind {
                NodeKind::Ephemeral(session) => session,
                _ => 0,
            },
            data_length: self
                .data
                .as_ref()
                .map_or(0, |d| i32::try_from(d.len()).unwrap_or(i32::MAX)),
            num_children,
            pzxid: self.pzxid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_encode_kinds_as_zookeeper_does() {
        assert_eq!(NodeKind::Ttl(60_000).owner() as u64, 0xff00_0000_0000_ea60);
        for kind in [
            NodeKind::Persistent,
            NodeKind::Ephemeral(0x0100_0007_4b64_001c),
            NodeKind::Container,
            NodeKind::Ttl(1),
            NodeKind::Ttl(MAX_TTL_MS),
        ] {
            assert_eq!(NodeKind::from_owner(kind.owner()), kind);
        }
    }

    #[test]
    fn the_client_cversion_counts_deletions_too() {
        let mut node = Node::builtin(Acl::open_unsafe());
        // Three creations, one deletion.
        node.cversion = 3;
        node.children.insert("a".into());
        node.children.insert("b".into());
        let stat = node.stat();
        assert_eq!((stat.cversion, stat.num_children), (4, 2));
        // The root of a fresh server: /zookeeper was added without a creation.
        let mut root = Node::builtin(Acl::open_unsafe());
        root.children.insert("zookeeper".into());
        assert_eq!(root.stat().cversion, -1);
    }

    #[test]
    fn masked_owners_and_null_data() {
        let node = Node::new(None, Acl::open_unsafe().into(), NodeKind::Container, 5, 9);
        let stat = node.stat();
        assert_eq!((stat.ephemeral_owner, stat.data_length), (0, 0));
        assert_eq!(
            (stat.czxid, stat.mzxid, stat.pzxid, stat.ctime),
            (5, 5, 5, 9)
        );
        let node = Node::new(
            None,
            Acl::open_unsafe().into(),
            NodeKind::Ephemeral(7),
            5,
            9,
        );
        assert_eq!(node.stat().ephemeral_owner, 7);
    }
}
