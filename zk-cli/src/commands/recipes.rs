//! `counter`, `queue` and `barrier`: kazoo's recipes from the command line, on the same nodes
//! kazoo and Curator programs use (zk-recipes speaks their protocols).

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;
use zk_client_blocking::{Client, block_on};
use zk_recipes::{Barrier, Counter, DEFAULT_PRIORITY, Queue};

use crate::data::{self, Format};
use crate::duration::parse_duration;
use crate::exit::{Failure, Status};
use crate::input;
use crate::output::Out;
use crate::paths::znode;

/// `counter` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum CounterCommand {
    /// Print a kazoo counter's value (0 for a node that does not exist yet).
    Get {
        /// The counter's node.
        #[arg(value_parser = znode)]
        path: String,
    },
    /// Add to a counter atomically (a negative number subtracts); print the new value.
    Add {
        /// The counter's node (created if missing).
        #[arg(value_parser = znode)]
        path: String,
        /// How much to add.
        #[arg(allow_negative_numbers = true)]
        delta: i64,
    },
}

/// `queue` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum QueueCommand {
    /// Add an entry to a kazoo queue; print its node's name.
    Put {
        /// The queue's node.
        #[arg(value_parser = znode)]
        path: String,
        /// The entry; `-` reads stdin.
        data: String,
        /// 0 to 999, lower first.
        #[arg(long, default_value_t = DEFAULT_PRIORITY)]
        priority: u16,
    },
    /// Take the first entry and print it (exit code 1 when the queue is empty).
    Get {
        /// The queue's node.
        #[arg(value_parser = znode)]
        path: String,
        /// How to show the entry.
        #[arg(short = 'f', long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print how many entries are queued.
    Len {
        /// The queue's node.
        #[arg(value_parser = znode)]
        path: String,
    },
}

/// `barrier` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum BarrierCommand {
    /// Put the barrier up (its node).
    Create(BarrierArgs),
    /// Take the barrier down, releasing every waiter.
    Remove(BarrierArgs),
    /// Wait until the barrier is down (exit code 10 if --timeout passes first).
    Wait {
        /// The barrier's node.
        #[arg(value_parser = znode)]
        path: String,
        /// Give up after this long.
        #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
        timeout: Option<Duration>,
    },
}

/// The argument of `barrier create` and `barrier remove`.
#[derive(Debug, Args)]
pub(crate) struct BarrierArgs {
    /// The barrier's node.
    #[arg(value_parser = znode)]
    path: String,
}

/// Runs a `counter` subcommand.
///
/// # Errors
///
/// The recipe's error (a node that holds no counter is one).
pub(crate) fn counter(
    client: &Client,
    command: &CounterCommand,
    out: &mut Out,
) -> Result<Status, Failure> {
    let (path, value) = match command {
        CounterCommand::Get { path } => {
            let counter = Counter::<i64>::new(client.async_client(), path);
            let value = block_on(counter.value())
                .map_err(|e| Failure::recipe(format!("counter get {path}"), &e))?;
            (path, value)
        }
        CounterCommand::Add { path, delta } => {
            let mut counter = Counter::<i64>::new(client.async_client(), path);
            let value = block_on(counter.add(*delta))
                .map_err(|e| Failure::recipe(format!("counter add {path}"), &e))?;
            (path, value)
        }
    };
    if out.is_json() {
        out.document(&json!({ "path": path, "value": value }))?;
    } else {
        out.line(&value.to_string())?;
    }
    Ok(Status::Ok)
}

/// Runs a `queue` subcommand.
///
/// # Errors
///
/// The recipe's error.
pub(crate) fn queue(
    client: &Client,
    command: &QueueCommand,
    out: &mut Out,
) -> Result<Status, Failure> {
    match command {
        QueueCommand::Put {
            path,
            data,
            priority,
        } => {
            let value = input::data(Some(data), None)?;
            let queue = Queue::new(client.async_client(), path);
            let entry = block_on(queue.put_with_priority(value, *priority))
                .map_err(|e| Failure::recipe(format!("queue put {path}"), &e))?;
            if out.is_json() {
                out.document(&json!({ "path": path, "entry": entry }))?;
            } else {
                out.line(&entry)?;
            }
            Ok(Status::Ok)
        }
        QueueCommand::Get { path, format } => {
            let mut queue = Queue::new(client.async_client(), path);
            let entry = block_on(queue.get())
                .map_err(|e| Failure::recipe(format!("queue get {path}"), &e))?;
            let Some(entry) = entry else {
                if out.is_json() {
                    out.document(&json!({ "path": path, "data": null }))?;
                }
                // Empty, as grep finding nothing: a status a script can test, no message.
                return Ok(Status::Other);
            };
            if out.is_json() {
                let (text, encoding) = data::to_json(&entry, *format);
                out.document(&json!({ "path": path, "data": text, "encoding": encoding }))?;
            } else {
                match format {
                    Format::Raw => out.raw(&entry)?,
                    Format::Hex => out.line(&data::hex(&entry))?,
                    Format::Base64 => out.line(&data::base64(&entry))?,
                    Format::Text => out.line(&data::safe_text(&entry))?,
                }
            }
            Ok(Status::Ok)
        }
        QueueCommand::Len { path } => {
            let queue = Queue::new(client.async_client(), path);
            let len = block_on(queue.len())
                .map_err(|e| Failure::recipe(format!("queue len {path}"), &e))?;
            if out.is_json() {
                out.document(&json!({ "path": path, "len": len }))?;
            } else {
                out.line(&len.to_string())?;
            }
            Ok(Status::Ok)
        }
    }
}

/// Runs a `barrier` subcommand.
///
/// # Errors
///
/// The recipe's error; [`Status::GaveUp`] when `wait`'s timeout passes.
pub(crate) fn barrier(
    client: &Client,
    command: &BarrierCommand,
    out: &mut Out,
) -> Result<Status, Failure> {
    let (what, path) = match command {
        BarrierCommand::Create(args) => ("barrier create", &args.path),
        BarrierCommand::Remove(args) => ("barrier remove", &args.path),
        BarrierCommand::Wait { path, .. } => ("barrier wait", path),
    };
    let barrier = Barrier::new(client.async_client(), path);
    let fail = |e: zk_recipes::RecipeError| Failure::recipe(format!("{what} {path}"), &e);
    match command {
        BarrierCommand::Create(_) => block_on(barrier.create()).map_err(fail)?,
        BarrierCommand::Remove(_) => {
            block_on(barrier.remove()).map_err(fail)?;
        }
        BarrierCommand::Wait { timeout, .. } => {
            eprintln!("waiting for {path} to come down");
            block_on(barrier.wait(*timeout)).map_err(fail)?;
        }
    }
    if out.is_json() {
        out.document(&json!({ "path": path, "done": what }))?;
    }
    Ok(Status::Ok)
}
