//! Event-driven waits for the recipe tests: on children, on session states, on futures.

use std::future::Future;
use std::time::Duration;

use zk_client::{Client, SessionState, StateStream};

use super::WAIT;

/// The children of `dir`, sorted (empty if `dir` does not exist).
pub async fn children(client: &Client, dir: &str) -> Vec<String> {
    match client.get_children(dir).await {
        Ok(mut children) => {
            children.sort();
            children
        }
        Err(zk_client::Error::Server(zk_client::ErrorCode::NoNode)) => Vec::new(),
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

/// Waits (on the state stream) until the client reports `state`.
pub async fn wait_for_state(changes: &mut StateStream, state: SessionState) {
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
