//! The test network itself, without ZooKeeper: one-way and two-way blocks drop exactly the
//! packets they should, and nothing it made outlives the network or the test process.

mod partitions_support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use partitions_support::{PATIENCE, needs_netns, wait_for};
use zk_testing::{Endpoint, Network};

/// Set in the child processes these tests start; says which role to play.
const CHILD_ENV: &str = "ZK_TESTING_NETNS_CHILD";
/// Marks the child's lines among libtest's own output.
const MARK: &str = "zk-testing-child:";

/// Whether a namespace of that name exists.
fn netns_exists(name: &str) -> bool {
    let out = Command::new("ip").args(["netns", "list"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|line| line.split_whitespace().next() == Some(name))
}

/// Whether a link of that name exists in the root namespace.
fn link_exists(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

/// Everything a network made: its namespaces (the switch's included) and its root link.
fn made_by(net: &Network) -> (Vec<String>, String) {
    let mut names: Vec<String> = net
        .endpoints()
        .into_iter()
        .filter_map(|e| net.netns(e).map(str::to_owned))
        .collect();
    names.push(net.switch_netns());
    (names, net.root_link())
}

/// Starts this test binary again as `test`'s child, in `endpoint`'s namespace of `net` (or
/// in the root namespace without a network), and returns it with a channel of its marked
/// output lines.
fn spawn_child(
    net: Option<&Network>,
    endpoint: Endpoint,
    test: &str,
) -> (Child, ChildStdin, Receiver<String>) {
    let exe = std::env::current_exe().unwrap();
    let mut command = match net {
        Some(net) => net.command(endpoint, &exe),
        None => Command::new(&exe),
    };
    let mut child = command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest may print "test <name> ... " before the child's own output, on that line.
            if let Some((_, rest)) = line.split_once(MARK) {
                if tx.send(rest.trim().to_owned()).is_err() {
                    break;
                }
            }
        }
    });
    (child, stdin, rx)
}

fn is_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|v| v == test)
}

/// The child's next line, failing the test after a long wait.
fn next_line(rx: &Receiver<String>) -> String {
    rx.recv_timeout(PATIENCE)
        .expect("the child said nothing more")
}

/// The child side of `blocks_drop_exactly_the_blocked_direction`: a UDP peer in a node's
/// namespace that reports every datagram it gets and sends what it is told to.
fn udp_peer() {
    let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
    println!("{MARK} ready {}", socket.local_addr().unwrap().port());
    let receiver = socket.try_clone().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 64];
        loop {
            let (n, _) = receiver.recv_from(&mut buf).unwrap();
            println!("{MARK} got {}", String::from_utf8_lossy(&buf[..n]));
        }
    });
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let (to, message) = line.split_once(' ').unwrap();
        socket.send_to(message.as_bytes(), to).unwrap();
        println!("{MARK} sent {message}");
    }
    // The parent closed our stdin: done (the receiving thread would block forever).
    std::process::exit(0);
}

