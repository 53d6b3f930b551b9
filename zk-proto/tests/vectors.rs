//! Golden-byte tests for every captured test vector: frames exchanged with a real ZooKeeper
//! 3.8.0 server, numbered 13.1 to 13.38 (the numbering they were captured under; the other
//! tests cite them as "vector 13.N"). What each frame means is in `docs/protocol.md`.
//!
//! Each `v13_NN_*` test covers vector 13.NN with the public codec: client-to-server frames are
//! built from the records and must equal the captured bytes exactly; server-to-client frames
//! are decoded and every field of the vector's table is checked (and re-encoded to the same
//! bytes). The `session_*` tests then replay the vectors through a real [`Session`], end to
//! end: the bytes it transmits must be the captured ones, and the captured replies must
//! produce the expected completions, watch events and state changes.

use std::time::{Duration, Instant};

use bytes::Bytes;
use zk_proto::frame::{DEFAULT_MAX_FRAME, FrameDecoder, write_frame};
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{
    AddWatchRequest, AuthPacket, CheckVersionRequest, ClientInfo, ConnectRequest, ConnectResponse,
    Create2Response, CreateRequest, CreateResponse, DeleteRequest, ErrorResponse,
    GetChildrenResponse, GetDataResponse, GetSaslRequest, MultiHeader, PathWatchRequest,
    ReplyHeader, RequestHeader, SetSaslResponse, SetWatches, SetWatches2, WatcherEvent,
    WhoAmIResponse,
};
use zk_proto::{
    Acl, Action, AddWatchMode, ConnId, CreateMode, Error, ErrorCode, EventType, Id, MultiOp,
    MultiResult, NodeEvent, OpCode, Output, Perms, ReadOp, ReadResult, Request, Response, Session,
    SessionConfig, SessionId, SessionState, Stat, StateChange, WatchEvent, WatchId, first_error,
};

// ----- helpers -----

/// Hex with any whitespace in it (the vectors are written with spaces between fields).
fn hex(text: &str) -> Vec<u8> {
    let digits: String = text.split_whitespace().collect();
    hex::decode(&digits).unwrap_or_else(|e| panic!("bad hex {digits:?}: {e}"))
}

/// A frame as written in the multi-part vectors: hex fields separated by whitespace, and
/// `"..."` or `'...'` strings standing for their UTF-8 bytes. Adjacent strings concatenate.
fn wire(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut run = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                out.extend(hex(&run));
                run.clear();
                let quoted: String = chars.by_ref().take_while(|&x| x != c).collect();
                out.extend_from_slice(quoted.as_bytes());
            }
            c => run.push(c),
        }
    }
    out.extend(hex(&run));
    out
}

/// One whole frame written by `body` (length prefix included).
fn frame(body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(&mut out, body);
    out
}

/// A request frame: RequestHeader and a body record.
fn request<R: Record>(xid: i32, op: i32, body: &R) -> Vec<u8> {
    frame(|b| {
        RequestHeader { xid, op }.encode(b);
        body.encode(b);
    })
}

/// A request frame with a header and no body.
fn bare_request(xid: i32, op: i32) -> Vec<u8> {
    frame(|b| RequestHeader { xid, op }.encode(b))
}

/// A reply frame: ReplyHeader and a body record.
fn reply<R: Record>(header: ReplyHeader, body: &R) -> Vec<u8> {
    frame(|b| {
        header.encode(b);
        body.encode(b);
    })
}

/// A reply frame with a header and no body.
fn bare_reply(xid: i32, zxid: i64, err: i32) -> Vec<u8> {
    frame(|b| ReplyHeader { xid, zxid, err }.encode(b))
}

/// Splits `bytes` with the real frame decoder, checking the announced length, and returns the
/// single frame's payload.
fn payload(bytes: &[u8]) -> Bytes {
    let mut decoder = FrameDecoder::new(DEFAULT_MAX_FRAME);
    decoder.push(bytes);
    let frame = decoder
        .next_frame()
        .expect("valid frame")
        .expect("one complete frame");
    assert_eq!(decoder.buffered(), 0, "trailing bytes after the frame");
    assert_eq!(decoder.next_frame(), Ok(None));
    let announced = i32::from_be_bytes(bytes[..4].try_into().unwrap());
    assert_eq!(announced as usize, frame.len());
    frame
}

/// Decodes the ReplyHeader of a server frame and returns a reader over the rest.
fn reply_of(bytes: &[u8]) -> (ReplyHeader, Reader) {
    let mut r = Reader::new(payload(bytes));
    let header = ReplyHeader::decode(&mut r).expect("reply header");
    (header, r)
}

fn hdr(xid: i32, zxid: i64, err: i32) -> ReplyHeader {
    ReplyHeader { xid, zxid, err }
}

fn mh(op: i32, done: bool, err: i32) -> MultiHeader {
    MultiHeader { op, done, err }
}

const VEC: &str = "/research-proto/vec";
const SESSION_A: i64 = 0x0100_0007_4b64_001c;
const PASSWD_A: &str = "919f9e4593bc835217e97e6bc675d3a1";

fn world_anyone_all() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::from_bits(31),
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

/// The Stat of 13.6.
fn stat_13_06() -> Stat {
    Stat {
        czxid: 236,
        mzxid: 236,
        ctime: 1_795_374_809_780,
        mtime: 1_795_374_809_780,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeral_owner: 0,
        data_length: 5,
        num_children: 0,
        pzxid: 236,
    }
}

/// The Stat of 13.15.
fn stat_13_15() -> Stat {
    Stat {
        czxid: 239,
        mzxid: 239,
        ctime: 1_795_374_809_787,
        mtime: 1_795_374_809_787,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeral_owner: 72_057_625_367_543_836,
        data_length: 0,
        num_children: 0,
        pzxid: 239,
    }
}

/// The 68 Stat bytes of 13.31 (also used for the `<Stat 68 bytes>` placeholders of 13.32).
const STAT_13_31_HEX: &str = "00000000000000a4 00000000000000a4 000001a204aacde9 000001a204aacde9
                              00000001 00000000 00000000 0000000000000000 00000002 00000000
                              00000000000000a4";

fn stat_13_31() -> Stat {
    Stat {
        czxid: 0xa4,
        mzxid: 0xa4,
        ctime: 0x1a2_04aa_cde9,
        mtime: 0x1a2_04aa_cde9,
        version: 1,
        cversion: 0,
        aversion: 0,
        ephemeral_owner: 0,
        data_length: 2,
        num_children: 0,
        pzxid: 0xa4,
    }
}

// ----- vectors 13.1 to 13.26 -----

const V13_01: &str = "0000002d000000000000000000000000000075300000000000000000000000100000000000000000000000000000000000";
const V13_02: &str =
    "000000250000000000007530010000074b64001c00000010919f9e4593bc835217e97e6bc675d3a100";
const V13_03: &str = "000000470000000100000001000000132f72657365617263682d70726f746f2f7665630000000568656c6c6f000000010000001f00000005776f726c6400000006616e796f6e6500000000";
const V13_04: &str =
    "000000270000000100000000000000ec00000000000000132f72657365617263682d70726f746f2f766563";
const V13_05: &str = "000000200000000200000004000000132f72657365617263682d70726f746f2f76656301";
const V13_06: &str = "0000005d0000000200000000000000ec000000000000000568656c6c6f00000000000000ec00000000000000ec000001a204ad82b4000001a204ad82b40000000000000000000000000000000000000000000000050000000000000000000000ec";
const V13_07: &str = "0000002fffffffffffffffffffffffff000000000000000300000003000000132f72657365617263682d70726f746f2f766563";
const V13_08: &str =
    "0000002800000003000000040000001b2f72657365617263682d70726f746f2f7665632f6d697373696e6700";
const V13_09: &str = "000000100000000300000000000000edffffff9b";
const V13_10: &str = "0000007a000000040000000e0000000100ffffffff000000152f72657365617263682d70726f746f2f7665632f6100000000000000010000001f00000005776f726c6400000006616e796f6e65000000000000000d00ffffffff000000132f72657365617263682d70726f746f2f7665630000002affffffff01ffffffff";
const V13_11: &str = "000000330000000400000000000000ee00000000ffffffff000000000000000000ffffffff00ffffff99ffffff99ffffffff01ffffffff";
const V13_12: &str = "00000008fffffffe0000000b";
const V13_13: &str = "00000010fffffffe00000000000000ee00000000";
const V13_14: &str = "00000045000000050000000f000000162f72657365617263682d70726f746f2f7665632f732d00000000000000010000001f00000005776f726c6400000006616e796f6e6500000003";
const V13_15: &str = "000000780000000500000000000000ef00000000000000202f72657365617263682d70726f746f2f7665632f732d3030303030303030303000000000000000ef00000000000000ef000001a204ad82bb000001a204ad82bb000000000000000000000000010000074b64001c000000000000000000000000000000ef";
const V13_16: &str =
    "00000023000000060000006a000000132f72657365617263682d70726f746f2f76656300000001";
