//! What a scenario runs against: the adapter, the shared server, and helpers that keep every
//! wait bounded.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use zk_client::{Client, ClientBuilder};
use zk_server::{EmbeddedServer, ServerConfig};
use zk_testing::Cluster;

/// An adapter under test: how to build a client on it, and how to run a scenario.
pub trait Adapter: Send + Sync + 'static {
    /// A builder for `connect_string` driven by this adapter's runtime.
    fn builder(connect_string: &str) -> ClientBuilder;

    /// Runs a scenario to completion on this adapter's executor.
    fn run(scenario: impl Future<Output = ()> + 'static);
}

/// The server every scenario shares unless it needs a cluster of its own: standalone, with TTL
/// nodes enabled, a super user (`super:test`), and a fast container reaper.
pub fn shared_cluster() -> &'static Cluster {
    static SHARED: OnceLock<Cluster> = OnceLock::new();
    SHARED.get_or_init(|| {
        Cluster::builder()
            .extended_types(true)
            .super_digest("super", "test")
            .system_property("znode.container.checkIntervalMs", "500")
            .start()
            .expect("the shared ZooKeeper server starts")
    })
}

/// Which server the scenarios of this process share: Java's ZooKeeper (the default), or the
/// embedded `zk-server` once [`use_embedded_server`] was called.
static EMBEDDED: OnceLock<bool> = OnceLock::new();

/// Makes every scenario of this test process run against the shared embedded server instead
/// of the shared real ZooKeeper. Call it before the first scenario; the suite for the embedded
/// target ([`embedded_suite!`](crate::embedded_suite)) does. Later calls change nothing.
pub fn use_embedded_server() {
    let _ = EMBEDDED.set(true);
}

/// The embedded server every scenario of the embedded target shares, set up as
/// [`shared_cluster`] is: TTL nodes, the super user `super:test`, a fast container reaper.
pub fn shared_embedded() -> &'static EmbeddedServer {
    static SHARED: OnceLock<EmbeddedServer> = OnceLock::new();
    SHARED.get_or_init(|| {
        let config = ServerConfig::default()
            .with_extended_types_enabled(true)
            .with_super_digest(Some(zk_client::auth::digest_id("super", "test").id))
            .with_container_check_interval(Duration::from_millis(500));
        EmbeddedServer::start_with(config).expect("the shared embedded server starts")
    })
}

/// The connect string of the shared server of this process (no chroot).
fn shared_connect_string() -> String {
    if EMBEDDED.get().copied().unwrap_or(false) {
        shared_embedded().connect_string()
    } else {
        shared_cluster().connect_string()
    }
}

/// A scenario's environment: a unique chroot on the shared server.
#[derive(Debug, Clone)]
pub struct Env {
    /// The connect string, chroot included.
    pub connect: String,
    /// The connect string without the chroot.
    pub root_connect: String,
    /// The chroot.
    pub chroot: String,
}

impl Env {
    /// A fresh chroot on the shared server, created.
    pub async fn new<A: Adapter>(name: &str) -> Env {
        let root_connect = shared_connect_string();
        let chroot = zk_testing::unique_chroot(name);
        let root = A::builder(&root_connect)
            .connect()
            .await
            .expect("connect to the shared server");
        root.ensure_path(&chroot).await.expect("create the chroot");
        root.close().await;
        Env {
            connect: format!("{root_connect}{chroot}"),
            root_connect,
            chroot,
        }
    }

    /// A connected client in this environment's chroot.
    pub async fn client<A: Adapter>(&self) -> Client {
        self.builder::<A>().connect().await.expect("connect")
    }

    /// A builder in this environment's chroot, with short timeouts suited to tests.
    pub fn builder<A: Adapter>(&self) -> ClientBuilder {
        A::builder(&self.connect).session_timeout(Duration::from_secs(10))
    }
}

/// Awaits `future` for at most `limit`; a scenario that would hang fails instead.
pub async fn within<T>(
    client: &Client,
    limit: Duration,
    what: &str,
    future: impl Future<Output = T>,
) -> T {
    match client.runtime().timeout(limit, future).await {
        Some(value) => value,
        None => panic!("timed out after {limit:?} waiting for {what}"),
    }
}

/// Polls `check` (which awaits server state) until it holds, for at most `limit`. For
/// conditions the server offers no event for, such as a container reaped by a periodic task.
pub async fn eventually<F, Fut>(client: &Client, limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = client.runtime().now() + limit;
    while !check().await {
        assert!(
            client.runtime().now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        client.runtime().sleep(Duration::from_millis(50)).await;
    }
}
