//! Snapshots: the whole state a restart must keep (the tree, the last zxid, the live
//! sessions and their timeouts) as bytes, and back.
//!
//! The format is this crate's own, in jute: a magic number and a version, then the zxid,
//! the nodes (path, data, ACL, the persisted Stat with ZooKeeper's `ephemeralOwner`
//! encoding) and the sessions. Decoding checks every length against the bytes present and
//! that every node's parent exists, so a damaged file is an error, never a panic.

use std::collections::HashMap;

use bytes::Bytes;
use zk_proto::Acl;
use zk_proto::jute::{DecodeError, Reader, Record, write_i32, write_i64, write_vec_len};

use crate::tree::{DataTree, Node, NodeKind};

/// "ZKRS".
const MAGIC: i32 = 0x5a4b_5253;
const VERSION: i32 = 1;

/// Why a snapshot could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not a snapshot of this format (or of a later version).
    NotASnapshot,
    /// A record was truncated or malformed.
    Corrupt(DecodeError),
    /// A node's parent is missing, or the root is.
    Orphan(String),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::NotASnapshot => write!(f, "not a zk-server snapshot"),
            SnapshotError::Corrupt(e) => write!(f, "corrupt snapshot: {e}"),
            SnapshotError::Orphan(path) => write!(f, "corrupt snapshot: {path} has no parent"),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl From<DecodeError> for SnapshotError {
    fn from(e: DecodeError) -> Self {
        SnapshotError::Corrupt(e)
    }
}

/// What a snapshot holds.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) last_zxid: i64,
    pub(crate) tree: DataTree,
    /// (session id, negotiated timeout in ms), in id order.
    pub(crate) sessions: Vec<(i64, i32)>,
}

/// Encodes a snapshot.
pub(crate) fn encode(last_zxid: i64, tree: &DataTree, sessions: &[(i64, i32)]) -> Vec<u8> {
    let mut out = Vec::new();
    write_i32(&mut out, MAGIC);
    write_i32(&mut out, VERSION);
    write_i64(&mut out, last_zxid);
    // In path order, so that equal states give equal bytes.
    let mut nodes: Vec<(&String, &Node)> = tree.iter().collect();
    nodes.sort_by(|a, b| a.0.cmp(b.0));
    write_vec_len(&mut out, nodes.len());
    for (path, node) in nodes {
        path.encode(&mut out);
        node.data.encode(&mut out);
        write_vec_len(&mut out, node.acl.len());
        for entry in node.acl.iter() {
            entry.encode(&mut out);
        }
        for v in [node.czxid, node.mzxid, node.pzxid, node.ctime, node.mtime] {
            write_i64(&mut out, v);
        }
        for v in [node.version, node.cversion, node.aversion] {
            write_i32(&mut out, v);
        }
        write_i64(&mut out, node.kind.owner());
    }
    write_vec_len(&mut out, sessions.len());
    for (id, timeout) in sessions {
        write_i64(&mut out, *id);
        write_i32(&mut out, *timeout);
    }
    out
}

/// Decodes a snapshot.
pub(crate) fn decode(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let mut r = Reader::new(Bytes::copy_from_slice(bytes));
    if r.read_i32().ok() != Some(MAGIC) || r.read_i32().ok() != Some(VERSION) {
        return Err(SnapshotError::NotASnapshot);
    }
    let last_zxid = r.read_i64()?;
    // The smallest node: four empty lengths, five longs, three ints, the owner.
    let count = r.read_vec_len(4 * 3 + 8 * 6 + 4 * 3)?.unwrap_or(0);
    let mut nodes = HashMap::with_capacity(count);
    for _ in 0..count {
        let path = String::decode(&mut r)?;
        let data = Option::<Bytes>::decode(&mut r)?;
        let acl = Vec::<Acl>::decode(&mut r)?;
        let mut node = Node::new(data, acl.into(), NodeKind::Persistent, 0, 0);
        node.czxid = r.read_i64()?;
        node.mzxid = r.read_i64()?;
        node.pzxid = r.read_i64()?;
        node.ctime = r.read_i64()?;
        node.mtime = r.read_i64()?;
        node.version = r.read_i32()?;
        node.cversion = r.read_i32()?;
        node.aversion = r.read_i32()?;
        node.kind = NodeKind::from_owner(r.read_i64()?);
        nodes.insert(path, node);
    }
    let orphan = nodes
        .keys()
        .find(|p| {
            p.as_str() != "/"
                && DataTree::split(p).is_none_or(|(parent, _)| !nodes.contains_key(parent))
        })
        .cloned();
    if let Some(path) = orphan {
        return Err(SnapshotError::Orphan(path));
    }
    let tree = DataTree::from_nodes(nodes).ok_or_else(|| SnapshotError::Orphan("/".into()))?;
    let count = r.read_vec_len(12)?.unwrap_or(0);
    let mut sessions = Vec::with_capacity(count);
    for _ in 0..count {
        sessions.push((r.read_i64()?, r.read_i32()?));
    }
    Ok(Snapshot {
        last_zxid,
        tree,
        sessions,
    })
}
