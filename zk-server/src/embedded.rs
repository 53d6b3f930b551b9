//! The core on plain threads and `std::net`: one acceptor, a reader and a writer per
//! connection, and a timer, all feeding one [`Server`] under a mutex.
//!
//! Simple rather than clever: every input takes the lock, feeds the core and hands its
//! outputs to the connections' writer threads, so a client that stops reading stalls only
//! its own writer, never the server. No async runtime is involved, so any client (tokio,
//! smol, blocking, another language) can use it.

// This module is the driver: the one place in the crate that owns sockets, threads and the
// clock (clippy.toml keeps them out of the core).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::{ConnectionId, Output, Server, ServerConfig};

/// A ZooKeeper-compatible server on a free loopback port, for tests and demos.
///
/// ```no_run
/// let server = zk_server::EmbeddedServer::start()?;
/// println!("connect to {}", server.connect_string());
/// // ... run a ZooKeeper client against it ...
/// server.stop();
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// Dropping it stops it too. Stopping closes every connection; the tree is gone with it.
#[derive(Debug)]
pub struct EmbeddedServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    timer: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the timer thread when an input may have moved the next deadline, or on stop.
    wake: Condvar,
}

#[derive(Debug)]
struct State {
    server: Server,
    /// Each connection's writer.
    conns: HashMap<ConnectionId, Writer>,
    threads: Vec<JoinHandle<()>>,
    stopped: bool,
}

/// The most bytes that may wait for one slow reader before its connection is closed: a
/// client that stops reading costs bounded memory.
const MAX_QUEUED: usize = 64 << 20;

/// One connection's writer thread, as the dispatcher sees it.
#[derive(Debug)]
struct Writer {
    queue: Sender<Vec<u8>>,
    /// Bytes handed to the writer and not yet written.
    queued: Arc<AtomicUsize>,
    /// To shut the socket down on stop.
    stream: TcpStream,
}

impl EmbeddedServer {
    /// Starts a server with the default configuration.
    ///
    /// # Errors
    ///
    /// Binding the loopback listener or starting a thread failed.
    pub fn start() -> io::Result<EmbeddedServer> {
        EmbeddedServer::start_with(ServerConfig::default())
    }

    /// Starts a server with `config` on `127.0.0.1` and a port the system picks. A
    /// [`ServerConfig::start_time_ms`] of 0 is replaced with the wall clock, so node times
    /// look like a real server's.
    ///
    /// # Errors
    ///
    /// Binding the loopback listener or starting a thread failed.
    pub fn start_with(config: ServerConfig) -> io::Result<EmbeddedServer> {
        EmbeddedServer::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config)
    }

    /// Starts a server with `config` listening on `addr` (port 0 for one the system picks),
    /// as the `zk-server` binary does.
    ///
    /// # Errors
    ///
    /// Binding the listener or starting a thread failed.
    pub fn start_on(addr: SocketAddr, config: ServerConfig) -> io::Result<EmbeddedServer> {
        EmbeddedServer::launch(addr, config, None)
    }

    /// Starts a server on `addr` carrying on from `snapshot` (see [`EmbeddedServer::snapshot`]
    /// and [`Server::restore`]): the same tree, zxid and sessions, which their clients may
    /// re-attach to.
    ///
    /// # Errors
    ///
    /// The snapshot is damaged ([`io::ErrorKind::InvalidData`], carrying the
    /// [`SnapshotError`](crate::SnapshotError)), or binding the listener or starting a thread
    /// failed.
    pub fn start_from_snapshot(
        addr: SocketAddr,
        config: ServerConfig,
        snapshot: &[u8],
    ) -> io::Result<EmbeddedServer> {
        EmbeddedServer::launch(addr, config, Some(snapshot))
    }

    /// The state a restart keeps (the tree, the zxid, the sessions), for
    /// [`EmbeddedServer::start_from_snapshot`] or a file.
    pub fn snapshot(&self) -> Vec<u8> {
        self.inspect(Server::snapshot)
    }

    /// Stops the server and starts it again on the same address with the same state:
    /// clients see their connections drop, reconnect and find their sessions, ephemerals
    /// and data, as after a ZooKeeper restart.
    ///
    /// # Errors
    ///
    /// Binding the address again or starting a thread failed.
    pub fn restart(self) -> io::Result<EmbeddedServer> {
        let snapshot = self.snapshot();
        // Node times go on from the wall clock, not from the first start.
        let config = self.inspect(|s| s.config().clone()).with_start_time_ms(0);
        let addr = self.addr;
        self.stop();
        EmbeddedServer::start_from_snapshot(addr, config, &snapshot)
    }

    fn launch(
        addr: SocketAddr,
        mut config: ServerConfig,
        snapshot: Option<&[u8]>,
    ) -> io::Result<EmbeddedServer> {
        if config.start_time_ms == 0 {
            config.start_time_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        }
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        config.client_port = addr.port();
        let server = match snapshot {
            None => Server::new(config, Instant::now()),
            Some(bytes) => Server::restore(config, bytes, Instant::now())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                server,
                conns: HashMap::new(),
                threads: Vec::new(),
                stopped: false,
            }),
            wake: Condvar::new(),
        });
        let timer = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("zk-server-timer".into())
                .spawn(move || run_timer(&shared))?
        };
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("zk-server-accept".into())
                .spawn(move || run_acceptor(&listener, &shared))
        };
        let mut server = EmbeddedServer {
            addr,
            shared,
            acceptor: None,
            timer: Some(timer),
        };
        // On failure, `server` is dropped here and stops the timer.
        server.acceptor = Some(acceptor?);
        Ok(server)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `127.0.0.1:<port>`, for any ZooKeeper client.
    pub fn connect_string(&self) -> String {
        self.addr.to_string()
    }

    /// Runs `f` on the core under its lock, to look at the tree or the sessions.
    pub fn inspect<R>(&self, f: impl FnOnce(&Server) -> R) -> R {
        f(&self.shared.lock().server)
    }

    /// Live session ids.
    pub fn session_ids(&self) -> Vec<i64> {
        self.inspect(Server::session_ids)
    }

    /// Expires a session now, as if its timeout had passed; false if it is not live.
    pub fn expire_session(&self, session_id: i64) -> bool {
        let mut state = self.shared.lock();
        let expired = state.server.expire_session(session_id);
        state.dispatch();
        expired
    }

    /// Closes every client connection from the server's side, as a network failure would;
    /// sessions live on until they expire.
    pub fn drop_connections(&self) {
        let mut state = self.shared.lock();
        let conns: Vec<ConnectionId> = state.conns.keys().copied().collect();
        for conn in conns {
            state.server.close_connection(conn);
        }
        state.dispatch();
    }

    /// Stops the server: every connection is closed and every thread joined.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        {
            let mut state = self.shared.lock();
            if state.stopped {
                return;
            }
            state.stopped = true;
            for (_, writer) in state.conns.drain() {
                let _ = writer.stream.shutdown(Shutdown::Both);
            }
        }
        self.shared.wake.notify_all();
        // The acceptor blocks in accept(): a connection of our own wakes it to see `stopped`.
        let wake = match self.addr {
            SocketAddr::V4(a) if a.ip().is_unspecified() => {
                SocketAddr::from(([127, 0, 0, 1], a.port()))
            }
            SocketAddr::V6(a) if a.ip().is_unspecified() => {
                SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port()))
            }
            other => other,
        };
        let _ = TcpStream::connect(wake);
        for handle in [self.acceptor.take(), self.timer.take()]
            .into_iter()
            .flatten()
        {
            let _ = handle.join();
        }
        let threads = std::mem::take(&mut self.shared.lock().threads);
        for handle in threads {
            let _ = handle.join();
        }
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Shared {
    /// The state; a panic on another thread does not make the server unusable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Hands the core's outputs to the writer threads, in order.
    fn dispatch(&mut self) {
        while let Some(output) = self.server.poll_output() {
            match output {
                Output::Transmit { conn, data } => {
                    let Some(writer) = self.conns.get(&conn) else {
                        continue;
                    };
                    let len = data.len();
                    if writer.queued.fetch_add(len, Ordering::AcqRel) + len > MAX_QUEUED {
                        // A reader this far behind is stalled: its connection goes, as a
                        // network failure would take it (its Close follows in this loop),
                        // and its socket at once, so that the blocked writer lets go of the
                        // queue.
                        let _ = writer.stream.shutdown(Shutdown::Both);
                        self.server.close_connection(conn);
                        continue;
                    }
                    let _ = writer.queue.send(data);
                }
                // Dropping the sender lets the writer finish the queue, then shut down.
                Output::Close(conn) => {
                    self.conns.remove(&conn);
                }
            }
        }
    }
}

