//! Property tests: arbitrary bytes and arbitrary interleavings of inputs, commands and timeouts
//! never panic, never allocate much beyond the frame limit, and every request completes exactly
//! once.
//!
//! The memory bound is enforced by a capped global allocator: before each input the cap is set
//! a fixed budget above what is allocated, so an allocation driven by a forged length would
//! exceed it and abort the test.

// Tests own the clock: only the library itself is forbidden to read it (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::alloc::System;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cap::Cap;
use proptest::prelude::*;
use zk_proto::frame::{FrameDecoder, write_frame};
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{ConnectResponse, ReplyHeader, RequestHeader, WatcherEvent};
use zk_proto::{
    AddWatchMode, ConnId, CreateMode, Output, Request, RequestId, Session, SessionConfig, WatchId,
};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Tests in this binary share the allocator cap: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const MAX_FRAME: usize = 4096;
/// Room for outputs and bookkeeping produced by one input, on top of one frame and one chunk.
const BUDGET: usize = 256 * 1024;

fn capped<T>(extra: usize, f: impl FnOnce() -> T) -> T {
    let _ = ALLOCATOR.set_limit(ALLOCATOR.allocated() + BUDGET + MAX_FRAME * 2 + extra * 2);
    let out = f();
    let _ = ALLOCATOR.set_limit(usize::MAX);
    out
}

#[derive(Debug, Clone)]
enum Action {
    Submit(u8, u8),
    AddAuth,
    RemoveWatch(u8),
    Garbage(Vec<u8>),
    ErrorReplyToOldest(i32),
    SuccessReplyToOldest,
    /// Answers a pending Connect and grants the session in one go.
    Establish,
    Notify(u8, u8),
    PingReply,
    AuthReply(i32),
    Advance(u16),
    Disconnect,
    AnswerConnect(bool),
    Accept(bool),
    Expire,
    /// Closes only for small values, so that most runs live long enough to do things.
    Close(u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (any::<u8>(), any::<u8>()).prop_map(|(k, p)| Action::Submit(k, p)),
        1 => Just(Action::AddAuth),
        1 => any::<u8>().prop_map(Action::RemoveWatch),
        3 => prop::collection::vec(any::<u8>(), 0..2048).prop_map(Action::Garbage),
        3 => prop_oneof![Just(0), Just(-101), Just(-6), any::<i32>()].prop_map(Action::ErrorReplyToOldest),
        2 => (1u8..6, any::<u8>()).prop_map(|(t, p)| Action::Notify(t, p)),
        1 => Just(Action::PingReply),
        1 => prop_oneof![Just(0), Just(-115), any::<i32>()].prop_map(Action::AuthReply),
        2 => any::<u16>().prop_map(Action::Advance),
        1 => Just(Action::Disconnect),
        3 => any::<bool>().prop_map(Action::AnswerConnect),
        3 => any::<bool>().prop_map(Action::Accept),
        1 => Just(Action::Expire),
        1 => any::<u8>().prop_map(Action::Close),
        3 => Just(Action::SuccessReplyToOldest),
        2 => Just(Action::Establish),
    ]
}

fn path(p: u8) -> String {
    ["/a", "/a/b", "/c", "/", "bad", "/a//x"][usize::from(p) % 6].to_owned()
}

fn request(kind: u8, p: u8) -> Request {
    let path = path(p);
    match kind % 10 {
        0 => Request::get_data(path),
        1 => Request::GetData { path, watch: true },
        2 => Request::Exists { path, watch: true },
        3 => Request::GetChildren {
            path,
            watch: true,
            with_stat: kind % 2 == 0,
        },
        4 => Request::AddWatch {
            path,
            mode: AddWatchMode::PersistentRecursive,
        },
        5 => Request::create(
            path,
            vec![0u8; usize::from(kind) * 100],
            CreateMode::EphemeralSequential,
        ),
        6 => Request::set_data(path, Bytes::from_static(b"x")),
        7 => Request::Multi(vec![]),
        8 => Request::delete(path),
        _ => Request::AddWatch {
            path,
            mode: AddWatchMode::Persistent,
        },
    }
}

/// A plausible success body for a request of opcode `op`.
fn success_body(op: i32, b: &mut Vec<u8>) {
    use zk_proto::records::{
        Create2Response, CreateResponse, ErrorResponse, GetChildren2Response, GetChildrenResponse,
        GetDataResponse, MultiHeader, Stat,
    };
    match op {
        1 => CreateResponse {
            path: "/chroot/a0000000001".into(),
        }
        .encode(b),
        15 | 19 | 21 => Create2Response {
            path: "/chroot/a".into(),
            stat: Stat::default(),
        }
        .encode(b),
        3 | 5 | 7 => Stat::default().encode(b),
        4 => GetDataResponse {
            data: Some(Bytes::from_static(b"d")),
            stat: Stat::default(),
        }
        .encode(b),
        8 => GetChildrenResponse {
            children: vec!["x".into()],
        }
        .encode(b),
        12 => GetChildren2Response {
            children: vec![],
            stat: Stat::default(),
        }
        .encode(b),
        106 => ErrorResponse { err: 0 }.encode(b),
        14 | 22 => MultiHeader {
            op: -1,
            done: true,
            err: -1,
        }
        .encode(b),
        _ => {}
    }
}

