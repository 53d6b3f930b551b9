//! `tree`: a subtree drawn with each node's data size and child count.

use anstyle::Style;
use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::{Client, Stat};

use crate::exit::{Failure, Status};
use crate::output::{EPHEMERAL, Out, PARENT};
use crate::paths::znode;
use crate::walk::{Tree, child_path, name_of, walk};

/// Arguments of `tree`.
#[derive(Debug, Args)]
pub(crate) struct TreeArgs {
    /// The root of the subtree.
    #[arg(default_value = ".", value_parser = znode)]
    path: String,
    /// How many levels below the root to show (all by default).
    #[arg(short = 'd', long, value_name = "LEVELS")]
    depth: Option<usize>,
}

/// Reads the subtree and draws it.
///
/// # Errors
///
/// The client's error reading the subtree (`NoNode` if its root does not exist).
pub(crate) fn run(client: &Client, args: &TreeArgs, out: &mut Out) -> Result<Status, Failure> {
    let tree = walk(client, &args.path, args.depth)
        .map_err(|e| Failure::zk(format!("tree {}", args.path), &e))?;
    if out.is_json() {
        out.document(&node_json(&tree, &tree.root))?;
        return Ok(Status::Ok);
    }
    // Whether each ancestor of the line being drawn was the last of its siblings: that decides
    // between "│   " and "    " in its column.
    let mut last_at_depth: Vec<bool> = Vec::new();
    for (depth, path) in tree.depth_first() {
        let node = &tree.nodes[path];
        let summary = summary(node.stat.data_length, node.stat.num_children);
        if depth == 0 {
            out.line(&format!("{path}{summary}"))?;
            continue;
        }
        last_at_depth.truncate(depth - 1);
        let name = name_of(path);
        let is_last = tree
            .nodes
            .get(parent_of(path))
            .and_then(|parent| parent.children.last())
            .is_none_or(|last| last == name);
        let mut line = String::new();
        for &ancestor_last in &last_at_depth {
            line.push_str(if ancestor_last { "    " } else { "│   " });
        }
        line.push_str(if is_last { "└── " } else { "├── " });
        line.push_str(&out.paint(style_of(&node.stat), name));
        line.push_str(&summary);
        out.line(&line)?;
        last_at_depth.push(is_last);
    }
    Ok(Status::Ok)
}

/// How a node's name is shown on a terminal.
fn style_of(stat: &Stat) -> Style {
    if stat.ephemeral_owner != 0 {
        EPHEMERAL
    } else if stat.num_children > 0 {
        PARENT
    } else {
        Style::new()
    }
}

/// ` (12 B)` or ` (12 B, 3 children)`.
fn summary(size: i32, children: i32) -> String {
    match children {
        0 => format!(" ({size} B)"),
        1 => format!(" ({size} B, 1 child)"),
        n => format!(" ({size} B, {n} children)"),
    }
}

fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The node and everything read below it, nested.
fn node_json(tree: &Tree, path: &str) -> Value {
    let node = &tree.nodes[path];
    let children: Vec<Value> = node
        .children
        .iter()
        .map(|name| child_path(path, name))
        .filter(|child| tree.nodes.contains_key(child))
        .map(|child| node_json(tree, &child))
        .collect();
    json!({
        "name": name_of(path),
        "path": path,
        "data_length": node.stat.data_length,
        "num_children": node.stat.num_children,
        "ephemeral": node.stat.ephemeral_owner != 0,
        "children": children,
    })
}
