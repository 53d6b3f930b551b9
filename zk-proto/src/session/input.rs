//! Inputs: transport events, received bytes and the passage of time.

use std::time::Instant;

use bytes::Bytes;

use super::reply::decode_reply;
use super::requests::InFlightKind;
use super::transmit::{AUTH_XID, NOTIFICATION_XID, PING_XID};
use super::{AttemptFailure, ConnId, Output, Phase, Session, SessionState};
use crate::ErrorCode;
use crate::error::Error;
use crate::jute::{DecodeError, Reader, Record};
use crate::records::{ConnectResponse, ReplyHeader, WatcherEvent};
use crate::response::Response;
use crate::session::prepare::{CONFIG_NODE, WatchAction};
use crate::watch::{EventType, NodeEvent, WatchEvent, WatchId, WatchKind};

impl Session {
    /// The transport for `conn` is open (TCP connected, TLS done if any).
    ///
    /// Queues the ConnectRequest for [`poll_transmit`](Session::poll_transmit). Input for an
    /// attempt that is no longer current is ignored. Does not change
    /// [`poll_timeout`](Session::poll_timeout): the attempt's deadline covers the handshake.
    pub fn handle_connected(&mut self, conn: ConnId, _now: Instant) {
        if let Phase::Connecting { conn: c, deadline } = self.phase {
            if c == conn {
                self.phase = Phase::Handshaking { conn, deadline };
                self.decoder.reset();
                self.tx.clear();
                self.queue_connect_request();
            }
        }
    }

    /// The transport for `conn` could not be opened (every address refused or timed out).
    ///
    /// The next host is tried, at once within a pass over the hosts, or after a backoff once a
    /// whole pass failed: expect an [`Action::Connect`](crate::Action::Connect) now or a later
    /// [`poll_timeout`](Session::poll_timeout).
    pub fn handle_connect_failed(&mut self, conn: ConnId, now: Instant) {
        if matches!(self.phase, Phase::Connecting { conn: c, .. } if c == conn) {
            self.attempt_failed(now, false, AttemptFailure::Transport);
        }
    }

    /// The transport for `conn` was closed by the peer or failed.
    ///
    /// Requests in flight complete with [`Error::ConnectionLoss`], a connected session becomes
    /// [`SessionState::Suspended`], and the next host is tried (an
    /// [`Action::Connect`](crate::Action::Connect)).
    pub fn handle_disconnected(&mut self, conn: ConnId, now: Instant) {
        match self.phase {
            Phase::Connected { conn: c, .. } if c == conn => self.connection_lost(now, false),
            Phase::Connecting { conn: c, .. } | Phase::Handshaking { conn: c, .. } if c == conn => {
                self.attempt_failed(now, false, AttemptFailure::Transport)
            }
            _ => {}
        }
    }

