//! Interoperability with real kazoo (Debian's 2.8.0) on the same paths, in both directions:
//! Lock, ReadLock/WriteLock, Election, Semaphore, NonBlockingLease and SetPartitioner.

mod support;

use std::time::Duration;

use support::kazoo::Kazoo;
use support::waits::{children, soon, wait_children};
use zk_recipes::{
    Election, LeaseRecord, Lock, NonBlockingLease, PartitionState, ReadLock, RecipeError,
    Semaphore, SetPartitioner, WriteLock,
};

const HEAR: Duration = Duration::from_secs(20);

/// Reads the next line kazoo says without blocking the runtime's other tasks.
fn hear(kazoo: &mut Kazoo) -> String {
    tokio::task::block_in_place(|| kazoo.hear(HEAR))
}

/// Finishes the script (checking it succeeded) without blocking the runtime.
fn finish(kazoo: Kazoo) -> Vec<String> {
    tokio::task::block_in_place(|| kazoo.finish())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kazoo_lock_and_ours_exclude_each_other() {
    let connect = support::chroot("interop-lock").await;
    let client = support::client(&connect).await;
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        lock = zk.Lock("/il", "kazoo")
        lock.acquire()
        say("held")
        hear()
        say(",".join(lock.contenders()))
        lock.release()
        say("released")
        hear()
        say(lock.acquire(blocking=False))
        say("waiting")
        say(lock.acquire(timeout=20))
        say(",".join(lock.contenders()))
        lock.release()
        "#,
    );
    // kazoo holds: ours waits, and gets it once kazoo releases.
    assert_eq!(hear(&mut kazoo), "held");
    let ours = Lock::new(&client, "/il").with_identifier("rust");
    let waiting = tokio::spawn({
        let ours = ours.clone();
        async move { ours.acquire(None).await }
    });
    wait_children(&client, "/il", "our node", |c| c.len() == 2).await;
    assert!(!waiting.is_finished());
    assert_eq!(ours.contenders().await.unwrap(), ["kazoo", "rust"]);
    kazoo.say("contenders?");
    assert_eq!(hear(&mut kazoo), "kazoo,rust");
    assert_eq!(hear(&mut kazoo), "released");
    let guard = soon("ours after kazoo", waiting).await.unwrap().unwrap();

    // Ours holds: kazoo fails without blocking, then waits, and gets it once we release.
    kazoo.say("go");
    assert_eq!(hear(&mut kazoo), "False");
    assert_eq!(hear(&mut kazoo), "waiting");
    wait_children(&client, "/il", "kazoo's node", |c| c.len() == 2).await;
    guard.release().await.unwrap();
    assert_eq!(hear(&mut kazoo), "True");
    assert_eq!(hear(&mut kazoo), "kazoo");
    finish(kazoo);
    assert!(children(&client, "/il").await.is_empty());
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_and_write_locks_across_languages() {
    let connect = support::chroot("interop-rw").await;
    let client = support::client(&connect).await;
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        rl = zk.ReadLock("/rw", "kr")
        rl.acquire()
        say("read")
        hear()
        say(zk.WriteLock("/rw", "kw").acquire(blocking=False))
        say(",".join(rl.contenders()))
        hear()
        rl.release()
        say("unread")
        hear()
        rl2 = zk.ReadLock("/rw", "kr2")
        say("waiting-read")
        say(rl2.acquire(timeout=20))
        hear()
        rl2.release()
        wl = zk.WriteLock("/rw", "kw")
        say("waiting-write")
        say(wl.acquire(timeout=20))
        wl.release()
        "#,
    );
    assert_eq!(hear(&mut kazoo), "read");
    // Readers share across languages; our writer waits for kazoo's reader.
    let our_read = ReadLock::new(&client, "/rw").with_identifier("rr");
    let read_guard = our_read
        .try_acquire()
        .await
        .unwrap()
        .expect("readers share");
    let writer = WriteLock::new(&client, "/rw").with_identifier("rw");
    let writing = tokio::spawn({
        let writer = writer.clone();
        async move { writer.acquire(None).await }
    });
    wait_children(&client, "/rw", "our writer's node", |c| c.len() == 3).await;
    kazoo.say("check");
    assert_eq!(
        hear(&mut kazoo),
        "False",
        "kazoo's writer waits for both readers"
    );
    assert_eq!(hear(&mut kazoo), "kr,rr,rw");
    assert_eq!(writer.contenders().await.unwrap(), ["kr", "rr", "rw"]);
    read_guard.release().await.unwrap();
    assert!(!writing.is_finished(), "kazoo's reader still holds");
    kazoo.say("release");
    assert_eq!(hear(&mut kazoo), "unread");
    let write_guard = soon("our writer", writing).await.unwrap().unwrap();

    // kazoo's reader waits for our writer.
    kazoo.say("next");
    assert_eq!(hear(&mut kazoo), "waiting-read");
    wait_children(&client, "/rw", "kazoo's reader's node", |c| c.len() == 2).await;
    write_guard.release().await.unwrap();
    assert_eq!(hear(&mut kazoo), "True");

    // kazoo's writer waits for our reader (and kazoo's, released by the script).
    let read_guard = our_read.acquire(None).await.unwrap();
    kazoo.say("next");
    assert_eq!(hear(&mut kazoo), "waiting-write");
    wait_children(&client, "/rw", "kazoo's writer's node", |c| {
        c.len() == 2 && c.iter().any(|n| n.contains("__lock__"))
    })
    .await;
    read_guard.release().await.unwrap();
    assert_eq!(hear(&mut kazoo), "True");
    finish(kazoo);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_election_is_seen_the_same_by_both() {
    let connect = support::chroot("interop-election").await;
    let client = support::client(&connect).await;
    let first = Election::new(&client, "/el").with_identifier("rs-1");
    let leadership = first.lead(None).await.unwrap();
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        import threading
        e = zk.Election("/el", "py")
        stop = threading.Event()
        def lead():
            say("py leads")
            stop.wait()
        t = threading.Thread(target=e.run, args=(lead,))
        t.start()
        hear()
        say(",".join(e.contenders()))
        hear()
        stop.set()
        t.join()
        say("stepped down")
        "#,
    );
    wait_children(&client, "/el", "kazoo's contender", |c| c.len() == 2).await;
    let second = Election::new(&client, "/el").with_identifier("rs-2");
    let running = tokio::spawn({
        let second = second.clone();
        async move { second.run(async { "rs-2 led" }).await }
    });
    wait_children(&client, "/el", "our second contender", |c| c.len() == 3).await;
    kazoo.say("contenders?");
    assert_eq!(hear(&mut kazoo), "rs-1,py,rs-2");
    assert_eq!(second.contenders().await.unwrap(), ["rs-1", "py", "rs-2"]);
    assert_eq!(second.leader().await.unwrap().as_deref(), Some("rs-1"));

    leadership.release().await.unwrap();
    assert_eq!(hear(&mut kazoo), "py leads");
    assert_eq!(second.leader().await.unwrap().as_deref(), Some("py"));
    assert!(!running.is_finished());
    kazoo.say("step down");
    assert_eq!(hear(&mut kazoo), "stepped down");
    assert_eq!(
        soon("rs-2 leads", running).await.unwrap().unwrap(),
        "rs-2 led"
    );
    finish(kazoo);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_semaphore_is_shared_by_both() {
    let connect = support::chroot("interop-sem").await;
    let client = support::client(&connect).await;
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        sem = zk.Semaphore("/sem", "py", max_leases=2)
        sem.acquire()
        say("acquired")
        hear()
        say(",".join(sorted(sem.lease_holders())))
        try:
            zk.Semaphore("/sem", "bad", max_leases=3).acquire(blocking=False)
            say("no error")
        except ValueError as e:
            say("ValueError")
        sem2 = zk.Semaphore("/sem", "py2", max_leases=2)
        say("waiting")
        say(sem2.acquire(timeout=20))
        hear()
        sem.release()
        sem2.release()
        say("released")
        "#,
    );
    assert_eq!(hear(&mut kazoo), "acquired");
    assert_eq!(client.get_data("/sem").await.unwrap().0.as_ref(), b"2");
    let ours = Semaphore::new(&client, "/sem", 2).with_identifier("rs");
    let lease = ours.try_acquire().await.unwrap().expect("a second lease");
    let mut holders = ours.lease_holders().await.unwrap();
    holders.sort();
    assert_eq!(holders, ["py", "rs"]);
    assert!(
        Semaphore::new(&client, "/sem", 2)
            .try_acquire()
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        Semaphore::new(&client, "/sem", 3).try_acquire().await,
        Err(RecipeError::Inconsistent(_))
    ));
    kazoo.say("holders?");
    assert_eq!(hear(&mut kazoo), "py,rs");
    assert_eq!(hear(&mut kazoo), "ValueError");

    // kazoo waits for a lease while we hold one; ours waits while kazoo holds both.
    assert_eq!(hear(&mut kazoo), "waiting");
    wait_children(
        &client,
        "/sem-__lock__",
        "kazoo waiting under the lock",
        |c| c.len() == 1,
    )
    .await;
    lease.release().await.unwrap();
    assert_eq!(hear(&mut kazoo), "True");
    let waiting = tokio::spawn({
        let ours = ours.clone();
        async move { ours.acquire(None).await }
    });
    wait_children(
        &client,
        "/sem-__lock__",
        "ours waiting under the lock",
        |c| c.len() == 1,
    )
    .await;
    kazoo.say("release");
    assert_eq!(hear(&mut kazoo), "released");
    let lease = soon("our lease", waiting).await.unwrap().unwrap();
    assert_eq!(ours.lease_holders().await.unwrap(), ["rs"]);
    lease.release().await.unwrap();
    finish(kazoo);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_is_seen_the_same_by_both() {
    let connect = support::chroot("interop-lease").await;
    let client = support::client(&connect).await;
    let ten_minutes = Duration::from_secs(600);
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        import datetime
        d = datetime.timedelta(minutes=10)
        say(bool(zk.NonBlockingLease("/lease", d, identifier="py")))
        say(zk.get("/lease/lease_holder")[0].decode())
        hear()
        say(bool(zk.NonBlockingLease("/lease2", d, identifier="py")))
        say(bool(zk.NonBlockingLease("/lease2", d, identifier="rs")))
        say(bool(zk.MultiNonBlockingLease(2, "/multi", d, identifier="py")))
        say(bool(zk.MultiNonBlockingLease(2, "/multi", d, identifier="py3")))
        "#,
    );
    assert_eq!(hear(&mut kazoo), "True");
    let written = hear(&mut kazoo);
    let (raw, _) = client.get_data("/lease/lease_holder").await.unwrap();
    assert_eq!(raw.as_ref(), written.as_bytes());
    let record = LeaseRecord::decode(&raw).unwrap();
    assert_eq!(record.holder, "py");
    assert_eq!(record.encode(), raw.as_ref(), "kazoo's bytes, reproduced");
    // Held by kazoo: another identity is refused, kazoo's identity renews.
    assert!(
        !NonBlockingLease::new(&client, "/lease", ten_minutes)
            .with_identifier("rs")
            .obtain()
            .await
            .unwrap()
    );
    assert!(
        NonBlockingLease::new(&client, "/lease", ten_minutes)
            .with_identifier("py")
            .obtain()
            .await
            .unwrap()
    );
    // Held by us: kazoo is refused under another identity, renews under ours.
    assert!(
        NonBlockingLease::new(&client, "/lease2", ten_minutes)
            .with_identifier("rs")
            .obtain()
            .await
            .unwrap()
    );
    let multi = zk_recipes::MultiNonBlockingLease::new(&client, "/multi", 2, ten_minutes)
        .with_identifier("rs");
    assert_eq!(multi.obtain().await.unwrap(), Some(0));
    kazoo.say("go");
    assert_eq!(hear(&mut kazoo), "False");
    assert_eq!(hear(&mut kazoo), "True");
    assert_eq!(hear(&mut kazoo), "True", "kazoo takes the second slot");
    assert_eq!(hear(&mut kazoo), "False", "both slots are held");
    assert_eq!(multi.slot(1).holder().await.unwrap().unwrap().holder, "py");
    finish(kazoo);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_is_partitioned_between_both() {
    let connect = support::chroot("interop-partition").await;
    let client = support::client(&connect).await;
    let set = ["a", "b", "c", "d"].map(String::from);
    let ours = SetPartitioner::builder(&client, "/part", set.clone())
        .with_identifier("rs")
        .with_time_boundary(Duration::from_millis(300))
        .with_max_reaction_time(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        p = zk.SetPartitioner("/part", set=("a", "b", "c", "d"), identifier="py",
                              time_boundary=0.3, max_reaction_time=0.2)
        while True:
            if p.failed:
                say("failed")
                break
            elif p.release:
                p.release_set()
            elif p.acquired:
                say(",".join(sorted(p)))
                break
            elif p.allocating:
                p.wait_for_acquire()
        hear()
        p.finish()
        say("finished")
        "#,
    );
    let share = soon("our share", async {
        loop {
            match ours.state() {
                PartitionState::Acquired => {
                    let id = ours.state_id();
                    let share = ours.partitions();
                    // Stop when kazoo has joined and the set was divided with it.
                    if share.len() == 2 {
                        return share;
                    }
                    ours.changed(id).await;
                }
                PartitionState::Release => ours.release_set().await.unwrap(),
                PartitionState::Allocating => {
                    ours.wait_for_acquire(Duration::from_secs(20)).await;
                }
                PartitionState::Failure => panic!("failed: {:?}", ours.failure()),
            }
        }
    })
    .await;
    assert_eq!(hear(&mut kazoo), "a,c", "py sorts before rs: items 0 and 2");
    assert_eq!(share, ["b", "d"]);
    kazoo.say("finish");
    assert_eq!(hear(&mut kazoo), "finished");
    finish(kazoo);
    ours.finish().await;
    client.close().await;
}
