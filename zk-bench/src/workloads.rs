//! The six workloads, written once against the async client.

use std::future::Future;
use std::time::Instant;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use zk_client::{Bytes, Client, ClientBuilder, Error, EventType, WatchEvent};

use crate::args::{Args, Workload};
use crate::{Measured, Phase};

/// Children in the `children` workload's listing.
const CHILDREN: usize = 10_000;

/// Issues `n` operations with up to `window` in flight (refilled as each completes); returns
/// each one's latency in nanoseconds.
async fn windowed<F, Fut, T>(n: usize, window: usize, mut issue: F) -> Result<Vec<u64>, Error>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut latencies = Vec::with_capacity(n);
    let mut in_flight = FuturesUnordered::new();
    let mut next = 0;
    loop {
        while next < n && in_flight.len() < window {
            let start = Instant::now();
            let op = issue(next);
            in_flight.push(async move { (start, op.await) });
            next += 1;
        }
        match in_flight.next().await {
            Some((start, result)) => {
                result?;
                latencies.push(start.elapsed().as_nanos() as u64);
            }
            None => return Ok(latencies),
        }
    }
}

/// Runs `work` as the timed phase.
async fn timed<Fut>(work: Fut) -> Result<Measured, Error>
where
    Fut: Future<Output = Result<Vec<u64>, Error>>,
{
    let phase = Phase::start();
    let latencies = work.await?;
    let (secs, cpu_s) = phase.stop();
    Ok(Measured {
        secs,
        cpu_s,
        latencies,
    })
}

pub(crate) async fn run(
    args: &Args,
    builder: &(dyn Fn(&str) -> ClientBuilder + Sync),
) -> Result<Measured, Error> {
    let client = builder(&args.connect).connect().await?;
    // The contract's `/bench-<client>-<pid>`, with the client as in the result line.
    let prefix = format!(
        "/bench-{}-{}",
        args.adapter.client_name(),
        std::process::id()
    );
    client.create(&prefix, "").await?;
    let result = workload(args, builder, &client, &prefix).await;
    // Teardown is untimed and best effort, also after a failure.
    let _ = delete_tree(&client, &prefix).await;
    client.close().await;
    result
}

async fn workload(
    args: &Args,
    builder: &(dyn Fn(&str) -> ClientBuilder + Sync),
    client: &Client,
    prefix: &str,
) -> Result<Measured, Error> {
    let payload = Bytes::from(vec![b'x'; args.size]);
    let node = format!("{prefix}/node");
    let (n, window, warm) = (args.n, args.window, args.warmup());
    match args.workload {
        Workload::GetSeq => {
            client.create(&node, payload).await?;
            for _ in 0..warm {
                client.get_data(&node).await?;
            }
            timed(async {
                let mut latencies = Vec::with_capacity(n);
                for _ in 0..n {
                    let start = Instant::now();
                    client.get_data(&node).await?;
                    latencies.push(start.elapsed().as_nanos() as u64);
                }
                Ok(latencies)
            })
            .await
        }
        Workload::GetPipe => {
            client.create(&node, payload).await?;
            windowed(warm, window, |_| client.get_data(&node)).await?;
            timed(windowed(n, window, |_| client.get_data(&node))).await
        }
        Workload::SetPipe => {
            client.create(&node, payload.clone()).await?;
            windowed(warm, window, |_| {
                client.set_data(&node, payload.clone(), None)
            })
            .await?;
            timed(windowed(n, window, |_| {
                client.set_data(&node, payload.clone(), None)
            }))
            .await
        }
        Workload::CreatePipe => {
            client.create(&format!("{prefix}/w"), "").await?;
            client.create(&format!("{prefix}/c"), "").await?;
            let warm_paths: Vec<String> = (0..warm).map(|i| format!("{prefix}/w/n{i}")).collect();
            let paths: Vec<String> = (0..n).map(|i| format!("{prefix}/c/n{i}")).collect();
            windowed(warm, window, |i| {
                client.create(&warm_paths[i], payload.clone())
            })
            .await?;
            timed(windowed(n, window, |i| {
                client.create(&paths[i], payload.clone())
            }))
            .await
        }
        Workload::Children => {
            let kids = format!("{prefix}/kids");
            client.create(&kids, "").await?;
            let paths: Vec<String> = (0..CHILDREN).map(|i| format!("{kids}/k{i:05}")).collect();
            windowed(CHILDREN, 1000, |i| client.create(&paths[i], Bytes::new())).await?;
            for _ in 0..warm {
                let children = client.get_children(&kids).await?;
                assert_eq!(children.len(), CHILDREN, "unexpected child count");
            }
            timed(async {
                let mut latencies = Vec::with_capacity(n);
                for _ in 0..n {
                    let start = Instant::now();
                    client.get_children(&kids).await?;
                    latencies.push(start.elapsed().as_nanos() as u64);
                }
                Ok(latencies)
            })
            .await
        }
        Workload::Watch => {
            client.create(&node, payload.clone()).await?;
            let writer = builder(&args.connect).connect().await?;
            let mut latencies = Vec::with_capacity(n);
            let mut phase = None;
            for i in 0..warm + n {
                if i == warm {
                    phase = Some(Phase::start());
                }
                let (_, _, watch) = client.get_data_watched(&node).await?;
                let start = Instant::now();
                let observed = async {
                    let event = watch.await;
                    (event, start.elapsed().as_nanos() as u64)
                };
                let ((event, latency), set) = futures_util::future::join(
                    observed,
                    writer.set_data(&node, payload.clone(), None),
                )
                .await;
                set?;
                match event {
                    WatchEvent::Node(e) if e.event_type == EventType::NodeDataChanged => {}
                    other => panic!("unexpected watch event {other:?}"),
                }
                if i >= warm {
                    latencies.push(latency);
                }
            }
            let (secs, cpu_s) = phase.expect("n >= 1").stop();
            writer.close().await;
            Ok(Measured {
                secs,
                cpu_s,
                latencies,
            })
        }
    }
}

/// Deletes the fixture: children of children pipelined, then the rest.
async fn delete_tree(client: &Client, root: &str) -> Result<(), Error> {
    for child in client.get_children(root).await? {
        let dir = format!("{root}/{child}");
        let kids: Vec<String> = client
            .get_children(&dir)
            .await?
            .into_iter()
            .map(|k| format!("{dir}/{k}"))
            .collect();
        windowed(kids.len(), 1000, |i| client.delete(&kids[i], None)).await?;
        client.delete(&dir, None).await?;
    }
    client.delete(root, None).await
}
