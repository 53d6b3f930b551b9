//! A two-way partition between the leader and the other two members of a real 3-node
//! ensemble: the majority elects a new leader and keeps taking writes, the old leader stops
//! serving, and after the heal it rejoins as a follower with the data written meanwhile.

mod partitions_support;

use std::time::Duration;

use partitions_support::{block_on, builder, ensemble, net, runtime, wait_for, wait_mode};
use zk_client_tokio::{Error, RetryPolicy};
use zk_testing::{Endpoint, Mode};

#[test]
fn isolated_leader_steps_down_and_rejoins_as_follower() {
    let cluster = ensemble();
    let net = net(&cluster);
    let rt = runtime();
    // Each server runs in its node's namespace, on its node's address.
    for (i, node) in cluster.nodes().iter().enumerate() {
        let pid = node.pid().unwrap().to_string();
        let out = std::process::Command::new("ip")
            .args(["netns", "identify", &pid])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            node.netns().unwrap()
        );
        assert_eq!(node.socket_addr().ip(), net.address(Endpoint::Node(i)));
    }
    let old_leader = cluster.leader().expect("a serving ensemble has a leader");
    let majority: Vec<usize> = (0..3).filter(|&i| i != old_leader).collect();
    let majority_connect = majority
        .iter()
        .map(|&i| cluster.node(i).address())
        .collect::<Vec<_>>()
        .join(",");

    // One client on the majority side, one that knows only the old leader.
    let client = block_on(
        &rt,
        "the majority client",
        builder(&rt, &majority_connect)
            .session_timeout(Duration::from_secs(4))
            .connect(),
    )
    .unwrap();
    let stranded = block_on(
        &rt,
        "the old leader's client",
        builder(&rt, &cluster.node(old_leader).address())
            .session_timeout(Duration::from_secs(4))
            .request_timeout(Duration::from_secs(2))
            .connect(),
    )
    .unwrap();
    block_on(&rt, "the first write", client.create("/p", "before")).unwrap();
    let session = client.session_id();

    // The leader can neither reach the others nor be reached by them; the test process
    // still reaches every node.
    net.partition(
        &[Endpoint::Node(old_leader)],
        &[Endpoint::Node(majority[0]), Endpoint::Node(majority[1])],
    )
    .unwrap();

    // The old leader loses its quorum and stops serving (LOOKING, alone)...
    wait_mode(&cluster, old_leader, None);
    let srvr = cluster.node(old_leader).four_letter("srvr").unwrap();
    assert!(srvr.contains("not currently serving"), "{srvr}");
    // ...so a write through it fails and is never applied.
    let refused = block_on(
        &rt,
        "the old leader's client to fail",
        stranded.set_data("/p", "stranded", None),
    );
    assert!(
        matches!(
            refused,
            Err(Error::ConnectionLoss | Error::Timeout | Error::SessionExpired)
        ),
        "{refused:?}"
    );

    // The majority elects one of its own and serves.
    let new_leader = wait_for("a leader among the majority", || {
        majority
            .iter()
            .copied()
            .find(|&i| cluster.node(i).mode() == Some(Mode::Leader))
    });
    let other = majority.iter().copied().find(|&i| i != new_leader).unwrap();
    wait_mode(&cluster, other, Some(Mode::Follower));

    // The majority client keeps its session and its writes succeed. Its member may have
    // dropped it during the election: retry what failed for want of a connection.
    let retry = RetryPolicy::forever();
    let write = client.retry(&retry, || client.set_data("/p", "during", None));
    block_on(&rt, "a write on the majority side", write).unwrap();
    assert_eq!(client.session_id(), session, "the session survived");

    // Heal: the old leader rejoins as a follower of the new leader, with the new data.
    net.heal().unwrap();
    wait_mode(&cluster, old_leader, Some(Mode::Follower));
    assert_eq!(cluster.leader(), Some(new_leader));
    let direct = block_on(
        &rt,
        "a client of the old leader",
        builder(&rt, &cluster.node(old_leader).address()).connect(),
    )
    .unwrap();
    let (data, _) = block_on(&rt, "a read on the old leader", direct.get_data("/p")).unwrap();
    assert_eq!(&data[..], b"during");

    block_on(&rt, "closing", async {
        direct.close().await;
        stranded.close().await;
        client.close().await;
    });
}
