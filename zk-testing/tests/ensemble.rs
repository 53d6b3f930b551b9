//! A 3-node ensemble: election, leader failover, restart, expiry across nodes. One test, so
//! one ensemble: elections take seconds.

mod common;

use std::fs;
use std::time::Duration;

use common::{EPHEMERAL, NO_NODE, PERSISTENT, RawClient, wait_until};
use zk_testing::{Cluster, Mode};

#[test]
fn ensemble_failover_restart_and_expiry() {
    let cluster = Cluster::builder()
        .size(3)
        .reconfig(true)
        .super_digest("super", "test")
        .start()
        .unwrap();
    assert_eq!(cluster.len(), 3);
    assert_eq!(cluster.connect_string().split(',').count(), 3);
    assert_eq!(cluster.proxied_connect_string().split(',').count(), 3);

    // Exactly one leader; the others follow.
    let leader = cluster.leader().expect("a serving ensemble has a leader");
    let modes: Vec<Mode> = cluster.nodes().iter().map(|n| n.mode().unwrap()).collect();
    assert_eq!(
        modes.iter().filter(|m| **m == Mode::Leader).count(),
        1,
        "{modes:?}"
    );
    assert_eq!(
        modes.iter().filter(|m| **m == Mode::Follower).count(),
        2,
        "{modes:?}"
    );
    for (i, node) in cluster.nodes().iter().enumerate() {
        assert_eq!(node.server_id() as usize, i + 1);
        assert!(node.quorum_port().is_some() && node.election_port().is_some());
        assert_eq!(
            fs::read_to_string(node.data_dir().join("myid"))
                .unwrap()
                .trim(),
            (i + 1).to_string()
        );
    }
    // With reconfig, ZooKeeper moved the membership to a dynamic file.
    let cfg = fs::read_to_string(cluster.node(0).config_path()).unwrap();
    assert!(cfg.contains("dynamicConfigFile="), "{cfg}");

    // Data written through one node is seen through another.
    let follower = (leader + 1) % 3;
    let mut writer = RawClient::new_session(cluster.node(follower).address(), 4000);
    assert_eq!(writer.create("/ensemble", b"v1", PERSISTENT), 0);

    // Kill the leader: the other two elect a new one and serve.
    cluster.node(leader).kill().unwrap();
    assert!(!cluster.node(leader).is_running());
    cluster.wait_serving(Duration::from_secs(30)).unwrap();
    let new_leader = cluster.leader().expect("the survivors elect a leader");
    assert_ne!(new_leader, leader);
    let survivor = (0..3).find(|&i| i != leader).unwrap();
    let mut reader = RawClient::new_session(cluster.node(survivor).address(), 4000);
    assert_eq!(reader.get_data("/ensemble"), Ok(b"v1".to_vec()));

    // Start it again: same ports, it rejoins as a follower and has the data.
    cluster.node(leader).start().unwrap();
    assert_eq!(cluster.node(leader).mode(), Some(Mode::Follower));
    let mut rejoined = RawClient::new_session(cluster.node(leader).address(), 4000);
    assert_eq!(rejoined.get_data("/ensemble"), Ok(b"v1".to_vec()));

    // Expiry works across nodes: the session lives on one node, the cluster closes it
    // through the first one.
    let owner_node = 2;
    let mut owner = RawClient::new_session(cluster.node(owner_node).address(), 4000);
    assert_eq!(owner.create("/ensemble/eph", b"", EPHEMERAL), 0);
    cluster
        .expire_session(owner.session_id(), &owner.password())
        .unwrap();
    assert!(owner.is_closed_within(Duration::from_secs(5)));
    assert!(wait_until(Duration::from_secs(5), || {
        let mut check = RawClient::new_session(cluster.node(owner_node).address(), 4000);
        check.get_data("/ensemble/eph") == Err(NO_NODE)
    }));

    // stop_all / start_all bring the whole ensemble down and back with its data.
    cluster.stop_all().unwrap();
    assert!(cluster.nodes().iter().all(|n| !n.is_running()));
    assert_eq!(cluster.leader(), None);
    cluster.start_all().unwrap();
    assert!(cluster.leader().is_some());
    let mut after = RawClient::new_session(cluster.node(0).address(), 4000);
    assert_eq!(after.get_data("/ensemble"), Ok(b"v1".to_vec()));
}
