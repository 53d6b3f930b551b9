//! Transitions of the session: connection attempts, losing a connection, losing the session,
//! authentication failure and closing, and how each one settles outstanding requests and
//! watchers (`docs/protocol.md#disconnects`, `docs/protocol.md#session-expiry-and-loss`,
//! `docs/protocol.md#authentication-failure`, `docs/protocol.md#closing`).

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::requests::InFlightKind;
use super::{
    Action, AttemptFailure, ExpiryPolicy, FailedAttempt, Output, Phase, RequestId, Session,
    SessionId, SessionState, StateChange,
};
use crate::ErrorCode;
use crate::error::Error;
use crate::response::Response;
use crate::watch::{WatchEvent, WatchId};

impl Session {
    /// Starts the next connection attempt on the next host.
    pub(super) fn start_attempt(&mut self, now: Instant) {
        let conn = super::ConnId(self.next_conn);
        self.next_conn += 1;
        let host = self.hosts.next_host();
        self.current_host = Some(host.clone());
        let (connect_timeout, _, _) = self.timeouts();
        let deadline = now + connect_timeout;
        tracing::debug!(conn = conn.0, %host, "connecting");
        self.phase = Phase::Connecting { conn, deadline };
        self.decoder.reset();
        self.tx.clear();
        self.actions.push_back(Action::Connect {
            conn,
            host,
            deadline,
        });
    }

    /// Starts the next attempt after `delay` (at once when zero).
    fn schedule_attempt(&mut self, now: Instant, delay: Duration) {
        if delay.is_zero() {
            self.start_attempt(now);
        } else {
            tracing::debug!(?delay, "backing off before the next attempt");
            self.phase = Phase::Waiting { until: now + delay };
        }
    }

    pub(super) fn set_state(&mut self, state: SessionState) {
        if self.state == state {
            return;
        }
        tracing::debug!(?state, session_id = %SessionId::new(self.session_id), "session state");
        self.state = state;
        self.outputs.push_back(Output::State(StateChange {
            state,
            session_id: self.session_id(),
        }));
    }

    /// Drops the current transport without having established a session on it; counts as a
    /// failed attempt for the backoff, and `why` is kept for
    /// [`last_attempt_failure`](Session::last_attempt_failure).
    pub(super) fn attempt_failed(&mut self, now: Instant, tell_driver: bool, why: AttemptFailure) {
        tracing::debug!(reason = %why, "connection attempt failed");
        self.record_failure(why);
        self.drop_transport(tell_driver);
        if self.closing.is_some() && self.session_id == 0 {
            self.finish_close();
            return;
        }
        let delay = self.hosts.on_failure(&mut self.rng);
        self.schedule_attempt(now, delay);
    }

    /// Remembers why the current attempt failed, for
    /// [`last_failed_attempt`](Session::last_failed_attempt).
    pub(super) fn record_failure(&mut self, reason: AttemptFailure) {
        if let (Some(conn), Some(host)) = (self.phase.conn(), self.current_host.clone()) {
            self.last_failure = Some(FailedAttempt { conn, host, reason });
        }
    }

    /// Loses an established connection: requests in flight fail with ConnectionLoss (a write
    /// may or may not have been applied), the state becomes Suspended, and the next host is
    /// tried. The session, its watches and its credentials are kept.
    ///
    /// Only a connection that stayed up for its probation period (see `Session::probation`)
    /// resets the backoff and lets the next attempt start at once; one that ended sooner is a
    /// failed attempt. Otherwise a server that completes handshakes and drops the connection
    /// straight after (shutting down, overloaded, or a proxy in trouble) would be reconnected
    /// to thousands of times a second.
    pub(super) fn connection_lost(&mut self, now: Instant, tell_driver: bool) {
        let healthy =
            matches!(self.phase, Phase::Connected { healthy_at, .. } if now >= healthy_at);
        let close_sent = self.closing.is_some_and(|c| c.sent);
        self.drop_transport(tell_driver);
        if close_sent {
            // The server most likely processed the CloseSession before dropping us.
            self.finish_close();
            return;
        }
        if self.state.is_connected() {
            self.set_state(SessionState::Suspended);
        }
        let delay = if healthy {
            self.hosts.on_success();
            Duration::ZERO
        } else {
            self.hosts.on_failure(&mut self.rng)
        };
        self.schedule_attempt(now, delay);
    }

    /// Closes the transport (telling the driver if it did not report the closing itself) and
    /// fails whatever was in flight on it.
    fn drop_transport(&mut self, tell_driver: bool) {
        if let Some(conn) = self.phase.conn() {
            if tell_driver {
                self.actions.push_back(Action::Disconnect(conn));
            }
            tracing::debug!(conn = conn.0, "transport closed");
        }
        // Every caller decides the next phase; until then nothing is connected.
        self.phase = Phase::Done;
        self.decoder.reset();
        self.tx.clear();
        // The next connection re-registers only the watchers still here.
        self.deferred_removals.clear();
        self.auth.awaiting.clear();
        self.announce_after_auth = None;
        self.sasl_exchange = None;
        let in_flight = std::mem::take(&mut self.requests.in_flight);
        self.requests.user_in_flight = 0;
        for entry in in_flight {
            if let InFlightKind::User {
                id,
                deadline,
                abandoned: false,
                ..
            } = entry.kind
            {
                self.complete(id, deadline, Err(Error::ConnectionLoss), None);
            }
        }
    }

