//! Losing the session: a real server-side expiry, and a partition longer than the session
//! timeout. Each uses a server of its own, reached through the fault proxy.

use std::time::Duration;

use zk_client::{
    AddWatchMode, CreateMode, CreateOptions, ExpiryPolicy, SessionState, StateStream, WatchEvent,
};
use zk_testing::Cluster;

use crate::{Adapter, within};

const WAIT: Duration = Duration::from_secs(20);

fn own_cluster() -> Cluster {
    Cluster::builder()
        .start()
        .expect("a server of this scenario's own starts")
}

/// The states seen until `last` (inclusive).
async fn states_until(
    client: &zk_client::Client,
    changes: &mut StateStream,
    last: SessionState,
) -> Vec<SessionState> {
    let mut seen = Vec::new();
    loop {
        let change = within(client, WAIT, "a state change", changes.next()).await;
        let state = change.expect("the client is running").state;
        seen.push(state);
        if state == last {
            return seen;
        }
    }
}

/// The server expires the session (for real): the client reports Lost, every watcher ends with
/// SessionExpired, ephemerals are gone, and a new session is opened.
pub async fn server_side_expiry_loses_the_session<A: Adapter>() {
    let cluster = own_cluster();
    let client = A::builder(&cluster.proxied_connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let old_id = client.session_id().unwrap();
    let password = client.session_password().unwrap();
    client
        .create_with("/eph", "", &CreateOptions::mode(CreateMode::Ephemeral))
        .await
        .unwrap();
    let (_, _, one_shot) = client.get_data_watched("/eph").await.unwrap();
    let mut persistent = client
        .add_watch("/", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let mut changes = client.state_changes();

    // Keep the client away while the session is expired, so it cannot race the expiry.
    cluster.cut_all();
    cluster
        .expire_session(old_id.get(), &password)
        .expect("the server expires the session");
    cluster.restore_all();

    let states = states_until(&client, &mut changes, SessionState::Connected).await;
    assert_eq!(
        states,
        [
            SessionState::Suspended,
            SessionState::Lost,
            SessionState::Connecting,
            SessionState::Connected
        ]
    );
    assert_eq!(
        within(&client, WAIT, "the one-shot watch", one_shot).await,
        WatchEvent::SessionExpired
    );
    assert_eq!(persistent.next().await, Some(WatchEvent::SessionExpired));
    assert_eq!(persistent.next().await, None);
    let new_id = client.session_id().unwrap();
    assert_ne!(new_id, old_id);
    assert_eq!(
        client.exists("/eph").await.unwrap(),
        None,
        "the old session's ephemeral is gone"
    );
    client.close().await;
}

/// A partition longer than the session timeout: Suspended first, then Lost once nothing was
/// heard for the whole timeout, then a new session once the network heals.
pub async fn partition_suspends_then_loses_then_recovers<A: Adapter>() {
    let cluster = own_cluster();
    let client = A::builder(&cluster.proxied_connect_string())
        .session_timeout(Duration::from_secs(2))
        .connect()
        .await
        .unwrap();
    assert_eq!(client.negotiated_timeout(), Some(Duration::from_secs(2)));
    let old_id = client.session_id().unwrap();
    client
        .create_with("/eph", "", &CreateOptions::mode(CreateMode::Ephemeral))
        .await
        .unwrap();
    let mut changes = client.state_changes();

    cluster.blackhole_all();
    let states = states_until(&client, &mut changes, SessionState::Connecting).await;
    assert_eq!(
        states,
        [
            SessionState::Suspended,
            SessionState::Lost,
            SessionState::Connecting
        ]
    );
    // Requests made during the partition fail in bounded time rather than hang.
    let during = client
        .with_request_timeout(Duration::from_millis(500))
        .exists("/")
        .await;
    assert!(during.is_err(), "{during:?}");

    cluster.restore_all();
    let states = states_until(&client, &mut changes, SessionState::Connected).await;
    assert_eq!(states, [SessionState::Connected]);
    assert_ne!(client.session_id().unwrap(), old_id);
    // The server expired the old session too, so its ephemeral is gone.
    assert_eq!(client.exists("/eph").await.unwrap(), None);
    client.close().await;
}

/// A second client re-attaches to a live session with its id and password (the ephemeral is
/// the same session's); once the server has ended the session, a client with the terminal
/// policy stays Lost and refuses requests with SessionExpired, as the Java client does.
pub async fn resumed_session_and_terminal_expiry<A: Adapter>() {
    let cluster = own_cluster();
    let client = A::builder(&cluster.proxied_connect_string())
        .session_timeout(Duration::from_secs(10))
        .expiry_policy(ExpiryPolicy::Terminal)
        .connect()
        .await
        .unwrap();
    let id = client.session_id().unwrap();
    let password = client.session_password().unwrap();
    client
        .create_with("/eph", "", &CreateOptions::mode(CreateMode::Ephemeral))
        .await
        .unwrap();
    let mut changes = client.state_changes();

    // The first client is cut off; the second takes over its session on a direct connection.
    cluster.cut_all();
    let resumed = A::builder(&cluster.connect_string())
        .session_timeout(Duration::from_secs(10))
        .resume(id, password.clone())
        .connect()
        .await
        .unwrap();
    assert_eq!(resumed.session_id(), Some(id));
    let stat = resumed.exists("/eph").await.unwrap().expect("still there");
    assert_eq!(stat.ephemeral_owner, id.get());

    // The second client ends the session (CloseSession): the server has forgotten it when the
    // first client comes back, which then reports Lost and stays there.
    resumed.close().await;
    cluster.restore_all();
    let states = states_until(&client, &mut changes, SessionState::Lost).await;
    assert_eq!(states.first(), Some(&SessionState::Suspended), "{states:?}");
    assert_eq!(client.state(), SessionState::Lost);
    assert_eq!(
        client.exists("/eph").await,
        Err(zk_client::Error::SessionExpired)
    );
    assert_eq!(client.state(), SessionState::Lost);
    client.close().await;
    let observer = A::builder(&cluster.connect_string())
        .connect()
        .await
        .unwrap();
    assert_eq!(
        observer.exists("/eph").await.unwrap(),
        None,
        "the ephemeral ended with it"
    );
    observer.close().await;
}

/// Read-only mode: with its quorum gone, a server serves reads to clients that accept a
/// read-only server; writes fail with NotReadOnly. Once a read/write server is reachable the
/// client finds it (asking `isro`, as the Java client does) and moves there, for a new
/// session, without waiting for the read-only server to drop it.
pub async fn read_only_mode_then_a_read_write_server<A: Adapter>() {
    // A participant and an observer; without the participant the observer is read-only.
    let minority = Cluster::builder()
        .size(1)
        .observers(1)
        .read_only(true)
        .start()
        .expect("a participant and an observer start");
    // A separate read/write server, reached through its proxy, unreachable at first. A server
    // refuses a client that has seen a later zxid than its own, so this one is restarted once
    // to be in a later epoch than anything the read-only side hands out (in one real ensemble
    // the majority is always ahead of a partitioned minority).
    let majority = Cluster::builder()
        .size(1)
        .observers(1)
        .start()
        .expect("the read/write side starts");
    majority.node(0).restart().unwrap();
    majority.wait_serving(WAIT).unwrap();
    let setup = A::builder(&minority.node(1).address())
        .connect()
        .await
        .unwrap();
    setup.create("/ro", "seen").await.unwrap();
    setup.close().await;
    minority.node(0).stop().unwrap();
    minority
        .node(1)
        .wait_read_only(WAIT)
        .expect("the observer turns read-only");
    majority.proxy(0).cut();

    let connect = format!(
        "{},{}",
        minority.node(1).address(),
        majority.proxy(0).address()
    );
    let client = A::builder(&connect)
        .read_only(true)
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let mut changes = client.state_changes();
    assert_eq!(client.state(), SessionState::ConnectedReadOnly);
    assert_eq!(client.get_data("/ro").await.unwrap().0.as_ref(), b"seen");
    assert_eq!(
        client.create("/w", "").await,
        Err(zk_client::Error::Server(zk_client::ErrorCode::NotReadOnly))
    );
    let read_only_session = client.session_id();

    // The read/write server comes into reach: the client leaves the read-only one.
    majority.proxy(0).restore();
    let states = states_until(&client, &mut changes, SessionState::Connected).await;
    assert_eq!(states.first(), Some(&SessionState::Suspended), "{states:?}");
    assert_ne!(
        client.session_id(),
        read_only_session,
        "a new, global session"
    );
    assert_eq!(client.create("/w", "").await.unwrap(), "/w");
    assert_eq!(
        majority.proxy(0).port(),
        client.connected_host().unwrap().port
    );
    client.close().await;
}
