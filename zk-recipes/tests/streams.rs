//! The recipes' event sources are `Stream`s: DataWatch and ChildrenWatch compose with
//! `StreamExt` combinators like any stream, yield the same items as their own `next`, and leave
//! no watch behind when the composed stream is dropped.

mod support;

use futures_util::StreamExt;
use support::watches::until_unwatched;
use support::{WAIT, within};
use zk_recipes::{ChildrenWatch, DataWatch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_is_a_stream() {
    let connect = support::chroot("stream-data").await;
    let client = support::client(&connect).await;
    // Only the node's data, as text: a stream of states through `map`.
    let mut texts = DataWatch::new(&client, "/flag").map(|update| {
        update
            .expect("no error")
            .data
            .map(|data| String::from_utf8_lossy(&data).into_owned())
    });
    let first = within(WAIT, "the first state", texts.next()).await;
    assert_eq!(first, Some(None), "a missing node");
    client.create("/flag", "on").await.unwrap();
    let on = within(WAIT, "the creation", texts.next()).await;
    assert_eq!(on, Some(Some("on".to_owned())));
    client.set_data("/flag", "off", None).await.unwrap();
    let off = within(WAIT, "the change", texts.next()).await;
    assert_eq!(off, Some(Some("off".to_owned())));
    drop(texts);
    until_unwatched(&client, "/flag").await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_watch_is_a_stream() {
    let connect = support::chroot("stream-children").await;
    let client = support::client(&connect).await;
    client.create("/workers", "").await.unwrap();
    // The number of workers, until there are three.
    let mut counts = ChildrenWatch::new(&client, "/workers")
        .map(|update| update.expect("no error").children.len());
    let first = within(WAIT, "the first state", counts.next()).await;
    assert_eq!(first, Some(0));
    let until_three = counts.take_while(|count| std::future::ready(*count < 3));
    let collected = tokio::spawn(until_three.collect::<Vec<usize>>());
    for name in ["a", "b", "c"] {
        client
            .create(&format!("/workers/{name}"), "")
            .await
            .unwrap();
    }
    // It ends once it has seen three; states, not transitions: quick changes may come as one.
    let between = within(WAIT, "three workers", collected).await.unwrap();
    assert!(
        between.iter().all(|count| (1..3).contains(count)),
        "{between:?}"
    );
    assert!(between.windows(2).all(|w| w[0] < w[1]), "{between:?}");
    until_unwatched(&client, "/workers").await;
    client.close().await;
}
