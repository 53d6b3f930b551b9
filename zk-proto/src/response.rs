//! Successful outcomes of requests, with client paths (chroot removed).

use bytes::Bytes;

use crate::ErrorCode;
use crate::error::Error;
use crate::records::{Acl, ClientInfo, Stat};

/// The successful outcome of a [`Request`](crate::Request).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    /// create: the client path of the new node (with its sequence suffix) and, for create2,
    /// container and TTL creates, its Stat.
    Created {
        /// Client path of the created node.
        path: String,
        /// The new node's Stat, when the server returned one.
        stat: Option<Stat>,
    },
    /// exists: the Stat, or `None` if the node does not exist.
    Exists(Option<Stat>),
    /// getData, getConfig, reconfig: the data (a zero-copy slice of the received frame; empty
    /// for null data) and the Stat.
    Data {
        /// The node's data.
        data: Bytes,
        /// The node's Stat.
        stat: Stat,
    },
    /// setData, setACL: the node's new Stat.
    Stat(Stat),
    /// getACL.
    Acl {
        /// The node's ACL.
        acl: Vec<Acl>,
        /// The node's Stat.
        stat: Stat,
    },
    /// getChildren: child names, and the node's Stat for getChildren2.
    Children {
        /// Child names (not paths), in no particular order.
        children: Vec<String>,
        /// The node's Stat, when requested.
        stat: Option<Stat>,
    },
    /// sync: the client path that was synced.
    Synced(String),
    /// multi: one result per operation. When the transaction failed, no operation was applied
    /// and every result is [`MultiResult::RolledBack`] or [`MultiResult::Error`]; see
    /// [`first_error`].
    Multi(Vec<MultiResult>),
    /// multiRead: one result per operation; each may fail on its own.
    MultiRead(Vec<ReadResult>),
    /// getEphemerals: client paths of this session's ephemeral nodes.
    Ephemerals(Vec<String>),
    /// getAllChildrenNumber: the number of descendants.
    Count(i32),
    /// whoAmI: the connection's identities.
    WhoAmI(Vec<ClientInfo>),
    /// An operation with no result: delete, addWatch, checkWatches, removeWatches, auth.
    Done,
}

/// The result of one operation of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultiResult {
    /// A create succeeded. Servers up to 3.8 return no Stat even for create2-style sub-ops.
    Created {
        /// Client path of the created node.
        path: String,
        /// Its Stat, when the server returned one (3.9+, containers and TTL nodes).
        stat: Option<Stat>,
    },
    /// A delete succeeded.
    Deleted,
    /// A setData succeeded.
    SetData(Stat),
    /// A check succeeded.
    Checked,
    /// The transaction failed elsewhere; this operation would have succeeded but was not
    /// applied.
    RolledBack,
    /// This operation failed (`Error::Server(ErrorCode::RuntimeInconsistency)` marks the
    /// operations after the first failure, which were not attempted).
    Error(Error),
}

/// The result of one operation of a multiRead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadResult {
    /// getData succeeded.
    Data {
        /// The node's data.
        data: Bytes,
        /// The node's Stat.
        stat: Stat,
    },
    /// getChildren succeeded.
    Children(Vec<String>),
    /// This read failed.
    Error(Error),
}

/// The first failed operation of a transaction, with its index: the cause of the failure.
pub fn first_error(results: &[MultiResult]) -> Option<(usize, &Error)> {
    results.iter().enumerate().find_map(|(i, r)| match r {
        MultiResult::Error(Error::Server(ErrorCode::RuntimeInconsistency)) => None,
        MultiResult::Error(err) => Some((i, err)),
        _ => None,
    })
}
