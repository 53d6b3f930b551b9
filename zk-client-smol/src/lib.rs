//! The ZooKeeper client on smol: sockets and timers from `async-io`, no tokio anywhere.
//!
//! ```no_run
//! # fn main() -> Result<(), zk_client_smol::Error> {
//! futures_lite::future::block_on(async {
//!     let client = zk_client_smol::connect("127.0.0.1:2181/app").await?;
//!     client.ensure_path("/config").await?;
//!     let (data, stat) = client.get_data("/config").await?;
//!     println!("{} bytes, version {}", data.len(), stat.version);
//!     client.close().await;
//!     Ok(())
//! })
//! # }
//! ```
//!
//! Every operation lives on [`Client`] (from `zk-client`, shared by all adapters). Each client
//! needs its driver task polled: by default it runs on a thread of its own (an
//! `async_io::block_on` loop, so it works whatever executor the application uses); give
//! [`SmolRuntime::with_executor`] an `async_executor::Executor` (smol's) to run it there
//! instead.

#![cfg_attr(
    feature = "tls",
    doc = r#"
# TLS

With the `tls` feature, [`ClientBuilder::tls`] connects to ZooKeeper's secure client ports
(`secureClientPort`) over rustls (still no tokio), checking the servers' certificates
against the CAs given:

```no_run
# fn main() -> Result<(), Box<dyn std::error::Error>> {
use zk_client_smol::TlsConfig;

let tls = TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?;
let client = futures_lite::future::block_on(
    zk_client_smol::builder("zk1.example.com:2281,zk2.example.com:2281/app")
        .tls(tls)
        .connect(),
)?;
# let _ = client; Ok(()) }
```
"#
)]
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub use zk_client::*;

/// Drives clients with `async-io`.
#[derive(Clone, Default)]
pub struct SmolRuntime {
    executor: Option<Arc<async_executor::Executor<'static>>>,
}

impl std::fmt::Debug for SmolRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmolRuntime")
            .field("own_executor", &self.executor.is_some())
            .finish()
    }
}

impl SmolRuntime {
    /// Runs each client's driver on a thread of its own.
    pub fn new() -> SmolRuntime {
        SmolRuntime::default()
    }

    /// Runs each client's driver on `executor`; the application must keep the executor running.
    pub fn with_executor(executor: Arc<async_executor::Executor<'static>>) -> SmolRuntime {
        SmolRuntime {
            executor: Some(executor),
        }
    }
}

impl Runtime for SmolRuntime {
    fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        let host = host.to_owned();
        Box::pin(async move { async_net::resolve((host.as_str(), port)).await })
    }

    fn connect_tcp(
        &self,
        addr: SocketAddr,
    ) -> BoxFuture<'static, std::io::Result<Box<dyn Transport>>> {
        Box::pin(async move {
            let stream = async_net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as Box<dyn Transport>)
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            async_io::Timer::at(deadline).await;
        })
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) {
        match &self.executor {
            Some(executor) => executor.spawn(task).detach(),
            None => {
                let spawned = std::thread::Builder::new()
                    .name("zk-client-smol".into())
                    .spawn(move || async_io::block_on(task));
                if let Err(err) = spawned {
                    // Without a driver the client's requests fail at their deadline.
                    tracing::error!(%err, "cannot start the zk-client-smol driver thread");
                }
            }
        }
    }
}

/// A client builder driven by [`SmolRuntime::new`].
pub fn builder(connect_string: &str) -> ClientBuilder {
    ClientBuilder::new(connect_string).runtime(SmolRuntime::new())
}

/// Connects with default options and waits for the session.
///
/// # Errors
///
/// As [`ClientBuilder::connect`]: [`Error::ConnectFailed`] when no session is established
/// within the connect timeout (the session timeout by default), [`Error::InvalidArgument`]
/// for a connect string that names no usable host.
pub async fn connect(connect_string: &str) -> Result<Client, Error> {
    builder(connect_string).connect().await
}
