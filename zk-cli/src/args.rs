//! The command line: options every command shares, and the commands (each command's own
//! arguments live beside its code, in `commands`).

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::commands::{acl, admin, ensemble, list, read, search, tree, usage, watch, write};
use crate::duration::parse_duration;
use crate::exit::EXIT_CODES_HELP;

/// zk: a ZooKeeper client for people and for scripts.
///
/// Every command prints text for people, or with --json one JSON document (JSON lines for
/// `watch`) for scripts; the exit code says what went wrong (see the table below).
#[derive(Debug, Parser)]
#[command(name = "zk", version, after_help = EXIT_CODES_HELP)]
pub(crate) struct Cli {
    /// How to reach the ensemble.
    #[command(flatten)]
    pub(crate) connection: ConnectionArgs,
    /// Print one JSON document (JSON lines for `watch`) instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The connection options, accepted before or after the command.
#[derive(Debug, Args)]
pub(crate) struct ConnectionArgs {
    /// The connect string: host:port pairs separated by commas, then an optional chroot
    /// (`zk1:2181,zk2:2181/app`).
    #[arg(
        long,
        short = 's',
        env = "ZK_CONNECT",
        default_value = "127.0.0.1:2181",
        value_name = "CONNECT_STRING",
        global = true
    )]
    pub(crate) server: String,
    /// The session timeout to ask for (servers clamp it to their own bounds).
    #[arg(long, value_parser = parse_duration, default_value = "10s", value_name = "DURATION", global = true)]
    pub(crate) session_timeout: Duration,
    /// How long to try the servers before giving up (exit code 3).
    #[arg(long, value_parser = parse_duration, default_value = "5s", value_name = "DURATION", global = true)]
    pub(crate) connect_timeout: Duration,
    /// A credential sent after connecting, e.g. `digest:user:password` (repeatable).
    /// ZK_AUTH gives one without showing it in the process list.
    #[arg(
        long = "auth",
        env = "ZK_AUTH",
        hide_env_values = true,
        value_parser = parse_auth,
        value_name = "SCHEME:CREDENTIAL",
        global = true
    )]
    pub(crate) auth: Vec<Auth>,
    /// Accept a read-only server when no read/write one is reachable.
    #[arg(long, global = true)]
    pub(crate) read_only: bool,
}

/// A credential from `--auth`: the scheme, and everything after its colon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Auth {
    /// The scheme (`digest`).
    pub(crate) scheme: String,
    /// The credential (`user:password` for digest).
    pub(crate) credential: String,
}

/// Splits `scheme:credential` at its first colon.
fn parse_auth(text: &str) -> Result<Auth, String> {
    match text.split_once(':') {
        Some((scheme, credential)) if !scheme.is_empty() => Ok(Auth {
            scheme: scheme.to_owned(),
            credential: credential.to_owned(),
        }),
        _ => Err("expected SCHEME:CREDENTIAL, e.g. digest:user:password".to_owned()),
    }
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
    /// Wait for a change of a node (one-shot), or stream changes (--persistent, --recursive).
    Watch(watch::WatchArgs),
    /// Send a four-letter word (ruok, srvr, mntr, conf, ...) to the first server that answers.
    #[command(name = "4lw")]
    FourLetter(ensemble::FourLetterArgs),
    /// Each server of the connect string as one row: mode, zxid, latency, connections,
    /// znodes (exit code 3 if any is unreachable).
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

    #[test]
    fn auth_splits_at_the_first_colon() {
        assert_eq!(
            parse_auth("digest:user:pw"),
            Ok(Auth {
                scheme: "digest".into(),
                credential: "user:pw".into()
            })
        );
        assert!(parse_auth("digest").is_err());
        assert!(parse_auth(":x").is_err());
    }
}
