//! A server that misbehaves around the handshake: grants sessions and drops them at once (the
//! reconnect storm), negotiates timeouts no client can keep, grants session id 0 or a
//! read-only session nobody asked for, answers a re-attach with a different session, stalls
//! or garbles its handshake. Each case asserts what the session does and what it reports.

mod support;

use std::time::Duration;

use support::{SESSION_ID, Script, config};
use zk_proto::frame::FrameError;
use zk_proto::{
    Action, AttemptFailure, Error, ExpiryPolicy, Output, Request, SessionState, WatchEvent,
};

const OTHER_SESSION: i64 = 0x0200_0001_0000_0042;

fn states(events: &[Output]) -> Vec<SessionState> {
    events
        .iter()
        .filter_map(|o| match o {
            Output::State(change) => Some(change.state),
            _ => None,
        })
        .collect()
}

/// Plays one storm cycle on a connected script: the connection drops right after the server's
/// one frame. Returns how long the session waited before asking for the next connection.
fn storm_cycle(s: &mut Script) -> Duration {
    // One frame after the handshake (a ping reply), then the server closes.
    s.reply(-2, 0, 0, |_| {});
    s.drop_connection();
    let dropped_at = s.now;
    s.open();
    let waited = s.now - dropped_at;
    let req = s.take_connect_request();
    assert_eq!(req.session_id, SESSION_ID, "the session is re-attached");
    s.accept(SESSION_ID, 30_000, false);
    waited
}

#[test]
fn a_server_that_drops_every_session_at_once_is_retried_with_backoff() {
    let mut s = Script::connected(config("h1:2181"));
    let waits: Vec<Duration> = (0..20).map(|_| storm_cycle(&mut s)).collect();
    // Before the fix all 19 reconnects after the first were immediate. Now every one waits
    // the backoff (50 ms doubling to the 2 s cap, jittered to [d/2, d]).
    let immediate = waits.iter().filter(|w| w.is_zero()).count();
    assert_eq!(immediate, 0, "{waits:?}");
    assert!(waits[0] >= Duration::from_millis(25), "{waits:?}");
    let total: Duration = waits.iter().sum();
    // 25 + 50 + 100 + 200 + 400 + 800 ms, then at least 1 s (half the cap) 14 times.
    assert!(
        total >= Duration::from_millis(15_575),
        "{total:?} {waits:?}"
    );
    assert!(
        waits.iter().all(|w| *w <= Duration::from_secs(2)),
        "bounded by the cap: {waits:?}"
    );
}

#[test]
fn with_several_hosts_only_one_pass_of_the_storm_is_immediate() {
    let mut s = Script::connected(config("h1:2181,h2:2181,h3:2181"));
    let waits: Vec<Duration> = (0..30).map(|_| storm_cycle(&mut s)).collect();
    // Inside a pass the next host is tried at once; every full pass of failures backs off.
    let immediate = waits.iter().filter(|w| w.is_zero()).count();
    assert_eq!(immediate, 20, "two of every three: {waits:?}");
    let total: Duration = waits.iter().sum();
    assert!(total >= Duration::from_millis(5_775), "{total:?} {waits:?}");
}

#[test]
fn a_connection_that_proved_healthy_reconnects_at_once_and_resets_the_backoff() {
    let mut s = Script::connected(config("h1:2181"));
    for _ in 0..6 {
        storm_cycle(&mut s);
    }
    // This connection stays up past its probation (a third of the timeout, at most 2 s).
    s.advance(Duration::from_secs(3));
    assert_eq!(storm_cycle(&mut s), Duration::ZERO, "healthy: no backoff");
    // The failure count started over: the next storm cycle waits the initial backoff again.
    let next = storm_cycle(&mut s);
    assert!(
        next >= Duration::from_millis(25) && next <= Duration::from_millis(50),
        "{next:?}"
    );
}

/// Opens a fresh session's first connection and answers its handshake with `answer`; returns
/// the events and the reason recorded.
fn refused_handshake(
    mut s: Script,
    answer: impl FnOnce(&mut Script),
) -> (Script, Vec<Output>, AttemptFailure) {
    s.open();
    s.take_connect_request();
    answer(&mut s);
    let events = s.take_events();
    let transport = s.take_transport();
    assert!(
        transport.iter().any(|t| matches!(t, Action::Disconnect(_))),
        "the connection is dropped: {transport:?}"
    );
    let why = s
        .session
        .last_failed_attempt()
        .map(|failed| failed.reason.clone())
        .expect("a reason is recorded");
    (s, events, why)
}

