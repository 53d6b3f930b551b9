//! Producing bytes: the session's own frames (handshake, auth, SetWatches, ping, close) and the
//! application's requests, in the order they must reach the server.

use std::time::Instant;

use bytes::Bytes;

use super::requests::{InFlight, InFlightKind};
use super::{Phase, Session, Transmit};
use crate::frame::write_frame;
use crate::jute::Record;
use crate::opcode::OpCode;
use crate::records::{AuthPacket, ConnectRequest};
use crate::watch::{WatchEvent, set_watches_batches};
use crate::wire::{Body, write_request};

/// The xid of auth packets; the server echoes it (`docs/protocol.md#special-xids`).
pub(crate) const AUTH_XID: i32 = -4;
/// The xid of pings; the server always answers with it.
pub(crate) const PING_XID: i32 = -2;
/// The xid of notifications.
pub(crate) const NOTIFICATION_XID: i32 = -1;

/// Roughly how many bytes of requests one `poll_transmit` call hands out, so that a long
/// queue is written in pieces rather than one huge buffer.
const TRANSMIT_BUDGET: usize = 64 * 1024;

impl Session {
    /// Appends bytes to send to `buf` and says which connection they are for; `None` when
    /// there is nothing to send.
    ///
    /// Call it after every input and command until it returns `None`, and write everything it
    /// produced, in order, before calling it again. It hands out the handshake, then auth
    /// packets and watch re-registration, then queued requests (up to the in-flight limit),
    /// then CloseSession when closing. Sending resets the ping timer, which moves
    /// [`poll_timeout`](Session::poll_timeout).
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        let conn = match self.phase {
            Phase::Handshaking { conn, .. } | Phase::Connected { conn, .. } => conn,
            _ => return None,
        };
        let start = buf.len();
        buf.extend_from_slice(&self.tx);
        self.tx.clear();
        if matches!(self.phase, Phase::Connected { .. }) && self.sasl_exchange.is_none() {
            self.write_queued(buf, start);
            self.write_close_if_due(buf);
        }
        let len = buf.len() - start;
        if len == 0 {
            return None;
        }
        if let Phase::Connected { last_send, .. } = &mut self.phase {
            *last_send = now;
        }
        Some(Transmit { conn, len })
    }

    fn write_queued(&mut self, buf: &mut Vec<u8>, start: usize) {
        while self.requests.user_in_flight < self.max_in_flight
            && buf.len() - start < TRANSMIT_BUDGET
        {
            let Some(queued) = self.requests.queued.pop_front() else {
                break;
            };
            let xid = self.take_xid();
            let prepared = queued.prepared;
            write_request(buf, xid, prepared.op, &prepared.body);
            tracing::trace!(xid, op = ?prepared.op, id = queued.id.0, "request sent");
            self.requests.in_flight.push_back(InFlight {
                xid,
                op: prepared.op,
                kind: InFlightKind::User {
                    id: queued.id,
                    deadline: queued.deadline,
                    reply: prepared.reply,
                    watch: prepared.watch,
                    client_path: prepared.client_path,
                    abandoned: false,
                },
            });
            self.requests.user_in_flight += 1;
        }
    }

    /// CloseSession goes out once everything queued before the close has been sent.
    fn write_close_if_due(&mut self, buf: &mut Vec<u8>) {
        let Some(closing) = &mut self.closing else {
            return;
        };
        if closing.sent || !self.requests.queued.is_empty() {
            return;
        }
        closing.sent = true;
        let xid = self.take_xid();
        write_request(buf, xid, OpCode::CloseSession, &Body::Empty);
        tracing::debug!(xid, "closeSession sent");
        self.requests.in_flight.push_back(InFlight {
            xid,
            op: OpCode::CloseSession,
            kind: InFlightKind::CloseSession,
        });
    }

    /// The ConnectRequest for a new transport (`docs/protocol.md#handshake`): always the requested
    /// timeout, the last zxid seen, the session to re-attach if it can move, and the read-only
    /// byte.
    pub(super) fn queue_connect_request(&mut self) {
        let reattach = self.session_is_global && self.session_id != 0;
        let request = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: self.last_zxid,
            timeout_ms: i32::try_from(self.requested_timeout.as_millis()).unwrap_or(i32::MAX),
            session_id: if reattach { self.session_id } else { 0 },
            passwd: if reattach {
                self.passwd.clone()
            } else {
                Bytes::from_static(&[0; 16])
            },
            read_only: Some(self.read_only_allowed),
        };
        write_frame(&mut self.tx, |b| request.encode(b));
    }

    /// After the ConnectResponse: every credential, then the watch re-registration
    /// (`docs/protocol.md#handshake`).
    pub(super) fn queue_post_handshake(&mut self, now: Instant) {
        for slot in 0..self.auth.credentials.len() {
            if self.auth.credentials[slot].is_some() {
                self.queue_auth_packet(slot, now);
            }
        }
        if self.watches.is_empty() {
            return;
        }
        for (op, body) in set_watches_batches(&self.watches, &self.chroot, self.last_zxid) {
            let xid = self.take_xid();
            write_request(&mut self.tx, xid, op, &body);
            self.requests.in_flight.push_back(InFlight {
                xid,
                op,
                kind: InFlightKind::SetWatches,
            });
        }
        // Persistent watches get no catch-up events from the server: tell their owners that
        // changes during the gap may be missing (docs/protocol.md#setwatches-and-setwatches2).
        for watch in self.watches.persistent_ids() {
            self.outputs.push_back(super::Output::Watch {
                watch,
                event: WatchEvent::Resumed {
                    since_zxid: self.last_zxid,
                },
            });
        }
    }

    pub(super) fn queue_auth_packet(&mut self, slot: usize, now: Instant) {
        let Some(cred) = &self.auth.credentials[slot] else {
            return;
        };
        let body = Body::Auth(AuthPacket {
            auth_type: 0,
            scheme: cred.scheme.clone(),
            auth: cred.auth.clone(),
        });
        write_request(&mut self.tx, AUTH_XID, OpCode::Auth, &body);
        self.auth.awaiting.push_back(slot);
        self.touch_send(now);
    }

    /// A SASL token (opcode 102) with an ordinary xid; its reply is recognized by the exchange
    /// being under way, not through the request FIFO (`docs/protocol.md#sasl`).
    pub(super) fn queue_sasl_token(&mut self, token: Vec<u8>, now: Instant) {
        let xid = self.take_xid();
        let body = Body::Sasl(crate::records::GetSaslRequest {
            token: Bytes::from(token),
        });
        write_request(&mut self.tx, xid, OpCode::Sasl, &body);
        self.touch_send(now);
    }

    pub(super) fn queue_ping(&mut self, now: Instant) {
        write_request(&mut self.tx, PING_XID, OpCode::Ping, &Body::Empty);
        self.touch_send(now);
    }

    fn touch_send(&mut self, now: Instant) {
        if let Phase::Connected { last_send, .. } = &mut self.phase {
            *last_send = now;
        }
    }
}
