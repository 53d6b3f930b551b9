//! The main demonstration: a tour of the client against a ZooKeeper server.
//!
//! By default it starts the embedded `zk-server` in this process, so nothing needs to be
//! installed; `ZK_DEMO_SERVER=zookeeper` starts a throwaway real ZooKeeper through
//! `zk-testing` instead (Java and Debian's `zookeeper` package), and `ZK_CONNECT` names a
//! server to use. It shows create/read/update/delete, a one-shot watch firing, a persistent
//! recursive watch, a transaction, and the session riding out a lost connection. Run it with
//! `scripts/demo.sh` or `cargo run -p zk-client-tokio --example demo`.

use std::time::Duration;

use zk_client_tokio::{
    AddWatchMode, Client, CreateMode, CreateOptions, Error, SessionState, WatchEvent,
};
use zk_server::EmbeddedServer;
use zk_testing::Cluster;

/// The server the tour runs against, and how it cuts the client's connection.
enum Server {
    /// Given by `ZK_CONNECT`: no fault to inject.
    External(String),
    /// The embedded zk-server: it drops every connection on request.
    Embedded(EmbeddedServer),
    /// A real ZooKeeper behind a fault proxy that cuts and restores the network.
    ZooKeeper(Box<Cluster>),
}

impl Server {
    fn start() -> Result<Server, Box<dyn std::error::Error>> {
        if let Ok(connect) = std::env::var("ZK_CONNECT") {
            return Ok(Server::External(connect));
        }
        if std::env::var("ZK_DEMO_SERVER").is_ok_and(|server| server == "zookeeper") {
            println!("starting a throwaway ZooKeeper...");
            return Ok(Server::ZooKeeper(Box::new(Cluster::builder().start()?)));
        }
        println!("starting the embedded zk-server (set ZK_DEMO_SERVER=zookeeper for Java's)...");
        Ok(Server::Embedded(EmbeddedServer::start()?))
    }

    fn connect_string(&self) -> String {
        match self {
            Server::External(connect) => connect.clone(),
            Server::Embedded(server) => server.connect_string(),
            Server::ZooKeeper(cluster) => cluster.proxied_connect_string(),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    let connect = server.connect_string();
    let root = format!("/zk-rs-demo-{}", std::process::id());

    let client = zk_client_tokio::builder(&connect)
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await?;
    println!(
        "connected to {connect}: session {}, server {}",
        client
            .session_id()
            .map(|id| id.to_string())
            .unwrap_or_default(),
        client.server_version().await?
    );

    crud(&client, &root).await?;
    watches(&client, &connect, &root).await?;
    transaction(&client, &root).await?;
    connection_loss(&client, &server).await?;

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

async fn connection_loss(client: &Client, server: &Server) -> Result<(), Error> {
    let mut states = client.state_changes();
    let session = client.session_id();
    match server {
        Server::External(_) => return Ok(()),
        Server::Embedded(server) => {
            println!("\n-- a lost connection");
            server.drop_connections();
            println!("the server dropped every connection");
        }
        Server::ZooKeeper(cluster) => {
            println!("\n-- a network cut");
            cluster.cut_all();
            println!("cut the network between client and server");
        }
    }
    wait_for(client, &mut states, SessionState::Suspended).await?;
    if let Server::ZooKeeper(cluster) = server {
        cluster.restore_all();
        println!("restored the network");
    }
    wait_for(client, &mut states, SessionState::Connected).await?;
    println!(
        "same session after the loss: {}",
        session.is_some() && session == client.session_id()
    );
    Ok(())
}

/// Prints state changes until `state` is reached (10 s at most).
async fn wait_for(
    client: &Client,
    states: &mut zk_client_tokio::StateStream,
    state: SessionState,
) -> Result<(), Error> {
    loop {
        match client
            .runtime()
            .timeout(Duration::from_secs(10), states.next())
            .await
        {
            Some(Some(change)) => {
                println!("state change: {:?}", change.state);
                if change.state == state {
                    return Ok(());
                }
            }
            _ => return Err(Error::Timeout),
        }
    }
}
