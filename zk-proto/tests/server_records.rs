//! The server's direction of the codec: requests decoded and replies encoded against frames
//! captured from a ZooKeeper 3.8.0 server, and round trips through the client session's own
//! encoder and decoder.

mod support;

use bytes::Bytes;
use support::{Script, config};
use zk_proto::frame::write_frame;
use zk_proto::jute::{Reader, Record};
use zk_proto::records::server::{MultiOpResponse, MultiRequestOp, MultiResponse, RequestBody};
use zk_proto::records::{
    AddWatchRequest, AuthPacket, CheckVersionRequest, ConnectRequest, ConnectResponse,
    Create2Response, CreateRequest, CreateResponse, ErrorResponse, GetChildrenResponse,
    GetDataResponse, PathWatchRequest, ReplyHeader, RequestHeader, WatcherEvent,
};
use zk_proto::{
    Acl, CreateMode, MultiOp, MultiResult, OpCode, Output, ReadOp, ReadResult, Request, Response,
    Stat,
};

/// The payload of one captured frame, after checking its length prefix.
fn payload(hex_frame: &str) -> Bytes {
    let hex_frame: String = hex_frame.split_whitespace().collect();
    let bytes = hex::decode(hex_frame).unwrap();
    let len = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
    assert_eq!(len, bytes.len() - 4, "length prefix");
    Bytes::from(bytes[4..].to_vec())
}

/// A request frame as the server reads it: header, then the body chosen by opcode.
fn decode_request(hex_frame: &str) -> (RequestHeader, RequestBody) {
    let mut r = Reader::new(payload(hex_frame));
    let header = RequestHeader::decode(&mut r).unwrap();
    let op = OpCode::from_code(header.op).unwrap();
    let body = RequestBody::decode(op, &mut r).unwrap();
    assert_eq!(r.remaining(), 0, "the whole frame was read");
    (header, body)
}

/// Writes a reply body.
type BodyWriter<'a> = &'a dyn Fn(&mut Vec<u8>);

/// A whole reply frame, as the server writes it.
fn reply_frame(header: ReplyHeader, body: Option<BodyWriter<'_>>) -> String {
    let mut out = Vec::new();
    write_frame(&mut out, |b| {
        header.encode(b);
        if let Some(body) = body {
            body(b);
        }
    });
    hex::encode(out)
}

fn hdr(xid: i32, zxid: i64, err: i32) -> ReplyHeader {
    ReplyHeader { xid, zxid, err }
}

fn open_acl() -> Vec<Acl> {
    Acl::open_unsafe()
}

#[test]
fn connect_request_with_and_without_the_read_only_byte() {
    let req = ConnectRequest::from_bytes(payload(
        "0000002d000000000000000000000000000075300000000000000000000000100000000000000000000000000000000000",
    ))
    .unwrap();
    assert_eq!(req.timeout_ms, 30000);
    assert_eq!(req.session_id, 0);
    assert_eq!(req.passwd.len(), 16);
    assert_eq!(req.read_only, Some(false));

    let old = ConnectRequest::from_bytes(payload(
        "0000002c 00000000 0000000000000000 00000bb8 0000000000000000 00000010 00000000000000000000000000000000",
    ))
    .unwrap();
    assert_eq!(old.timeout_ms, 3000);
    assert_eq!(old.read_only, None);

    let reattach = ConnectRequest::from_bytes(payload(
        "0000002d00000000000000000000000000007530010000074b64001c00000010919f9e4593bc835217e97e6bc675d3a100",
    ))
    .unwrap();
    assert_eq!(reattach.session_id, 0x0100_0007_4b64_001c);
    assert_eq!(
        hex::encode(&reattach.passwd),
        "919f9e4593bc835217e97e6bc675d3a1"
    );
}