const V13_17: &str = "000000140000000600000000000000ef0000000000000000";
const V13_18: &str = "0000001dfffffffc00000064000000000000000664696765737400000003753a70";
const V13_19: &str = "00000010fffffffc000000000000000000000000";
const V13_20: &str = "0000003cffffffffffffffffffffffff000000000000000200000003000000202f72657365617263682d70726f746f2f7665632f732d30303030303030303030";
const V13_21: &str = "000000100000000700000000000000f000000000";
const V13_22: &str = "0000002fffffffffffffffffffffffff000000000000000200000003000000132f72657365617263682d70726f746f2f766563";
const V13_23: &str = "0000000800000009fffffff5";
const V13_24: &str = "000000100000000900000000000000f200000000";
const V13_25: &str = "0000002d00000000000000000000000000007530010000074b64001c00000010919f9e4593bc835217e97e6bc675d3a100";
const V13_26: &str =
    "0000002500000000000000000000000000000000000000100000000000000000000000000000000000";

#[test]
fn v13_01_connect_request() {
    let request = ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        timeout_ms: 30_000,
        session_id: 0,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
    };
    let bytes = frame(|b| request.encode(b));
    assert_eq!(bytes, hex(V13_01));
    assert_eq!(bytes.len(), 4 + 45);
    assert_eq!(request.encoded_len(), 45);
    assert_eq!(
        ConnectRequest::from_bytes(payload(&bytes)).unwrap(),
        request
    );
}

#[test]
fn v13_02_connect_response() {
    let bytes = hex(V13_02);
    let body = payload(&bytes);
    assert_eq!(body.len(), 37);
    let response = ConnectResponse::from_bytes(body).unwrap();
    assert_eq!(response.protocol_version, 0);
    assert_eq!(response.timeout_ms, 30_000);
    assert_eq!(response.session_id, 72_057_625_367_543_836);
    assert_eq!(response.session_id, SESSION_A);
    assert_eq!(response.passwd.as_ref(), hex(PASSWD_A).as_slice());
    assert_eq!(response.read_only, Some(false));
    assert!(!response.is_expired());
    assert_eq!(frame(|b| response.encode(b)), bytes);
}

#[test]
fn v13_03_create_request() {
    let body = CreateRequest {
        path: VEC.into(),
        data: Some(Bytes::from_static(b"hello")),
        acl: world_anyone_all(),
        flags: 0,
    };
    let bytes = request(1, 1, &body);
    assert_eq!(bytes, hex(V13_03));
    assert_eq!(bytes.len(), 4 + 71);
    assert_eq!(Acl::open_unsafe(), world_anyone_all());
    assert_eq!(CreateMode::Persistent.flag(), 0);
    assert_eq!(OpCode::Create.code(), 1);
}

#[test]
fn v13_04_create_response() {
    let bytes = hex(V13_04);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(1, 236, 0));
    let body = CreateResponse::decode(&mut r).unwrap();
    assert_eq!(body.path, VEC);
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &body), bytes);
}

#[test]
fn v13_05_get_data_request_with_watch() {
    let bytes = request(
        2,
        4,
        &PathWatchRequest {
            path: VEC.into(),
            watch: true,
        },
    );
    assert_eq!(bytes, hex(V13_05));
    assert_eq!(bytes.len(), 4 + 32);
}

#[test]
fn v13_06_get_data_response() {
    let bytes = hex(V13_06);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(2, 236, 0));
    let body = GetDataResponse::decode(&mut r).unwrap();
    assert_eq!(body.data.as_deref(), Some(&b"hello"[..]));
    assert_eq!(body.stat, stat_13_06());
    assert!(!body.stat.is_ephemeral());
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &body), bytes);
}

#[test]
fn v13_07_notification_node_data_changed() {
    let bytes = hex(V13_07);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(-1, -1, 0));
    let event = WatcherEvent::decode(&mut r).unwrap();
    assert_eq!(event.event_type, 3);
    assert_eq!(
        EventType::from_code(event.event_type),
        Some(EventType::NodeDataChanged)
    );
    assert_eq!(event.state, 3);
    assert_eq!(event.path, VEC);
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &event), bytes);
}

#[test]
fn v13_08_get_data_request_missing_node() {
    let bytes = request(
        3,
        4,
        &PathWatchRequest {
            path: "/research-proto/vec/missing".into(),
            watch: false,
        },
    );
    assert_eq!(bytes, hex(V13_08));
    assert_eq!(bytes.len(), 4 + 40);
}

#[test]
fn v13_09_error_reply_no_node() {
    let bytes = hex(V13_09);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(3, 237, -101));
    assert_eq!(r.remaining(), 0, "an error reply is the header alone");
    assert_eq!(
        Error::from_code(h.err),
        Some(Error::Server(ErrorCode::NoNode))
    );
    assert_eq!(bare_reply(3, 237, -101), bytes);
}

#[test]
fn v13_10_multi_request() {
    let bytes = frame(|b| {
        RequestHeader { xid: 4, op: 14 }.encode(b);
        mh(1, false, -1).encode(b);
        CreateRequest {
            path: "/research-proto/vec/a".into(),
            data: Some(Bytes::new()),
            acl: world_anyone_all(),
            flags: 0,
        }
        .encode(b);
        mh(13, false, -1).encode(b);
        CheckVersionRequest {
            path: VEC.into(),
            version: 42,
        }
        .encode(b);
        mh(-1, true, -1).encode(b);
    });
    assert_eq!(bytes, hex(V13_10));
    assert_eq!(bytes.len(), 4 + 122);
}

#[test]
fn v13_11_multi_response_with_error() {
    let bytes = hex(V13_11);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(4, 238, 0));
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(-1, false, 0));
    assert_eq!(ErrorResponse::decode(&mut r).unwrap().err, 0);
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(-1, false, -103));
    assert_eq!(ErrorResponse::decode(&mut r).unwrap().err, -103);
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(-1, true, -1));
    assert_eq!(r.remaining(), 0);
    assert_eq!(
        Error::from_code(-103),
        Some(Error::Server(ErrorCode::BadVersion))
    );
}

#[test]
fn v13_12_ping_request() {
    let bytes = bare_request(-2, 11);
    assert_eq!(bytes, hex(V13_12));
    assert_eq!(OpCode::Ping.code(), 11);
}

#[test]
fn v13_13_ping_reply() {
    let bytes = hex(V13_13);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(-2, 238, 0));
    assert_eq!(r.remaining(), 0);
    assert_eq!(bare_reply(-2, 238, 0), bytes);
}

#[test]
fn v13_14_create2_request_ephemeral_sequential() {
    let bytes = request(
        5,
        15,
        &CreateRequest {
            path: "/research-proto/vec/s-".into(),
            data: Some(Bytes::new()),
            acl: world_anyone_all(),
            flags: 3,
        },
    );
    assert_eq!(bytes, hex(V13_14));
    assert_eq!(bytes.len(), 4 + 69);
    assert_eq!(CreateMode::EphemeralSequential.flag(), 3);
    assert_eq!(OpCode::Create2.code(), 15);
}

#[test]
fn v13_15_create2_response() {
    let bytes = hex(V13_15);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(5, 239, 0));
    let body = Create2Response::decode(&mut r).unwrap();
    assert_eq!(body.path, "/research-proto/vec/s-0000000000");
    assert_eq!(body.stat, stat_13_15());
    assert!(body.stat.is_ephemeral());
    assert_eq!(body.stat.ephemeral_owner, SESSION_A);
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &body), bytes);
}

#[test]
fn v13_16_add_watch_request_persistent_recursive() {
    let bytes = request(
        6,
        106,
        &AddWatchRequest {
            path: VEC.into(),
            mode: 1,
        },
    );
    assert_eq!(bytes, hex(V13_16));
    assert_eq!(bytes.len(), 4 + 35);
    assert_eq!(AddWatchMode::PersistentRecursive.code(), 1);
    assert_eq!(OpCode::AddWatch.code(), 106);
}

#[test]
fn v13_17_add_watch_response() {
    let bytes = hex(V13_17);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(6, 239, 0));
    let body = ErrorResponse::decode(&mut r).unwrap();
    assert_eq!(body.err, 0);
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &body), bytes);
}

#[test]
fn v13_18_auth_request() {
    let bytes = request(
        -4,
        100,
        &AuthPacket {
            auth_type: 0,
            scheme: "digest".into(),
            auth: Bytes::from_static(b"u:p"),
        },
    );
    assert_eq!(bytes, hex(V13_18));
    assert_eq!(bytes.len(), 4 + 29);
}

#[test]
fn v13_19_auth_reply() {
    let bytes = hex(V13_19);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(-4, 0, 0));
    assert_eq!(r.remaining(), 0);
    assert_eq!(Error::from_code(h.err), None);
}

#[test]
fn v13_20_notification_node_deleted_recursive() {
    let bytes = hex(V13_20);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(-1, -1, 0));
    let event = WatcherEvent::decode(&mut r).unwrap();
    assert_eq!(
        event,
        WatcherEvent {
            event_type: 2,
            state: 3,
            path: "/research-proto/vec/s-0000000000".into(),
        }
    );
    assert_eq!(
        EventType::from_code(event.event_type),
        Some(EventType::NodeDeleted)
    );
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &event), bytes);
}

#[test]
fn v13_21_delete_reply() {
    let bytes = hex(V13_21);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(7, 240, 0));
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_22_notification_node_deleted_root() {
    let bytes = hex(V13_22);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(-1, -1, 0));
    let event = WatcherEvent::decode(&mut r).unwrap();
    assert_eq!(
        event,
        WatcherEvent {
            event_type: 2,
            state: 3,
            path: VEC.into(),
        }
    );
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &event), bytes);
}

#[test]
fn v13_23_close_session_request() {
    let bytes = bare_request(9, -11);
    assert_eq!(bytes, hex(V13_23));
    assert_eq!(OpCode::CloseSession.code(), -11);
}

