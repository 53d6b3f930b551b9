//! Stale writes after a lost lock, against a real server: a holder whose session expired
//! overwrites the next holder's data with a plain write on its client's replacement session
//! (ZooKeeper's fencing problem), and is refused when it writes through its guard.

mod support;

use std::time::Duration;

use support::waits::{soon, wait_state};
use support::{OwnServer, client_with};
use zk_client::{Error, ErrorCode, SessionState};
use zk_recipes::{Lock, RecipeError};

const SESSION: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_expiry_the_guard_refuses_the_stale_write_a_plain_write_does_not() {
    let server = OwnServer::start("lock-fence").await;
    // The default expiry policy: after Lost the client opens a new session.
    let a = client_with(&server.proxied, SESSION).await;
    let b = client_with(&server.direct, SESSION).await;
    b.create("/data", "initial").await.unwrap();

    let guard_a = Lock::new(&a, "/l")
        .with_identifier("a")
        .acquire(None)
        .await
        .unwrap();
    let old_session = a.session_id().unwrap();
    guard_a.set_data_fenced("/data", "a", None).await.unwrap();

    // A is cut off and its session expires; B takes the lock and writes.
    server.cut_and_expire(&a);
    // Queued while A is cut off, bound to the session that is about to be found gone.
    let queued = tokio::spawn({
        let bound = guard_a.client();
        async move { bound.set_data("/data", "a-queued", None).await }
    });
    let guard_b = soon(
        "b acquires",
        Lock::new(&b, "/l").with_identifier("b").acquire(None),
    )
    .await
    .unwrap();
    guard_b.set_data_fenced("/data", "b", None).await.unwrap();

    // A reconnects, hears of the expiry and moves on to a new session.
    server.restore();
    wait_state(&a, "a new session", |state| {
        state == SessionState::Connected
    })
    .await;
    assert_ne!(a.session_id(), Some(old_session), "a replacement session");
    assert!(guard_a.is_lost());
    assert_eq!(
        soon("the queued write", queued).await.unwrap(),
        Err(Error::SessionExpired)
    );

    // Through the guard, every way of writing is refused.
    assert_eq!(
        guard_a.client().set_data("/data", "a-bound", None).await,
        Err(Error::SessionExpired)
    );
    assert_eq!(
        guard_a.set_data_fenced("/data", "a-fenced", None).await,
        Err(RecipeError::SessionLost)
    );
    let refused = guard_a
        .fenced_transaction()
        .set_data("/data", "a-txn", None)
        .commit()
        .await
        .unwrap_err();
    assert_eq!(refused.error, Error::SessionExpired);
    assert_eq!(
        b.get_data("/data").await.unwrap().0,
        "b",
        "the new holder's data stands"
    );

    // The hazard the Lock docs warn about is real: the plain client writes on its new session.
    a.set_data("/data", "a-plain", None).await.unwrap();
    assert_eq!(b.get_data("/data").await.unwrap().0, "a-plain");

    guard_b.release().await.unwrap();
    a.close().await;
    b.close().await;
}

/// The session is alive but the held node is gone (deleted by an operator, or expired on a
/// server this client has not heard from yet): the server refuses the fenced write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fenced_write_is_refused_by_the_server_once_the_node_is_gone() {
    let server = OwnServer::start("lock-fence-node").await;
    let a = client_with(&server.direct, SESSION).await;
    a.create("/data", "initial").await.unwrap();
    let lock = Lock::new(&a, "/l");

    let guard = lock.acquire(None).await.unwrap();
    let stat = guard
        .set_data_fenced("/data", "held", Some(0))
        .await
        .unwrap();
    assert_eq!(stat.version, 1);
    assert_eq!(
        guard
            .set_data_fenced("/data", "stale version", Some(0))
            .await,
        Err(RecipeError::Zk(Error::Server(ErrorCode::BadVersion))),
        "the write's own error is reported as such"
    );

    a.delete(guard.path(), None).await.unwrap();
    assert!(!guard.is_lost(), "the session itself is fine");
    assert_eq!(
        guard.set_data_fenced("/data", "after", None).await,
        Err(RecipeError::SessionLost)
    );
    let refused = guard
        .fenced_transaction()
        .set_data("/data", "after", None)
        .commit()
        .await
        .unwrap_err();
    assert_eq!(
        (refused.failed_op, refused.error),
        (Some(0), Error::Server(ErrorCode::NoNode))
    );
    assert_eq!(a.get_data("/data").await.unwrap().0, "held");
    drop(guard);
    a.close().await;
}