#[test]
fn connect_responses_are_written_as_captured() {
    let granted = ConnectResponse {
        protocol_version: 0,
        timeout_ms: 30000,
        session_id: 0x0100_0007_4b64_001c,
        passwd: Bytes::from(hex::decode("919f9e4593bc835217e97e6bc675d3a1").unwrap()),
        read_only: Some(false),
    };
    let mut out = Vec::new();
    write_frame(&mut out, |b| granted.encode(b));
    assert_eq!(
        hex::encode(&out),
        "000000250000000000007530010000074b64001c00000010919f9e4593bc835217e97e6bc675d3a100"
    );

    // Expired or unknown: timeout 0, id 0, a zero password.
    let refused = ConnectResponse {
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
        ..ConnectResponse::default()
    };
    out.clear();
    write_frame(&mut out, |b| refused.encode(b));
    assert_eq!(
        hex::encode(&out),
        "0000002500000000000000000000000000000000000000100000000000000000000000000000000000"
    );

    // A client that sent no read-only byte gets none back (3.8).
    let old = ConnectResponse {
        timeout_ms: 4000,
        session_id: 0x0100_0007_4b64_0013,
        passwd: Bytes::from(hex::decode("99f1ea4574e52cd3a38240370683c837").unwrap()),
        read_only: None,
        ..ConnectResponse::default()
    };
    out.clear();
    write_frame(&mut out, |b| old.encode(b));
    assert_eq!(
        hex::encode(&out),
        "0000002400000000 00000fa0 010000074b640013 00000010 99f1ea4574e52cd3a38240370683c837"
            .replace(' ', "")
    );
}

#[test]
fn create_requests_and_replies() {
    let (header, body) = decode_request(
        "000000470000000100000001000000132f72657365617263682d70726f746f2f7665630000000568656c6c6f000000010000001f00000005776f726c6400000006616e796f6e6500000000",
    );
    assert_eq!((header.xid, header.op), (1, 1));
    assert_eq!(
        body,
        RequestBody::Create(CreateRequest {
            path: "/research-proto/vec".into(),
            data: Some(Bytes::from_static(b"hello")),
            acl: open_acl(),
            flags: 0,
        })
    );

    let reply = CreateResponse {
        path: "/research-proto/vec".into(),
    };
    assert_eq!(
        reply_frame(hdr(1, 0xec, 0), Some(&|b| reply.encode(b))),
        "000000270000000100000000000000ec00000000000000132f72657365617263682d70726f746f2f766563"
    );

    let (header, body) = decode_request(
        "00000045000000050000000f000000162f72657365617263682d70726f746f2f7665632f732d00000000000000010000001f00000005776f726c6400000006616e796f6e6500000003",
    );
    assert_eq!((header.xid, header.op), (5, 15));
    let RequestBody::Create(create) = body else {
        panic!("{body:?}")
    };
    assert_eq!(create.path, "/research-proto/vec/s-");
    assert_eq!(create.data, Some(Bytes::new()));
    assert_eq!(create.flags, 3);

    let reply = Create2Response {
        path: "/research-proto/vec/s-0000000000".into(),
        stat: Stat {
            czxid: 0xef,
            mzxid: 0xef,
            ctime: 0x1a2_04ad_82bb,
            mtime: 0x1a2_04ad_82bb,
            ephemeral_owner: 0x0100_0007_4b64_001c,
            pzxid: 0xef,
            ..Stat::default()
        },
    };
    assert_eq!(
        reply_frame(hdr(5, 0xef, 0), Some(&|b| reply.encode(b))),
        "000000780000000500000000000000ef00000000000000202f72657365617263682d70726f746f2f7665632f732d3030303030303030303000000000000000ef00000000000000ef000001a204ad82bb000001a204ad82bb000000000000000000000000010000074b64001c000000000000000000000000000000ef"
    );
}

#[test]
fn reads_errors_pings_and_notifications() {
    let (header, body) =
        decode_request("000000200000000200000004000000132f72657365617263682d70726f746f2f76656301");
    assert_eq!((header.xid, header.op), (2, 4));
    assert_eq!(
        body,
        RequestBody::PathWatch(PathWatchRequest {
            path: "/research-proto/vec".into(),
            watch: true,
        })
    );

    let data = GetDataResponse {
        data: Some(Bytes::from_static(b"hello")),
        stat: Stat {
            czxid: 0xec,
            mzxid: 0xec,
            ctime: 0x1a2_04ad_82b4,
            mtime: 0x1a2_04ad_82b4,
            data_length: 5,
            pzxid: 0xec,
            ..Stat::default()
        },
    };
    assert_eq!(
        reply_frame(hdr(2, 0xec, 0), Some(&|b| data.encode(b))),
        "0000005d0000000200000000000000ec000000000000000568656c6c6f00000000000000ec00000000000000ec000001a204ad82b4000001a204ad82b40000000000000000000000000000000000000000000000050000000000000000000000ec"
    );

    assert_eq!(
        reply_frame(hdr(3, 0xed, -101), None),
        "000000100000000300000000000000edffffff9b"
    );

    let (header, body) = decode_request("00000008fffffffe0000000b");
    assert_eq!((header.xid, header.op, body), (-2, 11, RequestBody::Empty));
    assert_eq!(
        reply_frame(hdr(-2, 0xee, 0), None),
        "00000010fffffffe00000000000000ee00000000"
    );

    let event = WatcherEvent {
        event_type: 3,
        state: 3,
        path: "/research-proto/vec".into(),
    };
    assert_eq!(
        reply_frame(hdr(-1, -1, 0), Some(&|b| event.encode(b))),
        "0000002fffffffffffffffffffffffff000000000000000300000003000000132f72657365617263682d70726f746f2f766563"
    );

    let (header, body) = decode_request("0000000800000009fffffff5");
    assert_eq!((header.xid, header.op, body), (9, -11, RequestBody::Empty));
}

