//! The ZooKeeper client on tokio.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client_tokio::Error> {
//! let client = zk_client_tokio::connect("127.0.0.1:2181/app").await?;
//! client.ensure_path("/config").await?;
//! let (data, stat) = client.get_data("/config").await?;
//! println!("{} bytes, version {}", data.len(), stat.version);
//! client.close().await;
//! # Ok(()) }
//! ```
//!
//! Every operation lives on [`Client`] (from `zk-client`, shared by all adapters); this crate
//! only supplies the [`TokioRuntime`] that drives it and the entry points. Options go through
//! the builder:
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client_tokio::Error> {
//! use std::time::Duration;
//! let client = zk_client_tokio::builder("zk1:2181,zk2:2181,zk3:2181/app")
//!     .session_timeout(Duration::from_secs(10))
//!     .digest_auth("app", "secret")
//!     .connect()
//!     .await?;
//! # Ok(()) }
//! ```

#![cfg_attr(
    feature = "tls",
    doc = r#"
# TLS

With the `tls` feature, [`ClientBuilder::tls`] connects to ZooKeeper's secure client ports
(`secureClientPort`) over rustls, checking the servers' certificates against the CAs given:

```no_run
# async fn demo() -> Result<(), Box<dyn std::error::Error>> {
use zk_client_tokio::TlsConfig;

let tls = TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?
    .client_cert_files("/etc/zookeeper/client.pem", "/etc/zookeeper/client-key.pem")?;
let client = zk_client_tokio::builder("zk1.example.com:2281,zk2.example.com:2281/app")
    .tls(tls)
    .connect()
    .await?;
# Ok(()) }
```
"#
)]
#![forbid(unsafe_code)]

mod io;

use std::net::SocketAddr;
use std::time::Instant;

use tokio::runtime::Handle;
pub use zk_client::*;

/// Drives clients on a tokio runtime.
#[derive(Debug, Clone)]
pub struct TokioRuntime {
    handle: Handle,
}

impl TokioRuntime {
    /// The runtime the caller is running on; `None` outside a tokio runtime.
    pub fn current() -> Option<TokioRuntime> {
        Handle::try_current()
            .ok()
            .map(|handle| TokioRuntime { handle })
    }

    /// A specific runtime.
    pub fn from_handle(handle: Handle) -> TokioRuntime {
        TokioRuntime { handle }
    }
}

impl Runtime for TokioRuntime {
    fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        let host = host.to_owned();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        })
    }

    fn connect_tcp(
        &self,
        addr: SocketAddr,
    ) -> BoxFuture<'static, std::io::Result<Box<dyn Transport>>> {
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(io::TokioIo(stream)) as Box<dyn Transport>)
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) {
        self.handle.spawn(task);
    }
}

/// A client builder driven by the current tokio runtime (call it from within one).
pub fn builder(connect_string: &str) -> ClientBuilder {
    let builder = ClientBuilder::new(connect_string);
    match TokioRuntime::current() {
        Some(runtime) => builder.runtime(runtime),
        None => builder,
    }
}

/// Connects with default options and waits for the session.
///
/// # Errors
///
/// As [`ClientBuilder::connect`]: [`Error::ConnectFailed`] when no session is established
/// within the connect timeout (the session timeout by default), [`Error::InvalidArgument`]
/// for a connect string that names no usable host or when called outside a tokio runtime.
pub async fn connect(connect_string: &str) -> Result<Client, Error> {
    builder(connect_string).connect().await
}
