//! kazoo's queues: [`Queue`] (take = read and delete) and [`LockingQueue`] (take = lock with
//! an ephemeral node, then consume or release), on kazoo's node names.
//!
//! Entries are persistent sequential nodes `entry-PPP-<seq>`, where `PPP` is the priority
//! written with three digits (`0`–`999`, lower first; kazoo's default is 100), so entries order
//! by priority, then by creation. A [`LockingQueue`] keeps them in `<path>/entries` and locks
//! one by creating the ephemeral `<path>/taken/<entry name>` holding the consumer's id (a
//! 32-hex-digit uuid).

mod locking;
mod simple;

use bytes::Bytes;
use zk_client::{Client, CreateMode, CreateOptions, Error};

use crate::error::{RecipeError, Result};
use crate::sequence::{Sequence, SequenceOrder};

pub use locking::LockingQueue;
pub use simple::Queue;

/// kazoo's default priority.
pub const DEFAULT_PRIORITY: u16 = 100;

/// The largest priority kazoo accepts (three digits).
const MAX_PRIORITY: u16 = 999;

/// The name prefix of an entry of `priority`: `entry-PPP-`.
fn entry_prefix(priority: u16) -> Result<String> {
    if priority > MAX_PRIORITY {
        return Err(RecipeError::Zk(Error::InvalidArgument {
            argument: "priority",
            reason: "a queue priority must be between 0 and 999",
        }));
    }
    Ok(format!("entry-{priority:03}-"))
}

/// Creates one entry (`<prefix><sequence>`) and returns its name. Not retried on a connection
/// error: the create may have been applied, and a second entry would be a duplicate.
async fn create_entry(client: &Client, prefix: &str, value: Bytes) -> Result<String> {
    let options = CreateOptions::mode(CreateMode::PersistentSequential);
    let path = client.create_with(prefix, value, &options).await?;
    Ok(name_of(&path).to_owned())
}

/// The priority and sequence of an entry name `entry-PPP-<seq>`.
fn parse_entry(name: &str) -> Option<(u16, Sequence)> {
    let rest = name.strip_prefix("entry-")?;
    let priority = rest.get(..3)?;
    if !priority.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq = rest.get(3..)?.strip_prefix('-')?;
    Some((priority.parse().ok()?, Sequence::parse(seq)?))
}

/// Entry names in the order consumers take them.
///
/// [`SequenceOrder::KazooString`] sorts every name as a string, exactly as kazoo does.
/// [`SequenceOrder::Serial`] sorts entries by priority, then by sequence number in creation
/// order, across the signed 32-bit wrap of the sequence counter; names that are not entries
/// are left out.
fn order_entries(names: impl IntoIterator<Item = String>, order: SequenceOrder) -> Vec<String> {
    match order {
        SequenceOrder::KazooString => {
            let mut names: Vec<String> = names.into_iter().collect();
            names.sort_unstable();
            names
        }
        SequenceOrder::Serial => {
            let mut entries: Vec<(u16, i32, String)> = names
                .into_iter()
                .filter_map(|n| parse_entry(&n).map(|(p, s)| (p, s.get(), n)))
                .collect();
            // Live entries span far less than 2^30 creations: if both ends of the i32 range
            // are present, the counter wrapped, and the negative numbers came later.
            let wrapped =
                entries.iter().any(|e| e.1 >= 1 << 30) && entries.iter().any(|e| e.1 < -(1 << 30));
            let key = |seq: i32| -> i64 {
                if wrapped && seq < 0 {
                    i64::from(seq) + (1i64 << 32)
                } else {
                    i64::from(seq)
                }
            };
            entries.sort_unstable_by(|a, b| (a.0, key(a.1), &a.2).cmp(&(b.0, key(b.1), &b.2)));
            entries.into_iter().map(|e| e.2).collect()
        }
    }
}

/// The last component of a path.
fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_follow_kazoo() {
        assert_eq!(entry_prefix(100).unwrap(), "entry-100-");
        assert_eq!(entry_prefix(5).unwrap(), "entry-005-");
        assert_eq!(entry_prefix(0).unwrap(), "entry-000-");
        assert!(entry_prefix(1000).is_err());
        assert_eq!(
            parse_entry("entry-005-0000000001"),
            Some((5, Sequence::new(1)))
        );
        assert_eq!(
            parse_entry("entry-100--000000001"),
            Some((100, Sequence::new(-1)))
        );
        assert_eq!(parse_entry("entry-10-0000000001"), None);
        assert_eq!(parse_entry("taken"), None);
    }

    #[test]
    fn entries_order_by_priority_then_creation_across_the_wrap() {
        let names = [
            "entry-100-2147483647",
            "entry-100--2147483648",
            "entry-100-2147483646",
            "entry-005--2147483647",
            "entry-005-2147483600",
            "stray",
        ]
        .map(String::from);
        assert_eq!(
            order_entries(names.clone(), SequenceOrder::Serial),
            [
                "entry-005-2147483600",
                "entry-005--2147483647",
                "entry-100-2147483646",
                "entry-100-2147483647",
                "entry-100--2147483648",
            ]
        );
        // kazoo: plain string order, strays included.
        assert_eq!(
            order_entries(names, SequenceOrder::KazooString),
            [
                "entry-005--2147483647",
                "entry-005-2147483600",
                "entry-100--2147483648",
                "entry-100-2147483646",
                "entry-100-2147483647",
                "stray",
            ]
        );
        let plain = [
            "entry-100-0000000002",
            "entry-100-0000000010",
            "entry-001-0000000011",
        ]
        .map(String::from);
        assert_eq!(
            order_entries(plain.clone(), SequenceOrder::Serial),
            order_entries(plain, SequenceOrder::KazooString)
        );
    }
}
