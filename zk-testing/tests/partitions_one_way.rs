//! One-way partitions in a real 3-node ensemble, and what ZooKeeper and the client make of
//! them.

mod partitions_support;

use std::time::Duration;

use partitions_support::{
    block_on, builder, connected_node, ensemble, net, next_state, runtime, wait_mode,
};
use zk_client_tokio::{Error, SessionState};
use zk_testing::{Endpoint, Mode};

/// The client's packets reach its member, the member's replies are dropped. The member sees
/// nothing wrong: it executes what arrives, so a write whose reply was lost is applied all
/// the same, and the client's pings keep the session alive. The client hears nothing, drops
/// the connection after its read timeout (the write fails with ConnectionLoss: outcome
/// unknown), and resumes the same session on a healthy member, where it finds the write done.
#[test]
fn requests_reach_a_member_whose_replies_are_dropped() {
    let cluster = ensemble();
    let net = net(&cluster);
    let rt = runtime();
    let client = block_on(
        &rt,
        "the client",
        builder(&rt, &cluster.connect_string())
            .session_timeout(Duration::from_secs(4))
            .connect(),
    )
    .unwrap();
    block_on(&rt, "the first write", client.create("/k", "v1")).unwrap();
    let session = client.session_id();
    let member = connected_node(&cluster, &client);
    let mode = cluster.node(member).mode();
    let mut states = client.state_changes();

    net.block(Endpoint::Node(member), Endpoint::TestProcess)
        .unwrap();
    let lost_reply = block_on(
        &rt,
        "the unanswered write",
        client.set_data("/k", "v2", None),
    );
    assert_eq!(lost_reply.err(), Some(Error::ConnectionLoss));
    let suspended = block_on(
        &rt,
        "Suspended",
        next_state(&mut states, SessionState::Suspended),
    );
    assert_eq!(suspended, session);
    let resumed = block_on(
        &rt,
        "Connected again",
        next_state(&mut states, SessionState::Connected),
    );
    assert_eq!(resumed, session, "the session was kept");
    assert_ne!(
        connected_node(&cluster, &client),
        member,
        "the client moved to a healthy member"
    );

    // The write reached the member and was applied, though its reply never came back.
    let (data, _) = block_on(&rt, "a read", client.get_data("/k")).unwrap();
    assert_eq!(&data[..], b"v2");
    // Nothing changed for the ensemble: the member serves as before.
    assert_eq!(cluster.node(member).mode(), mode);

    net.heal().unwrap();
    block_on(
        &rt,
        "a write after the heal",
        client.set_data("/k", "v3", None),
    )
    .unwrap();
    block_on(&rt, "closing", client.close());
}

/// A follower whose packets to the leader are dropped while the leader's reach it. Over TCP a
/// one-way block stalls both directions: the follower's acknowledgements never reach the
/// leader, so the leader's stream stops advancing after a few segments, and the follower's
/// read of its leader times out after `syncLimit` ticks. It goes back to looking for a leader
/// and cannot join one: the other follower tells it who leads, but the leader never hears it,
/// so it stays LOOKING and stops serving. The leader and the other follower go on as a
/// quorum. The follower's client moves to a healthy member with its session. After the heal
/// the follower rejoins, with what was written meanwhile.
#[test]
fn follower_that_cannot_send_to_the_leader_stops_serving() {
    let cluster = ensemble();
    let net = net(&cluster);
    let rt = runtime();
    let leader = cluster.leader().expect("a serving ensemble has a leader");
    // A client on a follower: the host order depends on the seed, so try a few.
    let (client, follower) = (0..32)
        .find_map(|seed| {
            let client = block_on(
                &rt,
                "the client",
                builder(&rt, &cluster.connect_string())
                    .seed(seed)
                    .session_timeout(Duration::from_secs(4))
                    .connect(),
            )
            .unwrap();
            let node = connected_node(&cluster, &client);
            if node != leader {
                return Some((client, node));
            }
            block_on(&rt, "closing", client.close());
            None
        })
        .expect("some seed puts the client on a follower");
    let other = (0..3).find(|&i| i != leader && i != follower).unwrap();
    block_on(&rt, "the first write", client.create("/f", "v1")).unwrap();
    let session = client.session_id();
    let mut states = client.state_changes();

    net.block(Endpoint::Node(follower), Endpoint::Node(leader))
        .unwrap();

    // The follower drops out: not serving while the block lasts.
    wait_mode(&cluster, follower, None);
    // The client is moved off it, keeping its session.
    let resumed = block_on(
        &rt,
        "Connected again",
        next_state(&mut states, SessionState::Connected),
    );
    assert_eq!(resumed, session, "the session was kept");
    assert_ne!(connected_node(&cluster, &client), follower);
    block_on(&rt, "a write", client.set_data("/f", "v2", None)).unwrap();
    // The leader and the other follower are still a quorum.
    assert_eq!(cluster.node(leader).mode(), Some(Mode::Leader));
    assert_eq!(cluster.node(other).mode(), Some(Mode::Follower));
    assert_eq!(cluster.node(follower).mode(), None);

    net.heal().unwrap();
    wait_mode(&cluster, follower, Some(Mode::Follower));
    assert_eq!(cluster.leader(), Some(leader));
    let direct = block_on(
        &rt,
        "a client of the follower",
        builder(&rt, &cluster.node(follower).address()).connect(),
    )
    .unwrap();
    let (data, _) = block_on(&rt, "a read", direct.get_data("/f")).unwrap();
    assert_eq!(&data[..], b"v2");
    block_on(&rt, "closing", async {
        direct.close().await;
        client.close().await;
    });
}
