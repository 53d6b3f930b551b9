//! Scripted session tests: watch registration, routing, re-registration and removal.

mod support;

use support::{SESSION_ID, Script, config, stat};
use zk_proto::jute::Record;
use zk_proto::records::{
    AuthPacket, ErrorResponse, GetChildrenResponse, GetDataResponse, SetWatches, SetWatches2,
    StatResponse, WatchesRequest,
};
use zk_proto::{
    AddWatchMode, EventType, NodeEvent, OpCode, Output, Request, Response, ServerVersion,
    WatchEvent, WatchId, WatcherType,
};

/// Submits a watching request and answers it successfully; returns the watch id.
fn watch(s: &mut Script, request: Request) -> WatchId {
    let id = s.session.submit(request.clone(), s.now).unwrap();
    let sent = s.sent();
    let xid = sent[0].xid;
    match request {
        Request::GetData { .. } | Request::GetConfig { .. } => s.reply_record(
            xid,
            5,
            &GetDataResponse {
                data: None,
                stat: stat(1),
            },
        ),
        Request::Exists { path, .. } if path.contains("missing") => s.reply_err(xid, 5, -101),
        Request::Exists { .. } => s.reply_record(xid, 5, &StatResponse { stat: stat(1) }),
        Request::GetChildren {
            with_stat: false, ..
        } => s.reply_record(xid, 5, &GetChildrenResponse { children: vec![] }),
        Request::GetChildren {
            with_stat: true, ..
        } => s.reply_record(
            xid,
            5,
            &zk_proto::records::GetChildren2Response {
                children: vec![],
                stat: stat(1),
            },
        ),
        Request::AddWatch { .. } => s.reply_record(xid, 5, &ErrorResponse { err: 0 }),
        other => panic!("{other:?}"),
    }
    let events = s.take_events();
    let [
        Output::Complete {
            id: done,
            result: Ok(_),
            watch: Some(w),
        },
    ] = &events[..]
    else {
        panic!("{events:?}")
    };
    assert_eq!(*done, id);
    assert_eq!(*w, WatchId::from(id));
    *w
}

fn node(event_type: EventType, path: &str) -> WatchEvent {
    WatchEvent::Node(NodeEvent::new(event_type, path, None))
}