struct World {
    session: Session,
    now: Instant,
    conn: Option<ConnId>,
    connect_pending: bool,
    handshaking: bool,
    /// (xid, opcode) of requests on the wire, oldest first.
    in_flight: Vec<(i32, i32)>,
    decoder: FrameDecoder,
    issued: Vec<RequestId>,
    completed: BTreeMap<RequestId, usize>,
    watches: Vec<WatchId>,
    out: Vec<u8>,
}

impl World {
    fn new(seed: u64) -> World {
        let mut config = SessionConfig::new("a:1,b:2,c:3/chroot").unwrap();
        config.max_frame_in = MAX_FRAME;
        config.max_frame_out = MAX_FRAME;
        config.max_in_flight = 4;
        config.seed = Some(seed);
        config.session_timeout = Duration::from_secs(6);
        let now = Instant::now();
        let mut w = World {
            session: Session::new(config, now).unwrap(),
            now,
            conn: None,
            connect_pending: false,
            handshaking: false,
            in_flight: Vec::new(),
            decoder: FrameDecoder::new(1 << 20),
            issued: Vec::new(),
            completed: BTreeMap::new(),
            watches: Vec::new(),
            out: Vec::new(),
        };
        w.drain();
        w
    }

    fn drain(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(action) = self.session.poll_action() {
                progressed = true;
                match action {
                    zk_proto::Action::Connect { conn, .. } => {
                        self.conn = Some(conn);
                        self.connect_pending = true;
                        self.handshaking = false;
                        self.in_flight.clear();
                        self.decoder.reset();
                    }
                    zk_proto::Action::Disconnect(conn) if self.conn == Some(conn) => {
                        self.conn = None;
                        self.in_flight.clear();
                    }
                    zk_proto::Action::Disconnect(_)
                    | zk_proto::Action::ProbeReadWrite { .. }
                    | zk_proto::Action::Sasl(_) => {}
                }
            }
            while let Some(output) = self.session.poll_output() {
                progressed = true;
                match output {
                    Output::Complete { id, watch, .. } => {
                        *self.completed.entry(id).or_default() += 1;
                        self.watches.extend(watch);
                    }
                    Output::Watch { .. } | Output::State(_) => {}
                }
            }
            self.out.clear();
            while let Some(t) = self.session.poll_transmit(self.now, &mut self.out) {
                progressed = true;
                assert_eq!(Some(t.conn), self.conn);
            }
            self.decoder.push(&self.out);
            while let Ok(Some(frame)) = self.decoder.next_frame() {
                if self.handshaking {
                    // The ConnectRequest: not a request header.
                    continue;
                }
                let mut r = Reader::new(frame);
                if let Ok(h) = RequestHeader::decode(&mut r) {
                    if h.xid > 0 {
                        self.in_flight.push((h.xid, h.op));
                    }
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        if let Some(conn) = self.conn.filter(|_| !self.connect_pending) {
            let now = self.now;
            let session = &mut self.session;
            capped(bytes.len(), || session.handle_data(conn, bytes, now));
        }
    }

    fn frame(&mut self, body: impl FnOnce(&mut Vec<u8>)) {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, body);
        self.feed(&bytes);
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Submit(kind, p) => {
                if let Ok(id) = self.session.submit(request(kind, p), self.now) {
                    self.issued.push(id);
                }
            }
            Action::AddAuth => {
                if let Ok(id) = self.session.add_auth("digest", &b"u:p"[..], self.now) {
                    self.issued.push(id);
                }
            }
            Action::RemoveWatch(i) => {
                if !self.watches.is_empty() {
                    let watch = self.watches[usize::from(i) % self.watches.len()];
                    if let Ok(id) = self.session.remove_watch(watch, self.now) {
                        self.issued.push(id);
                    }
                }
            }
            Action::Garbage(bytes) => self.feed(&bytes),
            Action::ErrorReplyToOldest(err) => {
                if !self.handshaking && !self.in_flight.is_empty() {
                    let (xid, _) = self.in_flight.remove(0);
                    self.frame(|b| ReplyHeader { xid, zxid: 10, err }.encode(b));
                }
            }
            Action::SuccessReplyToOldest => {
                if !self.handshaking && !self.in_flight.is_empty() {
                    let (xid, op) = self.in_flight.remove(0);
                    self.frame(|b| {
                        ReplyHeader {
                            xid,
                            zxid: 11,
                            err: 0,
                        }
                        .encode(b);
                        success_body(op, b);
                    });
                }
            }
            Action::Establish => {
                self.apply(Action::AnswerConnect(true));
                self.apply(Action::Accept(false));
            }
            Action::Notify(t, p) => {
                let path = format!("/chroot{}", path(p));
                self.frame(|b| {
                    ReplyHeader {
                        xid: -1,
                        zxid: -1,
                        err: 0,
                    }
                    .encode(b);
                    WatcherEvent {
                        event_type: i32::from(t),
                        state: 3,
                        path,
                    }
                    .encode(b);
                });
            }
            Action::PingReply => self.frame(|b| {
                ReplyHeader {
                    xid: -2,
                    zxid: 1,
                    err: 0,
                }
                .encode(b)
            }),
            Action::AuthReply(err) => self.frame(|b| {
                ReplyHeader {
                    xid: -4,
                    zxid: 0,
                    err,
                }
                .encode(b)
            }),
            Action::Advance(ms) => {
                self.now += Duration::from_millis(u64::from(ms) * 4);
                self.session.handle_timeout(self.now);
            }
            Action::Disconnect => {
                if let Some(conn) = self.conn {
                    self.session.handle_disconnected(conn, self.now);
                }
            }
            Action::AnswerConnect(ok) => {
                if let Some(conn) = self.conn.filter(|_| self.connect_pending) {
                    self.connect_pending = false;
                    if ok {
                        self.handshaking = true;
                        self.session.handle_connected(conn, self.now);
                    } else {
                        self.session.handle_connect_failed(conn, self.now);
                    }
                }
            }
            Action::Accept(read_only) => {
                if self.handshaking {
                    self.handshaking = false;
                    self.decoder.reset();
                    let resp = ConnectResponse {
                        protocol_version: 0,
                        timeout_ms: 6000,
                        session_id: 0x77,
                        passwd: Bytes::from_static(&[1; 16]),
                        read_only: Some(read_only),
                    };
                    self.frame(|b| resp.encode(b));
                }
            }
            Action::Expire => {
                if self.handshaking {
                    self.handshaking = false;
                    let resp = ConnectResponse {
                        passwd: Bytes::from_static(&[0; 16]),
                        ..ConnectResponse::default()
                    };
                    self.frame(|b| resp.encode(b));
                }
            }
            Action::Close(n) => {
                if n < 8 {
                    self.session.close(self.now);
                }
            }
        }
        self.drain();
    }

