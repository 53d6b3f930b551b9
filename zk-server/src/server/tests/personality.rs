use bytes::Bytes;
use zk_proto::records::server::{MultiOpResponse, RequestBody};
use zk_proto::records::{ConnectRequest, CreateRequest, WatchesRequest};
use zk_proto::{Acl, ErrorCode, Id, OpCode, Perms, ServerVersion};

use crate::testkit::{Harness, create_body, multi, multi_results, path_watch, set_data_body};

fn as_release(major: u16, minor: u16, patch: u16) -> Harness {
    Harness::new(Harness::default_config().with_version(ServerVersion::new(major, minor, patch)))
}

#[test]
fn three_eight_answers_as_three_eight_does() {
    let mut h = as_release(3, 8, 0);
    let mut c = h.connect(10_000);
    let mut watcher = h.connect(10_000);
    // create2 inside multi comes back as a create, without a Stat.
    let reply = h.call(
        &mut c,
        OpCode::Multi,
        &multi(vec![(OpCode::Create2, create_body("/a", "", 0))]),
    );
    assert!(matches!(
        multi_results(&reply).results[0],
        MultiOpResponse::Create(_)
    ));
    // Notifications carry zxid -1.
    h.call(&mut watcher, OpCode::GetData, &path_watch("/a", true));
    h.call(&mut c, OpCode::SetData, &set_data_body("/a", "x", -1));
    assert_eq!(h.frames(&watcher)[0].zxid, -1);
    // No persistent watcher types yet.
    let body = RequestBody::Watches(WatchesRequest {
        path: "/a".into(),
        watcher_type: 4,
    });
    assert_eq!(
        h.call(&mut c, OpCode::RemoveWatches, &body).err,
        ErrorCode::MarshallingError.as_i32()
    );
    // exists checks no ACL, and events are not filtered by it.
    let hidden = RequestBody::Create(CreateRequest {
        path: "/hidden".into(),
        data: None,
        acl: vec![Acl::new(Perms::ALL, Id::new("ip", "10.9.9.9"))],
        flags: 0,
    });
    h.call(&mut watcher, OpCode::Exists, &path_watch("/hidden", true));
    assert_eq!(h.call(&mut c, OpCode::Create, &hidden).err, 0);
    assert_eq!(h.frames(&watcher)[0].event(), (1, "/hidden".into()));
    assert!(h.stat(&mut watcher, "/hidden").is_ok());
}

#[test]
fn older_releases_do_not_know_later_opcodes() {
    let mut h = as_release(3, 5, 9);
    let mut c = h.connect(10_000);
    assert_eq!(h.create(&mut c, "/a", "", 0).err, 0, "create2 is 3.5");
    let frames = h.send(&mut c, OpCode::WhoAmI, &RequestBody::Empty);
    assert_eq!(
        (frames[0].zxid, frames[0].err),
        (-1, ErrorCode::Unimplemented.as_i32())
    );
    assert!(h.is_closed(c.conn));
}

#[test]
fn three_nine_one_always_sends_the_read_only_byte() {
    let mut h = as_release(3, 9, 1);
    let conn = h.accept();
    let response = h.handshake(conn, &conn_request_owned());
    assert_eq!(response.read_only, Some(false));
    let mut now = as_release(3, 9, 3);
    let conn = now.accept();
    assert_eq!(now.handshake(conn, &conn_request_owned()).read_only, None);
}

fn conn_request_owned() -> ConnectRequest {
    ConnectRequest {
        timeout_ms: 10_000,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: None,
        ..ConnectRequest::default()
    }
}

#[test]
fn before_three_nine_watch_checks_answer_for_anyone() {
    let check = |h: &mut Harness, c: &mut crate::testkit::Client, watcher_type| {
        let body = RequestBody::Watches(WatchesRequest {
            path: "/e".into(),
            watcher_type,
        });
        h.call(c, OpCode::CheckWatches, &body).err
    };
    for (release, expected) in [((3, 8, 0), 0), ((3, 9, 3), ErrorCode::NoWatcher.as_i32())] {
        let mut h = as_release(release.0, release.1, release.2);
        let mut watcher = h.connect(10_000);
        let mut other = h.connect(10_000);
        let body = RequestBody::AddWatch(zk_proto::records::AddWatchRequest {
            path: "/e".into(),
            mode: 1,
        });
        assert_eq!(h.call(&mut watcher, OpCode::AddWatch, &body).err, 0);
        // 3.8 files the recursive watch with the child manager too, and answers a check
        // from any connection once anyone watches the path.
        assert_eq!(check(&mut h, &mut other, 1), expected, "{release:?}");
        assert_eq!(check(&mut h, &mut other, 2), expected, "{release:?}");
    }
}
