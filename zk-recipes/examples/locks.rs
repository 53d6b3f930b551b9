//! Locks: kazoo's `Lock` (with `run`, kazoo's `with lock:`), a second contender that does not
//! get it, a `Semaphore` of two leases, and a read/write lock pair.
//!
//! Runs against `$ZK_CONNECT` when set, else the embedded zk-server (no Java needed):
//! `cargo run -p zk-recipes --example locks`. Exits non-zero if a lock lets two in.

use std::time::Duration;

use zk_client_tokio::{Client, CreateMode, CreateOptions};
use zk_recipes::{Lock, ReadLock, Semaphore, WriteLock};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let connect = std::env::var("ZK_CONNECT")
        .unwrap_or_else(|_| zk_testing::shared_embedded().connect_string());
    // Two processes in real life; two sessions here.
    let alice = zk_client_tokio::connect(&connect).await?;
    let bob = zk_client_tokio::connect(&connect).await?;
    let root = format!("/example-locks-{}", std::process::id());

    // kazoo's `with lock:` — acquire (10 s at most), run, release. The work is raced against
    // the loss of the lock: if alice's session expired meanwhile, the work would be stopped
    // and `run` would fail with RecipeError::SessionLost.
    let lock = Lock::new(&alice, &format!("{root}/lock")).with_identifier("alice");
    let contender = Lock::new(&bob, &format!("{root}/lock")).with_identifier("bob");
    let owner = format!("{root}/owner");
    alice
        .create_with(
            &owner,
            "",
            &CreateOptions::mode(CreateMode::Persistent).with_parents(),
        )
        .await?;
    lock.run(Some(Duration::from_secs(10)), async |guard| {
        // While alice holds it, bob cannot have it...
        assert!(contender.try_acquire().await?.is_none());
        // ...and sees who does, by the identifier in the contender node's data.
        println!("contenders: {:?}", contender.contenders().await?);
        // Written only while the lock is held: the server refuses it once the lock is lost.
        guard.set_data_fenced(&owner, "alice", None).await?;
        println!(
            "alice holds the lock, fencing token {}",
            guard.fencing_token()
        );
        Ok::<_, zk_recipes::RecipeError>(())
    })
    .await??;
    // Released: now bob gets it at once.
    let guard = contender
        .try_acquire()
        .await?
        .expect("free after alice's run");
    guard.release().await?;

    // A semaphore: at most two holders at a time.
    let path = format!("{root}/semaphore");
    let first = Semaphore::new(&alice, &path, 2)
        .with_identifier("alice")
        .acquire(None)
        .await?;
    let second = Semaphore::new(&bob, &path, 2)
        .with_identifier("bob")
        .acquire(None)
        .await?;
    assert!(
        Semaphore::new(&bob, &path, 2)
            .try_acquire()
            .await?
            .is_none()
    );
    println!(
        "semaphore holders: {:?}",
        Semaphore::new(&alice, &path, 2).lease_holders().await?
    );
    first.release().await?;
    second.release().await?;

    // Readers share, a writer excludes them (kazoo's ReadLock / WriteLock on one path).
    let path = format!("{root}/rw");
    let read_a = ReadLock::new(&alice, &path).acquire(None).await?;
    let read_b = ReadLock::new(&bob, &path).acquire(None).await?;
    assert!(WriteLock::new(&bob, &path).try_acquire().await?.is_none());
    read_a.release().await?;
    read_b.release().await?;
    let write = WriteLock::new(&bob, &path)
        .acquire(Some(Duration::from_secs(10)))
        .await?;
    write.release().await?;

    cleanup(&alice, &root).await?;
    alice.close().await;
    bob.close().await;
    println!("done");
    Ok(())
}

async fn cleanup(client: &Client, root: &str) -> Result<(), zk_client_tokio::Error> {
    client.delete_recursive(root).await
}
