//! Following the session a recipe node belongs to.
//!
//! A session id is never reused, and the client forgets the id of a session at the moment it
//! learns of its loss (the state becomes `Lost` then, before any new session). So "is the node's
//! session still the client's live one" is one read of the client's state, correct at any time
//! after the fact: [`session_alive`]. Waiting for a change needs the state stream, read change
//! by change ([`SessionWatch`]).

use std::fmt;

use zk_client::{Client, Error, ErrorCode, SessionId, SessionState, StateStream, WatchEvent};

/// Whether `session` is the client's session and has not been lost or closed.
pub(crate) fn session_alive(client: &Client, session: SessionId) -> bool {
    client.session_id() == Some(session)
        && !matches!(
            client.state(),
            SessionState::Lost | SessionState::Closed | SessionState::AuthFailed
        )
}

/// Whether the client has stopped for good.
pub(crate) fn client_stopped(client: &Client) -> bool {
    matches!(
        client.state(),
        SessionState::Closed | SessionState::AuthFailed
    )
}

/// The error for a watch that ended because the client stopped for good; `None` for a node
/// event, a reconnect or lag marker, or a session loss (after which a new session follows).
pub(crate) fn stopped_by(event: &WatchEvent) -> Option<Error> {
    match event {
        WatchEvent::Node(_)
        | WatchEvent::Resumed { .. }
        | WatchEvent::Lagged { .. }
        | WatchEvent::SessionExpired => None,
        WatchEvent::AuthFailed => Some(Error::Server(ErrorCode::AuthFailed)),
        _ => Some(Error::Closed),
    }
}

/// What happened to the session a contender node belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionEvent {
    /// The connection dropped; the session (and the node) may well survive.
    Suspended,
    /// Connected again with the same session: watches were re-registered, re-check.
    Reconnected,
    /// The session is gone (expired, or replaced by a new one): so is its ephemeral node.
    Lost,
    /// The client was closed or failed authentication: nothing more can be done.
    Closed,
}

/// Follows the state changes of one session, in order, so a `Lost` that is immediately
/// followed by `Connecting` (the default expiry policy opens a new session) is reported.
pub(crate) struct SessionWatch {
    client: Client,
    changes: StateStream,
    session: SessionId,
}

impl fmt::Debug for SessionWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionWatch")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl SessionWatch {
    /// Watches `session`. Subscribe before checking that `session` is the client's current one
    /// (see [`SessionWatch::is_current`]), so no change slips in between.
    pub(crate) fn new(client: &Client, session: SessionId) -> SessionWatch {
        SessionWatch {
            changes: client.state_changes(),
            client: client.clone(),
            session,
        }
    }

    /// Whether the watched session is the client's live session right now.
    pub(crate) fn is_current(&self) -> bool {
        session_alive(&self.client, self.session)
    }

    /// The next event about the session. Cancel-safe: a change is taken from the stream only
    /// when it is returned.
    pub(crate) async fn next(&mut self) -> SessionEvent {
        loop {
            let Some(change) = self.changes.next().await else {
                return SessionEvent::Closed;
            };
            match change.state {
                SessionState::Connected | SessionState::ConnectedReadOnly => {
                    return if change.session_id == Some(self.session) {
                        SessionEvent::Reconnected
                    } else {
                        SessionEvent::Lost
                    };
                }
                SessionState::Suspended => return SessionEvent::Suspended,
                SessionState::Lost => return SessionEvent::Lost,
                SessionState::Closed | SessionState::AuthFailed => return SessionEvent::Closed,
                // Connecting follows Lost (already reported) or precedes the first session.
                _ => {}
            }
        }
    }
}
