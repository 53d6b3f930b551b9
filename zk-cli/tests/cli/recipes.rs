//! counter, queue, barrier: kazoo's recipes on kazoo's nodes.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::support::{Zk, command};

#[test]
fn a_counter_counts_in_kazoos_encoding() {
    let zk = Zk::new("counter");
    assert_eq!(zk.run(&["counter", "get", "/hits"]).ok().stdout, "0\n");
    assert_eq!(zk.run(&["counter", "add", "/hits", "5"]).ok().stdout, "5\n");
    assert_eq!(
        zk.run(&["counter", "add", "/hits", "-2", "--json"])
            .ok()
            .json()["value"],
        3
    );
    // kazoo keeps the number as text in the node.
    assert_eq!(zk.client.get_data("/hits").unwrap().0.as_ref(), b"3");
    zk.put("/not-a-counter", b"hello");
    assert_eq!(zk.run(&["counter", "get", "/not-a-counter"]).code, 1);
}

#[test]
fn a_queue_hands_out_entries_by_priority_then_order() {
    let zk = Zk::new("queue");
    zk.run(&["queue", "put", "/q", "second"]).ok();
    zk.run(&["queue", "put", "/q", "first", "--priority", "1"])
        .ok();
    zk.run_with_stdin(&["queue", "put", "/q", "-"], b"third")
        .ok();
    assert_eq!(zk.run(&["queue", "len", "/q"]).ok().stdout, "3\n");
    assert_eq!(zk.run(&["queue", "get", "/q"]).ok().stdout, "first\n");
    assert_eq!(zk.run(&["queue", "get", "/q"]).ok().stdout, "second\n");
    assert_eq!(
        zk.run(&["queue", "get", "/q", "--json"]).ok().json()["data"],
        "third"
    );
    let empty = zk.run(&["queue", "get", "/q"]);
    assert_eq!(
        (empty.code, empty.stdout.as_str(), empty.stderr.as_str()),
        (1, "", "")
    );
}

#[test]
fn a_barrier_holds_waiters_until_removed() {
    let zk = Zk::new("barrier");
    zk.run(&["barrier", "create", "/gate"]).ok();
    let gave_up = zk.run(&["barrier", "wait", "/gate", "--timeout", "200ms"]);
    assert_eq!(gave_up.code, 10, "{gave_up:?}");
    assert!(
        gave_up.stderr.contains("barrier wait /gate: timed out"),
        "{gave_up:?}"
    );

    let mut waiter = command()
        .args(["--server", &zk.connect, "barrier", "wait", "/gate"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(waiter.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.starts_with("waiting for /gate"), "{line}");
    zk.run(&["barrier", "remove", "/gate"]).ok();
    assert!(waiter.wait().unwrap().success());
    assert_eq!(
        zk.run(&["barrier", "wait", "/gate"]).code,
        0,
        "no barrier: nothing to wait for"
    );
}
