//! `dump` and `load`: a subtree to a JSON file (data, ACLs; ephemerals left out) and back,
//! under any path of any ensemble. The file's format is in [`snapshot`].

use std::fs;
use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::Client;
use zk_proto::ConnectString;

use crate::connect::ConnectionArgs;
use crate::exit::{Failure, Status};
use crate::input;
use crate::output::Out;
use crate::paths::znode;
use crate::snapshot::{self, Snapshot};

/// Arguments of `dump`.
#[derive(Debug, Args)]
pub(crate) struct DumpArgs {
    /// The root of the subtree (without a chroot, the server's own /zookeeper is left out).
    #[arg(default_value = ".", value_parser = znode)]
    path: String,
    /// Write the dump to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Arguments of `load`.
#[derive(Debug, Args)]
pub(crate) struct LoadArgs {
    /// The dump file; `-` reads stdin.
    file: PathBuf,
    /// Where its root goes (created with its parents if missing).
    #[arg(value_parser = znode)]
    path: String,
    /// Set the data of nodes that exist already (default: stop with exit code 8).
    #[arg(long)]
    force: bool,
}

/// Whether the connect string has no chroot, so that `/zookeeper` is the server's own.
pub(crate) fn sees_system_nodes(connection: &ConnectionArgs) -> bool {
    connection
        .server
        .parse::<ConnectString>()
        .is_ok_and(|parsed| parsed.chroot.root().is_none())
}

/// Writes the subtree as JSON and says how much it wrote.
///
/// # Errors
///
/// The client's error reading the subtree, or the file's.
pub(crate) fn dump(
    client: &Client,
    connection: &ConnectionArgs,
    args: &DumpArgs,
    out: &mut Out,
) -> Result<Status, Failure> {
    let snapshot = snapshot::read(client, &args.path, sees_system_nodes(connection))
        .map_err(|e| Failure::zk(format!("dump {}", args.path), &e))?;
    let bytes: usize = snapshot.nodes.iter().map(|n| n.data.len()).sum();
    let summary = format!(
        "dumped {} nodes ({bytes} bytes of data) from {}",
        snapshot.nodes.len(),
        args.path
    );
    let Some(file) = &args.output else {
        out.document(&snapshot.to_json())?;
        eprintln!("{summary}");
        return Ok(Status::Ok);
    };
    let text = serde_json::to_vec_pretty(&snapshot.to_json())
        .map_err(|e| Failure::new(Status::Other, format!("dump: {e}")))?;
    fs::write(file, text).map_err(|e| Failure::io(format!("writing {}", file.display()), &e))?;
    if out.is_json() {
        out.document(&json!({
            "path": args.path,
            "file": file.display().to_string(),
            "nodes": snapshot.nodes.len(),
            "bytes": bytes,
        }))?;
    } else {
        out.line(&format!("{summary} to {}", file.display()))?;
    }
    Ok(Status::Ok)
}

/// Creates the dump's nodes under the target path ([`snapshot::write`]).
///
/// # Errors
///
/// A usage error for a file that is not a dump; the client's error for the first node that
/// cannot be written (`NodeExists` without `--force`). Nodes before it stay loaded.
pub(crate) fn load(client: &Client, args: &LoadArgs, out: &mut Out) -> Result<Status, Failure> {
    let text = if args.file.as_os_str() == "-" {
        input::data(Some("-"), None)?
    } else {
        input::data(None, Some(&args.file))?
    };
    let document: Value = serde_json::from_slice(&text)
        .map_err(|e| Failure::new(Status::Usage, format!("load: not JSON: {e}")))?;
    let snapshot = Snapshot::from_json(&document)
        .map_err(|why| Failure::new(Status::Usage, format!("load: {why}")))?;
    let root = &args.path;
    let written = snapshot::write(client, &snapshot, root, args.force, "load")?;
    if out.is_json() {
        out.document(&json!({ "path": root, "nodes": written }))?;
    } else {
        out.line(&format!("loaded {written} nodes under {root}"))?;
    }
    Ok(Status::Ok)
}