fn run_acceptor(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.lock().stopped {
            return;
        }
        let Ok(stream) = stream else { continue };
        if let Err(err) = serve(stream, shared) {
            // Out of threads or descriptors: this connection is lost, the server goes on.
            drop(err);
        }
    }
}

/// Starts the reader and writer of one accepted connection.
fn serve(stream: TcpStream, shared: &Arc<Shared>) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let peer = stream.peer_addr().ok();
    let reader_stream = stream.try_clone()?;
    let mut writer_stream = stream.try_clone()?;
    let (tx, rx) = channel::<Vec<u8>>();
    let queued = Arc::new(AtomicUsize::new(0));
    let written = Arc::clone(&queued);
    let mut state = shared.lock();
    if state.stopped {
        let _ = stream.shutdown(Shutdown::Both);
        return Ok(());
    }
    let conn = state.server.accept_from(peer, Instant::now());
    state.conns.insert(
        conn,
        Writer {
            queue: tx,
            queued,
            stream,
        },
    );
    let writer = std::thread::Builder::new()
        .name(format!("zk-server-write-{conn}"))
        .spawn(move || {
            for data in rx {
                if writer_stream.write_all(&data).is_err() {
                    break;
                }
                written.fetch_sub(data.len(), Ordering::AcqRel);
            }
            let _ = writer_stream.shutdown(Shutdown::Both);
        })?;
    let reader = {
        let shared = Arc::clone(shared);
        std::thread::Builder::new()
            .name(format!("zk-server-read-{conn}"))
            .spawn(move || run_reader(reader_stream, conn, &shared))?
    };
    state.threads.push(writer);
    state.threads.push(reader);
    // Threads of connections that are gone need no handle any more.
    state.threads.retain(|t| !t.is_finished());
    Ok(())
}

fn run_reader(mut stream: TcpStream, conn: ConnectionId, shared: &Shared) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => 0,
            Ok(n) => n,
        };
        let mut state = shared.lock();
        if n == 0 {
            state.server.handle_closed(conn, Instant::now());
            state.conns.remove(&conn);
            state.dispatch();
            return;
        }
        state.server.handle_data(conn, &buf[..n], Instant::now());
        state.dispatch();
        drop(state);
        // The session's deadline moved: let the timer see it.
        shared.wake.notify_all();
    }
}

fn run_timer(shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if state.stopped {
            return;
        }
        let now = Instant::now();
        state.server.handle_timeout(now);
        state.dispatch();
        state = match state.server.poll_timeout() {
            None => shared
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner),
            Some(at) => {
                shared
                    .wake
                    .wait_timeout(state, at.saturating_duration_since(now))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}
