//! Scripted session tests: requests, replies, xids, special xids, limits and validation.

mod support;

use std::time::Duration;

use bytes::Bytes;
use support::{Script, config, stat};
use zk_proto::jute::Record;
use zk_proto::records::{
    Create2Response, CreateRequest, CreateResponse, CreateTtlRequest, ErrorResponse,
    GetDataResponse, GetEphemeralsResponse, MultiHeader, PathWatchRequest, StatResponse,
    SyncResponse,
};
use zk_proto::{
    Acl, CreateMode, Error, ErrorCode, MultiOp, MultiResult, OpCode, Output, Request, Response,
    ServerVersion, first_error,
};

fn complete(events: &[Output]) -> Vec<(u64, Result<Response, Error>)> {
    events
        .iter()
        .filter_map(|o| match o {
            Output::Complete { id, result, .. } => Some((id.get(), result.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn xids_start_at_one_and_follow_wire_order() {
    let mut s = Script::connected(config("h:1"));
    for i in 0..3 {
        s.session
            .submit(Request::get_data(format!("/n{i}")), s.now)
            .unwrap();
    }
    let sent = s.sent();
    assert_eq!(sent.iter().map(|f| f.xid).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(sent.iter().all(|f| f.op == OpCode::GetData.code()));
    assert_eq!(sent[2].decode::<PathWatchRequest>().path, "/n2");
}

#[test]
fn replies_complete_requests_in_order_with_decoded_bodies() {
    let mut s = Script::connected(config("h:1"));
    let a = s.session.submit(Request::get_data("/a"), s.now).unwrap();
    let b = s.session.submit(Request::exists("/b"), s.now).unwrap();
    let sent = s.sent();
    s.reply_record(
        sent[0].xid,
        10,
        &GetDataResponse {
            data: Some(Bytes::from_static(b"hi")),
            stat: stat(5),
        },
    );
    s.reply_err(sent[1].xid, 11, -101);
    assert_eq!(
        complete(&s.take_events()),
        [
            (
                a.get(),
                Ok(Response::Data {
                    data: Bytes::from_static(b"hi"),
                    stat: stat(5)
                })
            ),
            (b.get(), Ok(Response::Exists(None))),
        ]
    );
    assert_eq!(s.session.last_zxid(), 11);
}

#[test]
fn ping_replies_and_auth_replies_are_matched_outside_the_fifo() {
    let mut s = Script::connected(config("h:1"));
    let get = s.session.submit(Request::get_data("/a"), s.now).unwrap();
    let sent = s.sent();
    let auth = s.session.add_auth("digest", &b"u:p"[..], s.now).unwrap();
    let auth_frames = s.sent();
    assert_eq!(auth_frames[0].xid, -4);
    assert_eq!(auth_frames[0].op, 100);
    // The auth reply overtakes the getData reply (the server answers auth at once), and a
    // ping reply (always xid -2) arrives in between; neither disturbs the FIFO.
    s.reply_err(-4, 0, 0);
    s.reply_err(-2, 99, 0);
    s.reply_record(
        sent[0].xid,
        12,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    let done = complete(&s.take_events());
    assert_eq!(done[0], (auth.get(), Ok(Response::Done)));
    assert_eq!(done[1].0, get.get());
    assert_eq!(s.session.last_zxid(), 12, "ping zxids do not count");
}

#[test]
fn create_modes_pick_the_right_opcode() {
    let mut s = Script::connected(config("h:1/app"));
    let req = |mode, with_stat| Request::Create {
        path: "/n".into(),
        data: Bytes::from_static(b"d"),
        acl: Acl::open_unsafe(),
        mode,
        with_stat,
    };
    s.session
        .submit(req(CreateMode::Persistent, false), s.now)
        .unwrap();
    s.session
        .submit(req(CreateMode::EphemeralSequential, true), s.now)
        .unwrap();
    s.session
        .submit(req(CreateMode::Container, false), s.now)
        .unwrap();
    s.session
        .submit(
            req(
                CreateMode::PersistentWithTtl {
                    ttl: Duration::from_secs(60),
                },
                false,
            ),
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    let ops: Vec<i32> = sent.iter().map(|f| f.op).collect();
    assert_eq!(ops, [1, 15, 19, 21]);
    let create: CreateRequest = sent[1].decode();
    assert_eq!((create.path.as_str(), create.flags), ("/app/n", 3));
    let ttl: CreateTtlRequest = sent[3].decode();
    assert_eq!((ttl.flags, ttl.ttl), (5, 60_000));
}

#[test]
fn chroot_is_stripped_from_create_sync_multi_and_ephemerals() {
    let mut s = Script::connected(config("h:1/app"));
    let c = s
        .session
        .submit(
            Request::create("/x", "", CreateMode::PersistentSequential),
            s.now,
        )
        .unwrap();
    let c2 = s
        .session
        .submit(
            Request::Create {
                path: "/y".into(),
                data: Bytes::new(),
                acl: Acl::open_unsafe(),
                mode: CreateMode::Persistent,
                with_stat: true,
            },
            s.now,
        )
        .unwrap();
    let sync = s
        .session
        .submit(Request::Sync { path: "/x".into() }, s.now)
        .unwrap();
    let multi = s
        .session
        .submit(
            Request::Multi(vec![MultiOp::Create {
                path: "/z".into(),
                data: Bytes::new(),
                acl: Acl::open_unsafe(),
                mode: CreateMode::Persistent,
            }]),
            s.now,
        )
        .unwrap();
    let eph = s
        .session
        .submit(
            Request::GetEphemerals {
                prefix: String::new(),
            },
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    s.reply_record(
        sent[0].xid,
        1,
        &CreateResponse {
            path: "/app/x0000000001".into(),
        },
    );
    s.reply_record(
        sent[1].xid,
        2,
        &Create2Response {
            path: "/app/y".into(),
            stat: stat(2),
        },
    );
    s.reply_record(
        sent[2].xid,
        3,
        &SyncResponse {
            path: "/app/x".into(),
        },
    );
    s.reply(sent[3].xid, 4, 0, |b| {
        MultiHeader {
            op: 1,
            done: false,
            err: 0,
        }
        .encode(b);
        CreateResponse {
            path: "/app/z".into(),
        }
        .encode(b);
        MultiHeader {
            op: -1,
            done: true,
            err: -1,
        }
        .encode(b);
    });
    assert_eq!(
        sent[4].decode::<zk_proto::records::PathRequest>().path,
        "/app"
    );
    s.reply_record(
        sent[4].xid,
        5,
        &GetEphemeralsResponse {
            ephemerals: vec!["/app/e1".into(), "/apple/not-ours".into(), "/app".into()],
        },
    );
    let done = complete(&s.take_events());
    assert_eq!(
        done[0],
        (
            c.get(),
            Ok(Response::Created {
                path: "/x0000000001".into(),
                stat: None
            })
        )
    );
    assert_eq!(
        done[1],
        (
            c2.get(),
            Ok(Response::Created {
                path: "/y".into(),
                stat: Some(stat(2))
            })
        )
    );
    assert_eq!(done[2], (sync.get(), Ok(Response::Synced("/x".into()))));
    assert_eq!(
        done[3],
        (
            multi.get(),
            Ok(Response::Multi(vec![MultiResult::Created {
                path: "/z".into(),
                stat: None
            }]))
        )
    );
    assert_eq!(
        done[4],
        (
            eph.get(),
            Ok(Response::Ephemerals(vec!["/e1".into(), "/".into()]))
        )
    );
}

#[test]
fn a_failed_multi_reports_every_result_as_the_server_encodes_it() {
    let mut s = Script::connected(config("h:1"));
    let id = s
        .session
        .submit(
            Request::Multi(vec![
                MultiOp::Create {
                    path: "/a".into(),
                    data: Bytes::new(),
                    acl: Acl::open_unsafe(),
                    mode: CreateMode::Persistent,
                },
                MultiOp::Check {
                    path: "/b".into(),
                    version: 42,
                },
                MultiOp::Delete {
                    path: "/c".into(),
                    version: None,
                },
            ]),
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    assert_eq!(sent[0].op, 14);
    // Header err 0; results 0 (rolled back), the real error, then -2
    // (docs/protocol.md#transaction-failure).
    s.reply(sent[0].xid, 9, 0, |b| {
        for err in [0, -103, -2] {
            MultiHeader {
                op: -1,
                done: false,
                err,
            }
            .encode(b);
            ErrorResponse { err }.encode(b);
        }
        MultiHeader {
            op: -1,
            done: true,
            err: -1,
        }
        .encode(b);
    });
    let done = complete(&s.take_events());
    let Ok(Response::Multi(results)) = &done[0].1 else {
        panic!("{done:?}")
    };
    assert_eq!(done[0].0, id.get());
    assert_eq!(
        results,
        &[
            MultiResult::RolledBack,
            MultiResult::Error(Error::Server(ErrorCode::BadVersion)),
            MultiResult::Error(Error::Server(ErrorCode::RuntimeInconsistency))
        ]
    );
    assert_eq!(
        first_error(results),
        Some((1, &Error::Server(ErrorCode::BadVersion)))
    );
}

#[test]
fn a_multi_read_error_result_without_an_error_is_a_protocol_error_not_a_server_code() {
    let mut s = Script::connected(config("h:1"));
    let id = s
        .session
        .submit(
            Request::MultiRead(vec![
                zk_proto::ReadOp::GetData { path: "/a".into() },
                zk_proto::ReadOp::GetData { path: "/b".into() },
            ]),
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    // An error result with code 0 (no server sends it), then a real one.
    s.reply(sent[0].xid, 9, 0, |b| {
        for err in [0, -101] {
            MultiHeader {
                op: -1,
                done: false,
                err,
            }
            .encode(b);
            ErrorResponse { err }.encode(b);
        }
        MultiHeader {
            op: -1,
            done: true,
            err: -1,
        }
        .encode(b);
    });
    let done = complete(&s.take_events());
    assert_eq!(done[0].0, id.get());
    let Ok(Response::MultiRead(results)) = &done[0].1 else {
        panic!("{done:?}")
    };
    assert!(
        matches!(
            &results[..],
            [
                zk_proto::ReadResult::Error(Error::Protocol { .. }),
                zk_proto::ReadResult::Error(Error::Server(ErrorCode::NoNode))
            ]
        ),
        "{results:?}"
    );
}

#[test]
fn an_empty_multi_completes_without_a_round_trip() {
    let mut s = Script::connected(config("h:1"));
    let id = s.session.submit(Request::Multi(vec![]), s.now).unwrap();
    assert!(s.sent().is_empty());
    assert_eq!(
        complete(&s.take_events()),
        [(id.get(), Ok(Response::Multi(vec![])))]
    );
}

#[test]
fn invalid_input_is_rejected_before_anything_is_sent() {
    let mut s = Script::connected(config("h:1"));
    let bad = [
        Request::get_data("no-slash"),
        Request::get_data("/a/"),
        Request::get_data("/a//b"),
        Request::get_data("/a/./b"),
        Request::get_data("/\u{1}"),
        Request::create("/a/", "", CreateMode::Persistent),
        Request::Create {
            path: "/a".into(),
            data: Bytes::new(),
            acl: vec![],
            mode: CreateMode::Persistent,
            with_stat: false,
        },
        Request::create(
            "/t",
            "",
            CreateMode::PersistentWithTtl {
                ttl: Duration::ZERO,
            },
        ),
        Request::create(
            "/t",
            "",
            CreateMode::PersistentWithTtl {
                ttl: Duration::from_millis(1 << 40),
            },
        ),
        Request::GetEphemerals { prefix: "x".into() },
        Request::set_data("/big", vec![0u8; 0xfffff]),
    ];
    for request in bad {
        let err = s.session.submit(request.clone(), s.now).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidPath { .. }
                    | Error::Server(ErrorCode::InvalidAcl)
                    | Error::InvalidArgument { .. }
                    | Error::RequestTooLarge { .. }
            ),
            "{request:?} gave {err:?}"
        );
    }
    assert!(s.sent().is_empty(), "nothing reached the wire");
    assert!(
        s.take_events().is_empty(),
        "no completion for a rejected request"
    );
    // A sequential prefix may end with '/', and just under the limit is fine.
    s.session
        .submit(
            Request::create("/q/", "", CreateMode::PersistentSequential),
            s.now,
        )
        .unwrap();
    s.session
        .submit(
            Request::set_data("/big", vec![0u8; 0xfffff - 8 - 4 - 4 - 4 - 4]),
            s.now,
        )
        .unwrap();
    assert_eq!(s.sent().len(), 2);
}

#[test]
fn the_in_flight_limit_queues_the_rest_in_order() {
    let mut c = config("h:1");
    c.max_in_flight = 2;
    let mut s = Script::connected(c);
    let ids: Vec<_> = (0..5)
        .map(|i| {
            s.session
                .submit(Request::exists(format!("/{i}")), s.now)
                .unwrap()
        })
        .collect();
    let first = s.sent();
    assert_eq!(first.len(), 2);
    assert_eq!(
        (s.session.in_flight_requests(), s.session.queued_requests()),
        (2, 3)
    );
    s.reply_record(first[0].xid, 1, &StatResponse { stat: stat(1) });
    let next = s.sent();
    assert_eq!(next.len(), 1, "one slot freed, one more sent");
    assert_eq!(next[0].decode::<PathWatchRequest>().path, "/2");
    s.reply_record(first[1].xid, 1, &StatResponse { stat: stat(1) });
    s.reply_record(next[0].xid, 1, &StatResponse { stat: stat(1) });
    let last = s.sent();
    assert_eq!(last.len(), 2);
    for f in &last {
        s.reply_record(f.xid, 1, &StatResponse { stat: stat(1) });
    }
    let done: Vec<u64> = complete(&s.take_events())
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(done, ids.iter().map(|i| i.get()).collect::<Vec<_>>());
}

#[test]
fn a_request_past_its_deadline_times_out_and_its_late_reply_is_consumed() {
    let mut s = Script::connected(config("h:1"));
    let slow = s
        .session
        .submit_with_deadline(Request::get_data("/slow"), s.now + Duration::from_secs(1))
        .unwrap();
    let sent = s.sent();
    s.advance(Duration::from_secs(1));
    assert_eq!(
        complete(&s.take_events()),
        [(slow.get(), Err(Error::Timeout))]
    );
    let next = s.session.submit(Request::exists("/next"), s.now).unwrap();
    let sent2 = s.sent();
    // The late reply still matches the FIFO, then the next one completes normally.
    s.reply_record(
        sent[0].xid,
        3,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    s.reply_record(sent2[0].xid, 4, &StatResponse { stat: stat(2) });
    assert_eq!(
        complete(&s.take_events()),
        [(next.get(), Ok(Response::Exists(Some(stat(2)))))]
    );
    assert_eq!(s.session.state(), zk_proto::SessionState::Connected);
}

#[test]
fn operations_a_known_old_server_lacks_fail_locally() {
    let mut c = config("h:1");
    c.server_version = Some(ServerVersion::new(3, 4, 14));
    let mut s = Script::connected(c);
    let unsupported = [
        Request::Create {
            path: "/a".into(),
            data: Bytes::new(),
            acl: Acl::open_unsafe(),
            mode: CreateMode::Persistent,
            with_stat: true,
        },
        Request::create("/c", "", CreateMode::Container),
        Request::create(
            "/t",
            "",
            CreateMode::PersistentWithTtl {
                ttl: Duration::from_secs(1),
            },
        ),
        Request::AddWatch {
            path: "/a".into(),
            mode: zk_proto::AddWatchMode::Persistent,
        },
        Request::MultiRead(vec![zk_proto::ReadOp::GetData { path: "/a".into() }]),
        Request::WhoAmI,
        Request::CountDescendants { path: "/".into() },
        Request::GetEphemerals { prefix: "/".into() },
    ];
    for r in unsupported {
        assert_eq!(
            s.session.submit(r.clone(), s.now),
            Err(Error::Server(ErrorCode::Unimplemented)),
            "{r:?}"
        );
    }
    assert!(s.sent().is_empty());
    s.session.set_server_version(ServerVersion::new(3, 8, 0));
    s.session.submit(Request::WhoAmI, s.now).unwrap();
    assert_eq!(s.sent().len(), 1);
}

#[test]
fn an_unimplemented_reply_teaches_the_session_not_to_send_that_opcode_again() {
    let mut s = Script::connected(config("h:1"));
    let id = s.session.submit(Request::WhoAmI, s.now).unwrap();
    let sent = s.sent();
    // Vector 13.34: {xid, zxid -1, err -6}, then the server closes the connection.
    s.reply_err(sent[0].xid, -1, -6);
    assert_eq!(
        complete(&s.take_events()),
        [(id.get(), Err(Error::Server(ErrorCode::Unimplemented)))]
    );
    assert!(!s.session.supports(OpCode::WhoAmI));
    assert_eq!(
        s.session.submit(Request::WhoAmI, s.now),
        Err(Error::Server(ErrorCode::Unimplemented))
    );
    // A TTL refusal with a real zxid (extended types disabled) is an ordinary error.
    let ttl = s
        .session
        .submit(
            Request::create(
                "/t",
                "",
                CreateMode::PersistentWithTtl {
                    ttl: Duration::from_secs(1),
                },
            ),
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    s.reply_err(sent[0].xid, 40, -6);
    assert_eq!(
        complete(&s.take_events()),
        [(ttl.get(), Err(Error::Server(ErrorCode::Unimplemented)))]
    );
    assert!(s.session.supports(OpCode::CreateTtl));
}

#[test]
fn unknown_error_codes_are_ordinary_failures() {
    let mut s = Script::connected(config("h:1"));
    let id = s.session.submit(Request::get_data("/a"), s.now).unwrap();
    let sent = s.sent();
    s.reply_err(sent[0].xid, 5, -4242);
    assert_eq!(
        complete(&s.take_events()),
        [(id.get(), Err(Error::Server(ErrorCode::Unknown(-4242))))]
    );
    assert_eq!(s.session.state(), zk_proto::SessionState::Connected);
}

#[test]
fn trailing_bytes_after_a_reply_body_are_ignored() {
    let mut s = Script::connected(config("h:1"));
    let id = s.session.submit(Request::exists("/a"), s.now).unwrap();
    let sent = s.sent();
    s.reply(sent[0].xid, 5, 0, |b| {
        StatResponse { stat: stat(3) }.encode(b);
        b.extend_from_slice(b"future fields");
    });
    assert_eq!(
        complete(&s.take_events()),
        [(id.get(), Ok(Response::Exists(Some(stat(3)))))]
    );
}
