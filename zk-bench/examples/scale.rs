//! Scale figures of the client on tokio: one process holding many sessions, many registered
//! watches, and listing a node with many children.
//!
//! ```text
//! cargo run --release -p zk-bench --example scale [-- --connect HOST:PORT] [--sessions 1000]
//!     [--watches 100000] [--children 10000]
//! ```
//!
//! Without `--connect` it starts a throwaway ZooKeeper with `zk-testing` (maxClientCnxns
//! lifted, so one process may hold every session). Memory is measured two ways: the heap the
//! client holds (exact, from a counting global allocator) and the process's resident set.

use std::alloc::System;
use std::time::{Duration, Instant};

use cap::Cap;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use zk_client::{Bytes, Client, ClientBuilder};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// The process's resident set, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Heap and resident set now.
fn memory() -> (u64, u64) {
    (ALLOCATOR.allocated() as u64, rss())
}

fn builder(connect: &str) -> ClientBuilder {
    zk_client_tokio::builder(connect)
        .session_timeout(Duration::from_secs(30))
        .max_in_flight(4096)
        .probe_server_version(false)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values[values.len() / 2]
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

async fn sessions(connect: &str, n: usize) {
    let (heap0, rss0) = memory();
    let start = Instant::now();
    let mut latencies = Vec::with_capacity(n);
    let mut clients = Vec::with_capacity(n);
    // 100 handshakes at a time.
    let mut pending = FuturesUnordered::new();
    let mut issued = 0;
    while clients.len() < n {
        while issued < n && pending.len() < 100 {
            let b = builder(connect);
            pending.push(async move {
                let t0 = Instant::now();
                let client = b.connect().await.expect("connect");
                (client, t0.elapsed())
            });
            issued += 1;
        }
        let (client, latency) = pending.next().await.expect("a connection");
        clients.push(client);
        latencies.push(latency);
    }
    let total = start.elapsed();
    // Every session did one round trip, so its buffers are as after ordinary use.
    let mut checks: FuturesUnordered<_> = clients.iter().map(|c| c.exists("/")).collect();
    while let Some(result) = checks.next().await {
        result.expect("exists");
    }
    drop(checks);
    let (heap1, rss1) = memory();
    println!(
        "| {n} sessions | connect all: {:.0} ms ({:.2} ms each on average); one handshake: median {:.2} ms | heap {:.1} KiB per session, RSS {:.1} KiB per session |",
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / n as f64,
        median(latencies).as_secs_f64() * 1e3,
        (heap1 - heap0) as f64 / n as f64 / 1024.0,
        rss1.saturating_sub(rss0) as f64 / n as f64 / 1024.0,
    );
    let mut closing: FuturesUnordered<_> = clients.iter().map(Client::close).collect();
    while closing.next().await.is_some() {}
}

async fn watches(client: &Client, n: usize) {
    let (heap0, rss0) = memory();
    let paths: Vec<String> = (0..n).map(|i| format!("/zk-bench-scale-w{i}")).collect();
    let (heap_paths, _) = memory();
    let start = Instant::now();
    let mut watches = Vec::with_capacity(n);
    let mut pending = FuturesUnordered::new();
    let mut issued = 0;
    while watches.len() < n {
        while issued < n && pending.len() < 1000 {
            // An exist watch on a node that does not exist: nothing to create on the server.
            pending.push(client.exists_watched(&paths[issued]));
            issued += 1;
        }
        let (_, watch) = pending.next().await.expect("a reply").expect("exists");
        watches.push(watch);
    }
    drop(pending);
    let elapsed = start.elapsed();
    let (heap1, rss1) = memory();
    let client_heap = heap1 - heap_paths;
    println!(
        "| {n} watches | registered in {:.0} ms | heap {:.0} B per watch (the handle included), RSS {:.0} B per watch |",
        elapsed.as_secs_f64() * 1e3,
        client_heap as f64 / n as f64,
        rss1.saturating_sub(rss0) as f64 / n as f64,
    );
    // Leave them to the session's close: dropping each would send a removeWatches.
    std::mem::forget(watches);
    let _ = heap0;
}

async fn children(client: &Client, n: usize) {
    let parent = format!("/zk-bench-scale-c{}", std::process::id());
    client.create(&parent, "").await.expect("parent");
    let kids: Vec<String> = (0..n).map(|i| format!("{parent}/k{i:05}")).collect();
    let mut pending = FuturesUnordered::new();
    let mut issued = 0;
    let mut done = 0;
    while done < n {
        while issued < n && pending.len() < 1000 {
            pending.push(client.create(&kids[issued], Bytes::new()));
            issued += 1;
        }
        pending.next().await.expect("a reply").expect("create");
        done += 1;
    }
    drop(pending);
    let mut times = Vec::new();
    for _ in 0..30 {
        let t0 = Instant::now();
        let names = client.get_children(&parent).await.expect("children");
        times.push(t0.elapsed());
        assert_eq!(names.len(), n);
    }
    let best = *times.iter().min().expect("runs");
    println!(
        "| {n}-child listing | getChildren: median {:.2} ms, best {:.2} ms (30 runs) | |",
        median(times).as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e3,
    );
    client.delete_recursive(&parent).await.expect("clean up");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let given = args
        .iter()
        .position(|a| a == "--connect")
        .and_then(|i| args.get(i + 1).cloned());
    let cluster = match given {
        Some(_) => None,
        None => Some(
            zk_testing::Cluster::builder()
                .config("maxClientCnxns", "0")
                .start()
                .expect("a ZooKeeper server"),
        ),
    };
    let connect = given.unwrap_or_else(|| cluster.as_ref().expect("cluster").connect_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let work = async move {
        println!("| what | time | memory |");
        println!("| --- | --- | --- |");
        sessions(&connect, arg("--sessions", 1000)).await;
        let watch_client = builder(&connect).connect().await.expect("connect");
        watches(&watch_client, arg("--watches", 100_000)).await;
        watch_client.close().await;
        let client = builder(&connect).connect().await.expect("connect");
        children(&client, arg("--children", 10_000)).await;
        client.close().await;
    };
    let task = runtime.spawn(work);
    runtime.block_on(task).expect("scale run");
    drop(cluster);
}
