//! Handshakes that give no usable session: each must be a failed attempt with a reason, so
//! that `connect()` fails with `ConnectFailed` and the attempts back off.

use std::time::Duration;

use zk_client::ClientBuilder;
use zk_testing::hostile::{Behaviour, Handshake};

use super::{
    CONNECT_REQUEST_FRAME, Serial, WINDOW, Window, assert_connect_failed, builder,
    max_attempts_backing_off, server,
};
use crate::Adapter;

/// The session timeout asked for: one server, so each attempt may take this long.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);

struct Refusal {
    handshake: Handshake,
    /// How long each attempt lasts at least.
    attempt_floor: Duration,
    /// Whether to check that the process stays idle meanwhile.
    idle: bool,
}

/// `connect()` against a server that answers every handshake with `refusal.handshake`:
/// it fails with `ConnectFailed`, attempts back off, and the client sends nothing but
/// ConnectRequests.
async fn refused<A: Adapter>(
    refusal: Refusal,
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) {
    let _serial = Serial::take();
    let server = server(Behaviour::handshake(refusal.handshake.clone()));
    let window = Window::open();
    let result = configure(builder::<A>(&server, ATTEMPT_TIMEOUT))
        .connect_timeout(WINDOW)
        .connect()
        .await;
    let measured = window.close(&server);
    assert_connect_failed(result, &server);

    assert!(measured.accepted >= 1, "the client never tried");
    measured.assert_at_most(
        max_attempts_backing_off(measured.elapsed, refusal.attempt_floor),
        "the backoff",
    );
    if refusal.idle {
        measured.assert_idle();
    }
    // Nothing piles up: every connection carried one ConnectRequest and nothing after it.
    let stats = server.stats();
    assert!(
        stats.bytes_in <= stats.accepted.len() as u64 * CONNECT_REQUEST_FRAME,
        "{} bytes sent over {} connections, more than their ConnectRequests",
        stats.bytes_in,
        stats.accepted.len()
    );
    assert_eq!((stats.pings, stats.requests), (0, 0));
}

fn refusal(handshake: Handshake) -> Refusal {
    Refusal {
        handshake,
        attempt_floor: Duration::ZERO,
        idle: false,
    }
}

/// Every connection is closed as soon as it is accepted.
pub async fn hostile_close_on_accept<A: Adapter>() {
    let refusal = Refusal {
        idle: true,
        ..refusal(Handshake::CloseOnAccept)
    };
    refused::<A>(refusal, |b| b).await;
}

/// The server reads the ConnectRequest and never answers: each attempt lasts its whole
/// connect timeout, then the next one backs off.
pub async fn hostile_stalled_handshake<A: Adapter>() {
    let refusal = Refusal {
        handshake: Handshake::Stall,
        attempt_floor: ATTEMPT_TIMEOUT,
        idle: true,
    };
    refused::<A>(refusal, |b| b).await;
}

/// The ConnectResponse announces one byte more than the client's frame limit.
pub async fn hostile_oversized_connect_response<A: Adapter>() {
    const LIMIT: usize = 64 * 1024;
    let handshake = Handshake::ResponseLength(LIMIT as i32 + 1);
    refused::<A>(refusal(handshake), |b| b.max_frame(LIMIT)).await;
}

/// The ConnectResponse is well framed but too short to decode.
pub async fn hostile_undecodable_connect_response<A: Adapter>() {
    refused::<A>(refusal(Handshake::Undecodable), |b| b).await;
}

/// A negotiated timeout of a few milliseconds: no ping could keep such a session.
pub async fn hostile_tiny_negotiated_timeout<A: Adapter>() {
    refused::<A>(refusal(Handshake::Timeout(3)), |b| b).await;
}

/// A negotiated timeout of zero.
pub async fn hostile_zero_negotiated_timeout<A: Adapter>() {
    refused::<A>(refusal(Handshake::Timeout(0)), |b| b).await;
}

/// A negative negotiated timeout.
pub async fn hostile_negative_negotiated_timeout<A: Adapter>() {
    refused::<A>(refusal(Handshake::Timeout(-30_000)), |b| b).await;
}

/// A session granted with id 0, the id that means "no session".
pub async fn hostile_session_id_zero<A: Adapter>() {
    refused::<A>(refusal(Handshake::SessionIdZero), |b| b).await;
}

/// A read-only session offered to a client that did not accept read-only servers.
pub async fn hostile_unrequested_read_only<A: Adapter>() {
    refused::<A>(refusal(Handshake::ReadOnly), |b| b.read_only(false)).await;
}
