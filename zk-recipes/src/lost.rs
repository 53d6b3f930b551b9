//! Knowing when a held lock, lease or leadership is gone, and proving which holder is newest.

use zk_client::{Client, SessionId, SessionState, StateStream};

/// Tells when what the holder owns is no longer safe to rely on: the session that created the
/// contender node was lost (or the client closed). A connection that is merely suspended is
/// not a loss: the node lives as long as the session does.
#[derive(Debug)]
pub struct LostSignal {
    client: Client,
    session: Option<SessionId>,
    changes: StateStream,
}

impl LostSignal {
    /// Watches the session `client` has now.
    pub fn new(client: &Client) -> LostSignal {
        // Subscribe first, then read the session: no change can slip in between.
        let changes = client.state_changes();
        LostSignal {
            session: client.session_id(),
            client: client.clone(),
            changes,
        }
    }

    /// The session the holder belongs to.
    pub fn session(&self) -> Option<SessionId> {
        self.session
    }

    /// Whether the holding session is gone, right now: the session was lost or closed, or the
    /// client is on (or opening) another session.
    pub fn is_lost(&self) -> bool {
        let state = self.client.state();
        self.session.is_none()
            || matches!(
                state,
                SessionState::Lost | SessionState::Closed | SessionState::AuthFailed
            )
            || self.client.session_id() != self.session
    }

    /// Completes when the holding session is gone. Each change is judged on what it says, not
    /// on the state read afterwards: with the default policy `Lost` is followed at once by
    /// `Connecting` a new session, and that must still count.
    pub async fn lost(&mut self) {
        if self.is_lost() {
            return;
        }
        while let Some(change) = self.changes.next().await {
            let gone = match change.state {
                SessionState::Lost | SessionState::Closed | SessionState::AuthFailed => true,
                SessionState::Connected | SessionState::ConnectedReadOnly => {
                    change.session_id != self.session
                }
                _ => false,
            };
            if gone || self.is_lost() {
                return;
            }
        }
    }
}

/// A fencing token: the creation zxid of the contender node. Every later holder of the same
/// lock (or leadership) has a strictly greater token, so a downstream system that remembers the
/// highest token it has seen can refuse writes from a holder that lost its lock without knowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FencingToken(pub i64);