#[test]
fn watches_and_auth() {
    let (header, body) = decode_request(
        "00000023000000060000006a000000132f72657365617263682d70726f746f2f76656300000001",
    );
    assert_eq!(header.op, OpCode::AddWatch.code());
    assert_eq!(
        body,
        RequestBody::AddWatch(AddWatchRequest {
            path: "/research-proto/vec".into(),
            mode: 1,
        })
    );
    // A successful addWatch carries a 4-byte ErrorResponse.
    assert_eq!(
        reply_frame(
            hdr(6, 0xef, 0),
            Some(&|b| ErrorResponse { err: 0 }.encode(b))
        ),
        "000000140000000600000000000000ef0000000000000000"
    );

    let (header, body) =
        decode_request("0000001dfffffffc00000064000000000000000664696765737400000003753a70");
    assert_eq!((header.xid, header.op), (-4, 100));
    assert_eq!(
        body,
        RequestBody::Auth(AuthPacket {
            auth_type: 0,
            scheme: "digest".into(),
            auth: Bytes::from_static(b"u:p"),
        })
    );
    assert_eq!(
        reply_frame(hdr(-4, 0, 0), None),
        "00000010fffffffc000000000000000000000000"
    );
}

#[test]
fn multi_requests_and_replies() {
    let (header, body) = decode_request(
        "0000007a000000040000000e0000000100ffffffff000000152f72657365617263682d70726f746f2f7665632f6100000000000000010000001f00000005776f726c6400000006616e796f6e65000000000000000d00ffffffff000000132f72657365617263682d70726f746f2f7665630000002affffffff01ffffffff",
    );
    assert_eq!((header.xid, header.op), (4, 14));
    let expected = RequestBody::Multi(vec![
        MultiRequestOp {
            op: OpCode::Create,
            body: RequestBody::Create(CreateRequest {
                path: "/research-proto/vec/a".into(),
                data: Some(Bytes::new()),
                acl: open_acl(),
                flags: 0,
            }),
        },
        MultiRequestOp {
            op: OpCode::Check,
            body: RequestBody::Check(CheckVersionRequest {
                path: "/research-proto/vec".into(),
                version: 42,
            }),
        },
    ]);
    assert_eq!(body, expected);
    // And back: the same bytes the Java client wrote.
    let mut again = Vec::new();
    expected.encode(&mut again);
    assert_eq!(
        &again[..],
        &payload(
            "0000007a000000040000000e0000000100ffffffff000000152f72657365617263682d70726f746f2f7665632f6100000000000000010000001f00000005776f726c6400000006616e796f6e65000000000000000d00ffffffff000000132f72657365617263682d70726f746f2f7665630000002affffffff01ffffffff"
        )[8..]
    );

    // The failed transaction: OK before the failing op, its code at it.
    let failed = MultiResponse {
        results: vec![MultiOpResponse::Error(0), MultiOpResponse::Error(-103)],
    };
    assert_eq!(
        reply_frame(hdr(4, 0xee, 0), Some(&|b| failed.encode(b))),
        "000000330000000400000000000000ee00000000ffffffff000000000000000000ffffffff00ffffff99ffffff99ffffffff01ffffffff"
    );
    assert_eq!(failed.encoded_len(), 0x33 - 16);

    // The empty multi, both ways.
    let (header, body) = decode_request("00000011 0000000a 0000000e ffffffff 01 ffffffff");
    assert_eq!((header.xid, body), (10, RequestBody::Multi(vec![])));
    assert_eq!(
        reply_frame(
            hdr(10, 0xa5, 0),
            Some(&|b| MultiResponse::default().encode(b))
        ),
        "000000190000000a00000000000000a500000000ffffffff01ffffffff"
    );
}

