use bytes::Bytes;
use zk_proto::records::ConnectRequest;
use zk_proto::records::server::RequestBody;
use zk_proto::{ErrorCode, OpCode};

use crate::Output;
use crate::testkit::{Harness, create_body, path, path_watch};

fn read_only_server() -> Harness {
    Harness::new(Harness::default_config().with_read_only(true))
}

#[test]
fn only_clients_that_accept_a_read_only_server_get_in() {
    let mut h = read_only_server();
    for flag in [Some(false), None] {
        let conn = h.accept();
        let mut out = Vec::new();
        let request = ConnectRequest {
            timeout_ms: 10_000,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: flag,
            ..ConnectRequest::default()
        };
        zk_proto::frame::write_frame(&mut out, |b| zk_proto::jute::Record::encode(&request, b));
        h.send_raw(conn, &out);
        assert!(h.take_raw(conn).is_empty(), "{flag:?}: no reply");
        assert!(h.is_closed(conn), "{flag:?}");
    }
    let conn = h.accept();
    let response = h.handshake(
        conn,
        &ConnectRequest {
            timeout_ms: 10_000,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: Some(true),
            ..ConnectRequest::default()
        },
    );
    assert_eq!(response.read_only, Some(true));
    assert!(response.session_id != 0);
    assert_eq!(h.server.last_zxid(), 0, "a local session: no transaction");
}

#[test]
fn reads_are_served_and_writes_refused() {
    let mut h = read_only_server();
    let mut c = h.connect_accepting(10_000, true);
    let not_read_only = ErrorCode::NotReadOnly.as_i32();
    assert_eq!(h.create(&mut c, "/a", "", 0).err, not_read_only);
    assert_eq!(h.call(&mut c, OpCode::Sync, &path("/")).err, not_read_only);
    assert_eq!(
        h.call(&mut c, OpCode::GetData, &path_watch("/zookeeper", true))
            .err,
        0
    );
    assert_eq!(h.call(&mut c, OpCode::WhoAmI, &RequestBody::Empty).err, 0);
    let multi = crate::testkit::multi(vec![(OpCode::Create, create_body("/b", "", 0))]);
    assert_eq!(h.call(&mut c, OpCode::Multi, &multi).err, not_read_only);
    assert_eq!(h.server.last_zxid(), 0);
    let frames = h.send(&mut c, OpCode::CloseSession, &RequestBody::Empty);
    assert_eq!((frames[0].err, frames[0].zxid), (0, 0));
    assert!(h.is_closed(c.conn));

    let conn = h.accept();
    h.server.handle_data(conn, b"isro", h.now);
    let mut text = Vec::new();
    while let Some(output) = h.server.poll_output() {
        if let Output::Transmit { data, .. } = output {
            text.extend(data);
        }
    }
    assert_eq!(text, b"ro");
}
