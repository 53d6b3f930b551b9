//! The `server_handle_data` fuzz target's inputs, replayed in a normal `cargo test`: every file
//! of `fuzz/regressions/server_handle_data/` (inputs that once crashed the target) and of the
//! committed seed corpus `fuzz/corpus/server_handle_data/` goes through the very function the
//! cargo-fuzz target calls, `fuzz/bodies/server_handle_data.rs`, included here with `#[path]`.
//!
//! `seed_corpus_is_what_the_builder_writes` keeps the committed seeds equal to what [`seeds`]
//! builds (a client's handshake and requests of every kind, encoded with zk-proto's records);
//! with `ZK_FUZZ_WRITE_CORPUS=1` it rewrites them instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use zk_proto::OpCode;
use zk_proto::frame::write_frame;
use zk_proto::jute::Record;
use zk_proto::records::server::{MultiRequestOp, RequestBody};
use zk_proto::records::{
    Acl, AddWatchRequest, AuthPacket, CheckVersionRequest, ConnectRequest, CreateRequest,
    DeleteRequest, PathRequest, PathWatchRequest, RequestHeader, SetAclRequest, SetDataRequest,
    SetWatches, WatchesRequest,
};

#[path = "../../fuzz/bodies/server_handle_data.rs"]
mod server_handle_data;

const TARGET: &str = "server_handle_data";

fn fuzz_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    dir.canonicalize().unwrap_or(dir)
}

/// The inputs in `dir`, by file name (dot files such as `.gitkeep` are not inputs).
fn inputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .map(|(name, path)| (name, std::fs::read(path).expect("read an input")))
        .collect()
}

/// A client's stream, built frame by frame.
#[derive(Default)]
struct Stream {
    bytes: Vec<u8>,
    xid: i32,
}

impl Stream {
    fn connect(mut self, session_id: i64, timeout_ms: i32) -> Stream {
        let request = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0,
            timeout_ms,
            session_id,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: Some(false),
        };
        write_frame(&mut self.bytes, |b| request.encode(b));
        self
    }

    fn request(mut self, op: OpCode, body: RequestBody) -> Stream {
        self.xid += 1;
        let xid = match op {
            OpCode::Ping => -2,
            OpCode::Auth => -4,
            OpCode::SetWatches => -8,
            _ => self.xid,
        };
        write_frame(&mut self.bytes, |b| {
            RequestHeader { xid, op: op.code() }.encode(b);
            body.encode(b);
        });
        self
    }

    fn raw(mut self, bytes: &[u8]) -> Stream {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// The fuzz input: a header byte (chunking and clock steps), then the stream.
    fn input(self, header: u8) -> Vec<u8> {
        let mut input = vec![header];
        input.extend(self.bytes);
        input
    }
}

fn create(path: &str, data: &'static [u8], flags: i32) -> RequestBody {
    RequestBody::Create(CreateRequest {
        path: path.into(),
        data: Some(Bytes::from_static(data)),
        acl: Acl::open_unsafe(),
        flags,
    })
}

fn path_watch(path: &str, watch: bool) -> RequestBody {
    RequestBody::PathWatch(PathWatchRequest {
        path: path.into(),
        watch,
    })
}

