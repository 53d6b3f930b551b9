//! Scripted session tests: the handshake, connect timeouts, host rotation and backoff.

mod support;

use std::time::Duration;

use support::{PASSWD, SESSION_ID, Script, config};
use zk_proto::records::ReplyHeader;
use zk_proto::{
    Action, ExpiryPolicy, HostPort, Output, SessionConfig, SessionId, SessionState, StateChange,
};

#[test]
fn a_new_session_sends_the_java_shaped_connect_request_and_connects() {
    let mut s = Script::new(config("127.0.0.1:2181"));
    let transport = s.take_transport();
    assert!(
        matches!(&transport[..], [Action::Connect { host, .. }] if *host == HostPort::new("127.0.0.1", 2181))
    );
    s.open();
    // The whole first frame is the ConnectRequest (vector 13.1, with our timeout).
    let raw = s.raw_transmit();
    assert_eq!(
        hex::encode(&raw),
        "0000002d000000000000000000000000000075300000000000000000000000100000000000000000000000000000000000"
    );
    s.accept(SESSION_ID, 30_000, false);
    assert_eq!(
        s.take_events(),
        [Output::State(StateChange::new(
            SessionState::Connected,
            Some(SessionId::new(SESSION_ID))
        ))]
    );
    assert_eq!(s.session.session_id(), Some(SessionId::new(SESSION_ID)));
    assert_eq!(s.session.session_password().unwrap().as_ref(), &PASSWD);
    assert_eq!(
        s.session.negotiated_timeout(),
        Some(Duration::from_secs(30))
    );
}

#[test]
fn the_read_only_byte_is_optional_in_the_response() {
    let mut s = Script::new(config("h:1"));
    s.open();
    s.take_connect_request();
    // A 3.8 server answering a client without the byte (vector 13.27): 36 bytes, no readOnly.
    let frame = hex::decode(
        "000000240000000000000fa0010000074b64001300000010\
         99f1ea4574e52cd3a38240370683c837",
    )
    .unwrap();
    s.feed(&frame);
    assert_eq!(s.session.state(), SessionState::Connected);
    assert_eq!(
        s.session.negotiated_timeout(),
        Some(Duration::from_millis(4000))
    );
}

#[test]
fn handshake_bytes_in_every_chunking_give_the_same_session() {
    let resp = hex::decode(
        "000000250000000000007530010000074b64001c00000010919f9e4593bc835217e97e6bc675d3a100",
    )
    .unwrap();
    for cut in 0..=resp.len() {
        let mut s = Script::new(config("h:1"));
        s.open();
        s.take_connect_request();
        s.feed(&resp[..cut]);
        s.feed(&resp[cut..]);
        assert_eq!(
            s.session.session_id(),
            Some(SessionId::new(0x0100_0007_4b64_001c)),
            "cut {cut}"
        );
    }
}

#[test]
fn a_refused_new_session_tries_the_next_host() {
    let mut s = Script::new(config("a:1,b:2"));
    let first = s.host.clone().unwrap();
    s.open();
    s.take_connect_request();
    s.take_transport();
    s.refuse_expired();
    let transport = s.take_transport();
    assert!(matches!(transport[0], Action::Disconnect(_)));
    let Action::Connect { host, .. } = &transport[1] else {
        panic!("{transport:?}")
    };
    assert_ne!(*host, first, "moves on to the other server");
    assert_eq!(s.session.state(), SessionState::Connecting);
}

#[test]
fn a_read_only_refusal_header_is_not_mistaken_for_a_session() {
    // Vector 13.38: an RO server without local sessions answers with a bare ReplyHeader.
    let mut s = Script::new(config("a:1,b:2"));
    s.open();
    s.take_connect_request();
    s.take_transport();
    s.feed_frame(|b| {
        use zk_proto::jute::Record;
        ReplyHeader {
            xid: 0,
            zxid: 0,
            err: -119,
        }
        .encode(b)
    });
    assert_eq!(s.session.session_id(), None);
    let transport = s.take_transport();
    assert!(matches!(
        transport[..],
        [Action::Disconnect(_), Action::Connect { .. }]
    ));
}

#[test]
fn a_connect_that_hangs_times_out_after_t_over_n() {
    let mut s = Script::new(config("a:1,b:2,c:3"));
    s.take_transport();
    s.open();
    // 30 s over 3 hosts: 10 s for connect plus handshake.
    let waited = s.fire_next_timer();
    assert_eq!(waited, Duration::from_secs(10));
    let transport = s.take_transport();
    assert!(matches!(
        transport[..],
        [Action::Disconnect(_), Action::Connect { .. }]
    ));
}

