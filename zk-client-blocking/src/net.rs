//! Sockets and timers on the reactor, seen through the `futures-io` traits `zk-client` uses.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use mio::{Interest, Token};

use crate::reactor::Reactor;

/// A non-blocking TCP stream registered with the reactor.
pub(crate) struct Stream {
    socket: mio::net::TcpStream,
    token: Token,
    reactor: Arc<Reactor>,
}

impl Stream {
    fn register(socket: mio::net::TcpStream, reactor: Arc<Reactor>) -> io::Result<Stream> {
        let token = reactor.new_source();
        let mut stream = Stream {
            socket,
            token,
            reactor,
        };
        stream.reactor.registry().register(
            &mut stream.socket,
            token,
            Interest::READABLE | Interest::WRITABLE,
        )?;
        Ok(stream)
    }

    /// Runs a non-blocking operation; on `WouldBlock`, waits for the next readiness event of
    /// that direction. The tick read before the attempt tells whether an event arrived in
    /// between, in which case the attempt is simply repeated (no wake-up is lost).
    fn poll_io<T>(
        &mut self,
        cx: &mut Context<'_>,
        write: bool,
        mut op: impl FnMut(&mut mio::net::TcpStream) -> io::Result<T>,
    ) -> Poll<io::Result<T>> {
        loop {
            let tick = self.reactor.with_source(self.token, |r| {
                if write { r.write_tick } else { r.read_tick }
            });
            match op(&mut self.socket) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                result => return Poll::Ready(result),
            }
            let parked = self.reactor.with_source(self.token, |r| {
                let now = if write { r.write_tick } else { r.read_tick };
                if now != tick {
                    return false;
                }
                let slot = if write {
                    &mut r.write_waker
                } else {
                    &mut r.read_waker
                };
                *slot = Some(cx.waker().clone());
                true
            });
            if parked {
                return Poll::Pending;
            }
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.reactor.registry().deregister(&mut self.socket);
        self.reactor.remove_source(self.token);
    }
}

impl futures_io::AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_io(cx, false, |s| s.read(buf))
    }
}

impl futures_io::AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_io(cx, true, |s| s.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_io(cx, true, |s| s.flush())
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.socket.shutdown(Shutdown::Write))
    }
}

/// Connects without blocking: the socket becomes writable once the connection is made (or
/// failed), as mio documents for `TcpStream::connect`.
pub(crate) async fn connect(addr: SocketAddr) -> io::Result<Stream> {
    let reactor = Reactor::get()?.clone();
    let mut stream = Stream::register(mio::net::TcpStream::connect(addr)?, reactor)?;
    std::future::poll_fn(|cx| {
        stream.poll_io(cx, true, |socket| {
            if let Some(err) = socket.take_error()? {
                return Err(err);
            }
            match socket.peer_addr() {
                Ok(_) => Ok(()),
                Err(err) if err.kind() == io::ErrorKind::NotConnected => {
                    Err(io::ErrorKind::WouldBlock.into())
                }
                Err(err) => Err(err),
            }
        })
    })
    .await?;
    stream.socket.set_nodelay(true)?;
    Ok(stream)
}

/// Resolves on a short-lived thread: the standard resolver blocks, and the I/O thread must not.
pub(crate) async fn resolve(host: String, port: u16) -> io::Result<Vec<SocketAddr>> {
    let (tx, rx) = flume::bounded(1);
    std::thread::Builder::new()
        .name("zk-client-blocking-dns".into())
        .spawn(move || {
            let result = (host.as_str(), port)
                .to_socket_addrs()
                .map(Iterator::collect);
            let _ = tx.send(result);
        })?;
    rx.recv_async()
        .await
        .unwrap_or_else(|_| Err(io::Error::other("resolver thread vanished")))
}

/// Completes at a deadline.
pub(crate) struct Sleep {
    deadline: Instant,
    timer: Option<(Instant, u64)>,
    reactor: Arc<Reactor>,
}

impl Sleep {
    pub(crate) fn until(deadline: Instant) -> io::Result<Sleep> {
        Ok(Sleep {
            deadline,
            timer: None,
            reactor: Reactor::get()?.clone(),
        })
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            if let Some(key) = self.timer.take() {
                self.reactor.remove_timer(key);
            }
            return Poll::Ready(());
        }
        // Re-register with the current waker (the task may have moved).
        if let Some(key) = self.timer.take() {
            self.reactor.remove_timer(key);
        }
        let key = self.reactor.add_timer(self.deadline, cx.waker().clone());
        self.timer = Some(key);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.timer.take() {
            self.reactor.remove_timer(key);
        }
    }
}
