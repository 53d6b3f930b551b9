//! From bytes to requests: framing, the handshake or the request header, the body decoded
//! by opcode, and the request routed to the file that answers it.

use std::time::Instant;

use bytes::Bytes;
use zk_proto::frame::write_frame;
use zk_proto::jute::{Reader, Record};
use zk_proto::records::server::RequestBody;
use zk_proto::records::{ReplyHeader, RequestHeader, SetSaslResponse};
use zk_proto::{ErrorCode, OpCode};

use super::Server;
use super::body::Body;
use crate::ids::ConnectionId;

/// A request in hand: where it came from and the xid to echo.
#[derive(Debug, Clone, Copy)]
pub(super) struct Origin {
    pub(super) conn: ConnectionId,
    pub(super) xid: i32,
    pub(super) session: i64,
}

impl Server {
    /// Feeds bytes to a connection and answers every complete frame.
    pub(super) fn receive(&mut self, conn: ConnectionId, data: &[u8], now: Instant) {
        let Some(connection) = self.conns.get_mut(&conn) else {
            return;
        };
        match connection.head.take() {
            None => connection.decoder.push(data),
            // The first bytes of the connection: a four-letter word, or the start of frames.
            Some(mut head) => {
                head.extend_from_slice(data);
                if head.len() < 4 {
                    connection.head = Some(head);
                    return;
                }
                if let Some(reply) = self.four_letter_word(&head[..4]) {
                    self.outputs
                        .transmit(conn, |out| out.extend_from_slice(reply.as_bytes()));
                    self.close(conn);
                    return;
                }
                if let Some(connection) = self.conns.get_mut(&conn) {
                    connection.decoder.push(&head);
                }
            }
        }
        loop {
            let Some(connection) = self.conns.get_mut(&conn) else {
                return;
            };
            let session = connection.session;
            let frame = match connection.decoder.next_frame() {
                Ok(Some(frame)) => {
                    connection.received += 1;
                    self.received += 1;
                    frame
                }
                Ok(None) => return,
                // A negative or oversized length: ZooKeeper closes without a word.
                Err(_) => {
                    self.close(conn);
                    return;
                }
            };
            match session {
                None => self.handshake(conn, frame, now),
                Some(session) => {
                    self.sessions.touch(session, now);
                    self.request(conn, session, frame, now);
                }
            }
        }
    }

    /// One request frame of an established connection.
    fn request(&mut self, conn: ConnectionId, session: i64, frame: Bytes, now: Instant) {
        let mut r = Reader::new(frame);
        // A frame too short for its header ends the connection, as it does in ZooKeeper.
        let Ok(header) = RequestHeader::decode(&mut r) else {
            self.close(conn);
            return;
        };
        let at = Origin {
            conn,
            xid: header.xid,
            session,
        };
        let Some(op) = OpCode::from_code(header.op) else {
            self.unimplemented(at);
            return;
        };
        if let Some(connection) = self.conns.get_mut(&conn) {
            connection.last_op = op_name(op);
        }
        // An opcode from a later release is unknown to this one.
        if !self.personality().accepts(op) {
            self.unimplemented(at);
            return;
        }
        if self.config.read_only && (is_write(op) || op == OpCode::Sync) {
            let zxid = self.last_zxid;
            self.reply(conn, at.xid, zxid, Err(ErrorCode::NotReadOnly));
            return;
        }
        match op {
            // Internal opcodes, and check outside multi (3.9.3 rejects it this way).
            OpCode::Notification
            | OpCode::DeleteContainer
            | OpCode::CreateSession
            | OpCode::Error
            | OpCode::Check => {
                self.unimplemented(at);
                return;
            }
            // Always -2, whatever xid the ping carried.
            OpCode::Ping => {
                let zxid = self.last_zxid;
                self.reply(conn, -2, zxid, Ok(Body::None));
                return;
            }
            // No SASL mechanism is configured: ZooKeeper answers with a null token.
            OpCode::Sasl => {
                self.reply(
                    conn,
                    at.xid,
                    0,
                    Ok(Body::Sasl(SetSaslResponse { token: None })),
                );
                return;
            }
            OpCode::CloseSession => {
                self.close_session(at);
                return;
            }
            _ => {}
        }
        let body = match RequestBody::decode(op, &mut r) {
            Ok(body) => body,
            Err(_) => {
                // A write that cannot be read still takes its transaction (an error txn).
                let zxid = if is_write(op) {
                    self.next_zxid()
                } else {
                    self.last_zxid
                };
                self.reply(conn, at.xid, zxid, Err(ErrorCode::MarshallingError));
                return;
            }
        };
        self.route(at, op, body, now);
    }

