//! The ZooKeeper client for synchronous code: plain threads, no async runtime.
//!
//! ```no_run
//! # fn main() -> Result<(), zk_client_blocking::Error> {
//! let client = zk_client_blocking::connect("127.0.0.1:2181/app")?;
//! client.ensure_path("/config")?;
//! let (data, stat, mut watch) = client.get_data_watched("/config")?;
//! println!("{} bytes, version {}", data.len(), stat.version);
//! // Blocks until the node changes (or 10 s pass).
//! if let Some(event) = watch.wait_timeout(std::time::Duration::from_secs(10)) {
//!     println!("{event:?}");
//! }
//! client.close();
//! # Ok(()) }
//! ```
//!
//! Every operation of the async [`zk_client::Client`] is here as a blocking call returning
//! `Result`. Watches and state changes are receivers that can be waited on, with a timeout, or
//! iterated. [`Client`] is `Send + Sync + Clone`: share it between threads.
//!
//! Underneath, one I/O thread per process (socket readiness with `mio`, timers, and the
//! client drivers) runs the same driver every adapter shares; calls park the calling thread
//! until their reply arrives. Per-call timeouts come from [`Client::with_timeout`].
//!
//! # Recipes and other async code
//!
//! Anything written against the async client — every recipe of `zk-recipes` included — runs
//! from synchronous code with [`block_on`] on [`Client::async_client`]:
//!
//! ```no_run
//! # fn demo(client: &zk_client_blocking::Client) -> Result<(), zk_client_blocking::Error> {
//! let async_client = client.async_client().clone();
//! let count = zk_client_blocking::block_on(async move {
//!     async_client.count_descendants("/").await
//! })?;
//! # Ok(()) }
//! ```

#![cfg_attr(
    feature = "tls",
    doc = r#"
# TLS

With the `tls` feature, [`ClientBuilder::tls`] connects to ZooKeeper's secure client ports
(`secureClientPort`) over rustls (still no async runtime), checking the servers'
certificates against the CAs given:

```no_run
# fn main() -> Result<(), Box<dyn std::error::Error>> {
use zk_client_blocking::{Builder as _, TlsConfig};

let tls = TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?
    .client_cert_files("/etc/zookeeper/client.pem", "/etc/zookeeper/client-key.pem")?;
let client = zk_client_blocking::builder("zk1.example.com:2281,zk2.example.com:2281/app")
    .tls(tls)
    .connect_blocking()?;
# let _ = client; Ok(()) }
```
"#
)]
#![forbid(unsafe_code)]

mod block_on;
mod client;
mod net;
mod reactor;
mod watch;

use std::net::SocketAddr;
use std::time::Instant;

pub use block_on::{block_on, block_on_timeout};
pub use client::{Builder, Client};
pub use watch::{StateChanges, Watch, WatchEvents};
pub use zk_client::{
    Acl, AddWatchMode, Bytes, ClientBuilder, ClientInfo, CreateMode, CreateOptions, Error,
    EventType, ExpiryPolicy, Id, MultiResult, NodeEvent, Perms, ReadOp, ReadResult, Request,
    Response, RetryPolicy, ServerVersion, SessionId, SessionState, Stat, StateChange,
    TransactionError, WatchEvent, WatchId, WatcherType, auth,
};
use zk_client::{BoxFuture, Runtime, Transport};
#[cfg(feature = "tls")]
pub use zk_client::{TlsConfig, TlsError, TlsLayer, rustls};

/// The runtime of this crate: the process-wide I/O thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingRuntime;

impl Runtime for BlockingRuntime {
    fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        Box::pin(net::resolve(host.to_owned(), port))
    }

    fn connect_tcp(
        &self,
        addr: SocketAddr,
    ) -> BoxFuture<'static, std::io::Result<Box<dyn Transport>>> {
        Box::pin(async move { Ok(Box::new(net::connect(addr).await?) as Box<dyn Transport>) })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        match net::Sleep::until(deadline) {
            Ok(sleep) => Box::pin(sleep),
            Err(err) => {
                // Without the I/O thread nothing can be timed; fail loudly rather than hang.
                tracing::error!(%err, "the zk-client-blocking I/O thread is unavailable");
                Box::pin(async {})
            }
        }
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) {
        match reactor::Reactor::get() {
            Ok(reactor) => reactor.spawn(task),
            Err(err) => tracing::error!(%err, "the zk-client-blocking I/O thread is unavailable"),
        }
    }
}

/// A builder for a blocking client: set options, then call
/// [`connect_blocking`](Builder::connect_blocking).
///
/// ```no_run
/// use std::time::Duration;
/// use zk_client_blocking::Builder as _;
/// # fn main() -> Result<(), zk_client_blocking::Error> {
/// let client = zk_client_blocking::builder("zk1:2181,zk2:2181/app")
///     .session_timeout(Duration::from_secs(10))
///     .connect_blocking()?;
/// # Ok(()) }
/// ```
pub fn builder(connect_string: &str) -> zk_client::ClientBuilder {
    zk_client::ClientBuilder::new(connect_string).runtime(BlockingRuntime)
}

/// Connects with default options and waits for the session.
pub fn connect(connect_string: &str) -> Result<Client, Error> {
    builder(connect_string).connect_blocking()
}
