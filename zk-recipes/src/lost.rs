//! Knowing when a held lock (or lease or leadership) is gone, and proving which holder is
//! newest.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use zk_client::{Client, SessionId, StateStream};

use crate::support::session::session_alive;

/// Completes once the session that holds a lock, lease or leadership is gone: expired (also
/// when the client has since opened a new session), or the client was closed. A connection
/// that is merely suspended is not a loss: the node lives as long as its session does.
///
/// Made by [`LockGuard::lost`](crate::LockGuard::lost). It reads the same state as
/// [`LockGuard::is_lost`](crate::LockGuard::is_lost) (whether the holding session is still the
/// client's live one) and wakes at every session state change to read it again, so it never
/// misses a loss, however long ago it happened. It borrows nothing: move it into another task,
/// or race it against the work done under the lock.
#[must_use = "futures do nothing unless polled"]
pub struct Lost {
    client: Client,
    session: SessionId,
    /// Subscribed at the first poll, before the first look at the state.
    changes: Option<StateStream>,
}

impl Lost {
    pub(crate) fn new(client: &Client, session: SessionId) -> Lost {
        Lost {
            client: client.clone(),
            session,
            changes: None,
        }
    }
}

impl fmt::Debug for Lost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lost")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl Future for Lost {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let changes = this
            .changes
            .get_or_insert_with(|| this.client.state_changes());
        loop {
            if !session_alive(&this.client, this.session) {
                return Poll::Ready(());
            }
            match Pin::new(&mut *changes).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                // The driver has stopped: so has the session.
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Ready(Some(_)) => {}
            }
        }
    }
}

/// A fencing token: the creation zxid of the contender node. Every later holder of the same
/// lock (or leadership) has a strictly greater token, so a downstream system that remembers the
/// highest token it has seen can refuse writes from a holder that lost its lock without knowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FencingToken(i64);

impl FencingToken {
    pub(crate) fn new(zxid: i64) -> FencingToken {
        FencingToken(zxid)
    }

    /// The token as a number (the zxid), to hand to other systems. Only the library makes
    /// tokens (a forged one would defeat fencing), so there is no public `new`.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
