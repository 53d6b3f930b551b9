//! Embedding the protocol core in an event loop of your own: no async runtime, no client
//! crate, just `zk_proto::Session`, non-blocking sockets and `mio`'s poll.
//!
//! It starts a throwaway ZooKeeper with `zk-testing` that requires SASL DIGEST-MD5 (or uses
//! `ZK_CONNECT`, without SASL), then creates an ephemeral node, reads it leaving a watch,
//! changes it, receives the watch event, and closes the session. It exits with an error if
//! anything goes differently, so CI runs it.
//!
//! SASL steps may block (GSSAPI asks the KDC), and this loop must keep serving its socket and
//! timers meanwhile: each step runs on a thread of its own, which sends the answer back
//! through a channel and wakes the poll.
//!
//! Run: `cargo run -p zk-proto --example poll_loop`

// This file is the caller of the sans-IO core: it owns the clock and the sockets, which the
// crate's clippy.toml rightly forbids inside the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::error::Error;
use std::io::{ErrorKind, Read, Write};
use std::net::ToSocketAddrs;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use zk_proto::sasl::SaslConfig;
use zk_proto::{
    Action, ConnId, CreateMode, EventType, Output, Request, Response, Session, SessionConfig,
    SessionState, WatchEvent,
};

const SOCKET: Token = Token(0);
/// Woken by a thread that finished a SASL step.
const SASL_DONE: Token = Token(1);

/// The transport of the current connection attempt.
struct Conn {
    id: ConnId,
    stream: TcpStream,
    /// Whether the non-blocking connect has finished.
    open: bool,
}

/// The little scenario the loop plays, one step per completion.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    WaitingForSession,
    Creating,
    Reading,
    Writing,
    WaitingForWatch,
    Closing,
}

