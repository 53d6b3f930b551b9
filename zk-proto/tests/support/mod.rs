//! A scripted peer for session tests: it plays the driver and the server, feeding the session
//! exact bytes and collecting exactly what it emits.

#![allow(dead_code, unreachable_pub)]
// Tests own the clock: only the library itself is forbidden to read it (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use zk_proto::frame::{FrameDecoder, write_frame};
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{
    ConnectRequest, ConnectResponse, ReplyHeader, RequestHeader, Stat, WatcherEvent,
};
use zk_proto::sasl::SaslTask;
use zk_proto::{Action, ConnId, HostPort, Output, Session, SessionConfig};

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

pub struct Script {
    pub session: Session,
    pub now: Instant,
    pub conn: Option<ConnId>,
    pub host: Option<HostPort>,
    /// Outputs, in order, until taken.
    pub events: Vec<Output>,
    /// Every Connect and Disconnect asked for.
    pub transport: Vec<Action>,
    /// Every read/write probe asked for, until taken.
    pub probes: Vec<Action>,
    /// SASL steps asked for and not yet answered ([`Script::answer_sasl`]).
    pub sasl: Vec<SaslTask>,
    out: Vec<u8>,
    decoder: FrameDecoder,
    /// Whether the next frame from the session is a ConnectRequest.
    expect_connect: bool,
    /// Whether a Connect was asked for and not yet answered.
    pub connect_pending: bool,
}

pub const SESSION_ID: i64 = 0x0100_0007_4b64_001c;
pub const PASSWD: [u8; 16] = [7; 16];

pub fn config(connect: &str) -> SessionConfig {
    let mut c = SessionConfig::new(connect).unwrap();
    c.session_timeout = Duration::from_secs(30);
    // Every script replays exactly: host order, backoff jitter, SASL nonces.
    c.seed = Some(0x5EED_2181);
    c
}

impl Script {
    pub fn new(config: SessionConfig) -> Script {
        let now = Instant::now();
        let session = Session::new(config, now).unwrap();
        let mut s = Script {
            session,
            now,
            conn: None,
            host: None,
            events: Vec::new(),
            transport: Vec::new(),
            sasl: Vec::new(),
            probes: Vec::new(),
            out: Vec::new(),
            decoder: FrameDecoder::new(16 << 20),
            expect_connect: false,
            connect_pending: false,
        };
        s.pump();
        s
    }

    /// A session connected with a fresh session (id [`SESSION_ID`], 30 s timeout).
    pub fn connected(config: SessionConfig) -> Script {
        let mut s = Script::new(config);
        s.open();
        let req = s.take_connect_request();
        assert_eq!(req.session_id, 0);
        s.accept(SESSION_ID, 30_000, false);
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
        self.decoder.reset();
        self.expect_connect = true;
        conn
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

    /// Everything the session wants to send, split into request frames. A ConnectRequest, if
    /// due, must be taken with [`take_connect_request`] first.
    pub fn sent(&mut self) -> Vec<Sent> {
        let raw = self.raw_transmit();
        self.decoder.push(&raw);
        let mut frames = Vec::new();
        while let Some(frame) = self.decoder.next_frame().unwrap() {
            assert!(!self.expect_connect, "take the ConnectRequest first");
            let mut r = Reader::new(frame);
            let header = RequestHeader::decode(&mut r).unwrap();
            frames.push(Sent {
                xid: header.xid,
                op: header.op,
                body: r.rest().clone(),
            });
        }
        frames
    }

    pub fn take_connect_request(&mut self) -> ConnectRequest {
        let raw = self.raw_transmit();
        self.decoder.push(&raw);
        let frame = self
            .decoder
            .next_frame()
            .unwrap()
            .expect("a ConnectRequest");
        self.expect_connect = false;
        let req = ConnectRequest::from_bytes(frame).unwrap();
        // Nothing else may be pipelined behind the handshake.
        assert!(self.decoder.next_frame().unwrap().is_none());
        req
    }

    /// The server grants (or re-grants) a session.
    pub fn accept(&mut self, session_id: i64, timeout_ms: i32, read_only: bool) {
        let resp = ConnectResponse {
            protocol_version: 0,
            timeout_ms,
            session_id,
            passwd: Bytes::copy_from_slice(&PASSWD),
            read_only: Some(read_only),
        };
        self.feed_frame(|b| resp.encode(b));
    }

    /// The server says the session is expired (timeOut 0).
    pub fn refuse_expired(&mut self) {
        let resp = ConnectResponse {
            protocol_version: 0,
            timeout_ms: 0,
            session_id: 0,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: Some(false),
        };
        self.feed_frame(|b| resp.encode(b));
    }

    pub fn feed_frame(&mut self, body: impl FnOnce(&mut Vec<u8>)) {
        let mut frame = Vec::new();
        write_frame(&mut frame, body);
        self.feed(&frame);
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        let conn = self.conn.expect("connected");
        self.session.handle_data(conn, bytes, self.now);
        self.pump();
    }

    /// A reply frame: header and body.
    pub fn reply(&mut self, xid: i32, zxid: i64, err: i32, body: impl FnOnce(&mut Vec<u8>)) {
        self.feed_frame(|b| {
            ReplyHeader { xid, zxid, err }.encode(b);
            body(b);
        });
    }

    pub fn reply_record(&mut self, xid: i32, zxid: i64, record: &impl Record) {
        self.reply(xid, zxid, 0, |b| record.encode(b));
    }

    pub fn reply_err(&mut self, xid: i32, zxid: i64, err: i32) {
        self.reply(xid, zxid, err, |_| {});
    }

    pub fn notify(&mut self, event_type: i32, path: &str) {
        self.reply(-1, -1, 0, |b| {
            WatcherEvent {
                event_type,
                state: 3,
                path: path.to_owned(),
            }
            .encode(b)
        });
    }

    pub fn drop_connection(&mut self) {
        let conn = self.conn.expect("connected");
        self.session.handle_disconnected(conn, self.now);
        self.pump();
    }

    /// Reports that the pending Connect failed.
    pub fn fail_connect(&mut self) {
        self.pump();
        let conn = self.conn.expect("a Connect is pending");
        self.connect_pending = false;
        self.session.handle_connect_failed(conn, self.now);
        self.pump();
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
        self.now = self.now.max(at);
        self.session.handle_timeout(self.now);
        self.pump();
        by
    }
}

pub fn stat(czxid: i64) -> Stat {
    Stat {
        czxid,
        mzxid: czxid,
        version: 1,
        data_length: 2,
        pzxid: czxid,
        ..Stat::default()
    }
}

pub fn bytes_of(s: &str) -> Bytes {
    BytesMut::from(s.as_bytes()).freeze()
}

/// The current time, for tests that need an `Instant` without a script.
pub fn now() -> Instant {
    Instant::now()
}
