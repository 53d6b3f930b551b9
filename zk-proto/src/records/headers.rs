//! Frame headers and small framing records (`docs/protocol.md#headers`).

use crate::jute::jute_record;

jute_record! {
    /// The header of every client frame after the ConnectRequest.
    pub struct RequestHeader {
        /// The request id the reply will echo (special values: -2 ping, -4 auth).
        pub xid: i32,
        /// The opcode.
        pub op: i32,
    }
}

jute_record! {
    /// The header of every server frame after the ConnectResponse.
    pub struct ReplyHeader {
        /// The echoed xid; -1 for notifications, -2 for ping replies.
        pub xid: i32,
        /// The server's last processed zxid when it sent the reply.
        pub zxid: i64,
        /// 0 on success, else an error code.
        pub err: i32,
    }
}

jute_record! {
    /// Precedes each operation and each result inside multi requests and replies.
    pub struct MultiHeader {
        /// The op type (an opcode), or -1 for the terminator and for error results.
        pub op: i32,
        /// True only on the terminator.
        pub done: bool,
        /// The error code of an error result; -1 in requests and on the terminator.
        pub err: i32,
    }
}

jute_record! {
    secret;
    /// The body of an auth request (opcode 100). Its `Debug` never shows the credential.
    pub struct AuthPacket {
        /// Always 0.
        pub auth_type: i32,
        /// The auth scheme, e.g. `digest`.
        pub scheme: String,
        /// The credential, e.g. `user:password` for `digest`.
        pub auth: bytes::Bytes,
    }
}

jute_record! {
    /// The body of a notification (xid -1).
    pub struct WatcherEvent {
        /// The event type (`EventType`).
        pub event_type: i32,
        /// The keeper state; servers always send 3 (SyncConnected).
        pub state: i32,
        /// The server path of the node concerned.
        pub path: String,
    }
}

jute_record! {
    /// A bare error code: the body of error results in multi, and of a successful addWatch.
    pub struct ErrorResponse {
        /// The error code.
        pub err: i32,
    }
}

impl std::fmt::Debug for AuthPacket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthPacket")
            .field("auth_type", &self.auth_type)
            .field("scheme", &self.scheme)
            .field("auth", &crate::jute::Redacted(&self.auth))
            .finish()
    }
}
