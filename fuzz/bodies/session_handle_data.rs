//! Fuzzes the session state machine with the input as a script.
//!
//! The first byte picks the configuration. The harness plays the driver and a server: it answers
//! every `Action::Connect` with `handle_connected`, and every ConnectRequest it sees go out with
//! a ConnectResponse (normal unless the script chose another handshake). The rest of the input
//! is a list of operations: raw chunks fed to `handle_data`, submits of assorted requests,
//! replies to the oldest unanswered request (with fuzzed or well-formed bodies),
//! notifications, time passing (`handle_timeout`), disconnects, failed connects, auth,
//! `remove_watch` and `close`. Actions, outputs and transmits are drained after every step.
//!
//! Besides never panicking, the harness checks the contract: transmits go to the current
//! connection, every submitted request completes exactly once, watch events only reach known
//! watchers and stop after a terminal event, and after `close` (and the close timeout)
//! nothing is left outstanding.
//!
//! Shared with `#[path]`: the cargo-fuzz target `fuzz_targets/session_handle_data.rs` calls
//! [`run`], and so does zk-proto's `tests/fuzz_regressions.rs` on every file of
//! `fuzz/regressions/session_handle_data/` and of the seed corpus.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::time::{Duration, Instant};

use zk_proto::frame::write_frame;
use zk_proto::jute::Record;
use zk_proto::records::{
    ClientInfo, ConnectResponse, Create2Response, CreateResponse, ErrorResponse, GetAclResponse,
    GetAllChildrenNumberResponse, GetChildren2Response, GetChildrenResponse, GetDataResponse,
    GetEphemeralsResponse, MultiHeader, ReplyHeader, StatResponse, SyncResponse, WatcherEvent,
    WhoAmIResponse,
};
use zk_proto::{
    Acl, Action, AddWatchMode, ConnId, CreateMode, ExpiryPolicy, MultiOp, Output, ReadOp, Request,
    Session, SessionConfig, Stat, WatchId, WatcherType,
};

/// Reads the script.
struct Script<'a> {
    data: &'a [u8],
}

impl<'a> Script<'a> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// How the fake server answers the next ConnectRequest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handshake {
    Normal,
    ReadOnly,
    Expired,
    /// A bare ReplyHeader {0, zxid, -119}, as read-only servers send
    /// (`docs/protocol.md#read-only-mode`).
    Refused,
    NewSessionId,
    NoReadOnlyByte,
    /// No answer: the script's raw chunks have to supply (or not) the ConnectResponse.
    Silent,
}

const PATHS: [&str; 6] = ["/", "/a", "/a/b", "/zookeeper/config", "/a/s-", "/app"];

struct Harness {
    session: Session,
    now: Instant,
    chroot: &'static str,
    conn: Option<ConnId>,
    last_conn: Option<ConnId>,
    /// A ConnectRequest is due on `conn` (handle_connected was called).
    handshaking: bool,
    handshake: Handshake,
    negotiated_ms: i32,
    session_counter: i64,
    fail_connects: u8,
    /// (xid, op) of frames sent and not answered by the script yet.
    pending: VecDeque<(i32, i32)>,
    outstanding: BTreeSet<u64>,
    known_watches: Vec<WatchId>,
    ended_watches: HashSet<WatchId>,
    tx: Vec<u8>,
}

impl Harness {
    fn submit(&mut self, request: Request) {
        if let Ok(id) = self.session.submit(request, self.now) {
            assert!(self.outstanding.insert(id.get()), "request id reused");
        }
    }

    fn connect_response(&mut self) -> Vec<u8> {
        let handshake = std::mem::replace(&mut self.handshake, Handshake::Normal);
        let mut frame = Vec::new();
        if handshake == Handshake::Refused {
            write_frame(&mut frame, |b| {
                ReplyHeader {
                    xid: 0,
                    zxid: 0x10,
                    err: -119,
                }
                .encode(b)
            });
            return frame;
        }
        if handshake == Handshake::NewSessionId {
            self.session_counter += 1;
        }
        let expired = handshake == Handshake::Expired;
        let response = ConnectResponse {
            protocol_version: 0,
            timeout_ms: if expired { 0 } else { self.negotiated_ms },
            session_id: if expired {
                0
            } else {
                0x0100_0007_4b64_0000 + self.session_counter
            },
            passwd: vec![if expired { 0 } else { 0x91 }; 16].into(),
            read_only: match handshake {
                Handshake::NoReadOnlyByte => None,
                Handshake::ReadOnly => Some(true),
                _ => Some(false),
            },
        };
        write_frame(&mut frame, |b| response.encode(b));
        frame
    }

