//! Queues, counters, parties and barriers beside real kazoo (Debian's python3-kazoo) on the same
//! paths: queues filled by one and drained by the other, a LockingQueue shared, counters
//! incremented by both in each encoding, parties and barriers across the two languages.

mod support;

use std::time::Duration;

use support::kazoo::{self, Kazoo};
use support::within;
use zk_recipes::{
    Barrier, Counter, DoubleBarrier, LockingQueue, Party, Queue, RecipeError, ShallowParty,
};

const WAIT: Duration = Duration::from_secs(20);

/// Reads kazoo's next line without blocking the runtime's other tasks.
fn hear(kazoo: &mut Kazoo) -> String {
    tokio::task::block_in_place(|| kazoo.hear(WAIT))
}

/// The chroot part of a connect string (`host:port,.../chroot` → `/chroot`).
fn chroot_of(connect: &str) -> &str {
    connect.find('/').map_or("", |at| &connect[at..])
}

fn finish(kazoo: Kazoo) -> Vec<String> {
    tokio::task::block_in_place(|| kazoo.finish())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_filled_by_kazoo_is_drained_by_rust_in_priority_order() {
    let connect = support::chroot("interop-queue-k2r").await;
    let client = support::client(&connect).await;
    let said = tokio::task::block_in_place(|| {
        kazoo::run(
            &connect,
            r#"
            q = zk.Queue("/q")
            q.put(b"a")
            q.put(b"b", priority=5)
            q.put(b"c")
            q.put(b"d", priority=0)
            q.put(b"e", priority=999)
            say(",".join(sorted(zk.get_children("/q"))))
            "#,
        )
    });
    assert_eq!(
        said,
        [
            "entry-000-0000000003,entry-005-0000000001,entry-100-0000000000,entry-100-0000000002,entry-999-0000000004"
        ]
    );
    let mut queue = Queue::new(&client, "/q");
    assert_eq!(queue.len().await.unwrap(), 5);
    let mut got = Vec::new();
    while let Some(value) = queue.get().await.unwrap() {
        got.push(String::from_utf8(value.to_vec()).unwrap());
    }
    assert_eq!(got, ["d", "b", "a", "c", "e"]);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_filled_by_rust_is_drained_by_kazoo_in_priority_order() {
    let connect = support::chroot("interop-queue-r2k").await;
    let client = support::client(&connect).await;
    let queue = Queue::new(&client, "/q");
    queue.put("a").await.unwrap();
    queue.put_with_priority("b", 5).await.unwrap();
    queue.put("c").await.unwrap();
    queue.put_with_priority("d", 0).await.unwrap();
    let said = tokio::task::block_in_place(|| {
        kazoo::run(
            &connect,
            r#"
            q = zk.Queue("/q")
            say(len(q))
            got = []
            while True:
                v = q.get()
                if v is None:
                    break
                got.append(v.decode())
            say(",".join(got))
            "#,
        )
    });
    assert_eq!(said, ["4", "d,b,a,c"]);
    assert!(queue.is_empty().await.unwrap());
    client.close().await;
}

/// kazoo and Rust take turns on one LockingQueue: each skips what the other holds, sees the
/// other's lock as kazoo writes it, consumes and releases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_queue_shared_with_kazoo() {
    let connect = support::chroot("interop-lqueue").await;
    let client = support::client(&connect).await;
    let mut queue = LockingQueue::new(&client, "/lq");
    queue.put_all(["r1", "r2", "r3"], 100).await.unwrap();
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        lq = zk.LockingQueue("/lq")
        lq.put(b"k1", priority=1)
        say(lq.get(10).decode(), lq.id.decode())
        hear()
        say(lq.holds_lock())
        say(lq.consume())
        say(lq.get(10).decode())
        say(lq.release())
        hear()
        say(lq.get(10).decode())
        say(lq.consume())
        say(len(lq))
        "#,
    );
    // kazoo took its own high-priority entry, and locked it as kazoo does.
    let line = hear(&mut kazoo);
    let (value, kazoo_id) = line.split_once(' ').unwrap();
    assert_eq!(value, "k1");
    let (owner, _) = client
        .get_data("/lq/taken/entry-001-0000000003")
        .await
        .unwrap();
    assert_eq!(owner.as_ref(), kazoo_id.as_bytes());
    // Rust skips it.
    assert_eq!(queue.get(Some(WAIT)).await.unwrap().as_ref(), b"r1");
    kazoo.say("go");
    assert_eq!(hear(&mut kazoo), "True", "kazoo holds its lock");
    assert_eq!(hear(&mut kazoo), "True", "kazoo consumed");
    assert_eq!(hear(&mut kazoo), "r2", "kazoo skips Rust's lock");
    assert_eq!(hear(&mut kazoo), "True", "kazoo released");
    assert!(queue.holds_lock().await.unwrap());
    assert!(queue.consume().await.unwrap());
    // What kazoo released, Rust takes and releases; kazoo then takes it and consumes.
    assert_eq!(queue.get(Some(WAIT)).await.unwrap().as_ref(), b"r2");
    assert!(queue.release().await.unwrap());
    kazoo.say("go");
    assert_eq!(hear(&mut kazoo), "r2");
    assert_eq!(hear(&mut kazoo), "True");
    assert_eq!(hear(&mut kazoo), "1", "r3 is left");
    finish(kazoo);
    assert_eq!(queue.get(Some(WAIT)).await.unwrap().as_ref(), b"r3");
    assert!(queue.consume().await.unwrap());
    assert!(queue.is_empty().await.unwrap());
    client.close().await;
}

