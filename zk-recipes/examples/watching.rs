//! Watching: kazoo's `DataWatch` and `ChildrenWatch` as streams, and a `TreeCache` that keeps
//! a subtree in memory and says what changed.
//!
//! Runs against `$ZK_CONNECT` when set, else the embedded zk-server (no Java needed):
//! `cargo run -p zk-recipes --example watching`. Exits non-zero if a change is not seen.

use zk_recipes::{ChildrenWatch, DataWatch, TreeCache, TreeEvent};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let connect = std::env::var("ZK_CONNECT")
        .unwrap_or_else(|_| zk_testing::shared_embedded().connect_string());
    let client = zk_client_tokio::connect(&connect).await?;
    let root = format!("/example-watching-{}", std::process::id());
    client.create(&root, "").await?;
    let config = format!("{root}/config");

    // DataWatch: the node's state now, then after every change (the node need not exist).
    let mut data = DataWatch::new(&client, &config);
    let first = data.next().await.expect("a first state")?;
    assert!(first.stat.is_none(), "not created yet");
    client.create(&config, "v1").await?;
    let created = data.next().await.expect("the creation")?;
    assert_eq!(created.data.as_deref(), Some(&b"v1"[..]));
    println!("config is {:?}", created.data);

    // ChildrenWatch: the children now, then after every change.
    let mut children = ChildrenWatch::new(&client, &root);
    assert_eq!(
        children.next().await.expect("a first state")?.children,
        ["config"]
    );
    client.create(&format!("{root}/members"), "").await?;
    let mut now = children.next().await.expect("the new child")?.children;
    now.sort();
    assert_eq!(now, ["config", "members"]);
    println!("children: {now:?}");

    // TreeCache: the whole subtree in memory, with events for what changes.
    let cache = TreeCache::new(&client, &root);
    let mut events = cache.events();
    cache.start().await?;
    loop {
        match events.next().await {
            Some(TreeEvent::Initialized) => break,
            Some(_) => {}
            None => return Err("the cache stopped".into()),
        }
    }
    let cached = cache.get_data(&config)?.expect("config is cached");
    assert_eq!(&cached.data[..], b"v1");
    client.set_data(&config, "v2", None).await?;
    loop {
        match events.next().await {
            Some(TreeEvent::NodeUpdated(node)) if node.path == config => {
                assert_eq!(&node.data[..], b"v2");
                println!("cache saw {} become {:?}", node.path, node.data);
                break;
            }
            Some(_) => {}
            None => return Err("the cache stopped".into()),
        }
    }
    cache.close();

    client.delete_recursive(&root).await?;
    client.close().await;
    println!("done");
    Ok(())
}
