//! `watch`: a node's next change (one-shot), or its changes as a stream (`--persistent`,
//! `--recursive`) until interrupted or `--count` events.
//!
//! Once the watch is set on the server, `watching PATH` goes to stderr: from then on no change
//! is missed, which is what a script (or a test) waits for before making one.

use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::{AddWatchMode, Client, EventType, NodeEvent, WatchEvent};

use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;
use crate::stat::zxid;

/// Arguments of `watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// The node to watch (it need not exist for a data watch: its creation is an event).
    #[arg(value_parser = znode)]
    path: String,
    /// Watch the node's child list instead of its data (one-shot only).
    #[arg(long, conflicts_with_all = ["persistent", "recursive"])]
    children: bool,
    /// Keep watching after each event: the node's data and child list (3.6+).
    #[arg(long)]
    persistent: bool,
    /// Keep watching the node and every node below it (3.6+); implies --persistent.
    #[arg(long)]
    recursive: bool,
    /// Stop after this many node events (a one-shot watch has one).
    #[arg(short = 'n', long, value_name = "N")]
    count: Option<u64>,
}

/// Sets the watch and prints its events.
///
/// # Errors
///
/// The client's error setting the watch (`NoNode` for a child watch on a missing node), and
/// [`Status::Connection`] if the session ends before the events asked for.
pub(crate) fn run(client: &Client, args: &WatchArgs, out: &mut Out) -> Result<Status, Failure> {
    let what = format!("watch {}", args.path);
    let fail = |e: zk_client_blocking::Error| Failure::zk(&what, &e);
    if !(args.persistent || args.recursive) {
        let watch = if args.children {
            client.get_children_watched(&args.path).map_err(fail)?.2
        } else {
            client.exists_watched(&args.path).map_err(fail)?.1
        };
        eprintln!("watching {} (one-shot)", args.path);
        let event = watch.wait();
        return match event {
            WatchEvent::Node(node) => {
                print(out, &node_json(&node), &node_text(&node))?;
                Ok(Status::Ok)
            }
            other => Err(ended(&what, &other)),
        };
    }
    let mode = if args.recursive {
        AddWatchMode::PersistentRecursive
    } else {
        AddWatchMode::Persistent
    };
    let events = client.add_watch(&args.path, mode).map_err(fail)?;
    let kind = if args.recursive {
        "recursive"
    } else {
        "persistent"
    };
    eprintln!("watching {} ({kind})", args.path);
    let mut seen = 0;
    for event in events {
        match event {
            WatchEvent::Node(node) => {
                print(out, &node_json(&node), &node_text(&node))?;
                seen += 1;
                if args.count.is_some_and(|count| seen >= count) {
                    return Ok(Status::Ok);
                }
            }
            // Changes made while disconnected are not replayed: say where the gap was.
            WatchEvent::Resumed { since_zxid } => print(
                out,
                &json!({ "event": "Resumed", "since_zxid": since_zxid }),
                &format!(
                    "Resumed (changes after zxid {} may be missing)",
                    zxid(since_zxid)
                ),
            )?,
            WatchEvent::Lagged { missed } => print(
                out,
                &json!({ "event": "Lagged", "missed": missed }),
                &format!("Lagged ({missed} events dropped)"),
            )?,
            other => return Err(ended(&what, &other)),
        }
    }
    Err(ended(&what, &WatchEvent::Closed))
}

/// A line of the stream, flushed: JSON or text.
fn print(out: &mut Out, value: &Value, text: &str) -> std::io::Result<()> {
    if out.is_json() {
        out.json_line(value)
    } else {
        out.line(text)?;
        out.flush()
    }
}

/// ZooKeeper's name for the event type.
pub(crate) fn type_name(event_type: EventType) -> &'static str {
    match event_type {
        EventType::NodeCreated => "NodeCreated",
        EventType::NodeDeleted => "NodeDeleted",
        EventType::NodeDataChanged => "NodeDataChanged",
        EventType::NodeChildrenChanged => "NodeChildrenChanged",
    }
}

fn node_json(node: &NodeEvent) -> Value {
    json!({ "event": type_name(node.event_type), "path": node.path, "zxid": node.zxid })
}

fn node_text(node: &NodeEvent) -> String {
    format!("{} {}", type_name(node.event_type), node.path)
}

/// The watch ended before the events asked for: the session is gone, or the client stopped.
fn ended(what: &str, event: &WatchEvent) -> Failure {
    let why = match event {
        WatchEvent::SessionExpired => "the session expired",
        WatchEvent::AuthFailed => "authentication failed",
        WatchEvent::Removed => "the watch was removed",
        _ => "the client closed",
    };
    let status = match event {
        WatchEvent::AuthFailed => Status::Auth,
        _ => Status::Connection,
    };
    Failure::new(status, format!("{what}: {why}"))
}
