//! `run` (kazoo's `with lock:`): the work runs under the lock and the lock is released after;
//! the work is raced against the loss of the lock, and stopped when it is lost. The same on
//! every `Acquire` recipe.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::waits::{children, oneshot, soon};
use support::{OwnServer, WAIT, client_with};
use zk_recipes::{Acquire, InterProcessMutex, Lock, LockGuard, RecipeError, Semaphore};

/// Sets its flag when dropped: shows that the work's future was dropped, not left running.
struct Dropped(Arc<AtomicBool>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_work_is_stopped_when_the_lock_is_lost() {
    let server = OwnServer::start("run-lost").await;
    let a = client_with(&server.proxied, Duration::from_secs(10)).await;
    let b = client_with(&server.direct, Duration::from_secs(10)).await;
    let lock = Lock::new(&a, "/job").with_identifier("a");
    let dropped = Arc::new(AtomicBool::new(false));
    let (started, running) = oneshot();
    let run = tokio::spawn({
        let (lock, dropped) = (lock.clone(), dropped.clone());
        async move {
            lock.run(Some(WAIT), async |guard: &LockGuard| {
                let _alive = Dropped(dropped);
                started.send(guard.path().to_owned()).unwrap();
                // Work that would go on for ever: only the loss ends it.
                std::future::pending::<()>().await
            })
            .await
        }
    });
    let held = soon("the work to start", running).await.unwrap();
    assert_eq!(children(&b, "/job").await.len(), 1);
    assert!(!dropped.load(Ordering::SeqCst));

    server.expire(&a);
    let outcome = soon("run to end", run).await.unwrap();
    assert!(
        matches!(outcome, Err(RecipeError::SessionLost)),
        "{outcome:?}"
    );
    assert!(dropped.load(Ordering::SeqCst), "the work was dropped");
    // Nothing of the old holder is left, and the lock is free for the next one.
    assert!(
        children(&b, "/job")
            .await
            .iter()
            .all(|c| !held.ends_with(c.as_str()))
    );
    let next = Lock::new(&b, "/job").acquire(Some(WAIT)).await.unwrap();
    next.release().await.unwrap();
    a.close().await;
    b.close().await;
}

/// What the work saw and returned, through any `Acquire` recipe.
async fn exclusively<L: Acquire>(lock: &L) -> (String, i64) {
    lock.run(Some(WAIT), async |guard| {
        assert!(!guard.is_lost());
        (guard.path().to_owned(), guard.fencing_token().get())
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_releases_after_the_work_on_every_kind_of_lock() {
    let connect = support::chroot("run-kinds").await;
    let client = support::client(&connect).await;
    let lock = Lock::new(&client, "/l");
    let mutex = InterProcessMutex::new(&client, "/m");
    let pool = Semaphore::new(&client, "/s", 2);
    for (held, dir) in [
        exclusively(&lock).await,
        exclusively(&mutex).await,
        exclusively(&pool).await,
    ]
    .into_iter()
    .zip(["/l", "/m", "/s"])
    {
        assert!(held.0.starts_with(dir), "{held:?}");
        assert!(held.1 > 0);
        assert!(children(&client, dir).await.is_empty(), "{dir} released");
    }
    // The inherent form, with a fenced write, and the work's own error passed through.
    let written = lock
        .run(None, async |guard| {
            guard.set_data_fenced("/l", "done", None).await
        })
        .await
        .unwrap();
    assert_eq!(written.unwrap().version, 1);
    let failed = lock
        .run(None, async |guard| {
            guard.set_data_fenced("/missing", "x", None).await
        })
        .await
        .unwrap();
    assert!(matches!(
        failed,
        Err(RecipeError::Zk(zk_client::Error::Server(
            zk_client::ErrorCode::NoNode
        )))
    ));
    assert!(children(&client, "/l").await.is_empty());
    // A lock held elsewhere: run waits at most its timeout.
    let other = lock.acquire(None).await.unwrap();
    let timed_out = lock
        .run(Some(Duration::from_millis(200)), async |_| ())
        .await;
    assert!(matches!(timed_out, Err(RecipeError::Timeout)));
    other.release().await.unwrap();
    client.close().await;
}
