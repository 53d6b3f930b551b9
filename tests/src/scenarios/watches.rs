//! Every watch kind, removal, and ZooKeeper's ordering guarantee.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use zk_client::{
    AddWatchMode, Error, ErrorCode, EventType, NodeEvent, WatchEvent, WatchStream, WatcherType,
};

use super::JoinAll;
use crate::{Adapter, Env, within};

const WAIT: Duration = Duration::from_secs(15);

fn node(event_type: EventType, path: &str) -> NodeEvent {
    NodeEvent::new(event_type, path.to_owned(), None)
}

/// The event without its zxid (servers before 3.9 send none; later ones do).
fn strip(event: WatchEvent) -> WatchEvent {
    match event {
        WatchEvent::Node(mut e) => {
            e.zxid = None;
            WatchEvent::Node(e)
        }
        other => other,
    }
}

async fn next(client: &zk_client::Client, stream: &mut WatchStream) -> WatchEvent {
    strip(
        within(client, WAIT, "a watch event", stream.next())
            .await
            .expect("the stream is open"),
    )
}

/// Polls a future once, without waiting.
fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

/// Data, exist and child watches fire once for changes made by another session.
pub async fn watches_one_shot<A: Adapter>() {
    let env = Env::new::<A>("oneshot").await;
    let watcher = env.client::<A>().await;
    let writer = env.client::<A>().await;

    writer.create("/d", "").await.unwrap();
    let (_, _, data_watch) = watcher.get_data_watched("/d").await.unwrap();
    writer.set_data("/d", "x", None).await.unwrap();
    let event = within(&watcher, WAIT, "the data watch", data_watch).await;
    assert_eq!(
        strip(event),
        WatchEvent::Node(node(EventType::NodeDataChanged, "/d"))
    );

    let (_, _, deleted) = watcher.get_data_watched("/d").await.unwrap();
    writer.delete("/d", None).await.unwrap();
    let event = within(&watcher, WAIT, "the delete event", deleted).await;
    assert_eq!(
        strip(event),
        WatchEvent::Node(node(EventType::NodeDeleted, "/d"))
    );

    let (stat, created) = watcher.exists_watched("/d").await.unwrap();
    assert_eq!(stat, None);
    writer.create("/d", "").await.unwrap();
    let event = within(&watcher, WAIT, "the exist watch", created).await;
    assert_eq!(
        strip(event),
        WatchEvent::Node(node(EventType::NodeCreated, "/d"))
    );

    let (children, _, child_watch) = watcher.get_children_watched("/d").await.unwrap();
    assert!(children.is_empty());
    writer.create("/d/c", "").await.unwrap();
    let event = within(&watcher, WAIT, "the child watch", child_watch).await;
    assert_eq!(
        strip(event),
        WatchEvent::Node(node(EventType::NodeChildrenChanged, "/d"))
    );

    // A read that fails leaves no watch.
    assert!(matches!(
        watcher.get_data_watched("/none").await,
        Err(Error::Server(ErrorCode::NoNode))
    ));
    watcher.close().await;
    writer.close().await;
}

