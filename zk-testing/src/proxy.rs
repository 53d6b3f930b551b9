//! A TCP proxy in front of a node, which can cut or silence connections on demand.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

const UPSTREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    Cut,
    Blackhole,
}

#[derive(Debug)]
struct Conn {
    client: TcpStream,
    /// `None` for a connection accepted while blackholed: it never had a server side.
    upstream: Option<TcpStream>,
    /// Set when bytes of this connection were swallowed: its streams have a gap.
    tainted: Arc<AtomicBool>,
}

impl Conn {
    fn close(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(upstream) = &self.upstream {
            let _ = upstream.shutdown(Shutdown::Both);
        }
    }
}

#[derive(Debug)]
struct State {
    mode: Mode,
    next_id: u64,
    conns: HashMap<u64, Conn>,
    shutting_down: bool,
}

#[derive(Debug)]
struct Shared {
    upstream: SocketAddr,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn mode(&self) -> Mode {
        self.state().mode
    }

    fn remove(&self, id: u64) {
        self.state().conns.remove(&id);
    }
}

/// A TCP proxy on 127.0.0.1 in front of one node's client port, for partitions and network
/// faults. Every node of a [`Cluster`](crate::Cluster) has one ([`Cluster::proxy`](crate::Cluster::proxy));
/// clients that should suffer the faults connect through
/// [`Cluster::proxied_connect_string`](crate::Cluster::proxied_connect_string).
///
/// The proxy runs on plain threads (one to accept, two per connection) and has three modes:
///
/// | mode | existing connections | new connections |
/// |---|---|---|
/// | forwarding (initial, [`restore`](FaultProxy::restore)) | forwarded both ways | connected to the node and forwarded |
/// | [`cut`](FaultProxy::cut) | closed at once | accepted and closed at once |
/// | [`blackhole`](FaultProxy::blackhole) | stay open, but every byte from either side is swallowed | accepted, never connected to the node, bytes swallowed |
///
/// [`restore`](FaultProxy::restore) forwards again. Connections closed by a cut stay closed,
/// and so does every connection that lost bytes to a blackhole (its byte stream has a gap and
/// could not be framed any more) or was accepted during one: clients must reconnect. A
/// connection that stayed silent through the blackhole goes on as before.
///
/// The proxy stops, closing every connection, when it is dropped (with its cluster).
#[derive(Debug)]
pub struct FaultProxy {
    shared: Arc<Shared>,
    listen: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// A proxy on a free port of 127.0.0.1, forwarding to `upstream`: any server, the
    /// [`EmbeddedServer`](crate::EmbeddedServer) included. A [`Cluster`](crate::Cluster) puts
    /// one in front of each of its nodes itself.
    ///
    /// # Errors
    ///
    /// The I/O error when no port can be bound or the acceptor thread cannot start.
    pub fn start(upstream: SocketAddr) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let listen = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            state: Mutex::new(State {
                mode: Mode::Forward,
                next_id: 0,
                conns: HashMap::new(),
                shutting_down: false,
            }),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("zk-testing-proxy-{}", listen.port()))
                .spawn(move || accept_loop(&listener, &shared))?
        };
        Ok(FaultProxy {
            shared,
            listen,
            acceptor: Some(acceptor),
        })
    }

    /// The proxy's address as `"127.0.0.1:<port>"`.
    pub fn address(&self) -> String {
        self.listen.to_string()
    }

    /// The proxy's address as a [`SocketAddr`].
    pub fn socket_addr(&self) -> SocketAddr {
        self.listen
    }

    /// The proxy's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.listen.port()
    }

    /// The node address the proxy forwards to.
    pub fn upstream(&self) -> SocketAddr {
        self.shared.upstream
    }

    /// Closes every proxied connection now, and closes new ones as soon as they are
    /// accepted, until [`restore`](FaultProxy::restore). Clients see their connection end
    /// (EOF or a reset); the server sees its side closed too.
    pub fn cut(&self) {
        let mut state = self.shared.state();
        state.mode = Mode::Cut;
        for conn in state.conns.values() {
            conn.close();
        }
    }

    /// Swallows traffic: connections stay open but nothing is forwarded in either direction,
    /// and new connections are accepted but never reach the node. Models a partition in
    /// which packets vanish, so clients notice only through their own timeouts.
    pub fn blackhole(&self) {
        self.shared.state().mode = Mode::Blackhole;
    }

    /// Forwards again. Connections that were cut, that lost bytes to a blackhole, or that
    /// were accepted during one are closed (clients must reconnect); the others go on.
    pub fn restore(&self) {
        let mut state = self.shared.state();
        state.mode = Mode::Forward;
        for conn in state.conns.values() {
            if conn.upstream.is_none() || conn.tainted.load(Ordering::SeqCst) {
                conn.close();
            }
        }
    }

    /// Whether the proxy is forwarding (neither cut nor blackholed).
    pub fn is_forwarding(&self) -> bool {
        self.shared.mode() == Mode::Forward
    }

    /// How many connections the proxy holds open now.
    pub fn connection_count(&self) -> usize {
        self.shared.state().conns.len()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        {
            let mut state = self.shared.state();
            state.shutting_down = true;
            for conn in state.conns.values() {
                conn.close();
            }
        }
        // Wake the acceptor, blocked in accept(), so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.listen, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.state().shutting_down {
            return;
        }
        let Ok(client) = client else {
            // EMFILE and friends: back off instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = client.set_nodelay(true);
        // On error (the node is down, say) the client's connection has been closed, which
        // is what a client of a down node sees.
        let _ = handle(client, shared);
    }
}

