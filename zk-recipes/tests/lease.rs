//! kazoo's NonBlockingLease and MultiNonBlockingLease against a real server, with a clock the
//! test controls: exclusivity, renewal, expiry, the version guard, twenty racers, and a
//! connection loss during an attempt.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::waits::{children, soon, wait_connected};
use support::{OwnServer, client_with};
use zk_recipes::{LeaseRecord, MultiNonBlockingLease, NonBlockingLease};

/// 2026-11-22T19:05:11 UTC.
const T0: u64 = 1_795_374_311;

fn clock(at: &Arc<AtomicU64>) -> impl Fn() -> SystemTime + Send + Sync + 'static {
    let at = at.clone();
    move || UNIX_EPOCH + Duration::from_millis(at.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_is_exclusive_until_it_ends_and_renewable() {
    let connect = support::chroot("lease-basic").await;
    let client = support::client(&connect).await;
    let now = Arc::new(AtomicU64::new(T0 * 1000 + 250));
    let hour = Duration::from_secs(3600);
    let lease_a = NonBlockingLease::new(&client, "/leases/job", hour)
        .with_identifier("a")
        .with_clock(clock(&now));
    let lease_b = NonBlockingLease::new(&client, "/leases/job", hour)
        .with_identifier("b")
        .with_clock(clock(&now));
    assert!(lease_a.holder().await.unwrap().is_none());
    assert!(lease_a.obtain().await.unwrap());
    let (raw, _) = client.get_data("/leases/job/lease_holder").await.unwrap();
    assert_eq!(
        raw.as_ref(),
        br#"{"version": 1, "holder": "a", "end": "2026-11-22T20:05:11"}"#
    );
    assert_eq!(
        lease_b.holder().await.unwrap().unwrap(),
        LeaseRecord::new("a", UNIX_EPOCH + Duration::from_secs(T0 + 3600))
    );
    assert_eq!(
        children(&client, "/leases/job").await,
        ["lease_holder"],
        "the lock nodes are gone"
    );

    now.fetch_add(30 * 60 * 1000, Ordering::SeqCst);
    assert!(!lease_b.obtain().await.unwrap(), "held by a");
    assert!(lease_a.obtain().await.unwrap(), "a renews");
    assert_eq!(
        lease_a.holder().await.unwrap().unwrap().end,
        UNIX_EPOCH + Duration::from_secs(T0 + 1800 + 3600)
    );
    now.fetch_add(50 * 60 * 1000, Ordering::SeqCst);
    assert!(!lease_b.obtain().await.unwrap(), "the renewal still runs");
    now.fetch_add(30 * 60 * 1000, Ordering::SeqCst);
    assert!(lease_b.obtain().await.unwrap(), "a's lease ended");
    assert_eq!(lease_a.holder().await.unwrap().unwrap().holder, "b");

    // A record of another format version is left alone (kazoo's upgrade guard).
    client
        .set_data(
            "/leases/job/lease_holder",
            r#"{"version": 2, "holder": "future", "until": 0}"#,
            None,
        )
        .await
        .unwrap();
    now.fetch_add(10 * 3600 * 1000, Ordering::SeqCst);
    assert!(!lease_a.obtain().await.unwrap());
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_racers_one_lease_and_multi_slots() {
    let connect = support::chroot("lease-many").await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(support::client(&connect).await);
    }
    let won = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let lease = NonBlockingLease::new(&clients[i % 4], "/race", Duration::from_secs(600))
            .with_identifier(&format!("racer-{i}"));
        let won = won.clone();
        tasks.push(tokio::spawn(async move {
            if lease.obtain().await.unwrap() {
                won.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    for task in tasks {
        soon("every racer", task).await.unwrap();
    }
    assert_eq!(
        won.load(Ordering::SeqCst),
        1,
        "exactly one racer holds the lease"
    );
    assert_eq!(children(&clients[0], "/race").await, ["lease_holder"]);

    let client = &clients[0];
    let multi = |who: &str| {
        MultiNonBlockingLease::new(client, "/slots", 3, Duration::from_secs(600))
            .with_identifier(who)
    };
    assert_eq!(multi("h1").obtain().await.unwrap(), Some(0));
    assert_eq!(multi("h2").obtain().await.unwrap(), Some(1));
    assert_eq!(multi("h3").obtain().await.unwrap(), Some(2));
    assert_eq!(multi("h4").obtain().await.unwrap(), None);
    assert_eq!(multi("h2").obtain().await.unwrap(), Some(1), "a renewal");
    assert_eq!(
        multi("h3").slot(2).holder().await.unwrap().unwrap().holder,
        "h3"
    );
    for client in clients {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_loss_during_an_attempt() {
    let server = OwnServer::start("lease-cut").await;
    let client = client_with(&server.proxied, Duration::from_secs(10)).await;
    let observer = client_with(&server.direct, Duration::from_secs(10)).await;
    for (round, delay_us) in [0u64, 500, 1500, 4000, 15_000].into_iter().enumerate() {
        let path = format!("/cut-{round}");
        let lease =
            NonBlockingLease::new(&client, &path, Duration::from_secs(60)).with_identifier("me");
        let task = tokio::spawn(async move { lease.obtain().await });
        tokio::time::sleep(Duration::from_micros(delay_us)).await; // fault timing
        server.cut_all();
        server.restore_all();
        wait_connected(&client).await;
        assert!(soon("the attempt", task).await.unwrap().unwrap());
        let record = NonBlockingLease::new(&observer, &path, Duration::ZERO)
            .holder()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.holder, "me");
        support::waits::wait_children(&observer, &path, "the lock node's clean-up", |c| {
            c == ["lease_holder"]
        })
        .await;
    }
    client.close().await;
    observer.close().await;
}
