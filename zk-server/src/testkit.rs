//! A client's side of the wire for the core's unit tests: requests encoded as a client
//! writes them, replies and events decoded, time moved by hand.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use zk_proto::frame::{FrameDecoder, write_frame};
use zk_proto::jute::{Reader, Record};
use zk_proto::records::server::{MultiRequestOp, MultiResponse, RequestBody};
use zk_proto::records::{
    ConnectRequest, ConnectResponse, CreateRequest, DeleteRequest, PathRequest, PathWatchRequest,
    ReplyHeader, RequestHeader, SetDataRequest, WatcherEvent,
};
use zk_proto::{Acl, OpCode, Stat};

use crate::{ConnectionId, Output, Server, ServerConfig};

/// One frame a connection received after its handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) xid: i32,
    pub(crate) zxid: i64,
    pub(crate) err: i32,
    pub(crate) body: Bytes,
}

impl Frame {
    pub(crate) fn decode<R: Record>(&self) -> R {
        R::from_bytes(self.body.clone()).expect("reply body decodes")
    }

    /// A notification's (type, path).
    pub(crate) fn event(&self) -> (i32, String) {
        assert_eq!(self.xid, -1, "a notification: {self:?}");
        let e: WatcherEvent = self.decode();
        assert_eq!(e.state, 3);
        (e.event_type, e.path)
    }
}

/// What one connection has received.
#[derive(Debug, Default)]
struct Inbox {
    decoder: Option<FrameDecoder>,
    frames: Vec<Bytes>,
    closed: bool,
}

/// The server and every connection's inbox.
pub(crate) struct Harness {
    pub(crate) server: Server,
    pub(crate) now: Instant,
    inboxes: BTreeMap<ConnectionId, Inbox>,
}

/// A connected client.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) conn: ConnectionId,
    pub(crate) session: i64,
    pub(crate) passwd: Bytes,
    pub(crate) timeout_ms: i32,
    xid: i32,
}

impl Client {
    /// The xid of the last request sent.
    pub(crate) fn last_xid(&self) -> i32 {
        self.xid
    }
}

impl Harness {
    // The starting instant is arbitrary; from there the tests move time by hand.
    #[allow(clippy::disallowed_methods)]
    pub(crate) fn new(config: ServerConfig) -> Harness {
        let now = Instant::now();
        Harness {
            server: Server::new(config, now),
            now,
            inboxes: BTreeMap::new(),
        }
    }

    /// A harness around a server made elsewhere (restored from a snapshot, say).
    pub(crate) fn with_server(server: Server, now: Instant) -> Harness {
        Harness {
            server,
            now,
            inboxes: BTreeMap::new(),
        }
    }

    pub(crate) fn default_config() -> ServerConfig {
        ServerConfig::default().with_start_time_ms(1_700_000_000_000)
    }

    /// Drains the server's outputs into the inboxes.
    fn pump(&mut self) {
        while let Some(output) = self.server.poll_output() {
            match output {
                Output::Transmit { conn, data } => {
                    let inbox = self.inboxes.entry(conn).or_default();
                    let decoder = inbox
                        .decoder
                        .get_or_insert_with(|| FrameDecoder::new(64 << 20));
                    decoder.push(&data);
                    while let Some(frame) = decoder.next_frame().unwrap() {
                        inbox.frames.push(frame);
                    }
                }
                Output::Close(conn) => self.inboxes.entry(conn).or_default().closed = true,
            }
        }
    }

    pub(crate) fn accept(&mut self) -> ConnectionId {
        let conn = self
            .server
            .accept_from(Some("127.0.0.1:40000".parse().unwrap()), self.now);
        self.inboxes.insert(conn, Inbox::default());
        conn
    }

    pub(crate) fn send_raw(&mut self, conn: ConnectionId, bytes: &[u8]) {
        self.server.handle_data(conn, bytes, self.now);
        self.pump();
    }

    /// Raw frames received on `conn`, taken.
    pub(crate) fn take_raw(&mut self, conn: ConnectionId) -> Vec<Bytes> {
        self.pump();
        std::mem::take(&mut self.inboxes.entry(conn).or_default().frames)
    }

    pub(crate) fn is_closed(&mut self, conn: ConnectionId) -> bool {
        self.pump();
        self.inboxes.get(&conn).is_some_and(|i| i.closed)
    }

    /// Sends a ConnectRequest and returns the ConnectResponse.
    pub(crate) fn handshake(
        &mut self,
        conn: ConnectionId,
        request: &ConnectRequest,
    ) -> ConnectResponse {
        let mut out = Vec::new();
        write_frame(&mut out, |b| request.encode(b));
        self.send_raw(conn, &out);
        let frames = self.take_raw(conn);
        assert_eq!(frames.len(), 1, "one ConnectResponse");
        ConnectResponse::from_bytes(frames[0].clone()).unwrap()
    }