fn assert_backs_off(s: &mut Script) {
    let before = s.now;
    s.open();
    assert!(
        s.now - before >= Duration::from_millis(25),
        "the next attempt waits the backoff"
    );
}

#[test]
fn a_negotiated_timeout_below_the_floor_is_a_failed_attempt() {
    let (mut s, events, why) = refused_handshake(Script::new(config("h1:2181")), |s| {
        s.accept(SESSION_ID, 4, false)
    });
    assert!(states(&events).is_empty(), "never connected: {events:?}");
    assert_eq!(
        why,
        AttemptFailure::TimeoutTooShort {
            negotiated: Duration::from_millis(4),
            minimum: Duration::from_millis(100),
        }
    );
    assert!(
        why.to_string().contains("below the client's minimum"),
        "{why}"
    );
    assert_eq!(
        s.session.session_id(),
        None,
        "the unusable session is not kept"
    );
    assert_backs_off(&mut s);
}

#[test]
fn the_timeout_floor_is_configurable() {
    let mut c = config("h1:2181");
    c.min_session_timeout = Duration::from_millis(2);
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 4, false);
    assert_eq!(states(&s.take_events()), [SessionState::Connected]);
}

#[test]
fn a_zero_or_negative_timeout_for_a_new_session_is_a_failed_attempt() {
    for timeout_ms in [0, -1, i32::MIN] {
        let (mut s, events, why) = refused_handshake(Script::new(config("h1:2181")), |s| {
            s.accept(SESSION_ID, timeout_ms, false)
        });
        assert!(states(&events).is_empty(), "{events:?}");
        assert_eq!(why, AttemptFailure::InvalidTimeout { timeout_ms });
        assert_backs_off(&mut s);
    }
}

#[test]
fn session_id_zero_is_a_failed_attempt() {
    let (mut s, events, why) = refused_handshake(Script::new(config("h1:2181")), |s| {
        s.accept(0, 30_000, false)
    });
    assert!(states(&events).is_empty(), "{events:?}");
    assert_eq!(why, AttemptFailure::ZeroSessionId);
    assert_backs_off(&mut s);
}

#[test]
fn a_read_only_session_the_client_did_not_allow_is_a_failed_attempt() {
    let (mut s, events, why) = refused_handshake(Script::new(config("h1:2181")), |s| {
        s.accept(SESSION_ID, 30_000, true)
    });
    assert!(states(&events).is_empty(), "{events:?}");
    assert_eq!(why, AttemptFailure::UnrequestedReadOnly);
    assert_backs_off(&mut s);

    // Allowed, the same answer is a read-only connection.
    let mut c = config("h1:2181");
    c.read_only = true;
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, true);
    assert_eq!(states(&s.take_events()), [SessionState::ConnectedReadOnly]);
}

#[test]
fn a_stalled_handshake_says_so() {
    let (_, _, why) = refused_handshake(Script::new(config("h1:2181")), |s| {
        s.fire_next_timer();
    });
    // 30 s session timeout over one host.
    assert_eq!(
        why,
        AttemptFailure::HandshakeTimedOut {
            after: Duration::from_secs(30)
        }
    );
}

#[test]
fn an_undecodable_or_oversized_handshake_says_so() {
    let (_, _, why) = refused_handshake(Script::new(config("h1:2181")), |s| {
        // protocolVersion 0, timeOut 30 s, a session id, then a password "of 1000 bytes".
        s.feed_frame(|b| {
            b.extend_from_slice(&0_i32.to_be_bytes());
            b.extend_from_slice(&30_000_i32.to_be_bytes());
            b.extend_from_slice(&SESSION_ID.to_be_bytes());
            b.extend_from_slice(&1000_i32.to_be_bytes());
        })
    });
    assert!(
        matches!(why, AttemptFailure::MalformedHandshake(_)),
        "{why:?}"
    );
    assert!(
        std::error::Error::source(&why).is_some(),
        "the decode error is the source"
    );

    let (_, _, why) = refused_handshake(Script::new(config("h1:2181")), |s| {
        s.feed(&0x7fff_ffff_i32.to_be_bytes())
    });
    assert!(
        matches!(
            why,
            AttemptFailure::InvalidFrame(FrameError::TooLarge { .. })
        ),
        "{why:?}"
    );

    let (_, _, why) = refused_handshake(Script::new(config("h1:2181")), |s| {
        s.feed(&(-5_i32).to_be_bytes())
    });
    assert_eq!(
        why,
        AttemptFailure::InvalidFrame(FrameError::NegativeLength(-5))
    );
}

