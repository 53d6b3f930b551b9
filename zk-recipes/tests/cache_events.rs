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

/// Reads `events` as a stream until `done` holds after an event; returns what was delivered
/// and what the stream reported lost.
async fn drain<E: Clone + std::fmt::Debug>(
    events: &mut Events<E>,
    missed_of: impl Fn(&E) -> Option<u64>,
    done: impl Fn() -> bool,
) -> (Vec<E>, u64) {
    let mut delivered = Vec::new();
    let mut missed = 0;
    within(WAIT, "the flood to be cached", async {
        // Through the Stream impl (the inherent `next` is the same poll).
        while let Some(event) = StreamExt::next(events).await {
            match missed_of(&event) {
                Some(n) => missed += n,
                None => delivered.push(event),
            }
            if done() {
                return;
            }
        }
        panic!("the subscription ended");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_tree_cache_subscription_stays_bounded_and_reports_the_gap() {
    let connect = support::chroot("tree-flood").await;
    let client = support::client(&connect).await;
    client.ensure_path("/flood").await.unwrap();
    let cache = TreeCache::new(&client, "/flood").with_event_capacity(CAPACITY);
    let mut idle = cache.events();
    let mut reader = cache.events();
    cache.start().await.unwrap();
    let lagged = |e: &TreeEvent| match e {
        TreeEvent::Lagged { missed } => Some(*missed),
        _ => None,
    };
    let (loaded, _) = drain(&mut reader, lagged, || cache.is_initialized()).await;
    assert!(loaded.contains(&TreeEvent::Initialized));

    for i in 0..FLOOD {
        client.create(&child(i), "x").await.unwrap();
    }
    let all_cached = || (0..FLOOD).all(|i| matches!(cache.get_data(&child(i)), Ok(Some(_))));
    let (delivered, reader_missed) = drain(&mut reader, lagged, all_cached).await;
    let published = (loaded.len() + delivered.len()) as u64 + reader_missed;
    assert!(published >= (FLOOD + 2) as u64, "{published}");

    let (missed, kept) = unread(&mut idle, lagged);
    assert_eq!(kept.len(), CAPACITY, "the newest events, no more");
    assert_eq!(
        missed + kept.len() as u64,
        published,
        "every event counted once"
    );
    assert_eq!(kept.last(), delivered.last(), "the newest is never dropped");
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
    let mut idle = cache.events();
    let mut reader = cache.events();
    cache.start().await.unwrap();
    let lagged = |e: &CacheEvent| match e {
        CacheEvent::Lagged { missed } => Some(*missed),
        _ => None,
    };
    let (loaded, _) = drain(&mut reader, lagged, || cache.is_initialized()).await;
    assert!(loaded.contains(&CacheEvent::Initialized));

    for i in 0..FLOOD {
        client.create(&child(i), "x").await.unwrap();
    }
    let all_cached = || (0..FLOOD).all(|i| cache.get(&child(i)).is_some());
    let (delivered, reader_missed) = drain(&mut reader, lagged, all_cached).await;
    let published = (loaded.len() + delivered.len()) as u64 + reader_missed;
    assert!(published >= (FLOOD + 2) as u64, "{published}");

    let (missed, kept) = unread(&mut idle, lagged);
    assert_eq!(kept.len(), CAPACITY, "the newest events, no more");
    assert_eq!(
        missed + kept.len() as u64,
        published,
        "every event counted once"
    );
    assert_eq!(kept.last(), delivered.last(), "the newest is never dropped");
    assert_eq!(cache.children("/flood").unwrap().len(), FLOOD);
    cache.close();
    assert_eq!(reader.next().await, None, "closed: the stream ends");
    client.close().await;
}
