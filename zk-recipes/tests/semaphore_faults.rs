//! The semaphore under faults, each test on a server of its own: connection losses during an
//! acquisition, and real session expiry while holding a lease.

mod support;

use std::time::Duration;

use support::waits::{children, soon, wait_children, wait_connected};
use support::{OwnServer, client_with};
use zk_recipes::{RecipeError, Semaphore};

const SESSION: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_loss_during_acquire_leaves_one_lease() {
    let server = OwnServer::start("sem-cut").await;
    let holder = client_with(&server.direct, SESSION).await;
    let contender = client_with(&server.proxied, SESSION).await;
    let holder_sem = Semaphore::new(&holder, "/p", 1).with_identifier("holder");
    for delay_us in [0u64, 300, 800, 1500, 3000, 6000, 20_000] {
        let held = holder_sem.acquire(None).await.unwrap();
        let sem = Semaphore::new(&contender, "/p", 1).with_identifier("contender");
        let task = tokio::spawn(async move { sem.acquire(None).await });
        // Fault timing, not synchronisation.
        tokio::time::sleep(Duration::from_micros(delay_us)).await;
        server.cut_all();
        server.restore_all();
        wait_connected(&contender).await;
        wait_children(&holder, "/p-__lock__", "the contender's lock node", |c| {
            !c.is_empty()
        })
        .await;
        held.release().await.unwrap();
        let lease = soon("the contender's lease", task).await.unwrap().unwrap();
        let own = lease.path().rsplit('/').next().unwrap().to_owned();
        assert_eq!(children(&holder, "/p").await, [own], "round {delay_us} µs");
        assert!(children(&holder, "/p-__lock__").await.is_empty());
        lease.release().await.unwrap();
    }
    holder.close().await;
    contender.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_expiry_while_holding_a_lease() {
    let server = OwnServer::start("sem-expire").await;
    let a = client_with(&server.proxied, SESSION).await;
    let b = client_with(&server.direct, SESSION).await;
    let lease = Semaphore::new(&a, "/q", 1).acquire(None).await.unwrap();
    let token = lease.fencing_token();
    let sem_b = Semaphore::new(&b, "/q", 1).with_identifier("b");
    let waiting = tokio::spawn(async move { sem_b.acquire(None).await });
    wait_children(&b, "/q-__lock__", "b waiting under the lock", |c| {
        c.len() == 1
    })
    .await;

    server.expire(&a);
    soon("the loss", lease.lost()).await;
    assert!(lease.is_lost());
    let taken = soon("b's lease", waiting).await.unwrap().unwrap();
    assert!(taken.fencing_token() > token);
    assert!(matches!(
        lease.release().await,
        Err(RecipeError::SessionLost)
    ));
    assert_eq!(
        Semaphore::new(&b, "/q", 1).lease_holders().await.unwrap(),
        ["b"]
    );
    taken.release().await.unwrap();
    a.close().await;
    b.close().await;
}
