//! The commands, one module per family, and the dispatch: the ensemble commands ask servers
//! directly (so they work on servers that give no session), the others run in a session
//! opened for them and closed after.

pub(crate) mod acl;
pub(crate) mod admin;
pub(crate) mod bulk;
pub(crate) mod copy;
pub(crate) mod diff;
pub(crate) mod ensemble;
#[cfg(unix)]
pub(crate) mod hold;
pub(crate) mod list;
pub(crate) mod mirror;
pub(crate) mod read;
pub(crate) mod recipes;
pub(crate) mod search;
pub(crate) mod tree;
pub(crate) mod txn;
pub(crate) mod usage;
pub(crate) mod watch;
pub(crate) mod write;

use zk_client_blocking::Client;

use crate::args::{Cli, Command};
use crate::commands::acl::AclCommand;
use crate::connect::{ConnectionArgs, connect, with_embedded};
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::shell;

/// Runs the command of `cli`; without one, the interactive shell.
///
/// # Errors
///
/// The command's [`Failure`], or the connection's.
pub(crate) fn run(cli: Cli, out: &mut Out) -> Result<Status, Failure> {
    let status = with_embedded(&cli.connection, |connection| {
        run_command(cli.command.as_ref(), connection, out)
    })?;
    out.flush()?;
    Ok(status)
}

/// Runs `command` (the shell without one) with the connection options.
fn run_command(
    command: Option<&Command>,
    connection: &ConnectionArgs,
    out: &mut Out,
) -> Result<Status, Failure> {
    match command {
        None => shell::run(connection, out),
        Some(command) => match without_session(command, connection, out) {
            Some(status) => status,
            None => {
                let client = connect(connection)?;
                let status = in_session(&client, connection, command, out);
                // Closed even after a failure, so the server drops the session (and the
                // ephemeral nodes `create` made) now rather than after the session timeout.
                client.close();
                status
            }
        },
    }
}

/// The commands that ask the servers directly, without a session (so that they work on
/// servers that give none); `None` for the others.
fn without_session(
    command: &Command,
    connection: &ConnectionArgs,
    out: &mut Out,
) -> Option<Result<Status, Failure>> {
    let status = match command {
        Command::FourLetter(args) => ensemble::four_letter(connection, args, out),
        Command::Servers => ensemble::servers(connection, out),
        Command::Health => ensemble::health(connection, out),
        _ => return None,
    };
    Some(status)
}

/// Runs `command` in `client`'s session: one-shot, or a line of the shell.
///
/// # Errors
///
/// The command's [`Failure`].
pub(crate) fn in_session(
    client: &Client,
    connection: &ConnectionArgs,
    command: &Command,
    out: &mut Out,
) -> Result<Status, Failure> {
    match command {
        Command::FourLetter(args) => ensemble::four_letter(connection, args, out),
        Command::Servers => ensemble::servers(connection, out),
        Command::Health => ensemble::health(connection, out),
        Command::Ls(args) => list::run(client, args, out),
        Command::Tree(args) => tree::run(client, args, out),
        Command::Get(args) => read::get(client, args, out),
        Command::Stat(args) => read::stat(client, args, out),
        Command::Exists(args) => read::exists(client, args, out),
        Command::Find(args) => search::find(client, args, out),
        Command::Grep(args) => search::grep(client, args, out),
        Command::Ephemerals(args) => search::ephemerals(client, args, out),
        Command::Du(args) => usage::du(client, args, out),
        Command::Count(args) => usage::count(client, args, out),
        Command::Acl(acl) => match &acl.command {
            AclCommand::Get(args) => acl::get(client, args, out),
            AclCommand::Set(args) => acl::set(client, args, out),
        },
        Command::Whoami => admin::whoami(client, out),
        Command::Config => admin::config(client, out),
        Command::Sync(args) => admin::sync(client, args, out),
        Command::Create(args) => write::create(client, args, out),
        Command::Set(args) => write::set(client, args, out),
        Command::Rm(args) => write::rm(client, args, out),
        Command::Txn(args) => txn::run(client, args, out),
        Command::Dump(args) => bulk::dump(client, connection, args, out),
        Command::Load(args) => bulk::load(client, args, out),
        Command::Diff(args) => diff::run(client, connection, args, out),
        Command::Cp(args) => copy::run(client, connection, args, out),
        Command::Mirror(args) => mirror::run(client, connection, args, out),
        Command::Watch(args) => watch::run(client, args, out),
        #[cfg(unix)]
        Command::Lock(args) => hold::lock(client, args),
        #[cfg(unix)]
        Command::Elect(args) => hold::elect(client, args),
        Command::Counter { command } => recipes::counter(client, command, out),
        Command::Queue { command } => recipes::queue(client, command, out),
        Command::Barrier { command } => recipes::barrier(client, command, out),
    }
}
