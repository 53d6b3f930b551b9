//! TreeCache and CuratorCache against a real server: the initial load, following changes,
//! the seven TreeCache events, one watch for a large tree, closing without leftovers, and
//! recovery from a connection loss and a real session expiry (changes made meanwhile are
//! caught up).

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::waits::wait_for_state;
use support::watches::{server_data_watches, until_unwatched};
use support::within;
use support::{OwnServer, WAIT, client_with};
use zk_client::{CreateMode, SessionState};
use zk_recipes::{CacheEvent, CuratorCache, Events, RecipeError, TreeCache, TreeEvent};

const SESSION: Duration = Duration::from_secs(10);

/// Reads events until `done` says the ones seen so far are enough; returns them.
async fn collect<E: std::fmt::Debug + Clone>(
    events: &mut Events<E>,
    mut done: impl FnMut(&[E]) -> bool,
) -> Vec<E> {
    let mut seen = Vec::new();
    let finished = tokio::time::timeout(WAIT, async {
        loop {
            match events.next().await {
                Some(event) => {
                    seen.push(event);
                    if done(&seen) {
                        return true;
                    }
                }
                None => return false,
            }
        }
    })
    .await;
    assert_eq!(finished, Ok(true), "events so far: {seen:?}");
    seen
}

async fn next<E: std::fmt::Debug + Clone>(events: &mut Events<E>) -> E {
    within(WAIT, "an event", events.next())
        .await
        .expect("the cache is running")
}

fn tree_paths(events: &[TreeEvent], kind: fn(&TreeEvent) -> bool) -> BTreeSet<String> {
    events
        .iter()
        .filter(|e| kind(e))
        .filter_map(|e| e.event_data().map(|d| d.path.clone()))
        .collect()
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| (*p).to_owned()).collect()
}

fn is_added(e: &TreeEvent) -> bool {
    matches!(e, TreeEvent::NodeAdded(_))
}
fn is_updated(e: &TreeEvent) -> bool {
    matches!(e, TreeEvent::NodeUpdated(_))
}
fn is_removed(e: &TreeEvent) -> bool {
    matches!(e, TreeEvent::NodeRemoved(_))
}