#[test]
fn successful_multi_and_multi_read_replies() {
    let stat = Stat {
        czxid: 0xa4,
        mzxid: 0xa4,
        ctime: 0x1a2_04aa_cde9,
        mtime: 0x1a2_04aa_cde9,
        version: 1,
        data_length: 2,
        pzxid: 0xa4,
        ..Stat::default()
    };
    let ok = MultiResponse {
        results: vec![
            MultiOpResponse::Create(CreateResponse {
                path: "/research-proto/run2/m2".into(),
            }),
            MultiOpResponse::Create(CreateResponse {
                path: "/research-proto/run2/m3".into(),
            }),
            MultiOpResponse::SetData(stat.clone()),
            MultiOpResponse::Check,
            MultiOpResponse::Delete,
        ],
    };
    let path = |p: &str| format!("{:08x}{}", p.len(), hex::encode(p));
    let expected = format!(
        "000000c0 00000008 00000000000000a4 00000000 \
         00000001 00 00000000 {m2} 00000001 00 00000000 {m3} \
         00000005 00 00000000 00000000000000a4 00000000000000a4 000001a204aacde9 000001a204aacde9 \
         00000001 00000000 00000000 0000000000000000 00000002 00000000 00000000000000a4 \
         0000000d 00 00000000 00000002 00 00000000 ffffffff 01 ffffffff",
        m2 = path("/research-proto/run2/m2"),
        m3 = path("/research-proto/run2/m3"),
    )
    .replace(' ', "");
    assert_eq!(
        reply_frame(hdr(8, 0xa4, 0), Some(&|b| ok.encode(b))),
        expected
    );
    let decoded = MultiResponse::from_bytes(payload(&expected).slice(16..)).unwrap();
    assert_eq!(decoded, ok);

    let read = MultiResponse {
        results: vec![
            MultiOpResponse::GetData(GetDataResponse {
                data: Some(Bytes::from_static(b"zz")),
                stat: stat.clone(),
            }),
            MultiOpResponse::Error(-101),
            MultiOpResponse::GetChildren(GetChildrenResponse {
                children: vec!["x".into(), "m2".into(), "seq-0000000000".into()],
            }),
        ],
    };
    let frame = reply_frame(hdr(9, 0xa4, 0), Some(&|b| read.encode(b)));
    assert!(frame.starts_with("000000a30000000900000000000000a400000000"));
    assert!(frame.contains("ffffffff00ffffff9bffffff9b"));
    assert!(frame.ends_with(
        &"00000008 00 00000000 00000003 00000001 78 00000002 6d32 0000000e 7365712d30303030303030303030 ffffffff 01 ffffffff"
            .replace(' ', "")
    ));
}

#[test]
fn hostile_request_bodies_are_errors_not_panics() {
    // A multi that never ends, a sub-op type with no record, a forged count, an opcode a
    // client never sends.
    let bodies: [(OpCode, &[u8]); 5] = [
        (OpCode::Multi, &[0, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff]),
        (OpCode::Multi, &[0, 0, 0, 11, 0, 0xff, 0xff, 0xff, 0xff]),
        (OpCode::Multi, &[0, 0, 0, 99, 0, 0, 0, 0, 0]),
        (
            OpCode::SetWatches,
            &[0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff],
        ),
        (OpCode::Notification, &[]),
    ];
    for (op, body) in bodies {
        let mut r = Reader::new(Bytes::copy_from_slice(body));
        assert!(RequestBody::decode(op, &mut r).is_err(), "{op:?} {body:?}");
    }
    // Every prefix of a valid multi is rejected cleanly.
    let full = payload("0000007a000000040000000e0000000100ffffffff000000152f72657365617263682d70726f746f2f7665632f6100000000000000010000001f00000005776f726c6400000006616e796f6e65000000000000000d00ffffffff000000132f72657365617263682d70726f746f2f7665630000002affffffff01ffffffff").slice(8..);
    for cut in 0..full.len() {
        let mut r = Reader::new(full.slice(..cut));
        assert!(
            RequestBody::decode(OpCode::Multi, &mut r).is_err(),
            "cut {cut}"
        );
    }
}

