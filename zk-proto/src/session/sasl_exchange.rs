//! The SASL exchange after every handshake (opcode 102): the steps go out to the driver as
//! [`Action::Sasl`] and come back through [`Session::handle_sasl_answer`], so no mechanism
//! ever runs inside the session; tokens travel with ordinary xids; the whole exchange has a
//! deadline.
//!
//! While it runs nothing but its tokens and pings is sent, and every reply other than a ping
//! or a notification is a SASL token (the Java client's rule).

use std::time::Instant;

use super::{Action, AttemptFailure, Phase, Session};
use crate::jute::{DecodeError, Reader, Record};
use crate::records::{ReplyHeader, SetSaslResponse};
use crate::sasl::{SaslAnswer, SaslMechanism, SaslStep, SaslTask};

/// The exchange under way on the current connection.
pub(super) struct SaslExchange {
    /// When the exchange must be complete: one connect timeout after the handshake, so that a
    /// step that never returns (a KDC that does not answer) or a server that never answers
    /// fails the attempt instead of stalling the session behind its pings.
    deadline: Instant,
    stage: Stage,
}

enum Stage {
    /// A step is with the driver; its answer is due.
    Computing,
    /// Our token is out; the server's answer is due, for this mechanism.
    AwaitingServer(Box<dyn SaslMechanism>),
}

impl Session {
    /// Starts the SASL exchange on a fresh connection: its first step goes to the driver.
    pub(super) fn start_sasl(&mut self, now: Instant) {
        let (Some(conn), Some(config), Some(host)) = (
            self.phase.conn(),
            self.sasl.as_ref(),
            self.current_host.as_ref(),
        ) else {
            return;
        };
        let task = SaslTask::start(conn, config.factory(), host.clone(), self.rng.next_u64());
        let (connect_timeout, _, _) = self.timeouts();
        self.sasl_exchange = Some(SaslExchange {
            deadline: now + connect_timeout,
            stage: Stage::Computing,
        });
        self.actions.push_back(Action::Sasl(task));
    }

    /// A step the driver computed for an [`Action::Sasl`].
    ///
    /// The token it produced goes out (call [`poll_transmit`](Session::poll_transmit)); a
    /// finished exchange lets the credentials, the watch re-registration and the queued
    /// requests follow and announces the connection; a failed one ends the session in
    /// [`SessionState::AuthFailed`](crate::SessionState::AuthFailed). An answer for a
    /// connection that is no longer current, or that no step is awaited for, is ignored.
    pub fn handle_sasl_answer(&mut self, answer: SaslAnswer, now: Instant) {
        let current = matches!(self.phase, Phase::Connected { conn, .. } if conn == answer.conn());
        let awaited = self
            .sasl_exchange
            .as_ref()
            .is_some_and(|exchange| matches!(exchange.stage, Stage::Computing));
        if !current || !awaited {
            tracing::debug!(conn = answer.conn().0, "stale SASL answer ignored");
            return;
        }
        match answer.into_outcome() {
            Ok((mechanism, SaslStep::Continue(token))) => {
                if let Some(exchange) = self.sasl_exchange.as_mut() {
                    exchange.stage = Stage::AwaitingServer(mechanism);
                }
                self.queue_sasl_token(token, now);
            }
            Ok((_, SaslStep::Finish(token))) => {
                self.queue_sasl_token(token, now);
                self.sasl_done(now);
            }
            Ok((_, SaslStep::Complete)) => self.sasl_done(now),
            Err(err) => {
                tracing::warn!(%err, "SASL exchange failed");
                self.auth_failed();
            }
        }
    }

    /// A reply while the exchange runs: the server's next token, for the driver to answer.
    pub(super) fn on_sasl_reply(
        &mut self,
        header: &ReplyHeader,
        reader: &mut Reader,
    ) -> Result<(), DecodeError> {
        if header.err != 0 {
            tracing::warn!(err = header.err, "the server rejected the SASL exchange");
            self.auth_failed();
            return Ok(());
        }
        let token = SetSaslResponse::decode(reader)?.token;
        let Some(conn) = self.phase.conn() else {
            return Ok(());
        };
        let Some(exchange) = self.sasl_exchange.as_mut() else {
            return Ok(());
        };
        match std::mem::replace(&mut exchange.stage, Stage::Computing) {
            Stage::AwaitingServer(mechanism) => {
                self.actions
                    .push_back(Action::Sasl(SaslTask::step(conn, mechanism, token)));
                Ok(())
            }
            // Nothing of ours was awaiting an answer: the server is not following the
            // exchange, and the connection cannot be trusted.
            Stage::Computing => Err(DecodeError::Unexpected(
                "a SASL reply while no SASL token was outstanding",
            )),
        }
    }

    /// When the exchange under way must be complete.
    pub(super) fn sasl_deadline(&self) -> Option<Instant> {
        self.sasl_exchange
            .as_ref()
            .map(|exchange| exchange.deadline)
    }

    /// The exchange did not finish in time: the attempt failed, try the next server.
    pub(super) fn sasl_timed_out(&mut self, now: Instant) {
        let (after, _, _) = self.timeouts();
        tracing::warn!(?after, "SASL exchange did not finish in time");
        self.attempt_failed(now, true, AttemptFailure::SaslTimedOut { after });
    }

    /// SASL succeeded: now the credentials, the watches and the queued requests.
    fn sasl_done(&mut self, now: Instant) {
        tracing::debug!("SASL exchange complete");
        self.sasl_exchange = None;
        self.queue_post_handshake(now);
        if self.auth.awaiting.is_empty() {
            if let Some(state) = self.announce_after_auth.take() {
                self.set_state(state);
            }
        }
    }
}
