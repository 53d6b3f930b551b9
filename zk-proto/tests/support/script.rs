//! [`Script`]: one session and everything around it, played by the test. It is the driver (it
//! answers the session's actions and owns the clock) and the server (it reads the frames the
//! session sends and feeds it exact bytes), and it records what the session emits.

use std::time::{Duration, Instant};

use bytes::Bytes;
use zk_proto::frame::FrameDecoder;
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{ConnectRequest, RequestHeader};
use zk_proto::sasl::SaslTask;
use zk_proto::{Action, ConnId, HostPort, Output, Session, SessionConfig};

use super::wire;

/// A request frame the session sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub xid: i32,
    pub op: i32,
    pub body: Bytes,
}

impl Sent {
    pub fn decode<R: Record>(&self) -> R {
        R::from_bytes(self.body.clone()).expect("request body decodes")
    }
}

/// A frame the session sent, as the server reads it: the first on a connection is the
/// handshake, every later one a request.
#[derive(Debug, Clone)]
pub enum Frame {
    Connect(ConnectRequest),
    Request(Sent),
}

pub struct Script {
    pub session: Session,
    pub now: Instant,
    /// The connection the session is on or connecting on; `None` once it failed or the session
    /// asked for it to be closed.
    pub conn: Option<ConnId>,
    /// The last connection [`Script::open`] opened, kept after it is gone: where
    /// [`Script::deliver`] sends bytes.
    pub opened: Option<ConnId>,
    pub host: Option<HostPort>,
    /// Outputs, in order, until taken.
    pub events: Vec<Output>,
    /// Every Connect and Disconnect asked for, until taken.
    pub transport: Vec<Action>,
    /// Every read/write probe asked for, until taken.
    pub probes: Vec<Action>,
    /// SASL steps asked for and not yet answered ([`Script::answer_sasl`]).
    pub sasl: Vec<SaslTask>,
    /// Whether a Connect was asked for and not yet answered.
    pub connect_pending: bool,
    out: Vec<u8>,
    decoder: FrameDecoder,
    /// Whether the next frame from the session is a ConnectRequest.
    expect_connect: bool,
}

impl Script {
    /// The session just made: its first Connect is pending.
    pub fn new(config: SessionConfig) -> Script {
        let now = Instant::now();
        let session = Session::new(config, now).unwrap();
        let mut s = Script {
            session,
            now,
            conn: None,
            opened: None,
            host: None,
            events: Vec::new(),
            transport: Vec::new(),
            probes: Vec::new(),
            sasl: Vec::new(),
            connect_pending: false,
            out: Vec::new(),
            decoder: FrameDecoder::new(16 << 20),
            expect_connect: false,
        };
        s.pump();
        s
    }

    /// A session connected with a fresh session (id [`super::SESSION_ID`], 30 s timeout).
    pub fn connected(config: SessionConfig) -> Script {
        let mut s = Script::new(config);
        s.open();
        let req = s.take_connect_request();
        assert_eq!(req.session_id, 0);
        s.accept(super::SESSION_ID, 30_000, false);
        s.take_events();
        s.take_transport();
        s
    }

    /// Drains every action and output, recording them.
    pub fn pump(&mut self) {
        while let Some(action) = self.session.poll_action() {
            match &action {
                Action::Connect { conn, host, .. } => {
                    self.connect_pending = true;
                    self.conn = Some(*conn);
                    self.host = Some(host.clone());
                }
                Action::Disconnect(conn) => {
                    if self.conn == Some(*conn) {
                        self.conn = None;
                        self.connect_pending = false;
                    }
                }
                Action::ProbeReadWrite { .. } | Action::Sasl(_) => {}
            }
            match action {
                Action::Sasl(task) => self.sasl.push(task),
                probe @ Action::ProbeReadWrite { .. } => self.probes.push(probe),
                other => self.transport.push(other),
            }
        }
        self.events
            .extend(std::iter::from_fn(|| self.session.poll_output()));
    }

    /// Runs the oldest SASL step asked for, as a driver would, and hands its answer back.
    pub fn answer_sasl(&mut self) {
        self.pump();
        assert!(!self.sasl.is_empty(), "no SASL step was asked for");
        let task = self.sasl.remove(0);
        assert_eq!(
            Some(task.conn()),
            self.conn,
            "a step for the current connection"
        );
        self.session.handle_sasl_answer(task.run(), self.now);
        self.pump();
    }

    pub fn take_events(&mut self) -> Vec<Output> {
        self.pump();
        std::mem::take(&mut self.events)
    }

    pub fn take_transport(&mut self) -> Vec<Action> {
        self.pump();
        std::mem::take(&mut self.transport)
    }

    /// Tells the session its pending Connect succeeded (first letting a backoff elapse if the
    /// session is waiting before its next attempt).
    pub fn open(&mut self) -> ConnId {
        self.pump();
        for _ in 0..100 {
            if self.connect_pending {
                break;
            }
            self.fire_next_timer();
        }
        self.connect_pending = false;
        let conn = self.conn.expect("a Connect is pending");
        self.session.handle_connected(conn, self.now);
        self.opened = Some(conn);
        self.decoder.reset();
        self.expect_connect = true;
        conn
    }

