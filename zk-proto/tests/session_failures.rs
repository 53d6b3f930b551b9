//! Scripted session tests: lost connections, hostile input, timers, session loss and
//! authentication failure.

mod support;

use std::time::Duration;

use support::{PASSWD, SESSION_ID, Script, config, stat};
use zk_proto::records::{GetDataResponse, StatResponse};
use zk_proto::{
    Action, Error, ErrorCode, ExpiryPolicy, Output, Request, Response, SessionId, SessionState,
    StateChange, WatchEvent,
};

fn completions(events: &[Output]) -> Vec<(u64, Result<Response, Error>)> {
    events
        .iter()
        .filter_map(|o| match o {
            Output::Complete { id, result, .. } => Some((id.get(), result.clone())),
            _ => None,
        })
        .collect()
}

fn states(events: &[Output]) -> Vec<SessionState> {
    events
        .iter()
        .filter_map(|o| match o {
            Output::State(StateChange { state, .. }) => Some(*state),
            _ => None,
        })
        .collect()
}

/// After a protocol error: the connection is dropped, in-flight requests fail with
/// ConnectionLoss, the session is Suspended and re-attached on the next host with its id,
/// password and last zxid, and queued requests go out once it is back.
fn assert_resumes_after_protocol_error(mut s: Script, in_flight: Vec<u64>) {
    let events = s.take_events();
    let failed: Vec<_> = completions(&events)
        .into_iter()
        .map(|(id, r)| (id, r.unwrap_err()))
        .collect();
    assert_eq!(
        failed,
        in_flight
            .iter()
            .map(|id| (*id, Error::ConnectionLoss))
            .collect::<Vec<_>>()
    );
    assert_eq!(states(&events), [SessionState::Suspended]);
    let transport = s.take_transport();
    assert!(
        matches!(
            transport[..],
            [Action::Disconnect(_), Action::Connect { .. }]
        ),
        "{transport:?}"
    );
    let queued = s
        .session
        .submit(Request::get_data("/after"), s.now)
        .unwrap();
    s.open();
    let req = s.take_connect_request();
    assert_eq!(
        (req.session_id, req.passwd.as_ref()),
        (SESSION_ID, &PASSWD[..])
    );
    assert_eq!(req.last_zxid_seen, s.session.last_zxid());
    s.accept(SESSION_ID, 30_000, false);
    assert_eq!(states(&s.take_events()), [SessionState::Connected]);
    let sent = s.sent();
    assert_eq!(sent.len(), 1);
    s.reply_record(
        sent[0].xid,
        50,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    assert_eq!(completions(&s.take_events())[0].0, queued.get());
}

#[test]
fn a_reply_out_of_order_drops_the_connection_and_the_session_resumes() {
    let mut s = Script::connected(config("a:1,b:2"));
    let a = s.session.submit(Request::get_data("/a"), s.now).unwrap();
    let b = s.session.submit(Request::get_data("/b"), s.now).unwrap();
    let sent = s.sent();
    s.reply_record(
        sent[1].xid,
        7,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    assert_resumes_after_protocol_error(s, vec![a.get(), b.get()]);
}

#[test]
fn a_reply_with_nothing_in_flight_is_a_protocol_error() {
    let mut s = Script::connected(config("a:1,b:2"));
    s.reply_err(99, 7, 0);
    assert_resumes_after_protocol_error(s, vec![]);
}

#[test]
fn an_oversized_frame_is_refused_before_it_is_buffered() {
    let mut c = config("a:1,b:2");
    c.max_frame_in = 1024;
    let mut s = Script::connected(c);
    let a = s.session.submit(Request::get_data("/a"), s.now).unwrap();
    s.sent();
    s.feed(&2048i32.to_be_bytes());
    assert_resumes_after_protocol_error(s, vec![a.get()]);
}

#[test]
fn a_truncated_reply_body_is_a_protocol_error() {
    let mut s = Script::connected(config("a:1,b:2"));
    let a = s.session.submit(Request::get_data("/a"), s.now).unwrap();
    let sent = s.sent();
    // A getData reply whose data length claims more than the frame holds.
    s.reply(sent[0].xid, 7, 0, |b| {
        b.extend_from_slice(&[0, 0, 1, 0, 1, 2, 3])
    });
    assert_resumes_after_protocol_error(s, vec![a.get()]);
}

#[test]
fn garbage_never_panics_and_always_recovers() {
    let garbage: [&[u8]; 6] = [
        &[0xff, 0xff, 0xff, 0xff],
        &[0, 0, 0, 3, 1, 2, 3],
        &[
            0, 0, 0, 16, 0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
        &[0, 0, 0, 0],
        &[0x7f, 0xff, 0xff, 0xff, 0, 0],
        &[
            0, 0, 0, 20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
            0, 0, 0, 0, 0, 0, 0,
        ],
    ];
    for bytes in garbage {
        let mut s = Script::connected(config("a:1,b:2"));
        s.session.submit(Request::get_data("/a"), s.now).unwrap();
        s.sent();
        s.feed(bytes);
        s.take_events();
        // Whatever happened, the session either kept the connection or is reconnecting.
        assert!(
            matches!(
                s.session.state(),
                SessionState::Connected | SessionState::Suspended
            ),
            "{bytes:?}"
        );
        if s.session.state() == SessionState::Suspended {
            s.open();
            s.take_connect_request();
            s.accept(SESSION_ID, 30_000, false);
            assert_eq!(s.session.state(), SessionState::Connected);
        }
    }
}

#[test]
fn pings_go_out_after_a_third_of_the_timeout_without_sending() {
    let mut s = Script::connected(config("h:1"));
    // T = 30 s: ping after 10 s idle; read timeout 20 s.
    let waited = s.fire_next_timer();
    assert_eq!(waited, Duration::from_secs(10));
    let sent = s.sent();
    assert_eq!((sent.len(), sent[0].xid, sent[0].op), (1, -2, 11));
    s.reply_err(-2, 3, 0);
    // Any request also counts as a ping: sending one pushes the next ping back.
    s.advance(Duration::from_secs(5));
    s.session.submit(Request::exists("/a"), s.now).unwrap();
    let sent = s.sent();
    assert_eq!(sent.len(), 1);
    s.reply_record(sent[0].xid, 4, &StatResponse { stat: stat(1) });
    assert_eq!(s.fire_next_timer(), Duration::from_secs(10));
    assert_eq!(s.sent()[0].xid, -2);
}

#[test]
fn a_silent_server_is_dropped_after_the_read_timeout() {
    let mut s = Script::connected(config("a:1,b:2"));
    let mut elapsed = Duration::ZERO;
    while s.session.state() == SessionState::Connected {
        elapsed += s.fire_next_timer();
        s.sent();
    }
    assert_eq!(elapsed, Duration::from_secs(20), "2T/3");
    assert_eq!(s.session.state(), SessionState::Suspended);
    assert!(matches!(
        s.take_transport()[..],
        [Action::Disconnect(_), Action::Connect { .. }]
    ));
}

#[test]
fn no_contact_for_a_whole_session_timeout_loses_the_session_then_opens_a_new_one() {
    let mut s = Script::connected(config("a:1,b:2"));
    let watch = s
        .session
        .submit(
            Request::GetData {
                path: "/w".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    s.reply_record(
        sent[0].xid,
        2,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    s.take_events();
    s.drop_connection();
    let queued = s
        .session
        .submit_with_deadline(Request::get_data("/q"), s.now + Duration::from_secs(60))
        .unwrap();
    // Every attempt fails until the session timeout (30 s) has passed since the last contact.
    let mut elapsed = Duration::ZERO;
    while s.session.state() == SessionState::Suspended {
        if s.connect_pending {
            s.fail_connect();
        } else {
            elapsed += s.fire_next_timer();
        }
        assert!(elapsed <= Duration::from_secs(30));
    }
    let events = s.take_events();
    assert_eq!(
        states(&events),
        [
            SessionState::Suspended,
            SessionState::Lost,
            SessionState::Connecting
        ]
    );
    assert!(events.contains(&Output::Watch {
        watch: zk_proto::WatchId::from(watch),
        event: WatchEvent::SessionExpired
    }));
    assert!(completions(&events).contains(&(queued.get(), Err(Error::SessionExpired))));
    assert_eq!(s.session.session_id(), None);
    // The next connection asks for a brand-new session.
    s.open();
    assert_eq!(s.take_connect_request().session_id, 0);
    s.accept(SESSION_ID + 1, 30_000, false);
    assert_eq!(s.session.session_id(), Some(SessionId::new(SESSION_ID + 1)));
    assert_eq!(s.session.watch_count(), 0);
}

#[test]
fn a_server_side_expiry_is_lost_and_every_watcher_is_told() {
    let mut s = Script::connected(config("a:1,b:2"));
    let mut watches = Vec::new();
    for (i, request) in [
        Request::GetData {
            path: "/d".into(),
            watch: true,
        },
        Request::GetChildren {
            path: "/c".into(),
            watch: true,
            with_stat: false,
        },
        Request::AddWatch {
            path: "/p".into(),
            mode: zk_proto::AddWatchMode::PersistentRecursive,
        },
    ]
    .into_iter()
    .enumerate()
    {
        watches.push(s.session.submit(request, s.now).unwrap());
        let sent = s.sent();
        match i {
            0 => s.reply_record(
                sent[0].xid,
                2,
                &GetDataResponse {
                    data: None,
                    stat: stat(1),
                },
            ),
            1 => s.reply_record(
                sent[0].xid,
                2,
                &zk_proto::records::GetChildrenResponse { children: vec![] },
            ),
            _ => s.reply_record(sent[0].xid, 2, &zk_proto::records::ErrorResponse { err: 0 }),
        }
    }
    assert_eq!(s.session.watch_count(), 3);
    s.take_events();
    s.drop_connection();
    s.open();
    assert_eq!(s.take_connect_request().session_id, SESSION_ID);
    s.refuse_expired();
    let events = s.take_events();
    for w in &watches {
        assert!(
            events.contains(&Output::Watch {
                watch: zk_proto::WatchId::from(*w),
                event: WatchEvent::SessionExpired
            }),
            "{w:?}"
        );
    }
    assert_eq!(
        states(&events),
        [
            SessionState::Suspended,
            SessionState::Lost,
            SessionState::Connecting
        ]
    );
    s.open();
    assert_eq!(s.take_connect_request().session_id, 0);
}

#[test]
fn the_terminal_policy_stays_lost() {
    let mut c = config("h:1");
    c.expiry_policy = ExpiryPolicy::Terminal;
    let mut s = Script::connected(c);
    s.drop_connection();
    s.open();
    s.take_connect_request();
    s.refuse_expired();
    assert_eq!(s.session.state(), SessionState::Lost);
    assert_eq!(
        s.session.submit(Request::exists("/a"), s.now),
        Err(Error::SessionExpired)
    );
    assert_eq!(s.session.poll_timeout(), None);
}

#[test]
fn an_auth_failure_stops_the_session_and_fails_everything() {
    let mut s = Script::connected(config("h:1"));
    let pending = s.session.submit(Request::get_data("/a"), s.now).unwrap();
    s.sent();
    let auth = s
        .session
        .add_auth("nosuchscheme", &b"zzz"[..], s.now)
        .unwrap();
    assert_eq!(s.sent()[0].xid, -4);
    s.reply_err(-4, 0, -115);
    let events = s.take_events();
    assert_eq!(states(&events), [SessionState::AuthFailed]);
    let done = completions(&events);
    assert!(done.contains(&(pending.get(), Err(Error::ConnectionLoss))));
    assert!(done.contains(&(auth.get(), Err(Error::Server(ErrorCode::AuthFailed)))));
    assert!(matches!(s.take_transport()[..], [Action::Disconnect(_)]));
    assert_eq!(
        s.session.submit(Request::exists("/a"), s.now),
        Err(Error::Server(ErrorCode::AuthFailed))
    );
    assert_eq!(s.session.poll_timeout(), None);
}

#[test]
fn credentials_are_replayed_on_every_reconnect_before_anything_else() {
    let mut c = config("a:1,b:2");
    c.auth
        .push(("digest".into(), bytes::Bytes::from_static(b"u:p")));
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    let first = s.sent();
    assert_eq!((first.len(), first[0].xid, first[0].op), (1, -4, 100));
    s.reply_err(-4, 0, 0);
    let added = s.session.add_auth("digest", &b"v:q"[..], s.now).unwrap();
    s.sent();
    s.drop_connection();
    // Submitted while disconnected: it must go after the credentials.
    s.session.submit(Request::exists("/x"), s.now).unwrap();
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    let sent = s.sent();
    let packets: Vec<_> = sent.iter().map(|f| (f.xid, f.op)).collect();
    assert_eq!(packets, [(-4, 100), (-4, 100), (1, 3)]);
    let auth: zk_proto::records::AuthPacket = sent[1].decode();
    assert_eq!(auth.auth.as_ref(), b"v:q");
    // The add_auth made before the drop completes with the replay's answer.
    s.reply_err(-4, 0, 0);
    s.reply_err(-4, 0, 0);
    assert!(completions(&s.take_events()).contains(&(added.get(), Ok(Response::Done))));
}

#[test]
fn every_request_completes_exactly_once_across_disconnects() {
    let mut c = config("a:1,b:2");
    c.max_in_flight = 3;
    let mut s = Script::connected(c);
    let mut ids = Vec::new();
    for round in 0..5 {
        for i in 0..4 {
            ids.push(
                s.session
                    .submit(Request::exists(format!("/{round}/{i}")), s.now)
                    .unwrap()
                    .get(),
            );
        }
        let sent = s.sent();
        if let Some(first) = sent.first() {
            s.reply_record(first.xid, 1, &StatResponse { stat: stat(1) });
        }
        s.drop_connection();
        s.open();
        s.take_connect_request();
        s.accept(SESSION_ID, 30_000, false);
    }
    s.session.close(s.now);
    for _ in 0..10 {
        let sent = s.sent();
        if sent.is_empty() {
            break;
        }
        for f in sent {
            if f.op == -11 {
                s.reply_err(f.xid, 9, 0);
            } else {
                s.reply_record(f.xid, 1, &StatResponse { stat: stat(1) });
            }
        }
    }
    assert_eq!(s.session.state(), SessionState::Closed);
    let mut done: Vec<u64> = completions(&s.take_events())
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    done.sort();
    assert_eq!(done, ids, "each id exactly once");
}

#[test]
fn connected_is_announced_once_the_credentials_are_accepted() {
    let mut c = config("h:1");
    c.auth
        .push(("digest".into(), bytes::Bytes::from_static(b"u:p")));
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    assert!(
        states(&s.take_events()).is_empty(),
        "not yet: the credential is unanswered"
    );
    assert_eq!(s.sent()[0].xid, -4);
    s.reply_err(-4, 0, 0);
    assert_eq!(states(&s.take_events()), [SessionState::Connected]);

    let mut c = config("h:1");
    c.auth
        .push(("nosuchscheme".into(), bytes::Bytes::from_static(b"x")));
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    s.sent();
    s.reply_err(-4, 0, -115);
    assert_eq!(
        states(&s.take_events()),
        [SessionState::AuthFailed],
        "never Connected"
    );
}
