//! `--embedded`: an in-process server (zk-server) for the command to talk to.

use zk_server::EmbeddedServer;

use super::ConnectionArgs;
use crate::exit::{Failure, Status};

/// Runs `command` with the connection options as given, or, with `--embedded`, against a
/// server started for it on a free loopback port and stopped after it (its chroot, if
/// `--server` has one, kept).
///
/// # Errors
///
/// The server's failure to start, or the command's.
pub(crate) fn with_embedded<T>(
    connection: &ConnectionArgs,
    command: impl FnOnce(&ConnectionArgs) -> Result<T, Failure>,
) -> Result<T, Failure> {
    if !connection.embedded {
        return command(connection);
    }
    let server = EmbeddedServer::start()
        .map_err(|e| Failure::new(Status::Other, format!("starting the embedded server: {e}")))?;
    let chroot = connection
        .server
        .find('/')
        .map_or("", |i| &connection.server[i..]);
    let local = ConnectionArgs {
        server: format!("{}{chroot}", server.connect_string()),
        ..connection.clone()
    };
    let result = command(&local);
    // The command has closed its session by now; the server goes with `server`.
    drop(server);
    result
}
