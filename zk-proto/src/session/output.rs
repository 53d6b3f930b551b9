//! What the session delivers to the application, and the ids that tie inputs and outputs
//! together.

use std::fmt;

use crate::error::Error;
use crate::response::Response;
use crate::watch::{WatchEvent, WatchId};

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
///
/// An id, so its field is private: [`SessionId::new`] and [`SessionId::get`] convert from and
/// to the number the server uses (the `ephemeral_owner` of a node's `Stat`, for one).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(i64);

impl SessionId {
    /// The id the server knows as `id` (such as a node's `ephemeral_owner`).
    pub const fn new(id: i64) -> SessionId {
        SessionId(id)
    }

    /// The id as the server writes it.
    pub const fn get(self) -> i64 {
        self.0
    }
}

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

/// The state of the session, as applications see it (`docs/protocol.md#client-states`).
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

impl fmt::Display for SessionState {
    /// In words: `connecting`, `connected`, `connected (read-only)`, `suspended`, `lost`,
    /// `auth failed`, `closed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionState::Connecting => "connecting",
            SessionState::Connected => "connected",
            SessionState::ConnectedReadOnly => "connected (read-only)",
            SessionState::Suspended => "suspended",
            SessionState::Lost => "lost",
            SessionState::AuthFailed => "auth failed",
            SessionState::Closed => "closed",
        })
    }
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
///
/// A record the session produces and applications read: its fields are public and it is
/// `#[non_exhaustive]`, so a field may be added; [`StateChange::new`] builds one for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StateChange {
    /// The new state.
    pub state: SessionState,
    /// The session the state refers to: the new session when connected; the session that was
    /// suspended or lost otherwise; `None` when there is none.
    pub session_id: Option<SessionId>,
}

impl StateChange {
    /// A change to `state` of the session `session_id`.
    pub const fn new(state: SessionState, session_id: Option<SessionId>) -> StateChange {
        StateChange { state, session_id }
    }
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

/// Something to deliver to the application, in the order the session produced it, from
/// [`Session::poll_output`](crate::Session::poll_output).
///
/// The queue is single and ordered so that ZooKeeper's guarantees survive: replies complete in
/// request order, a watch event is delivered before the reply to any later read that observes
/// the change, and a state change keeps its place among them (the requests a lost connection
/// fails complete before the `Suspended` that follows). What the driver itself must do
/// (open and close transports, compute SASL steps) is an [`Action`](crate::Action), from its
/// own queue: actions never need to be ordered against these events.
///
/// Not `#[non_exhaustive]`: a driver must deliver every kind of event, so a new one is a
/// breaking change that the compiler shows every driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
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
    /// The session state changed.
    State(StateChange),
}

/// The watcher a request registers (if it registers one) has the request's number.
impl From<RequestId> for WatchId {
    fn from(id: RequestId) -> WatchId {
        WatchId(id.0)
    }
}
