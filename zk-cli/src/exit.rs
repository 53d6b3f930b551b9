//! Exit codes and the one-line error a failed command prints.
//!
//! Scripts branch on the exit code, so each outcome a caller can act on has its own: a missing
//! node is not a version conflict, and neither is a server that cannot be reached. The table
//! in `--help` ([`EXIT_CODES_HELP`]) and the README are written from [`Status`].

use std::fmt;
use std::io;
use std::process::ExitCode;

use zk_client_blocking::{Error, ErrorCode};
use zk_recipes::RecipeError;

/// What a command's outcome was, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// The command did what it was asked.
    Ok,
    /// Any failure without a code of its own (a local I/O error, an unexpected server code).
    Other,
    /// The command line is wrong (clap's own code for usage errors).
    Usage,
    /// No session: the servers are unreachable, the connection or session was lost, or a
    /// reply did not come in time.
    Connection,
    /// The credential was refused, or the ACL does not allow the operation.
    Auth,
    /// The path breaks ZooKeeper's path rules (relative, empty component, trailing `/`).
    BadPath,
    /// The node does not exist (also `exists` on a missing node).
    NoNode,
    /// `--version` does not match the node's version.
    BadVersion,
    /// The node already exists.
    NodeExists,
    /// The node has children (`rm` without `-r`).
    NotEmpty,
    /// `--timeout` passed before the wait was over (`barrier wait`, `lock`, `elect`).
    GaveUp,
    /// The command run by `lock` or `elect` ended with this code (128 + the signal if a
    /// signal ended it).
    Exited(u8),
}

/// The exit-code table shown at the end of `zk --help`; a unit test checks it against
/// [`Status`].
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  other error; also nothing found (grep), a difference (diff)
  2  usage error (bad arguments)
  3  server unreachable, connection or session lost, timed out
  4  authentication failed or not authorized (ACL)
  5  invalid path
  6  no such node (also `exists` on a missing node)
  7  version mismatch (--version)
  8  node already exists
  9  node has children (rm without -r)
 10  gave up waiting (--timeout of barrier wait, lock, elect)
Under lock and elect, zk exits with the command's own code.";

impl Status {
    /// The status for a client error: the server's codes a script acts on, and the session
    /// conditions, each to its own code.
    pub(crate) fn of(error: &Error) -> Status {
        match error {
            Error::Server(code) => match code {
                ErrorCode::NoNode => Status::NoNode,
                ErrorCode::BadVersion => Status::BadVersion,
                ErrorCode::NodeExists => Status::NodeExists,
                ErrorCode::NotEmpty => Status::NotEmpty,
                ErrorCode::NoAuth
                | ErrorCode::AuthFailed
                | ErrorCode::SessionClosedRequireSaslAuth => Status::Auth,
                _ => Status::Other,
            },
            Error::InvalidPath { .. } => Status::BadPath,
            Error::InvalidArgument { .. } => Status::Usage,
            Error::ConnectFailed { .. }
            | Error::ConnectionLoss
            | Error::SessionExpired
            | Error::Timeout
            | Error::Closed
            | Error::FourLetterWord { .. } => Status::Connection,
            _ => Status::Other,
        }
    }
}

impl Status {
    /// The exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Other => 1,
            Status::Usage => 2,
            Status::Connection => 3,
            Status::Auth => 4,
            Status::BadPath => 5,
            Status::NoNode => 6,
            Status::BadVersion => 7,
            Status::NodeExists => 8,
            Status::NotEmpty => 9,
            Status::GaveUp => 10,
            Status::Exited(code) => code,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// A failed command: its exit status and the message printed after `zk: `.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The exit status.
    pub(crate) status: Status,
    /// One line: what was being done and why it failed.
    pub(crate) message: String,
}

impl Failure {
    /// A failure with a status and a message.
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// A client error while doing `what` (`"get /a"`), with the error's causes on the same
    /// line.
    pub(crate) fn zk(what: impl fmt::Display, error: &Error) -> Failure {
        Failure::new(Status::of(error), format!("{what}: {}", chain(error)))
    }

    /// A recipe's error while doing `what`: the client's error as [`Failure::zk`], a timeout
    /// as [`Status::GaveUp`].
    pub(crate) fn recipe(what: impl fmt::Display, error: &RecipeError) -> Failure {
        match error {
            RecipeError::Zk(error) => Failure::zk(what, error),
            RecipeError::Timeout => Failure::new(Status::GaveUp, format!("{what}: timed out")),
            RecipeError::SessionLost => {
                Failure::new(Status::Connection, format!("{what}: {error}"))
            }
            other => Failure::new(Status::Other, format!("{what}: {other}")),
        }
    }

    /// A local I/O error while doing `what`.
    pub(crate) fn io(what: impl fmt::Display, error: &io::Error) -> Failure {
        Failure::new(Status::Other, format!("{what}: {error}"))
    }
}

impl From<io::Error> for Failure {
    /// Writing the output failed. A closed pipe (`zk ls -R / | head`) is no failure: the
    /// reader has what it wanted, so the command ends quietly with [`Status::Ok`] and an
    /// empty message, which is not printed.
    fn from(error: io::Error) -> Failure {
        if error.kind() == io::ErrorKind::BrokenPipe {
            return Failure::new(Status::Ok, "");
        }
        Failure::io("writing the output", &error)
    }
}

/// An error and its sources, joined by `: ` (the I/O cause of a failed connect says more than
/// the summary alone), skipping a source whose text the summary already contains.
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_table_lists_every_status_with_its_code() {
        let all = [
            Status::Ok,
            Status::Other,
            Status::Usage,
            Status::Connection,
            Status::Auth,
            Status::BadPath,
            Status::NoNode,
            Status::BadVersion,
            Status::NodeExists,
            Status::NotEmpty,
            Status::GaveUp,
        ];
        // After the title, one line per code; then a note on the commands' own codes.
        let lines: Vec<&str> = EXIT_CODES_HELP
            .lines()
            .skip(1)
            .take_while(|line| line.starts_with(' '))
            .collect();
        assert_eq!(lines.len(), all.len());
        for (status, line) in all.iter().zip(lines) {
            assert!(
                line.trim_start()
                    .starts_with(&format!("{}  ", status.code())),
                "{status:?} vs {line:?}"
            );
        }
    }

    #[test]
    fn server_codes_and_session_conditions_map_to_their_statuses() {
        assert_eq!(
            Status::of(&Error::Server(ErrorCode::NoNode)),
            Status::NoNode
        );
        assert_eq!(Status::of(&Error::Server(ErrorCode::NoAuth)), Status::Auth);
        assert_eq!(
            Status::of(&Error::Server(ErrorCode::AuthFailed)),
            Status::Auth
        );
        assert_eq!(Status::of(&Error::ConnectionLoss), Status::Connection);
        assert_eq!(Status::of(&Error::SessionExpired), Status::Connection);
        assert_eq!(
            Status::of(&Error::Server(ErrorCode::SystemError)),
            Status::Other
        );
    }

    #[test]
    fn the_message_carries_the_cause_once() {
        let error = Error::ConnectFailed {
            last_attempt: "127.0.0.1:1: connection refused".into(),
            cause: Some(
                io::Error::new(io::ErrorKind::ConnectionRefused, "connection refused").into(),
            ),
        };
        let failure = Failure::zk("connecting", &error);
        assert_eq!(failure.status, Status::Connection);
        assert_eq!(failure.message.matches("connection refused").count(), 1);
    }
}
