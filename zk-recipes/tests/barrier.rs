//! Barrier and DoubleBarrier against a real server: kazoo's protocol, twenty members entering
//! and leaving together, timeouts and cancellation that remove the member's node, and a
//! session expiry while entering.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::watches::until_unwatched;
use support::within;
use support::{OwnServer, WAIT, client_with};
use zk_client::Client;
use zk_recipes::{Barrier, ChildrenWatch, DoubleBarrier, RecipeError};

/// Waits (on a children watch) until `path` has exactly `count` children.
async fn until_children(client: &Client, path: &str, count: usize) {
    let mut watch = ChildrenWatch::new(client, path);
    within(WAIT, "the children count", async {
        while let Some(update) = watch.next().await {
            if update.unwrap().children.len() == count {
                return;
            }
        }
        panic!("the watch ended");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barrier_holds_until_removed() {
    let connect = support::chroot("barrier").await;
    let client = support::client(&connect).await;
    let barrier = Barrier::new(&client, "/gate");
    barrier
        .wait(Some(WAIT))
        .await
        .expect("not up: passes at once");
    barrier.create().await.unwrap();
    barrier.create().await.unwrap();
    assert_eq!(
        barrier.wait(Some(Duration::from_millis(50))).await,
        Err(RecipeError::Timeout),
        "up: times out"
    );
    until_unwatched(&client, "/gate").await;
    // A data change of the node does not lose the waiter (kazoo's would hang).
    let waiter = {
        let barrier = barrier.clone();
        tokio::spawn(async move { barrier.wait(None).await })
    };
    client.set_data("/gate", "still up", None).await.unwrap();
    assert!(barrier.remove().await.unwrap());
    within(WAIT, "the waiter", waiter).await.unwrap().unwrap();
    assert!(!barrier.remove().await.unwrap(), "already down");
    client.close().await;
}

/// Twenty members on four sessions: nobody gets through `enter` before all twenty have
/// entered, and nobody gets through `leave` before all have left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_members_enter_and_leave_together() {
    let connect = support::chroot("double-barrier").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let entering = Arc::new(AtomicUsize::new(0));
    let leaving = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = clients[i % clients.len()].clone();
        let (entering, leaving) = (entering.clone(), leaving.clone());
        tasks.push(tokio::spawn(async move {
            let mut barrier =
                DoubleBarrier::new(&client, "/round", 20).with_identifier(&format!("m{i}"));
            entering.fetch_add(1, Ordering::SeqCst);
            barrier.enter(Some(WAIT)).await.unwrap();
            assert_eq!(entering.load(Ordering::SeqCst), 20, "entered early");
            assert!(barrier.participating());
            leaving.fetch_add(1, Ordering::SeqCst);
            barrier.leave(Some(WAIT)).await.unwrap();
            assert_eq!(leaving.load(Ordering::SeqCst), 20, "left early");
            let members = client.get_children("/round").await.unwrap();
            assert!(
                members.iter().all(|m| m == "ready"),
                "members still there after leave: {members:?}"
            );
            barrier.participating()
        }));
    }
    for task in tasks {
        assert!(!within(WAIT, "a member", task).await.unwrap());
    }
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_barrier_follows_kazoos_nodes_and_cleans_up_after_timeouts() {
    let connect = support::chroot("double-barrier-timeout").await;
    let client = support::client(&connect).await;
    let mut lonely = DoubleBarrier::new(&client, "/round", 3).with_identifier("lonely");
    // A member is an ephemeral uuid node holding its identifier.
    let entering = {
        let node = format!("/round/{}", lonely.node_name());
        let client = client.clone();
        async move {
            let mut watch = zk_recipes::DataWatch::new(&client, &node);
            loop {
                let update = watch.next().await.unwrap().unwrap();
                if let (Some(data), Some(stat)) = (update.data, update.stat) {
                    return (data, stat.ephemeral_owner);
                }
            }
        }
    };
    let (entered, (data, owner)) =
        tokio::join!(lonely.enter(Some(Duration::from_millis(300))), entering);
    assert_eq!(data.as_ref(), b"lonely");
    assert_eq!(owner, client.session_id().unwrap().get());
    assert!(matches!(entered, Err(RecipeError::Timeout)), "{entered:?}");
    assert!(!lonely.participating());
    until_children(&client, "/round", 0).await;

    // Cancelled: the node goes too.
    let mut cancelled = DoubleBarrier::new(&client, "/round", 3);
    let task = tokio::spawn(async move { cancelled.enter(None).await });
    // (`/round` exists: the first member created it.)
    until_children(&client, "/round", 1).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    until_children(&client, "/round", 0).await;

    // The default identifier is kazoo's: host and pid.
    let default = DoubleBarrier::new(&client, "/round", 1);
    let mut default = default;
    default.enter(Some(WAIT)).await.unwrap();
    let (data, _) = client
        .get_data(&format!("/round/{}", default.node_name()))
        .await
        .unwrap();
    assert!(
        String::from_utf8_lossy(&data).ends_with(&format!("-{}", std::process::id())),
        "{data:?}"
    );
    assert!(client.exists("/round/ready").await.unwrap().is_some());
    default.leave(Some(WAIT)).await.unwrap();
    assert!(client.get_children("/round").await.unwrap().is_empty());
    client.close().await;
}

/// A member whose session expires while it waits to enter becomes a member again on its new
/// session, and the barrier opens when the last member arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entering_survives_a_session_expiry() {
    let server = OwnServer::start("barrier-expiry").await;
    let steady = client_with(&server.direct, Duration::from_secs(10)).await;
    let flaky = client_with(&server.proxied, Duration::from_secs(10)).await;
    steady.ensure_path("/round").await.unwrap();
    let mut first = DoubleBarrier::new(&flaky, "/round", 2).with_identifier("first");
    let waiting = tokio::spawn(async move {
        first.enter(Some(WAIT)).await.unwrap();
        first
    });
    until_children(&steady, "/round", 1).await;
    server.cut_and_expire(&flaky);
    until_children(&steady, "/round", 0).await;
    server.restore();
    // Back as a member on the new session.
    until_children(&steady, "/round", 1).await;
    let mut second = DoubleBarrier::new(&steady, "/round", 2).with_identifier("second");
    second.enter(Some(WAIT)).await.unwrap();
    let mut first = within(WAIT, "the first member", waiting).await.unwrap();
    assert!(first.participating());
    let (a, b) = tokio::join!(first.leave(Some(WAIT)), second.leave(Some(WAIT)));
    a.unwrap();
    b.unwrap();
    assert!(steady.get_children("/round").await.unwrap().is_empty());
    steady.close().await;
    flaky.close().await;
}
