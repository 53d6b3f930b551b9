//! Scripted session tests: closing.

mod support;

use std::time::Duration;

use support::{SESSION_ID, Script, config, stat};
use zk_proto::records::{GetDataResponse, StatResponse};
use zk_proto::{
    Action, Error, OpCode, Output, Request, Response, SessionState, StateChange, WatchEvent,
};

fn closed_state(events: &[Output]) -> bool {
    events.iter().any(|o| {
        matches!(
            o,
            Output::State(StateChange {
                state: SessionState::Closed,
                ..
            })
        )
    })
}

#[test]
fn close_flushes_the_queue_then_sends_close_session() {
    let mut c = config("h:1");
    c.max_in_flight = 1;
    let mut s = Script::connected(c);
    let w = s
        .session
        .submit(
            Request::GetData {
                path: "/w".into(),
                watch: true,
            },
            s.now,
        )
        .unwrap();
    let first = s.sent();
    let queued = s.session.submit(Request::exists("/q"), s.now).unwrap();
    s.session.close(s.now);
    assert_eq!(
        s.session.submit(Request::exists("/late"), s.now),
        Err(Error::Closed)
    );
    s.reply_record(
        first[0].xid,
        3,
        &GetDataResponse {
            data: None,
            stat: stat(1),
        },
    );
    // The queued request goes first; CloseSession follows it on the wire (it is not subject
    // to the in-flight limit), and the server answers in order.
    let second = s.sent();
    let ops: Vec<i32> = second.iter().map(|f| f.op).collect();
    assert_eq!(ops, [OpCode::Exists.code(), OpCode::CloseSession.code()]);
    assert!(second[1].body.is_empty());
    s.reply_record(second[0].xid, 4, &StatResponse { stat: stat(1) });
    let third = &second[1..];
    // The server deletes our ephemerals (notifications first), then answers and hangs up.
    s.notify(2, "/w");
    s.reply_err(third[0].xid, 5, 0);
    let events = s.take_events();
    assert!(events.contains(&Output::Complete {
        id: queued,
        result: Ok(Response::Exists(Some(stat(1)))),
        watch: None
    }));
    let w = zk_proto::WatchId::from(w);
    assert!(events.contains(&Output::Watch {
        watch: w,
        event: WatchEvent::Node(zk_proto::NodeEvent::new(
            zk_proto::EventType::NodeDeleted,
            "/w",
            None
        ))
    }));
    assert!(closed_state(&events));
    assert!(matches!(s.take_transport()[..], [Action::Disconnect(_)]));
    assert_eq!(s.session.poll_timeout(), None);
}

#[test]
fn closing_a_watcher_ends_it_with_closed() {
    let mut s = Script::connected(config("h:1"));
    let id = s
        .session
        .submit(
            Request::AddWatch {
                path: "/p".into(),
                mode: zk_proto::AddWatchMode::Persistent,
            },
            s.now,
        )
        .unwrap();
    let sent = s.sent();
    s.reply_record(sent[0].xid, 3, &zk_proto::records::ErrorResponse { err: 0 });
    s.session.close(s.now);
    let close = s.sent();
    s.reply_err(close[0].xid, 4, 0);
    let events = s.take_events();
    assert!(events.contains(&Output::Watch {
        watch: zk_proto::WatchId::from(id),
        event: WatchEvent::Closed
    }));
}

#[test]
fn close_while_disconnected_reconnects_to_end_the_session() {
    let mut s = Script::connected(config("a:1,b:2"));
    s.drop_connection();
    s.session.close(s.now);
    s.open();
    assert_eq!(s.take_connect_request().session_id, SESSION_ID);
    s.accept(SESSION_ID, 30_000, false);
    let sent = s.sent();
    assert_eq!(sent[0].op, OpCode::CloseSession.code());
    s.reply_err(sent[0].xid, 4, 0);
    assert_eq!(s.session.state(), SessionState::Closed);
}

#[test]
fn close_gives_up_after_the_close_timeout() {
    let mut c = config("a:1,b:2");
    c.close_timeout = Duration::from_secs(2);
    let mut s = Script::connected(c);
    let pending = s.session.submit(Request::get_data("/a"), s.now).unwrap();
    s.session.close(s.now);
    let sent = s.sent();
    assert_eq!(sent.len(), 2);
    let waited = s.fire_next_timer();
    assert_eq!(waited, Duration::from_secs(2));
    let events = s.take_events();
    assert!(closed_state(&events));
    assert!(events.contains(&Output::Complete {
        id: pending,
        result: Err(Error::ConnectionLoss),
        watch: None
    }));
}

#[test]
fn a_connection_dropped_after_close_session_is_closed() {
    let mut s = Script::connected(config("a:1,b:2"));
    s.session.close(s.now);
    s.sent();
    s.drop_connection();
    assert_eq!(s.session.state(), SessionState::Closed);
    assert_eq!(s.session.poll_timeout(), None);
}

#[test]
fn close_without_a_session_is_immediate() {
    let mut s = Script::new(config("h:1"));
    let queued = s.session.submit(Request::exists("/a"), s.now).unwrap();
    s.session.close(s.now);
    let events = s.take_events();
    assert!(closed_state(&events));
    assert!(events.contains(&Output::Complete {
        id: queued,
        result: Err(Error::Closed),
        watch: None
    }));
    assert_eq!(
        s.session.add_auth("digest", &b"u:p"[..], s.now),
        Err(Error::Closed)
    );
    // Closing twice is harmless.
    s.session.close(s.now);
    assert!(s.take_events().is_empty());
}
