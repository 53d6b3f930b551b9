//! Servers that grant a session and then stall, drip, drop it at once, or swap it for another.

use std::time::Duration;

use zk_client::{Error, ExpiryPolicy, SessionState, StateStream, WatchEvent};
use zk_testing::hostile::{Behaviour, CANNED_DATA, Fault, Handshake};

use super::{
    BACKOFF_INITIAL, SESSION_TIMEOUT, Serial, WAIT, WINDOW, Window, builder, max_attempts_spaced,
    server,
};
use crate::{Adapter, within};

/// The server stops answering after the handshake, pings included: the pending read fails
/// with a connection error, each connection lasts the read timeout (2T/3) before the client
/// gives up on it, and the client stays idle meanwhile.
pub async fn hostile_stalled_pings<A: Adapter>() {
    let _serial = Serial::take();
    let server = server(Behaviour::fault(Fault::Stall));
    let client = builder::<A>(&server, SESSION_TIMEOUT)
        .connect()
        .await
        .expect("the handshake is answered");
    let window = Window::open();
    let err = within(&client, WAIT, "the read", client.get_data("/x"))
        .await
        .expect_err("nobody answers");
    // The read timeout drops the connection (ConnectionLoss), unless the request's own
    // deadline (the session timeout) is seen first (Error::Timeout).
    assert!(err.is_connection_error(), "{err:?}");
    client.runtime().sleep(WINDOW).await;
    let measured = window.close(&server);

    measured.assert_at_most(
        max_attempts_spaced(measured.elapsed, SESSION_TIMEOUT * 2 / 3),
        "one connection per read timeout",
    );
    measured.assert_idle();
    let stats = server.stats();
    assert_eq!(stats.requests, 1, "the read was sent once and never again");
    assert!(
        stats.pings <= 3 * stats.accepted.len(),
        "{} pings over {} connections: a ping every T/3 at most",
        stats.pings,
        stats.accepted.len()
    );
    assert_eq!(client.watch_count(), 0);
    client.close().await;
}

/// Every byte arrives on its own, a few milliseconds apart: slow, but the session works and
/// the one connection carries it.
pub async fn hostile_slow_drip<A: Adapter>() {
    let _serial = Serial::take();
    let server = server(Behaviour::honest().with_drip(Duration::from_millis(5)));
    let client = builder::<A>(&server, SESSION_TIMEOUT)
        .connect()
        .await
        .expect("the dripped handshake completes");
    let (data, _) = client.get_data("/x").await.expect("a dripped reply");
    assert_eq!(data.as_ref(), CANNED_DATA);
    // Dripped ping replies (20 bytes: 100 ms) keep the connection through the window.
    client.runtime().sleep(WINDOW).await;
    assert!(
        client
            .exists("/x")
            .await
            .expect("a dripped reply")
            .is_some()
    );
    assert_eq!(client.state(), SessionState::Connected);
    assert_eq!(server.stats().accepted.len(), 1);
    assert_eq!(client.watch_count(), 0);
    client.close().await;
}

/// The reconnect storm: every connection is granted the session, gets one frame, and is
/// closed at once. Such a connection must count as a failed attempt, so the client backs off
/// instead of reconnecting as fast as loopback allows, and stays idle.
pub async fn hostile_reconnect_storm<A: Adapter>() {
    let _serial = Serial::take();
    let server = server(Behaviour::fault(Fault::Storm));
    let window = Window::open();
    let client = builder::<A>(&server, SESSION_TIMEOUT)
        .start()
        .expect("the client starts");
    let err = within(&client, WAIT, "the read", client.get_data("/x"))
        .await
        .expect_err("no connection lasts long enough for a reply");
    assert!(err.is_connection_error(), "{err:?}");
    let left = WINDOW.saturating_sub(window.start.elapsed());
    client.runtime().sleep(left).await;
    let measured = window.close(&server);

    // Whether or not a short-lived session resets the backoff, no gap is shorter than the
    // first backoff's floor.
    measured.assert_at_most(
        max_attempts_spaced(measured.elapsed, BACKOFF_INITIAL / 2),
        "the backoff",
    );
    measured.assert_idle();
    assert_eq!(client.watch_count(), 0);
    client.close().await;
}

/// The states seen until `last` (inclusive).
async fn states_until(
    client: &zk_client::Client,
    changes: &mut StateStream,
    last: SessionState,
) -> Vec<SessionState> {
    let mut seen = Vec::new();
    loop {
        let change = within(client, WAIT, "a state change", changes.next()).await;
        let state = change.expect("the client is running").state;
        seen.push(state);
        if state == last {
            return seen;
        }
    }
}

/// After a reconnect the server grants a different session than the one the client asked to
/// re-attach to: the old session is lost (its watches end with SessionExpired), and the expiry
/// policy decides what comes next.
pub async fn hostile_changed_session_id_on_reattach<A: Adapter>() {
    let _serial = Serial::take();
    for policy in [ExpiryPolicy::Terminal, ExpiryPolicy::NewSession] {
        let server = server(Behaviour::handshake(Handshake::NewSessionId));
        server.push_behaviour(Behaviour::honest());
        let client = builder::<A>(&server, SESSION_TIMEOUT)
            .expiry_policy(policy)
            .connect()
            .await
            .expect("the first handshake is honest");
        let original = client.session_id().expect("a session");
        let (_, _, watch) = client.get_data_watched("/w").await.unwrap();
        assert_eq!(client.watch_count(), 1);
        let mut changes = client.state_changes();

        server.close_all();
        let seen = states_until(&client, &mut changes, SessionState::Lost).await;
        assert_eq!(
            seen,
            [SessionState::Suspended, SessionState::Lost],
            "{policy:?}"
        );
        assert_eq!(
            within(&client, WAIT, "the watch to end", watch).await,
            WatchEvent::SessionExpired
        );
        assert_eq!(client.watch_count(), 0);
        let reattach = &server.stats().connect_requests[1];
        assert_eq!(
            reattach.session_id,
            original.get(),
            "the client asked for its session"
        );

        match policy {
            ExpiryPolicy::Terminal => {
                assert_eq!(
                    client.get_data("/w").await.err(),
                    Some(Error::SessionExpired)
                );
                assert_eq!(client.state(), SessionState::Lost);
            }
            _ => {
                let seen = states_until(&client, &mut changes, SessionState::Connected).await;
                assert_eq!(seen.last(), Some(&SessionState::Connected));
                assert_ne!(client.session_id(), Some(original));
                assert_eq!(client.get_data("/w").await.unwrap().0.as_ref(), CANNED_DATA);
            }
        }
        client.close().await;
    }
}