fn watch_events(events: &[Output]) -> Vec<(WatchId, WatchEvent)> {
    events
        .iter()
        .filter_map(|o| match o {
            Output::Watch { watch, event } => Some((*watch, event.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn one_notification_fans_out_to_every_matching_watcher_and_consumes_one_shots() {
    let mut s = Script::connected(config("h:1/app"));
    let data = watch(
        &mut s,
        Request::GetData {
            path: "/a/b".into(),
            watch: true,
        },
    );
    let exists = watch(
        &mut s,
        Request::Exists {
            path: "/a/b".into(),
            watch: true,
        },
    );
    let child = watch(
        &mut s,
        Request::GetChildren {
            path: "/a/b".into(),
            watch: true,
            with_stat: false,
        },
    );
    let persistent = watch(
        &mut s,
        Request::AddWatch {
            path: "/a/b".into(),
            mode: AddWatchMode::Persistent,
        },
    );
    let recursive_root = watch(
        &mut s,
        Request::AddWatch {
            path: "/".into(),
            mode: AddWatchMode::PersistentRecursive,
        },
    );
    let recursive_a = watch(
        &mut s,
        Request::AddWatch {
            path: "/a".into(),
            mode: AddWatchMode::PersistentRecursive,
        },
    );
    assert_eq!(s.session.watch_count(), 6);

    // The server sends server paths; the watchers see client paths.
    s.notify(3, "/app/a/b");
    let ev = node(EventType::NodeDataChanged, "/a/b");
    assert_eq!(
        watch_events(&s.take_events()),
        [
            (data, ev.clone()),
            (exists, ev.clone()),
            (persistent, ev.clone()),
            (recursive_a, ev.clone()),
            (recursive_root, ev)
        ]
    );
    s.notify(4, "/app/a/b");
    let ev = node(EventType::NodeChildrenChanged, "/a/b");
    assert_eq!(
        watch_events(&s.take_events()),
        [(child, ev.clone()), (persistent, ev)],
        "recursive watchers never see child changes"
    );
    s.notify(2, "/app/a/b");
    let ev = node(EventType::NodeDeleted, "/a/b");
    assert_eq!(
        watch_events(&s.take_events()),
        [
            (persistent, ev.clone()),
            (recursive_a, ev.clone()),
            (recursive_root, ev)
        ],
        "the one-shot watchers were consumed"
    );
    s.notify(1, "/app");
    assert_eq!(
        watch_events(&s.take_events()),
        [(recursive_root, node(EventType::NodeCreated, "/"))]
    );
    assert_eq!(s.session.watch_count(), 3);
}

#[test]
fn exists_on_a_missing_node_leaves_an_exist_watch_and_failed_reads_leave_none() {
    let mut s = Script::connected(config("h:1"));
    let exist = watch(
        &mut s,
        Request::Exists {
            path: "/missing".into(),
            watch: true,
        },
    );
    assert_eq!(
        s.session.watch_kind(exist),
        Some(zk_proto::WatchKind::Exist)
    );
    let id = s
        .session
        .submit(
            Request::GetData {
                path: "/gone".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    let xid = s.sent()[0].xid;
    s.reply_err(xid, 6, -101);
    let events = s.take_events();
    assert_eq!(
        events,
        [Output::Complete {
            id,
            result: Err(zk_proto::Error::Server(zk_proto::ErrorCode::NoNode)),
            watch: None
        }]
    );
    s.notify(1, "/missing");
    assert_eq!(
        watch_events(&s.take_events()),
        [(exist, node(EventType::NodeCreated, "/missing"))]
    );
    assert_eq!(s.session.watch_count(), 0);
}

#[test]
fn a_watch_event_precedes_the_reply_that_observes_the_change() {
    let mut s = Script::connected(config("h:1"));
    let w = watch(
        &mut s,
        Request::GetData {
            path: "/n".into(),
            watch: true,
        },
    );
    let read = s.session.submit(Request::get_data("/n"), s.now).unwrap();
    let xid = s.sent()[0].xid;
    // Both frames in one chunk: notification first, as the server sends them
    // (docs/protocol.md#ordering).
    let mut bytes = Vec::new();
    zk_proto::frame::write_frame(&mut bytes, |b| {
        zk_proto::records::ReplyHeader {
            xid: -1,
            zxid: 77,
            err: 0,
        }
        .encode(b);
        zk_proto::records::WatcherEvent {
            event_type: 3,
            state: 3,
            path: "/n".into(),
        }
        .encode(b);
    });
    zk_proto::frame::write_frame(&mut bytes, |b| {
        zk_proto::records::ReplyHeader {
            xid,
            zxid: 77,
            err: 0,
        }
        .encode(b);
        GetDataResponse {
            data: None,
            stat: stat(77),
        }
        .encode(b);
    });
    s.feed(&bytes);
    let events = s.take_events();
    assert!(
        matches!(&events[0], Output::Watch { watch, event: WatchEvent::Node(NodeEvent { zxid: Some(77), .. }) } if *watch == w)
    );
    assert!(matches!(&events[1], Output::Complete { id, .. } if *id == read));
}

#[test]
fn the_config_watch_is_never_chrooted() {
    let mut s = Script::connected(config("h:1/app"));
    let id = s
        .session
        .submit(Request::GetConfig { watch: true }, s.now)
        .unwrap();
    let sent = s.sent();
    assert_eq!(
        sent[0].decode::<zk_proto::records::PathWatchRequest>().path,
        "/zookeeper/config"
    );
    s.reply_record(
        sent[0].xid,
        5,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    s.take_events();
    s.notify(3, "/zookeeper/config");
    assert_eq!(
        watch_events(&s.take_events()),
        [(
            WatchId::from(id),
            node(EventType::NodeDataChanged, "/zookeeper/config")
        )]
    );
}

#[test]
fn every_kind_is_re_registered_after_a_reconnect_in_order() {
    let mut c = config("a:1,b:2/app");
    c.auth
        .push(("digest".into(), bytes::Bytes::from_static(b"u:p")));
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    s.sent();
    s.reply_err(-4, 0, 0);
    s.take_events();
    let data = watch(
        &mut s,
        Request::GetData {
            path: "/d".into(),
            watch: true,
        },
    );
    let exist = watch(
        &mut s,
        Request::Exists {
            path: "/missing".into(),
            watch: true,
        },
    );
    let child = watch(
        &mut s,
        Request::GetChildren {
            path: "/".into(),
            watch: true,
            with_stat: true,
        },
    );
    let persistent = watch(
        &mut s,
        Request::AddWatch {
            path: "/p".into(),
            mode: AddWatchMode::Persistent,
        },
    );
    let recursive = watch(
        &mut s,
        Request::AddWatch {
            path: "/r".into(),
            mode: AddWatchMode::PersistentRecursive,
        },
    );
    let zxid = s.session.last_zxid();
    s.drop_connection();
    let queued = s.session.submit(Request::exists("/after"), s.now).unwrap();
    s.open();
    assert_eq!(s.take_connect_request().last_zxid_seen, zxid);
    s.accept(SESSION_ID, 30_000, false);
    // Persistent watchers learn that events during the gap may be missing.
    let resumed = WatchEvent::Resumed { since_zxid: zxid };
    assert_eq!(
        watch_events(&s.take_events()),
        [(persistent, resumed.clone()), (recursive, resumed)]
    );
    let sent = s.sent();
    let ops: Vec<i32> = sent.iter().map(|f| f.op).collect();
    assert_eq!(
        ops,
        [
            OpCode::Auth.code(),
            OpCode::SetWatches2.code(),
            OpCode::Exists.code()
        ]
    );
    assert_eq!(sent[0].decode::<AuthPacket>().auth.as_ref(), b"u:p");
    let sw: SetWatches2 = sent[1].decode();
    assert_eq!(sw.relative_zxid, zxid);
    assert_eq!(sw.data_watches, ["/app/d"]);
    assert_eq!(sw.exist_watches, ["/app/missing"]);
    assert_eq!(sw.child_watches, ["/app"]);
    assert_eq!(sw.persistent_watches, ["/app/p"]);
    assert_eq!(sw.persistent_recursive_watches, ["/app/r"]);
    // The server reports a change missed during the gap before its SetWatches reply (vector
    // 13.29).
    s.reply_err(-4, 0, 0);
    s.notify(3, "/app/d");
    s.reply_err(sent[1].xid, zxid + 1, 0);
    s.reply_record(sent[2].xid, zxid + 2, &StatResponse { stat: stat(1) });
    let events = s.take_events();
    assert_eq!(
        watch_events(&events),
        [(data, node(EventType::NodeDataChanged, "/d"))]
    );
    assert!(matches!(events.last(), Some(Output::Complete { id, .. }) if *id == queued));
    // The others still fire.
    s.notify(1, "/app/missing");
    s.notify(4, "/app");
    s.notify(1, "/app/r/deep");
    assert_eq!(
        watch_events(&s.take_events()),
        [
            (exist, node(EventType::NodeCreated, "/missing")),
            (child, node(EventType::NodeChildrenChanged, "/")),
            (recursive, node(EventType::NodeCreated, "/r/deep")),
        ]
    );
}

#[test]
fn one_shot_watches_alone_use_set_watches_for_old_servers() {
    let mut s = Script::connected(config("a:1,b:2"));
    watch(
        &mut s,
        Request::GetData {
            path: "/d".into(),
            watch: true,
        },
    );
    s.drop_connection();
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    let sent = s.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].op, OpCode::SetWatches.code());
    assert_eq!(sent[0].decode::<SetWatches>().data_watches, ["/d"]);
}

#[test]
fn nothing_is_re_registered_without_watches() {
    let mut s = Script::connected(config("a:1,b:2"));
    s.drop_connection();
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    assert!(s.sent().is_empty());
}

#[test]
fn removing_the_last_watcher_sends_remove_watches_with_the_right_type() {
    let mut s = Script::connected(config("h:1/app"));
    let d1 = watch(
        &mut s,
        Request::GetData {
            path: "/n".into(),
            watch: true,
        },
    );
    let d2 = watch(
        &mut s,
        Request::GetData {
            path: "/n".into(),
            watch: true,
        },
    );
    let c = watch(
        &mut s,
        Request::GetChildren {
            path: "/n".into(),
            watch: true,
            with_stat: false,
        },
    );

    // Another data watcher still needs the server registration: removal is local only.
    let r1 = s.session.remove_watch(d1, s.now).unwrap();
    assert!(s.sent().is_empty());
    assert_eq!(
        s.take_events(),
        [
            Output::Watch {
                watch: d1,
                event: WatchEvent::Removed
            },
            Output::Complete {
                id: r1,
                result: Ok(Response::Done),
                watch: None
            },
        ]
    );
    let r2 = s.session.remove_watch(d2, s.now).unwrap();
    let sent = s.sent();
    assert_eq!(sent[0].op, OpCode::RemoveWatches.code());
    assert_eq!(
        sent[0].decode::<WatchesRequest>(),
        WatchesRequest {
            path: "/app/n".into(),
            watcher_type: 2
        }
    );
    // NoWatcher means the registration is already gone: still a success.
    s.reply_err(sent[0].xid, 8, -121);
    assert_eq!(
        s.take_events(),
        [
            Output::Watch {
                watch: d2,
                event: WatchEvent::Removed
            },
            Output::Complete {
                id: r2,
                result: Ok(Response::Done),
                watch: None
            },
        ]
    );
    assert_eq!(
        s.session.remove_watch(d2, s.now),
        Err(zk_proto::Error::Server(zk_proto::ErrorCode::NoWatcher))
    );
    s.session.remove_watch(c, s.now).unwrap();
    assert_eq!(s.sent()[0].decode::<WatchesRequest>().watcher_type, 1);
}

#[test]
fn persistent_removal_uses_any_before_3_9_and_the_precise_type_after() {
    for (version, expected) in [
        (None, WatcherType::Any),
        (
            Some(ServerVersion::new(3, 9, 1)),
            WatcherType::PersistentRecursive,
        ),
    ] {
        let mut c = config("h:1");
        c.server_version = version;
        let mut s = Script::connected(c);
        let p = watch(
            &mut s,
            Request::AddWatch {
                path: "/p".into(),
                mode: AddWatchMode::PersistentRecursive,
            },
        );
        s.session.remove_watch(p, s.now).unwrap();
        let sent = s.sent();
        assert_eq!(
            sent[0].decode::<WatchesRequest>().watcher_type,
            expected.code(),
            "{version:?}"
        );
    }
}

#[test]
fn removal_waits_while_a_reply_may_still_register_on_the_path() {
    let mut s = Script::connected(config("h:1"));
    let d = watch(
        &mut s,
        Request::GetData {
            path: "/n".into(),
            watch: true,
        },
    );
    s.session
        .submit(
            Request::GetData {
                path: "/n".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    let pending = s.sent();
    s.session.remove_watch(d, s.now).unwrap();
    assert!(
        s.sent().is_empty(),
        "removing on the server would silence the coming watcher"
    );
    s.reply_record(
        pending[0].xid,
        9,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    assert_eq!(s.session.watch_count(), 1);
}

#[test]
fn removal_while_disconnected_is_local() {
    let mut s = Script::connected(config("a:1,b:2"));
    let d = watch(
        &mut s,
        Request::GetData {
            path: "/n".into(),
            watch: true,
        },
    );
    s.drop_connection();
    let id = s.session.remove_watch(d, s.now).unwrap();
    assert!(s.take_events().contains(&Output::Complete {
        id,
        result: Ok(Response::Done),
        watch: None
    }));
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    assert!(s.sent().is_empty(), "neither re-registered nor removed");
}

#[test]
fn remove_all_watches_ends_the_local_watchers_on_success() {
    let mut s = Script::connected(config("h:1"));
    let d = watch(
        &mut s,
        Request::GetData {
            path: "/n".into(),
            watch: true,
        },
    );
    let c = watch(
        &mut s,
        Request::GetChildren {
            path: "/n".into(),
            watch: true,
            with_stat: false,
        },
    );
    let id = s
        .session
        .submit(
            Request::RemoveAllWatches {
                path: "/n".into(),
                watcher_type: WatcherType::Data,
            },
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    s.reply_err(sent[0].xid, 9, 0);
    assert_eq!(
        s.take_events(),
        [
            Output::Watch {
                watch: d,
                event: WatchEvent::Removed
            },
            Output::Complete {
                id,
                result: Ok(Response::Done),
                watch: None
            },
        ]
    );
    assert_eq!(s.session.watch_kind(c), Some(zk_proto::WatchKind::Child));
}

#[test]
fn one_shot_watches_ride_on_a_persistent_watch_of_the_same_path_before_3_9() {
    // ZOOKEEPER-4466: a one-shot registration would replace the persistent one on the server.
    let mut s = Script::connected(config("h:1"));
    let persistent = watch(
        &mut s,
        Request::AddWatch {
            path: "/p".into(),
            mode: AddWatchMode::Persistent,
        },
    );
    let id = s
        .session
        .submit(
            Request::GetData {
                path: "/p".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    let read: zk_proto::records::PathWatchRequest = sent[0].decode();
    assert!(!read.watch, "the server keeps the persistent registration");
    s.reply_record(
        sent[0].xid,
        5,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    let events = s.take_events();
    assert!(
        matches!(&events[..], [Output::Complete { watch: Some(w), .. }] if *w == WatchId::from(id))
    );
    s.notify(3, "/p");
    let ev = node(EventType::NodeDataChanged, "/p");
    assert_eq!(
        watch_events(&s.take_events()),
        [(WatchId::from(id), ev.clone()), (persistent, ev)]
    );
    // Children watches ride on it too; recursive ones would not cover child events.
    s.session
        .submit(
            Request::GetChildren {
                path: "/p".into(),
                watch: true,
                with_stat: false,
            },
            s.now,
        )
        .unwrap();
    assert!(
        !s.sent()[0]
            .decode::<zk_proto::records::PathWatchRequest>()
            .watch
    );
}

#[test]
fn persistent_and_recursive_on_one_path_are_refused_before_3_9_only() {
    let mut s = Script::connected(config("h:1"));
    watch(
        &mut s,
        Request::AddWatch {
            path: "/p".into(),
            mode: AddWatchMode::Persistent,
        },
    );
    let refused = s.session.submit(
        Request::AddWatch {
            path: "/p".into(),
            mode: AddWatchMode::PersistentRecursive,
        },
        s.now,
    );
    assert!(
        matches!(refused, Err(zk_proto::Error::InvalidArgument { .. })),
        "{refused:?}"
    );
    // Another path is fine, and so is a 3.9 server, which keeps every mode.
    watch(
        &mut s,
        Request::AddWatch {
            path: "/q".into(),
            mode: AddWatchMode::PersistentRecursive,
        },
    );
    let mut c = config("h:1");
    c.server_version = Some(ServerVersion::new(3, 9, 2));
    let mut s = Script::connected(c);
    watch(
        &mut s,
        Request::AddWatch {
            path: "/p".into(),
            mode: AddWatchMode::Persistent,
        },
    );
    watch(
        &mut s,
        Request::AddWatch {
            path: "/p".into(),
            mode: AddWatchMode::PersistentRecursive,
        },
    );
    s.session
        .submit(
            Request::GetData {
                path: "/p".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    assert!(
        s.sent()[0]
            .decode::<zk_proto::records::PathWatchRequest>()
            .watch
    );
}

#[test]
fn a_watch_set_by_a_request_that_timed_out_is_removed_again() {
    let mut c = config("h:1");
    c.request_timeout = Some(std::time::Duration::from_secs(1));
    let mut s = Script::connected(c);
    let id = s
        .session
        .submit(
            Request::GetData {
                path: "/n".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    let xid = s.sent()[0].xid;
    s.advance(std::time::Duration::from_secs(2));
    let events = s.take_events();
    assert!(
        matches!(&events[..], [Output::Complete { id: done, result: Err(zk_proto::Error::Timeout), watch: None }] if *done == id),
        "{events:?}"
    );
    // The server did set the watch: its reply comes late, and the watch is removed again.
    s.reply_record(
        xid,
        5,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    assert!(s.take_events().is_empty(), "nothing more for the caller");
    assert_eq!(s.session.watch_count(), 0);
    let sent = s.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].op, OpCode::RemoveWatches.code());
    let removal = sent[0].decode::<WatchesRequest>();
    assert_eq!((removal.path.as_str(), removal.watcher_type), ("/n", 2));
    // Its answer is consumed quietly.
    s.reply_err(sent[0].xid, 6, -121);
    assert!(s.take_events().is_empty());
}

#[test]
fn a_removal_put_off_is_sent_once_nothing_needs_the_registration() {
    // Before 3.9 a persistent watch is removed with type Any, which also removes every other
    // watch on the path: it waits for the child read in flight, then for its watcher.
    let mut s = Script::connected(config("h:1"));
    let persistent = watch(
        &mut s,
        Request::AddWatch {
            path: "/w".into(),
            mode: AddWatchMode::Persistent,
        },
    );
    s.session
        .submit(
            Request::GetChildren {
                path: "/w".into(),
                watch: true,
                with_stat: false,
            },
            s.now,
        )
        .unwrap();
    let children_read = s.sent()[0].xid;
    s.session.remove_watch(persistent, s.now).unwrap();
    assert!(s.sent().is_empty(), "the child read may still register");
    s.take_events();
    s.reply_record(children_read, 6, &GetChildrenResponse { children: vec![] });
    let events = s.take_events();
    let [
        Output::Complete {
            watch: Some(child), ..
        },
    ] = &events[..]
    else {
        panic!("{events:?}")
    };
    let child = *child;
    assert!(
        s.sent().is_empty(),
        "the child watcher still needs the path's registrations"
    );
    // The child watcher goes: its own removal (Children), then the one put off (Any).
    s.session.remove_watch(child, s.now).unwrap();
    let sent = s.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].decode::<WatchesRequest>().watcher_type, 1);
    s.reply_err(sent[0].xid, 7, 0);
    let sent = s.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].op, OpCode::RemoveWatches.code());
    let removal = sent[0].decode::<WatchesRequest>();
    assert_eq!((removal.path.as_str(), removal.watcher_type), ("/w", 3));
    assert_eq!(s.session.watch_count(), 0);
}
