//! Queue and LockingQueue against a real server: kazoo's node names and data, ordering by
//! priority, many consumers, timeouts and cancellation that leave no watch or lock behind,
//! and a connection loss in the middle of draining.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::within;
use support::{OwnServer, WAIT, client_with};
use zk_client::{Error, ErrorCode, WatcherType};
use zk_recipes::{ChildrenWatch, LockingQueue, Queue, RecipeError};

const SESSION: Duration = Duration::from_secs(10);

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_orders_by_priority_then_creation_with_kazoos_names() {
    let connect = support::chroot("queue-order").await;
    let client = support::client(&connect).await;
    let mut queue = Queue::new(&client, "/q");
    assert_eq!(queue.get().await.unwrap(), None, "an empty queue");
    assert_eq!(queue.put("a").await.unwrap(), "entry-100-0000000000");
    assert_eq!(
        queue.put_with_priority("b", 5).await.unwrap(),
        "entry-005-0000000001"
    );
    queue.put_with_priority("c", 100).await.unwrap();
    queue.put_with_priority("d", 0).await.unwrap();
    queue.put_with_priority("e", 999).await.unwrap();
    assert!(matches!(
        queue.put_with_priority("f", 1000).await,
        Err(RecipeError::Zk(Error::InvalidArgument { .. }))
    ));
    assert_eq!(
        sorted(client.get_children("/q").await.unwrap()),
        [
            "entry-000-0000000003",
            "entry-005-0000000001",
            "entry-100-0000000000",
            "entry-100-0000000002",
            "entry-999-0000000004"
        ]
    );
    assert_eq!(
        client
            .get_data("/q/entry-005-0000000001")
            .await
            .unwrap()
            .0
            .as_ref(),
        b"b"
    );
    assert_eq!(queue.len().await.unwrap(), 5);
    let mut got = Vec::new();
    while let Some(value) = queue.get().await.unwrap() {
        got.push(String::from_utf8(value.to_vec()).unwrap());
    }
    assert_eq!(got, ["d", "b", "a", "c", "e"]);
    assert!(queue.is_empty().await.unwrap());
    client.close().await;
}

