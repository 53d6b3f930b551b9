//! The ZooKeeper client for synchronous code: plain threads, no async runtime.
//!
//! ```no_run
//! # fn main() -> Result<(), zk_client_blocking::Error> {
//! let client = zk_client_blocking::connect("127.0.0.1:2181/app")?;
//! client.ensure_path("/config")?;
//! let (data, stat, mut watch) = client.get_data_watched("/config")?;
//! println!("{} bytes, version {}", data.len(), stat.version);
//! // Blocks until the node changes (or 10 s pass).
//! if let Ok(event) = watch.wait_timeout(std::time::Duration::from_secs(10)) {
//!     println!("{event:?}");
//! }
//! client.close();
//! # Ok(()) }
//! ```
//!
//! Every operation of the async [`zk_client::Client`] is here as a blocking call returning
//! `Result`. Watches and state changes are receivers that can be waited on, with a timeout
//! (`recv_timeout`, telling `Timeout` from `Disconnected` as `std::sync::mpsc` does), or
//! iterated. [`Client`] is `Send + Sync + Clone`: share it between threads. Everything the
//! client's methods take or return is re-exported here: the whole of `zk_client`, whose async
//! `Client` is [`AsyncClient`] (reached through [`Client::async_client`]).
//!
//! Underneath, one I/O thread per process runs every client's driver (the same driver every
//! adapter shares) on an `async-executor`, and waits on `async-io`'s reactor for sockets and
//! timers; calls park the calling thread until their reply arrives
//! (`futures_lite::future::block_on`). Host names are looked up on `async-net`'s pool of
//! blocking threads. None of these is an async runtime: nothing needs to be started, entered
//! or kept alive by the application. Per-call timeouts come from [`Client::with_timeout`].
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

With the `tls` feature, [`Builder::tls`] connects to ZooKeeper's secure client ports
(`secureClientPort`) over rustls (still no async runtime), checking the servers'
certificates against the CAs given:

```no_run
# fn main() -> Result<(), Box<dyn std::error::Error>> {
use zk_client_blocking::TlsConfig;

let tls = TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?
    .client_cert_files("/etc/zookeeper/client.pem", "/etc/zookeeper/client-key.pem")?;
let client = zk_client_blocking::builder("zk1.example.com:2281,zk2.example.com:2281/app")
    .tls(tls)
    .connect()?;
# let _ = client; Ok(()) }
```
"#
)]
#![forbid(unsafe_code)]

mod block_on;
mod builder;
mod client;
mod io_thread;
mod runtime;
mod watch;

pub use std::sync::mpsc::RecvTimeoutError;

pub use block_on::{block_on, block_on_timeout};
pub use builder::Builder;
pub use client::Client;
pub use runtime::BlockingRuntime;
pub use watch::{StateChanges, Watch, WatchEvents};
// Everything the client's methods take or return; `Client` itself is shadowed by the blocking
// one above, and named `AsyncClient` here.
/// The async client underneath a blocking one ([`Client::async_client`]), for recipes and
/// other async code.
pub use zk_client::Client as AsyncClient;
pub use zk_client::*;

/// A builder for a blocking client on `connect_string`: set options, then
/// [`connect`](Builder::connect), which blocks until the session is established.
///
/// ```no_run
/// use std::time::Duration;
/// # fn main() -> Result<(), zk_client_blocking::Error> {
/// let client = zk_client_blocking::builder("zk1:2181,zk2:2181/app")
///     .session_timeout(Duration::from_secs(10))
///     .connect()?;
/// # let _ = client; Ok(()) }
/// ```
pub fn builder(connect_string: &str) -> Builder {
    Builder::new(connect_string)
}

/// Connects with default options and waits for the session.
///
/// # Errors
///
/// Those of [`Builder::connect`].
pub fn connect(connect_string: &str) -> Result<Client, Error> {
    builder(connect_string).connect()
}
