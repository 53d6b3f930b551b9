//! Authentication credentials: sent after every handshake (auth info belongs to the
//! connection, not the session: `docs/protocol.md#auth-packets`), and the requests waiting
//! for their replies.
//!
//! Auth replies are answered outside the request pipeline and can overtake earlier replies, so
//! they are matched by xid -4 against their own FIFO, never against the request FIFO
//! (`docs/protocol.md#matching-replies`).

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

use crate::session::output::RequestId;

pub(crate) struct Credential {
    pub(crate) scheme: String,
    pub(crate) auth: Bytes,
    /// `add_auth` requests that complete when this credential's next reply arrives.
    pub(crate) waiters: Vec<(RequestId, Instant)>,
}

#[derive(Debug, Default)]
pub(crate) struct AuthState {
    /// Every credential ever added, in order; `None` once the server rejected one without
    /// failing the whole connection (it is then no longer replayed).
    pub(crate) credentials: Vec<Option<Credential>>,
    /// Indexes into `credentials` of auth packets sent on this connection and not yet answered.
    pub(crate) awaiting: VecDeque<usize>,
}

impl AuthState {
    /// The slot for (scheme, auth), added if new.
    pub(crate) fn slot(&mut self, scheme: &str, auth: &Bytes) -> usize {
        let existing = self.credentials.iter().position(|c| {
            c.as_ref()
                .is_some_and(|c| c.scheme == scheme && c.auth == *auth)
        });
        existing.unwrap_or_else(|| {
            self.credentials.push(Some(Credential {
                scheme: scheme.to_owned(),
                auth: auth.clone(),
                waiters: Vec::new(),
            }));
            self.credentials.len() - 1
        })
    }

    /// Removes and returns every waiter, for a terminal failure.
    pub(crate) fn take_all_waiters(&mut self) -> Vec<(RequestId, Instant)> {
        self.credentials
            .iter_mut()
            .flatten()
            .flat_map(|c| std::mem::take(&mut c.waiters))
            .collect()
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("scheme", &self.scheme)
            .field("auth", &crate::jute::Redacted(&self.auth))
            .field("waiters", &self.waiters.len())
            .finish()
    }
}
