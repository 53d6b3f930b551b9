//! `zk`: a command-line ZooKeeper client for people and for scripts.
//!
//! ```text
//! $ zk -s 127.0.0.1:2181/app create -p /config/db 'host=db1'
//! /config/db
//! $ zk -s 127.0.0.1:2181/app tree
//! / (0 B, 1 child)
//! └── config (0 B, 1 child)
//!     └── db (8 B)
//! $ zk get /config/db --json
//! $ zk -s 127.0.0.1:2181/app        # the interactive shell: cd, pwd, Tab, history
//! zk /> cd config
//! zk /config> get db
//! host=db1
//! ```
//!
//! Every command prints text for people, or with `--json` one JSON document (JSON lines for
//! the stream of `watch`), and its exit code tells a script what happened (`zk --help` has the
//! table; [`exit::Status`] is where it is defined). Without a command, `zk` is a shell
//! ([`shell`]) running the same commands in one session.
//!
//! # Choices
//!
//! - The client is `zk-client-blocking`: a one-shot command has nothing to gain from an async
//!   runtime it would have to start, and the blocking adapter's single I/O thread still
//!   pipelines: a command that reads or writes many nodes (`ls -l`, `tree`, `dump`, `load`)
//!   keeps a window of requests going out through the async client underneath ahead of the
//!   reply it waits for ([`pipeline`]), so it costs about one round trip per window, not one
//!   per node.
//! - clap (derive) for the command line: the help, the errors for a wrong command line (exit
//!   code 2), `ZK_CONNECT` for `--server`, and options accepted before or after the command.
//! - serde_json's `json!` values for `--json`, no derived types: each command's document is
//!   written where its text output is, so the two cannot drift apart, and serde's derive
//!   macros stay out of the build.
//! - base64 for `get --format base64` and for binary data in JSON, and `time` for the Stat's
//!   timestamps in RFC 3339: both already in the workspace's tree.
//! - The four-letter words of `4lw` and `servers` go over a plain `std::net::TcpStream`
//!   ([`four_letter`]), without a session, because those are the questions asked of a server
//!   that gives none.
//! - rustyline for the shell's line editing: history, Tab completion through a helper that
//!   asks the server for children, and a plain line reader when stdin is not a terminal,
//!   with no features beyond its file history. Its Windows-only clipboard crates are under
//!   the Boost licence, which `deny.toml` allows for them.
//! - indicatif for the progress of long reads and writes ([`progress`]): drawn on stderr,
//!   only on a terminal and only past a few thousand nodes.
//! - zk-recipes for `lock`, `elect`, `counter`, `queue` and `barrier`, so their nodes are
//!   kazoo's and Curator's; nix's safe `kill` to stop a command whose lock was lost.
//! - zk-server for `--embedded`: the workspace's own in-memory server, on a free loopback
//!   port for as long as the command (or shell) runs.
//!
//! # Layout
//!
//! [`args`] (the command line), [`connect`] (its options, the session, TLS, `--embedded`),
//! [`shell`] (the line loop, word splitting, completion), [`paths`] (the current node and
//! relative paths), [`pipeline`] (requests in flight, a window at a time), [`progress`],
//! [`remove`] (subtrees deleted a level at a time), [`commands`] (one module per family:
//! `list`, `tree`, `recipes`, `hold`, `read`, `write`, `txn`, `watch`, `search`, `usage`,
//! `acl`, `bulk`, `copy`, `mirror`, `diff`, `admin`, `ensemble`), [`snapshot`] (a subtree with
//! data and ACLs: read, written, and the dump format), [`output`] (text, JSON and tables on
//! stdout), [`data`] and [`stat`] (how data and Stats are shown), [`walk`] (subtrees, a level
//! at a time), [`input`] (data from an argument, a file or stdin), [`exit`] (exit codes and the
//! one-line error).

mod args;
mod commands;
mod connect;
mod data;
mod duration;
mod exit;
mod four_letter;
mod input;
mod output;
mod paths;
mod pipeline;
mod progress;
mod remove;
mod shell;
mod snapshot;
mod stat;
mod walk;

use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;
use crate::output::Out;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Out::new(cli.json);
    match commands::run(cli, &mut out) {
        Ok(status) => status.into(),
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("zk: {}", failure.message);
            }
            failure.status.into()
        }
    }
}