fn main() -> Result<(), Box<dyn Error>> {
    let cluster;
    let (connect, sasl) = match std::env::var("ZK_CONNECT") {
        Ok(connect) => (connect, None),
        Err(_) => {
            cluster = zk_testing::Cluster::builder()
                .config(
                    "authProvider.1",
                    "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
                )
                .jaas_config(
                    "Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  \
                     user_bob=\"bobsecret\";\n};\n",
                )
                .start()?;
            let sasl = SaslConfig::digest_md5("bob", "bobsecret");
            (cluster.connect_string(), Some(sasl))
        }
    };
    let path = format!("/embedded-{}", std::process::id());
    let mut config = SessionConfig::new(&connect)?;
    config.sasl = sasl;
    let mut session = Session::new(config, Instant::now())?;
    let mut poll = Poll::new()?;
    let waker = Arc::new(Waker::new(poll.registry(), SASL_DONE)?);
    let (answers_tx, answers) = mpsc::channel();
    let mut events = Events::with_capacity(16);
    let mut conn: Option<Conn> = None;
    let mut out = Vec::new();
    let mut written = 0;
    let mut input = vec![0u8; 64 * 1024];
    let mut step = Step::WaitingForSession;
    let give_up = Instant::now() + Duration::from_secs(30);

    loop {
        // 1. What the session asks of the driver, in order.
        while let Some(action) = session.poll_action() {
            match action {
                Action::Connect { conn: id, host, .. } => {
                    out.clear();
                    written = 0;
                    let addr = (host.host.as_str(), host.port)
                        .to_socket_addrs()?
                        .next()
                        .ok_or("the host resolved to no address")?;
                    let mut stream = TcpStream::connect(addr)?;
                    poll.registry().register(
                        &mut stream,
                        SOCKET,
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    println!("connecting to {host} ({id:?})");
                    conn = Some(Conn {
                        id,
                        stream,
                        open: false,
                    });
                }
                Action::Disconnect(id) => {
                    if conn.as_ref().is_some_and(|c| c.id == id) {
                        conn = None;
                    }
                }
                Action::Sasl(task) => {
                    println!("SASL step: {task:?}");
                    let (answers_tx, waker) = (answers_tx.clone(), waker.clone());
                    std::thread::spawn(move || {
                        // If the loop is gone, so is the session: nothing to tell.
                        if answers_tx.send(task.run()).is_ok() {
                            let _ = waker.wake();
                        }
                    });
                }
                // Optional: unanswered, the session stays on a read-only server until it drops
                // the connection.
                Action::ProbeReadWrite { .. } => {}
            }
        }
        // 2. What the application must hear, in order.
        while let Some(output) = session.poll_output() {
            match output {
                Output::State(change) => {
                    println!("state: {:?}", change.state);
                    if change.state == SessionState::AuthFailed {
                        return Err("authentication failed".into());
                    }
                    if change.state == SessionState::Connected && step == Step::WaitingForSession {
                        session.submit(
                            Request::create(&path, "hello", CreateMode::Ephemeral),
                            Instant::now(),
                        )?;
                        step = Step::Creating;
                    }
                }
                Output::Complete { result, watch, .. } => {
                    let response = result?;
                    println!("{step:?}: {response:?}");
                    match (step, response) {
                        (Step::Creating, Response::Created { .. }) => {
                            let read = Request::GetData {
                                path: path.clone(),
                                watch: true,
                            };
                            session.submit(read, Instant::now())?;
                            step = Step::Reading;
                        }
                        (Step::Reading, Response::Data { data, .. }) => {
                            assert_eq!(data.as_ref(), b"hello");
                            assert!(watch.is_some(), "the read left a watch");
                            session.submit(Request::set_data(&path, "world"), Instant::now())?;
                            step = Step::Writing;
                        }
                        // The event of our own write arrives before the write's reply (ZooKeeper's
                        // ordering guarantee), so the close may already be under way.
                        (Step::Writing | Step::Closing, Response::Stat(stat)) => {
                            assert_eq!(stat.version, 1);
                            if step == Step::Writing {
                                step = Step::WaitingForWatch;
                            }
                        }
                        (step, response) => return Err(format!("{step:?} got {response:?}").into()),
                    }
                }
                Output::Watch { event, .. } => {
                    println!("watch: {event:?}");
                    match event {
                        // ZooKeeper delivers the event before the reply to the write that
                        // caused it, so it may come while still in the Writing step.
                        WatchEvent::Node(node) if node.event_type == EventType::NodeDataChanged => {
                            session.close(Instant::now());
                            step = Step::Closing;
                        }
                        other => return Err(format!("unexpected watch event {other:?}").into()),
                    }
                }
            }
        }
        if session.state() == SessionState::Closed {
            if step != Step::Closing {
                return Err(format!("closed during {step:?}").into());
            }
            println!("done");
            return Ok(());
        }
        if Instant::now() > give_up {
            return Err(format!("stuck in {step:?}").into());
        }

        // 3. Write what the session wants sent, as far as the socket takes it.
        if let Some(c) = conn.as_mut().filter(|c| c.open) {
            if written == out.len() {
                out.clear();
                written = 0;
                let _ = session.poll_transmit(Instant::now(), &mut out);
            }
            while written < out.len() {
                match c.stream.write(&out[written..]) {
                    Ok(n) => written += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        session.handle_disconnected(c.id, Instant::now());
                        break;
                    }
                }
            }
        }

        // 4. Sleep until the socket is ready, a SASL step is done, or the session's next timer.
        let timeout = session
            .poll_timeout()
            .map(|at| at.saturating_duration_since(Instant::now()));
        poll.poll(&mut events, timeout.or(Some(Duration::from_secs(1))))?;
        let now = Instant::now();
        for answer in answers.try_iter() {
            session.handle_sasl_answer(answer, now);
        }
        for event in events.iter().filter(|event| event.token() == SOCKET) {
            let Some(c) = conn.as_mut() else { break };
            if !c.open && (event.is_writable() || event.is_error()) {
                match (c.stream.take_error()?, c.stream.peer_addr()) {
                    (None, Ok(_)) => {
                        c.stream.set_nodelay(true)?;
                        c.open = true;
                        session.handle_connected(c.id, now);
                    }
                    (None, Err(e)) if e.kind() == ErrorKind::NotConnected => {}
                    _ => {
                        session.handle_connect_failed(c.id, now);
                        continue;
                    }
                }
            }
            if c.open && event.is_readable() {
                // mio is edge-triggered: read until the socket is drained.
                loop {
                    match c.stream.read(&mut input) {
                        Ok(0) => {
                            session.handle_disconnected(c.id, now);
                            break;
                        }
                        Ok(n) => session.handle_data(c.id, &input[..n], now),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(_) => {
                            session.handle_disconnected(c.id, now);
                            break;
                        }
                    }
                }
            }
        }
        // 5. Timers (a no-op when nothing is due).
        session.handle_timeout(Instant::now());
    }
}