    /// Bytes received on `conn`, in any chunking.
    ///
    /// Produces completions, watch events and state changes. Malformed input (a frame over the
    /// limit, a truncated record, a reply out of order) never panics: the session asks for an
    /// [`Action::Disconnect`](crate::Action::Disconnect) and reconnects elsewhere, keeping the
    /// session. Receiving resets the read timeout, which moves
    /// [`poll_timeout`](Session::poll_timeout).
    pub fn handle_data(&mut self, conn: ConnId, data: &[u8], now: Instant) {
        if self.phase.conn() != Some(conn) || matches!(self.phase, Phase::Connecting { .. }) {
            return;
        }
        self.decoder.push(data);
        loop {
            // A frame may end the connection (or the session); stop reading then.
            if self.phase.conn() != Some(conn) {
                return;
            }
            let frame = match self.decoder.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(err) => {
                    tracing::warn!(%err, "invalid frame; dropping the connection");
                    self.protocol_error(now, AttemptFailure::InvalidFrame(err));
                    return;
                }
            };
            self.last_heard = Some(now);
            let result = match self.phase {
                Phase::Handshaking { .. } => self.on_handshake_frame(frame, now),
                Phase::Connected { .. } => {
                    if let Phase::Connected { last_recv, .. } = &mut self.phase {
                        *last_recv = now;
                    }
                    self.on_frame(frame)
                }
                _ => return,
            };
            if let Err(err) = result {
                tracing::warn!(%err, "malformed reply; dropping the connection");
                self.protocol_error(now, AttemptFailure::MalformedHandshake(err));
                return;
            }
        }
    }

    /// Time has passed: call it at (or after) [`poll_timeout`](Session::poll_timeout).
    ///
    /// May time out requests, a connect attempt, a SASL exchange or a silent connection, send a
    /// ping, start the next connect attempt after a backoff, declare the session lost after a
    /// whole session timeout without contact, or give up waiting for a close.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire_requests(now);
        // A request that expired while queued will never register anything.
        self.retry_deferred_removals();
        if let Some(closing) = self.closing {
            if now >= closing.deadline {
                tracing::debug!("close timed out; closing locally");
                self.finish_close();
                return;
            }
        }
        if self.loss_deadline().is_some_and(|at| now >= at) {
            self.lose_session(now, true);
            return;
        }
        if self.sasl_deadline().is_some_and(|at| now >= at) {
            self.sasl_timed_out(now);
            return;
        }
        let (connect_timeout, read_timeout, ping_interval) = self.timeouts();
        match self.phase {
            Phase::Waiting { until } if now >= until => self.start_attempt(now),
            Phase::Connecting { deadline, .. } if now >= deadline => {
                let why = AttemptFailure::ConnectTimedOut {
                    after: connect_timeout,
                };
                self.attempt_failed(now, true, why);
            }
            Phase::Handshaking { deadline, .. } if now >= deadline => {
                let why = AttemptFailure::HandshakeTimedOut {
                    after: connect_timeout,
                };
                self.attempt_failed(now, true, why);
            }
            Phase::Connected {
                last_recv,
                last_send,
                ..
            } => {
                if now >= last_recv + read_timeout {
                    tracing::debug!("nothing heard for the read timeout; reconnecting");
                    self.connection_lost(now, true);
                } else {
                    if now >= last_send + ping_interval {
                        self.queue_ping(now);
                    }
                    self.poll_rw_probe(now);
                }
            }
            _ => {}
        }
    }

    /// Drops a connection whose peer sent what cannot be read; `why` describes it if the
    /// handshake was still under way.
    fn protocol_error(&mut self, now: Instant, why: AttemptFailure) {
        match self.phase {
            Phase::Connected { .. } => self.connection_lost(now, true),
            Phase::Handshaking { .. } | Phase::Connecting { .. } => {
                self.attempt_failed(now, true, why)
            }
            _ => {}
        }
    }

    /// The first frame on a connection: the ConnectResponse, checked before it is believed
    /// (`docs/protocol.md#handshake`).
    fn on_handshake_frame(&mut self, frame: Bytes, now: Instant) -> Result<(), DecodeError> {
        if frame.len() == 16 {
            // A read-only server without local sessions answers a new session with a bare
            // ReplyHeader {0, zxid, -119} instead of a ConnectResponse: try elsewhere
            // (docs/protocol.md#read-only-mode).
            let header = ReplyHeader::from_bytes(frame)?;
            let why = AttemptFailure::Refused { code: header.err };
            self.attempt_failed(now, true, why);
            return Ok(());
        }
        let response = ConnectResponse::from_bytes(frame)?;
        let resuming = self.session_id != 0 && self.session_is_global;
        if response.is_expired() {
            // A timeout of zero or less is how ZooKeeper says "expired" (the Java client's
            // `ClientCnxn.onConnected` reads it so too).
            if resuming {
                self.record_failure(AttemptFailure::SessionExpired);
                self.lose_session(now, true);
            } else {
                let why = AttemptFailure::InvalidTimeout {
                    timeout_ms: response.timeout_ms,
                };
                self.attempt_failed(now, true, why);
            }
            return Ok(());
        }
        if let Some(why) = self.unusable(&response) {
            self.attempt_failed(now, true, why);
            return Ok(());
        }
        let Phase::Handshaking { conn, .. } = self.phase else {
            return Ok(());
        };
        if resuming && response.session_id != self.session_id {
            // The servers no longer know the session asked for and made a new one: the old
            // session, its ephemeral nodes and its watches are gone, exactly as after an
            // expiry, so the application must hear Lost (ZooKeeper does this when the session
            // id is unknown to the ensemble, e.g. after its data was wiped).
            tracing::warn!(
                old = %super::SessionId::new(self.session_id),
                new = %super::SessionId::new(response.session_id),
                "server granted a different session; the old one is lost"
            );
            if !self.end_session() {
                return Ok(());
            }
        }
        self.session_id = response.session_id;
        self.passwd = response.passwd;
        self.negotiated_timeout =
            Some(std::time::Duration::from_millis(response.timeout_ms as u64));
        self.read_only = response.read_only == Some(true);
        if !self.read_only {
            self.session_is_global = true;
        }
        self.phase = Phase::Connected {
            conn,
            last_recv: now,
            last_send: now,
            healthy_at: now + self.probation(),
        };
        self.reset_rw_probe(now);
        let connected = if self.read_only {
            SessionState::ConnectedReadOnly
        } else {
            SessionState::Connected
        };
        if self.sasl.is_some() {
            // SASL first; credentials, watches and requests wait until it succeeds
            // (docs/protocol.md#sasl).
            self.announce_after_auth = Some(connected);
            self.start_sasl(now);
            return Ok(());
        }
        if self.auth.credentials.iter().any(Option::is_some) {
            // Announce the connection once its credentials are accepted: a rejected one ends
            // the session instead (AuthFailed), and "connected" then means "authenticated".
            self.announce_after_auth = Some(connected);
        } else {
            self.set_state(connected);
        }
        self.queue_post_handshake(now);
        Ok(())
    }

    /// Why a ConnectResponse that grants a session cannot be used, if it cannot: a timeout
    /// the client could not keep alive, a session id ZooKeeper never grants, or a read-only
    /// session the client did not ask for.
    fn unusable(&self, response: &ConnectResponse) -> Option<AttemptFailure> {
        let negotiated = std::time::Duration::from_millis(response.timeout_ms.max(0) as u64);
        if negotiated < self.min_session_timeout {
            return Some(AttemptFailure::TimeoutTooShort {
                negotiated,
                minimum: self.min_session_timeout,
            });
        }
        if response.session_id == 0 {
            return Some(AttemptFailure::ZeroSessionId);
        }
        if response.read_only == Some(true) && !self.read_only_allowed {
            return Some(AttemptFailure::UnrequestedReadOnly);
        }
        None
    }

    /// Any frame after the handshake (`docs/protocol.md#matching-replies`).
    fn on_frame(&mut self, frame: Bytes) -> Result<(), DecodeError> {
        let mut reader = Reader::new(frame);
        let header = ReplyHeader::decode(&mut reader)?;
        if self.sasl_exchange.is_some() && header.xid != PING_XID && header.xid != NOTIFICATION_XID
        {
            // While SASL runs, every other reply is a SASL token (the Java client's rule).
            return self.on_sasl_reply(&header, &mut reader);
        }
        match header.xid {
            PING_XID => Ok(()),
            AUTH_XID => {
                self.on_auth_reply(header.err);
                Ok(())
            }
            NOTIFICATION_XID => self.on_notification(&header, &mut reader),
            _ => self.on_reply(&header, &mut reader),
        }
    }

    fn on_auth_reply(&mut self, err: i32) {
        let Some(slot) = self.auth.awaiting.pop_front() else {
            tracing::warn!("auth reply without an auth request; ignored");
            return;
        };
        let outcome = Error::from_code(err);
        if outcome == Some(Error::Server(ErrorCode::AuthFailed)) {
            self.auth_failed();
            return;
        }
        let waiters = match self.auth.credentials[slot].as_mut() {
            Some(cred) => std::mem::take(&mut cred.waiters),
            None => Vec::new(),
        };
        if outcome.is_some() {
            // Rejected without failing the connection: do not replay it.
            self.auth.credentials[slot] = None;
        }
        for (id, deadline) in waiters {
            let result = match &outcome {
                None => Ok(Response::Done),
                Some(err) => Err(err.clone()),
            };
            self.complete(id, deadline, result, None);
        }
        if self.auth.awaiting.is_empty() {
            if let Some(state) = self.announce_after_auth.take() {
                self.set_state(state);
            }
        }
    }

    fn on_notification(
        &mut self,
        header: &ReplyHeader,
        reader: &mut Reader,
    ) -> Result<(), DecodeError> {
        let event = WatcherEvent::decode(reader)?;
        let Some(event_type) = EventType::from_code(event.event_type) else {
            tracing::warn!(event_type = event.event_type, "unknown event type; ignored");
            return Ok(());
        };
        if !self.chroot.contains(&event.path) && event.path != CONFIG_NODE {
            // Outside the chroot only the config node can be watched (getConfig is never
            // chrooted). Any other outside path would be taken for the client path of the same
            // name and fire its watches: a server bug or a hostile peer, so it is dropped.
            tracing::warn!(path = %event.path, "watch event outside the chroot; ignored");
            return Ok(());
        }
        let path = self.chroot.to_client_owned(event.path);
        let zxid = (header.zxid != -1).then_some(header.zxid);
        for watch in self.watches.route(event_type, &path) {
            self.outputs.push_back(Output::Watch {
                watch,
                event: WatchEvent::Node(NodeEvent {
                    event_type,
                    path: path.clone(),
                    zxid,
                }),
            });
        }
        Ok(())
    }

    fn on_reply(&mut self, header: &ReplyHeader, reader: &mut Reader) -> Result<(), DecodeError> {
        let Some(entry) = self.requests.in_flight.pop_front() else {
            return Err(DecodeError::Unexpected("reply with nothing in flight"));
        };
        if entry.xid != header.xid {
            // "Xid out of order": the stream cannot be trusted any more. Put the entry back so
            // that it fails with ConnectionLoss with the others.
            self.requests.in_flight.push_front(entry);
            return Err(DecodeError::Unexpected("reply xid out of order"));
        }
        if header.zxid > 0 {
            self.last_zxid = self.last_zxid.max(header.zxid);
        }
        if header.err == ErrorCode::Unimplemented.as_i32() && header.zxid == -1 {
            // The server does not know this opcode and is about to close the connection
            // (docs/protocol.md#capability-gating): never send it again on this client.
            tracing::warn!(op = ?entry.op, "server does not implement this operation");
            if !self.caps.unsupported.contains(&entry.op) {
                self.caps.unsupported.push(entry.op);
            }
        }
        match entry.kind {
            InFlightKind::SetWatches => {
                if header.err != 0 {
                    tracing::warn!(err = header.err, "watch re-registration failed");
                }
                Ok(())
            }
            InFlightKind::WatchRemoval => {
                tracing::debug!(err = header.err, "watch removal answered");
                Ok(())
            }
            InFlightKind::CloseSession => {
                self.finish_close();
                Ok(())
            }
            InFlightKind::User {
                id,
                deadline,
                reply,
                watch,
                client_path,
                abandoned,
            } => {
                self.requests.user_in_flight -= 1;
                let result = match decode_reply(
                    reply,
                    header.err,
                    reader,
                    &self.chroot,
                    client_path.as_deref(),
                ) {
                    Ok(result) => result,
                    Err(err) => {
                        if !abandoned {
                            // The outcome is unknown, exactly as for a lost connection.
                            self.complete(id, deadline, Err(Error::ConnectionLoss), None);
                        }
                        return Err(err);
                    }
                };
                // Applied even when the caller gave up: the server did what was asked.
                let watch_id = self.apply_watch_action(id, watch, &result);
                if abandoned {
                    if let Some(watch) = watch_id {
                        self.drop_unwanted_watch(watch);
                    }
                } else {
                    tracing::trace!(xid = header.xid, err = header.err, id = id.0, "reply");
                    self.complete(id, deadline, result, watch_id);
                }
                self.retry_deferred_removals();
                Ok(())
            }
        }
    }

    /// Registers or removes local watchers as the reply dictates, before any later frame is
    /// handled, so that a registration always precedes its notification
    /// (`docs/protocol.md#watch-routing`).
    fn apply_watch_action(
        &mut self,
        id: super::RequestId,
        action: WatchAction,
        result: &Result<Response, Error>,
    ) -> Option<WatchId> {
        let watch = WatchId(id.0);
        match action {
            WatchAction::None => None,
            WatchAction::Register(kind, path) => result.is_ok().then(|| {
                self.watches.add(watch, kind, &path);
                watch
            }),
            WatchAction::RegisterExists(path) => {
                let kind = match result {
                    Ok(Response::Exists(Some(_))) => WatchKind::Data,
                    Ok(Response::Exists(None)) => WatchKind::Exist,
                    _ => return None,
                };
                self.watches.add(watch, kind, &path);
                Some(watch)
            }
            WatchAction::RemoveMatching(path, watcher_type) => {
                if result.is_ok() {
                    for removed in self.watches.remove_matching(&path, watcher_type) {
                        self.outputs.push_back(Output::Watch {
                            watch: removed,
                            event: WatchEvent::Removed,
                        });
                    }
                }
                None
            }
        }
    }
}
