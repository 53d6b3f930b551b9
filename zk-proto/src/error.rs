//! The error type of every operation: the server's refusal as an [`ErrorCode`], the session
//! conditions every caller handles, and the client's own checks.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::io;
use std::sync::Arc;

use crate::ErrorCode;

/// Why a request failed.
///
/// Three kinds, told apart by variant:
/// - [`Server`](Error::Server): the server refused the request and said why, as an
///   [`ErrorCode`] (`NoNode`, `NodeExists`, `BadVersion`, ...). Nothing else was done.
/// - The session's conditions: [`ConnectionLoss`](Error::ConnectionLoss) and
///   [`Timeout`](Error::Timeout) (the outcome of a write is unknown), and
///   [`SessionExpired`](Error::SessionExpired) (the session and its ephemerals are gone).
/// - The client's own: a request that was never sent ([`InvalidPath`](Error::InvalidPath),
///   [`InvalidArgument`](Error::InvalidArgument), [`RequestTooLarge`](Error::RequestTooLarge),
///   [`Closed`](Error::Closed)), a session that could not be had
///   ([`ConnectFailed`](Error::ConnectFailed)), a reply that made no sense
///   ([`Protocol`](Error::Protocol)), and a failed four-letter word
///   ([`FourLetterWord`](Error::FourLetterWord)).
///
/// ```
/// use zk_proto::{Error, ErrorCode};
///
/// fn describe(result: Result<(), Error>) -> &'static str {
///     match result {
///         Ok(()) => "done",
///         Err(Error::Server(ErrorCode::NodeExists)) => "someone was first",
///         Err(err) if err.is_connection_error() => "unknown: look before retrying",
///         Err(Error::SessionExpired) => "start over with a new session",
///         Err(_) => "failed",
///     }
/// }
/// assert_eq!(describe(Err(Error::Server(ErrorCode::NodeExists))), "someone was first");
/// assert_eq!(describe(Err(Error::ConnectionLoss)), "unknown: look before retrying");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server refused the request with this code. The two codes that describe the
    /// session rather than the request arrive as [`SessionExpired`](Error::SessionExpired) and
    /// [`ConnectionLoss`](Error::ConnectionLoss) instead (see [`Error::from_code`]).
    #[error("{}", .0.message())]
    Server(ErrorCode),
    /// The connection was lost before the reply arrived. A write may or may not have been
    /// applied. The session may still be alive: the client reconnects on its own.
    #[error("connection lost before the reply arrived")]
    ConnectionLoss,
    /// The session expired or was closed: its ephemeral nodes and watches are gone and every
    /// later request fails the same way. ZooKeeper's code -112, whether the server said it
    /// (in a reply, or by refusing to re-attach the session) or the client found it.
    #[error("session expired")]
    SessionExpired,
    /// The client's own deadline for the call passed first: a request's timeout
    /// (`request_timeout`, `Client::with_timeout`), or the wait of `wait_connected`. For a
    /// request, a write may or may not have been applied, and its reply, if it comes, is
    /// consumed unseen.
    #[error("timed out")]
    Timeout,

    /// The path breaks ZooKeeper's path rules; nothing was sent.
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The offending path.
        path: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// The request would exceed the configured frame limit (ZooKeeper's `jute.maxbuffer`);
    /// nothing was sent.
    #[error("request of {size} bytes exceeds the {max}-byte limit")]
    RequestTooLarge {
        /// The encoded frame size.
        size: usize,
        /// The configured limit.
        max: usize,
    },
    /// An argument is invalid (an empty ACL, a TTL out of range, a connect string without
    /// hosts, ...); nothing was sent.
    #[error("invalid {argument}: {reason}")]
    InvalidArgument {
        /// Which argument (`"ttl"`, `"connect string"`, `"session_timeout"`, ...).
        argument: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The client was closed; nothing was sent.
    #[error("client closed")]
    Closed,
    /// No session was established before the connect timeout. `last_attempt` names the server
    /// of the last failed attempt and why it failed (refused, a TLS certificate not trusted,
    /// a handshake the server closed, never answered or answered with an unusable session,
    /// ...), or, if no attempt had failed yet, the server still being tried. When the attempt
    /// failed on I/O (a refused connection, a TLS handshake), that error is the
    /// [`source`](std::error::Error::source).
    #[error("no session within the connect timeout; last attempt: {last_attempt}")]
    ConnectFailed {
        /// The server of the last attempt and what went wrong with it.
        last_attempt: String,
        /// The I/O (or TLS) error of that attempt, when it was one.
        #[source]
        cause: Option<IoCause>,
    },
    /// A reply inconsistent with its request: a reply of another kind than the request's, or
    /// without a part the operation always returns (the `Stat` of a create2, the watch of an
    /// addWatch). A bug in the server or in this client, never a server code; it is logged
    /// where it is found. As after [`ConnectionLoss`](Error::ConnectionLoss), a write's
    /// outcome is unknown.
    #[error("protocol error: {reason}")]
    Protocol {
        /// What was inconsistent.
        reason: &'static str,
    },
    /// A four-letter word (`srvr`, `ruok`, ...) could not be exchanged on its own connection:
    /// the connection was refused or broke, or the server did not answer in time (the cause's
    /// [`kind`](IoCause::kind) is then `TimedOut`). The session is not affected. The I/O error
    /// is the [`source`](std::error::Error::source).
    #[error("four-letter word {word:?} failed")]
    FourLetterWord {
        /// The word that was sent.
        word: String,
        /// The I/O error.
        #[source]
        cause: IoCause,
    },
}

