//! The command line: options every command shares, and the commands (each command's own
//! arguments live beside its code, in `commands`).

use clap::{Parser, Subcommand};

use crate::commands::{
    acl, admin, bulk, copy, diff, ensemble, list, mirror, read, recipes, search, tree, txn, usage,
    watch, write,
};
use crate::connect::ConnectionArgs;
use crate::exit::EXIT_CODES_HELP;

/// zk: a ZooKeeper client for people and for scripts.
///
/// Every command prints text for people, or with --json one JSON document (JSON lines for
/// `watch`) for scripts; the exit code says what went wrong (see the table below). Without a
/// command, zk is an interactive shell in one session (cd, pwd, relative paths, history, Tab
/// completion), or runs the commands piped to it; --embedded runs an in-process server.
#[derive(Debug, Parser)]
#[command(name = "zk", version, after_help = EXIT_CODES_HELP)]
pub(crate) struct Cli {
    /// How to reach the ensemble.
    #[command(flatten)]
    pub(crate) connection: ConnectionArgs,
    /// Print one JSON document (JSON lines for `watch`) instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// What to do; without a command, an interactive shell (commands read line by line, from
    /// a terminal with history and tab completion, or from stdin).
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List a node's children (-l: with their versions, sizes and child counts; -R: every
    /// descendant).
    Ls(list::LsArgs),
    /// Show a subtree with each node's data size and child count.
    Tree(tree::TreeArgs),
    /// Print a node's data (text when it is UTF-8, escaped otherwise; or hex, base64, raw).
    Get(read::GetArgs),
    /// Print a node's Stat.
    Stat(read::PathArgs),
    /// Tell whether a node exists (exit code 6 when it does not).
    Exists(read::PathArgs),
    /// Print the nodes of a subtree whose name matches a glob (`'lock-*'`).
    Find(search::FindArgs),
    /// Print the lines of data that contain a text, after their node's path (exit code 1
    /// when nothing matches, as grep's).
    Grep(search::GrepArgs),
    /// Print the ephemeral nodes of a subtree and the sessions that own them.
    Ephemerals(search::EphemeralsArgs),
    /// Print the data bytes and node count of each child's subtree, and of the whole.
    Du(usage::SubtreeArgs),
    /// Print the number of nodes below a node, as the server counts them (3.6+).
    Count(usage::SubtreeArgs),
    /// Read or replace a node's ACL.
    Acl(acl::AclArgs),
    /// Print the identities the server gave this session (3.7+).
    Whoami,
    /// Print the ensemble's dynamic configuration.
    Config,
    /// Wait until the connected server has caught up with the leader.
    Sync(admin::SyncArgs),
    /// Create a node (any mode; -p creates missing parents) and print its path.
    Create(write::CreateArgs),
    /// Set a node's data, from the argument, a file or stdin.
    Set(write::SetArgs),
    /// Delete a node (-r: with everything below it).
    Rm(write::RmArgs),
    /// Apply create, set, delete and check operations atomically, read as JSON from a file
    /// or stdin (all apply or none does).
    Txn(txn::TxnArgs),
    /// Write a subtree (data and ACLs; ephemeral nodes left out) as JSON, to stdout or a file.
    Dump(bulk::DumpArgs),
    /// Create the nodes of a dump under a path, with their data and ACLs.
    Load(bulk::LoadArgs),
    /// Copy a subtree (data and ACLs) under another path, here or on another ensemble.
    Cp(copy::CpArgs),
    /// Copy a subtree, then keep the copy in step with it until interrupted or --count
    /// changes.
    Mirror(mirror::MirrorArgs),
    /// Compare two subtrees, here or on another ensemble (exit code 1 when they differ, as
    /// diff's).
    Diff(diff::DiffArgs),
    /// Wait for a change of a node (one-shot), or stream changes (--persistent, --recursive).
    Watch(watch::WatchArgs),
    /// Run a command while holding a kazoo lock (`zk lock /locks/job -- ./job.sh`); stop it
    /// if the lock is lost (exit code 3); exit with its code.
    #[cfg(unix)]
    Lock(crate::commands::hold::HoldArgs),
    /// Run a command while leader of a kazoo election; stop it if leadership is lost.
    #[cfg(unix)]
    Elect(crate::commands::hold::HoldArgs),
    /// A kazoo counter: get, add.
    Counter {
        /// What to do.
        #[command(subcommand)]
        command: recipes::CounterCommand,
    },
    /// A kazoo queue: put, get, len.
    Queue {
        /// What to do.
        #[command(subcommand)]
        command: recipes::QueueCommand,
    },
    /// A kazoo barrier: create, remove, wait.
    Barrier {
        /// What to do.
        #[command(subcommand)]
        command: recipes::BarrierCommand,
    },
    /// Send a four-letter word (ruok, srvr, mntr, conf, ...) to the first server that answers.
    #[command(name = "4lw")]
    FourLetter(ensemble::FourLetterArgs),
    /// Each server of the connect string as one row of its srvr and mntr: mode, zxid,
    /// latency, connections, outstanding requests, znodes, watches (exit code 3 if any is
    /// unreachable).
    Servers,
    /// Whether every server of the connect string serves (exit code 0), or not (3): for
    /// health checks.
    Health,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
