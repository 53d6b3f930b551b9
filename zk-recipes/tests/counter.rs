//! Counter against a real server: kazoo's text encoding (int and float) and Curator's
//! 4-byte encoding byte for byte, twenty concurrent incrementers, and a connection loss in
//! the middle.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::within;
use support::{OwnServer, WAIT, client_with};
use zk_recipes::{Counter, RecipeError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counter_writes_kazoos_text() {
    let connect = support::chroot("counter-text").await;
    let client = support::client(&connect).await;
    let mut counter: Counter = Counter::new(&client, "/int");
    assert_eq!(counter.value().await.unwrap(), 0);
    assert_eq!(
        client.get_data("/int").await.unwrap().0.as_ref(),
        b"",
        "created empty"
    );
    assert_eq!(counter.add(2).await.unwrap(), 2);
    assert_eq!(counter.sub(1).await.unwrap(), 1);
    assert_eq!(
        (counter.pre_value(), counter.post_value()),
        (Some(2), Some(1))
    );
    assert_eq!(client.get_data("/int").await.unwrap().0.as_ref(), b"1");
    counter.sub(6).await.unwrap();
    assert_eq!(client.get_data("/int").await.unwrap().0.as_ref(), b"-5");

    let mut float = Counter::<f64>::new(&client, "/float").with_default(1.0);
    assert_eq!(float.add(2.5).await.unwrap(), 3.5);
    assert_eq!(client.get_data("/float").await.unwrap().0.as_ref(), b"3.5");
    float.sub(0.5).await.unwrap();
    assert_eq!(client.get_data("/float").await.unwrap().0.as_ref(), b"3.0");
    float.sub(3.0).await.unwrap();
    assert_eq!(client.get_data("/float").await.unwrap().0.as_ref(), b"0.0");
    float.add(1e16).await.unwrap();
    assert_eq!(
        client.get_data("/float").await.unwrap().0.as_ref(),
        b"1e+16"
    );

    // An int counter reads what kazoo writes for ints; text that is not one is an error.
    client.set_data("/int", "41", None).await.unwrap();
    assert_eq!(counter.add(1).await.unwrap(), 42);
    client.set_data("/int", "4.5", None).await.unwrap();
    assert!(matches!(
        counter.value().await,
        Err(RecipeError::Inconsistent(_))
    ));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_counter_writes_four_big_endian_bytes() {
    let connect = support::chroot("counter-curator").await;
    let client = support::client(&connect).await;
    let mut shared = Counter::<i32>::curator(&client, "/shared");
    assert_eq!(shared.add(7).await.unwrap(), 7);
    assert_eq!(
        client.get_data("/shared").await.unwrap().0.as_ref(),
        b"\x00\x00\x00\x07"
    );
    assert_eq!(shared.sub(8).await.unwrap(), -1);
    assert_eq!(
        client.get_data("/shared").await.unwrap().0.as_ref(),
        b"\xff\xff\xff\xff"
    );
    // What Curator's SharedCount writes, read back.
    client
        .set_data("/shared", &b"\x00\x00\x01\x00"[..], None)
        .await
        .unwrap();
    assert_eq!(shared.value().await.unwrap(), 256);
    // An i64 counter in Curator's encoding refuses values an int cannot hold.
    let mut wide = Counter::<i64>::curator(&client, "/shared");
    assert!(matches!(
        wide.add(i64::from(i32::MAX)).await,
        Err(RecipeError::Inconsistent(_))
    ));
    assert_eq!(wide.value().await.unwrap(), 256, "nothing written");
    client.close().await;
}

/// Twenty incrementers on four sessions, ten increments each, end at exactly 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_incrementers_end_at_twenty_times_k() {
    let connect = support::chroot("counter-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = clients[i % clients.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut counter: Counter = Counter::new(&client, "/hits");
            for _ in 0..10 {
                counter.add(1).await.unwrap();
            }
        }));
    }
    for task in tasks {
        within(WAIT, "an incrementer", task).await.unwrap();
    }
    let counter: Counter = Counter::new(&clients[0], "/hits");
    assert_eq!(counter.value().await.unwrap(), 200);
    for client in clients {
        client.close().await;
    }
}

/// Incrementers on a session whose connection is cut in the middle: every increment
/// reported done is counted exactly once, and only increments reported as failed (outcome
/// unknown) may be missing or counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn increments_survive_a_connection_loss() {
    let server = OwnServer::start("counter-cut").await;
    let steady = client_with(&server.direct, Duration::from_secs(10)).await;
    let flaky = client_with(&server.proxied, Duration::from_secs(10)).await;
    let done = Arc::new(AtomicUsize::new(0));
    let unknown = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..10 {
        let client = if i % 2 == 0 {
            flaky.clone()
        } else {
            steady.clone()
        };
        let (done, unknown) = (done.clone(), unknown.clone());
        tasks.push(tokio::spawn(async move {
            let mut counter: Counter = Counter::new(&client, "/hits");
            for _ in 0..20 {
                match counter.add(1).await {
                    Ok(_) => done.fetch_add(1, Ordering::SeqCst),
                    Err(RecipeError::Zk(e)) if e.is_connection_error() => {
                        unknown.fetch_add(1, Ordering::SeqCst)
                    }
                    Err(other) => panic!("{other}"),
                };
            }
        }));
    }
    // Cut once a quarter of the increments are in.
    let mut watch = zk_recipes::DataWatch::new(&steady, "/hits");
    within(WAIT, "progress", async {
        while let Some(update) = watch.next().await {
            let value: i64 = update
                .unwrap()
                .data
                .and_then(|d| std::str::from_utf8(&d).ok()?.parse().ok())
                .unwrap_or(0);
            if value >= 50 {
                break;
            }
        }
    })
    .await;
    drop(watch);
    server.cut_all();
    server.restore_all();
    for task in tasks {
        within(WAIT, "an incrementer", task).await.unwrap();
    }
    let (done, unknown) = (done.load(Ordering::SeqCst), unknown.load(Ordering::SeqCst));
    assert_eq!(done + unknown, 200);
    let value: Counter = Counter::new(&steady, "/hits");
    let value = value.value().await.unwrap() as usize;
    assert!(
        (done..=done + unknown).contains(&value),
        "value {value}, done {done}, unknown {unknown}"
    );
    steady.close().await;
    flaky.close().await;
}