/// What the client session writes, the server decoder reads back field for field.
#[test]
fn the_client_encoder_round_trips_through_the_server_decoder() {
    let mut s = Script::connected(config("h:1/app"));
    let requests = [
        Request::create("/a", "x", CreateMode::EphemeralSequential),
        Request::Create {
            path: "/c".into(),
            data: Bytes::new(),
            acl: open_acl(),
            mode: CreateMode::Container,
            with_stat: true,
        },
        Request::Create {
            path: "/t".into(),
            data: Bytes::new(),
            acl: open_acl(),
            mode: CreateMode::PersistentWithTtl {
                ttl: std::time::Duration::from_millis(5000),
            },
            with_stat: true,
        },
        Request::Multi(vec![
            MultiOp::Create {
                path: "/m".into(),
                data: Bytes::from_static(b"1"),
                acl: open_acl(),
                mode: CreateMode::Persistent,
            },
            MultiOp::SetData {
                path: "/m".into(),
                data: Bytes::from_static(b"2"),
                version: Some(0),
            },
            MultiOp::Check {
                path: "/m".into(),
                version: 1,
            },
            MultiOp::Delete {
                path: "/m".into(),
                version: None,
            },
        ]),
        Request::MultiRead(vec![
            ReadOp::GetData { path: "/m".into() },
            ReadOp::GetChildren { path: "/".into() },
        ]),
        Request::WhoAmI,
    ];
    for request in requests {
        s.session.submit(request, s.now).unwrap();
    }
    let sent = s.sent();
    let decoded: Vec<(OpCode, RequestBody)> = sent
        .iter()
        .map(|f| {
            let op = OpCode::from_code(f.op).unwrap();
            let mut r = Reader::new(f.body.clone());
            let body = RequestBody::decode(op, &mut r).unwrap();
            assert_eq!(r.remaining(), 0, "{op:?}");
            (op, body)
        })
        .collect();
    let ops: Vec<OpCode> = decoded.iter().map(|(op, _)| *op).collect();
    assert_eq!(
        ops,
        [
            OpCode::Create,
            OpCode::CreateContainer,
            OpCode::CreateTtl,
            OpCode::Multi,
            OpCode::MultiRead,
            OpCode::WhoAmI
        ]
    );
    let RequestBody::Create(create) = &decoded[0].1 else {
        panic!()
    };
    assert_eq!((create.path.as_str(), create.flags), ("/app/a", 3));
    let RequestBody::CreateTtl(ttl) = &decoded[2].1 else {
        panic!()
    };
    assert_eq!((ttl.flags, ttl.ttl), (5, 5000));
    let RequestBody::Multi(multi) = &decoded[3].1 else {
        panic!()
    };
    let types: Vec<OpCode> = multi.iter().map(|op| op.op).collect();
    assert_eq!(
        types,
        [
            OpCode::Create,
            OpCode::SetData,
            OpCode::Check,
            OpCode::Delete
        ]
    );
    let RequestBody::Multi(reads) = &decoded[4].1 else {
        panic!()
    };
    assert_eq!(
        reads[1].body,
        RequestBody::PathWatch(PathWatchRequest {
            path: "/app".into(),
            watch: false,
        })
    );

    // What the server encodes, the client decodes into the results it reports.
    let multi_xid = sent[3].xid;
    let read_xid = sent[4].xid;
    for f in &sent[..3] {
        s.reply_err(f.xid, 10, -101);
    }
    let stat = Stat {
        czxid: 11,
        mzxid: 11,
        version: 1,
        ..Stat::default()
    };
    let reply = MultiResponse {
        results: vec![
            MultiOpResponse::Create2(Create2Response {
                path: "/app/m".into(),
                stat: stat.clone(),
            }),
            MultiOpResponse::SetData(stat.clone()),
            MultiOpResponse::Check,
            MultiOpResponse::Delete,
        ],
    };
    s.reply(multi_xid, 11, 0, |b| reply.encode(b));
    let read = MultiResponse {
        results: vec![
            MultiOpResponse::Error(-101),
            MultiOpResponse::GetChildren(GetChildrenResponse {
                children: vec!["m".into()],
            }),
        ],
    };
    s.reply(read_xid, 11, 0, |b| read.encode(b));
    let results: Vec<Response> = s
        .take_events()
        .into_iter()
        .filter_map(|o| match o {
            Output::Complete {
                result: Ok(response),
                ..
            } => Some(response),
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0],
        Response::Multi(vec![
            MultiResult::Created {
                path: "/m".into(),
                stat: Some(stat.clone())
            },
            MultiResult::SetData(stat),
            MultiResult::Checked,
            MultiResult::Deleted,
        ])
    );
    // The error's client-side type is not this test's concern: that it lands in its slot is.
    let Response::MultiRead(reads) = &results[1] else {
        panic!("{:?}", results[1])
    };
    assert!(matches!(reads[0], ReadResult::Error(_)), "{reads:?}");
    assert_eq!(reads[1], ReadResult::Children(vec!["m".into()]));
}
