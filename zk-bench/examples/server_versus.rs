//! zk-server beside Debian's ZooKeeper 3.8 on this machine, in one run: the same `zk-bench`
//! workloads (our client on tokio, as the peer harness runs it) against each server, the
//! medians of `--reps` interleaved repetitions, and zk-server's memory per znode and per
//! session, read from its process's resident set.
//!
//! ```text
//! cargo build --release -p zk-bench -p zk-server
//! cargo run --release -p zk-bench --example server_versus [-- --reps 3]
//! ```
//!
//! ZooKeeper is started by `zk-testing` with `forceSync=no` (as the peer harness configures
//! it: the disk is not what is measured); zk-server is its release binary, a process of its
//! own like ZooKeeper's JVM. Both share the machine's cores with the client.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use zk_client_tokio::{CreateMode, CreateOptions};

/// (workload, n, window), as the peer harness's defaults.
const WORKLOADS: [(&str, usize, usize); 4] = [
    ("get-seq", 20_000, 1),
    ("get-pipe", 200_000, 1000),
    ("set-pipe", 100_000, 1000),
    ("create-pipe", 50_000, 1000),
];
const ZNODES: usize = 100_000;
const SESSIONS: usize = 1000;

/// The release binaries next to this example's.
fn release_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the example's path");
    let dir = exe.parent().and_then(Path::parent).expect("target/release");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: cargo build --release -p zk-bench -p zk-server",
        path.display()
    );
    path
}

/// The zk-server binary on a free port, until dropped.
struct ZkServer {
    child: Child,
    addr: String,
}

impl ZkServer {
    fn start() -> ZkServer {
        let mut child = Command::new(release_binary("zk-server"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start zk-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("zk-server says where it listens");
        let addr = line
            .trim()
            .strip_prefix("zk-server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        ZkServer { child, addr }
    }

    /// The process's resident set, in bytes.
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmRSS");
        kb * 1024
    }
}

impl Drop for ZkServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One zk-bench run: its ops/s.
fn bench(connect: &str, workload: &str, n: usize, window: usize) -> f64 {
    let output = Command::new(release_binary("zk-bench"))
        .args([
            "--adapter",
            "tokio",
            "--connect",
            connect,
            "--workload",
            workload,
        ])
        .args([
            "--n",
            &n.to_string(),
            "--window",
            &window.to_string(),
            "--size",
            "100",
        ])
        .stderr(Stdio::null())
        .output()
        .expect("run zk-bench");
    assert!(
        output.status.success(),
        "zk-bench {workload} on {connect} failed"
    );
    let line = String::from_utf8_lossy(&output.stdout);
    let result: serde_json::Value = serde_json::from_str(line.trim()).expect("zk-bench's JSON");
    result["ops_per_s"].as_f64().expect("ops_per_s")
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let reps: usize = std::env::args()
        .skip_while(|a| a != "--reps")
        .nth(1)
        .map_or(3, |r| r.parse().expect("--reps N"));
    let zookeeper = zk_testing::Cluster::builder()
        .config("forceSync", "no")
        .start()
        .expect("start ZooKeeper");
    let server = ZkServer::start();
    let version = zk_testing::four_letter(zookeeper.connect_string(), "srvr").unwrap_or_default();
    println!(
        "ZooKeeper: {}",
        version
            .lines()
            .next()
            .unwrap_or("?")
            .trim_start_matches("Zookeeper version: ")
    );
    println!("{reps} repetitions, interleaved; medians; zk-bench on tokio, 100-byte data\n");
    println!("| workload | ZooKeeper ops/s | zk-server ops/s | zk-server / ZooKeeper |");
    println!("|---|---:|---:|---:|");
    for (workload, n, window) in WORKLOADS {
        let (mut real, mut ours) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            real.push(bench(&zookeeper.connect_string(), workload, n, window));
            ours.push(bench(&server.addr, workload, n, window));
        }
        let (real, ours) = (median(real), median(ours));
        println!(
            "| {workload} | {real:.0} | {ours:.0} | {:.1}x |",
            ours / real
        );
    }
    drop(server);

    // Memory: a fresh server, then ZNODES znodes of 100 bytes, then SESSIONS idle sessions.
    let server = ZkServer::start();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let client = zk_client_tokio::connect(&server.addr)
            .await
            .expect("connect");
        client.create("/mem", "").await.expect("/mem");
        let settled = server.rss();
        let options = CreateOptions::mode(CreateMode::Persistent);
        let data = vec![b'x'; 100];
        for chunk in (0..ZNODES).collect::<Vec<_>>().chunks(1000) {
            let pending: Vec<_> = chunk
                .iter()
                .map(|i| client.create_with(&format!("/mem/n{i:06}"), data.clone(), &options))
                .collect();
            for created in pending {
                created.await.expect("create");
            }
        }
        let with_nodes = server.rss();
        let mut sessions = Vec::with_capacity(SESSIONS);
        for _ in 0..SESSIONS {
            let session = zk_client_tokio::builder(&server.addr)
                .session_timeout(Duration::from_secs(30))
                .connect()
                .await
                .expect("a session");
            sessions.push(session);
        }
        let with_sessions = server.rss();
        println!("\nzk-server memory (resident set of its process):\n");
        println!("| what | bytes each |");
        println!("|---|---:|");
        println!(
            "| znode (100-byte data, {ZNODES} of them) | {} |",
            with_nodes.saturating_sub(settled) / ZNODES as u64
        );
        println!(
            "| connected idle session ({SESSIONS} of them) | {} |",
            with_sessions.saturating_sub(with_nodes) / SESSIONS as u64
        );
        for session in sessions {
            session.close().await;
        }
        client.close().await;
    });
}