/// Persistent watches see every change of their node; recursive ones see the whole subtree but
/// never child-list changes. A one-shot watch on the same path as a persistent one does not
/// silence it (servers before 3.9 keep one mode per path: the client shares the registration).
pub async fn watches_persistent_and_recursive<A: Adapter>() {
    let env = Env::new::<A>("persistent").await;
    let watcher = env.client::<A>().await;
    let writer = env.client::<A>().await;

    let mut persistent = watcher
        .add_watch("/p", AddWatchMode::Persistent)
        .await
        .unwrap();
    let mut recursive = watcher
        .add_watch("/", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    writer.create("/p", "").await.unwrap();
    writer.set_data("/p", "1", None).await.unwrap();
    writer.create("/p/kid", "").await.unwrap();
    writer.set_data("/p/kid", "1", None).await.unwrap();
    writer.delete("/p/kid", None).await.unwrap();
    writer.delete("/p", None).await.unwrap();

    for expected in [
        node(EventType::NodeCreated, "/p"),
        node(EventType::NodeDataChanged, "/p"),
        node(EventType::NodeChildrenChanged, "/p"),
        node(EventType::NodeChildrenChanged, "/p"),
        node(EventType::NodeDeleted, "/p"),
    ] {
        assert_eq!(
            next(&watcher, &mut persistent).await,
            WatchEvent::Node(expected)
        );
    }
    for expected in [
        node(EventType::NodeCreated, "/p"),
        node(EventType::NodeDataChanged, "/p"),
        node(EventType::NodeCreated, "/p/kid"),
        node(EventType::NodeDataChanged, "/p/kid"),
        node(EventType::NodeDeleted, "/p/kid"),
        node(EventType::NodeDeleted, "/p"),
    ] {
        assert_eq!(
            next(&watcher, &mut recursive).await,
            WatchEvent::Node(expected)
        );
    }

    // A one-shot data watch beside the persistent one: both fire, and the persistent one keeps
    // firing afterwards.
    writer.create("/p", "").await.unwrap();
    assert_eq!(
        next(&watcher, &mut persistent).await,
        WatchEvent::Node(node(EventType::NodeCreated, "/p"))
    );
    let (_, _, once) = watcher.get_data_watched("/p").await.unwrap();
    writer.set_data("/p", "2", None).await.unwrap();
    let changed = WatchEvent::Node(node(EventType::NodeDataChanged, "/p"));
    assert_eq!(
        strip(within(&watcher, WAIT, "the one-shot watch", once).await),
        changed
    );
    assert_eq!(next(&watcher, &mut persistent).await, changed);
    writer.set_data("/p", "3", None).await.unwrap();
    assert_eq!(
        next(&watcher, &mut persistent).await,
        changed,
        "still there after the one-shot fired"
    );

    // Before 3.9 a path holds one persistent mode per connection: asking for both is refused.
    let version = watcher.server_version().await.unwrap();
    let both = watcher
        .add_watch("/p", AddWatchMode::PersistentRecursive)
        .await;
    if version < zk_client::ServerVersion::new(3, 9, 0) {
        assert!(
            matches!(both, Err(Error::InvalidArgument { .. })),
            "{both:?}"
        );
    } else {
        assert!(both.is_ok(), "{both:?}");
    }

    watcher.close().await;
    assert_eq!(persistent.next().await, Some(WatchEvent::Closed));
    assert_eq!(persistent.next().await, None);
    writer.close().await;
}

/// Removing or dropping a watch removes it on the server too.
pub async fn watches_removal<A: Adapter>() {
    let env = Env::new::<A>("removal").await;
    let client = env.client::<A>().await;
    client.create("/w", "").await.unwrap();

    let stream = client
        .add_watch("/w", AddWatchMode::Persistent)
        .await
        .unwrap();
    client.check_watches("/w", WatcherType::Any).await.unwrap();
    stream.remove().await.unwrap();
    assert_eq!(
        client.check_watches("/w", WatcherType::Any).await,
        Err(Error::Server(ErrorCode::NoWatcher))
    );

    let (_, _, watch) = client.get_data_watched("/w").await.unwrap();
    client.check_watches("/w", WatcherType::Data).await.unwrap();
    drop(watch);
    // The removal is queued ahead of this check on the same connection.
    assert_eq!(
        client.check_watches("/w", WatcherType::Data).await,
        Err(Error::Server(ErrorCode::NoWatcher))
    );

    let (_, _, a) = client.get_data_watched("/w").await.unwrap();
    let (_, _, b) = client.get_children_watched("/w").await.unwrap();
    client
        .remove_all_watches("/w", WatcherType::Data)
        .await
        .unwrap();
    assert_eq!(
        within(&client, WAIT, "the removal event", a).await,
        WatchEvent::Removed
    );
    client
        .check_watches("/w", WatcherType::Children)
        .await
        .unwrap();
    drop(b);
    assert_eq!(client.watch_count(), 0);

    // Watched reads abandoned before their reply (a timeout around them, a cancelled task)
    // leave no watcher behind, locally or on the server (kazoo #175).
    for _ in 0..10 {
        assert!(now_or_never(client.get_data_watched("/w")).is_none());
        assert!(now_or_never(client.add_watch("/w", AddWatchMode::PersistentRecursive)).is_none());
    }
    // Replies come in order: once this one is back, so are theirs.
    client.get_data("/w").await.unwrap();
    assert_eq!(client.watch_count(), 0);
    assert_eq!(
        client.check_watches("/w", WatcherType::Any).await,
        Err(Error::Server(ErrorCode::NoWatcher))
    );
    // Abandoned after the reply arrived but before the caller looked at it.
    {
        let mut read = pin!(client.get_data_watched("/w"));
        let waker = Waker::noop();
        assert!(
            read.as_mut()
                .poll(&mut Context::from_waker(waker))
                .is_pending()
        );
        client.get_data("/w").await.unwrap();
    }
    assert_eq!(client.watch_count(), 0);
    assert_eq!(
        client.check_watches("/w", WatcherType::Any).await,
        Err(Error::Server(ErrorCode::NoWatcher))
    );
    client.close().await;
}

/// A watch event is delivered before the reply to any later read that sees the change.
pub async fn watch_event_precedes_the_read_that_sees_it<A: Adapter>() {
    let env = Env::new::<A>("ordering").await;
    let watcher = env.client::<A>().await;
    let writer = env.client::<A>().await;
    writer.create("/o", "0").await.unwrap();
    for round in 1..=20 {
        let (_, _, watch) = watcher.get_data_watched("/o").await.unwrap();
        let mut watch = Box::pin(watch);
        writer
            .set_data("/o", round.to_string(), None)
            .await
            .unwrap();
        // The read that observes the write...
        loop {
            let (data, _) = watcher.get_data("/o").await.unwrap();
            if data.as_ref() == round.to_string().as_bytes() {
                break;
            }
        }
        // ...was preceded by the event: it is ready without waiting.
        let event = now_or_never(watch.as_mut()).expect("the event arrived before the read");
        assert!(
            matches!(event, WatchEvent::Node(ref e) if e.event_type == EventType::NodeDataChanged)
        );
    }
    watcher.close().await;
    writer.close().await;
}

/// A persistent watch nobody reads during a flood of 5,000 changes holds at most the event
/// queue capacity, the client keeps working meanwhile, and the reader is told how many events
/// it missed before it gets the newest ones; the stream then carries on.
pub async fn watches_unread_stream_is_bounded_and_reports_the_lag<A: Adapter>() {
    const CHANGES: usize = 5_000;
    let capacity = zk_client::ClientBuilder::DEFAULT_EVENT_QUEUE_CAPACITY;
    let env = Env::new::<A>("flood").await;
    let watcher = env.client::<A>().await;
    let writer = env.client::<A>().await;
    let mut stream = watcher
        .add_watch("/f", AddWatchMode::Persistent)
        .await
        .unwrap();
    writer.create("/f", "").await.unwrap();
    let sets = JoinAll::new(
        (0..CHANGES)
            .map(|i| writer.set_data("/f", i.to_string(), None))
            .collect(),
    );
    let results = within(&writer, Duration::from_secs(120), "5,000 writes", sets).await;
    assert!(results.iter().all(Result::is_ok));

    // The watcher's driver kept going: a read completes, and it sees the last write, so every
    // notification (sent before its reply) has been queued by now.
    let (_, stat) = within(&watcher, WAIT, "a read", watcher.get_data("/f"))
        .await
        .unwrap();
    assert_eq!(stat.version as usize, CHANGES);
    assert_eq!(stream.queued(), capacity, "memory stays at the capacity");

    let events = CHANGES + 1; // the creation, then every write
    assert_eq!(
        next(&watcher, &mut stream).await,
        WatchEvent::Lagged {
            missed: (events - capacity) as u64
        }
    );
    for _ in 0..capacity {
        assert_eq!(
            next(&watcher, &mut stream).await,
            WatchEvent::Node(node(EventType::NodeDataChanged, "/f"))
        );
    }
    assert_eq!(stream.queued(), 0);
    assert!(now_or_never(stream.next()).is_none(), "nothing else queued");

    writer.delete("/f", None).await.unwrap();
    assert_eq!(
        next(&watcher, &mut stream).await,
        WatchEvent::Node(node(EventType::NodeDeleted, "/f")),
        "a stream that caught up misses nothing"
    );
    watcher.close().await;
    assert_eq!(stream.next().await, Some(WatchEvent::Closed));
    writer.close().await;
}