    /// Sends each request to the code that answers it.
    fn route(&mut self, at: Origin, op: OpCode, body: RequestBody, now: Instant) {
        match body {
            RequestBody::Auth(packet) => self.add_auth(at, &packet),
            RequestBody::Reconfig(_) => {
                // reconfigEnabled is off: refused before anything else is looked at.
                let zxid = self.next_zxid();
                self.reply(at.conn, at.xid, zxid, Err(ErrorCode::ReconfigDisabled));
            }
            RequestBody::Multi(ops) if op == OpCode::Multi => self.multi(at, ops, now),
            RequestBody::Multi(ops) => self.multi_read(at, &ops),
            RequestBody::Create(_)
            | RequestBody::CreateTtl(_)
            | RequestBody::Delete(_)
            | RequestBody::SetData(_)
            | RequestBody::SetAcl(_) => self.single_write(at, op, body, now),
            RequestBody::SetWatches(w) => self.set_watches(
                at,
                w.relative_zxid,
                [
                    &w.data_watches,
                    &w.exist_watches,
                    &w.child_watches,
                    &vec![],
                    &vec![],
                ],
            ),
            RequestBody::SetWatches2(w) => self.set_watches(
                at,
                w.relative_zxid,
                [
                    &w.data_watches,
                    &w.exist_watches,
                    &w.child_watches,
                    &w.persistent_watches,
                    &w.persistent_recursive_watches,
                ],
            ),
            RequestBody::AddWatch(w) => self.add_watch(at, &w.path, w.mode),
            RequestBody::Watches(w) => {
                self.check_or_remove_watches(
                    at,
                    op == OpCode::RemoveWatches,
                    &w.path,
                    w.watcher_type,
                );
            }
            other => self.read(at, op, other),
        }
    }

    /// Unimplemented, with zxid -1, then the connection is closed.
    fn unimplemented(&mut self, at: Origin) {
        self.reply(at.conn, at.xid, -1, Err(ErrorCode::Unimplemented));
        self.close(at.conn);
    }

    /// Queues one reply frame: the header, and the body only on success.
    pub(super) fn reply(
        &mut self,
        conn: ConnectionId,
        xid: i32,
        zxid: i64,
        outcome: Result<Body, ErrorCode>,
    ) {
        self.count_sent(conn, Some((xid, zxid)));
        let (err, body) = match outcome {
            Ok(body) => (0, body),
            Err(code) => (code.as_i32(), Body::None),
        };
        self.outputs.transmit(conn, |out| {
            write_frame(out, |b| {
                ReplyHeader { xid, zxid, err }.encode(b);
                body.encode(b);
            });
        });
    }
}

/// Opcodes that go through a transaction (and so take a zxid even when they fail).
fn is_write(op: OpCode) -> bool {
    matches!(
        op,
        OpCode::Create
            | OpCode::Create2
            | OpCode::CreateContainer
            | OpCode::CreateTtl
            | OpCode::Delete
            | OpCode::SetData
            | OpCode::SetAcl
            | OpCode::Multi
            | OpCode::Reconfig
    )
}

/// ZooKeeper's four-letter name for an operation, as `cons` reports the last one.
fn op_name(op: OpCode) -> &'static str {
    match op {
        OpCode::Ping => "PING",
        OpCode::Multi => "MULT",
        OpCode::MultiRead => "MLTR",
        OpCode::Create | OpCode::Create2 | OpCode::CreateContainer | OpCode::CreateTtl => "CREA",
        OpCode::Delete => "DELE",
        OpCode::SetData => "SETD",
        OpCode::Reconfig => "RECO",
        OpCode::SetAcl => "SETA",
        OpCode::CloseSession => "CLOS",
        OpCode::Sync => "SYNC",
        OpCode::Check => "CHEC",
        OpCode::Exists => "EXIS",
        OpCode::GetData => "GETD",
        OpCode::SetWatches | OpCode::SetWatches2 => "SETW",
        OpCode::AddWatch => "ADDW",
        OpCode::GetAcl => "GETA",
        OpCode::GetChildren | OpCode::GetChildren2 => "GETC",
        OpCode::GetAllChildrenNumber => "GETACN",
        OpCode::CheckWatches => "CHKW",
        OpCode::RemoveWatches => "REMW",
        OpCode::WhoAmI => "HOMI",
        OpCode::GetEphemerals => "GETE",
        _ => "NA",
    }
}