/// Twenty consumers on four sessions drain 200 entries: each entry is taken exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_consumers_take_every_entry_exactly_once() {
    let connect = support::chroot("queue-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let producer = Queue::new(&clients[0], "/q");
    for i in 0..200 {
        producer.put(format!("{i}")).await.unwrap();
    }
    let mut tasks = Vec::new();
    for consumer in 0..20 {
        let client = clients[consumer % clients.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut queue = Queue::new(&client, "/q");
            let mut got = Vec::new();
            while let Some(value) = queue.get().await.unwrap() {
                got.push(String::from_utf8(value.to_vec()).unwrap());
            }
            got
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(within(WAIT, "a consumer", task).await.unwrap());
    }
    assert_eq!(all.len(), 200, "no entry twice");
    let distinct: BTreeSet<u32> = all.iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(distinct, (0..200).collect(), "every entry once");
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_queue_locks_consumes_and_releases_as_kazoo_does() {
    let connect = support::chroot("lqueue").await;
    let client = support::client(&connect).await;
    let other_client = support::client(&connect).await;
    let mut queue = LockingQueue::new(&client, "/lq");
    let mut other = LockingQueue::new(&other_client, "/lq");
    assert_eq!(queue.id().len(), 32);
    assert_ne!(queue.id(), other.id());

    assert_eq!(queue.put("one").await.unwrap(), "entry-100-0000000000");
    let names = queue.put_all(["two", "three"], 50).await.unwrap();
    assert_eq!(names, ["entry-050-0000000001", "entry-050-0000000002"]);
    assert_eq!(
        queue.put_all(Vec::<&str>::new(), 50).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        sorted(client.get_children("/lq").await.unwrap()),
        ["entries", "taken"]
    );
    assert_eq!(queue.len().await.unwrap(), 3);
    assert!(!queue.holds_lock().await.unwrap(), "nothing taken yet");

    // Priority first: "two" is locked with an ephemeral node holding our id.
    let got = queue.get(Some(WAIT)).await.unwrap();
    assert_eq!(got.as_ref(), b"two");
    assert_eq!(queue.processing(), Some("entry-050-0000000001"));
    let (owner, stat) = client
        .get_data("/lq/taken/entry-050-0000000001")
        .await
        .unwrap();
    assert_eq!(owner.as_ref(), queue.id().as_bytes());
    assert_eq!(stat.ephemeral_owner, client.session_id().unwrap().get());
    assert!(queue.holds_lock().await.unwrap());
    // The same entry again until consumed or released.
    assert_eq!(queue.get(Some(WAIT)).await.unwrap().as_ref(), b"two");

    // The other consumer skips the locked entry.
    assert_eq!(other.get(Some(WAIT)).await.unwrap().as_ref(), b"three");
    assert_eq!(queue.len().await.unwrap(), 3, "locked entries still count");
    assert!(other.release().await.unwrap());
    assert!(!other.release().await.unwrap(), "nothing left to release");
    assert_eq!(other.processing(), None);

    assert!(queue.consume().await.unwrap());
    assert_eq!(queue.len().await.unwrap(), 2);
    assert!(
        client.get_children("/lq/taken").await.unwrap().is_empty(),
        "entry and lock went together"
    );
    // "three" is free again, then "one".
    assert_eq!(queue.get(Some(WAIT)).await.unwrap().as_ref(), b"three");
    assert!(queue.consume().await.unwrap());
    assert_eq!(other.get(Some(WAIT)).await.unwrap().as_ref(), b"one");
    // A lock lost behind our back (deleted by hand here) is not consumed.
    client
        .delete("/lq/taken/entry-100-0000000000", None)
        .await
        .unwrap();
    assert!(!other.holds_lock().await.unwrap());
    assert!(!other.consume().await.unwrap());
    assert_eq!(other.len().await.unwrap(), 1);
    client.close().await;
    other_client.close().await;
}

/// A consumer waiting on an empty queue gets the entry put later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_queue_get_waits_for_an_entry() {
    let connect = support::chroot("lqueue-wait").await;
    let client = support::client(&connect).await;
    let mut consumer = LockingQueue::new(&client, "/lq");
    let waiting = tokio::spawn(async move {
        let got = consumer.get(None).await;
        (got, consumer)
    });
    let producer = LockingQueue::new(&client, "/lq");
    producer.put("late").await.unwrap();
    let (got, mut consumer) = within(WAIT, "the waiting consumer", waiting).await.unwrap();
    assert_eq!(got.unwrap().as_ref(), b"late");
    assert!(consumer.consume().await.unwrap());
    client.close().await;
}

/// Timeouts and cancelled gets leave no watch on the server (kazoo #175) and no lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_queue_timeouts_and_cancels_leave_no_watches() {
    let connect = support::chroot("lqueue-leak").await;
    let client = support::client(&connect).await;
    let mut queue = LockingQueue::new(&client, "/lq");
    for _ in 0..30 {
        assert_eq!(
            queue.get(Some(Duration::from_millis(10))).await,
            Err(RecipeError::Timeout)
        );
    }
    // A get cancelled by dropping its future (aborting its task).
    let mut cancelled = LockingQueue::new(&client, "/lq");
    let task = tokio::spawn(async move { cancelled.get(None).await });
    // Let it reach its wait: its watches show up on the server.
    within(WAIT, "the get's watches", async {
        while client
            .check_watches("/lq/entries", WatcherType::Children)
            .await
            .is_err()
        {
            tokio::task::yield_now().await;
        }
    })
    .await;
    for path in ["/lq/entries", "/lq/taken"] {
        assert_eq!(
            client.check_watches(path, WatcherType::Children).await,
            Ok(()),
            "the waiting get watches {path}"
        );
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    for path in ["/lq/entries", "/lq/taken"] {
        assert_eq!(
            client.check_watches(path, WatcherType::Any).await,
            Err(Error::Server(ErrorCode::NoWatcher)),
            "{path} is still watched"
        );
    }
    // Nothing was locked either.
    queue.put("x").await.unwrap();
    assert_eq!(queue.get(Some(WAIT)).await.unwrap().as_ref(), b"x");
    client.close().await;
}

/// Twenty consumers on two sessions, one of which loses its connection in the middle:
/// every entry is consumed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_queue_consumers_survive_a_connection_loss() {
    let server = OwnServer::start("lqueue-cut").await;
    let steady = client_with(&server.direct, SESSION).await;
    let flaky = client_with(&server.proxied, SESSION).await;
    let producer = LockingQueue::new(&steady, "/lq");
    for chunk in 0..4 {
        let values: Vec<String> = (0..25).map(|i| format!("{}", chunk * 25 + i)).collect();
        producer.put_all(values, 100).await.unwrap();
    }
    let consumed: Arc<Mutex<BTreeMap<u32, usize>>> = Arc::default();
    let mut entries = ChildrenWatch::new(&steady, "/lq/entries");
    let mut tasks = Vec::new();
    for consumer in 0..20 {
        let client = if consumer % 2 == 0 {
            flaky.clone()
        } else {
            steady.clone()
        };
        let consumed = consumed.clone();
        tasks.push(tokio::spawn(async move {
            let mut queue = LockingQueue::new(&client, "/lq");
            loop {
                let value = match queue.get(Some(Duration::from_secs(1))).await {
                    Ok(value) => value,
                    Err(RecipeError::Timeout) => break,
                    Err(other) => panic!("get failed: {other}"),
                };
                let item: u32 = std::str::from_utf8(&value).unwrap().parse().unwrap();
                if queue.consume().await.unwrap() {
                    *consumed.lock().unwrap().entry(item).or_default() += 1;
                }
            }
        }));
    }
    // Cut the flaky session's connection once a fifth of the work is done.
    within(WAIT, "progress", async {
        while let Some(update) = entries.next().await {
            if update.unwrap().children.len() <= 80 {
                break;
            }
        }
    })
    .await;
    entries.stop();
    server.cut_all();
    server.restore_all();
    for task in tasks {
        within(Duration::from_secs(40), "a consumer", task)
            .await
            .unwrap();
    }
    let consumed = consumed.lock().unwrap().clone();
    assert_eq!(consumed.len(), 100, "every entry consumed");
    assert!(
        consumed.values().all(|n| *n == 1),
        "no entry twice: {consumed:?}"
    );
    assert!(producer.is_empty().await.unwrap());
    assert!(steady.get_children("/lq/taken").await.unwrap().is_empty());
    steady.close().await;
    flaky.close().await;
}