    /// A new session with a `timeout_ms` request.
    pub(crate) fn connect(&mut self, timeout_ms: i32) -> Client {
        self.connect_accepting(timeout_ms, false)
    }

    /// A new session from a client that accepts a read-only server if `read_only`.
    pub(crate) fn connect_accepting(&mut self, timeout_ms: i32, read_only: bool) -> Client {
        let conn = self.accept();
        let response = self.handshake(
            conn,
            &ConnectRequest {
                timeout_ms,
                passwd: Bytes::from_static(&[0; 16]),
                read_only: Some(read_only),
                ..ConnectRequest::default()
            },
        );
        assert!(response.session_id != 0, "{response:?}");
        Client {
            conn,
            session: response.session_id,
            passwd: response.passwd,
            timeout_ms: response.timeout_ms,
            xid: 0,
        }
    }

    /// Re-attaches `client`'s session on a new connection.
    pub(crate) fn reconnect(&mut self, client: &Client) -> (Client, ConnectResponse) {
        let conn = self.accept();
        let response = self.handshake(
            conn,
            &ConnectRequest {
                timeout_ms: client.timeout_ms,
                session_id: client.session,
                passwd: client.passwd.clone(),
                read_only: Some(false),
                last_zxid_seen: self.server.last_zxid(),
                ..ConnectRequest::default()
            },
        );
        let again = Client {
            conn,
            xid: 100,
            ..client.clone()
        };
        (again, response)
    }

    /// Sends one request; returns everything the connection then received (events first,
    /// then the reply).
    pub(crate) fn send(
        &mut self,
        client: &mut Client,
        op: OpCode,
        body: &RequestBody,
    ) -> Vec<Frame> {
        client.xid += 1;
        let xid = client.xid;
        let mut out = Vec::new();
        write_frame(&mut out, |b| {
            RequestHeader { xid, op: op.code() }.encode(b);
            body.encode(b);
        });
        self.send_raw(client.conn, &out);
        self.frames(client)
    }

    /// Frames received by `client` since last asked.
    pub(crate) fn frames(&mut self, client: &Client) -> Vec<Frame> {
        self.take_raw(client.conn)
            .into_iter()
            .map(|frame| {
                let mut r = Reader::new(frame);
                let header = ReplyHeader::decode(&mut r).unwrap();
                Frame {
                    xid: header.xid,
                    zxid: header.zxid,
                    err: header.err,
                    body: r.rest().clone(),
                }
            })
            .collect()
    }

    /// Sends a request and returns its reply, asserting nothing else arrived.
    pub(crate) fn call(&mut self, client: &mut Client, op: OpCode, body: &RequestBody) -> Frame {
        let mut frames = self.send(client, op, body);
        assert_eq!(frames.len(), 1, "exactly the reply: {frames:?}");
        let reply = frames.remove(0);
        assert_eq!(reply.xid, client.xid);
        reply
    }

    pub(crate) fn create(
        &mut self,
        client: &mut Client,
        path: &str,
        data: &str,
        flags: i32,
    ) -> Frame {
        self.call(client, OpCode::Create2, &create_body(path, data, flags))
    }

    pub(crate) fn stat(&mut self, client: &mut Client, path: &str) -> Result<Stat, i32> {
        let reply = self.call(client, OpCode::Exists, &path_watch(path, false));
        if reply.err == 0 {
            Ok(reply.decode::<Stat>())
        } else {
            Err(reply.err)
        }
    }

    pub(crate) fn advance(&mut self, by: Duration) {
        self.now += by;
        self.server.handle_timeout(self.now);
        self.pump();
    }
}

pub(crate) fn create_body(path: &str, data: &str, flags: i32) -> RequestBody {
    RequestBody::Create(CreateRequest {
        path: path.into(),
        data: Some(Bytes::copy_from_slice(data.as_bytes())),
        acl: Acl::open_unsafe(),
        flags,
    })
}

pub(crate) fn path_watch(path: &str, watch: bool) -> RequestBody {
    RequestBody::PathWatch(PathWatchRequest {
        path: path.into(),
        watch,
    })
}

pub(crate) fn path(path: &str) -> RequestBody {
    RequestBody::Path(PathRequest { path: path.into() })
}

pub(crate) fn delete_body(path: &str, version: i32) -> RequestBody {
    RequestBody::Delete(DeleteRequest {
        path: path.into(),
        version,
    })
}

pub(crate) fn set_data_body(path: &str, data: &str, version: i32) -> RequestBody {
    RequestBody::SetData(SetDataRequest {
        path: path.into(),
        data: Some(Bytes::copy_from_slice(data.as_bytes())),
        version,
    })
}

pub(crate) fn multi(ops: Vec<(OpCode, RequestBody)>) -> RequestBody {
    RequestBody::Multi(
        ops.into_iter()
            .map(|(op, body)| MultiRequestOp { op, body })
            .collect(),
    )
}

pub(crate) fn multi_results(frame: &Frame) -> MultiResponse {
    frame.decode()
}
