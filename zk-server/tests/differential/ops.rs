//! Generated operation sequences: what each of three clients does, chosen by a seeded
//! generator from a small set of paths so that operations collide often.
//!
//! Every client may leave any watch, check or remove any, set any ACL: the server under
//! test answers as 3.8.0, quirks included (one watch mode per connection and path, a
//! checkWatches that answers for anyone, no READ checks on exists or on events).

use bytes::Bytes;
use zk_proto::records::server::{MultiRequestOp, RequestBody};
use zk_proto::records::{
    AddWatchRequest, AuthPacket, CheckVersionRequest, CreateRequest, CreateTtlRequest,
    DeleteRequest, PathRequest, PathWatchRequest, SetAclRequest, SetDataRequest, WatchesRequest,
};
use zk_proto::{Acl, Id, OpCode, Perms};

/// Paths the operations pick from (relative to the run's chroot): top-level ones as often
/// as deeper ones, so that parents exist often enough for most operations to succeed.
const TOP: [&str; 4] = ["/a", "/d", "/q", "/e"];
const DEEP: [&str; 6] = [
    "/a/b",
    "/a/b/c",
    "/d/e",
    "/q/s-0000000000",
    "/q/s-0000000001",
    "/a/s-0000000000",
];

/// Prefixes for sequential creates.
const PREFIXES: [&str; 2] = ["/q/s-", "/a/s-"];

/// The number of clients in a run.
pub(crate) const CLIENTS: usize = 3;

/// A deterministic generator (xorshift64*).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn path(&mut self) -> String {
        if self.below(2) == 0 {
            self.pick(&TOP).to_owned()
        } else {
            self.pick(&DEEP).to_owned()
        }
    }

    fn version(&mut self) -> i32 {
        // Mostly "any", sometimes a version that may or may not match.
        match self.below(4) {
            0 | 1 => -1,
            _ => self.below(3) as i32,
        }
    }
}

/// One step of a sequence.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// A request by a client.
    Request {
        client: usize,
        op: OpCode,
        body: RequestBody,
    },
    /// The client drops its connection and re-attaches its session.
    Reconnect { client: usize },
    /// The client closes its session and opens a new one.
    CloseSession { client: usize },
    /// The session is expired from outside (another connection attaches to it and closes
    /// it); the client then opens a new one.
    Expire { client: usize },
    /// The client reconnects and sends SetWatches for these paths, relative to the last zxid
    /// it saw: what changed since is caught up with events, the rest registered.
    Resume {
        client: usize,
        data: Vec<String>,
        exist: Vec<String>,
        child: Vec<String>,
    },
}

/// A whole sequence: watchers and a few parents first (so that most later operations find
/// their parent), then `len` random steps.
pub(crate) fn generate(seed: u64, len: usize) -> Vec<Step> {
    let mut rng = Rng::new(seed);
    let prologue = ["/a", "/d", "/q", "/a/b"].map(|path| Step::Request {
        client: rng.below(CLIENTS),
        op: OpCode::Create,
        body: RequestBody::Create(CreateRequest {
            path: path.to_owned(),
            data: None,
            acl: Acl::open_unsafe(),
            flags: 0,
        }),
    });
    // Watchers from the start: client 1 hears of every change below the root, client 0 of
    // the root's children and of one deep node.
    let watchers = [
        Step::Request {
            client: 1,
            op: OpCode::AddWatch,
            body: RequestBody::AddWatch(AddWatchRequest {
                path: "/".into(),
                mode: 1,
            }),
        },
        Step::Request {
            client: 0,
            op: OpCode::GetChildren,
            body: RequestBody::PathWatch(PathWatchRequest {
                path: "/".into(),
                watch: true,
            }),
        },
        Step::Request {
            client: 0,
            op: OpCode::Exists,
            body: RequestBody::PathWatch(PathWatchRequest {
                path: "/a/b/c".into(),
                watch: true,
            }),
        },
    ];
    watchers
        .into_iter()
        .chain(prologue)
        .chain((0..len).map(|_| step(&mut rng)))
        .collect()
}

