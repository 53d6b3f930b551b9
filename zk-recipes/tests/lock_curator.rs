//! Curator's InterProcessMutex protocol against a real server: node names, exclusion among
//! twenty tasks, time limits and dropped futures, and (on a server of its own) connection
//! loss during an acquisition and session expiry while holding.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::waits::{children, soon, wait_children, wait_connected};
use support::{OwnServer, client_with};
use zk_recipes::{InterProcessMutex, Lock, RecipeError, Sequence};

/// `_c_` + a dashed uuid + `-lock-` + ten digits.
fn is_curator_lock_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("_c_") else {
        return false;
    };
    rest.len() == 36 + "-lock-".len() + 10
        && rest[36..].starts_with("-lock-")
        && rest[..36].bytes().filter(|b| *b == b'-').count() == 4
        && Sequence::after(name, "lock-").is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutex_uses_curators_names_and_excludes() {
    let connect = support::chroot("curator-mutex").await;
    let a = support::client(&connect).await;
    let b = support::client(&connect).await;
    let mutex_a = InterProcessMutex::new(&a, "/cm/lock").with_identifier("10.0.0.1");
    let mutex_b = InterProcessMutex::new(&b, "/cm/lock");
    let held = mutex_a.acquire(None).await.unwrap();
    let name = held.path().rsplit('/').next().unwrap();
    assert!(is_curator_lock_name(name), "{name}");
    assert_eq!(
        a.get_data(held.path()).await.unwrap().0.as_ref(),
        b"10.0.0.1"
    );
    assert!(mutex_b.try_acquire().await.unwrap().is_none());

    let task = tokio::spawn({
        let mutex_b = mutex_b.clone();
        async move { mutex_b.acquire(None).await }
    });
    wait_children(&a, "/cm/lock", "b's node", |c| c.len() == 2).await;
    let nodes = mutex_a.participant_nodes().await.unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0], held.path(), "the holder first");
    // A kazoo lock told about Curator's names waits for them too (extra_lock_patterns).
    let kazoo_style = Lock::new(&a, "/cm/lock").with_extra_lock_patterns(["-lock-"]);
    assert!(kazoo_style.try_acquire().await.unwrap().is_none());

    let result = mutex_b.acquire(Some(Duration::from_millis(60))).await;
    assert!(matches!(result, Err(RecipeError::Timeout)), "{result:?}");
    let _ = tokio::time::timeout(Duration::from_millis(3), mutex_b.acquire(None)).await;
    wait_children(&a, "/cm/lock", "the dropped contender's clean-up", |c| {
        c.len() == 2
    })
    .await;

    let token = held.fencing_token();
    held.release().await.unwrap();
    let second = soon("b acquires", task).await.unwrap().unwrap();
    assert!(second.fencing_token() > token);
    second.release().await.unwrap();
    assert!(children(&a, "/cm/lock").await.is_empty());
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_tasks_share_a_curator_mutex() {
    let connect = support::chroot("curator-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let inside = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let mutex = InterProcessMutex::new(&clients[i % 4], "/many");
        let (inside, done) = (inside.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let guard = mutex.acquire(None).await.unwrap();
            assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
            tokio::task::yield_now().await;
            inside.fetch_sub(1, Ordering::SeqCst);
            done.fetch_add(1, Ordering::SeqCst);
            guard.release().await.unwrap();
        }));
    }
    for task in tasks {
        soon("every task", task).await.unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), 20);
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_mutex_under_faults() {
    let server = OwnServer::start("curator-faults").await;
    let holder = client_with(&server.direct, Duration::from_secs(10)).await;
    let contender = client_with(&server.proxied, Duration::from_secs(10)).await;
    let holder_mutex = InterProcessMutex::new(&holder, "/f");
    // Connection losses at different points of an acquisition: one node per contender.
    for delay_us in [0u64, 500, 1500, 4000, 20_000] {
        let held = holder_mutex.acquire(None).await.unwrap();
        let mutex = InterProcessMutex::new(&contender, "/f");
        let task = tokio::spawn(async move { mutex.acquire(None).await });
        tokio::time::sleep(Duration::from_micros(delay_us)).await; // fault timing
        server.cut_all();
        server.restore_all();
        wait_connected(&contender).await;
        wait_children(&holder, "/f", "the contender's node", |c| c.len() >= 2).await;
        held.release().await.unwrap();
        let guard = soon("the contender", task).await.unwrap().unwrap();
        let own = guard.path().rsplit('/').next().unwrap().to_owned();
        assert_eq!(children(&holder, "/f").await, [own], "round {delay_us} µs");
        guard.release().await.unwrap();
    }
    // Session expiry while holding: lost, and the next holder's token is greater.
    let held = InterProcessMutex::new(&contender, "/f")
        .acquire(None)
        .await
        .unwrap();
    let waiting = tokio::spawn({
        let holder_mutex = holder_mutex.clone();
        async move { holder_mutex.acquire(None).await }
    });
    wait_children(&holder, "/f", "the waiter", |c| c.len() == 2).await;
    server.expire(&contender);
    soon("the loss", held.lost()).await;
    let next = soon("the waiter takes over", waiting)
        .await
        .unwrap()
        .unwrap();
    assert!(next.fencing_token() > held.fencing_token());
    assert!(matches!(
        held.release().await,
        Err(RecipeError::SessionLost)
    ));
    next.release().await.unwrap();
    holder.close().await;
    contender.close().await;
}