#[test]
fn v13_24_close_session_reply() {
    let bytes = hex(V13_24);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(9, 242, 0));
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_25_connect_request_reattach() {
    let request = ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        timeout_ms: 30_000,
        session_id: SESSION_A,
        passwd: Bytes::from(hex(PASSWD_A)),
        read_only: Some(false),
    };
    let bytes = frame(|b| request.encode(b));
    assert_eq!(bytes, hex(V13_25));
    assert_eq!(
        ConnectRequest::from_bytes(payload(&bytes)).unwrap(),
        request
    );
}

#[test]
fn v13_26_connect_response_expired() {
    let bytes = hex(V13_26);
    let response = ConnectResponse::from_bytes(payload(&bytes)).unwrap();
    assert_eq!(response.protocol_version, 0);
    assert_eq!(response.timeout_ms, 0);
    assert_eq!(response.session_id, 0);
    assert_eq!(response.passwd.as_ref(), &[0u8; 16]);
    assert_eq!(response.read_only, Some(false));
    assert!(response.is_expired());
    assert_eq!(frame(|b| response.encode(b)), bytes);
}

// ----- vectors 13.27 to 13.38 (written as C->S / S->C frames) -----

const V13_27_C: &str = "0000002c 00000000 0000000000000000 00000bb8 0000000000000000 00000010 00000000000000000000000000000000";
const V13_27_S: &str =
    "00000024 00000000 00000fa0 010000074b640013 00000010 99f1ea4574e52cd3a38240370683c837";

const V13_28_C: &str = "00000008 00000309 0000000b";
const V13_28_S: &str = "00000010 fffffffe 00000000000000a5 00000000";

const SESSION_B: i64 = 0x0100_0007_4b64_0011;
const PASSWD_B: &str = "bf33df45b47ceb5c8e080f8eae94f1d1";
const V13_29_C_CONNECT: &str = "0000002d 00000000 00000000000000b6 00002710 010000074b640011 00000010 bf33df45b47ceb5c8e080f8eae94f1d1 00";
const V13_29_S_CONNECT: &str =
    "00000025 00000000 00002710 010000074b640011 00000010 bf33df45b47ceb5c8e080f8eae94f1d1 00";
const V13_29_C_SET_WATCHES: &str = r#"00000070 fffffff8 00000065 00000000000000b6
     00000001 00000017 "/research-proto/run2/m2"
     00000001 0000001d "/research-proto/run2/nonexist"
     00000001 00000014 "/research-proto/run2""#;
const V13_29_S_EVENT: &str = r#"00000033 ffffffff ffffffffffffffff 00000000 00000003 00000003 00000017 "/research-proto/run2/m2""#;
const V13_29_S_REPLY: &str = "00000010 fffffff8 00000000000000b7 00000000";

const V13_30_C: &str = r#"00000057 fffffff8 00000069 0000000000000000 00000000 00000000 00000000
     00000001 00000017 "/research-proto/run2/m2" 00000001 00000014 "/research-proto/run2""#;
const V13_30_S: &str = "00000010 fffffff8 00000000000000b7 00000000";

const RUN2: &str = "/research-proto/run2";
const M2: &str = "/research-proto/run2/m2";

fn v13_31_reply_bytes() -> Vec<u8> {
    wire(&format!(
        r#"000000c0 00000008 00000000000000a4 00000000
        00000001 00 00000000  00000017 "/research-proto/run2/m2"
        00000001 00 00000000  00000017 "/research-proto/run2/m3"
        00000005 00 00000000  {STAT_13_31_HEX}
        0000000d 00 00000000
        00000002 00 00000000
        ffffffff 01 ffffffff"#
    ))
}

const V13_32_C: &str = r#"0000007f 00000009 00000016
     00000004 00 ffffffff 00000017 "/research-proto/run2/m2" 00
     00000008 00 ffffffff 00000019 "/research-proto/run2/nope" 00
     00000008 00 ffffffff 00000014 "/research-proto/run2" 00
     ffffffff 01 ffffffff"#;

fn v13_32_reply_bytes() -> Vec<u8> {
    wire(&format!(
        r#"000000a3 00000009 00000000000000a4 00000000
        00000004 00 00000000 00000002 7a7a {STAT_13_31_HEX}
        ffffffff 00 ffffff9b ffffff9b
        00000008 00 00000000 00000003 00000001 78 00000002 6d32 0000000e 7365712d30303030303030303030
        ffffffff 01 ffffffff"#
    ))
}

const V13_33_C: &str = "00000011 0000000a 0000000e ffffffff 01 ffffffff";
const V13_33_S: &str = "00000019 0000000a 00000000000000a5 00000000 ffffffff 01 ffffffff";

const V13_34_C: &str = "00000008 00000001 000000c8";
const V13_34_S: &str = "00000010 00000001 ffffffffffffffff fffffffa";

const V13_35_C: &str =
    "00000023 fffffffc 00000064 00000000 0000000c 6e6f73756368736368656d65 00000003 7a7a7a";
const V13_35_S: &str = "00000010 fffffffc 0000000000000000 ffffff8d";

const V13_36_C: &str = "00000008 00000001 0000006b";
const V13_36_S: &str = r#"00000036 00000001 0000000000000001 00000000
     00000002 00000004 "sasl" 00000003 "bob" 00000002 "ip" 00000009 "127.0.0.1""#;

const SASL_CHALLENGE: &str = r#"realm="zk-sasl-md5",nonce="amfgv0tvdz23cGGBFOJO5ysoAIYRjeyFMvpiNmyq",charset=utf-8,algorithm=md5-sess"#;
const SASL_RESPONSE: &str = concat!(
    r#"charset=utf-8,username="bob",realm="zk-sasl-md5",nonce="amfgv0tvdz23cGGBFOJO5ysoAIYRjeyFMvpiNmyq",nc=00000001,"#,
    r#"cnonce="0123456789abcdef0123",digest-uri="zookeeper/zk-sasl-md5",maxbuf=65536,"#,
    r#"response=71b9ee9acd0fa5b0e25894b5a80efe2e,qop=auth"#,
);
const SASL_RSPAUTH: &str = "rspauth=5948a258f8f02e0d5c5d8d1d15a2054a";
const V13_37_C1: &str = "0000000c 00000001 00000066 00000000";
const V13_37_S1: &str = r#"00000079 00000001 0000000000000000 00000000 00000065
     'realm="zk-sasl-md5",nonce="amfgv0tvdz23cGGBFOJO5ysoAIYRjeyFMvpiNmyq",charset=utf-8,algorithm=md5-sess'"#;
const V13_37_C2: &str = r#"000000fa 00000002 00000066 000000ee
     'charset=utf-8,username="bob",realm="zk-sasl-md5",nonce="amfgv0tvdz23cGGBFOJO5ysoAIYRjeyFMvpiNmyq",nc=00000001,'
      'cnonce="0123456789abcdef0123",digest-uri="zookeeper/zk-sasl-md5",maxbuf=65536,'
      'response=71b9ee9acd0fa5b0e25894b5a80efe2e,qop=auth'"#;
const V13_37_S2: &str = "0000003c 00000002 0000000000000000 00000000 00000028 'rspauth=5948a258f8f02e0d5c5d8d1d15a2054a'";
const V13_37_S2_WRONG_PASSWORD: &str = "00000014 00000002 0000000000000000 ffffff8d ffffffff";

const SESSION_RO: i64 = 0x0100_0015_29be_0000;
const PASSWD_RO: &str = "601812266dd2affc3e5267b8fe00ac82";
const V13_38_C: &str = "0000002d 00000000 0000000000000000 00002710 0000000000000000 00000010 00000000000000000000000000000000 01";
const V13_38_S: &str =
    "00000025 00000000 00002710 0100001529be0000 00000010 601812266dd2affc3e5267b8fe00ac82 01";
const V13_38_S_CREATE: &str = "00000010 00000002 0000000000000000 ffffff89";
const V13_38_S_REFUSAL: &str = "00000010 00000000 0000000000000000 ffffff89";

#[test]
fn v13_27_connect_without_read_only_byte() {
    let request = ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        timeout_ms: 3000,
        session_id: 0,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: None,
    };
    let bytes = frame(|b| request.encode(b));
    assert_eq!(bytes, wire(V13_27_C));
    assert_eq!(bytes.len(), 4 + 44);
    assert_eq!(
        ConnectRequest::from_bytes(payload(&bytes)).unwrap(),
        request
    );

    let bytes = wire(V13_27_S);
    let body = payload(&bytes);
    assert_eq!(body.len(), 36);
    let response = ConnectResponse::from_bytes(body).unwrap();
    assert_eq!(response.protocol_version, 0);
    assert_eq!(response.timeout_ms, 4000, "raised to the 4000 ms minimum");
    assert_eq!(response.session_id, 0x0100_0007_4b64_0013);
    assert_eq!(
        response.passwd.as_ref(),
        hex("99f1ea4574e52cd3a38240370683c837").as_slice()
    );
    assert_eq!(response.read_only, None, "3.8.0 omits the byte");
    assert!(!response.is_expired());
    assert_eq!(frame(|b| response.encode(b)), bytes);
}