    /// Closes and lets every timer run out: afterwards nothing may be outstanding.
    fn finish(&mut self) {
        self.session.close(self.now);
        self.drain();
        for _ in 0..1000 {
            if self.session.state().is_terminal() && self.session.poll_timeout().is_none() {
                break;
            }
            match self.session.poll_timeout() {
                Some(at) => self.now = self.now.max(at),
                None => self.now += Duration::from_secs(1),
            }
            self.session.handle_timeout(self.now);
            self.drain();
        }
    }
}

/// How many cases each property runs.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 1000,
        ..ProptestConfig::default()
    }
}

// The lock is held around the whole property, not each case: proptest generates its inputs
// outside the case body, and those allocations must not land inside another test's capped
// section (the cap is process-wide).

#[test]
fn arbitrary_interleavings_keep_every_promise() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    proptest!(config(), |(
        seed in any::<u64>(),
        actions in prop::collection::vec(action(), 1..80),
    )| {
        let mut world = World::new(seed);
        for action in actions {
            world.apply(action);
            for (id, count) in &world.completed {
                prop_assert_eq!(*count, 1, "{:?} completed more than once", id);
            }
        }
        world.finish();
        prop_assert!(world.session.state().is_terminal(), "{:?}", world.session.state());
        let mut issued = world.issued.clone();
        issued.sort();
        let completed: Vec<RequestId> = world.completed.keys().copied().collect();
        prop_assert_eq!(completed, issued, "every request completes exactly once");
        prop_assert!(world.completed.values().all(|c| *c == 1));
        prop_assert_eq!(world.session.watch_count(), 0);
    });
}

#[test]
fn arbitrary_bytes_after_the_handshake_never_panic() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    proptest!(config(), |(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..1024), 1..16),
    )| {
        let mut world = World::new(1);
        world.apply(Action::AnswerConnect(true));
        world.apply(Action::Accept(false));
        world.apply(Action::Submit(1, 0));
        for chunk in chunks {
            world.apply(Action::Garbage(chunk));
        }
    });
}

#[test]
fn a_forged_huge_length_is_refused_within_the_budget() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut world = World::new(3);
    world.apply(Action::AnswerConnect(true));
    world.apply(Action::Accept(false));
    // 2 GiB announced: refused without reserving it (the cap would abort the test).
    world.apply(Action::Garbage(vec![0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    assert_eq!(world.session.state(), zk_proto::SessionState::Suspended);
}
