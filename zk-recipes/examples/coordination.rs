//! Coordination: a leader `Election` among three candidates, a `DoubleBarrier` that starts
//! and ends a round together, a `Party` of members, and a shared `Counter`.
//!
//! Runs against `$ZK_CONNECT` when set, else the embedded zk-server (no Java needed):
//! `cargo run -p zk-recipes --example coordination`. Exits non-zero if two lead at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zk_recipes::{Counter, DoubleBarrier, Election, Party};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let connect = std::env::var("ZK_CONNECT")
        .unwrap_or_else(|_| zk_testing::shared_embedded().connect_string());
    let root = format!("/example-coordination-{}", std::process::id());
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(zk_client_tokio::connect(&connect).await?);
    }

    // Election: each candidate waits for leadership, leads, and steps down; never two at once.
    let leading = Arc::new(AtomicUsize::new(0));
    let mut candidates = Vec::new();
    for (i, client) in clients.iter().enumerate() {
        let election =
            Election::new(client, &format!("{root}/election")).with_identifier(&format!("c{i}"));
        let leading = leading.clone();
        candidates.push(tokio::spawn(async move {
            election
                .run(async {
                    assert_eq!(leading.fetch_add(1, Ordering::SeqCst), 0, "two leaders");
                    println!("c{i} leads");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    leading.fetch_sub(1, Ordering::SeqCst);
                })
                .await
        }));
    }
    for candidate in candidates {
        candidate.await??;
    }

    // A double barrier for three: nobody starts before all have entered, nobody leaves
    // before all are done.
    let mut rounds = Vec::new();
    for (i, client) in clients.iter().enumerate() {
        let mut barrier = DoubleBarrier::new(client, &format!("{root}/barrier"), 3)
            .with_identifier(&format!("w{i}"));
        rounds.push(tokio::spawn(async move {
            barrier.enter(Some(Duration::from_secs(30))).await?;
            println!("w{i} works");
            barrier.leave(Some(Duration::from_secs(30))).await
        }));
    }
    for round in rounds {
        round.await??;
    }

    // A party: who is here, as ephemeral nodes that vanish with their session.
    let mut members = Vec::new();
    for (i, client) in clients.iter().enumerate() {
        let mut party =
            Party::new(client, &format!("{root}/party")).with_identifier(&format!("m{i}"));
        party.join().await?;
        members.push(party);
    }
    let present = members[0].members().await?;
    assert_eq!(present.len(), 3);
    println!("party: {present:?}");
    for party in &mut members {
        party.leave().await?;
    }

    // A counter, added to concurrently: versioned writes, so no increment is lost.
    let mut adders = Vec::new();
    for client in &clients {
        let mut counter = Counter::<i64>::new(client, &format!("{root}/counter"));
        adders.push(tokio::spawn(async move {
            for _ in 0..10 {
                counter.add(1).await?;
            }
            Ok::<_, zk_recipes::RecipeError>(())
        }));
    }
    for adder in adders {
        adder.await??;
    }
    let total = Counter::<i64>::new(&clients[0], &format!("{root}/counter"))
        .value()
        .await?;
    assert_eq!(total, 30);
    println!("counter: {total}");

    clients[0].delete_recursive(&root).await?;
    for client in clients {
        client.close().await;
    }
    println!("done");
    Ok(())
}
