//! A scripted hostile peer: a tiny fake ZooKeeper server on loopback that misbehaves on
//! command, to test how a client copes with a broken or malicious server.
//!
//! [`HostileServer`] listens on a free port of 127.0.0.1 and speaks just enough of the wire
//! protocol (length-prefixed jute frames): it reads the client's ConnectRequest and answers a
//! ConnectResponse, answers pings (xid -2) and common requests with canned bodies, and can
//! misbehave at every step. Each connection follows a [`Behaviour`]: a [`Handshake`] (grant
//! the session, close on accept, stall, an unusable timeout, session id 0, an unrequested
//! read-only flag, a different session on re-attach, an oversized or undecodable
//! ConnectResponse), then a [`Fault`] (an oversized or negative frame length, a truncated frame
//! then close, an unknown xid, a garbage body, an unknown error code, bogus watch events,
//! stalled pings, the reconnect storm), optionally written one byte at a time (the slow drip).
//!
//! The honest answers: getData returns [`CANNED_DATA`] with a Stat; exists, setData and setACL
//! a Stat; create and create2 echo the path; getChildren an empty list; sync the path; delete,
//! credentials, setWatches, checkWatches, removeWatches and closeSession succeed (closeSession
//! then closes the connection); anything else fails with Unimplemented (-6). Nothing is
//! stored. Four-letter words get a healthy standalone server's answer (`srvr`, `ruok`, `isro`
//! say version 3.8.4, `imok`, `rw`).
//!
//! It counts what it sees ([`Stats`]: accepted connections with monotonic timestamps, bytes
//! each way, pings, requests, every ConnectRequest), so tests can assert rates, and
//! [`process_cpu_time`] tells how busy the test process was meanwhile.
//!
//! ```
//! use std::time::Duration;
//! use zk_testing::hostile::{Behaviour, Fault, Handshake, HostileServer};
//!
//! # fn main() -> std::io::Result<()> {
//! // Every connection: a granted session, then silence (not even pings are answered).
//! let server = HostileServer::start(Behaviour::fault(Fault::Stall))?;
//! // ...except the next one, which is closed as soon as it is accepted.
//! server.push_behaviour(Behaviour::handshake(Handshake::CloseOnAccept));
//! let connect_string = server.connect_string(); // hand this to the client under test
//! # let _ = connect_string;
//!
//! // After the client had a go:
//! let stats = server.stats();
//! assert!(stats.accepted.len() < 100, "the client reconnects in a loop");
//! # Ok(())
//! # }
//! ```
//!
//! Runs on plain threads (one to accept, one per connection). Dropping the server closes every
//! connection and joins its threads.

mod behaviour;
mod conn;
mod cpu;
mod replies;
mod stats;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bytes::Bytes;

pub use behaviour::{Behaviour, Fault, Handshake};
pub use cpu::process_cpu_time;
pub use replies::CANNED_DATA;
pub use stats::Stats;
/// The body of a notification, for [`Fault::WatchEvents`].
pub use zk_proto::records::WatcherEvent;

use stats::Recorder;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which behaviour the next connections get.
#[derive(Debug)]
struct Plan {
    default: Behaviour,
    next: VecDeque<Behaviour>,
}

#[derive(Debug, Default)]
struct Conns {
    next_id: u64,
    /// A handle on each open connection, to close it from outside.
    open: HashMap<u64, TcpStream>,
    threads: Vec<JoinHandle<()>>,
    shutting_down: bool,
}

/// What the acceptor and the connection threads share.
#[derive(Debug)]
struct Shared {
    recorder: Recorder,
    plan: Mutex<Plan>,
    conns: Mutex<Conns>,
    next_session: AtomicI64,
    zxid: AtomicI64,
    /// The state of the pseudo-random garbage (SplitMix64-style: seeded, so runs repeat).
    garbage_state: AtomicU64,
}

impl Shared {
    /// Whether the next connection is to be closed before anything is read; consumes its
    /// scripted behaviour if so.
    fn closes_on_accept(&self) -> bool {
        let mut plan = lock(&self.plan);
        let next = plan.next.front().unwrap_or(&plan.default);
        if next.handshake != Handshake::CloseOnAccept {
            return false;
        }
        plan.next.pop_front();
        true
    }

    /// The behaviour of a connection that turned out to carry a session.
    fn take_behaviour(&self) -> Behaviour {
        let mut plan = lock(&self.plan);
        plan.next
            .pop_front()
            .unwrap_or_else(|| plan.default.clone())
    }

    /// A fresh session id and its password.
    fn new_session(&self) -> (i64, Bytes) {
        let id = self.next_session.fetch_add(1, Ordering::Relaxed);
        let mut passwd = [0u8; 16];
        passwd[..8].copy_from_slice(&id.to_be_bytes());
        passwd[8..].copy_from_slice(&(!id).to_be_bytes());
        (id, Bytes::copy_from_slice(&passwd))
    }

