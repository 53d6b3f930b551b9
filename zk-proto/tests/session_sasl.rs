//! Scripted session tests: SASL runs first after every handshake, holds everything else back,
//! and a failure ends the session; every mechanism step leaves the session as an
//! `Action::Sasl` and comes back through `handle_sasl_answer`, under the exchange's deadline;
//! and no credential ever shows in `Debug` output.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use support::{SESSION_ID, Script, config};
use zk_proto::jute::Record;
use zk_proto::records::{
    AuthPacket, ConnectRequest, ConnectResponse, GetSaslRequest, SetSaslResponse,
};
use zk_proto::sasl::{
    DigestMd5, SaslConfig, SaslError, SaslMechanism, SaslMechanismFactory, SaslStep,
};
use zk_proto::{
    Action, AttemptFailure, HostPort, Output, Request, SessionId, SessionState, StateChange,
};

/// DIGEST-MD5 for bob with the client nonce of the captured exchange (vector 13.37).
struct CapturedNonce;

impl SaslMechanismFactory for CapturedNonce {
    fn start(&self, _: &HostPort, _: u64) -> Result<Box<dyn SaslMechanism>, SaslError> {
        Ok(Box::new(DigestMd5::new(
            "bob",
            "bobsecret",
            "0123456789abcdef0123".into(),
        )))
    }
}

const CHALLENGE: &[u8] = br#"realm="zk-sasl-md5",nonce="amfgv0tvdz23cGGBFOJO5ysoAIYRjeyFMvpiNmyq",charset=utf-8,algorithm=md5-sess"#;

fn states(events: &[Output]) -> Vec<SessionState> {
    events
        .iter()
        .filter_map(|o| match o {
            Output::State(StateChange { state, .. }) => Some(*state),
            _ => None,
        })
        .collect()
}

fn sasl_script() -> Script {
    let mut c = config("h:1");
    c.sasl = Some(SaslConfig::custom("captured", Arc::new(CapturedNonce)));
    c.auth.push(("digest".into(), Bytes::from_static(b"u:p")));
    Script::new(c)
}

#[test]
fn the_captured_digest_md5_exchange_replays_and_holds_everything_until_it_succeeds() {
    let mut s = sasl_script();
    s.open();
    s.take_connect_request();
    let queued = s.session.submit(Request::exists("/a"), s.now).unwrap();
    s.accept(SESSION_ID, 30_000, false);
    assert!(
        states(&s.take_events()).is_empty(),
        "not connected before SASL succeeds"
    );
    assert_eq!(s.sasl.len(), 1, "the first step is the driver's to compute");
    assert!(
        s.sent().is_empty(),
        "nothing goes out before the first token"
    );
    s.answer_sasl();
    let first = s.sent();
    assert_eq!(first.len(), 1, "only the SASL token goes out: {first:?}");
    assert_eq!((first[0].xid, first[0].op), (1, 102));
    assert!(first[0].decode::<GetSaslRequest>().token.is_empty());

    s.reply_record(
        first[0].xid,
        0,
        &SetSaslResponse {
            token: Some(Bytes::from_static(CHALLENGE)),
        },
    );
    assert!(
        s.sent().is_empty(),
        "the challenge waits for the driver's answer"
    );
    s.answer_sasl();
    let second = s.sent();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].op, 102);
    // The exact bytes of the captured response (vector 13.37): frame length 0xfa.
    let token = second[0].decode::<GetSaslRequest>().token;
    assert_eq!(token.len(), 0xee);
    assert!(String::from_utf8_lossy(&token).contains("response=71b9ee9acd0fa5b0e25894b5a80efe2e"));

    s.reply_record(
        second[0].xid,
        0,
        &SetSaslResponse {
            token: Some(Bytes::from_static(
                b"rspauth=5948a258f8f02e0d5c5d8d1d15a2054a",
            )),
        },
    );
    assert!(
        s.sent().is_empty(),
        "held back until the rspauth is checked"
    );
    s.answer_sasl();
    // Now the digest credential, then the queued request.
    let rest = s.sent();
    let ops: Vec<i32> = rest.iter().map(|f| f.op).collect();
    assert_eq!(ops, [100, 3]);
    s.reply_err(-4, 0, 0);
    assert_eq!(states(&s.take_events()), [SessionState::Connected]);
    s.reply_record(rest[1].xid, 5, &zk_proto::records::StatResponse::default());
    assert!(
        s.take_events()
            .iter()
            .any(|o| matches!(o, Output::Complete { id, .. } if *id == queued))
    );
}

#[test]
fn a_rejected_sasl_exchange_ends_in_auth_failed() {
    let mut s = sasl_script();
    s.open();
    s.take_connect_request();
    let queued = s.session.submit(Request::exists("/a"), s.now).unwrap();
    s.accept(SESSION_ID, 30_000, false);
    s.answer_sasl();
    let first = s.sent();
    s.reply_record(
        first[0].xid,
        0,
        &SetSaslResponse {
            token: Some(Bytes::from_static(CHALLENGE)),
        },
    );
    s.answer_sasl();
    let second = s.sent();
    // A wrong password: AuthFailed and a null token, then the server hangs up (vector 13.37).
    s.reply(second[0].xid, 0, -115, |b| {
        SetSaslResponse { token: None }.encode(b)
    });
    let events = s.take_events();
    assert_eq!(states(&events), [SessionState::AuthFailed]);
    assert!(events.contains(&Output::Complete {
        id: queued,
        result: Err(zk_proto::Error::Server(zk_proto::ErrorCode::AuthFailed)),
        watch: None
    }));
}

