//! `create`, `set` and `rm`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::json;
use zk_client_blocking::{Client, CreateMode, CreateOptions};

use crate::duration::parse_duration;
use crate::exit::{Failure, Status};
use crate::input;
use crate::output::Out;
use crate::paths::znode;
use crate::remove::delete_subtree;
use crate::stat;

/// `--mode` of `create`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mode {
    /// Lives until deleted.
    Persistent,
    /// Deleted when the session ends: with a one-shot command, as soon as it exits.
    Ephemeral,
    /// Persistent, with a 10-digit sequence number appended by the server.
    Sequential,
    /// Ephemeral and sequential.
    EphemeralSequential,
    /// Deleted by the server once its last child is gone.
    Container,
    /// Deleted once unmodified for --ttl and childless (servers with extended types enabled).
    Ttl,
    /// TTL and sequential.
    TtlSequential,
}

/// Arguments of `create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The node to create (for sequential modes, the prefix of its name).
    #[arg(value_parser = znode)]
    path: String,
    /// Its data; `-` reads stdin; none is empty data.
    #[arg(conflicts_with = "file")]
    data: Option<String>,
    /// Read the data from this file.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// The node's mode.
    #[arg(short = 'm', long, value_enum, default_value_t = Mode::Persistent)]
    mode: Mode,
    /// The time to live of a TTL node (required with --mode ttl and ttl-sequential).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    ttl: Option<Duration>,
    /// Create missing parents first (as persistent nodes).
    #[arg(short = 'p', long)]
    parents: bool,
}

/// Arguments of `set`.
#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// The node.
    #[arg(value_parser = znode)]
    path: String,
    /// The new data; `-` reads stdin.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    data: Option<String>,
    /// Read the data from this file.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// Only if the node's data version is this (exit code 7 otherwise).
    #[arg(short = 'v', long)]
    version: Option<i32>,
}

/// Arguments of `rm`.
#[derive(Debug, Args)]
pub(crate) struct RmArgs {
    /// The node.
    #[arg(value_parser = znode)]
    path: String,
    /// Delete everything below the node too.
    #[arg(short = 'r', long, conflicts_with = "version")]
    recursive: bool,
    /// Only if the node's data version is this (exit code 7 otherwise).
    #[arg(short = 'v', long)]
    version: Option<i32>,
}

/// The client's mode for `--mode` and `--ttl` (and for `txn`'s "mode" and "ttl").
///
/// # Errors
///
/// A usage error for a TTL mode without a TTL, or a TTL without a TTL mode.
pub(crate) fn create_mode(mode: Mode, ttl: Option<Duration>) -> Result<CreateMode, Failure> {
    let usage = |message: &str| Failure::new(Status::Usage, message.to_owned());
    let mode = match (mode, ttl) {
        (Mode::Ttl, Some(ttl)) => CreateMode::PersistentWithTtl { ttl },
        (Mode::TtlSequential, Some(ttl)) => CreateMode::PersistentSequentialWithTtl { ttl },
        (Mode::Ttl | Mode::TtlSequential, None) => {
            return Err(usage("--mode ttl and ttl-sequential need --ttl"));
        }
        (_, Some(_)) => return Err(usage("--ttl goes with --mode ttl or ttl-sequential")),
        (Mode::Persistent, None) => CreateMode::Persistent,
        (Mode::Ephemeral, None) => CreateMode::Ephemeral,
        (Mode::Sequential, None) => CreateMode::PersistentSequential,
        (Mode::EphemeralSequential, None) => CreateMode::EphemeralSequential,
        (Mode::Container, None) => CreateMode::Container,
    };
    Ok(mode)
}

/// Creates a node and prints its path (with the sequence number, if any).
///
/// # Errors
///
/// A usage error for `--ttl` without a TTL mode (or the reverse), and the client's error
/// creating the node (`NodeExists`, `NoNode` for a missing parent without `-p`).
pub(crate) fn create(client: &Client, args: &CreateArgs, out: &mut Out) -> Result<Status, Failure> {
    let mut options = CreateOptions::mode(create_mode(args.mode, args.ttl)?);
    if args.parents {
        options = options.with_parents();
    }
    let data = input::data(args.data.as_deref(), args.file.as_deref())?;
    let (created, node_stat) = client
        .create_with_stat(&args.path, data, &options)
        .map_err(|e| Failure::zk(format!("create {}", args.path), &e))?;
    if out.is_json() {
        out.document(&json!({ "path": created, "stat": stat::to_json(&node_stat) }))?;
    } else {
        out.line(&created)?;
    }
    Ok(Status::Ok)
}

/// Sets a node's data; prints nothing (the new Stat with --json).
///
/// # Errors
///
/// The client's error (`NoNode`, `BadVersion`).
pub(crate) fn set(client: &Client, args: &SetArgs, out: &mut Out) -> Result<Status, Failure> {
    let data = input::data(args.data.as_deref(), args.file.as_deref())?;
    let node_stat = client
        .set_data(&args.path, data, args.version)
        .map_err(|e| Failure::zk(format!("set {}", args.path), &e))?;
    if out.is_json() {
        out.document(&json!({ "path": args.path, "stat": stat::to_json(&node_stat) }))?;
    }
    Ok(Status::Ok)
}

/// Deletes a node (or a subtree); prints nothing (a confirmation with --json).
///
/// # Errors
///
/// The client's error (`NoNode`, `BadVersion`, `NotEmpty` without `-r`).
pub(crate) fn rm(client: &Client, args: &RmArgs, out: &mut Out) -> Result<Status, Failure> {
    let result = if args.recursive {
        delete_subtree(client, &args.path)
    } else {
        client.delete(&args.path, args.version).map(|()| 1)
    };
    let deleted = result.map_err(|e| Failure::zk(format!("rm {}", args.path), &e))?;
    if out.is_json() {
        out.document(&json!({ "path": args.path, "deleted": true, "nodes": deleted }))?;
    }
    Ok(Status::Ok)
}