/// An I/O error kept as the cause of an [`Error`].
///
/// `Error` is `Clone`, `Eq` and `Hash` (errors are compared in tests and kept in sets), which
/// `std::io::Error` is not, so the error is shared behind an `Arc` rather than flattened into a
/// kind and a message: the original stays reachable ([`IoCause::get`], with its OS error
/// code), and `Display` and `source()` pass through to it. Two causes are equal when their
/// kinds and messages are.
#[derive(Debug, Clone)]
pub struct IoCause(Arc<io::Error>);

impl IoCause {
    /// Keeps `error`.
    pub fn new(error: io::Error) -> IoCause {
        IoCause(Arc::new(error))
    }

    /// The I/O error.
    pub fn get(&self) -> &io::Error {
        &self.0
    }

    /// Its kind (`TimedOut` when the server did not answer in time).
    pub fn kind(&self) -> io::ErrorKind {
        self.0.kind()
    }
}

impl From<io::Error> for IoCause {
    fn from(error: io::Error) -> IoCause {
        IoCause::new(error)
    }
}

impl fmt::Display for IoCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for IoCause {
    /// Transparent: the I/O error's own source, since `Display` already shows the I/O error.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for IoCause {
    fn eq(&self, other: &IoCause) -> bool {
        self.kind() == other.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for IoCause {}

impl Hash for IoCause {
    /// The kind only: equal causes have equal kinds, so this agrees with `==`.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind().hash(state);
    }
}

impl Error {
    /// The error for a reply header's code; `None` for 0 (OK). `SessionExpired` (-112) and
    /// `ConnectionLoss` (-4) become the variants of the same names, every other code
    /// [`Error::Server`].
    pub fn from_code(code: i32) -> Option<Error> {
        ErrorCode::from_i32(code).map(Error::from)
    }