#[test]
fn v13_28_ping_with_ordinary_xid_reply_uses_minus_two() {
    assert_eq!(bare_request(777, 11), wire(V13_28_C));
    let bytes = wire(V13_28_S);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(-2, 0xa5, 0));
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_29_set_watches_reconnect() {
    // The re-attaching ConnectRequest.
    let connect = ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0xb6,
        timeout_ms: 10_000,
        session_id: SESSION_B,
        passwd: Bytes::from(hex(PASSWD_B)),
        read_only: Some(false),
    };
    assert_eq!(frame(|b| connect.encode(b)), wire(V13_29_C_CONNECT));

    // Its ConnectResponse.
    let bytes = wire(V13_29_S_CONNECT);
    let response = ConnectResponse::from_bytes(payload(&bytes)).unwrap();
    assert_eq!(
        response,
        ConnectResponse {
            protocol_version: 0,
            timeout_ms: 10_000,
            session_id: SESSION_B,
            passwd: Bytes::from(hex(PASSWD_B)),
            read_only: Some(false),
        }
    );
    assert!(!response.is_expired());

    // SetWatches with xid -8.
    let set_watches = SetWatches {
        relative_zxid: 0xb6,
        data_watches: vec![M2.into()],
        exist_watches: vec!["/research-proto/run2/nonexist".into()],
        child_watches: vec![RUN2.into()],
    };
    let bytes = request(-8, 101, &set_watches);
    assert_eq!(bytes, wire(V13_29_C_SET_WATCHES));
    assert_eq!(bytes.len(), 4 + 0x70);
    assert_eq!(OpCode::SetWatches.code(), 101);

    // The catch-up notification, then the reply echoing -8.
    let bytes = wire(V13_29_S_EVENT);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(-1, -1, 0));
    let event = WatcherEvent::decode(&mut r).unwrap();
    assert_eq!(
        event,
        WatcherEvent {
            event_type: 3,
            state: 3,
            path: M2.into(),
        }
    );
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &event), bytes);

    let bytes = wire(V13_29_S_REPLY);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(-8, 0xb7, 0));
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_30_set_watches2() {
    let body = SetWatches2 {
        relative_zxid: 0,
        data_watches: vec![],
        exist_watches: vec![],
        child_watches: vec![],
        persistent_watches: vec![M2.into()],
        persistent_recursive_watches: vec![RUN2.into()],
    };
    let bytes = request(-8, 105, &body);
    assert_eq!(bytes, wire(V13_30_C));
    assert_eq!(bytes.len(), 4 + 0x57);
    assert_eq!(OpCode::SetWatches2.code(), 105);

    let bytes = wire(V13_30_S);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(-8, 0xb7, 0));
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_31_multi_success_create2_downgraded() {
    assert_eq!(hex(STAT_13_31_HEX).len(), 68);
    assert_eq!(Stat::from_bytes(hex(STAT_13_31_HEX)).unwrap(), stat_13_31());

    let bytes = v13_31_reply_bytes();
    assert_eq!(bytes.len(), 4 + 0xc0);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(8, 0xa4, 0));
    // create -> CreateResponse
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(1, false, 0));
    assert_eq!(CreateResponse::decode(&mut r).unwrap().path, M2);
    // create2 -> still type 1, no Stat
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(1, false, 0));
    assert_eq!(
        CreateResponse::decode(&mut r).unwrap().path,
        "/research-proto/run2/m3"
    );
    // setData -> Stat
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(5, false, 0));
    assert_eq!(Stat::decode(&mut r).unwrap(), stat_13_31());
    // check, delete -> no body
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(13, false, 0));
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(2, false, 0));
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(-1, true, -1));
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_32_multi_read() {
    let bytes = frame(|b| {
        RequestHeader { xid: 9, op: 22 }.encode(b);
        for (op, path) in [(4, M2), (8, "/research-proto/run2/nope"), (8, RUN2)] {
            mh(op, false, -1).encode(b);
            PathWatchRequest {
                path: path.into(),
                watch: false,
            }
            .encode(b);
        }
        mh(-1, true, -1).encode(b);
    });
    assert_eq!(bytes, wire(V13_32_C));
    assert_eq!(bytes.len(), 4 + 0x7f);
    assert_eq!(OpCode::MultiRead.code(), 22);

    let bytes = v13_32_reply_bytes();
    assert_eq!(bytes.len(), 4 + 0xa3);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(9, 0xa4, 0));
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(4, false, 0));
    let data = GetDataResponse::decode(&mut r).unwrap();
    assert_eq!(data.data.as_deref(), Some(&b"zz"[..]));
    assert_eq!(data.stat, stat_13_31());
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(-1, false, -101));
    assert_eq!(ErrorResponse::decode(&mut r).unwrap().err, -101);
    assert_eq!(
        Error::from_code(-101),
        Some(Error::Server(ErrorCode::NoNode))
    );
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(8, false, 0));
    assert_eq!(
        GetChildrenResponse::decode(&mut r).unwrap().children,
        ["x", "m2", "seq-0000000000"]
    );
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(-1, true, -1));
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_33_empty_multi() {
    let bytes = frame(|b| {
        RequestHeader { xid: 10, op: 14 }.encode(b);
        mh(-1, true, -1).encode(b);
    });
    assert_eq!(bytes, wire(V13_33_C));

    let bytes = wire(V13_33_S);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(10, 0xa5, 0));
    assert_eq!(MultiHeader::decode(&mut r).unwrap(), mh(-1, true, -1));
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_34_unknown_opcode_unimplemented() {
    assert_eq!(bare_request(1, 200), wire(V13_34_C));
    assert_eq!(OpCode::from_code(200), None);

    let bytes = wire(V13_34_S);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(1, -1, -6));
    assert_eq!(r.remaining(), 0);
    assert_eq!(
        Error::from_code(h.err),
        Some(Error::Server(ErrorCode::Unimplemented))
    );
}

#[test]
fn v13_35_auth_unknown_scheme_auth_failed() {
    let bytes = request(
        -4,
        100,
        &AuthPacket {
            auth_type: 0,
            scheme: "nosuchscheme".into(),
            auth: Bytes::from_static(b"zzz"),
        },
    );
    assert_eq!(bytes, wire(V13_35_C));
    assert_eq!(OpCode::Auth.code(), 100);

    let bytes = wire(V13_35_S);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(-4, 0, -115));
    assert_eq!(r.remaining(), 0);
    assert_eq!(
        Error::from_code(h.err),
        Some(Error::Server(ErrorCode::AuthFailed))
    );
}

#[test]
fn v13_36_who_am_i() {
    assert_eq!(bare_request(1, 107), wire(V13_36_C));
    assert_eq!(OpCode::WhoAmI.code(), 107);

    let bytes = wire(V13_36_S);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(1, 1, 0));
    let body = WhoAmIResponse::decode(&mut r).unwrap();
    assert_eq!(
        body.client_info,
        [
            ClientInfo {
                auth_scheme: "sasl".into(),
                user: "bob".into(),
            },
            ClientInfo {
                auth_scheme: "ip".into(),
                user: "127.0.0.1".into(),
            },
        ]
    );
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &body), bytes);
}

#[test]
fn v13_37_sasl_digest_md5() {
    assert_eq!(SASL_CHALLENGE.len(), 0x65);
    assert_eq!(SASL_RESPONSE.len(), 0xee);
    assert_eq!(SASL_RSPAUTH.len(), 0x28);
    assert_eq!(OpCode::Sasl.code(), 102);

    // Empty initial token.
    let bytes = request(
        1,
        102,
        &GetSaslRequest {
            token: Bytes::new(),
        },
    );
    assert_eq!(bytes, wire(V13_37_C1));

    // The challenge.
    let bytes = wire(V13_37_S1);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(1, 0, 0));
    let challenge = SetSaslResponse::decode(&mut r).unwrap();
    assert_eq!(challenge.token.as_deref(), Some(SASL_CHALLENGE.as_bytes()));
    assert_eq!(r.remaining(), 0);
    assert_eq!(reply(h, &challenge), bytes);

    // The digest response.
    let bytes = request(
        2,
        102,
        &GetSaslRequest {
            token: Bytes::from_static(SASL_RESPONSE.as_bytes()),
        },
    );
    assert_eq!(bytes, wire(V13_37_C2));

    // rspauth.
    let bytes = wire(V13_37_S2);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(2, 0, 0));
    let done = SetSaslResponse::decode(&mut r).unwrap();
    assert_eq!(done.token.as_deref(), Some(SASL_RSPAUTH.as_bytes()));
    assert_eq!(r.remaining(), 0);

    // With a wrong password: AuthFailed and a null token.
    let bytes = wire(V13_37_S2_WRONG_PASSWORD);
    let (h, mut r) = reply_of(&bytes);
    assert_eq!(h, hdr(2, 0, -115));
    assert_eq!(
        Error::from_code(h.err),
        Some(Error::Server(ErrorCode::AuthFailed))
    );
    assert_eq!(SetSaslResponse::decode(&mut r).unwrap().token, None);
    assert_eq!(r.remaining(), 0);
}

