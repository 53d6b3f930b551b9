//! kazoo's Lock, ReadLock and WriteLock against a real server: exclusion, contenders, the
//! #649 interleaving, time limits, cancellation and dropped futures, watch hygiene.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::waits::{children, soon, still_pending, wait_children};
use zk_client::{Error, ErrorCode, WatcherType};
use zk_recipes::{Lock, ReadLock, RecipeError, WriteLock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_excludes_reports_contenders_and_fences() {
    let connect = support::chroot("lock-basic").await;
    let a = support::client(&connect).await;
    let b = support::client(&connect).await;
    let lock_a = Lock::new(&a, "/locks/l").with_identifier("alice");
    let lock_b = Lock::new(&b, "/locks/l").with_identifier("bob");

    let held = lock_a.acquire(None).await.unwrap();
    let name = held.path().rsplit('/').next().unwrap().to_owned();
    assert!(name.contains("__lock__"), "{name}");
    assert_eq!(
        name.find("__lock__"),
        Some(32),
        "uuid4 hex then __lock__: {name}"
    );
    assert_eq!(a.get_data(held.path()).await.unwrap().0.as_ref(), b"alice");
    assert!(lock_b.try_acquire().await.unwrap().is_none());
    assert_eq!(
        children(&a, "/locks/l").await,
        [name.as_str()],
        "try_acquire cleaned up"
    );
    assert_eq!(lock_b.contenders().await.unwrap(), ["alice"]);

    let waiting = tokio::spawn(async move { lock_b.acquire(None).await });
    wait_children(&a, "/locks/l", "bob's node", |c| c.len() == 2).await;
    assert_eq!(lock_a.contenders().await.unwrap(), ["alice", "bob"]);
    let first_token = held.fencing_token();
    held.release().await.unwrap();
    let second = soon("bob acquires", waiting).await.unwrap().unwrap();
    assert!(second.fencing_token() > first_token);
    assert!(!second.is_lost());
    assert_eq!(lock_a.contenders().await.unwrap(), ["bob"]);
    second.release().await.unwrap();
    assert!(children(&a, "/locks/l").await.is_empty());
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_contenders_take_turns() {
    let connect = support::chroot("lock-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let inside = Arc::new(AtomicUsize::new(0));
    let acquired = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let lock = Lock::new(&clients[i % 4], "/many").with_identifier(&format!("task-{i}"));
        let inside = inside.clone();
        let acquired = acquired.clone();
        tasks.push(tokio::spawn(async move {
            let guard = lock.acquire(None).await.unwrap();
            assert_eq!(
                inside.fetch_add(1, Ordering::SeqCst),
                0,
                "two holders at once"
            );
            tokio::task::yield_now().await;
            assert_eq!(inside.fetch_sub(1, Ordering::SeqCst), 1);
            acquired.fetch_add(1, Ordering::SeqCst);
            guard.release().await.unwrap();
        }));
    }
    for task in tasks {
        soon("every contender", task).await.unwrap();
    }
    assert_eq!(acquired.load(Ordering::SeqCst), 20);
    assert!(children(&clients[0], "/many").await.is_empty());
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_leave_no_node_and_no_watch() {
    let connect = support::chroot("lock-timeout").await;
    let a = support::client(&connect).await;
    let b = support::client(&connect).await;
    let held = Lock::new(&a, "/t").acquire(None).await.unwrap();
    let lock_b = Lock::new(&b, "/t");
    for _ in 0..10 {
        let started = std::time::Instant::now();
        let result = lock_b.acquire(Some(Duration::from_millis(60))).await;
        assert!(matches!(result, Err(RecipeError::Timeout)), "{result:?}");
        assert!(started.elapsed() >= Duration::from_millis(60));
        // The node is gone when the call returns.
        assert_eq!(children(&b, "/t").await.len(), 1);
    }
    // kazoo #175: nothing stays registered on the server for the holder's node.
    assert_eq!(
        b.check_watches(held.path(), WatcherType::Any).await,
        Err(Error::Server(ErrorCode::NoWatcher))
    );
    held.release().await.unwrap();
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_or_cancelled_acquires_remove_their_node() {
    let connect = support::chroot("lock-drop").await;
    let a = support::client(&connect).await;
    let b = support::client(&connect).await;
    let held = Lock::new(&a, "/d").acquire(None).await.unwrap();
    let holder = held.path().rsplit('/').next().unwrap().to_owned();
    let lock_b = Lock::new(&b, "/d");
    // Drop the future at different points: before the create is sent, while its reply is on
    // the way, and while waiting on the predecessor.
    for delay_ms in [0u64, 1, 2, 3, 5, 8, 13, 40] {
        let _ = tokio::time::timeout(Duration::from_millis(delay_ms), lock_b.acquire(None)).await;
        wait_children(&a, "/d", "the dropped contender's clean-up", |c| {
            c == [holder.clone()]
        })
        .await;
    }
    // An aborted task.
    let task = tokio::spawn({
        let lock_b = lock_b.clone();
        async move { lock_b.acquire(None).await }
    });
    wait_children(&a, "/d", "the task's node", |c| c.len() == 2).await;
    task.abort();
    wait_children(&a, "/d", "the aborted task's clean-up", |c| {
        c == [holder.clone()]
    })
    .await;

    // cancel() makes the pending acquisition fail and removes its node before returning.
    let task = tokio::spawn({
        let lock_b = lock_b.clone();
        async move { lock_b.acquire(None).await }
    });
    wait_children(&a, "/d", "the node to cancel", |c| c.len() == 2).await;
    lock_b.cancel();
    let result = soon("the cancelled acquire", task).await.unwrap();
    assert!(matches!(result, Err(RecipeError::Cancelled)), "{result:?}");
    assert_eq!(children(&a, "/d").await, [holder.as_str()]);
    // A later acquisition is not affected by the earlier cancel.
    held.release().await.unwrap();
    soon("acquire after cancel", lock_b.acquire(None))
        .await
        .unwrap()
        .release()
        .await
        .unwrap();
    a.close().await;
    b.close().await;
}

/// kazoo #649: W1 holds; R1, W2, R2 queue in that order. Readers wait only for lower
/// writers, so W1 → R1 → W2 → R2, never a cycle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interleaved_readers_and_writers_do_not_deadlock() {
    let connect = support::chroot("lock-rw").await;
    let client = support::client(&connect).await;
    let w1 = WriteLock::new(&client, "/rw").acquire(None).await.unwrap();
    let (read1, write2, read2) = (
        ReadLock::new(&client, "/rw").with_identifier("r1"),
        WriteLock::new(&client, "/rw").with_identifier("w2"),
        ReadLock::new(&client, "/rw").with_identifier("r2"),
    );
    let mut r1 = Box::pin(read1.acquire(None));
    assert!(still_pending(&mut r1, Duration::from_millis(50)).await);
    let mut w2 = Box::pin(write2.acquire(None));
    assert!(still_pending(&mut w2, Duration::from_millis(50)).await);
    let mut r2 = Box::pin(read2.acquire(None));
    assert!(still_pending(&mut r2, Duration::from_millis(50)).await);
    assert_eq!(
        ReadLock::new(&client, "/rw").contenders().await.unwrap(),
        ["", "r1", "w2", "r2"]
    );
    // A plain Lock sees writers only.
    assert_eq!(
        Lock::new(&client, "/rw").contenders().await.unwrap(),
        ["", "w2"]
    );

    w1.release().await.unwrap();
    let r1 = soon("r1 after w1", r1).await.unwrap();
    // R2 waits for W2, which waits for R1.
    assert!(still_pending(&mut r2, Duration::from_millis(100)).await);
    assert!(still_pending(&mut w2, Duration::from_millis(1)).await);
    r1.release().await.unwrap();
    let w2 = soon("w2 after r1", w2).await.unwrap();
    assert!(still_pending(&mut r2, Duration::from_millis(50)).await);
    w2.release().await.unwrap();
    let r2 = soon("r2 after w2", r2).await.unwrap();

    // Readers share; a writer waits for them, and a plain Lock does not (kazoo's semantics).
    let r3 = ReadLock::new(&client, "/rw").try_acquire().await.unwrap();
    assert!(r3.is_some(), "readers share the lock");
    assert!(
        WriteLock::new(&client, "/rw")
            .try_acquire()
            .await
            .unwrap()
            .is_none()
    );
    let plain = Lock::new(&client, "/rw").try_acquire().await.unwrap();
    assert!(plain.is_some(), "kazoo's Lock does not wait for readers");
    plain.unwrap().release().await.unwrap();
    r2.release().await.unwrap();
    r3.unwrap().release().await.unwrap();
    assert!(children(&client, "/rw").await.is_empty());
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_hold_together_while_writers_exclude() {
    let connect = support::chroot("lock-rw-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let readers = Arc::new(AtomicUsize::new(0));
    let writers = Arc::new(AtomicUsize::new(0));
    let max_readers = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..24 {
        let client = clients[i % 4].clone();
        let (readers, writers, max_readers) =
            (readers.clone(), writers.clone(), max_readers.clone());
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                let guard = WriteLock::new(&client, "/rwm").acquire(None).await.unwrap();
                assert_eq!(writers.fetch_add(1, Ordering::SeqCst), 0);
                assert_eq!(
                    readers.load(Ordering::SeqCst),
                    0,
                    "a reader inside with a writer"
                );
                tokio::task::yield_now().await;
                writers.fetch_sub(1, Ordering::SeqCst);
                guard.release().await.unwrap();
            } else {
                let guard = ReadLock::new(&client, "/rwm").acquire(None).await.unwrap();
                let now = readers.fetch_add(1, Ordering::SeqCst) + 1;
                max_readers.fetch_max(now, Ordering::SeqCst);
                assert_eq!(
                    writers.load(Ordering::SeqCst),
                    0,
                    "a writer inside with a reader"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
                readers.fetch_sub(1, Ordering::SeqCst);
                guard.release().await.unwrap();
            }
        }));
    }
    for task in tasks {
        soon("every reader and writer", task).await.unwrap();
    }
    assert!(children(&clients[0], "/rwm").await.is_empty());
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_client_fails_a_pending_acquire() {
    let connect = support::chroot("lock-closed").await;
    let a = support::client(&connect).await;
    let b = support::client(&connect).await;
    let held = Lock::new(&a, "/c").acquire(None).await.unwrap();
    let lock_b = Lock::new(&b, "/c");
    let task = tokio::spawn(async move { lock_b.acquire(None).await });
    wait_children(&a, "/c", "b's node", |c| c.len() == 2).await;
    b.close().await;
    let result = soon("the acquire on a closed client", task).await.unwrap();
    assert!(
        matches!(result, Err(RecipeError::Zk(Error::Closed))),
        "{result:?}"
    );
    // Closing the session removed b's ephemeral node.
    wait_children(&a, "/c", "b's node to go", |c| c.len() == 1).await;
    held.release().await.unwrap();
    a.close().await;
}