#[test]
fn a_server_without_sasl_fails_the_exchange() {
    // A 3.8 server without a SASL provider answers with err 0 and a null token.
    let mut s = sasl_script();
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    s.answer_sasl();
    let first = s.sent();
    s.reply_record(first[0].xid, 0, &SetSaslResponse { token: None });
    assert!(states(&s.take_events()).is_empty(), "the mechanism decides");
    s.answer_sasl();
    assert_eq!(states(&s.take_events()), [SessionState::AuthFailed]);
}

#[test]
fn sasl_runs_again_on_every_new_connection() {
    let mut c = config("a:1,b:2");
    c.sasl = Some(SaslConfig::custom("captured", Arc::new(CapturedNonce)));
    let mut s = Script::new(c);
    for _ in 0..2 {
        s.open();
        s.take_connect_request();
        s.accept(SESSION_ID, 30_000, false);
        s.answer_sasl();
        let first = s.sent();
        assert_eq!(first[0].op, 102);
        s.reply_record(
            first[0].xid,
            0,
            &SetSaslResponse {
                token: Some(Bytes::from_static(CHALLENGE)),
            },
        );
        s.answer_sasl();
        let second = s.sent();
        s.reply_record(
            second[0].xid,
            0,
            &SetSaslResponse {
                token: Some(Bytes::from_static(
                    b"rspauth=5948a258f8f02e0d5c5d8d1d15a2054a",
                )),
            },
        );
        s.answer_sasl();
        assert!(s.session.state().is_connected());
        s.take_events();
        s.drop_connection();
    }
}

/// Counts the mechanisms started, to tell who runs them.
struct Counting(Arc<AtomicUsize>);

impl SaslMechanismFactory for Counting {
    fn start(&self, host: &HostPort, random: u64) -> Result<Box<dyn SaslMechanism>, SaslError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        CapturedNonce.start(host, random)
    }
}

#[test]
fn each_step_is_an_action_for_the_driver_and_the_session_runs_no_mechanism() {
    let starts = Arc::new(AtomicUsize::new(0));
    let mut c = config("h:1");
    c.sasl = Some(SaslConfig::custom(
        "counted",
        Arc::new(Counting(starts.clone())),
    ));
    let mut s = Script::new(c);
    let conn = s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    assert_eq!(
        starts.load(Ordering::SeqCst),
        0,
        "the session started nothing"
    );
    let [task] = &s.sasl[..] else {
        panic!("one step expected: {:?}", s.sasl)
    };
    assert_eq!(task.conn(), conn);
    assert!(format!("{task:?}").contains("start"), "{task:?}");
    s.answer_sasl();
    assert_eq!(starts.load(Ordering::SeqCst), 1, "the driver started it");
    let first = s.sent();
    s.reply_record(
        first[0].xid,
        0,
        &SetSaslResponse {
            token: Some(Bytes::from_static(CHALLENGE)),
        },
    );
    let [task] = &s.sasl[..] else {
        panic!("one step expected: {:?}", s.sasl)
    };
    let shown = format!("{task:?}");
    assert!(shown.contains("DIGEST-MD5"), "{shown}");
    assert!(
        !shown.contains("nonce"),
        "the challenge never shows: {shown}"
    );
}

#[test]
fn a_step_that_never_returns_fails_the_attempt_at_the_connect_timeout() {
    let mut s = sasl_script();
    let conn = s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    s.take_events();
    s.take_transport();
    let start = s.now;
    assert_eq!(s.sasl.len(), 1);
    // The driver never answers. The server answers every ping, so the read timeout never
    // fires: only the exchange's own deadline can end the wait.
    let mut pings = 0;
    while s.conn == Some(conn) {
        s.fire_next_timer();
        for frame in s.sent() {
            assert_eq!(frame.op, 11, "nothing but pings while the step is pending");
            s.reply_err(frame.xid, 0, 0);
            pings += 1;
        }
        assert!(
            s.now - start <= Duration::from_secs(30),
            "past the deadline"
        );
    }
    assert!(pings >= 2, "the connection was kept alive: {pings} pings");
    // One host and a 30 s session: the connect timeout is 30 s.
    assert_eq!(s.now - start, Duration::from_secs(30));
    let transport = s.take_transport();
    assert!(
        matches!(transport[..], [Action::Disconnect(c)] if c == conn),
        "{transport:?}"
    );
    let failed = s.session.last_failed_attempt().expect("a failed attempt");
    assert_eq!(
        failed.reason,
        AttemptFailure::SaslTimedOut {
            after: Duration::from_secs(30)
        }
    );
    assert!(
        failed.to_string().contains("SASL"),
        "the reason says why: {failed}"
    );
    assert_eq!(s.session.state(), SessionState::Connecting);

    // The step finally returns, for a connection that is gone: ignored.
    let late = s.sasl.remove(0);
    s.session.handle_sasl_answer(late.run(), s.now);
    s.pump();
    assert!(s.take_events().is_empty());
    assert!(s.sasl.is_empty());
    // The next attempt runs the exchange afresh.
    s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    assert_eq!(s.sasl.len(), 1);
}

