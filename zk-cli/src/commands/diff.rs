//! `diff`: two subtrees compared node by node (data and ACLs), on one ensemble or two.

use std::collections::BTreeMap;

use clap::Args;
use serde_json::json;
use zk_client_blocking::Client;

use crate::commands::bulk::sees_system_nodes;
use crate::connect::{ConnectionArgs, connect};
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;
use crate::snapshot::{self, Entry};

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The first subtree.
    #[arg(value_parser = znode)]
    a: String,
    /// The second subtree (on --other-server if given).
    #[arg(value_parser = znode)]
    b: String,
    /// Read the second subtree from this ensemble (connect string, with its own chroot if
    /// any; the same credentials and timeouts).
    #[arg(long, value_name = "CONNECT_STRING")]
    other_server: Option<String>,
}

/// What differs between two subtrees, by path relative to their roots.
#[derive(Debug, Default, PartialEq, Eq)]
struct Differences {
    only_in_a: Vec<String>,
    only_in_b: Vec<String>,
    data: Vec<String>,
    acl: Vec<String>,
}

/// Prints the differences: `- path` only in the first, `+ path` only in the second,
/// `~ path (data)` and `~ path (acl)`; exit code 1 when there are any, as diff's.
///
/// # Errors
///
/// The client's error reading either subtree, or connecting to the other server.
pub(crate) fn run(
    client: &Client,
    connection: &ConnectionArgs,
    args: &DiffArgs,
    out: &mut Out,
) -> Result<Status, Failure> {
    let read = |client: &Client, path: &str, connection: &ConnectionArgs| {
        snapshot::read(client, path, sees_system_nodes(connection))
            .map_err(|e| Failure::zk(format!("diff {path}"), &e))
    };
    let a = read(client, &args.a, connection)?;
    let b = match &args.other_server {
        None => read(client, &args.b, connection)?,
        Some(server) => {
            let other = ConnectionArgs {
                server: server.clone(),
                ..connection.clone()
            };
            let other_client = connect(&other)?;
            let b = read(&other_client, &args.b, &other);
            other_client.close();
            b?
        }
    };
    let differences = compare(&a.nodes, &b.nodes);
    if out.is_json() {
        out.document(&json!({
            "same": differences == Differences::default(),
            "only_in_a": differences.only_in_a,
            "only_in_b": differences.only_in_b,
            "data_differs": differences.data,
            "acl_differs": differences.acl,
        }))?;
    } else {
        let mut lines: Vec<(String, String)> = Vec::new();
        lines.extend(
            differences
                .only_in_a
                .iter()
                .map(|p| (p.clone(), format!("- {}", shown(p)))),
        );
        lines.extend(
            differences
                .only_in_b
                .iter()
                .map(|p| (p.clone(), format!("+ {}", shown(p)))),
        );
        lines.extend(
            differences
                .data
                .iter()
                .map(|p| (p.clone(), format!("~ {} (data)", shown(p)))),
        );
        lines.extend(
            differences
                .acl
                .iter()
                .map(|p| (p.clone(), format!("~ {} (acl)", shown(p)))),
        );
        lines.sort();
        for (_, line) in lines {
            out.line(&line)?;
        }
    }
    Ok(if differences == Differences::default() {
        Status::Ok
    } else {
        Status::Other
    })
}

/// A relative path for display: `.` for the root.
fn shown(path: &str) -> &str {
    if path.is_empty() { "." } else { path }
}

fn compare(a: &[Entry], b: &[Entry]) -> Differences {
    let a: BTreeMap<&str, &Entry> = a.iter().map(|e| (e.path.as_str(), e)).collect();
    let b: BTreeMap<&str, &Entry> = b.iter().map(|e| (e.path.as_str(), e)).collect();
    let mut differences = Differences::default();
    for (path, left) in &a {
        match b.get(path) {
            None => differences.only_in_a.push((*path).to_owned()),
            Some(right) => {
                if left.data != right.data {
                    differences.data.push((*path).to_owned());
                }
                if left.acl != right.acl {
                    differences.acl.push((*path).to_owned());
                }
            }
        }
    }
    differences.only_in_b = b
        .keys()
        .filter(|path| !a.contains_key(*path))
        .map(|path| (*path).to_owned())
        .collect();
    differences
}

#[cfg(test)]
mod tests {
    use zk_client_blocking::{Acl, Bytes};

    use super::*;

    fn entry(path: &str, data: &'static [u8], acl: Vec<Acl>) -> Entry {
        Entry {
            path: path.to_owned(),
            data: Bytes::from_static(data),
            acl,
        }
    }

    #[test]
    fn every_kind_of_difference_is_found() {
        let open = Acl::open_unsafe();
        let a = [
            entry("", b"", open.clone()),
            entry("same", b"x", open.clone()),
            entry("data", b"1", open.clone()),
            entry("acl", b"", open.clone()),
            entry("gone", b"", open.clone()),
        ];
        let b = [
            entry("", b"", open.clone()),
            entry("same", b"x", open.clone()),
            entry("data", b"2", open.clone()),
            entry("acl", b"", Acl::read_unsafe()),
            entry("new", b"", open),
        ];
        let found = compare(&a, &b);
        assert_eq!(found.only_in_a, ["gone"]);
        assert_eq!(found.only_in_b, ["new"]);
        assert_eq!(found.data, ["data"]);
        assert_eq!(found.acl, ["acl"]);
        assert_eq!(compare(&a, &a), Differences::default());
    }
}
