//! kazoo's Election against a real server: one leader at a time, contenders, cancel, time
//! limits, and (on a server of its own) connection loss and session expiry.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::waits::{children, soon, wait_children, wait_connected};
use support::{OwnServer, client_with};
use zk_recipes::{Election, RecipeError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_contenders_lead_one_at_a_time() {
    let connect = support::chroot("election-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let leading = Arc::new(AtomicUsize::new(0));
    let led = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let election = Election::new(&clients[i % 4], "/e").with_identifier(&format!("c{i}"));
        let (leading, led) = (leading.clone(), led.clone());
        tasks.push(tokio::spawn(async move {
            election
                .run_with(|token| async move {
                    assert_eq!(leading.fetch_add(1, Ordering::SeqCst), 0, "two leaders");
                    tokio::task::yield_now().await;
                    leading.fetch_sub(1, Ordering::SeqCst);
                    led.fetch_add(1, Ordering::SeqCst);
                    token
                })
                .await
                .unwrap()
        }));
    }
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(soon("every contender leads", task).await.unwrap());
    }
    assert_eq!(led.load(Ordering::SeqCst), 20);
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 20, "every leadership has its own token");
    assert!(children(&clients[0], "/e").await.is_empty());
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contenders_leader_cancel_and_time_limits() {
    let connect = support::chroot("election-basic").await;
    let client = support::client(&connect).await;
    let a = Election::new(&client, "/lead").with_identifier("a");
    let b = Election::new(&client, "/lead").with_identifier("b");
    let c = Election::new(&client, "/lead").with_identifier("c");
    assert_eq!(a.leader().await.unwrap(), None);
    let leadership = a.lead(None).await.unwrap();
    let task_b = tokio::spawn({
        let b = b.clone();
        async move { b.run(async { "b led" }).await }
    });
    wait_children(&client, "/lead", "b's node", |n| n.len() == 2).await;
    let task_c = tokio::spawn({
        let c = c.clone();
        async move { c.run(async { "c led" }).await }
    });
    wait_children(&client, "/lead", "c's node", |n| n.len() == 3).await;
    assert_eq!(c.contenders().await.unwrap(), ["a", "b", "c"]);
    assert_eq!(b.leader().await.unwrap().as_deref(), Some("a"));

    b.cancel();
    let result = soon("b withdraws", task_b).await.unwrap();
    assert!(matches!(result, Err(RecipeError::Cancelled)), "{result:?}");
    assert_eq!(a.contenders().await.unwrap(), ["a", "c"]);

    let timed = Election::new(&client, "/lead").with_identifier("t");
    let result = timed.lead(Some(Duration::from_millis(80))).await;
    assert!(matches!(result, Err(RecipeError::Timeout)), "{result:?}");
    let _ = tokio::time::timeout(Duration::from_millis(5), timed.lead(None)).await;
    wait_children(&client, "/lead", "the dropped contender's clean-up", |n| {
        n.len() == 2
    })
    .await;

    leadership.release().await.unwrap();
    assert_eq!(soon("c leads", task_c).await.unwrap().unwrap(), "c led");
    assert!(children(&client, "/lead").await.is_empty());
    client.close().await;
}

/// A connection loss does not end leadership (the session survives); a session expiry stops
/// the leader's work at once, and the next leader has a greater token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leadership_survives_a_cut_but_not_an_expiry() {
    let server = OwnServer::start("election-faults").await;
    let a = client_with(&server.proxied, Duration::from_secs(10)).await;
    let b = client_with(&server.direct, Duration::from_secs(10)).await;
    let (token_tx, token_rx) = support::waits::oneshot();
    let election_a = Election::new(&a, "/el").with_identifier("a");
    let leader_a = tokio::spawn(async move {
        election_a
            .run_with(|token| async move {
                let _ = token_tx.send(token);
                std::future::pending::<()>().await
            })
            .await
    });
    let token_a = soon("a leads", token_rx).await.unwrap();
    let election_b = Election::new(&b, "/el").with_identifier("b");
    let follower = tokio::spawn({
        let election_b = election_b.clone();
        async move { election_b.run_with(|token| async move { token }).await }
    });
    wait_children(&b, "/el", "b's node", |n| n.len() == 2).await;

    server.cut_all();
    server.restore_all();
    wait_connected(&a).await;
    assert_eq!(election_b.leader().await.unwrap().as_deref(), Some("a"));
    assert!(
        !leader_a.is_finished(),
        "a connection loss is not a lost leadership"
    );

    server.expire(&a);
    let result = soon("a's work stops", leader_a).await.unwrap();
    assert!(
        matches!(result, Err(RecipeError::SessionLost)),
        "{result:?}"
    );
    let token_b = soon("b leads", follower).await.unwrap().unwrap();
    assert!(token_b > token_a);
    a.close().await;
    b.close().await;
}
