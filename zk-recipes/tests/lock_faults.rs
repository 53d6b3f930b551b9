//! Locks under faults, each test on a server of its own behind a fault proxy: connection
//! losses in the middle of an acquisition, and real session expiry while holding and while
//! waiting.

mod support;

use std::time::Duration;

use support::waits::{children, soon, wait_children, wait_connected};
use support::{OwnServer, client_with};
use zk_recipes::{Lock, RecipeError};

const SESSION: Duration = Duration::from_secs(10);

/// Cuts the contender's connection at different points of its acquisition (before the create
/// is sent, around its reply, while waiting): it must never own two nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_loss_during_acquire_leaves_one_node() {
    let server = OwnServer::start("lock-cut").await;
    let holder = client_with(&server.direct, SESSION).await;
    let contender = client_with(&server.proxied, SESSION).await;
    let holder_lock = Lock::new(&holder, "/cut").with_identifier("holder");
    for delay_us in [0u64, 200, 500, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000] {
        let held = holder_lock.acquire(None).await.unwrap();
        let lock = Lock::new(&contender, "/cut").with_identifier("contender");
        let task = tokio::spawn(async move { lock.acquire(None).await });
        // Fault timing, not synchronisation: cut at a different point each round.
        tokio::time::sleep(Duration::from_micros(delay_us)).await;
        server.cut_all();
        server.restore_all();
        wait_connected(&contender).await;
        wait_children(&holder, "/cut", "the contender's node", |c| c.len() >= 2).await;
        held.release().await.unwrap();
        let guard = soon("the contender acquires", task).await.unwrap().unwrap();
        let own = guard.path().rsplit('/').next().unwrap().to_owned();
        assert_eq!(
            children(&holder, "/cut").await,
            [own],
            "round {delay_us} µs: the contender owns exactly one node"
        );
        guard.release().await.unwrap();
    }
    holder.close().await;
    contender.close().await;
}

/// The holder's session expires: its guard reports the loss (both signals), a waiting
/// contender takes over with a greater fencing token, and releasing the lost guard says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_expiry_while_holding_is_reported_and_fenced() {
    let server = OwnServer::start("lock-expire").await;
    let a = client_with(&server.proxied, SESSION).await;
    let b = client_with(&server.direct, SESSION).await;
    let lock_a = Lock::new(&a, "/x").with_identifier("a");
    let held = lock_a.acquire(None).await.unwrap();
    let token_a = held.fencing_token();
    assert_eq!(held.session(), a.session_id().unwrap());
    let lock_b = Lock::new(&b, "/x").with_identifier("b");
    let waiting = tokio::spawn(async move { lock_b.acquire(None).await });
    wait_children(&b, "/x", "b's node", |c| c.len() == 2).await;

    server.expire(&a);
    soon("the loss", held.lost()).await;
    assert!(held.is_lost());
    let taken = soon("b takes over", waiting).await.unwrap().unwrap();
    assert!(
        taken.fencing_token() > token_a,
        "{:?} > {token_a:?}",
        taken.fencing_token()
    );
    assert!(matches!(
        held.release().await,
        Err(RecipeError::SessionLost)
    ));

    // The same Lock works again on the new session.
    wait_connected(&a).await;
    let mut again = Box::pin(lock_a.acquire(None));
    assert!(support::waits::still_pending(&mut again, Duration::from_millis(50)).await);
    taken.release().await.unwrap();
    let again = soon("a again", again).await.unwrap();
    assert_eq!(again.session(), a.session_id().unwrap());
    assert!(again.fencing_token() > token_a);
    again.release().await.unwrap();
    a.close().await;
    b.close().await;
}

/// The session of a waiting contender expires: its node is gone, so it starts over with a
/// node of its new session and still gets the lock, owning one node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_expiry_while_waiting_starts_over() {
    let server = OwnServer::start("lock-expire-wait").await;
    let holder = client_with(&server.direct, SESSION).await;
    let waiter = client_with(&server.proxied, SESSION).await;
    let held = Lock::new(&holder, "/w").acquire(None).await.unwrap();
    let lock = Lock::new(&waiter, "/w").with_identifier("waiter");
    let task = tokio::spawn(async move { lock.acquire(None).await });
    let before = wait_children(&holder, "/w", "the waiter's node", |c| c.len() == 2).await;
    let old_session = waiter.session_id().unwrap();

    server.expire(&waiter);
    wait_connected(&waiter).await;
    // The new node replaces the old one.
    wait_children(&holder, "/w", "the waiter's new node", |c| {
        c.len() == 2 && c != before.as_slice()
    })
    .await;
    held.release().await.unwrap();
    let guard = soon("the waiter acquires", task).await.unwrap().unwrap();
    assert_ne!(guard.session(), old_session);
    assert_eq!(guard.session(), waiter.session_id().unwrap());
    assert_eq!(children(&holder, "/w").await.len(), 1);
    guard.release().await.unwrap();
    holder.close().await;
    waiter.close().await;
}

/// A partition longer than the session timeout: the client itself declares the session lost
/// while the network is still down; the guard says so right then, not only once a new session
/// is connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_longer_than_the_session_is_a_loss() {
    let server = OwnServer::start("lock-partition").await;
    let client = client_with(&server.proxied, Duration::from_secs(2)).await;
    let held = Lock::new(&client, "/p").acquire(None).await.unwrap();
    assert!(!held.is_lost());
    server.blackhole_all();
    soon("the loss during the partition", held.lost()).await;
    assert!(held.is_lost());
    assert!(!client.state().is_connected(), "still partitioned");
    server.restore_all();
    wait_connected(&client).await;
    assert!(matches!(
        held.release().await,
        Err(RecipeError::SessionLost)
    ));
    client.close().await;
}
