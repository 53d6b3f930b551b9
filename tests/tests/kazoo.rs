//! kazoo (Debian's python3-kazoo) against the embedded zk-server and against real ZooKeeper:
//! the same script of kazoo's client and recipes (`tests/kazoo/tour.py`) must succeed on both
//! and print the same lines, so a foreign client sees zk-server behave as ZooKeeper does.

use std::process::Command;
use std::time::Duration;

use zk_server::EmbeddedServer;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/kazoo/tour.py");

/// Runs the tour against `connect` (chroot created first); returns what it printed.
fn tour(connect: &str) -> Vec<String> {
    let chroot = zk_testing::unique_chroot("kazoo-tour");
    let admin = zk_client_blocking::builder(connect)
        .session_timeout(Duration::from_secs(10))
        .connect()
        .expect("connect to create the chroot");
    admin.create(&chroot, "").expect("create the chroot");
    admin.close();
    let output = Command::new("/usr/bin/python3")
        .arg(SCRIPT)
        .env("ZK_CONNECT", format!("{connect}{chroot}"))
        .output()
        .expect("/usr/bin/python3 with python3-kazoo (scripts/install-deps.sh installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the kazoo tour failed against {connect}: {}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

#[test]
fn kazoo_sees_zk_server_as_it_sees_zookeeper() {
    let server = EmbeddedServer::start().expect("the embedded server starts");
    let embedded = tour(&server.connect_string());
    assert_eq!(
        embedded.last().map(String::as_str),
        Some("ok"),
        "{embedded:#?}"
    );

    // Real ZooKeeper: an external one named by ZK_TESTING_CONNECT, else the shared Java
    // server; never the embedded one (ZK_TESTING_SERVER=embedded must not make this compare
    // zk-server with itself).
    let real = match std::env::var(zk_testing::CONNECT_ENV) {
        Ok(connect) if !connect.trim().is_empty() => connect,
        _ => zk_testing::shared().connect_string(),
    };
    let real = tour(&real);
    assert_eq!(
        embedded, real,
        "kazoo saw zk-server (left) and ZooKeeper (right) differ"
    );
}
