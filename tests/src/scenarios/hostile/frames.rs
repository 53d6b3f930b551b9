//! Bad frames after an honest handshake: a broken stream drops the connection (the pending
//! call fails with ConnectionLoss) and the client reconnects at a bounded rate; a bad reply
//! or notification that is still well formed is an ordinary outcome and keeps the session.

use zk_client::{Error, ErrorCode, EventType, NodeEvent, SessionState, WatchEvent};
use zk_testing::hostile::{Behaviour, CANNED_DATA, Fault, WatcherEvent};

use super::{SESSION_TIMEOUT, Serial, WAIT, WINDOW, Window, builder, max_attempts_spaced, server};
use crate::{Adapter, within};

/// The server answers the first frame of every connection with `fault`: the pending read fails
/// with ConnectionLoss, and each later connection meets the fault at its first ping, so
/// connections are at least a ping interval apart.
async fn stream_broken_by<A: Adapter>(fault: Fault, max_frame: Option<usize>) {
    let _serial = Serial::take();
    let server = server(Behaviour::fault(fault));
    let mut builder = builder::<A>(&server, SESSION_TIMEOUT);
    if let Some(limit) = max_frame {
        builder = builder.max_frame(limit);
    }
    let client = builder.connect().await.expect("the handshake is honest");
    let window = Window::open();
    let result = within(&client, WAIT, "the read", client.get_data("/x")).await;
    assert_eq!(result.err(), Some(Error::ConnectionLoss));
    client.runtime().sleep(WINDOW).await;
    let measured = window.close(&server);

    measured.assert_at_most(
        max_attempts_spaced(measured.elapsed, SESSION_TIMEOUT / 3),
        "one connection per ping interval",
    );
    assert!(!client.state().is_terminal(), "{:?}", client.state());
    // Nothing accumulates: the one read was never resent, and no watch was left behind.
    assert_eq!(server.stats().requests, 1);
    assert_eq!(client.watch_count(), 0);
    client.close().await;
}

/// A length prefix one byte over the client's frame limit.
pub async fn hostile_oversized_frame<A: Adapter>() {
    const LIMIT: usize = 64 * 1024;
    stream_broken_by::<A>(Fault::FrameLength(LIMIT as i32 + 1), Some(LIMIT)).await;
}

/// A negative length prefix.
pub async fn hostile_negative_frame_length<A: Adapter>() {
    stream_broken_by::<A>(Fault::FrameLength(-1), None).await;
}

/// A frame cut short, then the connection closed.
pub async fn hostile_truncated_frame_then_close<A: Adapter>() {
    stream_broken_by::<A>(Fault::TruncatedFrame, None).await;
}

/// A reply to an xid the client never used.
pub async fn hostile_unknown_xid<A: Adapter>() {
    stream_broken_by::<A>(Fault::UnknownXid, None).await;
}

/// A well-framed reply of random bytes.
pub async fn hostile_garbage_body<A: Adapter>() {
    stream_broken_by::<A>(Fault::GarbageBody(57), None).await;
}

/// Replies carrying an error code no server sends fail as `Unknown(code)`; the session and its
/// connection live on.
pub async fn hostile_unknown_error_code<A: Adapter>() {
    let _serial = Serial::take();
    let server = server(Behaviour::fault(Fault::ErrorCode(-999)));
    let client = builder::<A>(&server, SESSION_TIMEOUT)
        .connect()
        .await
        .expect("the handshake is honest");
    assert_eq!(
        client.get_data("/x").await.err(),
        Some(Error::Server(ErrorCode::Unknown(-999)))
    );
    assert_eq!(
        client.exists("/x").await.err(),
        Some(Error::Server(ErrorCode::Unknown(-999)))
    );
    assert_eq!(
        client.get_data_watched("/x").await.err(),
        Some(Error::Server(ErrorCode::Unknown(-999)))
    );
    assert_eq!(
        client.watch_count(),
        0,
        "a failed watched read leaves no watch"
    );
    // Pings keep being answered: the one connection carries the session through the window.
    let window = Window::open();
    client.runtime().sleep(WINDOW).await;
    let measured = window.close(&server);
    assert_eq!(measured.accepted, 0);
    assert_eq!(client.state(), SessionState::Connected);
    assert_eq!(server.stats().accepted.len(), 1);
    client.close().await;
}

fn event(event_type: i32, state: i32, path: &str) -> WatcherEvent {
    WatcherEvent {
        event_type,
        state,
        path: path.to_owned(),
    }
}

const NODE_DATA_CHANGED: i32 = 3;
const NODE_DELETED: i32 = 2;
const SYNC_CONNECTED: i32 = 3;

/// Notifications of unknown types and states, and with paths no node can have: none reaches
/// a watcher, and the one sound notification that follows them does.
pub async fn hostile_bogus_watch_events<A: Adapter>() {
    notifications_then_a_sound_one::<A>(vec![
        // An unknown type, on the watched node.
        event(999, SYNC_CONNECTED, "/app/x"),
        // An unknown state, elsewhere.
        event(NODE_DATA_CHANGED, 999, "/app/other"),
        // Paths no node can have.
        event(NODE_DATA_CHANGED, SYNC_CONNECTED, "x//y"),
        event(NODE_DATA_CHANGED, SYNC_CONNECTED, ""),
        // Starts like the chroot, but not on a `/` boundary.
        event(NODE_DATA_CHANGED, SYNC_CONNECTED, "/appx"),
    ])
    .await;
}

/// A notification for a node outside the chroot whose server path reads like the watched
/// client path: it must not reach the watcher of the node inside the chroot.
pub async fn hostile_watch_event_outside_the_chroot<A: Adapter>() {
    notifications_then_a_sound_one::<A>(vec![event(NODE_DATA_CHANGED, SYNC_CONNECTED, "/x")]).await;
}

/// A client in chroot `/app` watches `/x`; the server answers the read, then sends `bogus`,
/// then a sound NodeDeleted for `/app/x`, which must be the event the watch ends with.
async fn notifications_then_a_sound_one<A: Adapter>(mut notifications: Vec<WatcherEvent>) {
    let _serial = Serial::take();
    notifications.push(event(NODE_DELETED, SYNC_CONNECTED, "/app/x"));
    let server = server(Behaviour::fault(Fault::WatchEvents(notifications)));
    let client = A::builder(&format!("{}/app", server.connect_string()))
        .session_timeout(SESSION_TIMEOUT)
        .probe_server_version(false)
        .close_timeout(std::time::Duration::from_millis(500))
        .connect()
        .await
        .expect("the handshake is honest");
    let (data, _, watch) = client.get_data_watched("/x").await.unwrap();
    assert_eq!(data.as_ref(), CANNED_DATA);
    let fired = within(&client, WAIT, "the sound notification", watch).await;
    match fired {
        WatchEvent::Node(NodeEvent {
            event_type, path, ..
        }) => assert_eq!((event_type, path.as_str()), (EventType::NodeDeleted, "/x")),
        other => panic!("the watch ended with {other:?}"),
    }
    assert_eq!(client.watch_count(), 0);
    // The session is untouched.
    assert_eq!(client.state(), SessionState::Connected);
    assert_eq!(client.get_data("/x").await.unwrap().0.as_ref(), CANNED_DATA);
    assert_eq!(server.stats().accepted.len(), 1);
    client.close().await;
}