    /// ZooKeeper's code for this error: the server's code, -112 for
    /// [`SessionExpired`](Error::SessionExpired), -4 for
    /// [`ConnectionLoss`](Error::ConnectionLoss); `None` for the client's own errors.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Server(code) => Some(*code),
            Error::SessionExpired => Some(ErrorCode::SessionExpired),
            Error::ConnectionLoss => Some(ErrorCode::ConnectionLoss),
            _ => None,
        }
    }

    /// Whether the outcome of the request is unknown because the connection or the deadline
    /// gave out first ([`ConnectionLoss`](Error::ConnectionLoss), [`Timeout`](Error::Timeout)):
    /// a write may or may not have been applied, and retrying is reasonable.
    pub fn is_connection_error(&self) -> bool {
        matches!(self, Error::ConnectionLoss | Error::Timeout)
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Error {
        match code {
            ErrorCode::SessionExpired => Error::SessionExpired,
            ErrorCode::ConnectionLoss => Error::ConnectionLoss,
            other => Error::Server(other),
        }
    }
}

impl PartialEq<ErrorCode> for Error {
    /// Whether this is the server's refusal with `code` (or, for -112 and -4, the session
    /// condition of that code): `err == ErrorCode::NoNode`.
    fn eq(&self, code: &ErrorCode) -> bool {
        self.code() == Some(*code)
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, ErrorCode};

    #[test]
    fn every_code_round_trips() {
        for code in -200..=0 {
            match Error::from_code(code) {
                None => assert_eq!(code, 0),
                Some(err) => assert_eq!(err.code().map(ErrorCode::as_i32), Some(code), "{err:?}"),
            }
        }
    }

    #[test]
    fn session_codes_are_session_conditions() {
        assert_eq!(Error::from_code(-112), Some(Error::SessionExpired));
        assert_eq!(Error::from_code(-4), Some(Error::ConnectionLoss));
        assert_eq!(
            Error::from_code(-101),
            Some(Error::Server(ErrorCode::NoNode))
        );
        assert_eq!(
            Error::from_code(-126),
            Some(Error::Server(ErrorCode::Unknown(-126)))
        );
        assert!(Error::Server(ErrorCode::NoNode) == ErrorCode::NoNode);
        assert!(Error::SessionExpired == ErrorCode::SessionExpired);
        assert!(Error::Timeout != ErrorCode::RequestTimeout);
        assert_eq!(
            Error::Server(ErrorCode::NoNode).to_string(),
            "node does not exist"
        );
    }

    #[test]
    fn a_four_letter_word_error_carries_its_io_cause() {
        use std::error::Error as _;
        let timeout = || std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer");
        let err = Error::FourLetterWord {
            word: "srvr".to_owned(),
            cause: timeout().into(),
        };
        let source = err.source().expect("the I/O error is the source");
        assert_eq!(source.to_string(), "no answer");
        let Error::FourLetterWord { cause, .. } = &err else {
            unreachable!()
        };
        assert_eq!(cause.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(cause.get().to_string(), "no answer");
        // Clone, Eq and Hash still hold: equal kinds and messages compare equal.
        let again = Error::FourLetterWord {
            word: "srvr".to_owned(),
            cause: timeout().into(),
        };
        assert_eq!(err.clone(), again);
        let refused = Error::FourLetterWord {
            word: "srvr".to_owned(),
            cause: std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into(),
        };
        assert_ne!(err, refused);
        let set: std::collections::HashSet<Error> = [err, again, refused].into_iter().collect();
        assert_eq!(set.len(), 2);
        assert_eq!(
            Error::Protocol { reason: "r" }.code(),
            None,
            "client-side errors have no wire code"
        );
    }

    #[test]
    fn a_failed_connect_carries_its_io_cause() {
        use std::error::Error as _;
        let err = Error::ConnectFailed {
            last_attempt: "127.0.0.1:1: connection refused".to_owned(),
            cause: Some(std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into()),
        };
        let source = err.source().expect("the I/O error is the source");
        assert_eq!(
            source
                .downcast_ref::<super::IoCause>()
                .map(super::IoCause::kind),
            Some(std::io::ErrorKind::ConnectionRefused)
        );
        let no_cause = Error::ConnectFailed {
            last_attempt: "127.0.0.1:2181: handshake timed out".to_owned(),
            cause: None,
        };
        assert!(no_cause.source().is_none());
    }
}