/// Absence is shown by order, not by waiting: a datagram sent while its direction is blocked
/// must never arrive, so the first one the receiver reports after the heal is the one sent
/// after it.
#[test]
fn blocks_drop_exactly_the_blocked_direction() {
    const TEST: &str = "blocks_drop_exactly_the_blocked_direction";
    if is_child(TEST) {
        return udp_peer();
    }
    let net = needs_netns(Network::create(1, 0));
    let node = Endpoint::Node(0);
    let (mut child, mut to_child, from_child) = spawn_child(Some(&net), node, TEST);
    let port: u16 = next_line(&from_child)
        .strip_prefix("ready ")
        .unwrap()
        .parse()
        .unwrap();
    let peer = SocketAddr::from((net.address(node), port));
    let me = UdpSocket::bind((net.address(Endpoint::TestProcess), 0)).unwrap();
    me.set_read_timeout(Some(PATIENCE)).unwrap();
    let my_addr = me.local_addr().unwrap();

    let mut child_sends = |message: &str| {
        writeln!(to_child, "{my_addr} {message}").unwrap();
        assert_eq!(next_line(&from_child), format!("sent {message}"));
    };
    let mut buf = [0u8; 64];
    let mut receive = |me: &UdpSocket| {
        let (n, from) = me.recv_from(&mut buf).expect("a datagram from the child");
        assert_eq!(from.ip(), net.address(node));
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };

    // Open: both directions.
    me.send_to(b"hello", peer).unwrap();
    assert_eq!(next_line(&from_child), "got hello");
    child_sends("hi");
    assert_eq!(receive(&me), "hi");

    // The test process's packets to the node are dropped; the node's still arrive.
    net.block(Endpoint::TestProcess, node).unwrap();
    assert!(net.is_blocked(Endpoint::TestProcess, node));
    assert!(!net.is_blocked(node, Endpoint::TestProcess));
    me.send_to(b"lost-1", peer).unwrap();
    child_sends("through-1");
    assert_eq!(receive(&me), "through-1");
    net.heal().unwrap();
    assert!(net.blocked().is_empty());
    me.send_to(b"after-1", peer).unwrap();
    assert_eq!(next_line(&from_child), "got after-1", "lost-1 got through");

    // The other way round.
    net.block(node, Endpoint::TestProcess).unwrap();
    child_sends("lost-2");
    me.send_to(b"through-2", peer).unwrap();
    assert_eq!(next_line(&from_child), "got through-2");
    net.unblock(node, Endpoint::TestProcess).unwrap();
    child_sends("after-2");
    assert_eq!(receive(&me), "after-2", "lost-2 got through");

    // Both ways.
    net.isolate(node).unwrap();
    assert_eq!(
        net.blocked(),
        [(Endpoint::TestProcess, node), (node, Endpoint::TestProcess)]
    );
    me.send_to(b"lost-3", peer).unwrap();
    child_sends("lost-4");
    net.heal().unwrap();
    me.send_to(b"after-3", peer).unwrap();
    assert_eq!(next_line(&from_child), "got after-3", "lost-3 got through");
    child_sends("after-4");
    assert_eq!(receive(&me), "after-4", "lost-4 got through");

    drop(to_child);
    assert!(child.wait().unwrap().success());
}

#[test]
fn drop_removes_everything_and_networks_do_not_collide() {
    let (a, b) = thread::scope(|s| {
        let a = s.spawn(|| needs_netns(Network::create(2, 1)));
        let b = s.spawn(|| needs_netns(Network::create(1, 0)));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.subnet(), b.subnet());
    assert_ne!(
        a.address(Endpoint::TestProcess),
        b.address(Endpoint::TestProcess)
    );
    assert_eq!(a.endpoints().len(), 4);
    let (names, link) = made_by(&a);
    assert_eq!(names.len(), 4, "{names:?}");
    for name in &names {
        assert!(netns_exists(name), "{name} should exist");
    }
    assert!(link_exists(&link));
    let (b_names, b_link) = made_by(&b);
    assert!(names.iter().all(|n| !b_names.contains(n)));

    drop(a);
    for name in &names {
        assert!(!netns_exists(name), "{name} should be gone");
    }
    assert!(!link_exists(&link), "{link} should be gone");
    // The other network is untouched.
    assert!(b_names.iter().all(|n| netns_exists(n)));
    assert!(link_exists(&b_link));
}

#[test]
fn sigkill_of_the_test_process_removes_its_network() {
    const TEST: &str = "sigkill_of_the_test_process_removes_its_network";
    if is_child(TEST) {
        let net = needs_netns(Network::create(2, 0));
        let (names, link) = made_by(&net);
        println!("{MARK} {link} {}", names.join(" "));
        thread::sleep(Duration::from_secs(120));
        panic!("the parent test should have killed this process");
    }
    let (mut child, _stdin, from_child) = spawn_child(None, Endpoint::TestProcess, TEST);
    let line = next_line(&from_child);
    let mut parts = line.split_whitespace().map(str::to_owned);
    let link = parts.next().unwrap();
    let names: Vec<String> = parts.collect();
    assert_eq!(names.len(), 3, "{line}");
    assert!(link_exists(&link));
    assert!(names.iter().all(|n| netns_exists(n)));

    let status = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();
    // Nothing signals the guard's teardown to this process: poll for it.
    wait_for("the guard to remove the network", || {
        (!link_exists(&link) && names.iter().all(|n| !netns_exists(n))).then_some(())
    });
}
