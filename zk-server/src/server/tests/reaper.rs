use std::time::Duration;

use bytes::Bytes;
use zk_proto::records::CreateTtlRequest;
use zk_proto::records::server::RequestBody;
use zk_proto::{Acl, OpCode};

use crate::testkit::{Harness, create_body, delete_body, path_watch, set_data_body};

fn config() -> crate::ServerConfig {
    Harness::default_config().with_container_check_interval(Duration::from_secs(1))
}

#[test]
fn an_emptied_container_is_reaped_a_never_used_one_is_not() {
    let mut h = Harness::new(config());
    let mut c = h.connect(30_000);
    assert_eq!(
        h.server
            .poll_timeout()
            .map(|t| t > h.now + Duration::from_secs(1)),
        Some(true),
        "no reaper deadline without candidates"
    );
    h.call(&mut c, OpCode::CreateContainer, &create_body("/box", "", 4));
    h.call(
        &mut c,
        OpCode::CreateContainer,
        &create_body("/unused", "", 4),
    );
    // create (1) with flag 4 makes a plain persistent node.
    h.call(&mut c, OpCode::Create, &create_body("/plain", "", 4));
    h.create(&mut c, "/box/item", "", 0);
    h.call(&mut c, OpCode::Exists, &path_watch("/box", true));
    assert_eq!(
        h.server.poll_timeout(),
        Some(h.now + Duration::from_secs(1))
    );
    h.advance(Duration::from_secs(1));
    assert!(h.server.stat("/box").is_some(), "it still has a child");
    h.call(&mut c, OpCode::Delete, &delete_body("/box/item", -1));
    h.advance(Duration::from_secs(1));
    assert!(h.server.stat("/box").is_none());
    assert!(h.server.stat("/unused").is_some());
    assert!(h.server.stat("/plain").is_some());
    let events: Vec<(i32, String)> = h
        .frames(&c)
        .iter()
        .filter(|f| f.xid == -1)
        .map(|f| f.event())
        .collect();
    assert_eq!(events, [(2, "/box".into())]);
}

#[test]
fn a_ttl_node_is_reaped_once_unmodified_for_its_ttl_and_childless() {
    let mut h = Harness::new(config());
    let mut c = h.connect(30_000);
    let ttl = |path: &str| {
        RequestBody::CreateTtl(CreateTtlRequest {
            path: path.into(),
            data: Some(Bytes::new()),
            acl: Acl::open_unsafe(),
            flags: 5,
            ttl: 2500,
        })
    };
    assert_eq!(h.call(&mut c, OpCode::CreateTtl, &ttl("/t")).err, 0);
    assert_eq!(h.call(&mut c, OpCode::CreateTtl, &ttl("/parent")).err, 0);
    h.create(&mut c, "/parent/kid", "", 0);
    h.advance(Duration::from_secs(2));
    // Modified at 2 s: the clock starts again.
    h.call(&mut c, OpCode::SetData, &set_data_body("/t", "x", -1));
    h.advance(Duration::from_secs(2));
    assert!(h.server.stat("/t").is_some());
    h.advance(Duration::from_secs(1));
    assert!(h.server.stat("/t").is_none(), "unmodified for 3 s > 2.5 s");
    assert!(h.server.stat("/parent").is_some(), "it has a child");
}
