//! `get`, `stat` and `exists`: one node's data and metadata.

use clap::Args;
use serde_json::json;
use zk_client_blocking::Client;

use crate::data::{self, Format};
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;
use crate::stat;

/// Arguments of `get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The node to read.
    #[arg(value_parser = znode)]
    path: String,
    /// How to show the data. With --json, text is "utf8" when the data is valid UTF-8 and
    /// base64 otherwise (the "encoding" field says which).
    #[arg(short = 'f', long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Print the node's Stat after the data.
    #[arg(long)]
    stat: bool,
}

/// Arguments of the commands that take only a path.
#[derive(Debug, Args)]
pub(crate) struct PathArgs {
    /// The node.
    #[arg(value_parser = znode)]
    pub(crate) path: String,
}

/// Prints a node's data.
///
/// # Errors
///
/// The client's error reading the node (`NoNode` if it does not exist).
pub(crate) fn get(client: &Client, args: &GetArgs, out: &mut Out) -> Result<Status, Failure> {
    let (bytes, node_stat) = client
        .get_data(&args.path)
        .map_err(|e| Failure::zk(format!("get {}", args.path), &e))?;
    if out.is_json() {
        let (text, encoding) = data::to_json(&bytes, args.format);
        let mut document = json!({ "path": args.path, "data": text, "encoding": encoding });
        if args.stat {
            document["stat"] = stat::to_json(&node_stat);
        }
        out.document(&document)?;
        return Ok(Status::Ok);
    }
    match args.format {
        Format::Raw => out.raw(&bytes)?,
        Format::Hex => out.line(&data::hex(&bytes))?,
        Format::Base64 => out.line(&data::base64(&bytes))?,
        Format::Text => {
            let text = data::safe_text(&bytes);
            // A newline of our own only where the data lacks one: `$(zk get)` strips it anyway.
            match text.strip_suffix('\n') {
                Some(body) => out.line(body)?,
                None if text.is_empty() => {}
                None => out.line(&text)?,
            }
        }
    }
    if args.stat {
        if args.format == Format::Raw {
            // Raw data is for redirecting: the Stat goes to stderr so the file holds data only.
            for row in stat::to_rows(&node_stat) {
                eprintln!("{}  {}", row[0], row[1]);
            }
        } else {
            out.table(&stat::to_rows(&node_stat))?;
        }
    }
    Ok(Status::Ok)
}

/// Prints a node's Stat.
///
/// # Errors
///
/// The client's error reading the node (`NoNode` if it does not exist).
pub(crate) fn stat(client: &Client, args: &PathArgs, out: &mut Out) -> Result<Status, Failure> {
    let node_stat = client
        .exists(&args.path)
        .map_err(|e| Failure::zk(format!("stat {}", args.path), &e))?
        .ok_or_else(|| {
            Failure::new(
                Status::NoNode,
                format!("stat {}: node does not exist", args.path),
            )
        })?;
    if out.is_json() {
        out.document(&json!({ "path": args.path, "stat": stat::to_json(&node_stat) }))?;
    } else {
        out.table(&stat::to_rows(&node_stat))?;
    }
    Ok(Status::Ok)
}

/// Prints whether a node exists; a missing node is [`Status::NoNode`] without an error
/// message, so that `zk exists /a && ...` reads naturally.
///
/// # Errors
///
/// The client's error asking (a bad path, no session).
pub(crate) fn exists(client: &Client, args: &PathArgs, out: &mut Out) -> Result<Status, Failure> {
    let found = client
        .exists(&args.path)
        .map_err(|e| Failure::zk(format!("exists {}", args.path), &e))?;
    if out.is_json() {
        let mut document = json!({ "path": args.path, "exists": found.is_some() });
        if let Some(node_stat) = &found {
            document["stat"] = stat::to_json(node_stat);
        }
        out.document(&document)?;
    } else {
        out.line(if found.is_some() { "true" } else { "false" })?;
    }
    Ok(if found.is_some() {
        Status::Ok
    } else {
        Status::NoNode
    })
}