/// A connected session with a watch and a request queued while disconnected, re-attaching
/// to a server that answers with another session id.
fn reattach_to_a_different_session(policy: ExpiryPolicy) -> (Script, Vec<Output>, u64) {
    let mut c = config("h1:2181");
    c.expiry_policy = policy;
    let mut s = Script::connected(c);
    let get = s
        .session
        .submit(
            Request::GetData {
                path: "/a".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    s.reply_record(
        sent[0].xid,
        5,
        &zk_proto::records::GetDataResponse {
            data: None,
            stat: support::stat(5),
        },
    );
    let watch = s
        .take_events()
        .iter()
        .find_map(|o| match o {
            Output::Complete { id, watch, .. } if *id == get => *watch,
            _ => None,
        })
        .expect("a watch was set");
    s.advance(Duration::from_secs(3));
    s.drop_connection();
    let queued = s.session.submit(Request::exists("/b"), s.now).unwrap();
    s.take_events();
    s.open();
    assert_eq!(s.take_connect_request().session_id, SESSION_ID);
    s.accept(OTHER_SESSION, 30_000, false);
    let events = s.take_events();
    assert!(
        events.iter().any(|o| matches!(
            o,
            Output::Watch { watch: w, event: WatchEvent::SessionExpired } if *w == watch
        )),
        "the old session's watch ends: {events:?}"
    );
    assert!(
        events.iter().any(|o| matches!(
            o,
            Output::Complete { id, result: Err(Error::SessionExpired), .. } if *id == queued
        )),
        "the request meant for the old session fails: {events:?}"
    );
    (s, events, queued.get())
}

#[test]
fn a_different_session_id_on_reattach_is_a_lost_session_then_the_new_one() {
    let (s, events, _) = reattach_to_a_different_session(ExpiryPolicy::NewSession);
    assert_eq!(
        states(&events),
        [SessionState::Lost, SessionState::Connected]
    );
    assert_eq!(
        s.session.session_id().map(|id| id.get()),
        Some(OTHER_SESSION)
    );
    assert_eq!(s.session.watch_count(), 0);
}

#[test]
fn a_different_session_id_on_reattach_stays_lost_under_the_terminal_policy() {
    let (mut s, events, _) = reattach_to_a_different_session(ExpiryPolicy::Terminal);
    assert_eq!(states(&events), [SessionState::Lost]);
    assert!(
        s.take_transport()
            .iter()
            .any(|t| matches!(t, Action::Disconnect(_))),
        "the new session's connection is closed"
    );
    assert!(s.session.is_done());
    assert_eq!(
        s.session.submit(Request::exists("/c"), s.now),
        Err(Error::SessionExpired)
    );
}

#[test]
fn an_expired_reattach_is_recorded_as_the_reason() {
    let mut c = config("h1:2181");
    c.expiry_policy = ExpiryPolicy::Terminal;
    let mut s = Script::connected(c);
    s.advance(Duration::from_secs(3));
    s.drop_connection();
    s.open();
    s.take_connect_request();
    s.refuse_expired();
    assert_eq!(
        states(&s.take_events()),
        [SessionState::Suspended, SessionState::Lost]
    );
    assert_eq!(
        s.session.last_failed_attempt().map(|f| f.reason.clone()),
        Some(AttemptFailure::SessionExpired)
    );
}

#[test]
fn a_watch_event_outside_the_chroot_fires_nothing() {
    let mut s = Script::connected(config("h1:2181/app"));
    let get = s
        .session
        .submit(
            Request::GetData {
                path: "/x".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    s.reply_record(
        sent[0].xid,
        5,
        &zk_proto::records::GetDataResponse {
            data: None,
            stat: support::stat(5),
        },
    );
    assert!(
        s.take_events()
            .iter()
            .any(|o| matches!(o, Output::Complete { id, .. } if *id == get))
    );
    // NodeDataChanged for the server's "/x" and "/appx": neither is the client's "/x".
    s.notify(3, "/x");
    s.notify(3, "/appx");
    assert!(s.take_events().is_empty(), "nothing fires");
    assert_eq!(
        s.session.watch_count(),
        1,
        "the watch still waits for its own event"
    );
    s.notify(3, "/app/x");
    let events = s.take_events();
    assert!(
        matches!(events.as_slice(), [Output::Watch { event: WatchEvent::Node(e), .. }] if e.path == "/x"),
        "{events:?}"
    );
}