fn cache_paths(events: &[CacheEvent]) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let (mut created, mut changed, mut deleted) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for event in events {
        match event {
            CacheEvent::Created(d) => created.insert(d.path.clone()),
            CacheEvent::Changed { new, .. } => changed.insert(new.path.clone()),
            CacheEvent::Deleted(d) => deleted.insert(d.path.clone()),
            _ => false,
        };
    }
    (created, changed, deleted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_loads_follows_and_closes() {
    let connect = support::chroot("treecache").await;
    let client = support::client(&connect).await;
    client.create("/app", "root").await.unwrap();
    client.create("/app/a", "1").await.unwrap();
    client.create("/app/a/x", "").await.unwrap();
    client.create("/app/b", "").await.unwrap();

    let cache = TreeCache::new(&client, "/app");
    let mut events = cache.events();
    cache.start().await.unwrap();
    assert!(matches!(
        cache.start().await,
        Err(RecipeError::Inconsistent(_))
    ));
    let load = collect(&mut events, |seen| {
        matches!(seen.last(), Some(TreeEvent::Initialized))
    })
    .await;
    assert_eq!(
        tree_paths(&load, is_added),
        set(&["/app", "/app/a", "/app/a/x", "/app/b"])
    );
    assert_eq!(load.len(), 5, "{load:?}");
    assert!(cache.is_initialized());
    assert_eq!(
        cache.get_data("/app/a").unwrap().unwrap().data.as_ref(),
        b"1"
    );
    assert_eq!(
        cache.get_children("/app").unwrap().unwrap(),
        set(&["a", "b"])
    );
    assert_eq!(cache.get_children("/app/a/x").unwrap().unwrap(), set(&[]));
    assert_eq!(cache.get_data("/app/missing").unwrap(), None);
    assert!(cache.get_data("/apple").is_err(), "outside of the tree");
    assert!(cache.get_children("/").is_err());

    client.set_data("/app/a", "2", None).await.unwrap();
    match next(&mut events).await {
        TreeEvent::NodeUpdated(node) => {
            assert_eq!(
                (node.path.as_str(), node.data.as_ref()),
                ("/app/a", &b"2"[..])
            );
        }
        other => panic!("{other:?}"),
    }
    client.create("/app/b/new", "n").await.unwrap();
    match next(&mut events).await {
        TreeEvent::NodeAdded(node) => assert_eq!(node.path, "/app/b/new"),
        other => panic!("{other:?}"),
    }
    client.delete("/app/a/x", None).await.unwrap();
    match next(&mut events).await {
        TreeEvent::NodeRemoved(node) => assert_eq!(node.path, "/app/a/x"),
        other => panic!("{other:?}"),
    }
    assert_eq!(cache.get_children("/app/a").unwrap().unwrap(), set(&[]));

    // The whole tree goes, then the root comes back.
    client.delete_recursive("/app").await.unwrap();
    let gone = collect(&mut events, |seen| {
        tree_paths(seen, is_removed).contains("/app")
    })
    .await;
    let removed: Vec<&str> = gone
        .iter()
        .filter_map(|e| e.event_data().map(|d| d.path.as_str()))
        .collect();
    assert_eq!(
        removed.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from(["/app/a", "/app/b", "/app/b/new", "/app"])
    );
    assert_eq!(removed.last(), Some(&"/app"), "children go first");
    assert_eq!(cache.get_data("/app").unwrap(), None);
    client.create("/app", "again").await.unwrap();
    match next(&mut events).await {
        TreeEvent::NodeAdded(node) => assert_eq!(node.data.as_ref(), b"again"),
        other => panic!("{other:?}"),
    }

    cache.close();
    assert!(within(WAIT, "the end", events.next()).await.is_none());
    assert_eq!(cache.get_data("/app").unwrap(), None);
    assert!(matches!(
        cache.start().await,
        Err(RecipeError::Inconsistent(_))
    ));
    until_unwatched(&client, "/app").await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_cache_loads_follows_and_closes() {
    let connect = support::chroot("curatorcache").await;
    let client = support::client(&connect).await;
    client.create("/svc", "").await.unwrap();
    client.create("/svc/a", "1").await.unwrap();
    client.create("/svc/a/x", "x").await.unwrap();
    client.create("/svc/b", "").await.unwrap();

    let cache = CuratorCache::new(&client, "/svc");
    let mut events = cache.events();
    cache.start().await.unwrap();
    let load = collect(&mut events, |seen| {
        matches!(seen.last(), Some(CacheEvent::Initialized))
    })
    .await;
    assert_eq!(
        cache_paths(&load).0,
        set(&["/svc", "/svc/a", "/svc/a/x", "/svc/b"])
    );
    assert!(cache.is_initialized());
    assert_eq!(cache.size(), 4);
    assert_eq!(cache.get("/svc/a/x").unwrap().data.as_ref(), b"x");
    assert_eq!(cache.children("/svc").unwrap(), ["a", "b"]);
    assert!(cache.children("/other").is_err());
    let paths: Vec<String> = cache.snapshot().into_iter().map(|n| n.path).collect();
    assert_eq!(paths, ["/svc", "/svc/a", "/svc/a/x", "/svc/b"]);

    client.set_data("/svc/a", "2", None).await.unwrap();
    match next(&mut events).await {
        CacheEvent::Changed { old, new } => {
            assert_eq!(
                (old.data.as_ref(), new.data.as_ref()),
                (&b"1"[..], &b"2"[..])
            );
            assert_eq!(new.path, "/svc/a");
        }
        other => panic!("{other:?}"),
    }
    client.create("/svc/b/deep", "d").await.unwrap();
    match next(&mut events).await {
        CacheEvent::Created(node) => assert_eq!(node.path, "/svc/b/deep"),
        other => panic!("{other:?}"),
    }
    client.delete("/svc/a/x", None).await.unwrap();
    match next(&mut events).await {
        CacheEvent::Deleted(node) => assert_eq!(node.path, "/svc/a/x"),
        other => panic!("{other:?}"),
    }
    cache.close();
    assert!(within(WAIT, "the end", events.next()).await.is_none());
    assert_eq!(cache.size(), 0);
    until_unwatched(&client, "/svc").await;

    // A root that does not exist yet is followed from its creation.
    let late = CuratorCache::new(&client, "/late");
    let mut events = late.events();
    late.start().await.unwrap();
    assert_eq!(next(&mut events).await, CacheEvent::Initialized);
    assert_eq!(late.size(), 0);
    client.create("/late", "").await.unwrap();
    client.create("/late/child", "c").await.unwrap();
    let created = collect(&mut events, |seen| cache_paths(seen).0.len() == 2).await;
    assert_eq!(cache_paths(&created).0, set(&["/late", "/late/child"]));
    drop(late);
    until_unwatched(&client, "/late").await;
    client.close().await;
}

/// A thousand nodes, one watch: the cache loads them all with a single registration on the
/// server (a TreeCache would hold one per node).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_cache_follows_a_large_tree_on_one_watch() {
    let connect = support::chroot("curatorcache-large").await;
    let client = support::client(&connect).await;
    client.create("/big", "").await.unwrap();
    for group in 0..10 {
        let mut transaction =
            client
                .transaction()
                .create(&format!("/big/g{group}"), "", CreateMode::Persistent);
        for item in 0..100 {
            transaction = transaction.create(
                &format!("/big/g{group}/i{item:03}"),
                format!("{group}-{item}"),
                CreateMode::Persistent,
            );
        }
        transaction.commit().await.unwrap();
    }
    let cache = CuratorCache::new(&client, "/big");
    let mut events = cache.events();
    cache.start().await.unwrap();
    let load = collect(&mut events, |seen| {
        matches!(seen.last(), Some(CacheEvent::Initialized))
    })
    .await;
    assert_eq!(load.len(), 1 + 1 + 10 + 1000);
    assert_eq!(cache.size(), 1011);
    assert_eq!(cache.get("/big/g7/i042").unwrap().data.as_ref(), b"7-42");
    assert_eq!(cache.children("/big/g3").unwrap().len(), 100);
    assert_eq!(server_data_watches(&connect, &client), 1);
    client.delete("/big/g9/i099", None).await.unwrap();
    assert!(matches!(next(&mut events).await, CacheEvent::Deleted(_)));
    assert_eq!(cache.size(), 1010);
    client.close().await;
}

/// Both caches on a session whose connection is cut, then expired, while another client
/// changes the tree: each catches up with what changed meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caches_catch_up_after_connection_loss_and_session_expiry() {
    let server = OwnServer::start("caches-faults").await;
    let writer = client_with(&server.direct, SESSION).await;
    let watched = client_with(&server.proxied, SESSION).await;
    writer.create("/t", "").await.unwrap();
    writer.create("/t/a", "1").await.unwrap();
    writer.create("/t/b", "1").await.unwrap();

    let tree = TreeCache::new(&watched, "/t");
    let curator = CuratorCache::new(&watched, "/t");
    let mut tree_events = tree.events();
    let mut curator_events = curator.events();
    tree.start().await.unwrap();
    curator.start().await.unwrap();
    collect(&mut tree_events, |s| {
        matches!(s.last(), Some(TreeEvent::Initialized))
    })
    .await;
    collect(&mut curator_events, |s| {
        matches!(s.last(), Some(CacheEvent::Initialized))
    })
    .await;
    let mut states = watched.state_changes();

    // Connection loss.
    server.cut_all();
    wait_for_state(&mut states, SessionState::Suspended).await;
    writer.set_data("/t/a", "2", None).await.unwrap();
    writer.create("/t/c", "").await.unwrap();
    writer.delete("/t/b", None).await.unwrap();
    server.restore();
    let seen = collect(&mut tree_events, |s| {
        tree_paths(s, is_updated).contains("/t/a")
            && tree_paths(s, is_added).contains("/t/c")
            && tree_paths(s, is_removed).contains("/t/b")
    })
    .await;
    assert_eq!(seen[0], TreeEvent::ConnectionSuspended);
    assert!(seen.contains(&TreeEvent::ConnectionReconnected));
    collect(&mut curator_events, |s| {
        let (created, changed, deleted) = cache_paths(s);
        created.contains("/t/c") && changed.contains("/t/a") && deleted.contains("/t/b")
    })
    .await;
    for (path, data) in [("/t/a", "2"), ("/t/c", "")] {
        assert_eq!(
            tree.get_data(path).unwrap().unwrap().data.as_ref(),
            data.as_bytes()
        );
        assert_eq!(curator.get(path).unwrap().data.as_ref(), data.as_bytes());
    }
    assert_eq!(curator.get("/t/b"), None);
    assert_eq!(tree.get_children("/t").unwrap().unwrap(), set(&["a", "c"]));

    // Session expiry: the new session reads everything again.
    server.cut_and_expire(&watched);
    writer.set_data("/t/a", "3", None).await.unwrap();
    writer.create("/t/d", "").await.unwrap();
    writer.delete("/t/c", None).await.unwrap();
    server.restore();
    let seen = collect(&mut tree_events, |s| {
        tree_paths(s, is_updated).contains("/t/a")
            && tree_paths(s, is_added).contains("/t/d")
            && tree_paths(s, is_removed).contains("/t/c")
            && s.contains(&TreeEvent::Initialized)
    })
    .await;
    assert!(seen.contains(&TreeEvent::ConnectionLost), "{seen:?}");
    assert!(seen.contains(&TreeEvent::ConnectionReconnected));
    collect(&mut curator_events, |s| {
        let (created, changed, deleted) = cache_paths(s);
        created.contains("/t/d") && changed.contains("/t/a") && deleted.contains("/t/c")
    })
    .await;
    assert_eq!(tree.get_children("/t").unwrap().unwrap(), set(&["a", "d"]));
    assert_eq!(curator.children("/t").unwrap(), ["a", "d"]);

    // Both go on following on the new session.
    writer.set_data("/t/d", "x", None).await.unwrap();
    collect(&mut tree_events, |s| {
        tree_paths(s, is_updated).contains("/t/d")
    })
    .await;
    collect(&mut curator_events, |s| cache_paths(s).1.contains("/t/d")).await;
    assert_eq!(curator.get("/t/d").unwrap().data.as_ref(), b"x");
    writer.close().await;
    watched.close().await;
}

