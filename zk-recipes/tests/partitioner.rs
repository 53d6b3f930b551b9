//! kazoo's SetPartitioner against a real server: dividing a set, re-dividing when members join
//! and leave, twenty members, and (on a server of its own) a connection loss (release, then
//! the same share again) and a session expiry (failure; the others take over).

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::waits::{children, soon, wait_connected};
use support::{OwnServer, WAIT, client_with};
use zk_client::Client;
use zk_recipes::{PartitionState, RecipeError, SetPartitioner, default_partition};

const BOUNDARY: Duration = Duration::from_millis(250);

async fn member(client: &Client, path: &str, id: &str, set: &[String]) -> SetPartitioner {
    SetPartitioner::builder(client, path, set.iter().cloned())
        .with_identifier(id)
        .with_time_boundary(BOUNDARY)
        .with_max_reaction_time(Duration::from_millis(200))
        .start()
        .await
        .unwrap()
}

/// kazoo's usage loop until the share is acquired: release when asked, wait while allocating.
async fn settle(p: &SetPartitioner) -> Vec<String> {
    soon("the partitioner to acquire", async {
        loop {
            match p.state() {
                PartitionState::Acquired => return p.partitions(),
                PartitionState::Release => p.release_set().await.unwrap(),
                PartitionState::Allocating => {
                    p.wait_for_acquire(WAIT).await;
                }
                PartitionState::Failure => panic!("failed: {:?}", p.failure()),
            }
        }
    })
    .await
}

async fn reach(p: &SetPartitioner, target: PartitionState) {
    soon("a state", async {
        loop {
            let id = p.state_id();
            if p.state() == target {
                return;
            }
            p.changed(id).await;
        }
    })
    .await;
}

fn items(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("item-{i:02}")).collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_divide_the_set_and_redivide_on_changes() {
    let connect = support::chroot("partitioner-basic").await;
    let client = support::client(&connect).await;
    let set = items(6);
    let p1 = member(&client, "/work", "w1", &set).await;
    let p2 = member(&client, "/work", "w2", &set).await;
    let (s1, s2) = (settle(&p1).await, settle(&p2).await);
    let two = names(&["w1", "w2"]);
    assert_eq!(s1, default_partition("w1", &two, &set));
    assert_eq!(s2, default_partition("w2", &two, &set));
    let mut party = children(&client, "/work/party").await;
    party.iter_mut().for_each(|c| *c = c[33..].to_owned());
    party.sort();
    assert_eq!(party, ["w1", "w2"], "<uuid>-<identifier> members");
    for item in &set {
        assert_eq!(
            children(&client, &format!("/work/locks/{item}"))
                .await
                .len(),
            1
        );
    }

    // A third member: the others are asked to release, then all three divide the set.
    let p3 = member(&client, "/work", "w3", &set).await;
    reach(&p1, PartitionState::Release).await;
    reach(&p2, PartitionState::Release).await;
    assert!(p1.partitions().is_empty(), "no share outside Acquired");
    let (s1, s2, s3) = tokio::join!(settle(&p1), settle(&p2), settle(&p3));
    let three = names(&["w1", "w2", "w3"]);
    assert_eq!(s1, default_partition("w1", &three, &set));
    assert_eq!(s2, default_partition("w2", &three, &set));
    assert_eq!(s3, default_partition("w3", &three, &set));

    // finish() leaves the party; dropping a partitioner does too.
    p3.finish().await;
    assert!(p3.failed());
    assert!(p3.failure().is_none(), "finished, not failed");
    reach(&p1, PartitionState::Release).await;
    drop(p2);
    let s1 = settle(&p1).await;
    assert_eq!(s1, set, "the last member holds everything");
    assert_eq!(children(&client, "/work/party").await.len(), 1);
    p1.finish().await;
    for item in &set {
        assert!(
            children(&client, &format!("/work/locks/{item}"))
                .await
                .is_empty()
        );
    }
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_members_share_forty_items() {
    let connect = support::chroot("partitioner-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let set = items(40);
    let mut members = Vec::new();
    for i in 0..20 {
        members.push(member(&clients[i % 4], "/big", &format!("m{i:02}"), &set).await);
    }
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for p in &members {
        let share = settle(p).await;
        assert_eq!(share.len(), 2, "{}: {share:?}", p.identifier());
        total += share.len();
        seen.extend(share);
    }
    assert_eq!(total, 40);
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        set,
        "disjoint and complete"
    );
    for p in &members {
        p.finish().await;
    }
    assert!(children(&clients[0], "/big/party").await.is_empty());
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_loss_releases_and_session_loss_fails() {
    let server = OwnServer::start("partitioner-faults").await;
    let a = client_with(&server.proxied, Duration::from_secs(10)).await;
    let b = client_with(&server.direct, Duration::from_secs(10)).await;
    let set = items(4);
    let pa = member(&a, "/p", "a", &set).await;
    let pb = member(&b, "/p", "b", &set).await;
    let (sa, _) = (settle(&pa).await, settle(&pb).await);

    // A suspended connection asks for a release; after it, the same share again.
    let id = pa.state_id();
    server.cut_all();
    server.restore_all();
    soon("a reacts to the cut", pa.changed(id)).await;
    assert_eq!(pa.state(), PartitionState::Release);
    wait_connected(&a).await;
    assert_eq!(settle(&pa).await, sa);
    assert_eq!(
        pb.state(),
        PartitionState::Acquired,
        "b's connection was fine"
    );

    // A lost session is a failure; b takes over the whole set.
    server.expire(&a);
    reach(&pa, PartitionState::Failure).await;
    assert_eq!(pa.failure(), Some(RecipeError::SessionLost));
    assert!(pa.partitions().is_empty());
    reach(&pb, PartitionState::Release).await;
    assert_eq!(settle(&pb).await, set);
    pb.finish().await;
    a.close().await;
    b.close().await;
}
