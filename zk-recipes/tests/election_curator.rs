//! Curator's LeaderLatch protocol against a real server: participants and leader, twenty
//! contenders, time limits and cancel, and (on a server of its own) connection loss and session
//! expiry.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::waits::{children, soon, wait_children, wait_connected};
use support::{OwnServer, client_with};
use zk_recipes::{LeaderLatch, Participant, RecipeError, Sequence};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latch_participants_leader_and_limits() {
    let connect = support::chroot("latch-basic").await;
    let client = support::client(&connect).await;
    let a = LeaderLatch::new(&client, "/latch").with_identifier("a");
    let b = LeaderLatch::new(&client, "/latch").with_identifier("b");
    let leading = a.await_leadership(None).await.unwrap();
    let name = leading.path().rsplit('/').next().unwrap();
    assert!(
        name.starts_with("_c_") && name.contains("-latch-"),
        "{name}"
    );
    assert!(Sequence::after(name, "latch-").is_some());
    assert!(b.try_leadership().await.unwrap().is_none());
    let task = tokio::spawn({
        let b = b.clone();
        async move { b.await_leadership(None).await }
    });
    wait_children(&client, "/latch", "b's node", |c| c.len() == 2).await;
    assert_eq!(
        b.participants().await.unwrap(),
        [
            Participant {
                id: "a".into(),
                is_leader: true
            },
            Participant {
                id: "b".into(),
                is_leader: false
            }
        ]
    );
    assert_eq!(b.leader().await.unwrap().unwrap().id, "a");

    let c = LeaderLatch::new(&client, "/latch").with_identifier("c");
    let result = c.await_leadership(Some(Duration::from_millis(60))).await;
    assert!(matches!(result, Err(RecipeError::Timeout)), "{result:?}");
    let pending = tokio::spawn({
        let c = c.clone();
        async move { c.await_leadership(None).await }
    });
    wait_children(&client, "/latch", "c's node", |n| n.len() == 3).await;
    c.cancel();
    let result = soon("c withdraws", pending).await.unwrap();
    assert!(matches!(result, Err(RecipeError::Cancelled)), "{result:?}");
    assert_eq!(children(&client, "/latch").await.len(), 2);

    let token = leading.fencing_token();
    leading.release().await.unwrap(); // Curator's close()
    let next = soon("b leads", task).await.unwrap().unwrap();
    assert!(next.fencing_token() > token);
    assert_eq!(a.leader().await.unwrap().unwrap().id, "b");
    next.release().await.unwrap();
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_latch_participants_lead_in_turn() {
    let connect = support::chroot("latch-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let leading = Arc::new(AtomicUsize::new(0));
    let led = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let latch = LeaderLatch::new(&clients[i % 4], "/many").with_identifier(&format!("p{i}"));
        let (leading, led) = (leading.clone(), led.clone());
        tasks.push(tokio::spawn(async move {
            let leadership = latch.await_leadership(None).await.unwrap();
            assert_eq!(leading.fetch_add(1, Ordering::SeqCst), 0, "two leaders");
            tokio::task::yield_now().await;
            leading.fetch_sub(1, Ordering::SeqCst);
            led.fetch_add(1, Ordering::SeqCst);
            leadership.release().await.unwrap();
        }));
    }
    for task in tasks {
        soon("every participant", task).await.unwrap();
    }
    assert_eq!(led.load(Ordering::SeqCst), 20);
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latch_under_faults() {
    let server = OwnServer::start("latch-faults").await;
    let a = client_with(&server.proxied, Duration::from_secs(10)).await;
    let b = client_with(&server.direct, Duration::from_secs(10)).await;
    // Connection loss while waiting for leadership: still one node, still leads later.
    let leader_b = LeaderLatch::new(&b, "/l")
        .with_identifier("b")
        .await_leadership(None)
        .await
        .unwrap();
    let latch_a = LeaderLatch::new(&a, "/l").with_identifier("a");
    let task = tokio::spawn({
        let latch_a = latch_a.clone();
        async move { latch_a.await_leadership(None).await }
    });
    tokio::time::sleep(Duration::from_micros(800)).await; // fault timing
    server.cut_all();
    server.restore_all();
    wait_connected(&a).await;
    wait_children(&b, "/l", "a's node", |c| c.len() == 2).await;
    leader_b.release().await.unwrap();
    let leader_a = soon("a leads", task).await.unwrap().unwrap();
    assert_eq!(children(&b, "/l").await.len(), 1);

    // Session expiry while leading: lost, and the next leader's token is greater.
    let waiting = tokio::spawn({
        let latch_b = LeaderLatch::new(&b, "/l").with_identifier("b");
        async move { latch_b.await_leadership(None).await }
    });
    wait_children(&b, "/l", "b waiting", |c| c.len() == 2).await;
    server.expire(&a);
    soon("the loss", leader_a.lost()).await;
    assert!(leader_a.is_lost());
    let next = soon("b leads", waiting).await.unwrap().unwrap();
    assert!(next.fencing_token() > leader_a.fencing_token());
    assert_eq!(latch_a.leader().await.unwrap().unwrap().id, "b");
    next.release().await.unwrap();
    a.close().await;
    b.close().await;
}
