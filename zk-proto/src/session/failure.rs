//! Why a connection attempt did not give the session a usable connection.
//!
//! The session records the reason of every failed attempt, so that a driver whose
//! application is still waiting for its first connection can say why none came
//! ([`Session::last_failed_attempt`](super::Session::last_failed_attempt)) instead of a bare
//! timeout.

use std::fmt;
use std::time::Duration;

use crate::connect_string::HostPort;
use crate::frame::FrameError;
use crate::jute::DecodeError;

use super::ConnId;

/// A connection attempt that failed: which one, to which server, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailedAttempt {
    /// The attempt (compare with the driver's own records to tell which came last).
    pub conn: ConnId,
    /// The server tried.
    pub host: HostPort,
    /// Why it failed.
    pub reason: AttemptFailure,
}

impl fmt::Display for FailedAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.host, self.reason)
    }
}

/// Why a connection attempt failed, as the session saw it.
///
/// Transport errors (a refused TCP connection, a TLS failure) are the driver's to describe: the
/// session only learns that the transport could not be opened ([`Transport`](Self::Transport)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// The driver reported that the transport could not be opened, or it closed before the
    /// handshake was answered.
    Transport,
    /// The transport was not opened before the attempt's deadline.
    ConnectTimedOut {
        /// The attempt's connect timeout.
        after: Duration,
    },
    /// The transport opened but no ConnectResponse arrived before the attempt's deadline.
    HandshakeTimedOut {
        /// The attempt's connect timeout.
        after: Duration,
    },
    /// The SASL exchange after the handshake did not finish within a connect timeout: a
    /// mechanism step the driver never answered (a KDC that does not respond) or a server
    /// that stopped answering the exchange.
    SaslTimedOut {
        /// The connect timeout the exchange had.
        after: Duration,
    },
    /// The bytes of the handshake could not be split into a frame (negative or oversized
    /// length prefix).
    InvalidFrame(FrameError),
    /// The ConnectResponse could not be decoded.
    MalformedHandshake(DecodeError),
    /// A server that will not serve this client answered with a bare error header (a
    /// read-only server refusing a client that did not allow read-only sessions).
    Refused {
        /// The error code the server sent.
        code: i32,
    },
    /// The session to re-attach to has expired (or the server refused it as unknown).
    SessionExpired,
    /// The server negotiated a session timeout of zero or less for a new session, which
    /// ZooKeeper uses only to say "expired".
    InvalidTimeout {
        /// The timeout the server sent, in milliseconds.
        timeout_ms: i32,
    },
    /// The server negotiated a session timeout below the client's floor: the client could not
    /// keep such a session alive, so it does not try.
    TimeoutTooShort {
        /// The timeout the server granted.
        negotiated: Duration,
        /// The configured floor.
        minimum: Duration,
    },
    /// The server granted session id 0, which ZooKeeper never hands out.
    ZeroSessionId,
    /// The server granted a read-only session although the client did not allow read-only
    /// servers.
    UnrequestedReadOnly,
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptFailure::Transport => f.write_str("the transport could not be opened"),
            AttemptFailure::ConnectTimedOut { after } => {
                write!(f, "no connection within the connect timeout of {after:?}")
            }
            AttemptFailure::HandshakeTimedOut { after } => write!(
                f,
                "the server did not answer the handshake within the connect timeout of {after:?}"
            ),
            AttemptFailure::SaslTimedOut { after } => write!(
                f,
                "the SASL exchange did not finish within the connect timeout of {after:?}"
            ),
            AttemptFailure::InvalidFrame(err) => write!(f, "invalid handshake frame: {err}"),
            AttemptFailure::MalformedHandshake(err) => {
                write!(f, "undecodable handshake response: {err}")
            }
            AttemptFailure::Refused { code } => {
                write!(f, "the server refused the session (error code {code})")
            }
            AttemptFailure::SessionExpired => f.write_str("the session has expired"),
            AttemptFailure::InvalidTimeout { timeout_ms } => write!(
                f,
                "the server negotiated an invalid session timeout of {timeout_ms} ms"
            ),
            AttemptFailure::TimeoutTooShort {
                negotiated,
                minimum,
            } => write!(
                f,
                "the server negotiated a session timeout of {negotiated:?}, below the \
                 client's minimum of {minimum:?}"
            ),
            AttemptFailure::ZeroSessionId => f.write_str("the server granted session id 0"),
            AttemptFailure::UnrequestedReadOnly => f.write_str(
                "the server granted a read-only session, which this client does not allow",
            ),
        }
    }
}

impl std::error::Error for AttemptFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AttemptFailure::InvalidFrame(err) => Some(err),
            AttemptFailure::MalformedHandshake(err) => Some(err),
            _ => None,
        }
    }
}
