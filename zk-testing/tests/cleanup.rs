//! No server outlives its cluster or its test process.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{process_exists, wait_until};
use zk_testing::Cluster;

/// Set in the child process started by `sigkill_of_the_test_process_kills_its_servers`.
const CHILD_ENV: &str = "ZK_TESTING_SIGKILL_CHILD";
const READY: &str = "zk-testing-child-ready";

#[test]
fn drop_kills_servers_and_removes_directories() {
    let cluster = Cluster::builder().start().unwrap();
    let node = cluster.node(0);
    let pid = node.pid().unwrap();
    let dir = node.dir().to_path_buf();
    assert!(process_exists(pid));
    assert!(dir.join("zoo.cfg").is_file());
    assert!(dir.join("zookeeper.log").is_file());
    // A restarted node is cleaned up as well (its first wrapper was dismissed).
    node.kill().unwrap();
    node.start().unwrap();
    let pid2 = node.pid().unwrap();

    drop(cluster);
    assert!(!process_exists(pid));
    assert!(!process_exists(pid2), "drop waits until the server is gone");
    assert!(!dir.exists(), "drop removes the node directory");
}

#[test]
fn sigkill_of_the_test_process_kills_its_servers() {
    if std::env::var_os(CHILD_ENV).is_some() {
        // The child: start a server, say where it is, and wait to be killed.
        let cluster = Cluster::builder().start().unwrap();
        let node = cluster.node(0);
        println!("{READY} {} {}", node.pid().unwrap(), node.dir().display());
        thread::sleep(Duration::from_secs(120));
        panic!("the parent test should have killed this process");
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "sigkill_of_the_test_process_kills_its_servers",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest prints "test <name> ... " before the test's own output, on that line.
            if let Some((_, rest)) = line.split_once(READY) {
                let mut parts = rest.split_whitespace();
                let pid: u32 = parts.next().unwrap().parse().unwrap();
                let dir = PathBuf::from(parts.next().unwrap());
                let _ = tx.send((pid, dir));
            }
        }
    });
    let ready = rx.recv_timeout(Duration::from_secs(30));
    let status = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    let (pid, dir) = ready.expect("the child process started a server");

    assert!(
        wait_until(Duration::from_secs(10), || !process_exists(pid)),
        "the server (pid {pid}) outlived the SIGKILLed test process"
    );
    assert!(
        wait_until(Duration::from_secs(10), || !dir.exists()),
        "{} was not removed",
        dir.display()
    );
}
