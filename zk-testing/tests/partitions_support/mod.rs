//! What the partition tests share: an ensemble in network namespaces, a tokio runtime for the
//! client under test, and waits on server modes and session states.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::thread;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use zk_client_tokio::{Client, SessionState, TokioRuntime};
use zk_testing::{Cluster, Error, Mode, Network};

/// Small ticks keep elections and session timeouts short: sessions may last 0.4 s to 4 s,
/// and a follower gives up on a silent leader after `syncLimit` (5) ticks, 1 s.
pub const TICK: Duration = Duration::from_millis(200);

/// A hang guard for anything awaited: far above what each step takes, so that a broken
/// build fails instead of hanging, never a claim about speed.
pub const PATIENCE: Duration = Duration::from_secs(40);

/// Fails the test, loudly, when the machine cannot make network namespaces: in CI (root)
/// they must work, so these tests never skip.
pub fn needs_netns<T>(result: Result<T, Error>) -> T {
    match result {
        Ok(value) => value,
        Err(e @ Error::NetnsUnavailable(_)) => panic!("this test cannot run here: {e}"),
        Err(e) => panic!("{e}"),
    }
}

/// A 3-node ensemble, each node in a namespace of its own.
pub fn ensemble() -> Cluster {
    needs_netns(
        Cluster::builder()
            .size(3)
            .tick_time(TICK)
            .network_namespaces(true)
            .start(),
    )
}

/// The cluster's network.
pub fn net(cluster: &Cluster) -> &Network {
    cluster.network().expect("built with network namespaces")
}

/// The runtime the client under test runs on. The test itself runs on its own thread and
/// calls `block_on`, so its blocking waits (four-letter words) never stall the driver.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A client builder on `rt` for `connect_string`.
pub fn builder(rt: &Runtime, connect_string: &str) -> zk_client_tokio::ClientBuilder {
    zk_client_tokio::ClientBuilder::new(connect_string)
        .runtime(TokioRuntime::from_handle(rt.handle().clone()))
}

/// Runs `future` on `rt`, failing the test if it has not finished after [`PATIENCE`].
pub fn block_on<T>(rt: &Runtime, what: &str, future: impl Future<Output = T>) -> T {
    rt.block_on(async {
        match tokio::time::timeout(PATIENCE, future).await {
            Ok(value) => value,
            Err(_) => panic!("still waiting for {what} after {PATIENCE:?}"),
        }
    })
}

/// Polls `check` every 50 ms until it gives a value; fails the test after [`PATIENCE`]. For
/// server state that has no event to await (a node's `srvr` mode).
pub fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "still waiting for {what} after {PATIENCE:?}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until node `i`'s `srvr` says `mode` (`None`: not serving).
pub fn wait_mode(cluster: &Cluster, i: usize, mode: Option<Mode>) {
    wait_for(&format!("node {i} to be in mode {mode:?}"), || {
        (cluster.node(i).mode() == mode).then_some(())
    });
}

/// Awaits the next state change to `state`, skipping others; returns the session it names.
pub async fn next_state(
    states: &mut zk_client_tokio::StateStream,
    state: SessionState,
) -> Option<zk_client_tokio::SessionId> {
    loop {
        let change = states.next().await.expect("the client stopped");
        if change.state == state {
            return change.session_id;
        }
    }
}

/// The node the client is connected to.
pub fn connected_node(cluster: &Cluster, client: &Client) -> usize {
    let host = client.connected_host().expect("the client is connected");
    let address = format!("{}:{}", host.host, host.port);
    cluster
        .nodes()
        .iter()
        .position(|node| node.address() == address)
        .unwrap_or_else(|| panic!("{address} is none of the nodes"))
}
