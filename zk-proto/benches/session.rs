//! Session benchmarks: a getData round trip through [`zk_proto::Session`] against a fake peer
//! (submit, transmit, feed the reply, drain the completion), one at a time and pipelined.
//!
//! Run with `cargo bench -p zk-proto --bench session`.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use zk_proto::frame::write_frame;
use zk_proto::jute::Record;
use zk_proto::records::{ConnectResponse, GetDataResponse, ReplyHeader};
use zk_proto::{
    Action, ConnId, Output, Request, Response, Session, SessionConfig, SessionState, Stat,
};

/// Requests per iteration of the pipelined benchmark.
const PIPELINE: usize = 100;

/// The bench's single clock reading: the session is pure, so one fixed `now` is enough, and
/// with a 30 s session timeout no timer can come due.
#[allow(
    clippy::disallowed_methods,
    reason = "the bench plays the adapter, which owns the clock"
)]
fn start() -> Instant {
    Instant::now()
}

/// A session connected to a fake peer: Connect, handle_connected, ConnectRequest out, the
/// ConnectResponse (as in vector 13.2 of `tests/vectors.rs`) in.
fn connected_session(now: Instant) -> (Session, ConnId) {
    let config = SessionConfig::new("127.0.0.1:2181").expect("config");
    let mut session = Session::new(config, now).expect("session");
    let conn = match session.poll_action() {
        Some(Action::Connect { conn, .. }) => conn,
        other => panic!("expected Connect, got {other:?}"),
    };
    session.handle_connected(conn, now);
    let mut out = Vec::new();
    let sent = session
        .poll_transmit(now, &mut out)
        .expect("ConnectRequest");
    assert_eq!(sent.conn, conn);

    let response = ConnectResponse {
        protocol_version: 0,
        timeout_ms: 30_000,
        session_id: 0x0100_0007_4b64_001c,
        passwd: Bytes::from_static(&[0x91; 16]),
        read_only: Some(false),
    };
    let mut frame = Vec::new();
    write_frame(&mut frame, |b| response.encode(b));
    session.handle_data(conn, &frame, now);
    while let Some(output) = session.poll_output() {
        if let Output::State(change) = output {
            assert_eq!(change.state, SessionState::Connected);
        }
    }
    assert_eq!(session.state(), SessionState::Connected);
    out.clear();
    assert!(session.poll_transmit(now, &mut out).is_none());
    (session, conn)
}

/// A getData reply frame (length prefix, ReplyHeader with xid 0, GetDataResponse with 100 B
/// of data); the xid sits at bytes 4..8 and is patched per request.
fn reply_template() -> Vec<u8> {
    let header = ReplyHeader {
        xid: 0,
        zxid: 0x1_0000,
        err: 0,
    };
    let body = GetDataResponse {
        data: Some(Bytes::from(vec![0x5a; 100])),
        stat: Stat {
            czxid: 0xec,
            mzxid: 0xf0,
            data_length: 100,
            ..Stat::default()
        },
    };
    let mut frame = Vec::new();
    write_frame(&mut frame, |b| {
        header.encode(b);
        body.encode(b);
    });
    frame
}

/// The xid of the request frame starting at `at` (bytes 4..8 of the frame) and the offset of
/// the next frame.
fn xid_at(buf: &[u8], at: usize) -> (i32, usize) {
    let len = i32::from_be_bytes(buf[at..at + 4].try_into().expect("4 bytes"));
    let xid = i32::from_be_bytes(buf[at + 4..at + 8].try_into().expect("4 bytes"));
    (xid, at + 4 + len as usize)
}

fn round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("session");
    let now = start();

    // One request at a time.
    let (mut session, conn) = connected_session(now);
    let mut tx = Vec::with_capacity(4096);
    let mut reply = reply_template();
    group.throughput(Throughput::Elements(1));
    group.bench_function("get_data_round_trip", |b| {
        b.iter(|| {
            let id = session
                .submit(Request::get_data("/bench"), now)
                .expect("submit");
            tx.clear();
            let sent = session.poll_transmit(now, &mut tx).expect("request bytes");
            debug_assert_eq!(sent.conn, conn);
            let (xid, _) = xid_at(&tx, 0);
            reply[4..8].copy_from_slice(&xid.to_be_bytes());
            session.handle_data(conn, &reply, now);
            // Drain the outputs, as an adapter does after every input: exactly one, the
            // completion of this request, is expected.
            let mut completion = None;
            while let Some(output) = session.poll_output() {
                match output {
                    Output::Complete {
                        id: done, result, ..
                    } if done == id && completion.is_none() => completion = Some(result),
                    other => panic!("unexpected output {other:?}"),
                }
            }
            let Some(Ok(Response::Data { data, .. })) = completion else {
                panic!("unexpected completion {completion:?}");
            };
            black_box(data);
        });
    });
    assert_eq!(session.state(), SessionState::Connected);
    assert_eq!(session.in_flight_requests(), 0);

    // PIPELINE requests per iteration: submit all, one transmit, every reply in one chunk.
    let (mut session, conn) = connected_session(now);
    let template = reply_template();
    let frame_len = template.len();
    let mut replies = template.repeat(PIPELINE);
    group.throughput(Throughput::Elements(PIPELINE as u64));
    group.bench_function("get_data_pipelined_100", |b| {
        b.iter(|| {
            for _ in 0..PIPELINE {
                session
                    .submit(Request::get_data("/bench"), now)
                    .expect("submit");
            }
            tx.clear();
            while session.poll_transmit(now, &mut tx).is_some() {}
            let mut at = 0;
            for i in 0..PIPELINE {
                let (xid, next) = xid_at(&tx, at);
                at = next;
                let base = i * frame_len;
                replies[base + 4..base + 8].copy_from_slice(&xid.to_be_bytes());
            }
            debug_assert_eq!(at, tx.len());
            session.handle_data(conn, &replies, now);
            let mut completed = 0;
            while let Some(output) = session.poll_output() {
                match output {
                    Output::Complete {
                        result: Ok(Response::Data { data, .. }),
                        ..
                    } => {
                        black_box(data);
                        completed += 1;
                    }
                    other => panic!("unexpected output {other:?}"),
                }
            }
            assert_eq!(completed, PIPELINE);
        });
    });
    assert_eq!(session.state(), SessionState::Connected);
    assert_eq!(session.in_flight_requests(), 0);
    group.finish();
}

// What `criterion_group!` + `criterion_main!` expand to, written out so the generated
// `pub fn` does not trip the workspace's `missing_docs` lint.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    round_trip(&mut criterion);
    criterion.final_summary();
}
