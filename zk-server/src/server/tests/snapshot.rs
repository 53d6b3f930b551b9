use std::time::Duration;

use bytes::Bytes;
use zk_proto::records::server::RequestBody;
use zk_proto::records::{Create2Response, CreateRequest, CreateTtlRequest};
use zk_proto::{Acl, OpCode};

use crate::testkit::{Harness, create_body};
use crate::{Server, SnapshotError};

/// Every path of the server, with its Stat and data.
fn state(server: &Server) -> Vec<(String, zk_proto::Stat, Option<Bytes>)> {
    let mut out = Vec::new();
    let mut stack = vec!["/".to_owned()];
    while let Some(path) = stack.pop() {
        for child in server.children(&path).unwrap() {
            stack.push(if path == "/" {
                format!("/{child}")
            } else {
                format!("{path}/{child}")
            });
        }
        out.push((
            path.clone(),
            server.stat(&path).unwrap(),
            server.data(&path).unwrap(),
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn populated() -> (Harness, crate::testkit::Client) {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/app", "x", 0);
    h.create(&mut c, "/app/e", "", 1);
    h.create(&mut c, "/app/s-", "", 2);
    h.create(&mut c, "/app/s-", "", 2);
    h.call(&mut c, OpCode::CreateContainer, &create_body("/box", "", 4));
    h.create(&mut c, "/box/in", "", 0);
    let ttl = RequestBody::CreateTtl(CreateTtlRequest {
        path: "/ttl".into(),
        data: None,
        acl: Acl::read_unsafe(),
        flags: 5,
        ttl: 60_000,
    });
    assert_eq!(h.call(&mut c, OpCode::CreateTtl, &ttl).err, 0);
    let null = RequestBody::Create(CreateRequest {
        path: "/null".into(),
        data: None,
        acl: Acl::open_unsafe(),
        flags: 0,
    });
    assert_eq!(h.call(&mut c, OpCode::Create, &null).err, 0);
    (h, c)
}

#[test]
fn a_restored_server_carries_on_where_the_snapshot_left_off() {
    let (h, c) = populated();
    let bytes = h.server.snapshot();
    let later = h.now + Duration::from_secs(3);
    let restored = Server::restore(Harness::default_config(), &bytes, later).unwrap();
    assert_eq!(state(&restored), state(&h.server));
    assert_eq!(restored.last_zxid(), h.server.last_zxid());
    assert_eq!(restored.session_ids(), [c.session]);
    assert_eq!(restored.snapshot(), bytes, "the same state, the same bytes");

    let mut h2 = Harness::with_server(restored, later);
    // The old session re-attaches with its old password; its ephemeral is still there.
    let (mut again, response) = h2.reconnect(&c);
    assert_eq!(response.session_id, c.session);
    assert!(h2.stat(&mut again, "/app/e").is_ok());
    // Sequence numbers go on; a new session gets a new id.
    let reply = h2.create(&mut again, "/app/s-", "", 2);
    assert_eq!(reply.decode::<Create2Response>().path, "/app/s-0000000003");
    assert_eq!(reply.zxid, h.server.last_zxid() + 1);
    let other = h2.connect(10_000);
    assert!(other.session > c.session);
    // The container and TTL node kept their kinds: the reaper still knows them.
    assert!(h2.server.poll_timeout().is_some());
}

#[test]
fn a_session_that_never_comes_back_expires_after_a_restore() {
    let (h, c) = populated();
    let later = h.now + Duration::from_secs(1);
    let restored = Server::restore(Harness::default_config(), &h.server.snapshot(), later).unwrap();
    let mut h2 = Harness::with_server(restored, later);
    h2.advance(Duration::from_secs(13));
    assert!(
        h2.server.stat("/app/e").is_none(),
        "expired with its session"
    );
    assert!(!h2.server.session_ids().contains(&c.session));
}

#[test]
fn damaged_snapshots_are_errors() {
    let (h, _) = populated();
    let bytes = h.server.snapshot();
    assert_eq!(
        Server::restore(Harness::default_config(), b"nope", h.now).err(),
        Some(SnapshotError::NotASnapshot)
    );
    for cut in 8..bytes.len() {
        assert!(
            Server::restore(Harness::default_config(), &bytes[..cut], h.now).is_err(),
            "cut at {cut}"
        );
    }
    // A tree whose only node is not the root.
    let mut orphan = bytes[..16].to_vec();
    orphan.extend_from_slice(&1i32.to_be_bytes());
    let mut node = Vec::new();
    zk_proto::jute::Record::encode(&"/a/b".to_owned(), &mut node);
    node.extend_from_slice(&[0xff; 4]);
    node.extend_from_slice(&0i32.to_be_bytes());
    node.extend_from_slice(&[0; 8 * 5 + 4 * 3 + 8]);
    orphan.extend(node);
    orphan.extend_from_slice(&0i32.to_be_bytes());
    assert!(matches!(
        Server::restore(Harness::default_config(), &orphan, h.now),
        Err(SnapshotError::Orphan(_))
    ));
}