    /// The zxid of the next reply: every reply moves it on, as if each were a write.
    fn zxid(&self) -> i64 {
        self.zxid.fetch_add(1, Ordering::Relaxed)
    }

    /// `len` pseudo-random bytes.
    fn garbage(&self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let mut z = self
                .garbage_state
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
                .wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let take = (len - out.len()).min(8);
            out.extend_from_slice(&z.to_le_bytes()[..take]);
        }
        out
    }
}

/// A fake ZooKeeper server on a free port of 127.0.0.1 that misbehaves on command (see the
/// [module docs](self)).
///
/// Every connection carrying a session takes the next behaviour queued with
/// [`push_behaviour`](HostileServer::push_behaviour), in order, or else the default one
/// ([`start`](HostileServer::start), [`set_behaviour`](HostileServer::set_behaviour)).
/// Connections carrying a four-letter word are answered honestly and take no behaviour, except
/// that [`Handshake::CloseOnAccept`] closes them too, since it acts before anything is read.
#[derive(Debug)]
pub struct HostileServer {
    shared: Arc<Shared>,
    listen: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl HostileServer {
    /// Starts a server whose connections follow `behaviour` unless told otherwise.
    ///
    /// # Errors
    ///
    /// Fails when no loopback port can be bound or no thread spawned.
    pub fn start(behaviour: Behaviour) -> io::Result<HostileServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let listen = listener.local_addr()?;
        let shared = Arc::new(Shared {
            recorder: Recorder::default(),
            plan: Mutex::new(Plan {
                default: behaviour,
                next: VecDeque::new(),
            }),
            conns: Mutex::new(Conns::default()),
            // Recognisable in logs, and never 0.
            next_session: AtomicI64::new(0x0bad_c0de_0000_0001),
            zxid: AtomicI64::new(1),
            garbage_state: AtomicU64::new(u64::from(listen.port())),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("zk-testing-hostile-{}", listen.port()))
                .spawn(move || accept_loop(&listener, &shared))?
        };
        Ok(HostileServer {
            shared,
            listen,
            acceptor: Some(acceptor),
        })
    }

    /// The server's address.
    pub fn address(&self) -> SocketAddr {
        self.listen
    }

    /// A connect string for the server: `"127.0.0.1:<port>"`.
    pub fn connect_string(&self) -> String {
        self.listen.to_string()
    }

    /// The behaviour of every later connection that has none queued.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        lock(&self.shared.plan).default = behaviour;
    }

    /// Queues a behaviour for one later connection: the first connection without one queued
    /// ahead of it takes it.
    pub fn push_behaviour(&self, behaviour: Behaviour) {
        lock(&self.shared.plan).next.push_back(behaviour);
    }

    /// Closes every open connection now (the clients see their connection end); later ones
    /// are served as usual.
    pub fn close_all(&self) {
        for stream in lock(&self.shared.conns).open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// What the server has seen so far.
    pub fn stats(&self) -> Stats {
        self.shared.recorder.snapshot()
    }

    /// Blocks until `done` holds for the server's [`Stats`], for at most `timeout`; whether it
    /// held. Wakes on every change, so it waits for events rather than polling.
    pub fn wait_for(&self, timeout: Duration, done: impl FnMut(&Stats) -> bool) -> bool {
        self.shared.recorder.wait_until(timeout, done)
    }

    /// Connections accepted at or after `since`.
    pub fn accepted_since(&self, since: Instant) -> usize {
        self.stats().accepted_between(since, Instant::now())
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        {
            let mut conns = lock(&self.shared.conns);
            conns.shutting_down = true;
            for stream in conns.open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        // Wake the acceptor, blocked in accept(), so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.listen, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let threads = std::mem::take(&mut lock(&self.shared.conns).threads);
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // EMFILE and friends: back off instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let mut conns = lock(&shared.conns);
        if conns.shutting_down {
            return;
        }
        shared.recorder.record(|s| {
            s.accepted.push(Instant::now());
            s.open += 1;
        });
        let _ = stream.set_nodelay(true);
        let id = conns.next_id;
        conns.next_id += 1;
        if let Ok(handle) = stream.try_clone() {
            conns.open.insert(id, handle);
        }
        // A storm must not pile up handles of finished threads.
        conns.threads.retain(|t| !t.is_finished());
        let spawned = {
            let shared = Arc::clone(shared);
            thread::Builder::new()
                .name(format!("zk-testing-hostile-conn-{id}"))
                .spawn(move || {
                    conn::serve(stream, &shared);
                    lock(&shared.conns).open.remove(&id);
                    shared.recorder.record(|s| s.open -= 1);
                })
        };
        match spawned {
            Ok(handle) => conns.threads.push(handle),
            Err(_) => {
                // The stream went with the failed closure; forget its handle.
                if let Some(stream) = conns.open.remove(&id) {
                    let _ = stream.shutdown(Shutdown::Both);
                }
                shared.recorder.record(|s| s.open -= 1);
            }
        }
    }
}
