//! The main demonstration: a tour of the client against a real ZooKeeper.
//!
//! Starts a throwaway ZooKeeper through `zk-testing` (or uses the one named by the
//! `ZK_CONNECT` environment variable), then shows create/read/update/delete, a one-shot watch
//! firing, a persistent recursive watch, a transaction, and the session riding out a network
//! cut. Run it with `scripts/demo.sh` (which installs ZooKeeper first) or
//! `cargo run -p zk-client-tokio --example demo`.

use std::time::Duration;

use zk_client_tokio::{
    AddWatchMode, Client, CreateMode, CreateOptions, Error, SessionState, WatchEvent,
};
use zk_testing::Cluster;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A server of our own, reached through a fault proxy so we can cut the network later.
    let cluster = match std::env::var("ZK_CONNECT") {
        Ok(_) => None,
        Err(_) => {
            println!("starting a throwaway ZooKeeper...");
            Some(Cluster::builder().start()?)
        }
    };
    let connect = match (&cluster, std::env::var("ZK_CONNECT")) {
        (Some(cluster), _) => cluster.proxied_connect_string(),
        (None, Ok(connect)) => connect,
        (None, Err(_)) => unreachable!("a cluster was started when ZK_CONNECT is unset"),
    };
    let root = format!("/zk-rs-demo-{}", std::process::id());

    let client = zk_client_tokio::builder(&connect)
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await?;
    println!(
        "connected to {connect}: session {}, ZooKeeper {}",
        client
            .session_id()
            .map(|id| id.to_string())
            .unwrap_or_default(),
        client.server_version().await?
    );

    crud(&client, &root).await?;
    watches(&client, &connect, &root).await?;
    transaction(&client, &root).await?;
    if let Some(cluster) = &cluster {
        network_cut(&client, cluster).await?;
    }

    client.delete_recursive(&root).await?;
    client.close().await;
    println!("closed: {:?}", client.state());
    Ok(())
}

async fn crud(client: &Client, root: &str) -> Result<(), Error> {
    println!("\n-- create, read, update, delete");
    client.ensure_path(&format!("{root}/config")).await?;
    let stat = client
        .set_data(&format!("{root}/config"), "v1", None)
        .await?;
    println!("set {root}/config to \"v1\" (version {})", stat.version);
    let (data, stat) = client.get_data(&format!("{root}/config")).await?;
    println!(
        "read {:?} (version {}, {} bytes)",
        data, stat.version, stat.data_length
    );
    let conflict = client
        .set_data(&format!("{root}/config"), "v2", Some(0))
        .await;
    println!("a stale version is refused: {conflict:?}");
    let worker = client
        .create_with(
            &format!("{root}/workers/w-"),
            "host-a",
            &CreateOptions::mode(CreateMode::EphemeralSequential).with_parents(),
        )
        .await?;
    println!("registered ephemeral sequential {worker}");
    println!(
        "children of {root}/workers: {:?}",
        client.get_children(&format!("{root}/workers")).await?
    );
    client.delete(&worker, None).await?;
    println!(
        "deleted {worker}; exists now: {:?}",
        client.exists(&worker).await?
    );
    Ok(())
}

async fn watches(client: &Client, connect: &str, root: &str) -> Result<(), Error> {
    println!("\n-- watches");
    let config = format!("{root}/config");
    let (_, _, changed) = client.get_data_watched(&config).await?;
    let mut everything = client
        .add_watch(root, AddWatchMode::PersistentRecursive)
        .await?;
    // Another session makes the changes, as another process would.
    let other = zk_client_tokio::connect(connect).await?;
    other.set_data(&config, "v2", None).await?;
    if let WatchEvent::Node(event) = changed.await {
        println!(
            "one-shot watch fired: {:?} on {}",
            event.event_type, event.path
        );
    }
    other.create(&format!("{root}/new"), "").await?;
    other.delete(&format!("{root}/new"), None).await?;
    for _ in 0..3 {
        match client
            .runtime()
            .timeout(Duration::from_secs(5), everything.next())
            .await
        {
            Some(Some(WatchEvent::Node(event))) => {
                println!(
                    "persistent recursive watch: {:?} on {}",
                    event.event_type, event.path
                )
            }
            other => println!("persistent recursive watch: {other:?}"),
        }
    }
    everything.remove().await?;
    other.close().await;
    Ok(())
}

async fn transaction(client: &Client, root: &str) -> Result<(), Error> {
    println!("\n-- transaction");
    let config = format!("{root}/config");
    let (_, stat) = client.get_data(&config).await?;
    let done = client
        .transaction()
        .check(&config, stat.version)
        .set_data(&config, "v3", Some(stat.version))
        .create(
            &format!("{root}/history-"),
            "v3",
            CreateMode::PersistentSequential,
        )
        .commit()
        .await?;
    println!("committed {} operations: {done:?}", done.len());
    let failed = client
        .transaction()
        .check(&config, 99)
        .delete(&config, None)
        .commit()
        .await;
    println!("a transaction with a failed check applies nothing: {failed:?}");
    Ok(())
}

async fn network_cut(client: &Client, cluster: &Cluster) -> Result<(), Error> {
    println!("\n-- a network cut");
    let mut states = client.state_changes();
    let session = client.session_id();
    cluster.cut_all();
    println!("cut the network between client and server");
    let suspended = client
        .runtime()
        .timeout(Duration::from_secs(10), states.next())
        .await;
    println!("state change: {:?}", suspended.flatten().map(|c| c.state));
    cluster.restore_all();
    println!("restored the network");
    while client.state() != SessionState::Connected {
        match client
            .runtime()
            .timeout(Duration::from_secs(10), states.next())
            .await
        {
            Some(Some(change)) => println!("state change: {:?}", change.state),
            _ => break,
        }
    }
    println!(
        "same session after the cut: {}",
        session.is_some() && session == client.session_id()
    );
    Ok(())
}
