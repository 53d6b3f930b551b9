//! Fuzzes the session state machine with the input as a script.
//!
//! The first byte picks the configuration. The harness plays the driver and a server on the
//! scripted peer shared with zk-proto's session and property tests (`zk-proto/tests/support/`,
//! included below with `#[path]`): it answers every `Action::Connect` by opening the
//! connection (or failing it, when the script asks), and every ConnectRequest with a
//! ConnectResponse (normal unless the script chose another handshake). The rest of the input
//! is a list of operations: raw chunks fed to `handle_data`, submits of assorted requests,
//! replies to the oldest unanswered frame (with fuzzed or well-formed bodies), notifications,
//! time passing (`handle_timeout`), disconnects, failed connects, auth, `remove_watch` and
//! `close`. Actions, outputs and transmits are drained after every step.
//!
//! Besides never panicking, the harness checks the contract (the peer's `Run` and `Ledger`):
//! transmits go to the current connection, every submitted request completes exactly once,
//! watch events only reach known watchers and stop after a terminal event, and after `close`
//! (and the close timeout) nothing is left outstanding.
//!
//! Shared with `#[path]`: the cargo-fuzz target `fuzz_targets/session_handle_data.rs` calls
//! [`run`], and so does zk-proto's `tests/fuzz_regressions.rs` on every file of
//! `fuzz/regressions/session_handle_data/` and of the seed corpus.

use std::time::Duration;

use zk_proto::jute::Record;
use zk_proto::records::{
    ClientInfo, Create2Response, CreateResponse, ErrorResponse, GetAclResponse,
    GetAllChildrenNumberResponse, GetChildren2Response, GetChildrenResponse, GetDataResponse,
    GetEphemeralsResponse, MultiHeader, StatResponse, SyncResponse, WhoAmIResponse,
};
use zk_proto::{
    Acl, AddWatchMode, CreateMode, ExpiryPolicy, MultiOp, ReadOp, Request, SessionConfig, Stat,
    WatcherType,
};

#[path = "../../zk-proto/tests/support/mod.rs"]
mod support;

use support::{Run, SESSION_ID, wire};

/// Reads the fuzz input; past its end every byte is 0.
struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
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
    run: Run,
    chroot: &'static str,
    handshake: Handshake,
    negotiated_ms: i32,
    /// Sessions granted as new ones (`Handshake::NewSessionId`) so far: the next id's offset.
    renewals: i64,
    fail_connects: u8,
}

impl Harness {
    fn connect_response(&mut self, handshake: Handshake) -> Vec<u8> {
        match handshake {
            Handshake::Refused => wire::reply(0, 0x10, -119, |_| {}),
            Handshake::Expired => wire::expired(),
            _ => {
                if handshake == Handshake::NewSessionId {
                    self.renewals += 1;
                }
                let read_only = match handshake {
                    Handshake::NoReadOnlyByte => None,
                    Handshake::ReadOnly => Some(true),
                    _ => Some(false),
                };
                wire::granted(SESSION_ID + self.renewals, self.negotiated_ms, read_only)
            }
        }
    }

    /// Drains the session, playing the driver (connects answered at once, or failed while the
    /// script asks) and the handshake side of the server, until nothing is left to answer.
    fn drain(&mut self) {
        for _ in 0..64 {
            self.run.drain();
            if self.run.script.connect_pending {
                if self.fail_connects > 0 {
                    self.fail_connects -= 1;
                    self.run.script.fail_connect();
                } else {
                    self.run.script.open();
                }
            } else if self.run.handshake.take().is_some() {
                let handshake = std::mem::replace(&mut self.handshake, Handshake::Normal);
                if handshake != Handshake::Silent {
                    let frame = self.connect_response(handshake);
                    self.run.script.deliver(&frame);
                }
            } else {
                return;
            }
        }
    }

    fn server_path(&self, input: &mut Input) -> String {
        let path = PATHS[usize::from(input.byte()) % PATHS.len()];
        match (self.chroot, path) {
            ("", p) => p.to_owned(),
            (root, "/") => root.to_owned(),
            (root, p) => format!("{root}{p}"),
        }
    }

