//! Party and ShallowParty against a real server: kazoo's node names and data, twenty
//! members, membership ending with the session, and joining again after a session expiry.

mod support;

use std::time::Duration;

use support::waits::wait_for_state;
use support::within;
use support::{OwnServer, WAIT, client_with};
use zk_client::SessionState;
use zk_recipes::{Party, ShallowParty};

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn party_members_are_uuid_party_nodes_holding_identifiers() {
    let connect = support::chroot("party").await;
    let client = support::client(&connect).await;
    let mut a = Party::new(&client, "/party").with_identifier("host-a");
    let mut b = Party::new(&client, "/party").with_identifier("host-b");
    assert!(a.is_empty().await.unwrap());
    a.join().await.unwrap();
    a.join().await.unwrap(); // idempotent
    b.join().await.unwrap();
    assert!(a.participating() && b.participating());
    assert!(a.is_member().await.unwrap());
    assert_eq!(a.len().await.unwrap(), 2);
    assert_eq!(sorted(b.members().await.unwrap()), ["host-a", "host-b"]);

    let node = a.node_name().to_owned();
    assert_eq!(node.len(), 32 + "__party__".len());
    assert!(node.ends_with("__party__"));
    let (data, stat) = client.get_data(&format!("/party/{node}")).await.unwrap();
    assert_eq!(data.as_ref(), b"host-a");
    assert_eq!(stat.ephemeral_owner, client.session_id().unwrap().get());

    // Children that are not party nodes are not members.
    client.create("/party/not-a-member", "x").await.unwrap();
    assert_eq!(a.len().await.unwrap(), 2);

    assert!(a.leave().await.unwrap());
    assert!(!a.leave().await.unwrap());
    assert!(!a.participating());
    assert_eq!(b.members().await.unwrap(), ["host-b"]);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shallow_party_names_carry_the_identifiers() {
    let connect = support::chroot("shallow").await;
    let client = support::client(&connect).await;
    let mut one = ShallowParty::new(&client, "/nodes").with_identifier("host-1");
    let mut two = ShallowParty::new(&client, "/nodes").with_identifier("host-2");
    one.join().await.unwrap();
    two.join().await.unwrap();
    let node = one.node_name().to_owned();
    assert_eq!(&node[32..], "-host-1");
    assert_eq!(
        client
            .get_data(&format!("/nodes/{node}"))
            .await
            .unwrap()
            .0
            .as_ref(),
        b"host-1"
    );
    assert_eq!(sorted(one.members().await.unwrap()), ["host-1", "host-2"]);
    assert_eq!(two.len().await.unwrap(), 2);
    assert!(two.leave().await.unwrap());
    assert_eq!(one.members().await.unwrap(), ["host-1"]);
    client.close().await;
}

/// Twenty members on four sessions see each other; closing a session removes its members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_members_see_each_other_until_their_session_ends() {
    let connect = support::chroot("party-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = clients[i % clients.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut party =
                Party::new(&client, "/party").with_identifier(&format!("member-{i:02}"));
            party.join().await.unwrap();
            party
        }));
    }
    let mut parties = Vec::new();
    for task in tasks {
        parties.push(within(WAIT, "a join", task).await.unwrap());
    }
    let expected: Vec<String> = (0..20).map(|i| format!("member-{i:02}")).collect();
    assert_eq!(sorted(parties[3].members().await.unwrap()), expected);
    clients.pop().unwrap().close().await;
    assert_eq!(parties[0].len().await.unwrap(), 15);
    for client in clients {
        client.close().await;
    }
}

/// A session expiry ends membership; joining again restores it on the new session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_is_restored_by_joining_after_a_session_expiry() {
    let server = OwnServer::start("party-expiry").await;
    let observer = client_with(&server.direct, Duration::from_secs(10)).await;
    let member = client_with(&server.proxied, Duration::from_secs(10)).await;
    let mut party = ShallowParty::new(&member, "/nodes").with_identifier("survivor");
    party.join().await.unwrap();
    let view = ShallowParty::new(&observer, "/nodes").with_identifier("observer");
    assert_eq!(view.members().await.unwrap(), ["survivor"]);

    let mut states = member.state_changes();
    server.cut_and_expire(&member);
    assert!(
        view.is_empty().await.unwrap(),
        "the ephemeral went with the session"
    );
    server.restore();
    wait_for_state(&mut states, SessionState::Connected).await;
    assert!(party.participating(), "kazoo's flag does not notice");
    assert!(!party.is_member().await.unwrap());
    party.join().await.unwrap();
    assert!(party.is_member().await.unwrap());
    assert_eq!(view.members().await.unwrap(), ["survivor"]);
    observer.close().await;
    member.close().await;
}
