//! What the session asks of its driver, and the ids that tie inputs and outputs together.

use std::fmt;
use std::time::Instant;

use crate::connect_string::HostPort;
use crate::error::Error;
use crate::response::Response;
use crate::watch::{WatchEvent, WatchId};

use super::ProbeId;

/// Identifies one transport attempt. Input for an attempt that is no longer current is ignored.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub(crate) u64);

impl ConnId {
    /// The raw value (for logs).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnId({})", self.0)
    }
}

/// Identifies one submitted request; its [`Output::Complete`] carries the same id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub(crate) u64);

impl RequestId {
    /// The raw value.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({})", self.0)
    }
}

/// A ZooKeeper session id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub i64);

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({:#x})", self.0)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// The state of the session, as applications see it (DESIGN.md "Session behaviour").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionState {
    /// No session yet (first connection, or a new session after a loss) and no server answers.
    Connecting,
    /// Connected to a read/write server with a live session.
    Connected,
    /// Connected to a read-only server: reads work, writes fail with NotReadOnly.
    ConnectedReadOnly,
    /// The transport was lost; the session may still live on the servers. Reconnecting.
    Suspended,
    /// The session is gone: the server said it expired, or no server was heard from for the
    /// whole session timeout. Ephemeral nodes, locks and watches must be assumed lost. Unless
    /// the expiry policy is terminal, the session moves on to `Connecting` a new session.
    Lost,
    /// Authentication failed; the session stopped for good.
    AuthFailed,
    /// The client was closed.
    Closed,
}

impl SessionState {
    /// Whether the session has stopped for good.
    pub fn is_terminal(self) -> bool {
        matches!(self, SessionState::AuthFailed | SessionState::Closed)
    }

    /// Whether a server is connected with a live session.
    pub fn is_connected(self) -> bool {
        matches!(
            self,
            SessionState::Connected | SessionState::ConnectedReadOnly
        )
    }
}

/// A change of [`SessionState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateChange {
    /// The new state.
    pub state: SessionState,
    /// The session the state refers to: the new session when connected; the session that was
    /// suspended or lost otherwise; `None` when there is none.
    pub session_id: Option<SessionId>,
}

/// Where a batch of bytes from [`Session::poll_transmit`](crate::Session::poll_transmit) must go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Transmit {
    /// The connection to write to.
    pub conn: ConnId,
    /// How many bytes were appended to the caller's buffer.
    pub len: usize,
}

/// Something the driver must do or deliver, in the order the session produced it.
///
/// The queue is single and ordered so that ZooKeeper's guarantees survive: replies complete in
/// request order, and a watch event is delivered before the reply to any later read that
/// observes the change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Open a transport to `host` (resolve it, try each address) before `deadline`, then call
    /// [`handle_connected`](crate::Session::handle_connected) or
    /// [`handle_connect_failed`](crate::Session::handle_connect_failed) with `conn`.
    Connect {
        /// The attempt.
        conn: ConnId,
        /// The server to connect to.
        host: HostPort,
        /// When the session gives up on this attempt (connect plus handshake).
        deadline: Instant,
    },
    /// Close the transport of `conn`. Do not report its closing back.
    Disconnect(ConnId),
    /// A request finished. Every submitted request gets exactly one.
    Complete {
        /// The request.
        id: RequestId,
        /// Its outcome.
        result: Result<Response, Error>,
        /// The watcher the request registered, if it asked for one and the server set it.
        /// Its events follow as [`Output::Watch`].
        watch: Option<WatchId>,
    },
    /// An event for one watcher.
    Watch {
        /// The watcher.
        watch: WatchId,
        /// The event.
        event: WatchEvent,
    },
    /// Connected to a read-only server: ask `host` whether it serves read/write. Open a
    /// connection of its own to it (with the same TLS settings as the session's), send the
    /// four-letter word `isro`, read the reply to its end, and call
    /// [`handle_probe_result`](crate::Session::handle_probe_result) with `probe` and whether
    /// the reply was `rw`, or with `false` if there is no answer by `deadline`
    /// (PROTOCOL.md §6.7).
    ProbeReadWrite {
        /// The question.
        probe: ProbeId,
        /// The server to ask.
        host: HostPort,
        /// When to give up and answer `false`.
        deadline: Instant,
    },
    /// The session state changed.
    State(StateChange),
}

/// The watcher a request registers (if it registers one) has the request's number.
impl From<RequestId> for WatchId {
    fn from(id: RequestId) -> WatchId {
        WatchId(id.0)
    }
}