    fn stat(input: &mut Input) -> Stat {
        let b = input.byte();
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
    fn reply(&mut self, input: &mut Input) {
        let (xid, op) = self
            .run
            .in_flight
            .pop_front()
            .unwrap_or((i32::from(input.byte()), 4));
        let err = match input.byte() {
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
        let zxid = i64::from(input.byte()) - 1;
        let mut body = Vec::new();
        if err == 0 {
            match op {
                1 => CreateResponse {
                    path: self.server_path(input),
                }
                .encode(&mut body),
                15 | 19 | 21 => Create2Response {
                    path: self.server_path(input),
                    stat: Self::stat(input),
                }
                .encode(&mut body),
                3 | 5 | 7 => StatResponse {
                    stat: Self::stat(input),
                }
                .encode(&mut body),
                4 | 16 => {
                    let n = usize::from(input.byte() % 32);
                    GetDataResponse {
                        data: (n != 31).then(|| input.bytes(n).to_vec().into()),
                        stat: Self::stat(input),
                    }
                    .encode(&mut body)
                }
                6 => GetAclResponse {
                    acl: Acl::open_unsafe(),
                    stat: Self::stat(input),
                }
                .encode(&mut body),
                8 => GetChildrenResponse {
                    children: vec!["x".to_owned(), "y".to_owned()],
                }
                .encode(&mut body),
                12 => GetChildren2Response {
                    children: vec!["x".to_owned()],
                    stat: Self::stat(input),
                }
                .encode(&mut body),
                9 => SyncResponse {
                    path: self.server_path(input),
                }
                .encode(&mut body),
                14 | 22 => self.multi_body(input, &mut body),
                103 => GetEphemeralsResponse {
                    ephemerals: vec![self.server_path(input), self.server_path(input)],
                }
                .encode(&mut body),
                104 => GetAllChildrenNumberResponse {
                    total_number: i32::from(input.byte()),
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
        match input.byte() % 8 {
            0 => {
                let keep = usize::from(input.byte()) % (body.len() + 1);
                body.truncate(keep);
            }
            1 => {
                let n = usize::from(input.byte() % 16);
                body.extend_from_slice(input.bytes(n));
            }
            _ => {}
        }
        let frame = wire::reply(xid, zxid, err, |b| b.extend_from_slice(&body));
        self.run.script.deliver(&frame);
    }

    /// Multi and multiRead results, by result type as the session decodes them.
    fn multi_body(&self, input: &mut Input, body: &mut Vec<u8>) {
        let count = input.byte() % 5;
        for _ in 0..count {
            let kind = input.byte() % 8;
            let op = [1, 15, 2, 5, 13, -1, 4, 8][usize::from(kind)];
            MultiHeader {
                op,
                done: false,
                err: if op == -1 { -101 } else { 0 },
            }
            .encode(body);
            match op {
                1 => CreateResponse {
                    path: self.server_path(input),
                }
                .encode(body),
                15 => Create2Response {
                    path: self.server_path(input),
                    stat: Self::stat(input),
                }
                .encode(body),
                5 => Self::stat(input).encode(body),
                -1 => ErrorResponse {
                    err: [0, -101, -103, -2][usize::from(input.byte() % 4)],
                }
                .encode(body),
                4 => GetDataResponse {
                    data: Some(vec![1, 2, 3].into()),
                    stat: Self::stat(input),
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

    fn notification(&mut self, input: &mut Input) {
        let event_type = match input.byte() % 10 {
            0..=7 => i32::from(input.byte() % 8) - 1,
            _ => i32::from(input.byte()),
        };
        let path = self.server_path(input);
        let zxid = i64::from(input.byte()) - 1;
        self.run
            .script
            .deliver(&wire::notification(zxid, event_type, &path));
    }

    fn request(input: &mut Input) -> Request {
        let kind = input.byte();
        let path = PATHS[usize::from(input.byte()) % PATHS.len()].to_owned();
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
                    ttl: Duration::from_millis(u64::from(input.byte())),
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
    let mut input = Input { data };
    let flags = input.byte();
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
    let mut h = Harness {
        run: Run::new(config),
        chroot,
        handshake: Handshake::Normal,
        negotiated_ms,
        renewals: 0,
        fail_connects: 0,
    };
    // Connect, handshake, ConnectResponse: the session is connected before the script starts.
    h.drain();

    let mut steps = 0;
    while !input.is_empty() && steps < 512 {
        steps += 1;
        match input.byte() % 16 {
            0..=2 => {
                let n = usize::from(input.byte());
                let chunk = input.bytes(n);
                h.run.script.deliver(chunk);
            }
            3 => {
                let request = Harness::request(&mut input);
                h.run.submit(request);
            }
            4 => {
                // A reply to the oldest frame with a fuzzed body.
                let (xid, _) = h.run.in_flight.pop_front().unwrap_or((1, 0));
                let err = -i32::from(input.byte() & 0x7f);
                let n = usize::from(input.byte());
                let body = input.bytes(n);
                let err = if err < -100 { err } else { 0 };
                let frame = wire::reply(xid, 5, err, |b| b.extend_from_slice(body));
                h.run.script.deliver(&frame);
            }
            5 => h.reply(&mut input),
            6 => h.notification(&mut input),
            7 => h
                .run
                .script
                .advance(Duration::from_millis(u64::from(input.byte()))),
            8 => h
                .run
                .script
                .advance(Duration::from_millis(250 * u64::from(input.byte()))),
            9 => {
                let script = &mut h.run.script;
                let due = script.session.poll_timeout();
                script.advance(due.map_or(Duration::ZERO, |at| {
                    at.saturating_duration_since(script.now)
                }));
            }
            10 => {
                if let Some(conn) = h.run.script.opened {
                    let now = h.run.script.now;
                    h.run.script.session.handle_disconnected(conn, now);
                }
            }
            11 => {
                // A byte picks the watcher only when there is one to pick.
                if !h.run.ledger.watches().is_empty() {
                    let pick = input.byte();
                    h.run.remove_watch(pick);
                }
            }
            12 => h
                .run
                .add_auth(["digest", "ip", ""][usize::from(input.byte()) % 3]),
            13 => {
                let now = h.run.script.now;
                h.run.script.session.close(now);
            }
            14 => {
                h.handshake = match input.byte() % 7 {
                    0 => Handshake::Normal,
                    1 => Handshake::ReadOnly,
                    2 => Handshake::Expired,
                    3 => Handshake::Refused,
                    4 => Handshake::NewSessionId,
                    5 => Handshake::NoReadOnlyByte,
                    _ => Handshake::Silent,
                };
            }
            _ => h.fail_connects = input.byte() % 4,
        }
        h.drain();
    }

    // Close and let the close timeout pass: everything must be settled.
    h.run.finish();
}
