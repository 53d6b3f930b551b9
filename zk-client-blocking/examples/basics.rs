//! The client from plain threads: every operation a blocking call, a watch received on
//! another thread, a transaction, and a session that several threads share.
//!
//! Runs against `$ZK_CONNECT` when set, else the embedded zk-server (no Java needed):
//! `cargo run -p zk-client-blocking --example basics`. Exits non-zero if anything is not as
//! ZooKeeper promises.

use std::time::Duration;

use zk_client_blocking::{CreateMode, CreateOptions, Error, ErrorCode, EventType, WatchEvent};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let connect = std::env::var("ZK_CONNECT")
        .unwrap_or_else(|_| zk_testing::shared_embedded().connect_string());
    let client = zk_client_blocking::builder(&connect)
        .session_timeout(Duration::from_secs(10))
        .connect()?;
    let root = format!("/example-blocking-{}", std::process::id());

    // Create, read, update: each call returns when the server has answered.
    client.create(&root, "v1")?;
    let (data, stat) = client.get_data(&root)?;
    assert_eq!((&data[..], stat.version), (&b"v1"[..], 0));
    let stat = client.set_data(&root, "v2", Some(stat.version))?;
    println!("{root} is at version {}", stat.version);

    // The server's refusals are typed: a stale version, a node that is already there.
    let stale = client.set_data(&root, "v3", Some(0));
    assert_eq!(stale, Err(Error::Server(ErrorCode::BadVersion)));
    assert!(client.create(&root, "again").unwrap_err() == ErrorCode::NodeExists);

    // A one-shot watch, waited for on another thread while this one changes the node.
    let (_, _, watch) = client.get_data_watched(&root)?;
    let waiter = std::thread::spawn(move || watch.wait());
    client.set_data(&root, "v3", None)?;
    match waiter.join().expect("the waiting thread") {
        WatchEvent::Node(event) => {
            assert_eq!(event.event_type, EventType::NodeDataChanged);
            println!("watch fired: {:?} on {}", event.event_type, event.path);
        }
        other => return Err(format!("expected a data change, got {other:?}").into()),
    }

    // The handle is Clone + Send + Sync: threads share one session.
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let client = client.clone();
            let root = root.clone();
            std::thread::spawn(move || {
                client.create_with(
                    &format!("{root}/worker-"),
                    format!("worker {i}"),
                    &CreateOptions::mode(CreateMode::EphemeralSequential),
                )
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker thread")?;
    }
    assert_eq!(client.get_children(&root)?.len(), 4);

    // A transaction: all or nothing.
    let failed = client.commit(
        client
            .transaction()
            .create(&format!("{root}/a"), "", CreateMode::Persistent)
            .check(&root, 0),
    );
    let failed = failed.expect_err("the version check fails");
    assert_eq!(failed.error, Error::Server(ErrorCode::BadVersion));
    assert_eq!(
        client.exists(&format!("{root}/a"))?,
        None,
        "nothing was applied"
    );

    client.delete_recursive(&root)?;
    client.close();
    println!("done");
    Ok(())
}
