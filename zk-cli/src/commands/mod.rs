//! The commands, one module per family, and the dispatch: the ensemble commands ask servers
//! directly, the others run in a session opened for them and closed after.

pub(crate) mod ensemble;
pub(crate) mod list;
pub(crate) mod read;
pub(crate) mod tree;
pub(crate) mod watch;
pub(crate) mod write;

use zk_client_blocking::Client;

use crate::args::{Cli, Command};
use crate::connect::connect;
use crate::exit::{Failure, Status};
use crate::output::Out;

/// Runs the command of `cli`.
///
/// # Errors
///
/// The command's [`Failure`], or the connection's.
pub(crate) fn run(cli: Cli, out: &mut Out) -> Result<Status, Failure> {
    let status = match cli.command {
        Command::FourLetter(args) => ensemble::four_letter(&cli.connection, &args, out),
        Command::Servers => ensemble::servers(&cli.connection, out),
        command => {
            let client = connect(&cli.connection)?;
            let status = in_session(&client, &command, out);
            // Closed even after a failure, so the server drops the session (and the ephemeral
            // nodes `create` made) now rather than after the session timeout.
            client.close();
            status
        }
    }?;
    out.flush()?;
    Ok(status)
}

fn in_session(client: &Client, command: &Command, out: &mut Out) -> Result<Status, Failure> {
    match command {
        Command::Ls(args) => list::run(client, args, out),
        Command::Tree(args) => tree::run(client, args, out),
        Command::Get(args) => read::get(client, args, out),
        Command::Stat(args) => read::stat(client, args, out),
        Command::Exists(args) => read::exists(client, args, out),
        Command::Create(args) => write::create(client, args, out),
        Command::Set(args) => write::set(client, args, out),
        Command::Rm(args) => write::rm(client, args, out),
        Command::Watch(args) => watch::run(client, args, out),
        Command::FourLetter(_) | Command::Servers => unreachable!("run without a session"),
    }
}
