//! The commands, one module per family, and the dispatch: the ensemble commands ask servers
//! directly (so they work on servers that give no session), the others run in a session
//! opened for them and closed after.

pub(crate) mod acl;
pub(crate) mod admin;
pub(crate) mod bulk;
pub(crate) mod diff;
pub(crate) mod ensemble;
pub(crate) mod list;
pub(crate) mod read;
pub(crate) mod search;
pub(crate) mod tree;
pub(crate) mod txn;
pub(crate) mod usage;
pub(crate) mod watch;
pub(crate) mod write;

use zk_client_blocking::Client;

use crate::args::{Cli, Command};
use crate::commands::acl::AclCommand;
use crate::connect::ConnectionArgs;
use crate::connect::connect;
use crate::exit::{Failure, Status};
use crate::output::Out;

/// Runs the command of `cli`.
///
/// # Errors
///
/// The command's [`Failure`], or the connection's.
pub(crate) fn run(cli: Cli, out: &mut Out) -> Result<Status, Failure> {
    let connection = &cli.connection;
    let status = match &cli.command {
        Command::FourLetter(args) => ensemble::four_letter(connection, args, out),
        Command::Servers => ensemble::servers(connection, out),
        Command::Health => ensemble::health(connection, out),
        Command::Ls(args) => in_session(connection, |c| list::run(c, args, out)),
        Command::Tree(args) => in_session(connection, |c| tree::run(c, args, out)),
        Command::Get(args) => in_session(connection, |c| read::get(c, args, out)),
        Command::Stat(args) => in_session(connection, |c| read::stat(c, args, out)),
        Command::Exists(args) => in_session(connection, |c| read::exists(c, args, out)),
        Command::Find(args) => in_session(connection, |c| search::find(c, args, out)),
        Command::Grep(args) => in_session(connection, |c| search::grep(c, args, out)),
        Command::Ephemerals(args) => in_session(connection, |c| search::ephemerals(c, args, out)),
        Command::Du(args) => in_session(connection, |c| usage::du(c, args, out)),
        Command::Count(args) => in_session(connection, |c| usage::count(c, args, out)),
        Command::Acl(acl) => match &acl.command {
            AclCommand::Get(args) => in_session(connection, |c| acl::get(c, args, out)),
            AclCommand::Set(args) => in_session(connection, |c| acl::set(c, args, out)),
        },
        Command::Whoami => in_session(connection, |c| admin::whoami(c, out)),
        Command::Config => in_session(connection, |c| admin::config(c, out)),
        Command::Sync(args) => in_session(connection, |c| admin::sync(c, args, out)),
        Command::Create(args) => in_session(connection, |c| write::create(c, args, out)),
        Command::Set(args) => in_session(connection, |c| write::set(c, args, out)),
        Command::Rm(args) => in_session(connection, |c| write::rm(c, args, out)),
        Command::Txn(args) => in_session(connection, |c| txn::run(c, args, out)),
        Command::Dump(args) => in_session(connection, |c| bulk::dump(c, connection, args, out)),
        Command::Load(args) => in_session(connection, |c| bulk::load(c, args, out)),
        Command::Diff(args) => in_session(connection, |c| diff::run(c, connection, args, out)),
        Command::Watch(args) => in_session(connection, |c| watch::run(c, args, out)),
    }?;
    out.flush()?;
    Ok(status)
}

/// Connects, runs `command`, and closes the session.
fn in_session(
    connection: &ConnectionArgs,
    command: impl FnOnce(&Client) -> Result<Status, Failure>,
) -> Result<Status, Failure> {
    let client = connect(connection)?;
    let status = command(&client);
    // Closed even after a failure, so the server drops the session (and the ephemeral nodes
    // `create` made) now rather than after the session timeout.
    client.close();
    status
}