    /// Reports that the pending Connect failed.
    pub fn fail_connect(&mut self) {
        self.pump();
        let conn = self.conn.take().expect("a Connect is pending");
        self.connect_pending = false;
        self.session.handle_connect_failed(conn, self.now);
        self.pump();
    }

    /// The server closed the current connection.
    pub fn drop_connection(&mut self) {
        let conn = self.conn.expect("connected");
        self.session.handle_disconnected(conn, self.now);
        self.pump();
    }

    /// Everything the session wants to send, as raw bytes.
    pub fn raw_transmit(&mut self) -> Vec<u8> {
        self.out.clear();
        while let Some(t) = self.session.poll_transmit(self.now, &mut self.out) {
            assert_eq!(Some(t.conn), self.conn, "bytes for the current connection");
        }
        self.pump();
        self.out.clone()
    }

    /// Everything the session wants to send, as the server reads it.
    pub fn frames(&mut self) -> Vec<Frame> {
        let raw = self.raw_transmit();
        self.decoder.push(&raw);
        let mut frames = Vec::new();
        while let Some(frame) = self
            .decoder
            .next_frame()
            .expect("the session frames its output")
        {
            if std::mem::take(&mut self.expect_connect) {
                let request = ConnectRequest::from_bytes(frame).expect("a ConnectRequest");
                frames.push(Frame::Connect(request));
                continue;
            }
            let mut r = Reader::new(frame);
            let header = RequestHeader::decode(&mut r).expect("a request header");
            frames.push(Frame::Request(Sent {
                xid: header.xid,
                op: header.op,
                body: r.rest().clone(),
            }));
        }
        assert_eq!(
            self.decoder.buffered(),
            0,
            "the session sent part of a frame"
        );
        frames
    }

    /// Everything the session wants to send, as request frames. A ConnectRequest, if due, must
    /// be taken with [`Script::take_connect_request`] first.
    pub fn sent(&mut self) -> Vec<Sent> {
        let expect_connect = self.expect_connect;
        let frames = self.frames();
        assert!(
            !expect_connect || frames.is_empty(),
            "take the ConnectRequest first"
        );
        frames
            .into_iter()
            .map(|frame| match frame {
                Frame::Request(sent) => sent,
                Frame::Connect(_) => unreachable!("a ConnectRequest is only expected first"),
            })
            .collect()
    }

    /// The handshake, which must be all the session sends until it is answered.
    pub fn take_connect_request(&mut self) -> ConnectRequest {
        assert!(self.expect_connect, "no connection was opened");
        let mut frames = self.frames();
        assert_eq!(frames.len(), 1, "nothing pipelined behind the handshake");
        match frames.pop() {
            Some(Frame::Connect(request)) => request,
            other => panic!("expected a ConnectRequest, got {other:?}"),
        }
    }

    /// The server grants (or re-grants) a session.
    pub fn accept(&mut self, session_id: i64, timeout_ms: i32, read_only: bool) {
        self.feed(&wire::granted(session_id, timeout_ms, Some(read_only)));
    }

    /// The server says the session is expired (timeOut 0).
    pub fn refuse_expired(&mut self) {
        self.feed(&wire::expired());
    }

    pub fn feed_frame(&mut self, body: impl FnOnce(&mut Vec<u8>)) {
        self.feed(&wire::frame(body));
    }

    /// Bytes from the server on the current connection.
    pub fn feed(&mut self, bytes: &[u8]) {
        let conn = self.conn.expect("connected");
        self.session.handle_data(conn, bytes, self.now);
        self.pump();
    }

    /// Bytes on the last connection opened, wherever the session is now (a stale connection's
    /// bytes it must ignore), and nowhere before the first; outputs are left unpumped. For
    /// generated runs, whose steps do not know the session's state.
    pub fn deliver(&mut self, bytes: &[u8]) {
        if let Some(conn) = self.opened {
            self.session.handle_data(conn, bytes, self.now);
        }
    }

    /// A reply frame: header and body.
    pub fn reply(&mut self, xid: i32, zxid: i64, err: i32, body: impl FnOnce(&mut Vec<u8>)) {
        self.feed(&wire::reply(xid, zxid, err, body));
    }

    pub fn reply_record(&mut self, xid: i32, zxid: i64, record: &impl Record) {
        self.reply(xid, zxid, 0, |b| record.encode(b));
    }

    pub fn reply_err(&mut self, xid: i32, zxid: i64, err: i32) {
        self.reply(xid, zxid, err, |_| {});
    }

    /// A notification as servers up to 3.8 send it (zxid -1).
    pub fn notify(&mut self, event_type: i32, path: &str) {
        self.feed(&wire::notification(-1, event_type, path));
    }

    /// Moves the clock and lets timers fire.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.session.handle_timeout(self.now);
        self.pump();
    }

    /// Moves the clock to the session's next timer and fires it.
    pub fn fire_next_timer(&mut self) -> Duration {
        let at = self.session.poll_timeout().expect("a timer is set");
        let by = at.saturating_duration_since(self.now);
        self.advance(by);
        by
    }
}
