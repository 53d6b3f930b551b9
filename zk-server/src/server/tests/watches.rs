use zk_proto::records::server::RequestBody;
use zk_proto::records::{AddWatchRequest, ErrorResponse, SetWatches, SetWatches2, WatchesRequest};
use zk_proto::{ErrorCode, OpCode};

use crate::testkit::{Client, Harness, create_body, delete_body, path_watch, set_data_body};

const CREATED: i32 = 1;
const DELETED: i32 = 2;
const CHANGED: i32 = 3;
const CHILDREN: i32 = 4;

fn events(h: &mut Harness, c: &Client) -> Vec<(i32, String)> {
    h.frames(c).iter().map(|f| f.event()).collect()
}

fn add_watch(h: &mut Harness, c: &mut Client, path: &str, mode: i32) -> i32 {
    let reply = h.call(
        c,
        OpCode::AddWatch,
        &RequestBody::AddWatch(AddWatchRequest {
            path: path.into(),
            mode,
        }),
    );
    if reply.err == 0 {
        assert_eq!(
            reply.decode::<ErrorResponse>().err,
            0,
            "the 4-byte success body"
        );
    }
    reply.err
}

#[test]
fn one_shot_data_watches_fire_once() {
    let mut h = Harness::new(Harness::default_config());
    let mut writer = h.connect(10_000);
    let mut watcher = h.connect(10_000);
    h.create(&mut writer, "/a", "1", 0);
    assert_eq!(
        h.call(&mut watcher, OpCode::GetData, &path_watch("/a", true))
            .err,
        0
    );
    h.call(&mut writer, OpCode::SetData, &set_data_body("/a", "2", -1));
    let frames = h.frames(&watcher);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].event(), (CHANGED, "/a".into()));
    assert_eq!(frames[0].zxid, 4, "3.9: the triggering zxid");
    h.call(&mut writer, OpCode::SetData, &set_data_body("/a", "3", -1));
    assert!(events(&mut h, &watcher).is_empty(), "spent");
    // No watch is left by a getData on a missing node.
    h.call(&mut watcher, OpCode::GetData, &path_watch("/none", true));
    h.create(&mut writer, "/none", "", 0);
    assert!(events(&mut h, &watcher).is_empty());
}

#[test]
fn the_event_precedes_the_reply_of_the_write_that_caused_it() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.call(&mut c, OpCode::Exists, &path_watch("/a", true));
    h.call(&mut c, OpCode::GetChildren, &path_watch("/", true));
    let frames = h.send(&mut c, OpCode::Create, &create_body("/a", "", 0));
    let kinds: Vec<i32> = frames.iter().map(|f| f.xid).collect();
    assert_eq!(kinds, [-1, -1, c.last_xid()]);
    assert_eq!(frames[0].event(), (CREATED, "/a".into()));
    assert_eq!(frames[1].event(), (CHILDREN, "/".into()));
}

#[test]
fn a_deleted_node_sends_one_event_per_connection_then_the_parent_event() {
    let mut h = Harness::new(Harness::default_config());
    let mut writer = h.connect(10_000);
    let mut watcher = h.connect(10_000);
    h.create(&mut writer, "/p", "", 0);
    h.create(&mut writer, "/p/c", "", 0);
    h.call(&mut watcher, OpCode::GetData, &path_watch("/p/c", true));
    h.call(&mut watcher, OpCode::GetChildren, &path_watch("/p/c", true));
    h.call(&mut watcher, OpCode::GetChildren, &path_watch("/p", true));
    h.call(&mut writer, OpCode::Delete, &delete_body("/p/c", -1));
    assert_eq!(
        events(&mut h, &watcher),
        [(DELETED, "/p/c".into()), (CHILDREN, "/p".into())]
    );
    assert_eq!(h.server.watch_count(), 0);
}

#[test]
fn persistent_watches_stay_and_recursive_ones_cover_the_subtree() {
    let mut h = Harness::new(Harness::default_config());
    let mut writer = h.connect(10_000);
    let mut watcher = h.connect(10_000);
    assert_eq!(add_watch(&mut h, &mut watcher, "/p", 0), 0);
    assert_eq!(add_watch(&mut h, &mut watcher, "/r", 1), 0);
    assert_eq!(
        add_watch(&mut h, &mut watcher, "/x", 2),
        ErrorCode::MarshallingError.as_i32()
    );
    h.create(&mut writer, "/p", "", 0);
    h.create(&mut writer, "/p/c", "", 0);
    h.call(&mut writer, OpCode::SetData, &set_data_body("/p", "1", -1));
    h.call(&mut writer, OpCode::SetData, &set_data_body("/p", "2", -1));
    assert_eq!(
        events(&mut h, &watcher),
        [
            (CREATED, "/p".into()),
            (CHILDREN, "/p".into()),
            (CHANGED, "/p".into()),
            (CHANGED, "/p".into()),
        ]
    );
    h.create(&mut writer, "/r", "", 0);
    h.create(&mut writer, "/r/a", "", 0);
    h.create(&mut writer, "/r/a/b", "", 0);
    h.call(
        &mut writer,
        OpCode::SetData,
        &set_data_body("/r/a/b", "1", -1),
    );
    h.call(&mut writer, OpCode::Delete, &delete_body("/r/a/b", -1));
    // Never NodeChildrenChanged through a recursive watch.
    assert_eq!(
        events(&mut h, &watcher),
        [
            (CREATED, "/r".into()),
            (CREATED, "/r/a".into()),
            (CREATED, "/r/a/b".into()),
            (CHANGED, "/r/a/b".into()),
            (DELETED, "/r/a/b".into()),
        ]
    );
    // A one-shot watch beside a recursive one on the same path: one event, the recursive
    // watch survives it.
    h.call(&mut watcher, OpCode::GetData, &path_watch("/r/a", true));
    h.call(
        &mut writer,
        OpCode::SetData,
        &set_data_body("/r/a", "1", -1),
    );
    h.call(
        &mut writer,
        OpCode::SetData,
        &set_data_body("/r/a", "2", -1),
    );
    assert_eq!(
        events(&mut h, &watcher),
        [(CHANGED, "/r/a".into()), (CHANGED, "/r/a".into())]
    );
}