#[test]
fn a_full_failed_pass_backs_off_with_a_cap() {
    let mut c = config("a:1,b:2");
    c.backoff_initial = Duration::from_millis(100);
    c.backoff_max = Duration::from_millis(400);
    let mut s = Script::new(c);
    let mut hosts = Vec::new();
    let mut delays = Vec::new();
    for _ in 0..12 {
        hosts.push(s.host.clone().unwrap().host);
        s.fail_connect();
        // Inside a pass the next host is asked for at once; after a pass, only after a delay.
        delays.push(if s.connect_pending {
            Duration::ZERO
        } else {
            s.fire_next_timer()
        });
        assert!(s.connect_pending);
    }
    // Hosts alternate: every pass visits both.
    for pair in hosts.chunks(2) {
        assert_ne!(pair[0], pair[1]);
    }
    for (i, d) in delays.iter().enumerate() {
        if i % 2 == 0 {
            assert_eq!(*d, Duration::ZERO, "attempt {i} is inside a pass");
        } else {
            assert!(*d >= Duration::from_millis(50), "attempt {i}: {d:?}");
            assert!(
                *d <= Duration::from_millis(400),
                "attempt {i}: {d:?} over the cap"
            );
        }
    }
    assert!(
        delays[11] >= Duration::from_millis(200),
        "backoff grew: {delays:?}"
    );
}

