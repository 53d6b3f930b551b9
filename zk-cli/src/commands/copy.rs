//! `cp`: a subtree (data and ACLs; ephemeral nodes left out) copied under another path, here
//! or on another ensemble.

use clap::Args;
use serde_json::json;
use zk_client_blocking::Client;

use crate::commands::bulk::sees_system_nodes;
use crate::connect::{ConnectionArgs, connect};
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;
use crate::snapshot;

/// Arguments of `cp`.
#[derive(Debug, Args)]
pub(crate) struct CpArgs {
    /// The subtree to copy.
    #[arg(value_parser = znode)]
    from: String,
    /// Where its root goes (created with its parents if missing).
    #[arg(value_parser = znode)]
    to: String,
    /// Write on this ensemble instead (connect string, with its own chroot if any; the same
    /// credentials and timeouts).
    #[arg(long, value_name = "CONNECT_STRING")]
    to_server: Option<String>,
    /// Set the data of nodes that exist already (default: stop with exit code 8).
    #[arg(long)]
    force: bool,
}

/// Reads the subtree, then writes it under the target.
///
/// # Errors
///
/// A usage error for a copy into itself; the client's errors reading or writing.
pub(crate) fn run(
    client: &Client,
    connection: &ConnectionArgs,
    args: &CpArgs,
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
                "cp {} {}: the target is inside the source",
                args.from, args.to
            ),
        ));
    }
    let snapshot = snapshot::read(client, &args.from, sees_system_nodes(connection))
        .map_err(|e| Failure::zk(format!("cp {}", args.from), &e))?;
    let written = match &args.to_server {
        None => snapshot::write(client, &snapshot, &args.to, args.force, "cp")?,
        Some(server) => {
            let other = ConnectionArgs {
                server: server.clone(),
                ..connection.clone()
            };
            let other_client = connect(&other)?;
            let written = snapshot::write(&other_client, &snapshot, &args.to, args.force, "cp");
            other_client.close();
            written?
        }
    };
    if out.is_json() {
        out.document(&json!({ "from": args.from, "to": args.to, "nodes": written }))?;
    } else {
        out.line(&format!(
            "copied {written} nodes from {} to {}",
            args.from, args.to
        ))?;
    }
    Ok(Status::Ok)
}
