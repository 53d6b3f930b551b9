//! kazoo's Semaphore against a real server: the lease count, holders, the max-leases check,
//! time limits, cancellation and dropped futures.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::waits::{children, soon, wait_children};
use zk_client::{Error, ErrorCode, WatcherType};
use zk_recipes::{RecipeError, Semaphore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_tasks_share_three_leases() {
    let connect = support::chroot("sem-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    // The three leases are held together (the sharing, shown without depending on how the
    // racers below are scheduled)...
    let mut first = Vec::new();
    for (i, client) in clients.iter().take(3).enumerate() {
        let sem = Semaphore::new(client, "/pool", 3).with_identifier(&format!("first-{i}"));
        first.push(soon("a free lease", sem.acquire(None)).await.unwrap());
    }
    let full = Semaphore::new(&clients[3], "/pool", 3);
    assert!(
        full.try_acquire().await.unwrap().is_none(),
        "no fourth lease"
    );
    assert_eq!(children(&clients[3], "/pool").await.len(), 3);

    // ... and twenty racers never hold more than three at once.
    let inside = Arc::new(AtomicUsize::new(0));
    let acquired = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let sem = Semaphore::new(&clients[i % 4], "/pool", 3).with_identifier(&format!("t{i}"));
        let (inside, acquired) = (inside.clone(), acquired.clone());
        tasks.push(tokio::spawn(async move {
            let lease = sem.acquire(None).await.unwrap();
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(now <= 3, "{now} holders of 3 leases");
            tokio::task::yield_now().await;
            inside.fetch_sub(1, Ordering::SeqCst);
            acquired.fetch_add(1, Ordering::SeqCst);
            lease.release().await.unwrap();
        }));
    }
    // One racer waits under the serializing lock for the pool to change.
    wait_children(
        &clients[0],
        "/pool-__lock__",
        "a racer under the lock",
        |c| !c.is_empty(),
    )
    .await;
    assert_eq!(acquired.load(Ordering::SeqCst), 0, "the pool is full");
    for lease in first {
        lease.release().await.unwrap();
    }
    for task in tasks {
        soon("every lease", task).await.unwrap();
    }
    assert_eq!(acquired.load(Ordering::SeqCst), 20);
    let client = &clients[0];
    assert_eq!(client.get_data("/pool").await.unwrap().0.as_ref(), b"3");
    assert!(children(client, "/pool").await.is_empty());
    assert!(children(client, "/pool-__lock__").await.is_empty());
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holders_try_acquire_and_the_max_leases_check() {
    let connect = support::chroot("sem-basic").await;
    let client = support::client(&connect).await;
    let a = Semaphore::new(&client, "/s", 2).with_identifier("a");
    let b = Semaphore::new(&client, "/s", 2).with_identifier("b");
    let c = Semaphore::new(&client, "/s", 2).with_identifier("c");
    assert!(a.lease_holders().await.unwrap().is_empty());
    let lease_a = a.acquire(None).await.unwrap();
    let lease_b = b.try_acquire().await.unwrap().expect("a free lease");
    let name = lease_a.path().rsplit('/').next().unwrap();
    assert_eq!(name.len(), 32, "a uuid4 hex lease node: {name}");
    let mut holders = c.lease_holders().await.unwrap();
    holders.sort();
    assert_eq!(holders, ["a", "b"]);
    assert!(lease_b.fencing_token() > lease_a.fencing_token());
    assert!(c.try_acquire().await.unwrap().is_none());
    assert_eq!(children(&client, "/s").await.len(), 2);
    assert!(children(&client, "/s-__lock__").await.is_empty());

    let wrong = Semaphore::new(&client, "/s", 3);
    let result = wrong.acquire(None).await;
    assert!(
        matches!(&result, Err(RecipeError::Inconsistent(m)) if m.contains("Inconsistent max leases: 2, expected: 3")),
        "{result:?}"
    );
    // Non-numeric data is ignored, as in kazoo.
    client.create("/other", "not a number").await.unwrap();
    let other = Semaphore::new(&client, "/other", 1);
    other.acquire(None).await.unwrap().release().await.unwrap();

    lease_a.release().await.unwrap();
    let lease_c = soon("c's lease", c.acquire(None)).await.unwrap();
    lease_c.release().await.unwrap();
    lease_b.release().await.unwrap();
    assert!(children(&client, "/s").await.is_empty());
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_cancels_and_drops_leave_no_nodes() {
    let connect = support::chroot("sem-timeout").await;
    let a = support::client(&connect).await;
    let b = support::client(&connect).await;
    let held = Semaphore::new(&a, "/one", 1).acquire(None).await.unwrap();
    let holder = held.path().rsplit('/').next().unwrap().to_owned();
    let sem = Semaphore::new(&b, "/one", 1);
    for _ in 0..3 {
        let result = sem.acquire(Some(Duration::from_millis(80))).await;
        assert!(matches!(result, Err(RecipeError::Timeout)), "{result:?}");
        assert_eq!(children(&b, "/one").await, [holder.as_str()]);
        assert!(children(&b, "/one-__lock__").await.is_empty());
    }
    // The pool watch of the timed-out attempts is gone from the server too (kazoo #175).
    assert_eq!(
        b.check_watches("/one", WatcherType::Any).await,
        Err(Error::Server(ErrorCode::NoWatcher))
    );
    for delay_ms in [0u64, 1, 2, 4, 8, 30] {
        let _ = tokio::time::timeout(Duration::from_millis(delay_ms), sem.acquire(None)).await;
        wait_children(&a, "/one-__lock__", "the dropped lock node to go", |c| {
            c.is_empty()
        })
        .await;
        assert_eq!(children(&a, "/one").await, [holder.as_str()]);
    }
    let task = tokio::spawn({
        let sem = sem.clone();
        async move { sem.acquire(None).await }
    });
    wait_children(&a, "/one-__lock__", "the waiting lock node", |c| {
        c.len() == 1
    })
    .await;
    sem.cancel();
    let result = soon("the cancelled acquire", task).await.unwrap();
    assert!(matches!(result, Err(RecipeError::Cancelled)), "{result:?}");
    assert!(children(&a, "/one-__lock__").await.is_empty());
    held.release().await.unwrap();
    a.close().await;
    b.close().await;
}
