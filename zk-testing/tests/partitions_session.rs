//! A client cut off from every member of a real 3-node ensemble for longer than its session
//! timeout: Suspended, then Lost by its own clock while the ensemble expires the session too;
//! after the heal, a new session (the default expiry policy).

mod partitions_support;

use std::time::Duration;

use partitions_support::{block_on, builder, ensemble, net, next_state, runtime, wait_for};
use zk_client_tokio::{CreateMode, CreateOptions, SessionState};
use zk_testing::Endpoint;

#[test]
fn client_cut_off_past_its_timeout_loses_the_session_and_opens_a_new_one() {
    let cluster = ensemble();
    let net = net(&cluster);
    let rt = runtime();
    let client = block_on(
        &rt,
        "the client",
        builder(&rt, &cluster.connect_string())
            .session_timeout(Duration::from_secs(2))
            .connect(),
    )
    .unwrap();
    let old = client.session_id().expect("a session");
    block_on(
        &rt,
        "an ephemeral",
        client.create_with("/eph", "", &CreateOptions::mode(CreateMode::Ephemeral)),
    )
    .unwrap();
    let mut states = client.state_changes();
    // The leader's `dump` lists the session (it holds an ephemeral).
    let hex = format!("0x{:x}", old.get());
    let leader = cluster.leader().expect("a serving ensemble has a leader");
    let dump = cluster.node(leader).four_letter("dump").unwrap();
    assert!(dump.contains(&hex), "{hex} not in {dump}");

    // The test process (the client) can reach no member, nor any member it.
    let members: Vec<Endpoint> = (0..3).map(Endpoint::Node).collect();
    net.partition(&[Endpoint::TestProcess], &members).unwrap();

    let suspended = block_on(
        &rt,
        "Suspended",
        next_state(&mut states, SessionState::Suspended),
    );
    assert_eq!(suspended, Some(old));
    let lost = block_on(&rt, "Lost", next_state(&mut states, SessionState::Lost));
    assert_eq!(lost, Some(old));

    // The ensemble, still whole, expires the session on its side: seen through the control
    // addresses, which the partition leaves alone.
    assert_eq!(cluster.leader(), Some(leader), "the ensemble is unaffected");
    wait_for("the leader to expire the session", || {
        let dump = cluster.node(leader).four_letter("dump").ok()?;
        (!dump.contains(&hex)).then_some(())
    });

    // Heal: the default policy opens a new session, and the old one's ephemeral is gone.
    net.heal().unwrap();
    let new = block_on(
        &rt,
        "a new session",
        next_state(&mut states, SessionState::Connected),
    )
    .expect("a connected state names its session");
    assert_ne!(new, old);
    assert_eq!(client.session_id(), Some(new));
    assert_eq!(
        block_on(&rt, "exists", client.exists("/eph")).unwrap(),
        None
    );
    block_on(&rt, "closing", client.close());
}
