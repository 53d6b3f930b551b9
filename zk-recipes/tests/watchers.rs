//! DataWatch, ChildrenWatch and PatientChildrenWatch against a real server: kazoo's
//! semantics (first state, re-arming, stop, send_event, allow_session_lost), no watch left
//! behind by timeouts or cancellation, and recovery from connection loss and real session
//! expiry.

mod support;

use std::time::{Duration, Instant};

use support::waits::wait_for_state;
use support::watches::{server_data_watches, until_unwatched};
use support::within;
use support::{OwnServer, WAIT, client_with};
use zk_client::{Error, ErrorCode, EventType, SessionState, WatchEvent};
use zk_recipes::{
    ChildrenUpdate, ChildrenWatch, DataUpdate, DataWatch, PatientChildrenWatch, RecipeError,
};

const SESSION: Duration = Duration::from_secs(10);

async fn next_data(watch: &mut DataWatch) -> DataUpdate {
    within(WAIT, "a data update", watch.next())
        .await
        .expect("the watch goes on")
        .expect("no error")
}

async fn next_children(watch: &mut ChildrenWatch) -> ChildrenUpdate {
    within(WAIT, "a children update", watch.next())
        .await
        .expect("the watch goes on")
        .expect("no error")
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

fn event_type(update: &DataUpdate) -> Option<EventType> {
    update.event.as_ref().map(|e| e.event_type)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_reports_each_state_of_the_node() {
    let connect = support::chroot("datawatch").await;
    let client = support::client(&connect).await;
    let mut watch = DataWatch::new(&client, "/node");
    assert_eq!(watch.path(), "/node");

    // A missing node: (None, None), watched for its creation.
    let first = next_data(&mut watch).await;
    assert_eq!((first.data, first.stat, first.event), (None, None, None));

    client.create("/node", "v1").await.unwrap();
    let created = next_data(&mut watch).await;
    assert_eq!(created.data.as_deref(), Some(&b"v1"[..]));
    assert_eq!(event_type(&created), Some(EventType::NodeCreated));
    assert!(created.exists());

    client.set_data("/node", "v2", None).await.unwrap();
    let changed = next_data(&mut watch).await;
    assert_eq!(changed.data.as_deref(), Some(&b"v2"[..]));
    assert_eq!(changed.stat.as_ref().unwrap().version, 1);
    assert_eq!(event_type(&changed), Some(EventType::NodeDataChanged));
    assert_eq!(changed.event.as_ref().unwrap().path, "/node");

    client.delete("/node", None).await.unwrap();
    let deleted = next_data(&mut watch).await;
    assert!(!deleted.exists());
    assert_eq!(event_type(&deleted), Some(EventType::NodeDeleted));

    client.create("/node", "v3").await.unwrap();
    assert_eq!(
        next_data(&mut watch).await.data.as_deref(),
        Some(&b"v3"[..])
    );

    // kazoo's "return False": stop, and the watch is gone from the server.
    watch.stop();
    assert!(watch.next().await.is_none());
    until_unwatched(&client, "/node").await;

    // Closing the client ends a watcher.
    let mut other = DataWatch::new(&client, "/node");
    next_data(&mut other).await;
    client.close().await;
    assert!(within(WAIT, "the end", other.next()).await.is_none());
}

/// Timeouts around `next()` (kazoo #175) and watchers dropped in the middle of a read never
/// accumulate watches: one path watched while the watcher lives, none once it is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_timeouts_and_drops_leave_no_watches() {
    let connect = support::chroot("datawatch-leak").await;
    let client = support::client(&connect).await;
    client.create("/node", "v1").await.unwrap();
    let mut watch = DataWatch::new(&client, "/node");
    next_data(&mut watch).await;
    for _ in 0..50 {
        assert!(
            client
                .runtime()
                .timeout(Duration::from_millis(1), watch.next())
                .await
                .is_none()
        );
    }
    assert_eq!(server_data_watches(&connect, &client), 1);
    // Still armed after all those timeouts.
    client.set_data("/node", "v2", None).await.unwrap();
    assert_eq!(
        next_data(&mut watch).await.data.as_deref(),
        Some(&b"v2"[..])
    );
    drop(watch);
    until_unwatched(&client, "/node").await;

    // Watchers cancelled halfway through their first read.
    for _ in 0..20 {
        let mut watch = DataWatch::new(&client, "/node");
        let _ = client.runtime().timeout(Duration::ZERO, watch.next()).await;
    }
    until_unwatched(&client, "/node").await;
    assert_eq!(server_data_watches(&connect, &client), 0);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_watch_follows_kazoo() {
    let connect = support::chroot("childwatch").await;
    let client = support::client(&connect).await;
    client.ensure_path("/parent").await.unwrap();

    let mut with_events = ChildrenWatch::new(&client, "/parent").send_event(true);
    let mut plain = ChildrenWatch::new(&client, "/parent");
    assert_eq!(
        next_children(&mut with_events).await,
        ChildrenUpdate {
            children: vec![],
            event: None
        }
    );
    assert!(next_children(&mut plain).await.children.is_empty());

    client.create("/parent/a", "").await.unwrap();
    let update = next_children(&mut with_events).await;
    assert_eq!(update.children, ["a"]);
    let event = update.event.expect("send_event");
    assert_eq!(
        (event.event_type, event.path.as_str()),
        (EventType::NodeChildrenChanged, "/parent")
    );
    let update = next_children(&mut plain).await;
    assert_eq!(
        (update.children, update.event),
        (vec!["a".to_owned()], None)
    );

    client.create("/parent/b", "").await.unwrap();
    assert_eq!(sorted(next_children(&mut plain).await.children), ["a", "b"]);
    plain.stop();
    assert!(plain.next().await.is_none());

    // Deleting the node ends the watcher, with NoNode (kazoo stops silently).
    client.delete_recursive("/parent").await.unwrap();
    let end = within(WAIT, "the end of the watch", async {
        loop {
            match with_events.next().await {
                Some(Ok(_)) => continue,
                other => return other,
            }
        }
    })
    .await;
    assert!(
        matches!(
            end,
            Some(Err(RecipeError::Zk(Error::Server(ErrorCode::NoNode))))
        ),
        "{end:?}"
    );
    assert!(with_events.next().await.is_none());

    // The node must exist.
    let mut missing = ChildrenWatch::new(&client, "/missing");
    assert!(matches!(
        missing.next().await,
        Some(Err(RecipeError::Zk(Error::Server(ErrorCode::NoNode))))
    ));
    assert!(missing.next().await.is_none());
    until_unwatched(&client, "/parent").await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_children_watch_waits_for_quiet() {
    let connect = support::chroot("patient").await;
    let client = support::client(&connect).await;
    client.ensure_path("/party").await.unwrap();
    let boundary = Duration::from_millis(300);
    let patient = PatientChildrenWatch::new(&client, "/party", boundary);
    let started = Instant::now();
    let burst = async {
        for i in 0..5 {
            client.create(&format!("/party/m{i}"), "").await.unwrap();
        }
        Instant::now()
    };
    let (stable, burst_done) =
        tokio::join!(within(WAIT, "stability", patient.wait_stable()), burst);
    let (members, changed) = stable.unwrap();
    assert_eq!(sorted(members), ["m0", "m1", "m2", "m3", "m4"]);
    assert!(Instant::now() >= burst_done + boundary);
    assert!(started.elapsed() >= boundary);

    client.create("/party/late", "").await.unwrap();
    match within(WAIT, "the change", changed).await {
        WatchEvent::Node(event) => assert_eq!(event.event_type, EventType::NodeChildrenChanged),
        other => panic!("{other:?}"),
    }
    let missing = PatientChildrenWatch::new(&client, "/missing", boundary);
    assert!(matches!(
        missing.wait_stable().await,
        Err(RecipeError::Zk(Error::Server(ErrorCode::NoNode)))
    ));
    client.close().await;
}

/// Twenty watchers on two sessions all reach the last value written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_data_watchers_reach_the_last_value() {
    let connect = support::chroot("datawatch-many").await;
    let clients = [
        support::client(&connect).await,
        support::client(&connect).await,
    ];
    clients[0].create("/shared", "0").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let mut watch = DataWatch::new(&clients[i % 2], "/shared");
        tasks.push(tokio::spawn(async move {
            let mut seen = 0;
            loop {
                let update = watch.next().await.unwrap().unwrap();
                seen += 1;
                if update.data.as_deref() == Some(&b"last"[..]) {
                    return seen;
                }
            }
        }));
    }
    for i in 1..10 {
        clients[0]
            .set_data("/shared", format!("{i}"), None)
            .await
            .unwrap();
    }
    clients[0].set_data("/shared", "last", None).await.unwrap();
    for task in tasks {
        let seen = within(WAIT, "a watcher", task).await.unwrap();
        assert!((1..=11).contains(&seen));
    }
    for client in clients {
        client.close().await;
    }
}

/// Changes made while the connection is cut are reported once it is back (the watches were
/// re-registered); after a real session expiry the watchers read again on the new session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchers_survive_connection_loss_and_session_expiry() {
    let server = OwnServer::start("watchers-faults").await;
    let writer = client_with(&server.direct, SESSION).await;
    let watched = client_with(&server.proxied, SESSION).await;
    writer.create("/d", "v1").await.unwrap();
    writer.create("/c", "").await.unwrap();
    writer.create("/c/x", "").await.unwrap();

    let mut data = DataWatch::new(&watched, "/d");
    let mut kids = ChildrenWatch::new(&watched, "/c").send_event(true);
    let mut strict = ChildrenWatch::new(&watched, "/c").allow_session_lost(false);
    assert_eq!(next_data(&mut data).await.data.as_deref(), Some(&b"v1"[..]));
    assert_eq!(next_children(&mut kids).await.children, ["x"]);
    assert_eq!(next_children(&mut strict).await.children, ["x"]);
    let mut states = watched.state_changes();

    // A connection loss: changes during the gap arrive as ordinary events afterwards.
    server.cut_all();
    wait_for_state(&mut states, SessionState::Suspended).await;
    writer.set_data("/d", "v2", None).await.unwrap();
    writer.create("/c/y", "").await.unwrap();
    server.restore();
    let update = next_data(&mut data).await;
    assert_eq!(update.data.as_deref(), Some(&b"v2"[..]));
    assert_eq!(event_type(&update), Some(EventType::NodeDataChanged));
    let update = next_children(&mut kids).await;
    assert_eq!(sorted(update.children), ["x", "y"]);
    assert!(update.event.is_some());
    assert_eq!(
        sorted(next_children(&mut strict).await.children),
        ["x", "y"]
    );

    // A real session expiry: read again on the new session, with no event.
    let old_session = watched.session_id();
    server.cut_and_expire(&watched);
    writer.set_data("/d", "v3", None).await.unwrap();
    writer.create("/c/z", "").await.unwrap();
    server.restore();
    wait_for_state(&mut states, SessionState::Lost).await;
    let update = next_data(&mut data).await;
    assert_eq!(update.data.as_deref(), Some(&b"v3"[..]));
    assert_eq!(update.event, None);
    assert_ne!(watched.session_id(), old_session);
    let update = next_children(&mut kids).await;
    assert_eq!(sorted(update.children), ["x", "y", "z"]);
    assert_eq!(update.event, None);
    let end = within(WAIT, "the strict watcher's end", strict.next()).await;
    assert!(
        matches!(end, Some(Err(RecipeError::SessionLost))),
        "{end:?}"
    );
    assert!(strict.next().await.is_none());

    // And they go on watching on the new session.
    assert_eq!(server_data_watches(&server.direct, &watched), 1);
    writer.set_data("/d", "v4", None).await.unwrap();
    assert_eq!(next_data(&mut data).await.data.as_deref(), Some(&b"v4"[..]));
    writer.delete("/c/x", None).await.unwrap();
    assert_eq!(sorted(next_children(&mut kids).await.children), ["y", "z"]);
    writer.close().await;
    watched.close().await;
}
