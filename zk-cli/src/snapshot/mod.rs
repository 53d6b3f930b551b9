//! A subtree with everything `dump`, `load` and `diff` need of each node: its data and ACL,
//! read in pipelined batches, and its JSON form (the dump file).
//!
//! ```json
//! { "format": "zk-dump/1", "root": "/app",
//!   "nodes": [ { "path": "", "data": "", "encoding": "utf8",
//!                "acl": [ { "scheme": "world", "id": "anyone", "perms": "cdrwa" } ] },
//!              { "path": "config", "data": "AP8=", "encoding": "base64", "acl": [...] } ] }
//! ```
//!
//! Paths are relative to the root ("" is the root itself), parents before children, so a
//! dump loads under any other path. Ephemeral nodes are left out: they belong to a session,
//! which a copy cannot have.

mod write;

pub(crate) use write::write;

use serde_json::{Value, json};
use zk_client_blocking::{Acl, Bytes, Client, Error, ErrorCode};

use crate::commands::acl::{entry_from_json, entry_json};
use crate::data;
use crate::pipeline;
use crate::progress::Progress;
use crate::walk::walk;

/// The `format` of a dump file.
const FORMAT: &str = "zk-dump/1";

/// A subtree's nodes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snapshot {
    /// The absolute path it was read from.
    pub(crate) root: String,
    /// Every node, parents first.
    pub(crate) nodes: Vec<Entry>,
}

/// One node of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Relative to the root: `""` for the root, `a/b` below it.
    pub(crate) path: String,
    /// The data.
    pub(crate) data: Bytes,
    /// The ACL.
    pub(crate) acl: Vec<Acl>,
}

impl Entry {
    /// The absolute path of this node under `root`.
    pub(crate) fn under(&self, root: &str) -> String {
        match (self.path.is_empty(), root) {
            (true, _) => root.to_owned(),
            (false, "/") => format!("/{}", self.path),
            (false, _) => format!("{root}/{}", self.path),
        }
    }
}

/// Reads the subtree at `root`: its shape a level at a time, then every node's data and ACL,
/// pipelined ([`pipeline`]). With `skip_system`, the server's own
/// `/zookeeper` subtree is left out unless `root` is inside it (it is not a copy's to write).
///
/// # Errors
///
/// The client's error for `root` (`NoNode`) or for any read that fails other than with
/// `NoNode` (a node deleted meanwhile is left out).
pub(crate) fn read(client: &Client, root: &str, skip_system: bool) -> Result<Snapshot, Error> {
    let tree = walk(client, root, None)?;
    let skip_system = skip_system && !is_system(root);
    let paths: Vec<&str> = tree
        .depth_first()
        .into_iter()
        .map(|(_, path)| path)
        .filter(|path| tree.nodes[*path].stat.ephemeral_owner == 0)
        .filter(|path| !(skip_system && is_system(path)))
        .collect();
    let async_client = client.async_client();
    let prefix = if root.ends_with('/') {
        root.len()
    } else {
        root.len() + 1
    };
    let total = paths.len() as u64;
    let mut nodes = Vec::with_capacity(paths.len());
    let reads = pipeline::map(paths, |path| {
        // Both requests are submitted here, as the pair is made.
        let (data, acl) = (async_client.get_data(path), async_client.get_acl(path));
        async move { (data.await, acl.await) }
    });
    let mut progress = Progress::new(format!("reading {root}'s data and ACLs"), Some(total));
    for (path, reply) in reads {
        progress.inc();
        let (data, acl) = match reply {
            (Ok((data, _)), Ok((acl, _))) => (data, acl),
            (Err(Error::Server(ErrorCode::NoNode)), _)
            | (_, Err(Error::Server(ErrorCode::NoNode)))
                if path != root =>
            {
                continue;
            }
            (Err(error), _) | (_, Err(error)) => return Err(error),
        };
        let relative = if path == root { "" } else { &path[prefix..] };
        nodes.push(Entry {
            path: relative.to_owned(),
            data,
            acl,
        });
    }
    Ok(Snapshot {
        root: root.to_owned(),
        nodes,
    })
}

/// Whether `path` is `/zookeeper` or below it.
fn is_system(path: &str) -> bool {
    path == "/zookeeper" || path.starts_with("/zookeeper/")
}

impl Snapshot {
    /// The dump file's document.
    pub(crate) fn to_json(&self) -> Value {
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .map(|entry| {
                let (text, encoding) = data::to_json(&entry.data, data::Format::Text);
                let acl: Vec<Value> = entry.acl.iter().map(entry_json).collect();
                json!({ "path": entry.path, "data": text, "encoding": encoding, "acl": acl })
            })
            .collect();
        json!({ "format": FORMAT, "root": self.root, "nodes": nodes })
    }

    /// A snapshot from a dump file's document.
    ///
    /// # Errors
    ///
    /// What is wrong and where (`nodes[3]: ...`).
    pub(crate) fn from_json(document: &Value) -> Result<Snapshot, String> {
        if document.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(format!("not a dump: \"format\" is not {FORMAT:?}"));
        }
        let root = document
            .get("root")
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_owned();
        let list = document
            .get("nodes")
            .and_then(Value::as_array)
            .ok_or("no \"nodes\" array")?;
        let nodes = list
            .iter()
            .enumerate()
            .map(|(i, node)| entry_from(node).map_err(|why| format!("nodes[{i}]: {why}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Snapshot { root, nodes })
    }
}

fn entry_from(node: &Value) -> Result<Entry, String> {
    let text = |name: &str| {
        node.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no string \"{name}\""))
    };
    let path = text("path")?;
    if path.starts_with('/')
        || path.ends_with('/')
        || path.split('/').any(|c| c == "." || c == "..")
    {
        return Err(format!("{path:?} is not a relative path"));
    }
    let data = data::from_json(text("data")?, text("encoding")?)?;
    let acl = node
        .get("acl")
        .and_then(Value::as_array)
        .ok_or("no \"acl\" array")?
        .iter()
        .map(entry_from_json)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Entry {
        path: path.to_owned(),
        data: Bytes::from(data),
        acl,
    })
}
