//! The kazoo harness itself works: both sides see each other's nodes.

mod support;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kazoo_and_rust_share_nodes() {
    let connect = support::chroot("kazoo-smoke").await;
    let client = support::client(&connect).await;
    client.create("/from-rust", "r").await.unwrap();
    let mut kazoo = support::kazoo::Kazoo::start(
        &connect,
        r#"
        data, _ = zk.get("/from-rust")
        say(data.decode())
        zk.create("/from-python", b"p")
        say("created")
        hear()
        "#,
    );
    assert_eq!(kazoo.hear(Duration::from_secs(20)), "r");
    assert_eq!(kazoo.hear(Duration::from_secs(20)), "created");
    assert_eq!(
        client.get_data("/from-python").await.unwrap().0.as_ref(),
        b"p"
    );
    kazoo.say("done");
    kazoo.finish();
    client.close().await;
}
