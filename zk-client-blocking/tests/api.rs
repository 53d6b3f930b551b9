//! The blocking API itself, against a real server: calls, per-call timeouts, watches as
//! receivers, state changes, retries, transactions, recipes through `block_on`, and use from
//! many threads at once. (The shared conformance suite runs the async scenarios on this
//! adapter's runtime; this file covers what only the blocking surface has.)

use std::time::Duration;

use zk_client_blocking::{
    AddWatchMode, Client, CreateMode, CreateOptions, Error, ErrorCode, EventType, RecvTimeoutError,
    RetryPolicy, SessionState, WatchEvent,
};

fn client(name: &str) -> Client {
    // The shared server: Java's ZooKeeper, or zk-server under ZK_TESTING_SERVER=embedded.
    let server = zk_testing::shared_connect_string();
    let chroot = zk_testing::unique_chroot(name);
    let root = zk_client_blocking::connect(&server).expect("connect");
    root.ensure_path(&chroot).expect("chroot");
    root.close();
    zk_client_blocking::builder(&format!("{server}{chroot}"))
        .session_timeout(Duration::from_secs(10))
        .connect()
        .expect("connect in the chroot")
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn the_client_is_send_sync_and_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Client>();
}

/// What the client's methods take and return can be named from this crate alone (this test
/// fails to compile otherwise).
#[test]
fn the_types_of_the_api_are_reexported() {
    use zk_client_blocking as zk;
    let _: fn(&str) -> zk::Builder = zk::builder;
    let _: fn(zk::Builder) -> Result<Client, Error> = zk::Builder::connect;
    let _: fn(&Client) -> zk::Transaction = Client::transaction;
    let _: fn(&Client, zk::Transaction) -> Result<Vec<zk::MultiResult>, zk::TransactionError> =
        Client::commit;
    let _: fn(zk::Builder, zk::sasl::SaslConfig) -> zk::Builder = zk::Builder::sasl;
    let _: fn(zk::Builder) -> zk::ClientBuilder = zk::Builder::into_async;
    let _: fn(&Client) -> &zk::AsyncClient = Client::async_client;
    let _: fn(&zk::Watch) -> zk::WatchId = zk::Watch::id;
    let _: fn(&zk::WatchEvents) -> zk::WatchId = zk::WatchEvents::id;
}

#[test]
fn calls_block_and_return_results() {
    let client = client("calls");
    assert_eq!(client.create("/a", "1").unwrap(), "/a");
    assert_eq!(client.get_data("/a").unwrap().0.as_ref(), b"1");
    assert_eq!(client.set_data("/a", "2", Some(0)).unwrap().version, 1);
    assert_eq!(
        client.set_data("/a", "3", Some(0)),
        Err(Error::Server(ErrorCode::BadVersion))
    );
    assert_eq!(client.get_children("/").unwrap(), ["a"]);
    assert_eq!(client.exists("/missing").unwrap(), None);
    let results = client
        .commit(
            client
                .transaction()
                .create("/b", "", CreateMode::Persistent)
                .check("/a", 1),
        )
        .unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(client.state(), SessionState::Connected);
    client.close();
    assert_eq!(client.get_data("/a"), Err(Error::Closed));
}

#[test]
fn one_shot_watches_wait_with_and_without_timeout() {
    let client = client("oneshot");
    let other = client.clone();
    client.create("/w", "").unwrap();
    let (_, _, mut watch) = client.get_data_watched("/w").unwrap();
    let id = watch.id();
    assert_eq!(
        watch.wait_timeout(Duration::from_millis(50)),
        Err(RecvTimeoutError::Timeout),
        "nothing changed yet"
    );
    let writer = std::thread::spawn(move || other.set_data("/w", "x", None).unwrap());
    match watch.wait_timeout(WAIT) {
        Ok(WatchEvent::Node(event)) => assert_eq!(event.event_type, EventType::NodeDataChanged),
        other => panic!("{other:?}"),
    }
    writer.join().unwrap();
    // The event was taken: nothing more will come, and the id is still the watch's.
    assert_eq!(
        watch.wait_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(watch.id(), id);
    let (stat, watch) = client.exists_watched("/new").unwrap();
    assert_eq!(stat, None);
    client.create("/new", "").unwrap();
    assert!(matches!(watch.wait(), WatchEvent::Node(e) if e.event_type == EventType::NodeCreated));
    client.close();
}

#[test]
fn persistent_watches_iterate_and_end() {
    let client = client("persistent");
    let mut events = client
        .add_watch("/", AddWatchMode::PersistentRecursive)
        .unwrap();
    assert_eq!(
        events.recv_timeout(Duration::from_millis(50)),
        Err(RecvTimeoutError::Timeout)
    );
    client.create("/x", "").unwrap();
    client.delete("/x", None).unwrap();
    let seen: Vec<EventType> = events
        .by_ref()
        .take(2)
        .map(|e| match e {
            WatchEvent::Node(node) => node.event_type,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seen, [EventType::NodeCreated, EventType::NodeDeleted]);
    client.close();
    assert_eq!(events.recv_timeout(WAIT), Ok(WatchEvent::Closed));
    assert_eq!(events.next(), None);
    assert_eq!(
        events.recv_timeout(WAIT),
        Err(RecvTimeoutError::Disconnected)
    );
}

#[test]
fn state_changes_are_received() {
    let client = client("states");
    let mut states = client.state_changes();
    let closer = client.clone();
    let handle = std::thread::spawn(move || closer.close());
    let change = states.recv_timeout(WAIT).expect("a change in time");
    assert_eq!(change.state, SessionState::Closed);
    handle.join().unwrap();
    // Once the last handle is gone nothing can change any more.
    drop(client);
    assert_eq!(
        states.recv_timeout(WAIT).map(|change| change.state),
        Err(RecvTimeoutError::Disconnected),
        "the client has stopped"
    );
}

#[test]
fn per_call_timeouts_bound_each_call() {
    // What is tested is the client's deadline, so any server will do: the embedded one,
    // behind a fault proxy that swallows traffic.
    let server = zk_testing::EmbeddedServer::start().unwrap();
    let proxy = zk_testing::FaultProxy::start(server.addr()).unwrap();
    let client = zk_client_blocking::connect(&proxy.address()).unwrap();
    proxy.blackhole();
    let quick = client.with_timeout(Duration::from_millis(200));
    assert_eq!(quick.get_data("/"), Err(Error::Timeout));
    proxy.restore();
    client.close();
}

#[test]
fn retries_wait_on_the_calling_thread() {
    let client = client("retry");
    let mut attempts = 0;
    let policy = RetryPolicy::default().with_delay(Duration::from_millis(1));
    let value = client
        .retry(&policy, |c| {
            attempts += 1;
            if attempts < 3 {
                Err(Error::ConnectionLoss)
            } else {
                c.create("/r", "")
            }
        })
        .unwrap();
    assert_eq!((value.as_str(), attempts), ("/r", 3));
    client.close();
}

#[test]
fn async_code_and_recipes_run_through_block_on() {
    let client = client("blockon");
    let async_client = client.async_client().clone();
    let created = zk_client_blocking::block_on(async move {
        async_client
            .create_with("/e", "", &CreateOptions::mode(CreateMode::Ephemeral))
            .await
    })
    .unwrap();
    assert_eq!(created, "/e");
    client.close();
}

#[test]
fn many_threads_share_one_client() {
    let client = client("threads");
    client.create("/counter", "").unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    client.create(&format!("/counter/t{t}-{i}"), "").unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(client.get_children("/counter").unwrap().len(), 400);
    client.close();
}
