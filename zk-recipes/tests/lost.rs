//! LostSignal against a real server: a suspension is not a loss; a partition longer than the
//! session timeout is, even though a new session is being opened right after.

mod support;

use std::time::Duration;

use zk_recipes::LostSignal;
use zk_testing::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_longer_than_the_session_is_a_loss() {
    let cluster = Cluster::builder().start().unwrap();
    let client = zk_client_tokio::builder(&cluster.proxied_connect_string())
        .session_timeout(Duration::from_secs(2))
        .connect()
        .await
        .unwrap();
    let mut signal = LostSignal::new(&client);
    assert!(!signal.is_lost());

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
    assert!(!signal.is_lost(), "a suspension is not a loss");

    cluster.blackhole_all();
    support::within(Duration::from_secs(15), "the loss", signal.lost()).await;
    assert!(signal.is_lost());
    cluster.restore_all();
    client.close().await;
}
