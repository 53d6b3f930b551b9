//! `du` and `count`: how big a subtree is.

use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::Client;

use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;
use crate::walk::{Tree, child_path, walk};

/// Arguments of `du` and `count`.
#[derive(Debug, Args)]
pub(crate) struct SubtreeArgs {
    /// The root of the subtree.
    #[arg(default_value = ".", value_parser = znode)]
    path: String,
}

/// The totals of one subtree.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Usage {
    /// Data bytes, the subtree's root included.
    bytes: u64,
    /// Nodes, the root included.
    nodes: u64,
}

/// Prints the data bytes and node count of each child's subtree, then of the whole.
///
/// # Errors
///
/// The client's error reading the subtree (`NoNode` if `path` does not exist).
pub(crate) fn du(client: &Client, args: &SubtreeArgs, out: &mut Out) -> Result<Status, Failure> {
    let tree =
        walk(client, &args.path, None).map_err(|e| Failure::zk(format!("du {}", args.path), &e))?;
    let mut rows: Vec<(String, Usage)> = tree.nodes[&tree.root]
        .children
        .iter()
        .map(|name| child_path(&tree.root, name))
        .filter(|child| tree.nodes.contains_key(child))
        .map(|child| {
            let usage = usage_of(&tree, &child);
            (child, usage)
        })
        .collect();
    rows.push((tree.root.clone(), usage_of(&tree, &tree.root)));
    if out.is_json() {
        let list: Vec<Value> = rows
            .iter()
            .map(|(path, u)| json!({ "path": path, "bytes": u.bytes, "nodes": u.nodes }))
            .collect();
        out.document(&Value::Array(list))?;
    } else {
        let mut table = vec![["BYTES", "NODES", "PATH"].map(str::to_owned).to_vec()];
        table.extend(
            rows.iter()
                .map(|(path, u)| vec![u.bytes.to_string(), u.nodes.to_string(), path.clone()]),
        );
        out.table(&table)?;
    }
    Ok(Status::Ok)
}

/// Prints the number of nodes below `path` (itself not counted), as the server counts them
/// (getAllChildrenNumber, 3.6+).
///
/// # Errors
///
/// The client's error (`NoNode`; `Unimplemented` before 3.6).
pub(crate) fn count(client: &Client, args: &SubtreeArgs, out: &mut Out) -> Result<Status, Failure> {
    let count = client
        .count_descendants(&args.path)
        .map_err(|e| Failure::zk(format!("count {}", args.path), &e))?;
    if out.is_json() {
        out.document(&json!({ "path": args.path, "descendants": count }))?;
    } else {
        out.line(&count.to_string())?;
    }
    Ok(Status::Ok)
}

/// The totals of the subtree at `root` among the nodes read (iteratively: a deep tree must
/// not exhaust the stack).
fn usage_of(tree: &Tree, root: &str) -> Usage {
    let mut total = Usage::default();
    let mut stack = vec![root.to_owned()];
    while let Some(path) = stack.pop() {
        let Some(node) = tree.nodes.get(&path) else {
            continue;
        };
        total.nodes += 1;
        total.bytes += u64::try_from(node.stat.data_length).unwrap_or(0);
        stack.extend(node.children.iter().map(|name| child_path(&path, name)));
    }
    total
}