    /// Drains outputs and transmits, playing the driver and the handshake side of the server.
    fn drain(&mut self) {
        for _ in 0..64 {
            let mut progressed = false;
            while let Some(action) = self.session.poll_action() {
                progressed = true;
                match action {
                    Action::Connect { conn, .. } => {
                        self.pending.clear();
                        self.conn = None;
                        self.handshaking = false;
                        if self.fail_connects > 0 {
                            self.fail_connects -= 1;
                            self.session.handle_connect_failed(conn, self.now);
                        } else {
                            self.conn = Some(conn);
                            self.last_conn = Some(conn);
                            self.handshaking = true;
                            self.session.handle_connected(conn, self.now);
                        }
                    }
                    Action::Disconnect(conn) if self.conn == Some(conn) => {
                        self.conn = None;
                        self.handshaking = false;
                        self.pending.clear();
                    }
                    // No configuration asks for SASL; a probe may go unanswered.
                    Action::Disconnect(_) | Action::ProbeReadWrite { .. } | Action::Sasl(_) => {}
                }
            }
            while let Some(output) = self.session.poll_output() {
                progressed = true;
                match output {
                    Output::Complete { id, watch, .. } => {
                        assert!(
                            self.outstanding.remove(&id.get()),
                            "completion for {id:?}, which is not outstanding"
                        );
                        if let Some(watch) = watch {
                            self.known_watches.push(watch);
                        }
                    }
                    Output::Watch { watch, event } => {
                        assert!(
                            self.known_watches.contains(&watch),
                            "event {event:?} for unknown {watch:?}"
                        );
                        assert!(
                            !self.ended_watches.contains(&watch),
                            "event {event:?} after a terminal event for {watch:?}"
                        );
                        if event.is_terminal() {
                            self.ended_watches.insert(watch);
                        }
                    }
                    Output::State(_) => {}
                }
            }
            self.tx.clear();
            while let Some(transmit) = self.session.poll_transmit(self.now, &mut self.tx) {
                progressed = true;
                assert_eq!(
                    Some(transmit.conn),
                    self.conn,
                    "transmit for a connection that is not current"
                );
            }
            let mut at = 0;
            let mut answer_handshake = false;
            while at + 4 <= self.tx.len() {
                let len = i32::from_be_bytes(self.tx[at..at + 4].try_into().unwrap());
                let len = usize::try_from(len).expect("negative frame length sent");
                let frame = &self.tx[at + 4..at + 4 + len];
                if self.handshaking {
                    self.handshaking = false;
                    answer_handshake = self.handshake != Handshake::Silent;
                    if !answer_handshake {
                        self.handshake = Handshake::Normal;
                    }
                } else {
                    let xid = i32::from_be_bytes(frame[0..4].try_into().unwrap());
                    let op = i32::from_be_bytes(frame[4..8].try_into().unwrap());
                    self.pending.push_back((xid, op));
                }
                at += 4 + len;
            }
            assert_eq!(at, self.tx.len(), "transmit ends inside a frame");
            // Nested rather than a let chain: zk-proto's tests build at its MSRV (1.85) too.
            if answer_handshake {
                if let Some(conn) = self.conn {
                    let frame = self.connect_response();
                    self.session.handle_data(conn, &frame, self.now);
                    progressed = true;
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        if let Some(conn) = self.conn.or(self.last_conn) {
            self.session.handle_data(conn, bytes, self.now);
        }
    }

    fn server_path(&self, script: &mut Script) -> String {
        let path = PATHS[usize::from(script.byte()) % PATHS.len()];
        match (self.chroot, path) {
            ("", p) => p.to_owned(),
            (root, "/") => root.to_owned(),
            (root, p) => format!("{root}{p}"),
        }
    }

    fn stat(script: &mut Script) -> Stat {
        let b = script.byte();
        Stat {
            czxid: i64::from(b),
            mzxid: i64::from(b) + 1,
            version: i32::from(b & 7),
            data_length: i32::from(b & 15),
            num_children: i32::from(b >> 4),
            ephemeral_owner: i64::from(b & 1),
            ..Stat::default()
        }
    }

    /// A well-formed reply to the oldest unanswered frame (or a stray one with a fuzzed xid).
    fn reply(&mut self, script: &mut Script) {
        let (xid, op) = self
            .pending
            .pop_front()
            .unwrap_or((i32::from(script.byte()), 4));
        let err = match script.byte() {
            0..=191 => 0,
            192 => -101,
            193 => -110,
            194 => -103,
            195 => -6,
            196 => -121,
            197 => -102,
            198 => -115,
            199 => -112,
            200 => -118,
            201 => -119,
            202 => -111,
            b => -i32::from(b),
        };
        let zxid = i64::from(script.byte()) - 1;
        let header = ReplyHeader { xid, zxid, err };
        let mut body = Vec::new();
        if err == 0 {
            match op {
                1 => CreateResponse {
                    path: self.server_path(script),
                }
                .encode(&mut body),
                15 | 19 | 21 => Create2Response {
                    path: self.server_path(script),
                    stat: Self::stat(script),
                }
                .encode(&mut body),
                3 | 5 | 7 => StatResponse {
                    stat: Self::stat(script),
                }
                .encode(&mut body),
                4 | 16 => {
                    let n = usize::from(script.byte() % 32);
                    GetDataResponse {
                        data: (n != 31).then(|| script.bytes(n).to_vec().into()),
                        stat: Self::stat(script),
                    }
                    .encode(&mut body)
                }
                6 => GetAclResponse {
                    acl: Acl::open_unsafe(),
                    stat: Self::stat(script),
                }
                .encode(&mut body),
                8 => GetChildrenResponse {
                    children: vec!["x".to_owned(), "y".to_owned()],
                }
                .encode(&mut body),
                12 => GetChildren2Response {
                    children: vec!["x".to_owned()],
                    stat: Self::stat(script),
                }
                .encode(&mut body),
                9 => SyncResponse {
                    path: self.server_path(script),
                }
                .encode(&mut body),
                14 | 22 => self.multi_body(script, &mut body),
                103 => GetEphemeralsResponse {
                    ephemerals: vec![self.server_path(script), self.server_path(script)],
                }
                .encode(&mut body),
                104 => GetAllChildrenNumberResponse {
                    total_number: i32::from(script.byte()),
                }
                .encode(&mut body),
                106 => ErrorResponse { err: 0 }.encode(&mut body),
                107 => WhoAmIResponse {
                    client_info: vec![ClientInfo {
                        auth_scheme: "ip".to_owned(),
                        user: "127.0.0.1".to_owned(),
                    }],
                }
                .encode(&mut body),
                _ => {}
            }
        }
        // Sometimes cut the body short or append junk.
        match script.byte() % 8 {
            0 => {
                let keep = usize::from(script.byte()) % (body.len() + 1);
                body.truncate(keep);
            }
            1 => {
                let n = usize::from(script.byte() % 16);
                body.extend_from_slice(script.bytes(n));
            }
            _ => {}
        }
        let mut frame = Vec::new();
        write_frame(&mut frame, |b| {
            header.encode(b);
            b.extend_from_slice(&body);
        });
        self.feed(&frame);
    }

    /// Multi and multiRead results, by result type as the session decodes them.
    fn multi_body(&self, script: &mut Script, body: &mut Vec<u8>) {
        let count = script.byte() % 5;
        for _ in 0..count {
            let kind = script.byte() % 8;
            let op = [1, 15, 2, 5, 13, -1, 4, 8][usize::from(kind)];
            MultiHeader {
                op,
                done: false,
                err: if op == -1 { -101 } else { 0 },
            }
            .encode(body);
            match op {
                1 => CreateResponse {
                    path: self.server_path(script),
                }
                .encode(body),
                15 => Create2Response {
                    path: self.server_path(script),
                    stat: Self::stat(script),
                }
                .encode(body),
                5 => Self::stat(script).encode(body),
                -1 => ErrorResponse {
                    err: [0, -101, -103, -2][usize::from(script.byte() % 4)],
                }
                .encode(body),
                4 => GetDataResponse {
                    data: Some(vec![1, 2, 3].into()),
                    stat: Self::stat(script),
                }
                .encode(body),
                8 => GetChildrenResponse {
                    children: vec!["c".to_owned()],
                }
                .encode(body),
                _ => {}
            }
        }
        MultiHeader {
            op: -1,
            done: true,
            err: -1,
        }
        .encode(body);
    }

    fn notification(&mut self, script: &mut Script) {
        let event_type = match script.byte() % 10 {
            0..=7 => i32::from(script.byte() % 8) - 1,
            _ => i32::from(script.byte()),
        };
        let path = self.server_path(script);
        let zxid = i64::from(script.byte()) - 1;
        let mut frame = Vec::new();
        write_frame(&mut frame, |b| {
            ReplyHeader {
                xid: -1,
                zxid,
                err: 0,
            }
            .encode(b);
            WatcherEvent {
                event_type,
                state: 3,
                path,
            }
            .encode(b);
        });
        self.feed(&frame);
    }

    fn request(script: &mut Script) -> Request {
        let kind = script.byte();
        let path = PATHS[usize::from(script.byte()) % PATHS.len()].to_owned();
        let flag = kind & 0x80 != 0;
        match kind % 23 {
            0 => Request::GetData { path, watch: flag },
            1 => Request::Exists { path, watch: flag },
            2 => Request::GetChildren {
                path,
                watch: flag,
                with_stat: kind & 0x40 != 0,
            },
            3 => Request::create(path, "v", CreateMode::Persistent),
            4 => Request::Create {
                path,
                data: "e".into(),
                acl: Acl::open_unsafe(),
                mode: CreateMode::EphemeralSequential,
                with_stat: true,
            },
            5 => Request::Create {
                path,
                data: "c".into(),
                acl: Acl::open_unsafe(),
                mode: CreateMode::Container,
                with_stat: false,
            },
            6 => Request::Create {
                path,
                data: "t".into(),
                acl: Acl::open_unsafe(),
                mode: CreateMode::PersistentWithTtl {
                    ttl: Duration::from_millis(u64::from(script.byte())),
                },
                with_stat: true,
            },
            7 => Request::set_data(path, "new"),
            8 => Request::delete(path),
            9 => Request::GetAcl { path },
            10 => Request::SetAcl {
                path,
                acl: Acl::read_unsafe(),
                version: flag.then_some(1),
            },
            11 => Request::Sync { path },
            12 => Request::Multi(vec![
                MultiOp::Create {
                    path: path.clone(),
                    data: "m".into(),
                    acl: Acl::open_unsafe(),
                    mode: CreateMode::Persistent,
                },
                MultiOp::Check {
                    path: path.clone(),
                    version: 42,
                },
                MultiOp::SetData {
                    path: path.clone(),
                    data: "s".into(),
                    version: None,
                },
                MultiOp::Delete {
                    path,
                    version: Some(1),
                },
            ]),
            13 => Request::MultiRead(vec![
                ReadOp::GetData { path: path.clone() },
                ReadOp::GetChildren { path },
            ]),
            14 => Request::AddWatch {
                path,
                mode: if flag {
                    AddWatchMode::PersistentRecursive
                } else {
                    AddWatchMode::Persistent
                },
            },
            15 => Request::CheckWatches {
                path,
                watcher_type: WatcherType::Any,
            },
            16 => Request::RemoveAllWatches {
                path,
                watcher_type: [
                    WatcherType::Children,
                    WatcherType::Data,
                    WatcherType::Any,
                    WatcherType::Persistent,
                    WatcherType::PersistentRecursive,
                ][usize::from(kind >> 5) % 5],
            },
            17 => Request::GetEphemerals { prefix: path },
            18 => Request::CountDescendants { path },
            19 => Request::WhoAmI,
            20 => Request::GetConfig { watch: flag },
            21 => Request::Reconfig {
                joining: Some("server.4=h:2888:3888;2181".to_owned()),
                leaving: None,
                new_members: None,
                from_config: flag.then_some(7),
            },
            _ => Request::Multi(Vec::new()),
        }
    }
}

/// One fuzz input: panics on a bug (the fuzz target and the replay test both call this).
pub(crate) fn run(data: &[u8]) {
    let mut script = Script { data };
    let flags = script.byte();
    let chroot = if flags & 1 != 0 { "/app" } else { "" };
    let mut config =
        SessionConfig::new(&format!("127.0.0.1:2181,127.0.0.2:2181{chroot}")).expect("config");
    // A fixed seed: an input must replay exactly (host order, backoff jitter).
    config.seed = Some(0x5EED_2181);
    config.read_only = flags & 2 != 0;
    if flags & 4 != 0 {
        config.max_frame_in = 128;
    }
    if flags & 8 != 0 {
        config.expiry_policy = ExpiryPolicy::Terminal;
    }
    if flags & 16 != 0 {
        config.max_in_flight = 2;
    }
    if flags & 32 != 0 {
        config.request_timeout = Some(Duration::from_secs(1));
    }
    if flags & 64 != 0 {
        config
            .auth
            .push(("digest".to_owned(), b"u:p".to_vec().into()));
    }
    let negotiated_ms = if flags & 128 != 0 { 300 } else { 30_000 };
    // The one clock reading; the script moves time on from it.
    #[allow(
        clippy::disallowed_methods,
        reason = "the harness plays the adapter, which owns the clock"
    )]
    let now = Instant::now();
    let session = Session::new(config, now).expect("session");
    let mut h = Harness {
        session,
        now,
        chroot,
        conn: None,
        last_conn: None,
        handshaking: false,
        handshake: Handshake::Normal,
        negotiated_ms,
        session_counter: 0x1c,
        fail_connects: 0,
        pending: VecDeque::new(),
        outstanding: BTreeSet::new(),
        known_watches: Vec::new(),
        ended_watches: HashSet::new(),
        tx: Vec::new(),
    };
    // Connect, handshake, ConnectResponse: the session is connected before the script starts.
    h.drain();

    let mut steps = 0;
    while !script.is_empty() && steps < 512 {
        steps += 1;
        match script.byte() % 16 {
            0..=2 => {
                let n = usize::from(script.byte());
                let chunk = script.bytes(n);
                h.feed(chunk);
            }
            3 => {
                let request = Harness::request(&mut script);
                h.submit(request);
            }
            4 => {
                // A reply to the oldest frame with a fuzzed body.
                let (xid, _) = h.pending.pop_front().unwrap_or((1, 0));
                let err = -i32::from(script.byte() & 0x7f);
                let n = usize::from(script.byte());
                let body = script.bytes(n);
                let mut frame = Vec::new();
                write_frame(&mut frame, |b| {
                    ReplyHeader {
                        xid,
                        zxid: 5,
                        err: if err < -100 { err } else { 0 },
                    }
                    .encode(b);
                    b.extend_from_slice(body);
                });
                h.feed(&frame);
            }
            5 => h.reply(&mut script),
            6 => h.notification(&mut script),
            7 => {
                h.now += Duration::from_millis(u64::from(script.byte()));
                h.session.handle_timeout(h.now);
            }
            8 => {
                h.now += Duration::from_millis(250 * u64::from(script.byte()));
                h.session.handle_timeout(h.now);
            }
            9 => {
                if let Some(at) = h.session.poll_timeout() {
                    h.now = h.now.max(at);
                }
                h.session.handle_timeout(h.now);
            }
            10 => {
                if let Some(conn) = h.conn.or(h.last_conn) {
                    h.session.handle_disconnected(conn, h.now);
                }
            }
            11 => {
                if !h.known_watches.is_empty() {
                    let i = usize::from(script.byte()) % h.known_watches.len();
                    let watch = h.known_watches[i];
                    if let Ok(id) = h.session.remove_watch(watch, h.now) {
                        assert!(h.outstanding.insert(id.get()), "request id reused");
                        // remove_watch emits Removed itself; that is checked in drain().
                    }
                }
            }
            12 => {
                let scheme = ["digest", "ip", ""][usize::from(script.byte()) % 3];
                if let Ok(id) = h.session.add_auth(scheme, b"u:p".to_vec(), h.now) {
                    assert!(h.outstanding.insert(id.get()), "request id reused");
                }
            }
            13 => h.session.close(h.now),
            14 => {
                h.handshake = match script.byte() % 7 {
                    0 => Handshake::Normal,
                    1 => Handshake::ReadOnly,
                    2 => Handshake::Expired,
                    3 => Handshake::Refused,
                    4 => Handshake::NewSessionId,
                    5 => Handshake::NoReadOnlyByte,
                    _ => Handshake::Silent,
                };
            }
            _ => h.fail_connects = script.byte() % 4,
        }
        h.drain();
    }

    // Close and let the close timeout pass: everything must be settled.
    h.session.close(h.now);
    h.drain();
    for _ in 0..4 {
        if h.session.state().is_terminal() {
            break;
        }
        h.now += Duration::from_secs(6);
        h.session.handle_timeout(h.now);
        h.drain();
    }
    assert!(
        h.session.state().is_terminal(),
        "not closed after the close timeout: {:?}",
        h.session.state()
    );
    assert!(
        h.outstanding.is_empty(),
        "requests never completed: {:?}",
        h.outstanding
    );
    assert_eq!(h.session.watch_count(), 0, "watchers left after close");
}