fn watches_request(h: &mut Harness, c: &mut Client, op: OpCode, path: &str, kind: i32) -> i32 {
    h.call(
        c,
        op,
        &RequestBody::Watches(WatchesRequest {
            path: path.into(),
            watcher_type: kind,
        }),
    )
    .err
}

#[test]
fn check_and_remove_watches_by_type() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    let no_watcher = ErrorCode::NoWatcher.as_i32();
    h.create(&mut c, "/a", "", 0);
    h.call(&mut c, OpCode::GetData, &path_watch("/a", true));
    add_watch(&mut h, &mut c, "/a", 0);
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::CheckWatches, "/a", 1),
        no_watcher
    );
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::CheckWatches, "/a", 2),
        0
    );
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::CheckWatches, "/a", 4),
        0
    );
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::CheckWatches, "/a", 5),
        no_watcher
    );
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::CheckWatches, "/a", 9),
        ErrorCode::MarshallingError.as_i32()
    );
    // Removing the data watch leaves the persistent one.
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::RemoveWatches, "/a", 2),
        0
    );
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::RemoveWatches, "/a", 2),
        no_watcher
    );
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::CheckWatches, "/a", 3),
        0
    );
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::RemoveWatches, "/a", 3),
        0
    );
    assert_eq!(
        watches_request(&mut h, &mut c, OpCode::CheckWatches, "/a", 3),
        no_watcher
    );
    assert_eq!(h.server.watch_count(), 0);
}

#[test]
fn set_watches_catches_up_by_relative_zxid_before_its_reply() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/same", "", 0);
    h.create(&mut c, "/changed", "", 0);
    h.create(&mut c, "/kids", "", 0);
    h.create(&mut c, "/exists", "", 0);
    let relative = h.server.last_zxid();
    h.call(&mut c, OpCode::SetData, &set_data_body("/changed", "x", -1));
    h.create(&mut c, "/kids/k", "", 0);
    let (mut again, _) = h.reconnect(&c);
    let body = RequestBody::SetWatches(SetWatches {
        relative_zxid: relative,
        data_watches: vec!["/same".into(), "/changed".into(), "/gone".into()],
        exist_watches: vec!["/exists".into(), "/missing".into()],
        child_watches: vec!["/kids".into(), "/same".into()],
    });
    let frames = h.send(&mut again, OpCode::SetWatches, &body);
    let caught_up: Vec<(i32, String)> = frames[..4].iter().map(|f| f.event()).collect();
    assert_eq!(
        caught_up,
        [
            (CHANGED, "/changed".into()),
            (DELETED, "/gone".into()),
            (CREATED, "/exists".into()),
            (CHILDREN, "/kids".into()),
        ]
    );
    assert!(frames[..4].iter().all(|f| f.zxid == -1));
    assert_eq!((frames.len(), frames[4].err), (5, 0));
    // What was not caught up is registered: /same (data and child), /missing (exist).
    assert_eq!(h.server.watch_count(), 3);
    let mut frames = h.send(&mut again, OpCode::Create, &create_body("/missing", "", 0));
    frames.extend(h.send(&mut again, OpCode::Create, &create_body("/same/x", "", 0)));
    let evs: Vec<(i32, String)> = frames
        .iter()
        .filter(|f| f.xid == -1)
        .map(|f| f.event())
        .collect();
    assert_eq!(
        evs,
        [(CREATED, "/missing".into()), (CHILDREN, "/same".into())]
    );

    // SetWatches2: persistent watches return with no catch-up.
    let body = RequestBody::SetWatches2(SetWatches2 {
        relative_zxid: 0,
        persistent_watches: vec!["/same".into()],
        persistent_recursive_watches: vec!["/kids".into()],
        ..SetWatches2::default()
    });
    let frames = h.send(&mut again, OpCode::SetWatches2, &body);
    assert_eq!(frames.len(), 1);
    let frames = h.send(
        &mut again,
        OpCode::Create,
        &create_body("/kids/k/deep", "", 0),
    );
    let evs: Vec<(i32, String)> = frames
        .iter()
        .filter(|f| f.xid == -1)
        .map(|f| f.event())
        .collect();
    assert_eq!(evs, [(CREATED, "/kids/k/deep".into())]);
}

#[test]
fn a_closed_connection_takes_its_watches_with_it() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    add_watch(&mut h, &mut c, "/", 1);
    h.call(&mut c, OpCode::Exists, &path_watch("/x", true));
    assert_eq!(h.server.watch_count(), 2);
    h.server.handle_closed(c.conn, h.now);
    assert_eq!(h.server.watch_count(), 0);
    assert_eq!(
        h.server.session_count(),
        1,
        "the session outlives its connection"
    );
}