fn step(rng: &mut Rng) -> Step {
    let client = rng.below(CLIENTS);
    let path = rng.path();
    let data = Bytes::from(vec![b'x'; rng.below(4)]);
    let (op, body) = match rng.below(31) {
        0..=7 => create(rng, &path),
        8 | 9 => (
            OpCode::Delete,
            RequestBody::Delete(DeleteRequest {
                path,
                version: rng.version(),
            }),
        ),
        10 | 11 => (
            OpCode::SetData,
            RequestBody::SetData(SetDataRequest {
                path,
                data: Some(data),
                version: rng.version(),
            }),
        ),
        12 => (OpCode::Exists, watch_body(rng, path)),
        13 => (OpCode::GetData, watch_body(rng, path)),
        14 => (OpCode::GetChildren, watch_body(rng, path)),
        15 => (OpCode::GetChildren2, watch_body(rng, path)),
        16 => (OpCode::GetAcl, RequestBody::Path(PathRequest { path })),
        17 => (
            OpCode::GetAllChildrenNumber,
            RequestBody::Path(PathRequest { path }),
        ),
        18 => (
            OpCode::GetEphemerals,
            RequestBody::Path(PathRequest {
                path: rng.pick(&["/", "/a", "/q/"]).to_owned(),
            }),
        ),
        19 | 20 => (OpCode::Multi, multi(rng)),
        21 => (
            OpCode::MultiRead,
            RequestBody::Multi(
                (0..1 + rng.below(3))
                    .map(|_| MultiRequestOp {
                        op: if rng.below(2) == 0 {
                            OpCode::GetData
                        } else {
                            OpCode::GetChildren
                        },
                        body: RequestBody::PathWatch(PathWatchRequest {
                            path: rng.path(),
                            watch: false,
                        }),
                    })
                    .collect(),
            ),
        ),
        22 => (
            OpCode::AddWatch,
            RequestBody::AddWatch(AddWatchRequest {
                // Now and then a mode that does not exist.
                mode: [0, 1, 0, 1, 2][rng.below(5)],
                path,
            }),
        ),
        23 => {
            let op = if rng.below(2) == 0 {
                OpCode::CheckWatches
            } else {
                OpCode::RemoveWatches
            };
            // 4 and 5 are 3.9's: a MarshallingError here.
            let watcher_type = 1 + rng.below(5) as i32;
            (
                op,
                RequestBody::Watches(WatchesRequest { path, watcher_type }),
            )
        }
        24 => return Step::Reconnect { client },
        25 | 26 => (
            OpCode::SetAcl,
            RequestBody::SetAcl(SetAclRequest {
                path,
                acl: acl(rng),
                version: rng.version(),
            }),
        ),
        27 => (
            OpCode::Auth,
            RequestBody::Auth(AuthPacket {
                auth_type: 0,
                scheme: "digest".into(),
                auth: Bytes::from(format!("u{}:p", rng.below(2))),
            }),
        ),
        28 => {
            let mut paths = || (0..rng.below(3)).map(|_| rng.path()).collect::<Vec<_>>();
            return Step::Resume {
                client,
                data: paths(),
                exist: paths(),
                child: paths(),
            };
        }
        29 => return Step::Expire { client },
        _ if client == 2 => return Step::CloseSession { client },
        _ => (OpCode::Sync, RequestBody::Path(PathRequest { path })),
    };
    Step::Request { client, op, body }
}

/// An ACL from a small set, READ for everybody or not.
fn acl(rng: &mut Rng) -> Vec<Acl> {
    let world = |perms| Acl::new(perms, Id::anyone());
    let user = |n: usize| zk_proto::auth::digest_acl(&format!("u{n}"), "p", Perms::ALL);
    match rng.below(7) {
        5 => vec![user(0)],
        6 => vec![world(Perms::CREATE | Perms::DELETE), user(1)],
        0 => Acl::open_unsafe(),
        1 => vec![world(Perms::READ), user(0)],
        2 => vec![world(Perms::READ | Perms::CREATE | Perms::DELETE), user(1)],
        3 => vec![
            world(Perms::READ),
            Acl::new(Perms::ALL, Id::authenticated()),
        ],
        _ => vec![world(Perms::READ | Perms::ADMIN), user(0), user(1)],
    }
}

/// A read, usually leaving a watch.
fn watch_body(rng: &mut Rng, path: String) -> RequestBody {
    RequestBody::PathWatch(PathWatchRequest {
        path,
        watch: rng.below(3) != 0,
    })
}

fn create(rng: &mut Rng, path: &str) -> (OpCode, RequestBody) {
    let sequential = rng.below(4) == 0;
    let path = if sequential {
        rng.pick(&PREFIXES).to_owned()
    } else {
        path.to_owned()
    };
    let data = Some(Bytes::from(vec![b'c'; rng.below(3)]));
    let acl = if rng.below(3) == 0 {
        acl(rng)
    } else {
        Acl::open_unsafe()
    };
    match rng.below(8) {
        // A container (the reaper never runs within a test) or a long-lived TTL node.
        0 => (
            OpCode::CreateContainer,
            RequestBody::Create(CreateRequest {
                path,
                data,
                acl,
                flags: 4,
            }),
        ),
        1 => (
            OpCode::CreateTtl,
            RequestBody::CreateTtl(CreateTtlRequest {
                path,
                data,
                acl,
                flags: if sequential { 6 } else { 5 },
                ttl: 3_600_000,
            }),
        ),
        n => {
            let ephemeral = rng.below(3) == 0;
            let flags = i32::from(ephemeral) + if sequential { 2 } else { 0 };
            let op = if n % 2 == 0 {
                OpCode::Create
            } else {
                OpCode::Create2
            };
            (
                op,
                RequestBody::Create(CreateRequest {
                    path,
                    data,
                    acl,
                    flags,
                }),
            )
        }
    }
}