/// kazoo and Rust increment the same counters at the same time, in each encoding: nothing is
/// lost, and both read the same values and bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_incremented_by_kazoo_and_rust() {
    let connect = support::chroot("interop-counter").await;
    let client = support::client(&connect).await;
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        c = zk.Counter("/int")
        f = zk.Counter("/float", default=0.0)
        s = zk.Counter("/curator", support_curator=True)
        say("ready")
        for i in range(40):
            c += 1
            f += 0.5
            s += 1
        say("done")
        hear()
        say(repr(c.value), repr(f.value), s.value, zk.get("/curator")[0].hex())
        "#,
    );
    assert_eq!(hear(&mut kazoo), "ready");
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut int: Counter = Counter::new(&client, "/int");
            let mut float = Counter::<f64>::new(&client, "/float");
            let mut curator = Counter::<i32>::curator(&client, "/curator");
            for _ in 0..20 {
                int.add(1).await.unwrap();
                float.add(0.5).await.unwrap();
                curator.add(1).await.unwrap();
            }
        }));
    }
    for task in tasks {
        within(WAIT, "the Rust incrementers", task).await.unwrap();
    }
    assert_eq!(hear(&mut kazoo), "done");
    kazoo.say("report");
    assert_eq!(hear(&mut kazoo), "80 40.0 80 00000050");
    finish(kazoo);
    let int: Counter = Counter::new(&client, "/int");
    assert_eq!(int.value().await.unwrap(), 80);
    assert_eq!(client.get_data("/float").await.unwrap().0.as_ref(), b"40.0");
    assert_eq!(
        Counter::<i32>::curator(&client, "/curator")
            .value()
            .await
            .unwrap(),
        80
    );
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parties_seen_the_same_by_kazoo_and_rust() {
    let connect = support::chroot("interop-party").await;
    let client = support::client(&connect).await;
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        p = zk.Party("/party", "py")
        p.join()
        sp = zk.ShallowParty("/shallow", "py-host")
        sp.join()
        say("joined")
        hear()
        say(",".join(sorted(p)), ",".join(sorted(sp)), len(p), len(sp))
        p.leave()
        sp.leave()
        say("left")
        hear()
        "#,
    );
    let mut party = Party::new(&client, "/party").with_identifier("rs");
    let mut shallow = ShallowParty::new(&client, "/shallow").with_identifier("rs-host");
    party.join().await.unwrap();
    shallow.join().await.unwrap();
    assert_eq!(hear(&mut kazoo), "joined");
    let mut members = party.members().await.unwrap();
    members.sort();
    assert_eq!(members, ["py", "rs"]);
    let mut names = shallow.members().await.unwrap();
    names.sort();
    assert_eq!(names, ["py-host", "rs-host"]);
    kazoo.say("your view");
    assert_eq!(hear(&mut kazoo), "py,rs py-host,rs-host 2 2");
    assert_eq!(hear(&mut kazoo), "left");
    assert_eq!(party.members().await.unwrap(), ["rs"]);
    assert_eq!(shallow.members().await.unwrap(), ["rs-host"]);
    kazoo.say("bye");
    finish(kazoo);
    client.close().await;
}

/// A barrier raised by one language is waited on by the other; a double barrier with one
/// member from each language opens and closes for both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barriers_across_languages() {
    let connect = support::chroot("interop-barrier").await;
    let client = support::client(&connect).await;
    let mut kazoo = Kazoo::start(
        &connect,
        r#"
        b = zk.Barrier("/gate")
        b.create()
        say("up")
        hear()
        say(b.remove())
        r = zk.Barrier("/rust-gate")
        say(r.wait(15))
        db = zk.DoubleBarrier("/round", 2, identifier="py")
        db.enter()
        say("entered", db.participating)
        hear()
        db.leave()
        say("left")
        "#,
    );
    // kazoo's barrier holds Rust until kazoo removes it.
    assert_eq!(hear(&mut kazoo), "up");
    let gate = Barrier::new(&client, "/gate");
    assert_eq!(
        gate.wait(Some(Duration::from_millis(50))).await,
        Err(RecipeError::Timeout)
    );
    let waiting = tokio::spawn(async move { gate.wait(Some(WAIT)).await });
    let rust_gate = Barrier::new(&client, "/rust-gate");
    rust_gate.create().await.unwrap();
    kazoo.say("remove it");
    assert_eq!(hear(&mut kazoo), "True");
    within(WAIT, "the barrier", waiting).await.unwrap().unwrap();

    // Rust's barrier holds kazoo until Rust removes it, once kazoo waits on it (its watch
    // shows on the server).
    let watched = format!("{}/rust-gate", chroot_of(&connect));
    within(WAIT, "kazoo's watch", async {
        loop {
            let report =
                zk_testing::four_letter(support::watches::first_host(&connect), "wchp").unwrap();
            if report.lines().any(|line| line == watched) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(rust_gate.remove().await.unwrap());
    assert_eq!(hear(&mut kazoo), "True");

    // The double barrier: one member each.
    let mut round = DoubleBarrier::new(&client, "/round", 2).with_identifier("rs");
    round.enter(Some(WAIT)).await.unwrap();
    assert_eq!(hear(&mut kazoo), "entered True");
    let mut identifiers = Vec::new();
    for child in client.get_children("/round").await.unwrap() {
        let data = client.get_data(&format!("/round/{child}")).await.unwrap().0;
        identifiers.push(String::from_utf8(data.to_vec()).unwrap());
    }
    identifiers.sort();
    assert_eq!(identifiers, ["", "py", "rs"], "two members and `ready`");
    kazoo.say("leave");
    round.leave(Some(WAIT)).await.unwrap();
    assert_eq!(hear(&mut kazoo), "left");
    finish(kazoo);
    assert!(client.get_children("/round").await.unwrap().is_empty());
    client.close().await;
}
