//! A raw protocol client: requests written and replies read frame by frame, so that the two
//! servers are compared on the wire, not through a client's interpretation.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use zk_proto::OpCode;
use zk_proto::frame::{FrameDecoder, write_frame};
use zk_proto::jute::{Reader, Record};
use zk_proto::records::server::RequestBody;
use zk_proto::records::{
    ConnectRequest, ConnectResponse, ReplyHeader, RequestHeader, WatcherEvent,
};

/// A bound on a hang, not a performance claim.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A reply: header fields and the body after it.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) zxid: i64,
    pub(crate) err: i32,
    pub(crate) body: Bytes,
}

/// One session over one connection at a time.
pub(crate) struct WireClient {
    addr: String,
    stream: TcpStream,
    decoder: FrameDecoder,
    xid: i32,
    pub(crate) session: i64,
    pub(crate) passwd: Bytes,
    timeout_ms: i32,
    /// The highest zxid seen in a reply, for re-attaching.
    pub(crate) last_zxid: i64,
    /// Notifications (type, server path) received since last taken.
    pub(crate) events: Vec<(i32, String)>,
}

impl WireClient {
    /// A new session.
    pub(crate) fn connect(addr: &str, timeout_ms: i32) -> WireClient {
        let stream = open(addr);
        let mut client = WireClient {
            addr: addr.to_owned(),
            stream,
            decoder: FrameDecoder::new(16 << 20),
            xid: 0,
            session: 0,
            passwd: Bytes::from_static(&[0; 16]),
            timeout_ms,
            last_zxid: 0,
            events: Vec::new(),
        };
        let response = client.handshake();
        assert!(response.timeout_ms > 0, "a session: {response:?}");
        client.session = response.session_id;
        client.passwd = response.passwd;
        client
    }

    /// Drops the connection and re-attaches the session on a new one; the server forgets
    /// the old connection's watches.
    pub(crate) fn reconnect(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        self.stream = open(&self.addr);
        self.decoder = FrameDecoder::new(16 << 20);
        let response = self.handshake();
        assert_eq!(
            response.session_id, self.session,
            "re-attached: {response:?}"
        );
    }

    fn handshake(&mut self) -> ConnectResponse {
        let request = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: self.last_zxid,
            timeout_ms: self.timeout_ms,
            session_id: self.session,
            passwd: self.passwd.clone(),
            read_only: Some(false),
        };
        let mut out = Vec::new();
        write_frame(&mut out, |b| request.encode(b));
        self.stream.write_all(&out).expect("write");
        ConnectResponse::from_bytes(self.next_frame()).expect("a ConnectResponse")
    }

    fn next_frame(&mut self) -> Bytes {
        let mut buf = [0u8; 65536];
        loop {
            if let Some(frame) = self.decoder.next_frame().expect("valid frames") {
                return frame;
            }
            let n = self.stream.read(&mut buf).expect("read");
            assert!(n > 0, "the server closed the connection");
            self.decoder.push(&buf[..n]);
        }
    }

    /// Sends one request and waits for its reply, keeping the notifications that come first.
    pub(crate) fn call(&mut self, op: OpCode, body: &RequestBody) -> Reply {
        self.xid += 1;
        let xid = self.xid;
        let mut out = Vec::new();
        write_frame(&mut out, |b| {
            RequestHeader { xid, op: op.code() }.encode(b);
            body.encode(b);
        });
        self.stream.write_all(&out).expect("write");
        self.read_until(xid)
    }

    /// A ping round trip: every notification queued for this connection before it arrives
    /// first (a server answers one connection in order).
    pub(crate) fn barrier(&mut self) {
        let mut out = Vec::new();
        write_frame(&mut out, |b| RequestHeader { xid: -2, op: 11 }.encode(b));
        self.stream.write_all(&out).expect("write");
        self.read_until(-2);
    }

    /// closeSession: the reply, after any events it causes here, then the server closes.
    pub(crate) fn close_session(&mut self) -> Reply {
        let reply = self.call(OpCode::CloseSession, &RequestBody::Empty);
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        reply
    }

    fn read_until(&mut self, xid: i32) -> Reply {
        loop {
            let mut r = Reader::new(self.next_frame());
            let header = ReplyHeader::decode(&mut r).expect("a reply header");
            if header.xid == -1 {
                let event = WatcherEvent::decode(&mut r).expect("an event");
                self.events.push((event.event_type, event.path));
                continue;
            }
            assert_eq!(header.xid, xid, "replies in order");
            if header.zxid > 0 && xid > 0 {
                self.last_zxid = self.last_zxid.max(header.zxid);
            }
            return Reply {
                zxid: header.zxid,
                err: header.err,
                body: r.rest().clone(),
            };
        }
    }
}

fn open(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .expect("timeout");
    stream
}