/// A CuratorCache that falls behind a burst of changes, so that the client drops some of its
/// watch's events, reads the tree again and ends up equal to the server.
///
/// The test runs on one thread, which it blocks while another thread's client writes: neither
/// the watcher's driver nor the cache's worker runs meanwhile, so when the thread is released
/// the driver reads a backlog of hundreds of notifications and queues them, in one go, into a
/// watch stream that holds two. (A second stream on the same client, not read at all, shows
/// that events were dropped.)
#[tokio::test(flavor = "current_thread")]
async fn curator_cache_that_lagged_reads_the_tree_again() {
    let connect = support::chroot("curatorcache-lag").await;
    let client = zk_client_tokio::builder(&connect)
        .session_timeout(SESSION)
        .event_queue_capacity(2)
        .connect()
        .await
        .expect("connect");
    client.create("/lag", "").await.unwrap();
    for i in 0..50 {
        client.create(&format!("/lag/n{i}"), "0").await.unwrap();
    }
    let cache = CuratorCache::new(&client, "/lag");
    let mut events = cache.events();
    cache.start().await.unwrap();
    collect(&mut events, |seen| {
        matches!(seen.last(), Some(CacheEvent::Initialized))
    })
    .await;
    let mut unread = client
        .add_watch("/lag", zk_client::AddWatchMode::PersistentRecursive)
        .await
        .unwrap();

    let writes = {
        let connect = connect.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the writer");
            runtime.block_on(async {
                let writer = support::client(&connect).await;
                for round in 1..=10 {
                    let mut burst = writer.transaction();
                    for i in 0..50 {
                        burst = burst.set_data(&format!("/lag/n{i}"), format!("r{round}"), None);
                    }
                    burst.commit().await.expect("a round of writes");
                }
                let mut last = writer.transaction();
                for i in (0..50).step_by(10) {
                    last = last.delete(&format!("/lag/n{i}"), None);
                }
                for j in 0..5 {
                    last = last.create(&format!("/lag/new{j}"), "new", CreateMode::Persistent);
                }
                last.commit().await.expect("the last writes");
                writer.close().await;
            });
        })
    };
    // Blocks this thread (and so the watcher's driver and the cache) until the writes are done.
    writes.join().expect("the writer");

    let mut expected: BTreeSet<(String, String)> = (0..50)
        .filter(|i| i % 10 != 0)
        .map(|i| (format!("/lag/n{i}"), "r10".to_owned()))
        .chain((0..5).map(|j| (format!("/lag/new{j}"), "new".to_owned())))
        .collect();
    expected.insert(("/lag".to_owned(), String::new()));
    let contents = |cache: &CuratorCache| -> BTreeSet<(String, String)> {
        cache
            .snapshot()
            .into_iter()
            .map(|n| (n.path, String::from_utf8_lossy(&n.data).into_owned()))
            .collect()
    };
    collect(&mut events, |_| contents(&cache) == expected).await;

    // The backlog did overflow the client's queues.
    let first = within(WAIT, "the unread stream", unread.next())
        .await
        .expect("open");
    assert!(
        matches!(first, zk_client::WatchEvent::Lagged { missed } if missed > 0),
        "{first:?}"
    );
    assert!(unread.queued() <= 2);
    drop(unread);
    cache.close();
    client.close().await;
}
