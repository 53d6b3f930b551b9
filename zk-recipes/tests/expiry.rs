//! One rule for a session expiry, on every recipe: what was tied to the lost session is lost
//! (never retried, nothing written on the new session), and a fresh attempt on the new session
//! works. A held lock and a held queue entry, on the same client, react alike.

mod support;

use std::time::Duration;

use support::waits::{children, soon};
use support::{OwnServer, WAIT, client_with};
use zk_recipes::{Lock, LockingQueue, RecipeError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_and_a_queue_react_alike_to_an_expiry() {
    let server = OwnServer::start("expiry-alike").await;
    let a = client_with(&server.proxied, Duration::from_secs(10)).await;
    let b = client_with(&server.direct, Duration::from_secs(10)).await;
    let first_session = a.session_id().unwrap();

    // On `a`: a held lock and a held queue entry.
    let lock = Lock::new(&a, "/lock").with_identifier("a");
    let guard = lock.acquire(Some(WAIT)).await.unwrap();
    let mut queue = LockingQueue::new(&a, "/q");
    queue.put("job").await.unwrap();
    let job = queue.get(Some(WAIT)).await.unwrap();
    assert_eq!(&job[..], b"job");
    assert!(!guard.is_lost());
    assert!(queue.holds_lock().await.unwrap());

    server.expire(&a);
    soon("the lock's loss", guard.lost()).await;
    a.wait_connected(WAIT).await.expect("a new session");
    assert_ne!(a.session_id(), Some(first_session));

    // Both say so, from the same fact: the holding session is not the client's.
    assert!(guard.is_lost());
    assert!(!queue.holds_lock().await.unwrap());
    // Neither acts on the new session: no release, no consume, nothing written.
    let old_token = guard.fencing_token();
    assert!(matches!(
        guard.release().await,
        Err(RecipeError::SessionLost)
    ));
    assert!(!queue.consume().await.unwrap(), "the entry's lock was lost");
    assert!(queue.processing().is_none());
    assert!(
        children(&b, "/lock").await.is_empty(),
        "no node left behind"
    );
    assert!(
        children(&b, "/q/taken").await.is_empty(),
        "no lock left behind"
    );
    assert_eq!(children(&b, "/q/entries").await.len(), 1, "the entry stays");

    // Fresh attempts on the new session work alike.
    let again = lock.acquire(Some(WAIT)).await.unwrap();
    assert_eq!(Some(again.session()), a.session_id());
    assert!(again.fencing_token() > old_token);
    let job = queue.get(Some(WAIT)).await.unwrap();
    assert_eq!(&job[..], b"job");
    assert!(queue.holds_lock().await.unwrap());
    assert!(queue.consume().await.unwrap());
    again.release().await.unwrap();
    assert!(children(&b, "/q/entries").await.is_empty());
    a.close().await;
    b.close().await;
}
