//! Helpers for the queue, barrier, counter, party, watcher and cache tests: a server of the
//! test's own behind a fault proxy (for cuts and real session expiry), waits on session
//! states, and a count of the watches the server holds for a session.
//!
//! Declare it next to `support` in a test file:
//!
//! ```ignore
//! mod support;
//! #[path = "support/group_b.rs"]
//! mod group_b;
//! ```

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use zk_client::{Client, Error, SessionState, StateStream, WatcherType};
use zk_testing::Cluster;

/// Generous limit for anything that should happen quickly.
pub const WAIT: Duration = Duration::from_secs(20);

/// A standalone server of the test's own, with a fresh chroot.
pub struct OwnServer {
    pub cluster: Cluster,
    /// Through the fault proxy, with the chroot.
    pub proxied: String,
    /// Straight to the server, with the chroot.
    pub direct: String,
}

impl OwnServer {
    /// Starts the server (on a blocking thread) and creates the chroot.
    pub async fn start(name: &str) -> OwnServer {
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
        OwnServer {
            proxied: format!("{}{chroot}", cluster.proxied_connect_string()),
            direct: cluster.connect_string_with_chroot(&chroot),
            cluster,
        }
    }

    /// Expires `client`'s session for real while its connection is cut; the connection stays
    /// cut until [`restore`](OwnServer::restore), so the test can change things meanwhile.
    pub fn cut_and_expire(&self, client: &Client) {
        let id = client.session_id().expect("a session");
        let password = client.session_password().expect("a password");
        self.cluster.cut_all();
        self.cluster
            .expire_session(id.0, &password)
            .expect("the server expires the session");
    }

    /// Lets clients connect again.
    pub fn restore(&self) {
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

/// Waits (on the state stream) until the client reports `state`.
pub async fn wait_state(changes: &mut StateStream, state: SessionState) {
    let reached = tokio::time::timeout(WAIT, async {
        while let Some(change) = changes.next().await {
            if change.state == state {
                return;
            }
        }
        panic!("the client stopped before reaching {state:?}");
    })
    .await;
    assert!(reached.is_ok(), "no {state:?} within {WAIT:?}");
}

/// How many paths the server holds a data (or exists) watch on for `client`'s session: the
/// `wchc` four-letter word of the server behind `cluster`, which lists data watches only
/// (child watches are checked with `Client::check_watches`).
pub fn server_data_watches(cluster: &Cluster, client: &Client) -> usize {
    let session = format!("0x{:x}", client.session_id().expect("a session").0);
    let report = cluster.four_letter(0, "wchc").expect("wchc");
    let mut count = 0;
    let mut ours = false;
    for line in report.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(|c: char| c.is_whitespace()) {
            if ours {
                count += 1;
            }
        } else {
            ours = line.trim() == session;
        }
    }
    count
}

/// Waits until the server holds no watch of any kind on `path` for `client`'s connection.
/// Removal is asynchronous (a dropped watch sends RemoveWatches) and reports nothing, so this
/// asks again until it is so.
pub async fn until_unwatched(client: &Client, path: &str) {
    let gone = tokio::time::timeout(WAIT, async {
        loop {
            match client.check_watches(path, WatcherType::Any).await {
                Err(Error::NoWatcher) => return,
                Ok(()) => tokio::time::sleep(Duration::from_millis(10)).await,
                Err(other) => panic!("check_watches: {other}"),
            }
        }
    })
    .await;
    assert!(gone.is_ok(), "{path} is still watched after {WAIT:?}");
}