/// The seeds: each kind of request, in the orders a client sends them.
fn seeds() -> BTreeMap<String, Vec<u8>> {
    let mut seeds = BTreeMap::new();
    let crud = Stream::default()
        .connect(0, 30_000)
        .request(OpCode::Create, create("/a", b"one", 0))
        .request(OpCode::Create2, create("/a/seq-", b"", 2))
        .request(OpCode::Create, create("/a/eph", b"", 1))
        .request(OpCode::GetData, path_watch("/a", true))
        .request(OpCode::Exists, path_watch("/missing", true))
        .request(
            OpCode::SetData,
            RequestBody::SetData(SetDataRequest {
                path: "/a".into(),
                data: Some(Bytes::from_static(b"two")),
                version: 0,
            }),
        )
        .request(OpCode::GetChildren2, path_watch("/a", true))
        .request(
            OpCode::GetAllChildrenNumber,
            RequestBody::Path(PathRequest { path: "/".into() }),
        )
        .request(
            OpCode::GetEphemerals,
            RequestBody::Path(PathRequest { path: "/".into() }),
        )
        .request(
            OpCode::Delete,
            RequestBody::Delete(DeleteRequest {
                path: "/a/eph".into(),
                version: -1,
            }),
        )
        .request(
            OpCode::Sync,
            RequestBody::Path(PathRequest { path: "/a".into() }),
        )
        .request(OpCode::Ping, RequestBody::Empty)
        .request(OpCode::CloseSession, RequestBody::Empty);
    for header in [0x00, 0x05, 0x0a, 0x0f] {
        let mut input = vec![header];
        input.extend_from_slice(&crud.bytes);
        seeds.insert(format!("crud-{header:02x}"), input);
    }
    let multi = Stream::default().connect(0, 4_000).request(
        OpCode::Multi,
        RequestBody::Multi(vec![
            MultiRequestOp {
                op: OpCode::Create,
                body: create("/m", b"", 0),
            },
            MultiRequestOp {
                op: OpCode::Check,
                body: RequestBody::Check(CheckVersionRequest {
                    path: "/m".into(),
                    version: 0,
                }),
            },
            MultiRequestOp {
                op: OpCode::Delete,
                body: RequestBody::Delete(DeleteRequest {
                    path: "/m".into(),
                    version: 5,
                }),
            },
        ]),
    );
    let watches = Stream::default()
        .connect(0, 10_000)
        .request(
            OpCode::SetWatches,
            RequestBody::SetWatches(SetWatches {
                relative_zxid: 0,
                data_watches: vec!["/x".into()],
                exist_watches: vec!["/y".into()],
                child_watches: vec!["/".into()],
            }),
        )
        .request(
            OpCode::AddWatch,
            RequestBody::AddWatch(AddWatchRequest {
                path: "/".into(),
                mode: 1,
            }),
        )
        .request(OpCode::Create, create("/w", b"", 4))
        .request(
            OpCode::RemoveWatches,
            RequestBody::Watches(WatchesRequest {
                path: "/".into(),
                watcher_type: 3,
            }),
        );
    let auth = Stream::default()
        .connect(0, 10_000)
        .request(
            OpCode::Auth,
            RequestBody::Auth(AuthPacket {
                auth_type: 0,
                scheme: "digest".into(),
                auth: Bytes::from_static(b"alice:secret"),
            }),
        )
        .request(
            OpCode::SetAcl,
            RequestBody::SetAcl(SetAclRequest {
                path: "/".into(),
                acl: Acl::open_unsafe(),
                version: -1,
            }),
        )
        .request(
            OpCode::GetAcl,
            RequestBody::Path(PathRequest { path: "/".into() }),
        )
        .request(OpCode::WhoAmI, RequestBody::Empty);
    let reattach = Stream::default().connect(0x0100_0000_0000_0001, 30_000);
    let garbage = Stream::default()
        .connect(0, 30_000)
        .raw(&[0, 0, 0, 8, 0, 0, 0, 1, 0x7f, 0, 0, 0])
        .raw(&[0xff, 0xff, 0xff, 0xf0]);
    for (name, stream, header) in [
        ("multi", multi, 0x06),
        ("watches", watches, 0x0b),
        ("auth", auth, 0x01),
        ("reattach-unknown", reattach, 0x0e),
        ("garbage-after-handshake", garbage, 0x03),
    ] {
        seeds.insert(name.to_owned(), stream.input(header));
    }
    for word in [
        "ruok", "srvr", "stat", "mntr", "cons", "wchs", "dump", "envi", "conf", "isro",
    ] {
        seeds.insert(
            format!("4lw-{word}"),
            Stream::default().raw(word.as_bytes()).input(0x02),
        );
    }
    seeds
}

#[test]
fn seed_corpus_is_what_the_builder_writes() {
    let dir = fuzz_dir().join("corpus").join(TARGET);
    let built = seeds();
    if std::env::var_os("ZK_FUZZ_WRITE_CORPUS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, _) in inputs(&dir) {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        for (name, input) in &built {
            std::fs::write(dir.join(name), input).unwrap();
        }
    }
    assert_eq!(
        inputs(&dir),
        built,
        "fuzz/corpus/{TARGET} differs from the builder: rerun with ZK_FUZZ_WRITE_CORPUS=1"
    );
}

#[test]
fn replay_server_handle_data() {
    let mut replayed = 0;
    for dir in [fuzz_dir().join("corpus"), fuzz_dir().join("regressions")] {
        for (name, input) in inputs(&dir.join(TARGET)) {
            let outcome = std::panic::catch_unwind(|| server_handle_data::run(&input));
            assert!(outcome.is_ok(), "{} fails: {name}", dir.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 10, "the seed corpus was not found");
}
