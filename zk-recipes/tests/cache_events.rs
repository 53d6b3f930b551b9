//! Cache subscriptions are bounded: a flood of changes into a subscription nobody reads keeps
//! at most the capacity of events, and its next item reports how many it lost; a subscription
//! read as a `Stream` meanwhile sees every change or the same kind of report, and the cache
//! itself loses nothing.

mod support;

use futures_util::StreamExt;
use support::{WAIT, within};
use zk_recipes::{CacheEvent, CuratorCache, Events, TreeCache, TreeEvent};

const CAPACITY: usize = 8;
const FLOOD: usize = 60;

fn child(i: usize) -> String {
    format!("/flood/n{i:03}")
}

/// Reads `events` as a stream until `count` events were delivered or reported lost; returns
/// what was delivered and how many were reported lost.
async fn drain<E: Clone + std::fmt::Debug>(
    events: &mut Events<E>,
    missed_of: impl Fn(&E) -> Option<u64>,
    count: u64,
) -> (Vec<E>, u64) {
    let mut delivered = Vec::new();
    let mut missed = 0;
    within(WAIT, "the events", async {
        while (delivered.len() as u64) + missed < count {
            // Through the Stream impl (the inherent `next` is the same poll).
            let event = StreamExt::next(events)
                .await
                .expect("the subscription goes on");
            match missed_of(&event) {
                Some(n) => missed += n,
                None => delivered.push(event),
            }
        }
    })
    .await;
    (delivered, missed)
}

/// Takes what an unread subscription holds: a lag report first, then at most the capacity.
fn unread<E: Clone + std::fmt::Debug>(
    events: &mut Events<E>,
    missed_of: impl Fn(&E) -> Option<u64>,
) -> (u64, Vec<E>) {
    let first = events.try_next().expect("something queued");
    let missed = missed_of(&first).unwrap_or_else(|| panic!("a lag report first: {first:?}"));
    let rest: Vec<E> = std::iter::from_fn(|| events.try_next()).collect();
    assert!(rest.iter().all(|e| missed_of(e).is_none()), "{rest:?}");
    (missed, rest)
}

/// The flood, seen through two subscriptions of a started cache: `reader` is read as the
/// events come, `idle` only at the end. Checks the bound and the lag report; returns what the
/// reader got last.
async fn flood<E: Clone + PartialEq + std::fmt::Debug>(
    client: &zk_client_tokio::Client,
    idle: &mut Events<E>,
    reader: &mut Events<E>,
    lagged: fn(&E) -> Option<u64>,
    initialized: E,
) -> Option<E> {
    // The root, and the end of the initial load.
    let (loaded, _) = drain(reader, lagged, 2).await;
    assert_eq!(loaded.last(), Some(&initialized));
    for i in 0..FLOOD {
        client.create(&child(i), "x").await.unwrap();
    }
    // One event per node: the reader keeps up or is told what it missed.
    let (delivered, _) = drain(reader, lagged, FLOOD as u64).await;
    let (missed, kept) = unread(idle, lagged);
    assert_eq!(kept.len(), CAPACITY, "the newest events, no more");
    let counted = missed + kept.len() as u64;
    assert_eq!(counted, (FLOOD + 2) as u64, "each event counted once");
    assert_eq!(kept.last(), delivered.last(), "the newest is never dropped");
    delivered.last().cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_tree_cache_subscription_stays_bounded_and_reports_the_gap() {
    let connect = support::chroot("tree-flood").await;
    let client = support::client(&connect).await;
    client.ensure_path("/flood").await.unwrap();
    let cache = TreeCache::new(&client, "/flood").with_event_capacity(CAPACITY);
    let (mut idle, mut reader) = (cache.events(), cache.events());
    cache.start().await.unwrap();
    let lagged = |e: &TreeEvent| match e {
        TreeEvent::Lagged { missed } => Some(*missed),
        _ => None,
    };
    let last = flood(
        &client,
        &mut idle,
        &mut reader,
        lagged,
        TreeEvent::Initialized,
    )
    .await;
    assert!(matches!(last, Some(TreeEvent::NodeAdded(_))), "{last:?}");
    // The cache itself lost nothing.
    assert!((0..FLOOD).all(|i| matches!(cache.get_data(&child(i)), Ok(Some(_)))));
    assert_eq!(cache.get_children("/flood").unwrap().unwrap().len(), FLOOD);
    cache.close();
    assert_eq!(reader.next().await, None, "closed: the stream ends");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_curator_cache_subscription_stays_bounded_and_reports_the_gap() {
    let connect = support::chroot("curator-flood").await;
    let client = support::client(&connect).await;
    client.ensure_path("/flood").await.unwrap();
    let cache = CuratorCache::new(&client, "/flood").with_event_capacity(CAPACITY);
    let (mut idle, mut reader) = (cache.events(), cache.events());
    cache.start().await.unwrap();
    let lagged = |e: &CacheEvent| match e {
        CacheEvent::Lagged { missed } => Some(*missed),
        _ => None,
    };
    let last = flood(
        &client,
        &mut idle,
        &mut reader,
        lagged,
        CacheEvent::Initialized,
    )
    .await;
    assert!(matches!(last, Some(CacheEvent::Created(_))), "{last:?}");
    // The cache itself lost nothing.
    assert!((0..FLOOD).all(|i| cache.get(&child(i)).is_some()));
    assert_eq!(cache.children("/flood").unwrap().len(), FLOOD);
    cache.close();
    assert_eq!(reader.next().await, None, "closed: the stream ends");
    client.close().await;
}
