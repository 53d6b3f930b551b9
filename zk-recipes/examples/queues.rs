//! Queues: kazoo's `Queue` (priorities, first in first out within one) and `LockingQueue`
//! (an entry is taken, worked on, and only then consumed; a worker that dies gives it back).
//!
//! Runs against `$ZK_CONNECT` when set, else the embedded zk-server (no Java needed):
//! `cargo run -p zk-recipes --example queues`. Exits non-zero if an entry is lost or doubled.

use std::time::Duration;

use zk_recipes::{LockingQueue, Queue};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let connect = std::env::var("ZK_CONNECT")
        .unwrap_or_else(|_| zk_testing::shared_embedded().connect_string());
    let producer = zk_client_tokio::connect(&connect).await?;
    let worker = zk_client_tokio::connect(&connect).await?;
    let root = format!("/example-queues-{}", std::process::id());

    // A simple queue: lower priority numbers first, FIFO within a priority.
    let queue = Queue::new(&producer, &format!("{root}/jobs"));
    queue.put("routine-1").await?;
    queue.put("routine-2").await?;
    queue.put_with_priority("urgent", 10).await?;
    let mut taker = Queue::new(&worker, &format!("{root}/jobs"));
    let mut order = Vec::new();
    while let Some(job) = taker.get().await? {
        order.push(String::from_utf8(job.to_vec())?);
    }
    assert_eq!(order, ["urgent", "routine-1", "routine-2"]);
    println!("queue order: {order:?}");

    // A locking queue: `get` takes an entry (locked to this worker), `consume` removes it once
    // the work is done. Had the worker's session ended before `consume`, the entry would go
    // back to the queue for another worker.
    let tasks = LockingQueue::new(&producer, &format!("{root}/tasks"));
    tasks.put_all(["a", "b"], 100).await?;
    let mut worker_queue = LockingQueue::new(&worker, &format!("{root}/tasks"));
    let first = worker_queue.get(Some(Duration::from_secs(10))).await?;
    assert!(worker_queue.holds_lock().await?);
    println!("working on {:?}", String::from_utf8_lossy(&first));
    assert!(worker_queue.consume().await?);
    let second = worker_queue.get(Some(Duration::from_secs(10))).await?;
    assert_eq!((&first[..], &second[..]), (&b"a"[..], &b"b"[..]));
    assert!(worker_queue.consume().await?);
    assert!(tasks.is_empty().await?);

    producer.delete_recursive(&root).await?;
    producer.close().await;
    worker.close().await;
    println!("done");
    Ok(())
}
