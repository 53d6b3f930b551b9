//! `ls`: a node's children, with their Stat (`-l`), or every descendant (`-R`).

use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::{Client, Stat};

use crate::exit::{Failure, Status};
use crate::output::{EPHEMERAL, Out, PARENT};
use crate::paths::znode;
use crate::pipeline;
use crate::stat;
use crate::walk::{child_path, walk};

/// Arguments of `ls`.
#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    /// The node whose children to list.
    #[arg(default_value = ".", value_parser = znode)]
    path: String,
    /// Long format: version, data size, child count, last change and whether ephemeral.
    #[arg(short = 'l', long)]
    long: bool,
    /// Every descendant, by path, depth first.
    #[arg(short = 'R', long)]
    recursive: bool,
}

/// One listed node.
struct Entry {
    /// Its path relative to the listed node (`a`, or `a/b` with `-R`).
    name: String,
    path: String,
    /// With `-l`; `None` also for a child deleted before its Stat was read.
    stat: Option<Stat>,
}

/// Lists the children (or descendants) of a node.
///
/// # Errors
///
/// The client's error reading the node (`NoNode` if it does not exist).
pub(crate) fn run(client: &Client, args: &LsArgs, out: &mut Out) -> Result<Status, Failure> {
    let what = format!("ls {}", args.path);
    let entries = if args.recursive {
        descendants(client, &args.path, args.long)
    } else {
        children(client, &args.path, args.long)
    }
    .map_err(|e| Failure::zk(&what, &e))?;
    if out.is_json() {
        let list: Vec<Value> = entries.iter().map(entry_json).collect();
        out.document(&Value::Array(list))?;
    } else if args.long {
        let mut rows = vec![
            ["EPH", "VERSION", "SIZE", "CHILDREN", "MODIFIED", "NAME"]
                .map(str::to_owned)
                .to_vec(),
        ];
        rows.extend(entries.iter().map(|entry| long_row(entry, out)));
        out.table(&rows)?;
    } else {
        for entry in &entries {
            out.line(if args.recursive {
                &entry.path
            } else {
                &entry.name
            })?;
        }
    }
    Ok(Status::Ok)
}

/// The children, sorted; with their Stat read in one pipelined batch.
fn children(
    client: &Client,
    path: &str,
    long: bool,
) -> Result<Vec<Entry>, zk_client_blocking::Error> {
    let mut names = client.get_children(path)?;
    names.sort();
    let paths: Vec<String> = names.iter().map(|n| child_path(path, n)).collect();
    let stats: Vec<Option<Stat>> = if long {
        // Pipelined: the requests go out ahead of the replies.
        pipeline::map(paths.iter(), |p| client.async_client().exists(p))
            .map(|(_, reply)| reply)
            .collect::<Result<_, _>>()?
    } else {
        vec![None; names.len()]
    };
    Ok(names
        .into_iter()
        .zip(paths)
        .zip(stats)
        .map(|((name, path), stat)| Entry { name, path, stat })
        .collect())
}

/// Every node below `path`, depth first.
fn descendants(
    client: &Client,
    path: &str,
    long: bool,
) -> Result<Vec<Entry>, zk_client_blocking::Error> {
    let tree = walk(client, path, None)?;
    let prefix = if path.ends_with('/') {
        path.len()
    } else {
        path.len() + 1
    };
    Ok(tree
        .depth_first()
        .into_iter()
        .skip(1)
        .map(|(_, child)| Entry {
            name: child[prefix..].to_owned(),
            path: child.to_owned(),
            stat: long.then(|| tree.nodes[child].stat.clone()),
        })
        .collect())
}

fn entry_json(entry: &Entry) -> Value {
    let mut value = json!({ "name": entry.name, "path": entry.path });
    if let Some(stat) = &entry.stat {
        value["stat"] = stat::to_json(stat);
    }
    value
}

fn long_row(entry: &Entry, out: &Out) -> Vec<String> {
    match &entry.stat {
        Some(s) => {
            // The name is the last column: its colour does not upset the alignment.
            let style = if s.ephemeral_owner != 0 {
                EPHEMERAL
            } else if s.num_children > 0 {
                PARENT
            } else {
                anstyle::Style::new()
            };
            vec![
                if s.ephemeral_owner != 0 { "e" } else { "-" }.to_owned(),
                s.version.to_string(),
                s.data_length.to_string(),
                s.num_children.to_string(),
                stat::timestamp(s.mtime),
                out.paint(style, &entry.name),
            ]
        }
        // Deleted between the listing and its Stat.
        None => ["?", "?", "?", "?", "?"]
            .map(str::to_owned)
            .into_iter()
            .chain([entry.name.clone()])
            .collect(),
    }
}