#[test]
fn v13_38_read_only_server() {
    let request = ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        timeout_ms: 10_000,
        session_id: 0,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(true),
    };
    assert_eq!(frame(|b| request.encode(b)), wire(V13_38_C));

    let bytes = wire(V13_38_S);
    let response = ConnectResponse::from_bytes(payload(&bytes)).unwrap();
    assert_eq!(
        response,
        ConnectResponse {
            protocol_version: 0,
            timeout_ms: 10_000,
            session_id: SESSION_RO,
            passwd: Bytes::from(hex(PASSWD_RO)),
            read_only: Some(true),
        }
    );
    assert!(!response.is_expired());

    // A write on the read-only server.
    let bytes = wire(V13_38_S_CREATE);
    let (h, r) = reply_of(&bytes);
    assert_eq!(h, hdr(2, 0, -119));
    assert_eq!(r.remaining(), 0);
    assert_eq!(
        Error::from_code(h.err),
        Some(Error::Server(ErrorCode::NotReadOnly))
    );

    // The bare 16-byte ReplyHeader sent instead of a ConnectResponse.
    let bytes = wire(V13_38_S_REFUSAL);
    let body = payload(&bytes);
    assert_eq!(body.len(), 16);
    assert!(
        ConnectResponse::from_bytes(body.clone()).is_err(),
        "16 bytes are too short for a ConnectResponse"
    );
    let h = ReplyHeader::from_bytes(body).unwrap();
    assert_eq!(h, hdr(0, 0, -119));
    assert_eq!(
        Error::from_code(h.err),
        Some(Error::Server(ErrorCode::NotReadOnly))
    );
}

#[test]
fn the_wire_helper_reads_quoted_strings() {
    assert_eq!(wire(r#"00000002 "ab" 'c"d' 01"#), b"\0\0\0\x02abc\"d\x01");
    assert_eq!(hex(" 0a\n 0b "), [10, 11]);
}

// ----- the same vectors through a real Session -----

/// The tests' one clock reading; the session is pure, so later instants are derived from it.
#[allow(
    clippy::disallowed_methods,
    reason = "the test plays the adapter, which owns the clock"
)]
fn clock() -> Instant {
    Instant::now()
}

/// The application's outputs, when the session asks nothing of the driver.
fn drain(session: &mut Session) -> Vec<Output> {
    let (actions, outputs) = drain_all(session);
    assert!(actions.is_empty(), "unexpected actions {actions:?}");
    outputs
}

/// What the session asks of the driver, and the application's outputs.
fn drain_all(session: &mut Session) -> (Vec<Action>, Vec<Output>) {
    let actions = std::iter::from_fn(|| session.poll_action()).collect();
    (
        actions,
        std::iter::from_fn(|| session.poll_output()).collect(),
    )
}

/// Everything the session wants to send on `conn` now.
fn transmit(session: &mut Session, conn: ConnId, now: Instant) -> Vec<u8> {
    let mut buf = Vec::new();
    while let Some(t) = session.poll_transmit(now, &mut buf) {
        assert_eq!(t.conn, conn);
    }
    buf
}

/// Takes the `Action::Connect` the session asked for and reports the transport open.
fn open(session: &mut Session, now: Instant) -> ConnId {
    let (actions, _) = drain_all(session);
    let conn = match actions.as_slice() {
        [.., Action::Connect { conn, host, .. }] => {
            assert_eq!((host.host.as_str(), host.port), ("127.0.0.1", 2181));
            *conn
        }
        other => panic!("expected a Connect, got {other:?}"),
    };
    session.handle_connected(conn, now);
    conn
}

fn new_session(config: SessionConfig, now: Instant) -> (Session, ConnId) {
    let mut session = Session::new(config, now).expect("session");
    let conn = open(&mut session, now);
    (session, conn)
}

fn config() -> SessionConfig {
    let mut config = SessionConfig::new("127.0.0.1:2181").expect("connect string");
    config.session_timeout = Duration::from_secs(30);
    // Deterministic backoff jitter.
    config.seed = Some(0x5EED_2181);
    config
}

fn connected(state: SessionState, id: i64) -> Output {
    Output::State(StateChange::new(state, Some(SessionId::new(id))))
}

/// A session connected with the 13.1/13.2 handshake.
fn session_a(now: Instant) -> (Session, ConnId) {
    let (mut s, conn) = new_session(config(), now);
    assert_eq!(transmit(&mut s, conn, now), hex(V13_01));
    s.handle_data(conn, &hex(V13_02), now);
    assert_eq!(
        drain(&mut s),
        [connected(SessionState::Connected, SESSION_A)]
    );
    (s, conn)
}

fn complete(id: zk_proto::RequestId, result: Result<Response, Error>) -> Output {
    Output::Complete {
        id,
        result,
        watch: None,
    }
}

/// The watch registered by a completion, checking the rest of it.
fn completed_with_watch(
    outputs: Vec<Output>,
    id: zk_proto::RequestId,
    expected: Result<Response, Error>,
) -> WatchId {
    match outputs.as_slice() {
        [
            Output::Complete {
                id: done,
                result,
                watch: Some(watch),
            },
        ] if *done == id && *result == expected => {
            assert_eq!(watch.get(), id.get(), "the watch id is the request id");
            *watch
        }
        other => {
            panic!("expected completion of {id:?} with {expected:?} and a watch, got {other:?}")
        }
    }
}

fn node(watch: WatchId, event_type: EventType, path: &str) -> Output {
    Output::Watch {
        watch,
        event: WatchEvent::Node(NodeEvent::new(event_type, path, None)),
    }
}

/// The brief's core scenario: 13.1 to 13.7 through a session.
#[test]
fn session_13_01_to_13_07_connect_create_get_data_watch() {
    let now = clock();
    let (mut s, conn) = new_session(config(), now);
    // 13.1: timeout 30000, lastZxid 0, session 0, 16 zero bytes, readOnly 0.
    let sent = transmit(&mut s, conn, now);
    assert_eq!(sent, hex(V13_01));
    let request = ConnectRequest::from_bytes(payload(&sent)).unwrap();
    assert_eq!(request.timeout_ms, 30_000);
    assert_eq!(request.last_zxid_seen, 0);
    assert_eq!(request.session_id, 0);
    assert_eq!(request.passwd.as_ref(), &[0u8; 16]);
    assert_eq!(request.read_only, Some(false));

    // 13.2.
    s.handle_data(conn, &hex(V13_02), now);
    assert_eq!(
        drain(&mut s),
        [connected(SessionState::Connected, SESSION_A)]
    );
    assert_eq!(s.state(), SessionState::Connected);
    assert_eq!(s.session_id(), Some(SessionId::new(SESSION_A)));
    assert_eq!(
        s.session_password().map(|p| p[..].to_vec()),
        Some(hex(PASSWD_A))
    );
    assert_eq!(s.negotiated_timeout(), Some(Duration::from_secs(30)));
    assert!(transmit(&mut s, conn, now).is_empty());

    // 13.3 / 13.4.
    let create = s
        .submit(Request::create(VEC, "hello", CreateMode::Persistent), now)
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_03));
    s.handle_data(conn, &hex(V13_04), now);
    assert_eq!(
        drain(&mut s),
        [complete(
            create,
            Ok(Response::Created {
                path: VEC.into(),
                stat: None,
            })
        )]
    );
    assert_eq!(s.last_zxid(), 236);

    // 13.5 / 13.6, fed one byte at a time.
    let get = s
        .submit(
            Request::GetData {
                path: VEC.into(),
                watch: true,
            },
            now,
        )
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_05));
    let reply = hex(V13_06);
    for byte in &reply[..reply.len() - 1] {
        s.handle_data(conn, std::slice::from_ref(byte), now);
        assert!(drain(&mut s).is_empty());
    }
    s.handle_data(conn, &reply[reply.len() - 1..], now);
    let watch = completed_with_watch(
        drain(&mut s),
        get,
        Ok(Response::Data {
            data: Bytes::from_static(b"hello"),
            stat: stat_13_06(),
        }),
    );
    assert_eq!(s.watch_count(), 1);

    // 13.7.
    s.handle_data(conn, &hex(V13_07), now);
    assert_eq!(
        drain(&mut s),
        [node(watch, EventType::NodeDataChanged, VEC)]
    );
    assert_eq!(s.watch_count(), 0, "a data watch is one-shot");
    assert_eq!(s.last_zxid(), 236, "notifications carry zxid -1");
    assert_eq!(s.state(), SessionState::Connected);
}

