//! With a chroot, every path the client reports is a client path.

use std::time::Duration;

use zk_client::{AddWatchMode, CreateMode, CreateOptions, MultiResult, WatchEvent};

use crate::{Adapter, Env, within};

/// create, create2, sequential names, multi results, ephemerals, watch events: all without the
/// chroot; and the chroot's own events arrive as `/`.
pub async fn chroot_is_stripped_everywhere<A: Adapter>() {
    let env = Env::new::<A>("chroot").await;
    let client = env.client::<A>().await;
    let root = A::builder(&env.root_connect).connect().await.unwrap();

    assert_eq!(client.create("/a", "").await.unwrap(), "/a");
    let (path, _) = client
        .create_with_stat("/b", "", &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(path, "/b");
    let seq = CreateOptions::mode(CreateMode::EphemeralSequential);
    assert_eq!(
        client.create_with("/a/s-", "", &seq).await.unwrap(),
        "/a/s-0000000000"
    );
    let results = client
        .transaction()
        .create("/m", "", CreateMode::Persistent)
        .create("/m/s-", "", CreateMode::PersistentSequential)
        .commit()
        .await
        .unwrap();
    let paths: Vec<&str> = results
        .iter()
        .map(|r| match r {
            MultiResult::Created { path, .. } => path.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(paths, ["/m", "/m/s-0000000000"]);
    assert_eq!(
        client.get_ephemerals("/").await.unwrap(),
        ["/a/s-0000000000"]
    );

    // The same nodes seen from outside the chroot.
    let outside = format!("{}/a", env.chroot);
    assert_eq!(root.get_children(&outside).await.unwrap(), ["s-0000000000"]);

    // Watch paths: a node inside, and the chroot itself as "/".
    let mut recursive = client
        .add_watch("/", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let (_, _, watch) = client.get_data_watched("/a").await.unwrap();
    root.set_data(&outside, "x", None).await.unwrap();
    root.set_data(&env.chroot, "y", None).await.unwrap();
    let limit = Duration::from_secs(15);
    match within(&client, limit, "the data watch", watch).await {
        WatchEvent::Node(event) => assert_eq!(event.path, "/a"),
        other => panic!("{other:?}"),
    }
    for expected in ["/a", "/"] {
        match within(&client, limit, "the recursive watch", recursive.next()).await {
            Some(WatchEvent::Node(event)) => assert_eq!(event.path, expected),
            other => panic!("{other:?}"),
        }
    }
    client.close().await;
    root.close().await;
}