fn handle(client: TcpStream, shared: &Arc<Shared>) -> io::Result<()> {
    let mode = shared.mode();
    let upstream = match mode {
        Mode::Cut => {
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        Mode::Blackhole => None,
        Mode::Forward => {
            match TcpStream::connect_timeout(&shared.upstream, UPSTREAM_CONNECT_TIMEOUT) {
                Ok(upstream) => {
                    let _ = upstream.set_nodelay(true);
                    Some(upstream)
                }
                Err(e) => {
                    let _ = client.shutdown(Shutdown::Both);
                    return Err(e);
                }
            }
        }
    };
    let tainted = Arc::new(AtomicBool::new(false));
    let conn = Conn {
        client: client.try_clone()?,
        upstream: match &upstream {
            Some(u) => Some(u.try_clone()?),
            None => None,
        },
        tainted: Arc::clone(&tainted),
    };
    let id = {
        let mut state = shared.state();
        let restored_meanwhile = conn.upstream.is_none() && state.mode == Mode::Forward;
        if state.shutting_down || state.mode == Mode::Cut || restored_meanwhile {
            // Cut, restored or shut down while connecting: a restore closes connections
            // accepted during a blackhole, so this one is closed too.
            conn.close();
            return Ok(());
        }
        let id = state.next_id;
        state.next_id += 1;
        state.conns.insert(id, conn);
        id
    };
    // The last pump to finish removes the entry (and with it the last copies of the sockets).
    let pumps = Arc::new(AtomicUsize::new(if upstream.is_some() { 2 } else { 1 }));
    let spawn = |name: String, src: TcpStream, dst: Option<TcpStream>| {
        let shared = Arc::clone(shared);
        let tainted = Arc::clone(&tainted);
        let pumps = Arc::clone(&pumps);
        thread::Builder::new().name(name).spawn(move || {
            pump(src, dst, &shared, &tainted);
            if pumps.fetch_sub(1, Ordering::SeqCst) == 1 {
                shared.remove(id);
            }
        })
    };
    let spawned = match upstream {
        Some(upstream) => spawn(
            format!("zk-testing-proxy-c2s-{id}"),
            client.try_clone()?,
            Some(upstream.try_clone()?),
        )
        .and_then(|_| spawn(format!("zk-testing-proxy-s2c-{id}"), upstream, Some(client))),
        None => spawn(format!("zk-testing-proxy-hole-{id}"), client, None),
    };
    if let Err(e) = spawned {
        if let Some(conn) = shared.state().conns.remove(&id) {
            conn.close();
        }
        return Err(e);
    }
    Ok(())
}

/// Copies `src` to `dst` while forwarding; swallows bytes while blackholed.
///
/// While blackholed, nothing crosses the proxy, not even an end of stream or a reset: the
/// connection is marked as having a gap and [`FaultProxy::restore`] closes it.
fn pump(mut src: TcpStream, mut dst: Option<TcpStream>, shared: &Shared, tainted: &AtomicBool) {
    let mut buf = vec![0u8; 16 * 1024];
    let clean_eof = loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break false,
        };
        match (shared.mode(), dst.as_mut()) {
            (Mode::Forward, Some(out)) => {
                if out.write_all(&buf[..n]).is_err() {
                    break false;
                }
            }
            (Mode::Blackhole, _) | (Mode::Forward, None) => tainted.store(true, Ordering::SeqCst),
            (Mode::Cut, _) => break false,
        }
    };
    match shared.mode() {
        Mode::Blackhole => tainted.store(true, Ordering::SeqCst),
        // Half-close: pass the end of stream on; the other direction may still flow (a
        // four-letter word's reply after the client finished writing, say).
        Mode::Forward if clean_eof => {
            if let Some(dst) = &dst {
                let _ = dst.shutdown(Shutdown::Write);
            }
        }
        Mode::Forward | Mode::Cut => {
            let _ = src.shutdown(Shutdown::Both);
            if let Some(dst) = &dst {
                let _ = dst.shutdown(Shutdown::Both);
            }
        }
    }
}
