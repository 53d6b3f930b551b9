//! Lock loss against a real server, one way read two ways (`is_lost`, the `lost` future): a
//! suspension is not a loss; a partition longer than the session timeout is, even though a new
//! session is being opened right after; a `lost` taken before the loss fires, and one taken
//! after it completes at once.

mod support;

use std::time::Duration;

use futures_util::FutureExt;
use zk_recipes::{Lock, RecipeError};
use zk_testing::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_longer_than_the_session_is_a_loss() {
    let cluster = Cluster::builder().start().unwrap();
    let client = zk_client_tokio::builder(&cluster.proxied_connect_string())
        .session_timeout(Duration::from_secs(2))
        .connect()
        .await
        .unwrap();
    let guard = Lock::new(&client, "/held").acquire(None).await.unwrap();
    // Taken before anything happens, and moved away from the guard.
    let mut lost = Box::pin(guard.lost());
    assert!(!guard.is_lost());
    assert!((&mut lost).now_or_never().is_none());

    // A short cut suspends the connection; the session, and what it holds, lives on.
    let mut states = client.state_changes();
    cluster.cut_all();
    cluster.restore_all();
    loop {
        let change = support::within(Duration::from_secs(10), "a reconnect", states.next()).await;
        if change.expect("running").state == zk_client::SessionState::Connected {
            break;
        }
    }
    assert!(!guard.is_lost(), "a suspension is not a loss");
    assert!((&mut lost).now_or_never().is_none(), "nor for the future");

    cluster.blackhole_all();
    support::within(Duration::from_secs(15), "the loss", lost).await;
    assert!(guard.is_lost());
    assert!(
        guard.lost().now_or_never().is_some(),
        "already lost: at once"
    );
    cluster.restore_all();
    client
        .wait_connected(Duration::from_secs(15))
        .await
        .expect("a new session");
    assert!(guard.is_lost(), "still lost on the new session");
    assert!(matches!(
        guard.release().await,
        Err(RecipeError::SessionLost)
    ));
    client.close().await;
}