/// The whole first capture, 13.1 to 13.24, as one session (xids 1 to 9, ping and auth in
/// between). The request for xid 8 was not captured: it is the delete of the watched root
/// whose notification is 13.22, and its reply is made up here.
#[test]
fn session_13_01_to_13_24_full_transcript() {
    let now = clock();
    let (mut s, conn) = session_a(now);

    // xid 1: 13.3 / 13.4.
    let id = s
        .submit(Request::create(VEC, "hello", CreateMode::Persistent), now)
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_03));
    s.handle_data(conn, &hex(V13_04), now);
    assert_eq!(
        drain(&mut s),
        [complete(
            id,
            Ok(Response::Created {
                path: VEC.into(),
                stat: None
            })
        )]
    );

    // xid 2: 13.5 / 13.6, then 13.7.
    let id = s
        .submit(
            Request::GetData {
                path: VEC.into(),
                watch: true,
            },
            now,
        )
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_05));
    s.handle_data(conn, &hex(V13_06), now);
    let data_watch = completed_with_watch(
        drain(&mut s),
        id,
        Ok(Response::Data {
            data: Bytes::from_static(b"hello"),
            stat: stat_13_06(),
        }),
    );
    s.handle_data(conn, &hex(V13_07), now);
    assert_eq!(
        drain(&mut s),
        [node(data_watch, EventType::NodeDataChanged, VEC)]
    );

    // xid 3: 13.8 / 13.9.
    let id = s
        .submit(Request::get_data("/research-proto/vec/missing"), now)
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_08));
    s.handle_data(conn, &hex(V13_09), now);
    assert_eq!(
        drain(&mut s),
        [complete(id, Err(Error::Server(ErrorCode::NoNode)))]
    );
    assert_eq!(s.last_zxid(), 237);

    // xid 4: 13.10 / 13.11.
    let id = s
        .submit(
            Request::Multi(vec![
                MultiOp::Create {
                    path: "/research-proto/vec/a".into(),
                    data: Bytes::new(),
                    acl: Acl::open_unsafe(),
                    mode: CreateMode::Persistent,
                },
                MultiOp::Check {
                    path: VEC.into(),
                    version: 42,
                },
            ]),
            now,
        )
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_10));
    s.handle_data(conn, &hex(V13_11), now);
    let results = vec![
        MultiResult::RolledBack,
        MultiResult::Error(Error::Server(ErrorCode::BadVersion)),
    ];
    assert_eq!(
        first_error(&results),
        Some((1, &Error::Server(ErrorCode::BadVersion)))
    );
    assert_eq!(drain(&mut s), [complete(id, Ok(Response::Multi(results)))]);
    assert_eq!(s.last_zxid(), 238);

    // 13.12 / 13.13: a ping after T/3 = 10 s without sending.
    assert_eq!(s.poll_timeout(), Some(now + Duration::from_secs(10)));
    let now = now + Duration::from_secs(10);
    s.handle_timeout(now);
    assert!(drain(&mut s).is_empty());
    assert_eq!(transmit(&mut s, conn, now), hex(V13_12));
    s.handle_data(conn, &hex(V13_13), now);
    assert!(drain(&mut s).is_empty());
    assert_eq!(s.state(), SessionState::Connected);

    // xid 5: 13.14 / 13.15.
    let id = s
        .submit(
            Request::Create {
                path: "/research-proto/vec/s-".into(),
                data: Bytes::new(),
                acl: Acl::open_unsafe(),
                mode: CreateMode::EphemeralSequential,
                with_stat: true,
            },
            now,
        )
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_14));
    s.handle_data(conn, &hex(V13_15), now);
    assert_eq!(
        drain(&mut s),
        [complete(
            id,
            Ok(Response::Created {
                path: "/research-proto/vec/s-0000000000".into(),
                stat: Some(stat_13_15()),
            })
        )]
    );

    // xid 6: 13.16 / 13.17.
    let id = s
        .submit(
            Request::AddWatch {
                path: VEC.into(),
                mode: AddWatchMode::PersistentRecursive,
            },
            now,
        )
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_16));
    s.handle_data(conn, &hex(V13_17), now);
    let recursive = completed_with_watch(drain(&mut s), id, Ok(Response::Done));

    // xid -4: 13.18 / 13.19.
    let id = s.add_auth("digest", "u:p", now).unwrap();
    assert_eq!(transmit(&mut s, conn, now), hex(V13_18));
    s.handle_data(conn, &hex(V13_19), now);
    assert_eq!(drain(&mut s), [complete(id, Ok(Response::Done))]);

    // xid 7: the delete whose reply is 13.21, preceded by notification 13.20.
    let id = s
        .submit(Request::delete("/research-proto/vec/s-0000000000"), now)
        .unwrap();
    assert_eq!(
        transmit(&mut s, conn, now),
        request(
            7,
            2,
            &DeleteRequest {
                path: "/research-proto/vec/s-0000000000".into(),
                version: -1,
            }
        )
    );
    let mut chunk = hex(V13_20);
    chunk.extend(hex(V13_21));
    s.handle_data(conn, &chunk, now);
    assert_eq!(
        drain(&mut s),
        [
            node(
                recursive,
                EventType::NodeDeleted,
                "/research-proto/vec/s-0000000000"
            ),
            complete(id, Ok(Response::Done)),
        ]
    );
    assert_eq!(s.last_zxid(), 240);

    // xid 8: delete of the root (not captured), with notification 13.22.
    let id = s.submit(Request::delete(VEC), now).unwrap();
    assert_eq!(
        transmit(&mut s, conn, now),
        request(
            8,
            2,
            &DeleteRequest {
                path: VEC.into(),
                version: -1,
            }
        )
    );
    let mut chunk = hex(V13_22);
    chunk.extend(bare_reply(8, 0xf1, 0));
    s.handle_data(conn, &chunk, now);
    assert_eq!(
        drain(&mut s),
        [
            node(recursive, EventType::NodeDeleted, VEC),
            complete(id, Ok(Response::Done)),
        ]
    );
    assert_eq!(
        s.watch_kind(recursive),
        Some(zk_proto::WatchKind::PersistentRecursive),
        "a persistent watch survives the deletion"
    );

    // xid 9: 13.23 / 13.24.
    s.close(now);
    assert_eq!(transmit(&mut s, conn, now), hex(V13_23));
    s.handle_data(conn, &hex(V13_24), now);
    let (actions, outputs) = drain_all(&mut s);
    assert!(
        outputs.contains(&Output::State(StateChange::new(
            SessionState::Closed,
            Some(SessionId::new(SESSION_A))
        ))),
        "{outputs:?}"
    );
    assert!(
        matches!(actions[..], [Action::Disconnect(c)] if c == conn),
        "{actions:?}"
    );
    assert!(
        outputs.contains(&Output::Watch {
            watch: recursive,
            event: WatchEvent::Closed,
        }),
        "{outputs:?}"
    );
    assert_eq!(s.state(), SessionState::Closed);
    assert_eq!(s.last_zxid(), 242);
    assert_eq!(
        s.submit(Request::get_data(VEC), now),
        Err(Error::Closed),
        "nothing is accepted after the close"
    );
}

/// 13.25 / 13.26: re-attaching a closed session sends 13.25 exactly and the expired answer
/// loses the session.
#[test]
fn session_13_25_13_26_reattach_to_an_expired_session() {
    let now = clock();
    let mut config = config();
    config.resume = Some((SessionId::new(SESSION_A), Bytes::from(hex(PASSWD_A))));
    let (mut s, conn) = new_session(config, now);
    assert_eq!(transmit(&mut s, conn, now), hex(V13_25));
    s.handle_data(conn, &hex(V13_26), now);
    let (actions, outputs) = drain_all(&mut s);
    let (
        [
            Action::Disconnect(dropped),
            Action::Connect { conn: next, .. },
        ],
        [Output::State(lost), Output::State(connecting)],
    ) = (&actions[..], &outputs[..])
    else {
        panic!("unexpected {actions:?} {outputs:?}")
    };
    assert_eq!(*dropped, conn);
    assert_eq!(
        *lost,
        StateChange::new(SessionState::Lost, Some(SessionId::new(SESSION_A)))
    );
    assert_eq!(
        *connecting,
        StateChange::new(SessionState::Connecting, None)
    );
    assert_ne!(*next, conn);
    assert_eq!(s.session_id(), None);

    // A brand-new session given the same answer just tries again: it had nothing to lose.
    let (mut s, conn) = new_session(self::config(), now);
    assert_eq!(transmit(&mut s, conn, now), hex(V13_01));
    s.handle_data(conn, &hex(V13_26), now);
    let (actions, outputs) = drain_all(&mut s);
    assert!(
        matches!(actions.first(), Some(Action::Disconnect(c)) if *c == conn),
        "{actions:?}"
    );
    assert!(
        !outputs.iter().any(|o| matches!(o, Output::State(_))),
        "{outputs:?}"
    );
    assert_eq!(s.state(), SessionState::Connecting);
}

/// 13.27: the session always sends the readOnly byte, and accepts a response without it.
#[test]
fn session_13_27_connect_response_without_read_only_byte() {
    let now = clock();
    let mut config = config();
    config.session_timeout = Duration::from_millis(3000);
    let (mut s, conn) = new_session(config, now);
    // 13.27's request plus the readOnly byte (so 45 bytes, not 44).
    let mut expected = wire(V13_27_C);
    expected[..4].copy_from_slice(&45i32.to_be_bytes());
    expected.push(0);
    assert_eq!(transmit(&mut s, conn, now), expected);

    s.handle_data(conn, &wire(V13_27_S), now);
    assert_eq!(
        drain(&mut s),
        [connected(SessionState::Connected, 0x0100_0007_4b64_0013)]
    );
    assert_eq!(s.negotiated_timeout(), Some(Duration::from_millis(4000)));
    assert_eq!(
        s.session_password().map(|p| p[..].to_vec()),
        Some(hex("99f1ea4574e52cd3a38240370683c837"))
    );
}

/// 13.28: a ping reply always has xid -2; the session's pings use -2 too, and a reply is
/// consumed without output.
#[test]
fn session_13_28_ping_reply_with_xid_minus_two() {
    let now = clock();
    let (mut s, conn) = session_a(now);
    let later = now + Duration::from_secs(10);
    s.handle_timeout(later);
    assert_eq!(transmit(&mut s, conn, later), hex(V13_12));
    s.handle_data(conn, &wire(V13_28_S), later);
    assert!(drain(&mut s).is_empty());
    assert_eq!(s.state(), SessionState::Connected);
    assert_eq!(s.current_conn(), Some(conn));

    // A request in flight is not confused by a ping reply arriving before its own reply.
    let id = s.submit(Request::get_data(VEC), later).unwrap();
    let sent = transmit(&mut s, conn, later);
    assert_eq!(&sent[4..8], &1i32.to_be_bytes());
    let mut chunk = wire(V13_28_S);
    chunk.extend(bare_reply(1, 0xa6, -101));
    s.handle_data(conn, &chunk, later);
    assert_eq!(
        drain(&mut s),
        [complete(id, Err(Error::Server(ErrorCode::NoNode)))]
    );
}

