//! Host-name lookups: a name that does not resolve fails with the resolver's error, the client
//! reports it from `connect`, and lookups reuse a pooled thread instead of starting one each.
//! (One test in its own binary, so that no other test's threads are counted.)

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zk_client_blocking::{BlockingRuntime, Error, Runtime as _};

/// The process's threads, by id.
fn threads() -> BTreeSet<u64> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Every thread that existed at some point while `work` ran and not before, sampled from a
/// thread of its own (not counted) so that short-lived ones are seen too.
fn threads_during(work: impl FnOnce()) -> BTreeSet<u64> {
    let before = threads();
    let done = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let sampler = std::thread::spawn({
        let (done, seen) = (done.clone(), seen.clone());
        move || {
            let me = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
            let me: u64 = me.file_name().unwrap().to_str().unwrap().parse().unwrap();
            while !done.load(Ordering::SeqCst) {
                let new = threads()
                    .into_iter()
                    .filter(|t| *t != me && !before.contains(t));
                seen.lock().unwrap().extend(new);
                // Sampling, not waiting for anything: a pause keeps it from hogging a core.
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    work();
    done.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    Arc::try_unwrap(seen).unwrap().into_inner().unwrap()
}

const LOOKUPS: usize = 32;

#[test]
fn unresolvable_names_fail_and_lookups_do_not_start_a_thread_each() {
    let seen = threads_during(|| {
        for i in 0..LOOKUPS {
            // `.invalid` never resolves (RFC 6761).
            let host = format!("zk-{i}-{}.invalid", std::process::id());
            let err = zk_client_blocking::block_on(BlockingRuntime.resolve(&host, 2181))
                .expect_err("an .invalid name does not resolve");
            assert!(!err.to_string().is_empty());
        }
    });
    // One after another, the lookups run on pooled threads that stay when idle. The pool
    // (the `blocking` crate) adds a thread when a lookup is queued while none is idle, and the
    // thread that answered the previous lookup marks itself idle only after waking us, so now
    // and then, on a loaded machine, a lookup races it and a second or third thread appears.
    // A thread per lookup would show up as one new id each: the bound separates the two.
    assert!(
        !seen.is_empty() && seen.len() <= LOOKUPS / 4,
        "{} threads appeared over {LOOKUPS} lookups: {seen:?}",
        seen.len()
    );

    // Through the client: the attempt fails and `connect` says why.
    let err = zk_client_blocking::builder("zk.invalid:2181")
        .connect_timeout(Duration::from_millis(500))
        .connect()
        .expect_err("nothing to connect to");
    assert!(matches!(err, Error::ConnectFailed { .. }), "{err:?}");
    assert!(err.to_string().contains("zk.invalid"), "{err}");
}
