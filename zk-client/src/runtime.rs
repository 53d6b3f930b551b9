//! The small seam between the client and an async runtime: resolve, connect, sleep, spawn.
//!
//! An adapter crate (tokio, smol) implements [`Runtime`] in a few dozen lines; everything else —
//! the driver loop, every operation, watches and state — is written once in this crate.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_io::{AsyncRead, AsyncWrite};
use zk_proto::HostPort;

/// A boxed, `Send` future, as the runtime seam passes them around.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A byte stream to a server: TCP, or TLS over TCP. Anything that implements the `futures-io`
/// traits qualifies.
pub trait Transport: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Transport for T {}

/// What the client needs from an async runtime.
pub trait Runtime: Send + Sync + 'static {
    /// Resolves a host name (or parses an address) into socket addresses. Called before every
    /// connection attempt, so DNS changes are picked up.
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>;

    /// Opens a TCP connection (with Nagle's algorithm disabled, as the Java client does).
    fn connect_tcp(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn Transport>>>;

    /// Completes at `deadline`.
    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()>;

    /// Runs `task` in the background until it completes.
    fn spawn(&self, task: BoxFuture<'static, ()>);

    /// The current time. Runtimes with a controllable clock may override it.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Wraps a freshly connected stream before the ZooKeeper handshake: the seam for TLS.
///
/// The layer receives the server it is talking to (for certificate host-name checks) and the
/// TCP stream, and returns the stream the protocol runs over.
pub trait TransportLayer: Send + Sync + 'static {
    /// Wraps `stream`, connected to `host`.
    fn wrap(
        &self,
        host: &HostPort,
        stream: Box<dyn Transport>,
    ) -> BoxFuture<'static, io::Result<Box<dyn Transport>>>;
}

/// Runs `future` until `deadline`; `None` if the deadline came first.
pub(crate) async fn until_deadline<T>(
    runtime: &Arc<dyn Runtime>,
    deadline: Instant,
    future: impl Future<Output = T>,
) -> Option<T> {
    let mut future = std::pin::pin!(future);
    let mut sleep = runtime.sleep_until(deadline);
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        if let Poll::Ready(value) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(value));
        }
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// Opens a transport to `host`: resolves it, tries each address in turn until `deadline`, then
/// applies the transport layer (TLS) if any.
pub(crate) async fn open_transport(
    runtime: Arc<dyn Runtime>,
    layer: Option<Arc<dyn TransportLayer>>,
    host: HostPort,
    deadline: Instant,
) -> io::Result<Box<dyn Transport>> {
    let timed_out = || io::Error::new(io::ErrorKind::TimedOut, "connect deadline passed");
    let addrs = until_deadline(&runtime, deadline, runtime.resolve(&host.host, host.port))
        .await
        .ok_or_else(timed_out)??;
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "host resolved to no address");
    for addr in addrs {
        match until_deadline(&runtime, deadline, runtime.connect_tcp(addr)).await {
            None => return Err(timed_out()),
            Some(Err(err)) => {
                tracing::debug!(%addr, %err, "connect failed");
                last_error = err;
            }
            Some(Ok(stream)) => {
                return match layer {
                    None => Ok(stream),
                    Some(layer) => until_deadline(&runtime, deadline, layer.wrap(&host, stream))
                        .await
                        .ok_or_else(timed_out)?,
                };
            }
        }
    }
    Err(last_error)
}
