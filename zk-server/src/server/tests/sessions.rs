use std::time::Duration;

use zk_proto::records::RequestHeader;
use zk_proto::records::server::RequestBody;
use zk_proto::{ErrorCode, OpCode};

use crate::testkit::{Harness, path_watch};

#[test]
fn a_silent_session_expires_and_its_ephemerals_go_with_their_events() {
    let mut h = Harness::new(Harness::default_config());
    let mut doomed = h.connect(4000);
    let mut watcher = h.connect(30_000);
    h.create(&mut doomed, "/parent", "", 0);
    h.create(&mut doomed, "/parent/e", "", 1);
    h.call(
        &mut watcher,
        OpCode::GetData,
        &path_watch("/parent/e", true),
    );
    h.call(
        &mut watcher,
        OpCode::GetChildren,
        &path_watch("/parent", true),
    );
    // 4000 ms from the last traffic, rounded up to the 2000 ms tick.
    let deadline = h.server.poll_timeout().unwrap();
    assert!(deadline > h.now + Duration::from_millis(3999));
    assert!(deadline <= h.now + Duration::from_millis(6000));
    h.advance(deadline - h.now - Duration::from_millis(1));
    assert!(h.server.stat("/parent/e").is_some());
    let zxid = h.server.last_zxid();
    h.advance(Duration::from_millis(1));
    assert!(h.server.stat("/parent/e").is_none());
    assert_eq!(
        h.server.last_zxid(),
        zxid + 1,
        "one closeSession transaction"
    );
    assert!(h.is_closed(doomed.conn));
    let events: Vec<(i32, String)> = h.frames(&watcher).iter().map(|f| f.event()).collect();
    assert_eq!(events, [(2, "/parent/e".into()), (4, "/parent".into())]);
    let parent = h.server.stat("/parent").unwrap();
    assert_eq!(parent.pzxid, zxid + 1);
    // The session is gone for good.
    let (_, response) = h.reconnect(&doomed);
    assert_eq!((response.timeout_ms, response.session_id), (0, 0));
}

#[test]
fn pings_keep_a_session_alive_and_always_answer_with_xid_minus_two() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(4000);
    for _ in 0..10 {
        h.advance(Duration::from_millis(1500));
        let mut out = Vec::new();
        zk_proto::frame::write_frame(&mut out, |b| {
            zk_proto::jute::Record::encode(&RequestHeader { xid: 777, op: 11 }, b);
        });
        h.send_raw(c.conn, &out);
        let frames = h.frames(&c);
        assert_eq!((frames.len(), frames[0].xid, frames[0].err), (1, -2, 0));
    }
    assert_eq!(h.server.session_count(), 1);
    assert!(h.stat(&mut c, "/").is_ok());
}

#[test]
fn a_disconnected_session_survives_until_its_timeout_and_can_come_back() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/e", "", 1);
    h.server.handle_closed(c.conn, h.now);
    h.advance(Duration::from_secs(5));
    let (mut again, response) = h.reconnect(&c);
    assert_eq!(response.session_id, c.session);
    assert!(h.stat(&mut again, "/e").is_ok());
    h.advance(Duration::from_secs(8));
    assert!(h.stat(&mut again, "/e").is_ok(), "the re-attach renewed it");
}

#[test]
fn close_session_deletes_ephemerals_tells_the_closer_first_and_closes() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/e", "", 1);
    h.call(&mut c, OpCode::Exists, &path_watch("/e", true));
    let frames = h.send(&mut c, OpCode::CloseSession, &RequestBody::Empty);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].event(), (2, "/e".into()));
    assert_eq!(
        (frames[1].xid, frames[1].err, frames[1].zxid),
        (c.last_xid(), 0, 3)
    );
    assert!(h.is_closed(c.conn));
    assert_eq!(h.server.session_count(), 0);
    let (_, response) = h.reconnect(&c);
    assert_eq!(response.timeout_ms, 0);
}

#[test]
fn expire_session_ends_a_session_on_demand() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(30_000);
    h.create(&mut c, "/e", "", 1);
    assert!(h.server.expire_session(c.session));
    assert!(!h.server.expire_session(c.session));
    assert!(h.server.stat("/e").is_none());
    assert!(h.is_closed(c.conn));
}

#[test]
fn unknown_and_internal_opcodes_get_unimplemented_and_a_close() {
    for op in [200, 0, 13, 20, -10] {
        let mut h = Harness::new(Harness::default_config());
        let c = h.connect(10_000);
        let mut out = Vec::new();
        zk_proto::frame::write_frame(&mut out, |b| {
            zk_proto::jute::Record::encode(&RequestHeader { xid: 1, op }, b);
        });
        h.send_raw(c.conn, &out);
        let frames = h.frames(&c);
        assert_eq!(
            (frames[0].xid, frames[0].zxid, frames[0].err),
            (1, -1, ErrorCode::Unimplemented.as_i32()),
            "op {op}"
        );
        assert!(h.is_closed(c.conn), "op {op}");
    }
}

#[test]
fn sasl_without_a_mechanism_and_reconfig_disabled() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    let reply = h.call(
        &mut c,
        OpCode::Sasl,
        &RequestBody::Sasl(zk_proto::records::GetSaslRequest::default()),
    );
    assert_eq!((reply.err, reply.zxid), (0, 0));
    assert_eq!(&reply.body[..], &[0xff; 4], "a null token");
    let reply = h.call(
        &mut c,
        OpCode::Reconfig,
        &RequestBody::Reconfig(zk_proto::records::ReconfigRequest::default()),
    );
    assert_eq!(reply.err, ErrorCode::ReconfigDisabled.as_i32());
    assert!(!h.is_closed(c.conn));
}