/// A transaction of one to four writes and checks, creates of every opcode among them (the
/// server under test answers as 3.8, which returns a create2 as a create).
fn multi(rng: &mut Rng) -> RequestBody {
    let ops = (0..1 + rng.below(4))
        .map(|_| {
            let path = rng.path();
            match rng.below(4) {
                0 => {
                    let (op, body) = create(rng, &path);
                    MultiRequestOp { op, body }
                }
                1 => MultiRequestOp {
                    op: OpCode::Delete,
                    body: RequestBody::Delete(DeleteRequest {
                        path,
                        version: rng.version(),
                    }),
                },
                2 => MultiRequestOp {
                    op: OpCode::SetData,
                    body: RequestBody::SetData(SetDataRequest {
                        path,
                        data: Some(Bytes::from_static(b"m")),
                        version: rng.version(),
                    }),
                },
                _ => MultiRequestOp {
                    op: OpCode::Check,
                    body: RequestBody::Check(CheckVersionRequest {
                        path,
                        version: rng.version(),
                    }),
                },
            }
        })
        .collect();
    RequestBody::Multi(ops)
}

/// The same request with every path moved under `chroot`.
pub(crate) fn rooted(body: &RequestBody, chroot: &str) -> RequestBody {
    let p = |path: &str| {
        if path == "/" {
            chroot.to_owned()
        } else {
            format!("{chroot}{path}")
        }
    };
    match body {
        RequestBody::Create(r) => RequestBody::Create(CreateRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        RequestBody::CreateTtl(r) => RequestBody::CreateTtl(CreateTtlRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        RequestBody::Delete(r) => RequestBody::Delete(DeleteRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        RequestBody::SetData(r) => RequestBody::SetData(SetDataRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        RequestBody::Check(r) => RequestBody::Check(CheckVersionRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        RequestBody::PathWatch(r) => RequestBody::PathWatch(PathWatchRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        // getEphemerals' prefix is a plain string prefix: "/" would mean everything.
        RequestBody::Path(r) => RequestBody::Path(PathRequest {
            path: format!("{chroot}{}", if r.path == "/" { "" } else { &r.path }),
        }),
        RequestBody::Watches(r) => RequestBody::Watches(WatchesRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        RequestBody::AddWatch(r) => RequestBody::AddWatch(AddWatchRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        RequestBody::SetAcl(r) => RequestBody::SetAcl(SetAclRequest {
            path: p(&r.path),
            ..r.clone()
        }),
        RequestBody::Multi(ops) => RequestBody::Multi(
            ops.iter()
                .map(|op| MultiRequestOp {
                    op: op.op,
                    body: rooted(&op.body, chroot),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A short description of a request, for transcripts.
pub(crate) fn describe(body: &RequestBody) -> String {
    match body {
        RequestBody::Create(r) => format!("{} flags {}", r.path, r.flags),
        RequestBody::CreateTtl(r) => format!("{} flags {} ttl", r.path, r.flags),
        RequestBody::Delete(r) => format!("{} v{}", r.path, r.version),
        RequestBody::SetData(r) => format!("{} v{}", r.path, r.version),
        RequestBody::Check(r) => format!("check {} v{}", r.path, r.version),
        RequestBody::PathWatch(r) => format!("{} watch {}", r.path, r.watch),
        RequestBody::Path(r) => r.path.clone(),
        RequestBody::Watches(r) => format!("{} type {}", r.path, r.watcher_type),
        RequestBody::AddWatch(r) => format!("{} mode {}", r.path, r.mode),
        RequestBody::SetAcl(r) => format!("{} acl {} v{}", r.path, r.acl.len(), r.version),
        RequestBody::Auth(r) => format!("{} {:?}", r.scheme, r.auth),
        RequestBody::Multi(ops) => {
            let ops: Vec<String> = ops
                .iter()
                .map(|op| format!("{:?} {}", op.op, describe(&op.body)))
                .collect();
            format!("[{}]", ops.join(", "))
        }
        other => format!("{other:?}"),
    }
}
