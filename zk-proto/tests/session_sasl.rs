//! Scripted session tests: SASL runs first after every handshake, holds everything else back,
//! and a failure ends the session; and no credential ever shows in `Debug` output.

mod support;

use std::sync::Arc;

use bytes::Bytes;
use support::{SESSION_ID, Script, config};
use zk_proto::jute::Record;
use zk_proto::records::{
    AuthPacket, ConnectRequest, ConnectResponse, GetSaslRequest, SetSaslResponse,
};
use zk_proto::sasl::{DigestMd5, SaslConfig, SaslError, SaslMechanism, SaslMechanismFactory};
use zk_proto::{HostPort, Output, Request, SessionId, SessionState, StateChange};

/// DIGEST-MD5 for bob with the client nonce of the captured exchange (PROTOCOL.md §13.37).
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
    let second = s.sent();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].op, 102);
    // The exact bytes of the captured response (§13.37): frame length 0xfa.
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
    let first = s.sent();
    s.reply_record(
        first[0].xid,
        0,
        &SetSaslResponse {
            token: Some(Bytes::from_static(CHALLENGE)),
        },
    );
    let second = s.sent();
    // A wrong password: AuthFailed and a null token, then the server hangs up (§13.37).
    s.reply(second[0].xid, 0, -115, |b| {
        SetSaslResponse { token: None }.encode(b)
    });
    let events = s.take_events();
    assert_eq!(states(&events), [SessionState::AuthFailed]);
    assert!(events.contains(&Output::Complete {
        id: queued,
        result: Err(zk_proto::Error::AuthFailed),
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
    let first = s.sent();
    s.reply_record(first[0].xid, 0, &SetSaslResponse { token: None });
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
        let first = s.sent();
        assert_eq!(first[0].op, 102);
        s.reply_record(
            first[0].xid,
            0,
            &SetSaslResponse {
                token: Some(Bytes::from_static(CHALLENGE)),
            },
        );
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
        assert!(s.session.state().is_connected());
        s.take_events();
        s.drop_connection();
    }
}

#[test]
fn no_secret_shows_in_debug_output() {
    const SECRET: &str = "hunter2-secret";
    let mut c = config("h:1");
    c.auth
        .push(("digest".into(), Bytes::from(format!("user:{SECRET}"))));
    c.sasl = Some(SaslConfig::digest_md5("bob", SECRET));
    c.resume = Some((SessionId(7), Bytes::from(SECRET)));
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
