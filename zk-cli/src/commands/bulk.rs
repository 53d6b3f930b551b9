//! `dump` and `load`: a subtree to a JSON file (data, ACLs; ephemerals left out) and back,
//! under any path of any ensemble. The file's format is in [`snapshot`].

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::{Acl, Client, Error, ErrorCode, block_on};
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

/// Creates the dump's nodes under the target path, a level at a time (every create of a level
/// in flight together), then sets the ACLs that are not the default.
///
/// Nodes are created open and get their ACL afterwards: an ACL that denies this session
/// CREATE on a node would otherwise stop its children from being loaded.
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
    let fail = |path: &str, e: &Error| Failure::zk(format!("load {path}"), e);

    let mut levels: BTreeMap<usize, Vec<&snapshot::Entry>> = BTreeMap::new();
    for entry in &snapshot.nodes {
        let depth = if entry.path.is_empty() {
            0
        } else {
            entry.path.split('/').count()
        };
        levels.entry(depth).or_default().push(entry);
    }
    let async_client = client.async_client();
    let mut written = 0usize;
    for (depth, entries) in &levels {
        if *depth == 0 {
            // The target root: its parents may be missing, and it may exist.
            if let Some(parent) = parent_of(root).filter(|p| *p != "/") {
                client.ensure_path(parent).map_err(|e| fail(parent, &e))?;
            }
        }
        let pending: Vec<_> = entries
            .iter()
            .map(|entry| {
                let path = entry.under(root);
                let reply = async_client.create(&path, entry.data.clone());
                (path, entry, reply)
            })
            .collect();
        for (path, entry, reply) in pending {
            match block_on(reply) {
                Ok(_) => {}
                // The root may be there already; anything else only with --force. The server
                // checks the parent's ACL before the node's existence, so under a parent that
                // denies CREATE a node that exists is refused as NoAuth: look before failing.
                Err(Error::Server(code @ (ErrorCode::NodeExists | ErrorCode::NoAuth)))
                    if *depth == 0 || args.force =>
                {
                    let exists = code == ErrorCode::NodeExists
                        || client.exists(&path).map_err(|e| fail(&path, &e))?.is_some();
                    if !exists {
                        return Err(fail(&path, &Error::Server(code)));
                    }
                    client
                        .set_data(&path, entry.data.clone(), None)
                        .map_err(|e| fail(&path, &e))?;
                }
                Err(e) => return Err(fail(&path, &e)),
            }
            written += 1;
        }
    }
    let open = Acl::open_unsafe();
    let pending: Vec<_> = snapshot
        .nodes
        .iter()
        .filter(|entry| entry.acl != open)
        .map(|entry| {
            let path = entry.under(root);
            let reply = async_client.set_acl(&path, entry.acl.clone(), None);
            (path, reply)
        })
        .collect();
    for (path, reply) in pending {
        block_on(reply).map_err(|e| fail(&path, &e))?;
    }
    if out.is_json() {
        out.document(&json!({ "path": root, "nodes": written }))?;
    } else {
        out.line(&format!("loaded {written} nodes under {root}"))?;
    }
    Ok(Status::Ok)
}

/// The parent of an absolute path; `None` for `/`.
fn parent_of(path: &str) -> Option<&str> {
    match path.rfind('/') {
        _ if path == "/" => None,
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}
