//! What the scripted server sends: whole frames, ready for `Session::handle_data`.
//!
//! Built from zk-proto's own records, so a test states what the server says (a reply, a
//! notification, a granted or expired session) and not how many bytes that is.

use bytes::Bytes;
use zk_proto::frame::write_frame;
use zk_proto::jute::Record;
use zk_proto::records::{ConnectResponse, ReplyHeader, WatcherEvent};

use super::PASSWD;

/// One length-prefixed frame around what `body` writes.
pub fn frame(body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut frame = Vec::new();
    write_frame(&mut frame, body);
    frame
}

/// A reply: its header, then what `body` writes (nothing, for an error).
pub fn reply(xid: i32, zxid: i64, err: i32, body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    frame(|b| {
        ReplyHeader { xid, zxid, err }.encode(b);
        body(b);
    })
}

/// A watch notification (xid -1) for `path` as the server names it (chroot included), in
/// state SyncConnected.
pub fn notification(zxid: i64, event_type: i32, path: &str) -> Vec<u8> {
    reply(-1, zxid, 0, |b| {
        WatcherEvent {
            event_type,
            state: 3,
            path: path.to_owned(),
        }
        .encode(b);
    })
}

/// The ConnectResponse granting (or re-granting) `session_id` with the password [`PASSWD`];
/// `read_only: None` leaves out the optional trailing flag (a 36-byte response).
pub fn granted(session_id: i64, timeout_ms: i32, read_only: Option<bool>) -> Vec<u8> {
    let response = ConnectResponse {
        protocol_version: 0,
        timeout_ms,
        session_id,
        passwd: Bytes::copy_from_slice(&PASSWD),
        read_only,
    };
    frame(|b| response.encode(b))
}

/// The ConnectResponse that says the session is expired (timeout 0, session id 0).
pub fn expired() -> Vec<u8> {
    let response = ConnectResponse {
        protocol_version: 0,
        timeout_ms: 0,
        session_id: 0,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
    };
    frame(|b| response.encode(b))
}
