//! Writing a snapshot under a path: the other half of `load` and `cp`.

use std::collections::BTreeMap;

use zk_client_blocking::{Acl, Client, Error, ErrorCode};

use super::{Entry, Snapshot};
use crate::exit::Failure;
use crate::pipeline;
use crate::progress::Progress;

/// Creates the snapshot's nodes under `root`, a level at a time (pipelined), then sets the ACLs
/// that are not the default; returns how many nodes it wrote. `root` itself may exist (its data
/// is set) and its parents are created if missing; any other node that exists stops the copy
/// unless `force` (then its data is set).
///
/// Nodes are created open and get their ACL afterwards: an ACL that denies this session
/// CREATE on a node would otherwise stop its children from being written.
///
/// # Errors
///
/// The client's error for the first node that cannot be written, named after `what`
/// (`load`, `cp`). Nodes before it stay written.
pub(crate) fn write(
    client: &Client,
    snapshot: &Snapshot,
    root: &str,
    force: bool,
    what: &str,
) -> Result<usize, Failure> {
    let fail = |path: &str, e: &Error| Failure::zk(format!("{what} {path}"), e);

    let mut levels: BTreeMap<usize, Vec<&Entry>> = BTreeMap::new();
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
    let mut progress = Progress::new(format!("writing {root}"), Some(snapshot.nodes.len() as u64));
    for (depth, entries) in &levels {
        if *depth == 0 {
            // The target root: its parents may be missing, and it may exist.
            if let Some(parent) = parent_of(root).filter(|p| *p != "/") {
                client.ensure_path(parent).map_err(|e| fail(parent, &e))?;
            }
        }
        let creates = pipeline::map(
            entries.iter().map(|entry| (entry.under(root), *entry)),
            |(path, entry)| async_client.create(path, entry.data.clone()),
        );
        for ((path, entry), reply) in creates {
            match reply {
                Ok(_) => {}
                // The root may be there already; anything else only with --force. The server
                // checks the parent's ACL before the node's existence, so under a parent that
                // denies CREATE a node that exists is refused as NoAuth: look before failing.
                Err(Error::Server(code @ (ErrorCode::NodeExists | ErrorCode::NoAuth)))
                    if *depth == 0 || force =>
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
            progress.inc();
        }
    }
    let open = Acl::open_unsafe();
    let acls = snapshot
        .nodes
        .iter()
        .filter(|entry| entry.acl != open)
        .map(|entry| (entry.under(root), entry));
    let sets = pipeline::map(acls, |(path, entry)| {
        async_client.set_acl(path, entry.acl.clone(), None)
    });
    for ((path, _), reply) in sets {
        reply.map_err(|e| fail(&path, &e))?;
    }
    Ok(written)
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
