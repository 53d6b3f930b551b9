//! Helpers for the queue, barrier, counter, party, watcher and cache tests: waits on session
//! states, and a count of the watches the server holds for a session (the server of the
//! test's own is in `support`).
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

// Re-exported so a test takes all it needs from its group; not every test uses each.
#[allow(unused_imports)]
pub use crate::support::{OwnServer, WAIT, client_with};

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
