//! Shared helpers for the recipe tests: a client in a fresh chroot on the shared server, and a
//! driver for kazoo scripts that run beside Rust code on the same paths.

#![allow(dead_code, unreachable_pub)]

pub mod kazoo;
pub mod waits;
pub mod watches;

use std::future::Future;
use std::time::Duration;

use zk_client::Client;
use zk_testing::{Cluster, EmbeddedServer, FaultProxy};

/// A fresh chroot on the shared server (`zk_testing::shared_connect_string`, so
/// `ZK_TESTING_SERVER=embedded` runs these tests on the embedded server): its connect string
/// (for more clients, and for kazoo).
pub async fn chroot(name: &str) -> String {
    let server = zk_testing::shared_connect_string();
    let chroot = zk_testing::unique_chroot(name);
    let root = zk_client_tokio::connect(&server).await.expect("connect");
    root.ensure_path(&chroot).await.expect("create the chroot");
    root.close().await;
    format!("{server}{chroot}")
}

/// A client on `connect` with a 10 s session.
pub async fn client(connect: &str) -> Client {
    zk_client_tokio::builder(connect)
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect")
}

/// Awaits `future` for at most `limit`, failing the test instead of hanging.
pub async fn within<T>(limit: Duration, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {limit:?} waiting for {what}"),
    }
}

/// Generous limit for anything that should happen quickly.
pub const WAIT: Duration = Duration::from_secs(20);

/// A standalone server of the test's own (so it may be cut and expire sessions without
/// disturbing other tests), behind a fault proxy, with a fresh chroot: a real ZooKeeper, or
/// the embedded zk-server under `ZK_TESTING_SERVER=embedded`.
pub struct OwnServer {
    backend: Backend,
    /// Through the fault proxy, with the chroot.
    pub proxied: String,
    /// Straight to the server, with the chroot.
    pub direct: String,
}

enum Backend {
    Real(Box<Cluster>),
    Embedded {
        server: EmbeddedServer,
        proxy: FaultProxy,
    },
}

impl OwnServer {
    /// Starts the server (on a blocking thread) and creates the chroot.
    pub async fn start(name: &str) -> OwnServer {
        let backend = if zk_testing::uses_embedded_server() {
            let server = EmbeddedServer::start().expect("start the embedded server");
            let proxy = FaultProxy::start(server.addr()).expect("start a fault proxy");
            Backend::Embedded { server, proxy }
        } else {
            let cluster = tokio::task::spawn_blocking(|| Cluster::builder().start())
                .await
                .expect("join")
                .expect("start a ZooKeeper server");
            Backend::Real(Box::new(cluster))
        };
        let (direct, proxied) = match &backend {
            Backend::Real(cluster) => (cluster.connect_string(), cluster.proxied_connect_string()),
            Backend::Embedded { server, proxy } => (server.connect_string(), proxy.address()),
        };
        let chroot = zk_testing::unique_chroot(name);
        let root = zk_client_tokio::connect(&direct).await.expect("connect");
        root.ensure_path(&chroot).await.expect("create the chroot");
        root.close().await;
        OwnServer {
            backend,
            proxied: format!("{proxied}{chroot}"),
            direct: format!("{direct}{chroot}"),
        }
    }

    /// Cuts every connection through the proxy; new ones are refused until restored.
    pub fn cut_all(&self) {
        match &self.backend {
            Backend::Real(cluster) => cluster.cut_all(),
            Backend::Embedded { proxy, .. } => proxy.cut(),
        }
    }

    /// Makes the proxy swallow traffic without closing anything (a partition).
    pub fn blackhole_all(&self) {
        match &self.backend {
            Backend::Real(cluster) => cluster.blackhole_all(),
            Backend::Embedded { proxy, .. } => proxy.blackhole(),
        }
    }

    /// Lets clients connect again.
    pub fn restore_all(&self) {
        match &self.backend {
            Backend::Real(cluster) => cluster.restore_all(),
            Backend::Embedded { proxy, .. } => proxy.restore(),
        }
    }

    /// Expires `client`'s session for real while its connection is cut; the connection stays
    /// cut until [`restore`](OwnServer::restore), so the test can change things meanwhile.
    pub fn cut_and_expire(&self, client: &Client) {
        let id = client.session_id().expect("a session");
        let password = client.session_password().expect("a password");
        self.cut_all();
        match &self.backend {
            Backend::Real(cluster) => cluster
                .expire_session(id.get(), &password)
                .expect("the server expires the session"),
            Backend::Embedded { server, .. } => {
                assert!(
                    server.expire_session(id.get()),
                    "the server knows the session"
                );
            }
        }
    }

    /// Lets clients connect again.
    pub fn restore(&self) {
        self.restore_all();
    }

    /// Expires `client`'s session for real while its connection is cut, then lets it
    /// reconnect (it learns of the expiry and opens a new session).
    pub fn expire(&self, client: &Client) {
        self.cut_and_expire(client);
        self.restore();
    }
}

/// A client with a session timeout of `timeout`.
pub async fn client_with(connect: &str, timeout: Duration) -> Client {
    zk_client_tokio::builder(connect)
        .session_timeout(timeout)
        .connect()
        .await
        .expect("connect")
}