/// The 13.29 SetWatches frame with its xid replaced: the session, like the Java client, sends
/// SetWatches with an ordinary xid rather than -8 (the server accepts both:
/// `docs/protocol.md#special-xids`).
fn with_xid(mut frame: Vec<u8>, xid: i32) -> Vec<u8> {
    frame[4..8].copy_from_slice(&xid.to_be_bytes());
    frame
}

/// 13.29: reconnecting the same session re-registers one-shot watches with SetWatches, and the
/// catch-up notification that precedes the reply fires the data watch.
#[test]
fn session_13_29_reconnect_set_watches_catch_up() {
    let now = clock();
    let mut config = config();
    config.session_timeout = Duration::from_secs(10);
    config.resume = Some((SessionId::new(SESSION_B), Bytes::from(hex(PASSWD_B))));
    let (mut s, conn) = new_session(config, now);
    let first = transmit(&mut s, conn, now);
    let mut expected = wire(V13_29_C_CONNECT);
    expected[8..16].copy_from_slice(&0i64.to_be_bytes());
    assert_eq!(first, expected, "lastZxidSeen 0 on the first connection");
    s.handle_data(conn, &wire(V13_29_S_CONNECT), now);
    assert_eq!(
        drain(&mut s),
        [connected(SessionState::Connected, SESSION_B)]
    );

    // Three one-shot watches: data on m2, exist on nonexist, child on run2; replies at 0xb6.
    let get = s
        .submit(
            Request::GetData {
                path: M2.into(),
                watch: true,
            },
            now,
        )
        .unwrap();
    let exists = s
        .submit(
            Request::Exists {
                path: "/research-proto/run2/nonexist".into(),
                watch: true,
            },
            now,
        )
        .unwrap();
    let children = s
        .submit(
            Request::GetChildren {
                path: RUN2.into(),
                watch: true,
                with_stat: false,
            },
            now,
        )
        .unwrap();
    let path_watch = |path: &str| PathWatchRequest {
        path: path.into(),
        watch: true,
    };
    assert_eq!(
        transmit(&mut s, conn, now),
        [
            request(1, 4, &path_watch(M2)),
            request(2, 3, &path_watch("/research-proto/run2/nonexist")),
            request(3, 8, &path_watch(RUN2)),
        ]
        .concat()
    );
    let data = GetDataResponse {
        data: Some(Bytes::from_static(b"zz")),
        stat: stat_13_31(),
    };
    let mut chunk = reply(hdr(1, 0xb6, 0), &data);
    chunk.extend(bare_reply(2, 0xb6, -101));
    chunk.extend(reply(
        hdr(3, 0xb6, 0),
        &GetChildrenResponse {
            children: vec!["m2".into()],
        },
    ));
    s.handle_data(conn, &chunk, now);
    let outputs = drain(&mut s);
    assert_eq!(outputs.len(), 3, "{outputs:?}");
    let watches: Vec<WatchId> = outputs
        .iter()
        .map(|o| match o {
            Output::Complete {
                watch: Some(w),
                result: Ok(_),
                ..
            } => *w,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        watches.iter().map(|w| w.get()).collect::<Vec<_>>(),
        [get.get(), exists.get(), children.get()]
    );
    assert_eq!(s.watch_kind(watches[1]), Some(zk_proto::WatchKind::Exist));
    assert_eq!(s.last_zxid(), 0xb6);

    // The connection drops; the next one re-attaches with lastZxidSeen 0xb6 (13.29 exactly).
    // Past the connection's probation, so the reconnect is immediate (no backoff).
    let now = now + Duration::from_secs(3);
    s.handle_disconnected(conn, now);
    let (actions, outputs) = drain_all(&mut s);
    let conn2 = match (&actions[..], &outputs[..]) {
        ([Action::Connect { conn, .. }], [Output::State(suspended)]) => {
            assert_eq!(suspended.state, SessionState::Suspended);
            *conn
        }
        other => panic!("unexpected {other:?}"),
    };
    s.handle_connected(conn2, now);
    assert_eq!(transmit(&mut s, conn2, now), wire(V13_29_C_CONNECT));
    s.handle_data(conn2, &wire(V13_29_S_CONNECT), now);
    assert_eq!(
        drain(&mut s),
        [connected(SessionState::Connected, SESSION_B)]
    );

    // SetWatches: 13.29's bytes, with the session's next xid instead of -8.
    let sent = transmit(&mut s, conn2, now);
    let captured = wire(V13_29_C_SET_WATCHES);
    assert_eq!(&captured[4..8], &(-8i32).to_be_bytes());
    assert_eq!(sent, with_xid(captured, 4));

    // The catch-up notification, then the reply.
    let mut chunk = wire(V13_29_S_EVENT);
    chunk.extend(with_xid(wire(V13_29_S_REPLY), 4));
    s.handle_data(conn2, &chunk, now);
    assert_eq!(
        drain(&mut s),
        [node(watches[0], EventType::NodeDataChanged, M2)]
    );
    assert_eq!(s.last_zxid(), 0xb7);
    assert_eq!(s.watch_count(), 2, "the exist and child watches remain");
    assert_eq!(s.state(), SessionState::Connected);
}

/// 13.30: persistent watches are re-registered with SetWatches2, their owners are told that the
/// gap may hide changes, and the later events are routed to the right watcher.
#[test]
fn session_13_30_reconnect_set_watches2() {
    let now = clock();
    let (mut s, conn) = session_a(now);
    let persistent = s
        .submit(
            Request::AddWatch {
                path: M2.into(),
                mode: AddWatchMode::Persistent,
            },
            now,
        )
        .unwrap();
    let recursive = s
        .submit(
            Request::AddWatch {
                path: RUN2.into(),
                mode: AddWatchMode::PersistentRecursive,
            },
            now,
        )
        .unwrap();
    let sent = transmit(&mut s, conn, now);
    assert_eq!(
        sent,
        [
            request(
                1,
                106,
                &AddWatchRequest {
                    path: M2.into(),
                    mode: 0
                }
            ),
            request(
                2,
                106,
                &AddWatchRequest {
                    path: RUN2.into(),
                    mode: 1
                }
            ),
        ]
        .concat()
    );
    // Replies at zxid 0, so that relativeZxid stays 0 as in the capture.
    let mut chunk = reply(hdr(1, 0, 0), &ErrorResponse { err: 0 });
    chunk.extend(reply(hdr(2, 0, 0), &ErrorResponse { err: 0 }));
    s.handle_data(conn, &chunk, now);
    let outputs = drain(&mut s);
    let ids: Vec<WatchId> = outputs
        .iter()
        .map(|o| match o {
            Output::Complete {
                watch: Some(w),
                result: Ok(Response::Done),
                ..
            } => *w,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        ids.iter().map(|w| w.get()).collect::<Vec<_>>(),
        [persistent.get(), recursive.get()]
    );
    let (w_persistent, w_recursive) = (ids[0], ids[1]);

    // Past the connection's probation, so the reconnect is immediate (no backoff).
    let now = now + Duration::from_secs(3);
    s.handle_disconnected(conn, now);
    let (actions, outputs) = drain_all(&mut s);
    let conn2 = match (&actions[..], &outputs[..]) {
        ([Action::Connect { conn, .. }], [Output::State(_)]) => *conn,
        other => panic!("unexpected {other:?}"),
    };
    s.handle_connected(conn2, now);
    assert_eq!(transmit(&mut s, conn2, now), hex(V13_25));
    s.handle_data(conn2, &hex(V13_02), now);
    assert_eq!(
        drain(&mut s),
        [
            connected(SessionState::Connected, SESSION_A),
            Output::Watch {
                watch: w_persistent,
                event: WatchEvent::Resumed { since_zxid: 0 },
            },
            Output::Watch {
                watch: w_recursive,
                event: WatchEvent::Resumed { since_zxid: 0 },
            },
        ]
    );
    assert_eq!(transmit(&mut s, conn2, now), with_xid(wire(V13_30_C), 3));

    // The reply, then the two events the capture describes.
    let mut chunk = with_xid(wire(V13_30_S), 3);
    for (event_type, path) in [(2, "/research-proto/run2/m2/deep"), (4, M2)] {
        chunk.extend(reply(
            hdr(-1, -1, 0),
            &WatcherEvent {
                event_type,
                state: 3,
                path: path.into(),
            },
        ));
    }
    s.handle_data(conn2, &chunk, now);
    assert_eq!(
        drain(&mut s),
        [
            node(
                w_recursive,
                EventType::NodeDeleted,
                "/research-proto/run2/m2/deep"
            ),
            node(w_persistent, EventType::NodeChildrenChanged, M2),
        ]
    );
    assert_eq!(s.last_zxid(), 0xb7);
    assert_eq!(s.watch_count(), 2);
}

/// 13.31 / 13.32: multi results decoded by their result type (the create2 downgraded to a
/// plain create), and multiRead sent and decoded as captured.
#[test]
fn session_13_31_13_32_multi_and_multi_read() {
    let now = clock();
    let (mut s, conn) = session_a(now);
    // Use up xids 1 to 7 so that the multi is xid 8 and the multiRead xid 9, as captured.
    for xid in 1..=7 {
        let id = s.submit(Request::delete("/burn"), now).unwrap();
        let _ = transmit(&mut s, conn, now);
        s.handle_data(conn, &bare_reply(xid, 0xa0, 0), now);
        assert_eq!(drain(&mut s), [complete(id, Ok(Response::Done))]);
    }

    let id = s
        .submit(
            Request::Multi(vec![
                MultiOp::Create {
                    path: M2.into(),
                    data: Bytes::new(),
                    acl: Acl::open_unsafe(),
                    mode: CreateMode::Persistent,
                },
                MultiOp::Create {
                    path: "/research-proto/run2/m3".into(),
                    data: Bytes::new(),
                    acl: Acl::open_unsafe(),
                    mode: CreateMode::Persistent,
                },
                MultiOp::SetData {
                    path: M2.into(),
                    data: Bytes::from_static(b"zz"),
                    version: None,
                },
                MultiOp::Check {
                    path: M2.into(),
                    version: 1,
                },
                MultiOp::Delete {
                    path: "/research-proto/run2/m3".into(),
                    version: None,
                },
            ]),
            now,
        )
        .unwrap();
    let sent = transmit(&mut s, conn, now);
    assert_eq!(&sent[4..12], &hex("00000008 0000000e"));
    s.handle_data(conn, &v13_31_reply_bytes(), now);
    assert_eq!(
        drain(&mut s),
        [complete(
            id,
            Ok(Response::Multi(vec![
                MultiResult::Created {
                    path: M2.into(),
                    stat: None,
                },
                MultiResult::Created {
                    path: "/research-proto/run2/m3".into(),
                    stat: None,
                },
                MultiResult::SetData(stat_13_31()),
                MultiResult::Checked,
                MultiResult::Deleted,
            ]))
        )]
    );

    let id = s
        .submit(
            Request::MultiRead(vec![
                ReadOp::GetData { path: M2.into() },
                ReadOp::GetChildren {
                    path: "/research-proto/run2/nope".into(),
                },
                ReadOp::GetChildren { path: RUN2.into() },
            ]),
            now,
        )
        .unwrap();
    assert_eq!(transmit(&mut s, conn, now), wire(V13_32_C));
    s.handle_data(conn, &v13_32_reply_bytes(), now);
    assert_eq!(
        drain(&mut s),
        [complete(
            id,
            Ok(Response::MultiRead(vec![
                ReadResult::Data {
                    data: Bytes::from_static(b"zz"),
                    stat: stat_13_31(),
                },
                ReadResult::Error(Error::Server(ErrorCode::NoNode)),
                ReadResult::Children(vec!["x".into(), "m2".into(), "seq-0000000000".into()]),
            ]))
        )]
    );
}

/// 13.33: the session, like the Java client, completes an empty multi locally; the captured
/// empty reply is what the server would have said.
#[test]
fn session_13_33_empty_multi_completes_locally() {
    let now = clock();
    let (mut s, conn) = session_a(now);
    let id = s.submit(Request::Multi(vec![]), now).unwrap();
    assert_eq!(drain(&mut s), [complete(id, Ok(Response::Multi(vec![])))]);
    assert!(transmit(&mut s, conn, now).is_empty());
    let id = s.submit(Request::MultiRead(vec![]), now).unwrap();
    assert_eq!(
        drain(&mut s),
        [complete(id, Ok(Response::MultiRead(vec![])))]
    );
    assert!(transmit(&mut s, conn, now).is_empty());
}

/// 13.34: an Unimplemented reply with zxid -1 fails the request and marks the opcode as
/// unsupported; the server then closes the connection.
#[test]
fn session_13_34_unimplemented_reply() {
    let now = clock();
    let (mut s, conn) = session_a(now);
    assert!(s.supports(OpCode::WhoAmI));
    let id = s.submit(Request::WhoAmI, now).unwrap();
    assert_eq!(transmit(&mut s, conn, now), wire(V13_36_C));
    s.handle_data(conn, &wire(V13_34_S), now);
    assert_eq!(
        drain(&mut s),
        [complete(id, Err(Error::Server(ErrorCode::Unimplemented)))]
    );
    assert!(!s.supports(OpCode::WhoAmI));
    assert_eq!(s.last_zxid(), 0, "zxid -1 is not a zxid");
    assert_eq!(
        s.submit(Request::WhoAmI, now),
        Err(Error::Server(ErrorCode::Unimplemented))
    );
    // <EOF>
    // Past the connection's probation, so the reconnect is immediate (no backoff).
    let now = now + Duration::from_secs(3);
    s.handle_disconnected(conn, now);
    let (actions, outputs) = drain_all(&mut s);
    assert!(
        matches!(
            (&actions[..], &outputs[..]),
            (
                [Action::Connect { .. }],
                [Output::State(StateChange {
                    state: SessionState::Suspended,
                    ..
                })]
            )
        ),
        "{actions:?} {outputs:?}"
    );
}

/// 13.35: a rejected credential stops the session for good.
#[test]
fn session_13_35_auth_failed() {
    let now = clock();
    let (mut s, conn) = session_a(now);
    let id = s.add_auth("nosuchscheme", "zzz", now).unwrap();
    assert_eq!(transmit(&mut s, conn, now), wire(V13_35_C));
    s.handle_data(conn, &wire(V13_35_S), now);
    let (actions, outputs) = drain_all(&mut s);
    assert!(
        matches!(actions[..], [Action::Disconnect(c)] if c == conn),
        "{actions:?}"
    );
    assert_eq!(
        outputs,
        [
            connected(SessionState::AuthFailed, SESSION_A),
            complete(id, Err(Error::Server(ErrorCode::AuthFailed))),
        ]
    );
    assert_eq!(s.state(), SessionState::AuthFailed);
    assert!(s.state().is_terminal());
    assert_eq!(
        s.submit(Request::get_data(VEC), now),
        Err(Error::Server(ErrorCode::AuthFailed))
    );
    assert_eq!(s.poll_timeout(), None);
}

/// 13.36: whoAmI through the session.
#[test]
fn session_13_36_who_am_i() {
    let now = clock();
    let (mut s, conn) = session_a(now);
    let id = s.submit(Request::WhoAmI, now).unwrap();
    assert_eq!(transmit(&mut s, conn, now), wire(V13_36_C));
    s.handle_data(conn, &wire(V13_36_S), now);
    assert_eq!(
        drain(&mut s),
        [complete(
            id,
            Ok(Response::WhoAmI(vec![
                ClientInfo {
                    auth_scheme: "sasl".into(),
                    user: "bob".into(),
                },
                ClientInfo {
                    auth_scheme: "ip".into(),
                    user: "127.0.0.1".into(),
                },
            ]))
        )]
    );
    assert_eq!(s.last_zxid(), 1);
}

/// 13.38: a read-only client connects to a read-only server; writes fail with NotReadOnly.
#[test]
fn session_13_38_read_only_server() {
    let now = clock();
    let mut config = config();
    config.session_timeout = Duration::from_secs(10);
    config.read_only = true;
    let (mut s, conn) = new_session(config, now);
    assert_eq!(transmit(&mut s, conn, now), wire(V13_38_C));
    s.handle_data(conn, &wire(V13_38_S), now);
    assert_eq!(
        drain(&mut s),
        [connected(SessionState::ConnectedReadOnly, SESSION_RO)]
    );
    assert!(s.state().is_connected());

    // xid 1: a read; xid 2: the create the capture refused.
    let read = s.submit(Request::get_data("/ro"), now).unwrap();
    let create = s
        .submit(Request::create("/ro/x", "", CreateMode::Persistent), now)
        .unwrap();
    let _ = transmit(&mut s, conn, now);
    let data = GetDataResponse {
        data: None,
        stat: Stat::default(),
    };
    let mut chunk = reply(hdr(1, 0, 0), &data);
    chunk.extend(wire(V13_38_S_CREATE));
    s.handle_data(conn, &chunk, now);
    assert_eq!(
        drain(&mut s),
        [
            complete(
                read,
                Ok(Response::Data {
                    data: Bytes::new(),
                    stat: Stat::default(),
                })
            ),
            complete(create, Err(Error::Server(ErrorCode::NotReadOnly))),
        ]
    );
    assert_eq!(s.state(), SessionState::ConnectedReadOnly);
}

/// 13.38: a read-only server without local sessions answers a new session with a bare
/// 16-byte ReplyHeader; the session drops the connection and tries again, still connecting.
#[test]
fn session_13_38_bare_reply_header_refusal() {
    let now = clock();
    let mut config = config();
    config.session_timeout = Duration::from_secs(10);
    config.read_only = true;
    let (mut s, conn) = new_session(config.clone(), now);
    assert_eq!(transmit(&mut s, conn, now), wire(V13_38_C));
    s.handle_data(conn, &wire(V13_38_S_REFUSAL), now);
    let (actions, outputs) = drain_all(&mut s);
    assert!(
        matches!(actions.first(), Some(Action::Disconnect(c)) if *c == conn),
        "{actions:?}"
    );
    assert!(
        !outputs.iter().any(|o| matches!(o, Output::State(_))),
        "{outputs:?}"
    );
    assert_eq!(s.state(), SessionState::Connecting);
    assert_eq!(s.session_id(), None);
    assert_ne!(s.current_conn(), Some(conn));

    // "readOnly=0 client: connection closed, no bytes."
    config.read_only = false;
    let (mut s, conn) = new_session(config, now);
    let sent = transmit(&mut s, conn, now);
    assert_eq!(*sent.last().unwrap(), 0, "readOnly=0");
    s.handle_disconnected(conn, now);
    assert!(
        !drain(&mut s).iter().any(|o| matches!(o, Output::State(_))),
        "a refused handshake changes no state"
    );
    assert_eq!(s.state(), SessionState::Connecting);
}
