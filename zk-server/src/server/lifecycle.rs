//! Sessions from the connection's side: the handshake (new session or re-attach),
//! closeSession, expiry, and addAuth, which belongs to the connection.

use std::time::Instant;

use bytes::Bytes;
use zk_proto::frame::write_frame;
use zk_proto::jute::Record;
use zk_proto::records::{AuthPacket, ConnectRequest, ConnectResponse};
use zk_proto::{ErrorCode, Id};

use super::Server;
use super::body::Body;
use super::dispatch::Origin;
use crate::acl::{digest_of, super_id};
use crate::ids::ConnectionId;
use crate::password::password;

impl Server {
    /// The first frame of a connection: a ConnectRequest.
    pub(super) fn handshake(&mut self, conn: ConnectionId, frame: Bytes, now: Instant) {
        let Ok(request) = ConnectRequest::from_bytes(frame) else {
            self.close(conn);
            return;
        };
        // A client that has seen a later zxid than ours must not travel back in time:
        // refused by closing, with no reply.
        if request.last_zxid_seen > self.last_zxid {
            self.close(conn);
            return;
        }
        // A read-only server takes only clients that accept one.
        if self.config.read_only && request.read_only != Some(true) {
            self.close(conn);
            return;
        }
        let timeout = self.config.negotiate(request.timeout_ms);
        // The reply carries a read-only byte only if the request did (3.8, 3.9.3+), or
        // always (3.9.0 to 3.9.2).
        let flag = self.config.read_only;
        let read_only = if self.personality().always_sends_read_only_byte() {
            Some(flag)
        } else {
            request.read_only.map(|_| flag)
        };
        if request.session_id == 0 {
            // createSession is a transaction of its own (a read-only server's sessions are
            // local: none).
            if !self.config.read_only {
                self.next_zxid();
            }
            let id = self.sessions.create(timeout, conn, now);
            self.attach(conn, id, now);
            self.connect_response(conn, timeout, id, read_only);
            return;
        }
        let id = request.session_id;
        // Whoever held the session loses it first, whether or not this attempt succeeds.
        let holders: Vec<ConnectionId> = self
            .conns
            .iter()
            .filter(|(c, connection)| **c != conn && connection.session == Some(id))
            .map(|(c, _)| *c)
            .collect();
        for holder in holders {
            self.close(holder);
        }
        let valid = request.passwd[..] == password(id)[..]
            && self.sessions.reattach(id, timeout, conn, now);
        if valid {
            self.attach(conn, id, now);
            self.connect_response(conn, timeout, id, read_only);
        } else {
            // Expired, closed, unknown or a wrong password: all look the same.
            self.connect_response(conn, 0, 0, read_only);
            self.close(conn);
        }
    }

    fn attach(&mut self, conn: ConnectionId, session: i64, now: Instant) {
        let established = self.wall_ms(now);
        if let Some(connection) = self.conns.get_mut(&conn) {
            connection.session = Some(session);
            connection.established_ms = established;
            connection.last_op = "SESS";
        }
    }

    fn connect_response(
        &mut self,
        conn: ConnectionId,
        timeout_ms: i32,
        session_id: i64,
        read_only: Option<bool>,
    ) {
        self.count_sent(conn, None);
        let passwd = if session_id == 0 {
            [0; 16]
        } else {
            password(session_id)
        };
        let response = ConnectResponse {
            protocol_version: 0,
            timeout_ms,
            session_id,
            passwd: Bytes::copy_from_slice(&passwd),
            read_only,
        };
        self.outputs.transmit(conn, |out| {
            write_frame(out, |b| response.encode(b));
        });
    }

    /// closeSession: the ephemerals go (their events reach this connection too, before the
    /// reply), then the reply, then the connection closes.
    pub(super) fn close_session(&mut self, at: Origin) {
        let zxid = self.end_session_zxid();
        self.kill_session(at.session, zxid);
        self.sessions.remove(at.session);
        self.reply(at.conn, at.xid, zxid, Ok(Body::None));
        self.close(at.conn);
    }

    /// A session's time ran out (or a test ended it): a closeSession transaction without a
    /// reply, and its connection closed.
    pub(super) fn expire(&mut self, session: i64) {
        let zxid = self.end_session_zxid();
        self.kill_session(session, zxid);
        if let Some(conn) = self.sessions.remove(session).and_then(|s| s.conn) {
            self.close(conn);
        }
    }

    /// The zxid of a closeSession transaction; a read-only server's local sessions end
    /// without one.
    fn end_session_zxid(&mut self) -> i64 {
        if self.config.read_only {
            self.last_zxid
        } else {
            self.next_zxid()
        }
    }

    /// Deletes a session's ephemeral nodes, all in transaction `zxid`.
    fn kill_session(&mut self, session: i64, zxid: i64) {
        let paths: Vec<String> = self.tree.ephemerals_of(session).cloned().collect();
        for path in paths {
            if let Some((_, trigger)) = self.tree.delete(&path, zxid) {
                self.fire(trigger, zxid);
            }
        }
    }

    /// addAuth: answered at once with zxid 0. A scheme with no provider (anything but
    /// `digest` and `ip`) fails the connection: AuthFailed, then close.
    pub(super) fn add_auth(&mut self, at: Origin, packet: &AuthPacket) {
        let Some(connection) = self.conns.get(&at.conn) else {
            return;
        };
        let mut added = Vec::new();
        match packet.scheme.as_str() {
            "digest" => {
                let digest = digest_of(&String::from_utf8_lossy(&packet.auth));
                if self.config.super_digest.as_deref() == Some(digest.as_str()) {
                    added.push(super_id());
                }
                added.push(Id::new("digest", digest));
            }
            "ip" => added.extend(connection.peer.map(|a| Id::new("ip", a.ip().to_string()))),
            _ => {
                self.reply(at.conn, at.xid, 0, Err(ErrorCode::AuthFailed));
                self.close(at.conn);
                return;
            }
        }
        if let Some(connection) = self.conns.get_mut(&at.conn) {
            for id in added {
                if !connection.auth.contains(&id) {
                    connection.auth.push(id);
                }
            }
        }
        self.reply(at.conn, at.xid, 0, Ok(Body::None));
    }
}