    /// The session is gone (the server said so, or nothing was heard for a whole session
    /// timeout). Everything tied to it ends with SessionExpired; unless the policy is
    /// terminal, a new session is opened. Credentials are kept and replayed.
    pub(super) fn lose_session(&mut self, now: Instant, tell_driver: bool) {
        if self.phase.conn().is_some() {
            self.drop_transport(tell_driver);
        }
        if self.end_session() {
            self.set_state(SessionState::Connecting);
            self.start_attempt(now);
        }
    }

    /// Reports the loss of the current session and ends everything tied to it. Returns
    /// whether the client goes on with a new session (the expiry policy), or has stopped:
    /// closed (a close was under way) or lost for good (the terminal policy; the transport,
    /// if any, is closed).
    pub(super) fn end_session(&mut self) -> bool {
        tracing::warn!(session_id = %SessionId::new(self.session_id), "session lost");
        self.set_state(SessionState::Lost);
        self.fail_queued(Error::SessionExpired);
        self.end_watchers(WatchEvent::SessionExpired);
        self.session_id = 0;
        self.passwd = Bytes::new();
        self.session_is_global = false;
        self.negotiated_timeout = None;
        self.last_heard = None;
        self.read_only = false;
        if self.closing.is_some() {
            self.finish_close();
            return false;
        }
        match self.expiry_policy {
            ExpiryPolicy::Terminal => {
                if self.phase.conn().is_some() {
                    self.drop_transport(true);
                }
                self.fail_auth_waiters(Error::SessionExpired);
                self.phase = Phase::Done;
                false
            }
            ExpiryPolicy::NewSession => true,
        }
    }

    /// The server rejected a credential (and closes the connection): the session stops for
    /// good, as in the Java client's AUTH_FAILED state.
    pub(super) fn auth_failed(&mut self) {
        tracing::warn!("authentication failed");
        self.drop_transport(true);
        self.phase = Phase::Done;
        self.closing = None;
        self.set_state(SessionState::AuthFailed);
        self.fail_queued(Error::Server(ErrorCode::AuthFailed));
        self.fail_auth_waiters(Error::Server(ErrorCode::AuthFailed));
        self.end_watchers(WatchEvent::AuthFailed);
    }

    /// Ends the session locally: the transport is closed and everything outstanding fails with
    /// Closed.
    pub(super) fn finish_close(&mut self) {
        if self.phase.conn().is_some() {
            self.drop_transport(true);
        }
        self.phase = Phase::Done;
        self.closing = None;
        self.set_state(SessionState::Closed);
        self.fail_queued(Error::Closed);
        self.fail_auth_waiters(Error::Closed);
        self.end_watchers(WatchEvent::Closed);
    }

    fn fail_queued(&mut self, error: Error) {
        let queued = std::mem::take(&mut self.requests.queued);
        for q in queued {
            self.complete(q.id, q.deadline, Err(error.clone()), None);
        }
    }

    fn fail_auth_waiters(&mut self, error: Error) {
        for (id, deadline) in self.auth.take_all_waiters() {
            self.complete(id, deadline, Err(error.clone()), None);
        }
    }

    fn end_watchers(&mut self, event: WatchEvent) {
        for watch in self.watches.drain() {
            self.outputs.push_back(Output::Watch {
                watch,
                event: event.clone(),
            });
        }
    }

    /// Completes a request: the single place an [`Output::Complete`] is produced for a request
    /// that went through the queue.
    pub(super) fn complete(
        &mut self,
        id: RequestId,
        deadline: Instant,
        result: Result<Response, Error>,
        watch: Option<WatchId>,
    ) {
        self.requests.deadlines.remove(deadline, id);
        self.outputs
            .push_back(Output::Complete { id, result, watch });
    }

    /// Fails every request whose deadline has passed, wherever it waits.
    pub(super) fn expire_requests(&mut self, now: Instant) {
        let expired = self.requests.take_expired(now);
        if expired.is_empty() {
            return;
        }
        let mut timed_out = Vec::new();
        self.requests.queued.retain(|q| {
            let hit = expired.contains(&q.id);
            if hit {
                timed_out.push(q.id);
            }
            !hit
        });
        for entry in &mut self.requests.in_flight {
            if let InFlightKind::User { id, abandoned, .. } = &mut entry.kind {
                if !*abandoned && expired.contains(id) {
                    // The reply is still due and will be consumed in order, then ignored.
                    *abandoned = true;
                    timed_out.push(*id);
                }
            }
        }
        for cred in self.auth.credentials.iter_mut().flatten() {
            cred.waiters.retain(|(id, _)| {
                let hit = expired.contains(id);
                if hit {
                    timed_out.push(*id);
                }
                !hit
            });
        }
        timed_out.sort();
        for id in timed_out {
            // The deadline entry is already gone; `complete` removing it again is a no-op.
            self.outputs.push_back(Output::Complete {
                id,
                result: Err(Error::Timeout),
                watch: None,
            });
        }
    }
}
