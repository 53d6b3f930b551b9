//! Helpers for the lock, semaphore, election, lease and partitioner tests: a server of the
//! test's own behind a fault proxy, event-driven waits on children and states, and real
//! session expiry.
//!
//! Declare it next to `support` in a test file:
//!
//! ```ignore
//! mod support;
//! #[path = "support/group_a.rs"]
//! mod group_a;
//! ```

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::time::Duration;

use zk_client::{Client, SessionState};
use zk_testing::Cluster;

/// Generous limit for anything that should happen quickly.
pub const WAIT: Duration = Duration::from_secs(20);

/// A standalone server of the test's own (so it may be cut and expire sessions without
/// disturbing other tests), with a fresh chroot.
pub struct Faulty {
    pub cluster: Cluster,
    /// Through the fault proxy, with the chroot.
    pub proxied: String,
    /// Straight to the server, with the chroot.
    pub direct: String,
}

impl Faulty {
    /// Starts the server (on a blocking thread) and creates the chroot.
    pub async fn start(name: &str) -> Faulty {
        let cluster = tokio::task::spawn_blocking(|| Cluster::builder().start())
            .await
            .expect("join")
            .expect("start a ZooKeeper server");
        let chroot = zk_testing::unique_chroot(name);
        let root = zk_client_tokio::connect(&cluster.connect_string())
            .await
            .expect("connect");
        root.ensure_path(&chroot).await.expect("create the chroot");
        root.close().await;
        Faulty {
            proxied: format!("{}{chroot}", cluster.proxied_connect_string()),
            direct: cluster.connect_string_with_chroot(&chroot),
            cluster,
        }
    }

    /// Expires `client`'s session for real while its connection is cut, then lets it
    /// reconnect (it learns of the expiry and opens a new session).
    pub fn expire(&self, client: &Client) {
        let id = client.session_id().expect("a session");
        let password = client.session_password().expect("a password");
        self.cluster.cut_all();
        self.cluster
            .expire_session(id.0, &password)
            .expect("the server expires the session");
        self.cluster.restore_all();
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

/// The children of `dir`, sorted (empty if `dir` does not exist).
pub async fn children(client: &Client, dir: &str) -> Vec<String> {
    match client.get_children(dir).await {
        Ok(mut children) => {
            children.sort();
            children
        }
        Err(zk_client::Error::NoNode) => Vec::new(),
        Err(e) => panic!("get_children({dir}): {e}"),
    }
}

/// Waits, watch by watch, until the children of `dir` satisfy `done`; returns them.
pub async fn wait_children(
    client: &Client,
    dir: &str,
    what: &str,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let wait = async {
        loop {
            let (mut children, _, watch) = client
                .get_children_watched(dir)
                .await
                .unwrap_or_else(|e| panic!("get_children_watched({dir}): {e}"));
            children.sort();
            if done(&children) {
                return children;
            }
            let _ = watch.await;
        }
    };
    match tokio::time::timeout(WAIT, wait).await {
        Ok(children) => children,
        Err(_) => panic!(
            "timed out waiting for {what}; children of {dir} now: {:?}",
            children(client, dir).await
        ),
    }
}

/// Waits until `client` is connected with a session.
pub async fn wait_connected(client: &Client) {
    client
        .wait_connected(WAIT)
        .await
        .expect("the client reconnects");
}

/// Waits until the client's state satisfies `done`, change by change.
pub async fn wait_state(client: &Client, what: &str, done: impl Fn(SessionState) -> bool) {
    let mut changes = client.state_changes();
    let wait = async {
        while !done(client.state()) {
            if changes.next().await.is_none() {
                break;
            }
        }
    };
    if tokio::time::timeout(WAIT, wait).await.is_err() {
        panic!("timed out waiting for {what}; state {:?}", client.state());
    }
}

/// Awaits `future` for at most [`WAIT`].
pub async fn soon<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

/// Whether `future` is still pending after being polled for `time` (used to show that a
/// contender keeps waiting; the time is a lower bound, not a synchronisation).
pub async fn still_pending<F: Future + Unpin>(future: &mut F, time: Duration) -> bool {
    tokio::time::timeout(time, future).await.is_err()
}

/// A one-shot channel without tokio's `sync` feature: the receiving side is a future (a
/// blocking receive on tokio's blocking pool).
pub fn oneshot<T: Send + 'static>() -> (
    std::sync::mpsc::Sender<T>,
    impl Future<Output = Option<T>> + Send,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let received = async move {
        tokio::task::spawn_blocking(move || rx.recv().ok())
            .await
            .expect("join")
    };
    (tx, received)
}
