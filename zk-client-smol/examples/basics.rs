//! The client on smol (async-io): no tokio anywhere. Requests pipelined from one task, a
//! persistent recursive watch followed as a stream, and a session shared by tasks of an
//! executor.
//!
//! Runs against `$ZK_CONNECT` when set, else the embedded zk-server (no Java needed):
//! `cargo run -p zk-client-smol --example basics`. Exits non-zero if anything is not as
//! ZooKeeper promises.

use std::time::Duration;

use zk_client_smol::{AddWatchMode, CreateMode, CreateOptions, EventType, WatchEvent};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let connect = std::env::var("ZK_CONNECT")
        .unwrap_or_else(|_| zk_testing::shared_embedded().connect_string());
    futures_lite::future::block_on(async {
        let client = zk_client_smol::builder(&connect)
            .session_timeout(Duration::from_secs(10))
            .connect()
            .await?;
        let root = format!("/example-smol-{}", std::process::id());
        client.create(&root, "").await?;

        // Every call submits its request at once, so requests go out (and are answered) in
        // call order, and a batch costs one round trip of waiting, not one per request.
        let pending: Vec<_> = (0..100)
            .map(|i| client.create(&format!("{root}/n-{i:03}"), format!("{i}")))
            .collect();
        for (i, created) in pending.into_iter().enumerate() {
            assert_eq!(created.await?, format!("{root}/n-{i:03}"));
        }
        assert_eq!(client.get_children(&root).await?.len(), 100);

        // A persistent recursive watch (ZooKeeper 3.6+): every change below `root`, as a
        // stream, until removed.
        let mut changes = client
            .add_watch(&root, AddWatchMode::PersistentRecursive)
            .await?;
        client
            .set_data(&format!("{root}/n-007"), "seven", None)
            .await?;
        client
            .create_with(
                &format!("{root}/deep/er"),
                "",
                &CreateOptions::mode(CreateMode::Persistent).with_parents(),
            )
            .await?;
        let mut seen = Vec::new();
        while seen.len() < 3 {
            match changes.next().await {
                Some(WatchEvent::Node(event)) => seen.push((event.event_type, event.path)),
                other => return Err(format!("unexpected watch event {other:?}").into()),
            }
        }
        assert_eq!(
            seen,
            [
                (EventType::NodeDataChanged, format!("{root}/n-007")),
                (EventType::NodeCreated, format!("{root}/deep")),
                (EventType::NodeCreated, format!("{root}/deep/er")),
            ]
        );
        println!("recursive watch saw {seen:?}");
        changes.remove().await?;

        // Tasks of an executor (async-executor, which smol uses) share the one session: the
        // client is Clone + Send + Sync, and its I/O runs on async-io, whatever runs the tasks.
        let executor = async_executor::Executor::new();
        let tasks: Vec<_> = (0..4)
            .map(|t| {
                let client = client.clone();
                let root = root.clone();
                executor.spawn(async move { client.exists(&format!("{root}/n-{t:03}")).await })
            })
            .collect();
        executor
            .run(async {
                for task in tasks {
                    assert!(task.await?.is_some());
                }
                Ok::<_, zk_client_smol::Error>(())
            })
            .await?;

        client.delete_recursive(&root).await?;
        client.close().await;
        println!("done");
        Ok(())
    })
}
