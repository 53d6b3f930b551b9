//! kazoo's `SetPartitioner` (docs/recipes.md#setpartitioner): divides a set of items among the
//! members of a party, each item locked by exactly one member, on kazoo's znode protocol, so Rust
//! and Python workers can share one partitioned set.
//!
//! # Nodes
//!
//! - `path/party/<uuid4 hex>-<identifier>`: ephemeral, data = identifier (kazoo's
//!   [`ShallowParty`](crate::ShallowParty), which the partitioner joins, reads and leaves);
//!   a member's identifier is the text after the first `-`.
//! - `path/locks/<item>`: one kazoo [`Lock`] per item (contenders without identifier).
//!
//! # States
//!
//! ```text
//!  ALLOCATING ──(party stable for time_boundary; all items of our share locked)──▶ ACQUIRED
//!      ▲                                                                              │
//!      └───────────── release_set() ◀── RELEASE ◀── party changed, or the connection ─┘
//!                                                    was suspended or came back
//!  any state ── session lost, client closed, finish(), or an error ──▶ FAILURE (final)
//! ```
//!
//! Every transition increments [`state_id`](SetPartitioner::state_id). The share of a member
//! is, by default, `sorted(set)[i::n]` where `i` is the position of its identifier among the
//! `n` sorted member identifiers (kazoo's `_partitioner`); a custom function must be
//! deterministic across members. Identifiers must be unique in the party.
//!
//! The state machine runs on a background task
//! ([`RuntimeHandle::spawn`](zk_client::RuntimeHandle::spawn)); the [`SetPartitioner`] handle
//! reads its state and sends it `release_set` / `finish`. Dropping the handle finishes:
//! the locks are released and the party left. The task holds a clone of the [`Client`], so
//! the session stays open while the partitioner runs.
//!
//! One concern per file: `builder` (settings, and the start: paths, party, driver), `handle`
//! (the [`SetPartitioner`] the application holds: state, share, commands), `driver` (the
//! background task: events, commands, release, failure) and `allocate` (waiting for the
//! party to settle, then locking the share). This file holds the states and the partition
//! function.

mod allocate;
mod builder;
mod driver;
mod handle;

use std::sync::Arc;

pub use builder::SetPartitionerBuilder;
pub use handle::SetPartitioner;

/// The states of a [`SetPartitioner`] (kazoo's `PartitionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartitionState {
    /// The set is being divided: waiting for the party to settle, then locking our share.
    Allocating,
    /// Our share is locked: [`SetPartitioner::partitions`] is ours to work on.
    Acquired,
    /// The party changed or the connection wavered: stop working on the share and call
    /// [`SetPartitioner::release_set`] as soon as possible.
    Release,
    /// The session was lost, the client closed, or [`SetPartitioner::finish`] was called.
    /// Final: a new partitioner is needed.
    Failure,
}

/// A custom partition function: `(identifier, members, set) -> share`. It must give every
/// member the same answer for the same inputs, and the shares must not overlap.
pub type PartitionFunc = Arc<dyn Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync>;

/// kazoo's default partition function: `sorted(set)[i::len(members)]` where `i` is the
/// position of `identifier` among the sorted members (empty if it is not a member).
pub fn default_partition(identifier: &str, members: &[String], set: &[String]) -> Vec<String> {
    let mut items = set.to_vec();
    items.sort();
    let mut workers = members.to_vec();
    workers.sort();
    let Some(i) = workers.iter().position(|w| w == identifier) else {
        return Vec::new();
    };
    items.into_iter().skip(i).step_by(workers.len()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn default_partition_matches_kazoo() {
        let set = strings(&["e", "a", "d", "b", "c"]);
        let members = strings(&["w2", "w1"]);
        assert_eq!(default_partition("w1", &members, &set), ["a", "c", "e"]);
        assert_eq!(default_partition("w2", &members, &set), ["b", "d"]);
        assert!(default_partition("w3", &members, &set).is_empty());
        let one = strings(&["w1"]);
        assert_eq!(default_partition("w1", &one, &set).len(), 5);
    }
}
