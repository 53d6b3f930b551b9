use std::time::Duration;

use bytes::Bytes;
use zk_proto::records::ConnectRequest;

use crate::password::password;
use crate::testkit::Harness;

fn request(
    timeout_ms: i32,
    session_id: i64,
    passwd: &[u8],
    read_only: Option<bool>,
) -> ConnectRequest {
    ConnectRequest {
        timeout_ms,
        session_id,
        passwd: Bytes::copy_from_slice(passwd),
        read_only,
        ..ConnectRequest::default()
    }
}

#[test]
fn a_new_session_is_negotiated_and_takes_a_zxid() {
    let mut h = Harness::new(Harness::default_config());
    let conn = h.accept();
    let response = h.handshake(conn, &request(3000, 0, &[0; 16], Some(false)));
    assert_eq!(response.timeout_ms, 4000, "raised to 2 ticks");
    assert_eq!((response.session_id as u64) >> 56, 1, "server id 1 on top");
    assert_eq!(&response.passwd[..], &password(response.session_id)[..]);
    assert_eq!(response.read_only, Some(false));
    assert_eq!(h.server.last_zxid(), 1, "createSession is a transaction");
    assert_eq!(h.server.session_count(), 1);

    // A client without the read-only byte gets none back; the maximum is 20 ticks.
    let conn = h.accept();
    let response = h.handshake(conn, &request(100_000, 0, &[0; 16], None));
    assert_eq!((response.timeout_ms, response.read_only), (40_000, None));
}

#[test]
fn reattaching_takes_the_session_from_the_old_connection() {
    let mut h = Harness::new(Harness::default_config());
    let client = h.connect(10_000);
    let (again, response) = h.reconnect(&client);
    assert_eq!(response.session_id, client.session);
    assert_eq!(response.timeout_ms, 10_000);
    assert!(h.is_closed(client.conn), "the old connection is closed");
    assert!(!h.is_closed(again.conn));
    assert_eq!(h.server.last_zxid(), 1, "re-attaching is no transaction");
}

#[test]
fn a_wrong_password_or_unknown_session_is_refused_as_expired() {
    let mut h = Harness::new(Harness::default_config());
    let client = h.connect(10_000);
    let conn = h.accept();
    let response = h.handshake(
        conn,
        &request(10_000, client.session, &[9; 16], Some(false)),
    );
    assert_eq!((response.timeout_ms, response.session_id), (0, 0));
    assert_eq!(&response.passwd[..], &[0; 16]);
    assert!(h.is_closed(conn));
    // The holder lost its connection even so, as in ZooKeeper.
    assert!(h.is_closed(client.conn));
    assert_eq!(h.server.session_count(), 1, "the session itself lives on");

    let unknown = client.session + 1000;
    let conn = h.accept();
    let response = h.handshake(
        conn,
        &request(10_000, unknown, &password(unknown), Some(false)),
    );
    assert_eq!((response.timeout_ms, response.session_id), (0, 0));
    assert!(h.is_closed(conn));
}

#[test]
fn a_client_from_the_future_is_refused_without_a_reply() {
    let mut h = Harness::new(Harness::default_config());
    let conn = h.accept();
    let mut req = request(10_000, 0, &[0; 16], Some(false));
    req.last_zxid_seen = 5;
    let mut out = Vec::new();
    zk_proto::frame::write_frame(&mut out, |b| zk_proto::jute::Record::encode(&req, b));
    h.send_raw(conn, &out);
    assert!(h.take_raw(conn).is_empty());
    assert!(h.is_closed(conn));
}

#[test]
fn a_connection_that_never_says_hello_is_closed_after_the_sessionless_timeout() {
    let mut h = Harness::new(Harness::default_config());
    let conn = h.accept();
    h.send_raw(conn, &[0, 0]);
    assert_eq!(
        h.server.poll_timeout(),
        Some(h.now + Duration::from_secs(10))
    );
    h.advance(Duration::from_millis(9_999));
    assert!(!h.is_closed(conn));
    h.advance(Duration::from_millis(1));
    assert!(h.is_closed(conn));
    assert_eq!(h.server.connection_count(), 0);
}

#[test]
fn four_letter_words_are_answered_on_a_fresh_connection() {
    let mut h = Harness::new(Harness::default_config());
    let conn = h.accept();
    h.send_raw(conn, b"ru");
    assert!(!h.is_closed(conn));
    // The answer is raw text: read it from the output directly.
    h.server.handle_data(conn, b"ok", h.now);
    let mut text = Vec::new();
    let mut closed = false;
    while let Some(output) = h.server.poll_output() {
        match output {
            crate::Output::Transmit { data, .. } => text.extend(data),
            crate::Output::Close(_) => closed = true,
        }
    }
    assert_eq!((text.as_slice(), closed), (&b"imok"[..], true));
}