#[test]
fn a_sasl_reply_while_the_driver_computes_drops_the_connection() {
    let mut s = sasl_script();
    let conn = s.open();
    s.take_connect_request();
    s.accept(SESSION_ID, 30_000, false);
    s.take_transport();
    // Nothing was sent, yet the server "answers".
    s.reply_record(
        1,
        0,
        &SetSaslResponse {
            token: Some(Bytes::from_static(CHALLENGE)),
        },
    );
    assert!(matches!(s.take_transport()[..], [Action::Disconnect(c)] if c == conn));
    // The pending step's answer is for the dropped connection.
    let late = s.sasl.remove(0);
    s.session.handle_sasl_answer(late.run(), s.now);
    s.pump();
    assert!(s.take_events().is_empty());
}

/// A mechanism with an initial response whose last step is `Finish`: the last token goes
/// out, and the credentials and requests right behind it.
struct TwoTokens;

impl SaslMechanism for TwoTokens {
    fn name(&self) -> &str {
        "TWO-TOKENS"
    }

    fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        Ok(b"hello".to_vec())
    }

    fn step(&mut self, challenge: Option<&[u8]>) -> Result<SaslStep, SaslError> {
        match challenge {
            Some(b"go on") => Ok(SaslStep::Finish(b"done".to_vec())),
            other => Err(SaslError(format!("unexpected {other:?}"))),
        }
    }
}

impl SaslMechanismFactory for TwoTokens {
    fn start(&self, _: &HostPort, _: u64) -> Result<Box<dyn SaslMechanism>, SaslError> {
        Ok(Box::new(TwoTokens))
    }
}

#[test]
fn a_finishing_step_sends_its_token_then_everything_held_back() {
    let mut c = config("h:1");
    c.sasl = Some(SaslConfig::custom("two", Arc::new(TwoTokens)));
    let mut s = Script::new(c);
    s.open();
    s.take_connect_request();
    let queued = s.session.submit(Request::exists("/a"), s.now).unwrap();
    s.accept(SESSION_ID, 30_000, false);
    s.answer_sasl();
    let first = s.sent();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].decode::<GetSaslRequest>().token.as_ref(), b"hello");
    s.reply_record(
        first[0].xid,
        0,
        &SetSaslResponse {
            token: Some(Bytes::from_static(b"go on")),
        },
    );
    s.answer_sasl();
    assert_eq!(states(&s.take_events()), [SessionState::Connected]);
    let rest = s.sent();
    assert_eq!(rest.iter().map(|f| f.op).collect::<Vec<_>>(), [102, 3]);
    assert_eq!(rest[0].decode::<GetSaslRequest>().token.as_ref(), b"done");
    s.reply_record(rest[1].xid, 5, &zk_proto::records::StatResponse::default());
    assert!(
        s.take_events()
            .iter()
            .any(|o| matches!(o, Output::Complete { id, .. } if *id == queued))
    );
}

#[test]
fn no_secret_shows_in_debug_output() {
    const SECRET: &str = "hunter2-secret";
    let mut c = config("h:1");
    c.auth
        .push(("digest".into(), Bytes::from(format!("user:{SECRET}"))));
    c.sasl = Some(SaslConfig::digest_md5("bob", SECRET));
    c.resume = Some((SessionId::new(7), Bytes::from(SECRET)));
    let mut s = Script::new(c.clone());
    s.open();
    s.take_connect_request();
    let rendered = [
        format!("{c:?}"),
        format!("{:?}", s.session),
        format!(
            "{:?}",
            ConnectRequest {
                passwd: Bytes::from(SECRET),
                ..ConnectRequest::default()
            }
        ),
        format!(
            "{:?}",
            ConnectResponse {
                passwd: Bytes::from(SECRET),
                ..ConnectResponse::default()
            }
        ),
        format!(
            "{:?}",
            AuthPacket {
                auth_type: 0,
                scheme: "digest".into(),
                auth: Bytes::from(SECRET)
            }
        ),
        format!(
            "{:?}",
            GetSaslRequest {
                token: Bytes::from(SECRET)
            }
        ),
        format!(
            "{:?}",
            SetSaslResponse {
                token: Some(Bytes::from(SECRET))
            }
        ),
        format!("{:?}", SaslConfig::digest_md5("bob", SECRET)),
    ];
    for text in rendered {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(
            !text.contains(&hex::encode(SECRET)),
            "secret leaked as hex: {text}"
        );
    }
    // The password bytes as Rust would print a byte string.
    assert!(!format!("{:?}", s.session).contains("104, 117, 110"));
}
