//! The core under arbitrary input, through its public API only: any interleaving of
//! connections, valid and corrupted frames, closes and time never panics, never talks to a
//! connection it closed, and gives the same outputs for the same inputs.

use std::time::{Duration, Instant};

use bytes::Bytes;
use proptest::prelude::*;
use zk_proto::frame::write_frame;
use zk_proto::jute::Record;
use zk_proto::records::{ConnectRequest, RequestHeader};
use zk_server::{ConnectionId, Output, Server, ServerConfig};

/// One input to the server.
#[derive(Debug, Clone)]
enum Input {
    Accept,
    /// A well-formed ConnectRequest (new session, or re-attaching one seen before).
    Hello {
        conn: usize,
        reattach: bool,
    },
    /// A request frame: a real opcode (or not) and a body of random bytes.
    Request {
        conn: usize,
        op: i32,
        body: Vec<u8>,
    },
    /// Raw bytes, framed or not.
    Raw {
        conn: usize,
        bytes: Vec<u8>,
    },
    Close {
        conn: usize,
    },
    Advance {
        ms: u64,
    },
}

fn input() -> impl Strategy<Value = Input> {
    let ops = prop_oneof![(-12i32..=23), (99i32..=108), any::<i32>(),];
    prop_oneof![
        1 => Just(Input::Accept),
        2 => (0usize..4, any::<bool>()).prop_map(|(conn, reattach)| Input::Hello { conn, reattach }),
        6 => (0usize..4, ops, proptest::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(conn, op, body)| Input::Request { conn, op, body }),
        2 => (0usize..4, proptest::collection::vec(any::<u8>(), 0..48))
            .prop_map(|(conn, bytes)| Input::Raw { conn, bytes }),
        1 => (0usize..4).prop_map(|conn| Input::Close { conn }),
        1 => (0u64..30_000).prop_map(|ms| Input::Advance { ms }),
    ]
}

/// Runs the inputs; returns every output in order. Panics (fails) on a broken invariant.
fn run(inputs: &[Input], start: Instant) -> Vec<Output> {
    let config = ServerConfig::default()
        .with_max_buffer(4096)
        .with_container_check_interval(Duration::from_secs(1));
    let mut server = Server::new(config, start);
    let mut now = start;
    let mut conns: Vec<ConnectionId> = Vec::new();
    let mut closed: Vec<ConnectionId> = Vec::new();
    let mut sessions: Vec<(i64, Bytes)> = Vec::new();
    let mut all = Vec::new();
    let pick = |conns: &[ConnectionId], i: usize| conns.get(i % conns.len().max(1)).copied();
    for input in inputs {
        match input {
            Input::Accept => conns.push(server.accept(None, now)),
            Input::Hello { conn, reattach } => {
                if let Some(conn) = pick(&conns, *conn) {
                    let (session_id, passwd) = match sessions.last() {
                        Some((id, pw)) if *reattach => (*id, pw.clone()),
                        _ => (0, Bytes::from_static(&[0; 16])),
                    };
                    let hello = ConnectRequest {
                        timeout_ms: 4000,
                        session_id,
                        passwd,
                        read_only: Some(false),
                        last_zxid_seen: 0,
                        protocol_version: 0,
                    };
                    let mut out = Vec::new();
                    write_frame(&mut out, |b| hello.encode(b));
                    server.handle_data(conn, &out, now);
                }
            }
            Input::Request { conn, op, body } => {
                if let Some(conn) = pick(&conns, *conn) {
                    let mut out = Vec::new();
                    write_frame(&mut out, |b| {
                        RequestHeader { xid: 1, op: *op }.encode(b);
                        b.extend_from_slice(body);
                    });
                    server.handle_data(conn, &out, now);
                }
            }
            Input::Raw { conn, bytes } => {
                if let Some(conn) = pick(&conns, *conn) {
                    server.handle_data(conn, bytes, now);
                }
            }
            Input::Close { conn } => {
                if let Some(conn) = pick(&conns, *conn) {
                    server.handle_closed(conn, now);
                    closed.push(conn);
                }
            }
            Input::Advance { ms } => {
                now += Duration::from_millis(*ms);
                server.handle_timeout(now);
            }
        }
        while let Some(output) = server.poll_output() {
            match &output {
                Output::Transmit { conn, data } => {
                    assert!(
                        conns.contains(conn),
                        "bytes for a connection never accepted"
                    );
                    assert!(!closed.contains(conn), "bytes after the close of {conn}");
                    assert!(!data.is_empty());
                    // A ConnectResponse granting a session: remember it for re-attaching.
                    if data.len() >= 41 && data[..4] == [0, 0, 0, 37] && data[8..12] != [0; 4] {
                        let id = i64::from_be_bytes(data[12..20].try_into().unwrap());
                        sessions.push((id, Bytes::copy_from_slice(&data[24..40])));
                    }
                }
                Output::Close(conn) => {
                    assert!(!closed.contains(conn), "{conn} closed twice");
                    closed.push(*conn);
                }
                _ => {}
            }
            all.push(output);
        }
        if let Some(at) = server.poll_timeout() {
            assert!(at > start, "a deadline in the past of the start");
        }
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_input_never_panics_and_is_deterministic(
        inputs in proptest::collection::vec(input(), 1..80)
    ) {
        // Tests choose any starting instant; the core never reads the clock itself.
        #[allow(clippy::disallowed_methods)]
        let start = Instant::now();
        let first = run(&inputs, start);
        let second = run(&inputs, start);
        prop_assert_eq!(first, second);
    }
}
