//! The error type: every ZooKeeper error code (`docs/protocol.md#error-codes`) plus client-side
//! failures.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::io;
use std::sync::Arc;

/// Why a request failed.
///
/// Server error codes map to named variants; a code this crate does not know becomes
/// [`Error::Unknown`], which is an ordinary request failure and never ends the session.
/// The remaining variants are client-side conditions, never a server's code: most are found
/// before anything is sent; [`Protocol`](Error::Protocol) and
/// [`FourLetterWord`](Error::FourLetterWord) after.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// -1: the generic system error.
    #[error("system error")]
    SystemError,
    /// -2: inside a failed multi, this operation was not executed because an earlier one failed.
    #[error("not executed: an earlier operation of the transaction failed")]
    RuntimeInconsistency,
    /// -3: the server found its data inconsistent.
    #[error("data inconsistency")]
    DataInconsistency,
    /// -4: the connection was lost before the reply arrived. A write may or may not have been
    /// applied.
    #[error("connection lost before the reply arrived")]
    ConnectionLoss,
    /// -5: the server could not deserialize the request (or failed while handling it).
    #[error("marshalling error")]
    MarshallingError,
    /// -6: the server does not implement the operation (older server, or a disabled feature
    /// such as TTL nodes or reconfig on a standalone server).
    #[error("operation not implemented by the server")]
    Unimplemented,
    /// -7: the operation timed out.
    #[error("operation timed out")]
    OperationTimeout,
    /// -8: invalid arguments (bad path on a write, bad create flags, bad TTL, ...).
    #[error("bad arguments")]
    BadArguments,
    /// -9: invalid client state (a C client code, never sent by a server).
    #[error("invalid state")]
    InvalidState,
    /// -12: unknown session (internal to the server).
    #[error("unknown session")]
    UnknownSession,
    /// -13: a reconfig could not reach a quorum of the new configuration.
    #[error("new configuration has no quorum")]
    NewConfigNoQuorum,
    /// -14: another reconfig is in progress.
    #[error("reconfig in progress")]
    ReconfigInProgress,
    /// -15: TLS connection error (a C client code, never sent by a server).
    #[error("TLS connection error")]
    SslConnectionError,
    /// -100: the generic API error.
    #[error("API error")]
    ApiError,
    /// -101: the node does not exist.
    #[error("node does not exist")]
    NoNode,
    /// -102: the ACL denies the operation.
    #[error("not authorized")]
    NoAuth,
    /// -103: the version did not match.
    #[error("version mismatch")]
    BadVersion,
    /// -108: ephemeral nodes cannot have children.
    #[error("ephemeral nodes cannot have children")]
    NoChildrenForEphemerals,
    /// -110: the node already exists.
    #[error("node already exists")]
    NodeExists,
    /// -111: the node has children.
    #[error("node has children")]
    NotEmpty,
    /// -112: the session expired (or was closed); ephemerals and watches are gone.
    #[error("session expired")]
    SessionExpired,
    /// -113: invalid callback (a client-side code).
    #[error("invalid callback")]
    InvalidCallback,
    /// -114: the ACL is empty or invalid.
    #[error("invalid ACL")]
    InvalidAcl,
    /// -115: authentication failed; the client can no longer be used.
    #[error("authentication failed")]
    AuthFailed,
    /// -116: the client is closing (a C client code, never sent by a server).
    #[error("closing")]
    Closing,
    /// -117: no server responses to process (a C client code, never sent by a server).
    #[error("nothing")]
    Nothing,
    /// -118: the session moved to another server.
    #[error("session moved")]
    SessionMoved,
    /// -119: a write was sent to a read-only server.
    #[error("server is read-only")]
    NotReadOnly,
    /// -120: an ephemeral node cannot be created on a local session.
    #[error("ephemeral node on a local session")]
    EphemeralOnLocalSession,
    /// -121: no such watch.
    #[error("no such watcher")]
    NoWatcher,
    /// -122: the request's deadline passed before its reply arrived. A write may or may not
    /// have been applied.
    #[error("request timed out")]
    RequestTimeout,
    /// -123: reconfig is disabled on the server.
    #[error("reconfig disabled")]
    ReconfigDisabled,
    /// -124: the server requires SASL or enforced authentication first.
    #[error("session closed: authentication required")]
    SessionClosedRequireSaslAuth,
    /// -125: a quota was exceeded.
    #[error("quota exceeded")]
    QuotaExceeded,
    /// -127: the server's request throttler dropped the request; retry with backoff.
    #[error("throttled by the server")]
    Throttled,
    /// A code this crate does not know. Never fatal to the session.
    #[error("unknown error code {0}")]
    Unknown(i32),

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
    /// An argument is invalid (an empty ACL, a TTL out of range, ...); nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// The client was closed; nothing was sent.
    #[error("client closed")]
    Closed,
    /// No session was established before the connect timeout. `last_attempt` names the server
    /// of the last failed attempt and why it failed (refused, a TLS certificate not trusted,
    /// a handshake the server closed, never answered or answered with an unusable session,
    /// ...), or, if no attempt had failed yet, the server still being tried.
    #[error("no session within the connect timeout; last attempt: {last_attempt}")]
    ConnectFailed {
        /// The server of the last attempt and what went wrong with it.
        last_attempt: String,
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
    /// Maps a wire error code to an error; `None` for 0 (OK).
    pub fn from_code(code: i32) -> Option<Error> {
        Some(match code {
            0 => return None,
            -1 => Error::SystemError,
            -2 => Error::RuntimeInconsistency,
            -3 => Error::DataInconsistency,
            -4 => Error::ConnectionLoss,
            -5 => Error::MarshallingError,
            -6 => Error::Unimplemented,
            -7 => Error::OperationTimeout,
            -8 => Error::BadArguments,
            -9 => Error::InvalidState,
            -12 => Error::UnknownSession,
            -13 => Error::NewConfigNoQuorum,
            -14 => Error::ReconfigInProgress,
            -15 => Error::SslConnectionError,
            -100 => Error::ApiError,
            -101 => Error::NoNode,
            -102 => Error::NoAuth,
            -103 => Error::BadVersion,
            -108 => Error::NoChildrenForEphemerals,
            -110 => Error::NodeExists,
            -111 => Error::NotEmpty,
            -112 => Error::SessionExpired,
            -113 => Error::InvalidCallback,
            -114 => Error::InvalidAcl,
            -115 => Error::AuthFailed,
            -116 => Error::Closing,
            -117 => Error::Nothing,
            -118 => Error::SessionMoved,
            -119 => Error::NotReadOnly,
            -120 => Error::EphemeralOnLocalSession,
            -121 => Error::NoWatcher,
            -122 => Error::RequestTimeout,
            -123 => Error::ReconfigDisabled,
            -124 => Error::SessionClosedRequireSaslAuth,
            -125 => Error::QuotaExceeded,
            -127 => Error::Throttled,
            other => Error::Unknown(other),
        })
    }

    /// The wire error code, or `None` for errors that exist only on the client
    /// ([`InvalidPath`](Error::InvalidPath), [`RequestTooLarge`](Error::RequestTooLarge),
    /// [`InvalidArgument`](Error::InvalidArgument), [`Closed`](Error::Closed),
    /// [`ConnectFailed`](Error::ConnectFailed), [`Protocol`](Error::Protocol),
    /// [`FourLetterWord`](Error::FourLetterWord)).
    pub fn code(&self) -> Option<i32> {
        Some(match self {
            Error::SystemError => -1,
            Error::RuntimeInconsistency => -2,
            Error::DataInconsistency => -3,
            Error::ConnectionLoss => -4,
            Error::MarshallingError => -5,
            Error::Unimplemented => -6,
            Error::OperationTimeout => -7,
            Error::BadArguments => -8,
            Error::InvalidState => -9,
            Error::UnknownSession => -12,
            Error::NewConfigNoQuorum => -13,
            Error::ReconfigInProgress => -14,
            Error::SslConnectionError => -15,
            Error::ApiError => -100,
            Error::NoNode => -101,
            Error::NoAuth => -102,
            Error::BadVersion => -103,
            Error::NoChildrenForEphemerals => -108,
            Error::NodeExists => -110,
            Error::NotEmpty => -111,
            Error::SessionExpired => -112,
            Error::InvalidCallback => -113,
            Error::InvalidAcl => -114,
            Error::AuthFailed => -115,
            Error::Closing => -116,
            Error::Nothing => -117,
            Error::SessionMoved => -118,
            Error::NotReadOnly => -119,
            Error::EphemeralOnLocalSession => -120,
            Error::NoWatcher => -121,
            Error::RequestTimeout => -122,
            Error::ReconfigDisabled => -123,
            Error::SessionClosedRequireSaslAuth => -124,
            Error::QuotaExceeded => -125,
            Error::Throttled => -127,
            Error::Unknown(code) => *code,
            Error::InvalidPath { .. }
            | Error::RequestTooLarge { .. }
            | Error::InvalidArgument(_)
            | Error::Closed
            | Error::ConnectFailed { .. }
            | Error::Protocol { .. }
            | Error::FourLetterWord { .. } => return None,
        })
    }

    /// Whether the outcome of the request is unknown because the connection or the deadline
    /// gave out first: a write may or may not have been applied, and retrying is reasonable.
    pub fn is_connection_error(&self) -> bool {
        matches!(
            self,
            Error::ConnectionLoss | Error::RequestTimeout | Error::OperationTimeout
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn every_code_round_trips() {
        for code in -200..=0 {
            match Error::from_code(code) {
                None => assert_eq!(code, 0),
                Some(err) => assert_eq!(err.code(), Some(code), "{err:?}"),
            }
        }
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
    fn unknown_codes_are_kept() {
        assert_eq!(Error::from_code(-126), Some(Error::Unknown(-126)));
        assert_eq!(Error::from_code(42), Some(Error::Unknown(42)));
    }
}
