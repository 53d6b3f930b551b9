//! Failover on a 3-node ensemble: the session, its watches and its requests survive the loss of
//! the server the client is connected to.

use std::sync::OnceLock;
use std::time::Duration;

use zk_client::{AddWatchMode, Client, Error, EventType, RetryPolicy, SessionState, WatchEvent};
use zk_testing::Cluster;

use super::JoinAll;
use crate::{Adapter, within};

const WAIT: Duration = Duration::from_secs(30);

/// One ensemble per test process. Scenarios that kill its nodes must not overlap, so there is
/// exactly one such scenario; add more steps to it rather than more scenarios.
fn ensemble() -> &'static Cluster {
    static ENSEMBLE: OnceLock<Cluster> = OnceLock::new();
    ENSEMBLE.get_or_init(|| {
        Cluster::builder()
            .size(3)
            .reconfig(true)
            .super_digest("super", "test")
            .start()
            .expect("a 3-node ensemble starts")
    })
}

/// The index of the node whose proxy `client` is connected through.
fn connected_node(cluster: &Cluster, client: &Client) -> usize {
    let host = client.connected_host().expect("connected");
    cluster
        .proxies()
        .iter()
        .position(|p| p.port() == host.port)
        .expect("connected through one of the proxies")
}

/// Kill the server the client uses: requests in flight fail with ConnectionLoss, the session
/// moves to another server with its id, one-shot watches fire for changes made during the move
/// (the server replays them on re-registration), persistent watches report the gap with
/// `Resumed` (the server does not replay for them) and fire for changes after the move.
pub async fn ensemble_failover_keeps_the_session_and_watches<A: Adapter>() {
    let cluster = ensemble();
    let client = A::builder(&cluster.proxied_connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let victim = connected_node(cluster, &client);
    // The writer talks to the other servers only, so the failover does not touch it.
    let others: Vec<String> = (0..cluster.len())
        .filter(|i| *i != victim)
        .map(|i| cluster.node(i).address())
        .collect();
    let writer = A::builder(&others.join(",")).connect().await.unwrap();
    let base = zk_testing::unique_chroot("failover");
    writer.ensure_path(&format!("{base}/a")).await.unwrap();
    let a = format!("{base}/a");
    // The client reads through its own server, which must have caught up.
    client.sync(&a).await.unwrap();

    let session = client.session_id().unwrap();
    let (_, _, one_shot) = client.get_data_watched(&a).await.unwrap();
    let mut persistent = client
        .add_watch(&base, AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let mut changes = client.state_changes();

    // Freeze the connection so requests are surely in flight, then kill the server under it.
    cluster.proxy(victim).blackhole();
    let mut in_flight = JoinAll::new((0..50).map(|_| client.exists(&a)).collect());
    in_flight.start();
    assert!(client.state() == SessionState::Connected);
    cluster
        .node(victim)
        .kill()
        .expect("kill the connected server");
    cluster.proxy(victim).cut();

    // A change while the client is away. If the victim led the ensemble, the writer's server
    // drops it during the election: retry (setting the same data twice is harmless).
    let retry = RetryPolicy::forever().with_deadline(WAIT);
    writer
        .retry(&retry, || writer.set_data(&a, "during", None))
        .await
        .unwrap();

    // Nothing could answer them: every one fails with ConnectionLoss, none hangs.
    for result in within(&client, WAIT, "the in-flight requests", in_flight).await {
        assert_eq!(result, Err(Error::ConnectionLoss));
    }
    // Suspended, then connected elsewhere. A follower may accept the client and then drop it
    // when it notices the leader is gone, so there can be more than one round; the session is
    // never lost.
    let mut states = Vec::new();
    while states.last() != Some(&SessionState::Connected) {
        let change = within(&client, WAIT, "reconnection", changes.next())
            .await
            .unwrap();
        states.push(change.state);
    }
    assert_eq!(states.first(), Some(&SessionState::Suspended), "{states:?}");
    assert!(!states.contains(&SessionState::Lost), "{states:?}");
    assert_eq!(
        client.session_id(),
        Some(session),
        "the same session, on another server"
    );
    assert_ne!(connected_node(cluster, &client), victim);

    match within(&client, WAIT, "the one-shot watch", one_shot).await {
        WatchEvent::Node(event) => {
            assert_eq!(
                (event.event_type, event.path.as_str()),
                (EventType::NodeDataChanged, a.as_str())
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        within(&client, WAIT, "the gap marker", persistent.next()).await,
        Some(WatchEvent::Resumed { .. })
    ));
    writer
        .retry(&retry, || writer.set_data(&a, "after", None))
        .await
        .unwrap();
    loop {
        match within(&client, WAIT, "the persistent watch", persistent.next()).await {
            // Another reconnect round adds another marker.
            Some(WatchEvent::Resumed { .. }) => continue,
            Some(WatchEvent::Node(event)) => {
                assert_eq!(
                    (event.event_type, event.path.as_str()),
                    (EventType::NodeDataChanged, a.as_str())
                );
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    let data = client
        .retry(&retry, || client.get_data(&a))
        .await
        .unwrap()
        .0;
    assert_eq!(data.as_ref(), b"after");

    cluster.proxy(victim).restore();
    cluster
        .node(victim)
        .start()
        .expect("the killed server rejoins");

    // Membership changes with reconfig, seen through a watch on the configuration node. Only
    // the super user may reconfigure (ZooKeeper guards /zookeeper/config with its ACL).
    cluster
        .wait_serving(WAIT)
        .expect("the ensemble serves again");
    writer.add_auth("digest", "super:test").await.unwrap();
    let (config, _, config_watch) = writer.get_config_watched().await.unwrap();
    let config = String::from_utf8(config.to_vec()).unwrap();
    let id = cluster.node(victim).server_id().to_string();
    let member = format!("server.{id}=");
    let spec = config
        .lines()
        .find(|line| line.starts_with(&member))
        .unwrap_or_else(|| panic!("{member} in {config}"))
        .to_owned();
    let (smaller, _) = writer.reconfig(None, Some(&id), None, None).await.unwrap();
    let smaller = String::from_utf8(smaller.to_vec()).unwrap();
    assert!(!smaller.contains(&member), "{smaller}");
    match within(&writer, WAIT, "the configuration watch", config_watch).await {
        WatchEvent::Node(event) => assert_eq!(
            (event.event_type, event.path.as_str()),
            (EventType::NodeDataChanged, "/zookeeper/config")
        ),
        other => panic!("{other:?}"),
    }
    let (whole, _) = writer
        .reconfig(Some(&spec), None, None, None)
        .await
        .unwrap();
    let whole = String::from_utf8(whole.to_vec()).unwrap();
    assert!(whole.contains(&spec), "{whole}");
    client.close().await;
    writer.close().await;
}
