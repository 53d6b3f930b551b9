//! Deleting a subtree fast: its shape read a level at a time, then the deepest level first,
//! each level's deletes pipelined.

use std::collections::BTreeMap;

use zk_client_blocking::{Client, Error, ErrorCode};

use crate::pipeline;
use crate::progress::Progress;
use crate::walk::walk;

/// Deletes `root` and everything below it; returns how many nodes were deleted.
///
/// A node deleted by someone else meanwhile is fine; a node that gained a child meanwhile is
/// deleted with the client's own recursive delete, which reads its children again.
///
/// # Errors
///
/// The client's error reading the subtree (`NoNode` for `root`) or deleting a node.
pub(crate) fn delete_subtree(client: &Client, root: &str) -> Result<usize, Error> {
    let tree = walk(client, root, None)?;
    let mut levels: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (depth, path) in tree.depth_first() {
        levels.entry(depth).or_default().push(path);
    }
    let async_client = client.async_client();
    let mut progress = Progress::new(format!("deleting {root}"), Some(tree.nodes.len() as u64));
    let mut deleted = 0;
    for paths in levels.values().rev() {
        for (path, reply) in pipeline::map(paths.iter().copied(), |path| {
            async_client.delete(path, None)
        }) {
            progress.inc();
            match reply {
                Ok(()) => deleted += 1,
                Err(Error::Server(ErrorCode::NoNode)) => {}
                Err(Error::Server(ErrorCode::NotEmpty)) => {
                    client.delete_recursive(path)?;
                    deleted += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }
    Ok(deleted)
}
