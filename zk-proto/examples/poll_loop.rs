//! Embedding the protocol core in an event loop of your own: no async runtime, no client
//! crate, just `zk_proto::Session`, non-blocking sockets and `mio`'s poll.
//!
//! It starts a throwaway ZooKeeper with `zk-testing` (or uses `ZK_CONNECT`), then creates an
//! ephemeral node, reads it leaving a watch, changes it, receives the watch event, and closes
//! the session. It exits with an error if anything goes differently, so CI runs it.
//!
//! Run: `cargo run -p zk-proto --example poll_loop`

// This file is the caller of the sans-IO core: it owns the clock and the sockets, which the
// crate's clippy.toml rightly forbids inside the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::error::Error;
use std::io::{ErrorKind, Read, Write};
use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use zk_proto::{
    ConnId, CreateMode, EventType, Output, Request, Response, Session, SessionConfig, SessionState,
    WatchEvent,
};

const SOCKET: Token = Token(0);

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
    let connect = match std::env::var("ZK_CONNECT") {
        Ok(connect) => connect,
        Err(_) => {
            cluster = zk_testing::Cluster::builder().start()?;
            cluster.connect_string()
        }
    };
    let path = format!("/embedded-{}", std::process::id());
    let mut session = Session::new(SessionConfig::new(&connect)?, Instant::now())?;
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(16);
    let mut conn: Option<Conn> = None;
    let mut out = Vec::new();
    let mut written = 0;
    let mut input = vec![0u8; 64 * 1024];
    let mut step = Step::WaitingForSession;
    let give_up = Instant::now() + Duration::from_secs(30);

    loop {
        // 1. The session's outputs, in order.
        while let Some(output) = session.poll_output() {
            match output {
                Output::Connect { conn: id, host, .. } => {
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
                Output::Disconnect(id) => {
                    if conn.as_ref().is_some_and(|c| c.id == id) {
                        conn = None;
                    }
                }
                Output::State(change) => {
                    println!("state: {:?}", change.state);
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
                other => println!("{other:?}"),
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

        // 2. Write what the session wants sent, as far as the socket takes it.
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

        // 3. Sleep until the socket is ready or the session's next timer.
        let timeout = session
            .poll_timeout()
            .map(|at| at.saturating_duration_since(Instant::now()));
        poll.poll(&mut events, timeout.or(Some(Duration::from_secs(1))))?;
        let now = Instant::now();
        for event in events.iter() {
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
        // 4. Timers (a no-op when nothing is due).
        session.handle_timeout(Instant::now());
    }
}