#[test]
fn host_order_is_a_seeded_shuffle() {
    let order = |seed| {
        let mut c = config("h0:1,h1:1,h2:1,h3:1,h4:1,h5:1,h6:1,h7:1");
        c.seed = seed;
        let s = Script::new(c);
        s.session
            .hosts()
            .iter()
            .map(|h| h.host.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(Some(1)), order(Some(1)));
    assert_ne!(order(Some(1)), order(Some(2)));
    // Without a seed every session draws its own: eight sessions over 8! possible orders
    // agree only if the seed is not random at all.
    let unseeded: std::collections::HashSet<_> = (0..8).map(|_| order(None)).collect();
    assert!(unseeded.len() > 1, "every unseeded session shuffled alike");
}

#[test]
fn a_resumed_session_re_attaches_with_its_id_and_password() {
    let mut c = config("h:1");
    c.resume = Some((SessionId::new(42), bytes::Bytes::from_static(&[9; 16])));
    let mut s = Script::new(c);
    s.open();
    let req = s.take_connect_request();
    assert_eq!(req.session_id, 42);
    assert_eq!(req.passwd.as_ref(), &[9; 16]);
}

#[test]
fn an_expired_resume_is_lost_then_terminal_when_asked() {
    let mut c = config("h:1");
    c.resume = Some((SessionId::new(42), bytes::Bytes::from_static(&[9; 16])));
    c.expiry_policy = ExpiryPolicy::Terminal;
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    s.refuse_expired();
    assert_eq!(s.session.state(), SessionState::Lost);
    assert_eq!(s.session.poll_timeout(), None, "no more attempts");
    let err = s
        .session
        .submit(zk_proto::Request::get_data("/x"), s.now)
        .unwrap_err();
    assert_eq!(err, zk_proto::Error::SessionExpired);
}

#[test]
fn read_only_sessions_are_not_re_attached() {
    let mut c = config("a:1,b:2");
    c.read_only = true;
    let mut s = Script::new(c);
    s.open();
    let req = s.take_connect_request();
    assert_eq!(req.read_only, Some(true));
    s.accept(77, 30_000, true);
    assert_eq!(s.session.state(), SessionState::ConnectedReadOnly);
    s.drop_connection();
    s.open();
    // The id from a read-only server is local to it: ask for a new session
    // (docs/protocol.md#read-only-mode).
    assert_eq!(s.take_connect_request().session_id, 0);
    s.accept(SESSION_ID, 30_000, false);
    assert_eq!(s.session.state(), SessionState::Connected);
    s.drop_connection();
    s.open();
    assert_eq!(s.take_connect_request().session_id, SESSION_ID);
}

#[test]
fn invalid_configurations_are_rejected() {
    assert!(SessionConfig::new("").is_err());
    assert!(SessionConfig::new("h:1/bad/").is_err());
    let mut c = config("h:1");
    c.max_in_flight = 0;
    assert!(zk_proto::Session::new(c, support::now()).is_err());
}

/// A session that accepts read-only servers, connected read-only to the first host it tried
/// (session 77), with its outputs so far taken.
fn read_only_script(connect: &str) -> Script {
    let mut c = config(connect);
    c.read_only = true;
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    s.accept(77, 30_000, true);
    s.take_events();
    s.take_transport();
    s
}

/// The probes a pump produced: (probe, host, deadline).
fn probes(s: &mut Script) -> Vec<(zk_proto::ProbeId, zk_proto::HostPort, std::time::Instant)> {
    s.pump();
    std::mem::take(&mut s.probes)
        .into_iter()
        .filter_map(|action| match action {
            Action::ProbeReadWrite {
                probe,
                host,
                deadline,
            } => Some((probe, host, deadline)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_read_only_session_asks_the_other_servers_and_moves_to_a_read_write_one() {
    let mut s = read_only_script("a:1,b:2,c:3");
    assert_eq!(s.session.state(), SessionState::ConnectedReadOnly);
    let read_only_host = s.host.clone().unwrap();

    // The first question goes out after 100 ms, to another server, with a 1 s deadline.
    s.advance(Duration::from_millis(99));
    assert!(probes(&mut s).is_empty());
    s.advance(Duration::from_millis(1));
    let asked = probes(&mut s);
    assert_eq!(asked.len(), 1, "{asked:?}");
    let (first, first_host, deadline) = asked[0].clone();
    assert_ne!(first_host, read_only_host);
    assert_eq!(deadline, s.now + Duration::from_secs(1));
    // No second question while one is out.
    s.advance(Duration::from_millis(500));
    assert!(probes(&mut s).is_empty());

    // "ro" (or no answer): the next question waits twice as long and goes to the third server.
    s.session.handle_probe_result(first, false, s.now);
    s.advance(Duration::from_millis(199));
    assert!(probes(&mut s).is_empty());
    s.advance(Duration::from_millis(1));
    let asked = probes(&mut s);
    assert_eq!(asked.len(), 1, "{asked:?}");
    let (second, second_host, _) = asked[0].clone();
    assert_ne!(second_host, read_only_host);
    assert_ne!(second_host, first_host);

    // An answer to an old question changes nothing.
    s.session.handle_probe_result(first, true, s.now);
    s.pump();
    assert!(s.take_transport().is_empty());
    assert_eq!(s.session.state(), SessionState::ConnectedReadOnly);

    // "rw": a read in flight fails with ConnectionLoss, the read-only connection is dropped,
    // and the server that answered is the next one connected to, for a new global session.
    let read = s
        .session
        .submit(zk_proto::Request::get_data("/x"), s.now)
        .unwrap();
    s.raw_transmit();
    let conn = s.conn.unwrap();
    s.session.handle_probe_result(second, true, s.now);
    s.pump();
    let transport = s.take_transport();
    assert!(matches!(transport[0], Action::Disconnect(c) if c == conn));
    assert!(
        matches!(&transport[1], Action::Connect { host, .. } if *host == second_host),
        "{transport:?}"
    );
    let events = s.take_events();
    assert!(events.iter().any(|out| matches!(
        out,
        Output::Complete { id, result: Err(zk_proto::Error::ConnectionLoss), .. } if *id == read
    )));
    assert_eq!(s.session.state(), SessionState::Suspended);
    s.open();
    assert_eq!(s.take_connect_request().session_id, 0);
    s.accept(SESSION_ID, 30_000, false);
    assert_eq!(s.session.state(), SessionState::Connected);
    s.take_events();
    // Connected read/write: no more questions.
    s.advance(Duration::from_secs(2));
    assert!(probes(&mut s).is_empty());
}

#[test]
fn a_single_server_is_not_asked_about_itself() {
    let mut s = read_only_script("a:1");
    s.advance(Duration::from_secs(2));
    assert!(probes(&mut s).is_empty());
}

#[test]
fn a_read_write_server_that_then_refuses_is_not_retried_in_a_tight_loop() {
    let mut s = read_only_script("a:1,b:2");
    let read_only_host = s.host.clone().unwrap();
    s.advance(Duration::from_millis(100));
    let (probe, other, _) = probes(&mut s).remove(0);
    // It says "rw", but the connection to it fails: back to the read-only server.
    s.session.handle_probe_result(probe, true, s.now);
    s.pump();
    assert_eq!(s.host.as_ref(), Some(&other));
    s.fail_connect();
    s.open();
    assert_eq!(s.host.as_ref(), Some(&read_only_host));
    s.take_connect_request();
    s.accept(78, 30_000, true);
    s.take_events();
    // The next question waits twice as long as the first did, not 100 ms again.
    s.advance(Duration::from_millis(199));
    assert!(probes(&mut s).is_empty());
    s.advance(Duration::from_millis(1));
    assert_eq!(probes(&mut s).len(), 1);
}

#[test]
fn a_closing_session_stops_looking_for_a_read_write_server() {
    let mut s = read_only_script("a:1,b:2");
    s.advance(Duration::from_millis(100));
    let (probe, _, _) = probes(&mut s).remove(0);
    s.session.close(s.now);
    // An answer after close() does not move the session: it ends where it is.
    s.session.handle_probe_result(probe, true, s.now);
    s.pump();
    assert!(s.take_transport().is_empty());
    s.advance(Duration::from_secs(2));
    assert!(probes(&mut s).is_empty());
}
