//! `mirror`: a subtree copied under another path (here or on another ensemble), then kept
//! in step with its source, one change at a time, until interrupted or `--count` changes.
//!
//! The source is followed with a persistent recursive watch, set before the first copy so
//! that no change falls between the two. Creations and data changes are copied node by node,
//! deletions delete the node and what is below it; after a reconnect (`Resumed`) or a gap in
//! the events (`Lagged`) the whole subtree is copied again. ZooKeeper reports no event for an
//! ACL change, so ACLs are those of the last whole copy.

use clap::Args;
use serde_json::json;
use zk_client_blocking::{AddWatchMode, Client, Error, ErrorCode, EventType, WatchEvent};

use crate::commands::bulk::sees_system_nodes;
use crate::commands::watch::type_name;
use crate::connect::{ConnectionArgs, connect};
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;
use crate::snapshot;

/// Arguments of `mirror`.
#[derive(Debug, Args)]
pub(crate) struct MirrorArgs {
    /// The subtree to follow.
    #[arg(value_parser = znode)]
    from: String,
    /// Where its copy is kept.
    #[arg(value_parser = znode)]
    to: String,
    /// Keep the copy on this ensemble instead (connect string; the same credentials).
    #[arg(long, value_name = "CONNECT_STRING")]
    to_server: Option<String>,
    /// Stop after this many changes copied.
    #[arg(short = 'n', long, value_name = "N")]
    count: Option<u64>,
}

/// Copies the subtree, then follows it.
///
/// # Errors
///
/// A usage error for a target inside the source; the client's errors on either side; a
/// watch that ends (the session lost).
pub(crate) fn run(
    client: &Client,
    connection: &ConnectionArgs,
    args: &MirrorArgs,
    out: &mut Out,
) -> Result<Status, Failure> {
    let inside = args.to == args.from
        || args
            .to
            .starts_with(&format!("{}/", args.from.trim_end_matches('/')));
    if args.to_server.is_none() && inside {
        return Err(Failure::new(
            Status::Usage,
            format!(
                "mirror {} {}: the target is inside the source",
                args.from, args.to
            ),
        ));
    }
    let other = match &args.to_server {
        Some(server) => Some(connect(&ConnectionArgs {
            server: server.clone(),
            ..connection.clone()
        })?),
        None => None,
    };
    let target = other.as_ref().unwrap_or(client);
    let result = follow(client, target, connection, args, out);
    if let Some(other) = other {
        other.close();
    }
    result
}

fn follow(
    source: &Client,
    target: &Client,
    connection: &ConnectionArgs,
    args: &MirrorArgs,
    out: &mut Out,
) -> Result<Status, Failure> {
    let what = format!("mirror {}", args.from);
    let events = source
        .add_watch(&args.from, AddWatchMode::PersistentRecursive)
        .map_err(|e| Failure::zk(&what, &e))?;
    let copy_all = || -> Result<usize, Failure> {
        let whole = snapshot::read(source, &args.from, sees_system_nodes(connection))
            .map_err(|e| Failure::zk(&what, &e))?;
        snapshot::write(target, &whole, &args.to, true, "mirror")
    };
    let copied = copy_all()?;
    eprintln!(
        "mirroring {} to {} ({copied} nodes copied)",
        args.from, args.to
    );
    let mut changes = 0u64;
    for event in events {
        let line = match event {
            WatchEvent::Node(node) => {
                // The watch is on `from`, so every path is below it; a server saying otherwise
                // is not followed.
                let Some(relative) = node.path.strip_prefix(args.from.trim_end_matches('/')) else {
                    continue;
                };
                let to_path = format!("{}{relative}", args.to.trim_end_matches('/'));
                let to_path = if to_path.is_empty() {
                    "/".to_owned()
                } else {
                    to_path
                };
                match node.event_type {
                    EventType::NodeDeleted => delete(target, &to_path),
                    _ => copy_node(source, target, &node.path, &to_path),
                }
                .map_err(|e| Failure::zk(format!("{what}: {}", node.path), &e))?;
                changes += 1;
                json!({ "event": type_name(node.event_type), "from": node.path, "to": to_path })
            }
            WatchEvent::Resumed { .. } | WatchEvent::Lagged { .. } => {
                // Changes may have been missed: the whole subtree again.
                let copied = copy_all()?;
                json!({ "event": "Resynced", "nodes": copied })
            }
            _ => {
                return Err(Failure::new(
                    Status::Connection,
                    format!("{what}: the watch ended (the session was lost or closed)"),
                ));
            }
        };
        if out.is_json() {
            out.json_line(&line)?;
        } else {
            let text = match (line["event"].as_str(), line["to"].as_str()) {
                (Some(event), Some(to)) => format!("{event} {to}"),
                _ => format!("resynced {} nodes", line["nodes"]),
            };
            out.line(&text)?;
            out.flush()?;
        }
        if args.count.is_some_and(|count| changes >= count) {
            return Ok(Status::Ok);
        }
    }
    Err(Failure::new(
        Status::Connection,
        format!("{what}: the watch ended"),
    ))
}

/// Copies one node's data (creating it, and its parents, if missing).
fn copy_node(source: &Client, target: &Client, from: &str, to: &str) -> Result<(), Error> {
    let data = match source.get_data(from) {
        Ok((data, _)) => data,
        // Gone again already: its deletion event follows.
        Err(Error::Server(ErrorCode::NoNode)) => return Ok(()),
        Err(error) => return Err(error),
    };
    match target.set_data(to, data.clone(), None) {
        Ok(_) => Ok(()),
        Err(Error::Server(ErrorCode::NoNode)) => {
            let options = zk_client_blocking::CreateOptions::default().with_parents();
            match target.create_with(to, data, &options) {
                Ok(_) | Err(Error::Server(ErrorCode::NodeExists)) => Ok(()),
                Err(error) => Err(error),
            }
        }
        Err(error) => Err(error),
    }
}

/// Deletes a node and what is below it; already gone is fine.
fn delete(target: &Client, path: &str) -> Result<(), Error> {
    match target.delete_recursive(path) {
        Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => Ok(()),
        Err(error) => Err(error),
    }
}
