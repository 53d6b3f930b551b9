//! ZooKeeper's error codes, the vocabulary of a reply header's `err` field
//! (`docs/protocol.md#error-codes`).

use std::fmt;

/// Declares [`ErrorCode`] once from a table of `variant = code, "message"`, so that the enum,
/// the two conversions and the messages cannot disagree.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $message:literal;)*) => {
        /// An error code as ZooKeeper puts it in a reply header (never 0, which is success).
        ///
        /// Every code a ZooKeeper server or client library defines has a variant, including
        /// the few that only the C client uses, so that any code read off the wire converts
        /// back to the same number; a code this crate does not know is kept as
        /// [`Unknown`](ErrorCode::Unknown). Marked `#[non_exhaustive]`: ZooKeeper adds codes
        /// (`Throttled` came in 3.7), and a code that is `Unknown` today may get a variant.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code this crate does not know. An ordinary request failure: it never ends
            /// the session.
            Unknown(i32),
        }

        impl ErrorCode {
            /// The code for `code` as read off the wire; `None` for 0 (success).
            pub fn from_i32(code: i32) -> Option<ErrorCode> {
                match code {
                    0 => None,
                    $($code => Some(ErrorCode::$variant),)*
                    other => Some(ErrorCode::Unknown(other)),
                }
            }

            /// The number written on the wire.
            pub fn as_i32(self) -> i32 {
                match self {
                    $(ErrorCode::$variant => $code,)*
                    ErrorCode::Unknown(code) => code,
                }
            }

            /// What the code means, in a few words.
            pub fn message(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $message,)*
                    ErrorCode::Unknown(_) => "unknown error code",
                }
            }
        }
    };
}

error_codes! {
    /// -1: the generic system error.
    SystemError = -1, "system error";
    /// -2: inside a failed multi, this operation was not executed because an earlier one
    /// failed.
    RuntimeInconsistency = -2, "not executed: an earlier operation of the transaction failed";
    /// -3: the server found its data inconsistent.
    DataInconsistency = -3, "data inconsistency";
    /// -4: the connection was lost. Clients report this themselves (as
    /// `Error::ConnectionLoss` here); a server does not send it.
    ConnectionLoss = -4, "connection lost";
    /// -5: the server could not deserialize the request (or failed while handling it).
    MarshallingError = -5, "marshalling error";
    /// -6: the server does not implement the operation (an older server, or a disabled
    /// feature such as TTL nodes or reconfig on a standalone server).
    Unimplemented = -6, "operation not implemented by the server";
    /// -7: an operation timed out (the Java client's code; a server does not send it).
    OperationTimeout = -7, "operation timed out";
    /// -8: invalid arguments (a bad path on a write, bad create flags, a bad TTL, ...).
    BadArguments = -8, "bad arguments";
    /// -9: invalid client state (a C client code, never sent by a server).
    InvalidState = -9, "invalid state";
    /// -12: unknown session (internal to the server).
    UnknownSession = -12, "unknown session";
    /// -13: a reconfig could not reach a quorum of the new configuration.
    NewConfigNoQuorum = -13, "new configuration has no quorum";
    /// -14: another reconfig is in progress.
    ReconfigInProgress = -14, "reconfig in progress";
    /// -15: TLS connection error (a C client code, never sent by a server).
    SslConnectionError = -15, "TLS connection error";
    /// -100: the generic API error.
    ApiError = -100, "API error";
    /// -101: the node does not exist.
    NoNode = -101, "node does not exist";
    /// -102: the ACL denies the operation.
    NoAuth = -102, "not authorized";
    /// -103: the version did not match.
    BadVersion = -103, "version mismatch";
    /// -108: ephemeral nodes cannot have children.
    NoChildrenForEphemerals = -108, "ephemeral nodes cannot have children";
    /// -110: the node already exists.
    NodeExists = -110, "node already exists";
    /// -111: the node has children.
    NotEmpty = -111, "node has children";
    /// -112: the session expired (or was closed); its ephemerals and watches are gone.
    SessionExpired = -112, "session expired";
    /// -113: invalid callback (a C client code).
    InvalidCallback = -113, "invalid callback";
    /// -114: the ACL is empty or invalid.
    InvalidAcl = -114, "invalid ACL";
    /// -115: authentication failed; the session can no longer be used.
    AuthFailed = -115, "authentication failed";
    /// -116: the client is closing (a C client code, never sent by a server).
    Closing = -116, "closing";
    /// -117: no server responses to process (a C client code, never sent by a server).
    Nothing = -117, "nothing";
    /// -118: the session moved to another server.
    SessionMoved = -118, "session moved";
    /// -119: a write was sent to a read-only server.
    NotReadOnly = -119, "server is read-only";
    /// -120: an ephemeral node cannot be created on a local session.
    EphemeralOnLocalSession = -120, "ephemeral node on a local session";
    /// -121: no such watch.
    NoWatcher = -121, "no such watcher";
    /// -122: a request's deadline passed before its reply (the Java client's code; a
    /// server does not send it).
    RequestTimeout = -122, "request timed out";
    /// -123: reconfig is disabled on the server.
    ReconfigDisabled = -123, "reconfig disabled";
    /// -124: the server requires SASL or enforced authentication first.
    SessionClosedRequireSaslAuth = -124, "session closed: authentication required";
    /// -125: a quota was exceeded.
    QuotaExceeded = -125, "quota exceeded";
    /// -127: the server's request throttler dropped the request; retry with backoff.
    Throttled = -127, "throttled by the server";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Unknown(code) => write!(f, "unknown error code {code}"),
            known => write!(f, "{} ({})", known.message(), known.as_i32()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn every_code_round_trips() {
        for code in -200..=0 {
            match ErrorCode::from_i32(code) {
                None => assert_eq!(code, 0),
                Some(known) => assert_eq!(known.as_i32(), code, "{known:?}"),
            }
        }
    }

    #[test]
    fn unknown_codes_are_kept() {
        assert_eq!(ErrorCode::from_i32(-126), Some(ErrorCode::Unknown(-126)));
        assert_eq!(ErrorCode::from_i32(42), Some(ErrorCode::Unknown(42)));
        assert_eq!(ErrorCode::from_i32(-101), Some(ErrorCode::NoNode));
        assert_eq!(ErrorCode::NoNode.to_string(), "node does not exist (-101)");
    }
}
